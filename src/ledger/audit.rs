//! Audit rerun: check every sealed file against its manifest hash, then
//! recompute the period from the sealed inputs, rules and year-to-date
//! figures (not the current ones) and compare every output byte for byte.
//! A difference names the file, and for the results the employee and figure.

use super::results::{RESULTS_FILE, added_columns, diff, read_column, read_ytd};
use super::seal::{Manifest, read_manifest};
use super::state::{self, Status};
use crate::diag::sha256_hex;
use crate::emit::sink::hash_file;
use crate::error::{Error, Result};
use crate::i18n::Text;
use crate::model::Period;
use crate::pipeline::{Carried, Prior, compute};
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

/// A version number as a message shows it (`-` for none).
fn shown_version(v: Option<u32>) -> String {
    v.map_or_else(|| "-".into(), |v| v.to_string())
}

/// A break in the log's hash chain as a finding.
fn chain_break(b: &super::log::Break) -> Finding {
    problem(
        "U010",
        format!("ledger/{}", super::log::LOG_FILE),
        String::new(),
        Text::new(
            format!("日志第 {} 行的哈希链断开: {}", b.line, b.why),
            format!("the log's hash chain breaks at line {}: {}", b.line, b.why),
        ),
    )
}

/// Package ↔ state ↔ log: the log's chain holds, state.json names the
/// log record that produced it, and that record names this version and
/// manifest; no later record of the period says otherwise. And the month
/// is not stale.
fn check_ledger(ws: &Workspace, period: Period, st: &state::State) -> Result<Vec<Finding>> {
    let mut out = Vec::new();
    let log_file = format!("ledger/{}", super::log::LOG_FILE);
    let (entries, breaks) = super::log::read(ws)?;
    out.extend(breaks.iter().map(chain_break));
    let p = period.to_string();
    let ours: Vec<&super::log::Entry> = entries
        .iter()
        .filter(|e| e.record.period == p && matches!(e.record.event.as_str(), "close" | "reopen" | "repair"))
        .collect();
    let produced = st
        .log_sha256
        .as_deref()
        .and_then(|sha| entries.iter().find(|e| e.sha256 == sha));
    match produced {
        None => out.push(problem(
            "U011",
            format!("ledger/{p}/state.json"),
            String::new(),
            Text::new(
                "state.json 指向的日志记录在 log.jsonl 中不存在",
                "state.json names a log record that log.jsonl does not hold",
            ),
        )),
        Some(e) => {
            let r = &e.record;
            if r.period != p || r.version != st.version || r.manifest_sha256 != st.manifest_sha256 {
                out.push(problem(
                    "U012",
                    format!("ledger/{p}/state.json"),
                    String::new(),
                    Text::new(
                        format!(
                            "日志记录 (第 {} 条) 记的是第 {} 版、manifest {}, 与 state.json (第 {} 版、manifest {}) 不符",
                            r.seq,
                            shown_version(r.version),
                            r.manifest_sha256.as_deref().unwrap_or("-"),
                            shown_version(st.version),
                            st.manifest_sha256.as_deref().unwrap_or("-")
                        ),
                        format!(
                            "log record {} says version {}, manifest {}; state.json says version {}, manifest {}",
                            r.seq,
                            shown_version(r.version),
                            r.manifest_sha256.as_deref().unwrap_or("-"),
                            shown_version(st.version),
                            st.manifest_sha256.as_deref().unwrap_or("-")
                        ),
                    ),
                ));
            }
            if let Some(last) = ours.last()
                && last.sha256 != e.sha256
            {
                out.push(problem(
                    "U013",
                    log_file.clone(),
                    String::new(),
                    Text::new(
                        format!(
                            "日志中 {p} 的最后一条记录是 {} 第 {} 版 (第 {} 条), 与 state.json 不符",
                            last.record.event,
                            shown_version(last.record.version),
                            last.record.seq
                        ),
                        format!(
                            "the log's last record of {p} is a {} of version {} (record {}), which is not what state.json says",
                            last.record.event,
                            shown_version(last.record.version),
                            last.record.seq
                        ),
                    ),
                ));
            }
        }
    }
    if let Some(s) = super::chain::stale(ws, period)? {
        out.push(super::chain::stale_finding("U005", Severity::Error, period, &s));
    }
    Ok(out)
}

/// Audits the current sealed version of a closed period.
pub fn audit(ws: &Workspace, period: Period) -> Result<AuditReport> {
    let st = state::read(ws, period)?;
    let Some(st) = st.filter(|s| s.status == Status::Closed) else {
        return Err(Error::Usage(format!(
            "期间 {period} 没有关账, 没有可审计的封存包 / period {period} is not closed; nothing sealed to audit"
        )));
    };
    let ledger_problems = check_ledger(ws, period, &st)?;
    let dir_name = st.dir.unwrap_or_default();
    let dir = ws.ledger_dir(period).join(&dir_name);
    let shown = |p: &str| format!("ledger/{period}/{dir_name}/{p}");
    let manifest = read_manifest(&dir)?;
    let mut problems = ledger_problems;
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
    let (ytd, separate_bonus_used) = read_ytd(&dir.join("ytd.csv"))?;
    let carried = Carried {
        ytd,
        separate_bonus_used,
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
            // A package sealed before a column was added: the columns it
            // has are compared, the added ones (which it cannot hold) not.
            let added = added_columns(&sealed, &recomputed)?;
            let changes: Vec<_> = diff(&sealed, &recomputed)?
                .into_iter()
                .filter(|c| !added.contains(&c.column))
                .collect();
            if !added.is_empty() && changes.is_empty() {
                tracing::warn!(
                    file = %rel,
                    added = %added.join(", "),
                    "封存于较早的格式: 其余各列逐项一致, 新增列未比较 (sealed in an earlier format: every column it has agrees; the added ones are not compared)"
                );
                continue;
            }
            for c in changes {
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

/// One month's verdict in a year audit.
#[derive(Debug)]
pub enum MonthVerdict {
    /// Closed and audited (problems empty: passed).
    Audited(Box<AuditReport>),
    /// A draft never closed.
    Open,
    /// Sealed versions exist but the month was reopened and not closed again.
    Reopened,
}

/// A month and its verdict.
pub type MonthAudit = (Period, MonthVerdict);

/// Every month of `year` that has a ledger state, each audited, plus the
/// log's chain (breaks as findings, once for the year).
pub fn audit_year(ws: &Workspace, year: i32) -> Result<(Vec<MonthAudit>, Vec<Finding>)> {
    let mut months = Vec::new();
    for m in 1..=12 {
        let Some(p) = Period::new(year, m) else { continue };
        let Some(st) = state::read(ws, p)? else { continue };
        let verdict = match st.status {
            Status::Closed => MonthVerdict::Audited(Box::new(audit(ws, p)?)),
            Status::Draft if super::seal::sealed_versions(ws, p).is_empty() => MonthVerdict::Open,
            Status::Draft => MonthVerdict::Reopened,
        };
        months.push((p, verdict));
    }
    let (_, breaks) = super::log::read(ws)?;
    Ok((months, breaks.iter().map(chain_break).collect()))
}
