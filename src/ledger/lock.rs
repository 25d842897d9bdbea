//! The workspace lock: one writer at a time. An OS file lock on
//! `paybatch.lock` (released by the OS when the holder dies, so a stale lock
//! from a killed process never blocks) plus the holder's pid and start time
//! written inside for the message the second run prints.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::error::{Error, Result};
use crate::model::Date;
use crate::workspace::Workspace;

pub const LOCK_FILE: &str = "paybatch.lock";

/// Held while a writing command runs; dropped = released.
#[derive(Debug)]
pub struct Lock {
    _file: File,
}

/// Why the lock could not be taken.
#[derive(Debug)]
pub struct Locked {
    /// What the holder wrote: `pid=… started=…`.
    pub holder: String,
}

/// UTC time as `2026-03-01T12:00:00Z` (for logs and lock files only).
pub fn now_utc() -> String {
    let secs = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let rem = secs % 86_400;
    let date = Date::from_days_since_epoch(days).unwrap_or(Date::EPOCH);
    format!("{date}T{:02}:{:02}:{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

/// Takes the workspace lock without waiting.
pub fn acquire(ws: &Workspace) -> Result<std::result::Result<Lock, Locked>> {
    let path = ws.root.join(LOCK_FILE);
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(|e| Error::io(&path, e))?;
    match file.try_lock() {
        Ok(()) => {
            let note = format!("pid={} started={}\n", std::process::id(), now_utc());
            file.set_len(0).map_err(|e| Error::io(&path, e))?;
            file.seek(SeekFrom::Start(0)).map_err(|e| Error::io(&path, e))?;
            file.write_all(note.as_bytes()).map_err(|e| Error::io(&path, e))?;
            let _ = file.sync_all();
            Ok(Ok(Lock { _file: file }))
        }
        Err(TryLockError::WouldBlock) => {
            let mut holder = String::new();
            let _ = file.read_to_string(&mut holder);
            Ok(Err(Locked {
                holder: holder.trim().to_string(),
            }))
        }
        Err(TryLockError::Error(e)) => Err(Error::io(&path, e)),
    }
}
