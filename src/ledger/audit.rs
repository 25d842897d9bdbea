//! Audit rerun: check every sealed file against its manifest hash, then
//! recompute the period from the sealed inputs, rules and year-to-date
//! figures (not the current ones) and compare every output byte for byte.
//! A difference names the file, and for the results the employee and figure.

use super::results::{RESULTS_FILE, diff, read_column, read_ytd};
use super::seal::{Manifest, read_manifest};
use super::state::{self, Status};
use crate::emit::sink::hash_file;
use crate::error::{Error, Result};
use crate::i18n::Text;
use crate::model::Period;
use crate::pipeline::{Carried, Prior, compute, sha256_hex};
use crate::rules::validation::Severity;
use crate::validate::Finding;
use crate::workspace::Workspace;

/// What the audit found; empty `problems` means byte-identical.
#[derive(Debug)]
pub struct AuditReport {
    pub period: Period,
    pub manifest: Manifest,
    /// Files whose hashes were verified.
    pub verified: usize,
    /// Outputs recomputed and compared.
    pub compared: Vec<String>,
    pub problems: Vec<Finding>,
}

fn problem(code: &str, file: String, field: String, message: Text) -> Finding {
    Finding::about(
        code,
        Severity::Error,
        &file,
        &field,
        message,
        Text::new(
            "封存包不应被修改; 如需更正请 reopen 后重新 close",
            "sealed packages must not change; to correct a period, reopen and close it again",
        ),
    )
}

/// Audits the current sealed version of a closed period.
pub fn audit(ws: &Workspace, period: Period) -> Result<AuditReport> {
    let st = state::read(ws, period)?;
    let Some(st) = st.filter(|s| s.status == Status::Closed) else {
        return Err(Error::Usage(format!(
            "期间 {period} 没有关账, 没有可审计的封存包 / period {period} is not closed; nothing sealed to audit"
        )));
    };
    let dir_name = st.dir.unwrap_or_default();
    let dir = ws.ledger_dir(period).join(&dir_name);
    let shown = |p: &str| format!("ledger/{period}/{dir_name}/{p}");
    let manifest = read_manifest(&dir)?;
    let mut problems = Vec::new();
    let manifest_bytes = std::fs::read(dir.join(super::seal::MANIFEST_FILE)).unwrap_or_default();
    if st.manifest_sha256.as_deref() != Some(sha256_hex(&manifest_bytes).as_str()) {
        problems.push(problem(
            "U000",
            shown(super::seal::MANIFEST_FILE),
            String::new(),
            Text::new("manifest.json 在封存后被修改", "manifest.json changed after sealing"),
        ));
    }
    let mut verified = 0;
    for entry in &manifest.files {
        match hash_file(&dir.join(&entry.path)) {
            Ok((sha256, _)) if sha256 == entry.sha256 => verified += 1,
            Ok(_) => problems.push(problem(
                "U001",
                shown(&entry.path),
                String::new(),
                Text::new(
                    format!("封存文件 {} 已被修改 (sha256 不符)", entry.path),
                    format!("sealed file {} was changed (sha256 differs)", entry.path),
                ),
            )),
            Err(_) => problems.push(problem(
                "U001",
                shown(&entry.path),
                String::new(),
                Text::new(
                    format!("封存文件 {} 不见了", entry.path),
                    format!("sealed file {} is missing", entry.path),
                ),
            )),
        }
    }

    let sealed_ws = Workspace::open(&dir)?;
    let rules = sealed_ws.rules()?;
    let previous = std::fs::read(dir.join("previous.csv")).unwrap_or_default();
    let carried = Carried {
        ytd: read_ytd(&dir.join("ytd.csv"))?,
        previous_si_base: read_column(&previous, "si_pension_base")?,
    };
    // Recompute into a scratch folder; it is removed when the audit ends.
    let scratch = state::Staging::scratch()?;
    let computed = compute(&sealed_ws, &rules, period, Prior::Given(carried), &scratch.out())?;
    if computed.result.is_none() {
        problems.push(problem(
            "U004",
            shown("inputs"),
            String::new(),
            Text::new(
                "封存的输入重新校验未通过, 无法重算",
                "the sealed inputs no longer validate; cannot recompute",
            ),
        ));
    }
    let mut compared = Vec::new();
    for w in &computed.files {
        let name = &w.name;
        let rel = format!("outputs/{name}");
        compared.push(rel.clone());
        if manifest.files.iter().any(|f| f.path == rel && f.sha256 == w.sha256) {
            continue;
        }
        if name == RESULTS_FILE {
            let sealed = std::fs::read(dir.join(&rel)).unwrap_or_default();
            let recomputed = std::fs::read(scratch.path().join(name)).unwrap_or_default();
            for c in diff(&sealed, &recomputed)? {
                problems.push(problem(
                    "U003",
                    shown(&rel),
                    c.employee_id.clone(),
                    Text::new(
                        format!(
                            "{} 的 {}: 封存值 {}, 重算值 {}",
                            c.employee_id, c.column, c.before, c.after
                        ),
                        format!(
                            "{} {}: sealed {}, recomputed {}",
                            c.employee_id, c.column, c.before, c.after
                        ),
                    ),
                ));
            }
        }
        problems.push(problem(
            "U002",
            shown(&rel),
            String::new(),
            Text::new(
                format!("重算的 {name} 与封存的不一致"),
                format!("recomputed {name} differs from the sealed one"),
            ),
        ));
    }
    Ok(AuditReport {
        period,
        manifest,
        verified,
        compared,
        problems,
    })
}
