//! The one commit protocol of `close` and `reopen`, and recovery from a
//! crash anywhere in it.
//!
//! 1. `ledger/<P>/intent.json` is written (atomically): what is about to
//!    change, with an id.
//! 2. `close` only: the staged package is renamed to `sealed-v<n>`.
//! 3. The log record is appended, carrying the intent's id: **the commit
//!    point**.
//! 4. `state.json` is switched (atomically), carrying the record's hash.
//! 5. The intent is removed.
//!
//! Whoever takes the workspace lock next finds a left intent and finishes
//! it: with its log record, forward (step 4 and 5); without one, back (the
//! unlogged `sealed-v<n>` and any staging removed, the old state kept).
//! Either way the recovery is itself logged. So after any crash the period
//! is in its old state or its new one, with the log record that explains
//! it, and no version exists that the log does not name.

use serde::{Deserialize, Serialize};

use super::failpoint;
use super::log::{self, Entry, Event, Who};
use super::state::{self, State};
use crate::emit::atomic;
use crate::error::{Error, Result};
use crate::model::Period;
use crate::workspace::Workspace;

pub const INTENT_FILE: &str = "intent.json";

/// What a commit is about to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Intent {
    /// `close` or `reopen`.
    pub op: String,
    pub period: String,
    pub version: u32,
    /// The staging folder a close renames (`.partial-…`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub staged: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manifest_sha256: Option<String>,
    /// Written into the log record too: how recovery knows the commit point passed.
    pub id: String,
}

/// A fresh intent id: the process, the time and a counter.
pub fn intent_id() -> String {
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    crate::diag::sha256_hex(format!("{}-{nanos}-{n}", std::process::id()).as_bytes())[..16].to_string()
}

fn intent_path(ws: &Workspace, period: Period) -> std::path::PathBuf {
    ws.ledger_dir(period).join(INTENT_FILE)
}

/// Step 1.
pub fn write_intent(ws: &Workspace, period: Period, intent: &Intent) -> Result<()> {
    let mut text = serde_json::to_string_pretty(intent).unwrap_or_default();
    text.push('\n');
    failpoint::hit(&format!("{}:intent", intent.op))?;
    atomic::write(&intent_path(ws, period), text.as_bytes())
}

/// Step 5.
pub fn clear_intent(ws: &Workspace, period: Period) -> Result<()> {
    let path = intent_path(ws, period);
    match std::fs::remove_file(&path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(Error::io(&path, e)),
    }
    if let Ok(d) = std::fs::File::open(ws.ledger_dir(period)) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Finishes every commit a crash left (each period with an intent), then
/// removes staging folders and temp files left behind. Returns the
/// recovery records written.
pub fn recover_all(ws: &Workspace, who: &Who) -> Result<Vec<Entry>> {
    let ledger = ws.root.join("ledger");
    let Ok(entries) = std::fs::read_dir(&ledger) else {
        return Ok(Vec::new());
    };
    let mut periods: Vec<Period> = entries
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<Period>().ok())
        .collect();
    periods.sort();
    let mut out = Vec::new();
    for p in periods {
        if let Some(entry) = recover(ws, p, who)? {
            out.push(entry);
        }
        state::collect_garbage_if_readable(ws, p)?;
    }
    Ok(out)
}

/// Finishes (forward or back) the commit a crash left in `period`, if any.
pub fn recover(ws: &Workspace, period: Period, who: &Who) -> Result<Option<Entry>> {
    let path = intent_path(ws, period);
    let Ok(text) = std::fs::read(&path) else {
        return Ok(None);
    };
    let Ok(intent) = serde_json::from_slice::<Intent>(&text) else {
        // Written atomically, so never half a file; an unreadable one was
        // not written by paybatch. Nothing was committed under it.
        clear_intent(ws, period)?;
        return Ok(None);
    };
    let (records, _) = log::read(ws)?;
    let committed = records
        .iter()
        .rev()
        .find(|e| e.record.intent.as_deref() == Some(intent.id.as_str()));
    let dir = ws.ledger_dir(period);
    let sealed = format!("sealed-v{}", intent.version);
    let what = match (intent.op.as_str(), committed) {
        ("close", Some(e)) => {
            let closed = State::closed(intent.version, intent.manifest_sha256.clone(), e.sha256.clone());
            state::write(ws, period, &closed)?;
            format!(
                "中断的关账 (第 {} 版) 已完成 / interrupted close of version {} rolled forward",
                intent.version, intent.version
            )
        }
        ("close", None) => {
            // Not logged: the version never existed. Its folder goes, if
            // it is this intent's (its manifest is the intent's).
            let sealed_dir = dir.join(&sealed);
            let manifest = std::fs::read(sealed_dir.join(super::seal::MANIFEST_FILE)).unwrap_or_default();
            if sealed_dir.is_dir()
                && intent.manifest_sha256.as_deref() == Some(crate::diag::sha256_hex(&manifest).as_str())
            {
                std::fs::remove_dir_all(&sealed_dir).map_err(|e| Error::io(&sealed_dir, e))?;
            }
            if let Some(staged) = intent.staged.as_deref().filter(|s| s.starts_with(".partial-")) {
                let _ = std::fs::remove_dir_all(dir.join(staged));
            }
            format!(
                "中断的关账 (第 {} 版) 已撤回, 期间保持原状态 / interrupted close of version {} rolled back",
                intent.version, intent.version
            )
        }
        ("reopen", Some(e)) => {
            state::write(ws, period, &State::reopened(e.sha256.clone()))?;
            "中断的重新打开已完成 / interrupted reopen rolled forward".to_string()
        }
        _ => "中断的重新打开已撤回, 期间仍为关账 / interrupted reopen rolled back; the period stays closed".to_string(),
    };
    let entry = log::append(
        ws,
        Event {
            event: "recover",
            period: period.to_string(),
            version: Some(intent.version),
            who: who.clone(),
            reason: Some(what),
            manifest_sha256: intent.manifest_sha256.clone(),
            intent: None,
        },
    )?;
    clear_intent(ws, period)?;
    Ok(Some(entry))
}
