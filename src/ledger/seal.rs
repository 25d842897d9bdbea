//! Closing and reopening a period. `close` recomputes from the inputs and
//! seals a package `ledger/<P>/sealed-v<n>/` laid out like a workspace:
//! `paybatch.toml`, `rules/`, `inputs/<P>/` (exact copies), `ytd.csv` (the
//! year-to-date figures used), `outputs/`, and `manifest.json` with the
//! sha256 of every file. Sealed packages are never overwritten; `reopen`
//! only moves the state pointer back to draft and logs why.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::lock::now_utc;
use super::log::{self, Event};
use super::results::{amounts_to_csv, ytd_to_csv};
use super::state::{self, State, Status};
use crate::emit::sink::{OutDir, Written};
use crate::error::{Error, Result};
use crate::model::Period;
use crate::pipeline::{Computed, Prior, RunOutcome, compute, ensure_open, sha256_hex};
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

/// Writes the rest of a sealed package next to its outputs (config, rules,
/// inputs, carried figures) and returns every file in manifest order.
fn package_files(
    ws: &Workspace,
    rules_files: &crate::rules::RuleFiles,
    computed: &Computed,
    out: &OutDir,
) -> Result<Vec<Written>> {
    let mut files = Vec::new();
    let config = ws.root.join(CONFIG_FILE);
    files.push(out.write(CONFIG_FILE, &std::fs::read(&config).map_err(|e| Error::io(&config, e))?)?);
    for (path, text) in &rules_files.files {
        files.push(out.write(&format!("rules/{path}"), text.as_bytes())?);
    }
    let period = computed.period;
    let inputs = ws.inputs_dir(period);
    let mut names: Vec<String> = std::fs::read_dir(&inputs)
        .map_err(|e| Error::io(&inputs, e))?
        .flatten()
        .filter(|e| e.path().is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    for name in names {
        let from = inputs.join(&name);
        let rel = format!("inputs/{period}/{name}");
        let to = out.path(&rel)?;
        std::fs::copy(&from, &to).map_err(|e| Error::io(&from, e))?;
        files.push(out.seal_existing(&rel)?);
    }
    files.push(out.write("ytd.csv", &ytd_to_csv(&computed.carried.ytd)?)?);
    files.push(out.write(
        "previous.csv",
        &amounts_to_csv("si_pension_base", &computed.carried.previous_si_base)?,
    )?);
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

/// Recomputes and seals a period. Blocking findings stop before sealing.
pub fn close(ws: &Workspace, rules: &RuleSet, period: Period) -> Result<(RunOutcome, Option<Manifest>)> {
    ensure_open(ws, period)?;
    let staging = state::Staging::new(ws, period)?;
    let out = staging.out();
    let computed = compute(
        ws,
        rules,
        period,
        Prior::Ledger,
        &OutDir::new(out.root().join("outputs")),
    )?;
    let mut outcome = RunOutcome {
        computed,
        outputs: Vec::new(),
    };
    if outcome.blocked() || outcome.computed.result.is_none() {
        return Ok((outcome, None));
    }
    let rule_files = ws.rule_files()?;
    let files = package_files(ws, &rule_files, &outcome.computed, &out)?;
    let version = next_version(ws, period);
    let manifest = Manifest {
        period: period.to_string(),
        version,
        paybatch_version: env!("CARGO_PKG_VERSION").to_string(),
        rules_sha256: rules_hash(&rule_files),
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
    let dir = staging.publish(&name)?;
    state::write(
        ws,
        period,
        &State {
            status: Status::Closed,
            dir: Some(name),
            version: Some(version),
            manifest_sha256: Some(manifest_sha.clone()),
        },
    )?;
    log::append(
        ws,
        &Event {
            event: "close",
            period: period.to_string(),
            version: Some(version),
            who: log::who(),
            when: now_utc(),
            reason: None,
            manifest_sha256: Some(manifest_sha),
        },
    )?;
    state::collect_garbage(ws, period)?;
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

/// Reopens a closed period: the sealed package stays; the state returns to
/// draft and the log records who, when, why and the manifest it replaced.
pub fn reopen(ws: &Workspace, period: Period, reason: &str) -> Result<u32> {
    let current = state::read(ws, period)?;
    let Some(State {
        status: Status::Closed,
        version,
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
    state::write(
        ws,
        period,
        &State {
            status: Status::Draft,
            dir: None,
            version: None,
            manifest_sha256: None,
        },
    )?;
    log::append(
        ws,
        &Event {
            event: "reopen",
            period: period.to_string(),
            version,
            who: log::who(),
            when: now_utc(),
            reason: Some(reason),
            manifest_sha256,
        },
    )?;
    Ok(version.unwrap_or(0))
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
