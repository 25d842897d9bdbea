//! A period's state, kept in one pointer file `ledger/<P>/state.json`
//! written atomically: it names the folder holding the current outputs and
//! whether the period is a draft or closed. Switching state is one rename,
//! so a crash leaves the old state or the new one, never a mix.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::emit::atomic;
use crate::error::{Error, Result};
use crate::model::Period;
use crate::workspace::Workspace;

pub const STATE_FILE: &str = "state.json";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Draft,
    Closed,
}

/// Contents of `state.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct State {
    pub status: Status,
    /// Folder (relative to `ledger/<P>/`) with the current outputs; None for
    /// a reopened period not yet run again.
    pub dir: Option<String>,
    /// Sealed version number when closed.
    #[serde(default)]
    pub version: Option<u32>,
    /// sha256 of the sealed manifest when closed.
    #[serde(default)]
    pub manifest_sha256: Option<String>,
}

/// Reads the state of a period (None: never run).
pub fn read(ws: &Workspace, period: Period) -> Result<Option<State>> {
    let path = ws.ledger_dir(period).join(STATE_FILE);
    if !path.is_file() {
        return Ok(None);
    }
    let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
    serde_json::from_str(&text).map(Some).map_err(|e| Error::Config {
        file: path.display().to_string(),
        line: e.line(),
        message: e.to_string(),
    })
}

/// Writes the state pointer atomically.
pub fn write(ws: &Workspace, period: Period, state: &State) -> Result<()> {
    let path = ws.ledger_dir(period).join(STATE_FILE);
    let mut text = serde_json::to_string_pretty(state).unwrap_or_default();
    text.push('\n');
    atomic::write(&path, text.as_bytes())
}

/// The folder holding a period's current outputs, if any: the draft folder,
/// or `outputs/` inside the sealed package.
pub fn outputs_dir(ws: &Workspace, period: Period) -> Result<Option<PathBuf>> {
    Ok(read(ws, period)?.and_then(|s| {
        let dir = ws.ledger_dir(period).join(s.dir?);
        Some(match s.status {
            Status::Draft => dir,
            Status::Closed => dir.join("outputs"),
        })
    }))
}

pub fn is_closed(ws: &Workspace, period: Period) -> Result<bool> {
    Ok(read(ws, period)?.is_some_and(|s| s.status == Status::Closed))
}

/// Removes draft folders no longer pointed at (sealed versions stay forever).
pub fn collect_garbage(ws: &Workspace, period: Period) -> Result<()> {
    let dir = ws.ledger_dir(period);
    let keep = read(ws, period)?.and_then(|s| s.dir);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Ok(());
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let stale_draft = name.starts_with("draft-") && Some(&name) != keep.as_ref();
        let partial = name.starts_with(".partial-");
        if (stale_draft || partial) && entry.path().is_dir() {
            remove_dir(&entry.path())?;
        }
    }
    Ok(())
}

fn remove_dir(path: &Path) -> Result<()> {
    std::fs::remove_dir_all(path).map_err(|e| Error::io(path, e))
}

/// Writes a set of files into a new folder `ledger/<P>/<name>` atomically:
/// built under a `.partial-` name, synced, then renamed into place. An
/// existing folder of that name (same content-addressed name) is reused.
pub fn publish_dir(ws: &Workspace, period: Period, name: &str, files: &[(String, Vec<u8>)]) -> Result<PathBuf> {
    let parent = ws.ledger_dir(period);
    let target = parent.join(name);
    if target.is_dir() {
        return Ok(target);
    }
    let partial = parent.join(format!(".partial-{}-{name}", std::process::id()));
    if partial.exists() {
        remove_dir(&partial)?;
    }
    for (rel, bytes) in files {
        atomic::write(&partial.join(rel), bytes)?;
    }
    std::fs::rename(&partial, &target).map_err(|e| Error::io(&target, e))?;
    if let Ok(d) = std::fs::File::open(&parent) {
        let _ = d.sync_all();
    }
    Ok(target)
}
