//! `ledger/log.jsonl`: the append-only record of closes and reopens
//! (who, when, why, which manifest).

use std::io::Write;

use serde::Serialize;

use crate::error::{Error, Result};
use crate::workspace::Workspace;

pub const LOG_FILE: &str = "log.jsonl";

/// One event.
#[derive(Debug, Clone, Serialize)]
pub struct Event<'a> {
    pub event: &'a str,
    pub period: String,
    pub version: Option<u32>,
    pub who: String,
    pub when: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub manifest_sha256: Option<String>,
}

/// The OS user running paybatch: `$USER`/`$LOGNAME`, else the account
/// that owns this process (from /etc/passwd), else `uid:<n>`.
pub fn who() -> String {
    if let Ok(name) = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .or_else(|_| std::env::var("USERNAME"))
        && !name.is_empty()
    {
        return name;
    }
    process_owner().unwrap_or_else(|| "unknown".into())
}

#[cfg(unix)]
fn process_owner() -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let uid = std::fs::metadata("/proc/self").ok()?.uid();
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    let name = passwd.lines().find_map(|line| {
        let mut parts = line.split(':');
        let name = parts.next()?;
        let id: u32 = parts.nth(1)?.parse().ok()?;
        (id == uid).then(|| name.to_string())
    });
    Some(name.unwrap_or_else(|| format!("uid:{uid}")))
}

#[cfg(not(unix))]
fn process_owner() -> Option<String> {
    None
}

/// Appends one event as a JSON line and syncs it to disk.
pub fn append(ws: &Workspace, event: &Event<'_>) -> Result<()> {
    let path = ws.root.join("ledger").join(LOG_FILE);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .map_err(|e| Error::io(&path, e))?;
    let mut line = serde_json::to_string(event).unwrap_or_default();
    line.push('\n');
    file.write_all(line.as_bytes()).map_err(|e| Error::io(&path, e))?;
    file.sync_all().map_err(|e| Error::io(&path, e))
}
