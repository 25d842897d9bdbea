//! A period's state, kept in one pointer file `ledger/<P>/state.json`
//! written atomically: it names the folder holding the current outputs and
//! whether the period is a draft or closed. Switching state is one rename,
//! so a crash leaves the old state or the new one, never a mix.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::emit::atomic;
use crate::emit::sink::OutDir;
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
    /// sha256 of the log record that produced this state (close, reopen,
    /// recover, repair); none for a draft that was never closed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_sha256: Option<String>,
}

impl State {
    /// Closed at sealed `version` (folder `sealed-v<version>`), by the log
    /// record whose hash is `log_sha256`.
    pub fn closed(version: u32, manifest_sha256: Option<String>, log_sha256: String) -> State {
        State {
            status: Status::Closed,
            dir: Some(format!("sealed-v{version}")),
            version: Some(version),
            manifest_sha256,
            log_sha256: Some(log_sha256),
        }
    }

    /// Reopened (a draft not yet run again), by the log record `log_sha256`.
    pub fn reopened(log_sha256: String) -> State {
        State {
            status: Status::Draft,
            dir: None,
            version: None,
            manifest_sha256: None,
            log_sha256: Some(log_sha256),
        }
    }
}

/// Reads the state of a period (None: never run). A period with sealed
/// versions is never "never run": its missing or unreadable state is
/// [`Error::StateLost`] (see `paybatch repair`).
pub fn read(ws: &Workspace, period: Period) -> Result<Option<State>> {
    let path = ws.ledger_dir(period).join(STATE_FILE);
    let lost = |reason: &str| Error::StateLost {
        period: period.to_string(),
        reason: reason.into(),
    };
    let sealed = || !super::seal::sealed_versions(ws, period).is_empty();
    let text = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return if sealed() {
                Err(lost("缺失 (missing)"))
            } else {
                Ok(None)
            };
        }
        Err(e) => return Err(Error::io(&path, e)),
    };
    match serde_json::from_slice(&text) {
        Ok(state) => Ok(Some(state)),
        Err(_) if sealed() => Err(lost("无法读取 (unreadable)")),
        Err(e) => Err(Error::Config {
            file: path.display().to_string(),
            line: e.line(),
            message: e.to_string(),
        }),
    }
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
        } else if name.starts_with(".tmp") && entry.path().is_file() {
            // An atomic write's temp file left by a killed process.
            let _ = std::fs::remove_file(entry.path());
        }
    }
    Ok(())
}

/// [`collect_garbage`], skipped for a period whose state cannot be read
/// (left for `repair`).
pub fn collect_garbage_if_readable(ws: &Workspace, period: Period) -> Result<()> {
    match read(ws, period) {
        Ok(_) => collect_garbage(ws, period),
        Err(Error::StateLost { .. } | Error::Config { .. }) => Ok(()),
        Err(e) => Err(e),
    }
}

fn remove_dir(path: &Path) -> Result<()> {
    std::fs::remove_dir_all(path).map_err(|e| Error::io(path, e))
}

/// A folder a period's files are written into before they are published:
/// `ledger/<P>/.partial-…`, removed when dropped unless published (and
/// removed by [`collect_garbage`] if the process was killed).
pub struct Staging {
    /// `None` once published.
    dir: Option<tempfile::TempDir>,
    parent: PathBuf,
    /// Folders this staging created (removed again if left empty).
    created: Vec<PathBuf>,
}

impl Staging {
    pub fn new(ws: &Workspace, period: Period) -> Result<Staging> {
        let parent = ws.ledger_dir(period);
        let created: Vec<PathBuf> = parent
            .ancestors()
            .take_while(|a| !a.exists())
            .map(Path::to_path_buf)
            .collect();
        std::fs::create_dir_all(&parent).map_err(|e| Error::io(&parent, e))?;
        let dir = tempfile::Builder::new()
            .prefix(".partial-")
            .tempdir_in(&parent)
            .map_err(|e| Error::io(&parent, e))?;
        #[cfg(unix)]
        {
            // Published folders are read by auditors too, not only the owner.
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755));
        }
        Ok(Staging {
            dir: Some(dir),
            parent,
            created,
        })
    }

    /// A staging folder that will never be published (a dry run, an audit's
    /// recomputation): in the system's temp folder, so a concurrent run's
    /// clean-up of `ledger/<P>/.partial-*` cannot remove it.
    pub fn scratch() -> Result<Staging> {
        let dir = tempfile::Builder::new()
            .prefix("paybatch-")
            .tempdir()
            .map_err(|e| Error::io(std::env::temp_dir(), e))?;
        Ok(Staging {
            parent: dir.path().to_path_buf(),
            dir: Some(dir),
            created: Vec::new(),
        })
    }

    pub fn path(&self) -> &Path {
        self.dir.as_ref().map_or(&self.parent, |d| d.path())
    }

    /// The staging folder as an output target.
    pub fn out(&self) -> OutDir {
        OutDir::new(self.path())
    }

    /// Renames the staging folder to `ledger/<P>/<name>`. An existing folder
    /// of that (content-addressed) name is reused and the staging dropped.
    pub fn publish(mut self, name: &str) -> Result<PathBuf> {
        let target = self.parent.join(name);
        if target.is_dir() {
            // A sealed version is never reused: its name is new or wrong.
            if name.starts_with("sealed-") {
                return Err(Error::Ledger(format!(
                    "{} exists already; a sealed version is never overwritten",
                    target.display()
                )));
            }
            return Ok(target);
        }
        let Some(dir) = self.dir.take() else {
            return Ok(target);
        };
        let staged = dir.keep();
        std::fs::rename(&staged, &target).map_err(|e| Error::io(&target, e))?;
        if let Ok(d) = std::fs::File::open(&self.parent) {
            let _ = d.sync_all();
        }
        Ok(target)
    }
}

impl Drop for Staging {
    /// An unpublished staging leaves nothing behind, not even the empty
    /// ledger folders it created (a dry or blocked run writes nothing).
    fn drop(&mut self) {
        if let Some(dir) = self.dir.take() {
            let _ = dir.close();
            for folder in &self.created {
                if std::fs::remove_dir(folder).is_err() {
                    break;
                }
            }
        }
    }
}
