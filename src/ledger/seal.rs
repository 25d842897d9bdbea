//! Closing and reopening a period. `close` recomputes from the inputs and
//! seals a package `ledger/<P>/sealed-v<n>/` laid out like a workspace:
//! `paybatch.toml`, `rules/`, `inputs/<P>/` (exact copies), `ytd.csv` (the
//! year-to-date figures used), `outputs/`, and `manifest.json` with the
//! sha256 of every file. Sealed packages are never overwritten; `reopen`
//! only moves the state pointer back to draft and logs why.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::commit::{Intent, clear_intent, intent_id, write_intent};
use super::failpoint;
use super::log::{self, Event, Who};
use super::results::{amounts_to_csv, ytd_to_csv};
use super::state::{self, State, Status};
use crate::diag::sha256_hex;
use crate::emit::sink::{OutDir, Written};
use crate::error::{Error, Result};
use crate::model::Period;
use crate::pipeline::{Computed, Prior, RunOutcome, compute, ensure_open};
use crate::rules::RuleSet;
use crate::workspace::{CONFIG_FILE, Workspace};

pub const MANIFEST_FILE: &str = "manifest.json";

/// One sealed file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestEntry {
    pub path: String,
    pub sha256: String,
    pub bytes: u64,
}

/// `manifest.json`: what was sealed, with hashes. No wall-clock time, so
/// the same period sealed twice from the same data has the same manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub period: String,
    pub version: u32,
    pub paybatch_version: String,
    /// sha256 over the rule files' paths and hashes.
    pub rules_sha256: String,
    /// The earlier months of the tax year the year-to-date figures came
    /// from, and the version of each (see [`super::chain`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub prior: Vec<super::chain::PriorMonth>,
    pub files: Vec<ManifestEntry>,
}

/// Reads a sealed manifest.
pub fn read_manifest(dir: &Path) -> Result<Manifest> {
    let path = dir.join(MANIFEST_FILE);
    let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
    serde_json::from_str(&text).map_err(|e| Error::Config {
        file: path.display().to_string(),
        line: e.line(),
        message: e.to_string(),
    })
}

fn next_version(ws: &Workspace, period: Period) -> u32 {
    let Ok(entries) = std::fs::read_dir(ws.ledger_dir(period)) else {
        return 1;
    };
    entries
        .flatten()
        .filter_map(|e| {
            e.file_name()
                .to_string_lossy()
                .strip_prefix("sealed-v")?
                .parse::<u32>()
                .ok()
        })
        .max()
        .map_or(1, |v| v + 1)
}

/// Snapshots what a close computes from into the package, before it is
/// computed: `paybatch.toml`, the rule files, and each input file read
/// once (the month is then computed from these copies, so the sealed
/// inputs are exactly what the outputs came from, even if a file is saved
/// while the close runs). Links and special files are refused (findings).
fn snapshot(
    ws: &Workspace,
    rules_files: &crate::rules::RuleFiles,
    period: Period,
    out: &OutDir,
) -> Result<(Vec<Written>, Vec<crate::validate::Finding>)> {
    let mut files = Vec::new();
    let config = ws.root.join(CONFIG_FILE);
    files.push(out.write(CONFIG_FILE, &std::fs::read(&config).map_err(|e| Error::io(&config, e))?)?);
    for (path, text) in &rules_files.files {
        files.push(out.write(&format!("rules/{path}"), text.as_bytes())?);
    }
    let inputs = ws.inputs_dir(period);
    let (names, refused) = crate::ingest::listing::input_files(&inputs)?;
    for name in names {
        let from = inputs.join(&name);
        // Read once: a failure names the input, a failed write the copy.
        let bytes = std::fs::read(&from).map_err(|e| Error::io(&from, e))?;
        super::failpoint::hit("close:copy")?;
        files.push(out.write(&format!("inputs/{period}/{name}"), &bytes)?);
    }
    Ok((files, refused))
}

/// The carried figures and the outputs of a computed month, in manifest order.
fn computed_files(computed: &Computed, out: &OutDir) -> Result<Vec<Written>> {
    let mut files = vec![
        out.write(
            "ytd.csv",
            &ytd_to_csv(&computed.carried.ytd, &computed.carried.separate_bonus_used)?,
        )?,
        out.write(
            "previous.csv",
            &amounts_to_csv("si_pension_base", &computed.carried.previous_si_base)?,
        )?,
    ];
    for w in &computed.files {
        files.push(Written {
            name: format!("outputs/{}", w.name),
            ..w.clone()
        });
    }
    Ok(files)
}

/// Hash over rule files' paths and contents.
pub fn rules_hash(rules_files: &crate::rules::RuleFiles) -> String {
    let mut all = String::new();
    for (path, text) in &rules_files.files {
        all.push_str(path);
        all.push(' ');
        all.push_str(&sha256_hex(text.as_bytes()));
        all.push('\n');
    }
    sha256_hex(all.as_bytes())
}

/// Options of a close.
#[derive(Debug, Clone, Copy, Default)]
pub struct CloseOptions {
    /// Seal although an earlier month of the year is not closed (or is
    /// stale); recorded in the log.
    pub allow_unsealed_prior: bool,
}

/// Recomputes and seals a period through the commit protocol
/// ([`super::commit`]). Blocking findings stop before sealing; so does an
/// earlier month of the year that is not closed or is stale.
pub fn close(ws: &Workspace, period: Period, who: &Who, opts: CloseOptions) -> Result<(RunOutcome, Option<Manifest>)> {
    ensure_open(ws, period)?;
    let earlier = super::chain::earlier_blockers(ws, period, true)?;
    if !earlier.is_empty() && !opts.allow_unsealed_prior {
        return Ok((RunOutcome::stopped(period, earlier), None));
    }
    let staging = state::Staging::new(ws, period)?;
    let out = staging.out();
    let rule_files = ws.rule_files()?;
    let rules = RuleSet::load(&rule_files)?;
    let (mut files, refused) = snapshot(ws, &rule_files, period, &out)?;
    failpoint::hit("close:snapshot")?;
    let snapshot_ws = ws.with_inputs_from(&staging.path().join("inputs"));
    let mut computed = compute(
        &snapshot_ws,
        &rules,
        period,
        Prior::Ledger,
        &OutDir::new(out.root().join("outputs")),
    )?;
    computed.findings.extend(refused);
    computed.findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    let mut outcome = RunOutcome {
        computed,
        outputs: Vec::new(),
    };
    if outcome.blocked() || outcome.computed.result.is_none() {
        return Ok((outcome, None));
    }
    files.extend(computed_files(&outcome.computed, &out)?);
    let version = next_version(ws, period);
    let manifest = Manifest {
        period: period.to_string(),
        version,
        paybatch_version: env!("CARGO_PKG_VERSION").to_string(),
        rules_sha256: rules_hash(&rule_files),
        prior: super::chain::prior_months(ws, &outcome.computed.ytd_from)?,
        files: files
            .into_iter()
            .map(|w| ManifestEntry {
                path: w.name,
                sha256: w.sha256,
                bytes: w.bytes,
            })
            .collect(),
    };
    let mut manifest_text = serde_json::to_string_pretty(&manifest).unwrap_or_default();
    manifest_text.push('\n');
    let manifest_sha = sha256_hex(manifest_text.as_bytes());
    out.write(MANIFEST_FILE, manifest_text.as_bytes())?;
    let name = format!("sealed-v{version}");
    let intent = Intent {
        op: "close".into(),
        period: period.to_string(),
        version,
        staged: staging.path().file_name().map(|n| n.to_string_lossy().into_owned()),
        manifest_sha256: Some(manifest_sha.clone()),
        id: intent_id(),
    };
    write_intent(ws, period, &intent)?;
    failpoint::hit("close:before-rename")?;
    let dir = staging.publish(&name)?;
    failpoint::hit("close:renamed")?;
    let reason = (opts.allow_unsealed_prior && !earlier.is_empty()).then(|| {
        let months: Vec<String> = earlier.iter().map(|f| f.file.clone()).collect();
        format!("--allow-unsealed-prior: {}", months.join(", "))
    });
    let entry = log::append(
        ws,
        Event {
            event: "close",
            period: period.to_string(),
            version: Some(version),
            who: who.clone(),
            reason,
            manifest_sha256: Some(manifest_sha.clone()),
            intent: Some(intent.id.clone()),
        },
    )?;
    failpoint::hit("close:logged")?;
    state::write(ws, period, &State::closed(version, Some(manifest_sha), entry.sha256))?;
    failpoint::hit("close:state")?;
    clear_intent(ws, period)?;
    failpoint::hit("close:cleared")?;
    state::collect_garbage(ws, period)?;
    // Later months sealed on this month's earlier version are stale now.
    outcome.computed.findings.extend(super::chain::later_stale(ws, period)?);
    outcome.outputs = manifest
        .files
        .iter()
        .filter(|f| f.path.starts_with("outputs/"))
        .map(|f| crate::pipeline::Output {
            path: dir.join(&f.path),
            sha256: f.sha256.clone(),
            bytes: f.bytes,
        })
        .collect();
    Ok((outcome, Some(manifest)))
}

/// Reopens a closed period through the commit protocol: the sealed package
/// stays; the state returns to draft and the log records who, when, why
/// and the manifest it replaced.
pub fn reopen(ws: &Workspace, period: Period, reason: &str, who: &Who) -> Result<u32> {
    let current = state::read(ws, period)?;
    let Some(State {
        status: Status::Closed,
        version: Some(version),
        manifest_sha256,
        ..
    }) = current
    else {
        return Err(Error::Usage(format!(
            "期间 {period} 没有关账, 无需 reopen / period {period} is not closed"
        )));
    };
    if reason.trim().is_empty() {
        return Err(Error::Usage(
            "reopen 需要 --reason 说明原因 / reopen needs a --reason".into(),
        ));
    }
    let intent = Intent {
        op: "reopen".into(),
        period: period.to_string(),
        version,
        staged: None,
        manifest_sha256: manifest_sha256.clone(),
        id: intent_id(),
    };
    write_intent(ws, period, &intent)?;
    let entry = log::append(
        ws,
        Event {
            event: "reopen",
            period: period.to_string(),
            version: Some(version),
            who: who.clone(),
            reason: Some(reason.trim().to_string()),
            manifest_sha256,
            intent: Some(intent.id),
        },
    )?;
    failpoint::hit("reopen:logged")?;
    state::write(ws, period, &State::reopened(entry.sha256))?;
    failpoint::hit("reopen:state")?;
    clear_intent(ws, period)?;
    failpoint::hit("reopen:cleared")?;
    Ok(version)
}

/// The folders of every sealed version of a period, oldest first.
pub fn sealed_versions(ws: &Workspace, period: Period) -> Vec<(u32, std::path::PathBuf)> {
    let dir = ws.ledger_dir(period);
    let mut out: Vec<(u32, std::path::PathBuf)> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .flatten()
                .filter_map(|e| {
                    let v = e
                        .file_name()
                        .to_string_lossy()
                        .strip_prefix("sealed-v")?
                        .parse::<u32>()
                        .ok()?;
                    Some((v, e.path()))
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}
