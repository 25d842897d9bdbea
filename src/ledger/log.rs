//! `ledger/log.jsonl`: the append-only, hash-chained record of what changed
//! a period's state (close, reopen, recoveries, repairs, runs over unsealed
//! months): who, when (local time with its offset), why, which manifest.
//! Each record carries the sha256 of the line before it, so a changed,
//! removed or inserted line breaks the chain; `state.json` carries the
//! hash of the record that produced it.

use std::io::Write;

use serde::{Deserialize, Serialize};

use crate::diag::sha256_hex;
use crate::error::{Error, Result};
use crate::workspace::Workspace;

pub const LOG_FILE: &str = "log.jsonl";

/// Who is acting, and where paybatch learnt it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Who {
    pub name: String,
    /// `flag` (--user), `env` (PAYBATCH_USER), `config` (`[ledger] user` in
    /// paybatch.toml) or `os` (the OS account: a fallback, not an identity
    /// anyone confirmed).
    pub source: String,
}

impl Who {
    /// The identity: `--user` / `PAYBATCH_USER` (`given`, with its
    /// source), else `[ledger] user`, else the OS account.
    pub fn resolve(given: Option<(&str, &str)>, ws: &Workspace) -> Who {
        if let Some((name, source)) = given.filter(|(n, _)| !n.trim().is_empty()) {
            return Who {
                name: name.trim().to_string(),
                source: source.to_string(),
            };
        }
        if let Some(name) = ws.config.ledger.user.as_deref().filter(|n| !n.trim().is_empty()) {
            return Who {
                name: name.trim().to_string(),
                source: "config".into(),
            };
        }
        Who {
            name: os_user(),
            source: "os".into(),
        }
    }
}

/// One record of the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// 1 for the first record, then +1.
    pub seq: u64,
    /// `close`, `reopen`, `recover`, `repair`, `allow-unsealed-prior`.
    pub event: String,
    pub period: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<u32>,
    pub who: Who,
    /// Local time with its UTC offset, e.g. `2026-03-10T09:15:02+08:00`.
    pub when: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manifest_sha256: Option<String>,
    /// Ties a record to the intent of the commit that wrote it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intent: Option<String>,
    /// sha256 of the previous line (empty for the first record).
    pub prev: String,
}

/// A record to append (the chain fields are filled in by [`append`]).
#[derive(Debug, Clone)]
pub struct Event {
    pub event: &'static str,
    pub period: String,
    pub version: Option<u32>,
    pub who: Who,
    pub reason: Option<String>,
    pub manifest_sha256: Option<String>,
    pub intent: Option<String>,
}

/// A record as read, with the hash of its line.
#[derive(Debug, Clone)]
pub struct Entry {
    pub record: Record,
    pub sha256: String,
}

/// What is wrong with the log's chain: the 1-based line and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Break {
    pub line: usize,
    pub why: String,
}

fn path(ws: &Workspace) -> std::path::PathBuf {
    ws.root.join("ledger").join(LOG_FILE)
}

/// Every record of the log, and where its chain breaks (a line that does
/// not parse, a `prev` that is not the line before's hash, a `seq` out of
/// order). A missing log is empty.
pub fn read(ws: &Workspace) -> Result<(Vec<Entry>, Vec<Break>)> {
    let p = path(ws);
    let text = match std::fs::read(&p) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(Error::io(&p, e)),
    };
    let mut entries: Vec<Entry> = Vec::new();
    let mut breaks = Vec::new();
    let mut prev = String::new();
    for (i, line) in text.lines().enumerate() {
        let sha256 = sha256_hex(line.as_bytes());
        match serde_json::from_str::<Record>(line) {
            Ok(record) => {
                if record.prev != prev {
                    breaks.push(Break {
                        line: i + 1,
                        why: "prev is not the hash of the line before".into(),
                    });
                }
                let expected = entries.last().map_or(1, |e| e.record.seq + 1);
                if record.seq != expected {
                    breaks.push(Break {
                        line: i + 1,
                        why: format!("seq {} where {expected} was expected", record.seq),
                    });
                }
                entries.push(Entry {
                    record,
                    sha256: sha256.clone(),
                });
            }
            Err(e) => breaks.push(Break {
                line: i + 1,
                why: format!("not a log record: {e}"),
            }),
        }
        prev = sha256;
    }
    Ok((entries, breaks))
}

/// Appends one record, chained to the last line, and syncs it to disk.
/// Returns the record and the hash of its line.
pub fn append(ws: &Workspace, event: Event) -> Result<Entry> {
    let p = path(ws);
    if let Some(dir) = p.parent() {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    let mut text = match std::fs::read(&p) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(Error::io(&p, e)),
    };
    // A record cut short by a crash (no line end) was never committed:
    // it is cut off, so that the chain goes on from the last whole line.
    if !text.is_empty() && text.last() != Some(&b'\n') {
        let keep = text.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
        let file = std::fs::OpenOptions::new()
            .write(true)
            .open(&p)
            .map_err(|e| Error::io(&p, e))?;
        file.set_len(keep as u64).map_err(|e| Error::io(&p, e))?;
        file.sync_all().map_err(|e| Error::io(&p, e))?;
        text.truncate(keep);
    }
    let last = String::from_utf8_lossy(&text)
        .lines()
        .rfind(|l| !l.trim().is_empty())
        .map(str::to_string);
    let seq = last
        .as_deref()
        .and_then(|l| serde_json::from_str::<Record>(l).ok())
        .map_or(1, |r| r.seq + 1);
    let record = Record {
        seq,
        event: event.event.to_string(),
        period: event.period,
        version: event.version,
        who: event.who,
        when: now_local(),
        reason: event.reason,
        manifest_sha256: event.manifest_sha256,
        intent: event.intent,
        prev: last.as_deref().map(|l| sha256_hex(l.as_bytes())).unwrap_or_default(),
    };
    let line = serde_json::to_string(&record).unwrap_or_default();
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&p)
        .map_err(|e| Error::io(&p, e))?;
    let mut bytes = Vec::with_capacity(line.len() + 1);
    bytes.extend_from_slice(line.as_bytes());
    bytes.push(b'\n');
    super::failpoint::hit("log:append")?;
    file.write_all(&bytes).map_err(|e| Error::io(&p, e))?;
    file.sync_all().map_err(|e| Error::io(&p, e))?;
    Ok(Entry {
        sha256: sha256_hex(line.as_bytes()),
        record,
    })
}

/// The OS user running paybatch: `$USER`/`$LOGNAME`, else the account
/// that owns this process (from /etc/passwd), else `uid:<n>`.
pub fn os_user() -> String {
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

/// Local time with its UTC offset, `2026-03-10T09:15:02+08:00` (the
/// offset from the C library's time zone, UTC when it has none).
pub fn now_local() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let offset = utc_offset_seconds(secs);
    let local = i64::try_from(secs).unwrap_or(0) + offset;
    let days = local.div_euclid(86_400);
    let rem = local.rem_euclid(86_400);
    let date = crate::model::Date::from_days_since_epoch(days).unwrap_or(crate::model::Date::EPOCH);
    let sign = if offset < 0 { '-' } else { '+' };
    let off = offset.abs();
    format!(
        "{date}T{:02}:{:02}:{:02}{sign}{:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        off / 3600,
        off % 3600 / 60
    )
}

#[cfg(unix)]
fn utc_offset_seconds(secs: u64) -> i64 {
    let t = libc::time_t::try_from(secs).unwrap_or(0);
    // SAFETY: `localtime_r` writes into the `tm` we own and reads `t`;
    // both outlive the call.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    let ok = unsafe { !libc::localtime_r(&t, &mut tm).is_null() };
    if ok { tm.tm_gmtoff } else { 0 }
}

#[cfg(not(unix))]
fn utc_offset_seconds(_secs: u64) -> i64 {
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ws() -> (tempfile::TempDir, Workspace) {
        let dir = tempfile::tempdir().unwrap();
        let ws = Workspace {
            root: dir.path().to_path_buf(),
            config: Default::default(),
            inputs_root: None,
        };
        (dir, ws)
    }

    fn event(n: u32) -> Event {
        Event {
            event: "close",
            period: "2026-01".into(),
            version: Some(n),
            who: Who {
                name: "clerk".into(),
                source: "flag".into(),
            },
            reason: None,
            manifest_sha256: Some(format!("m{n}")),
            intent: None,
        }
    }

    /// Records chain; a changed, removed or reordered line breaks it.
    #[test]
    fn the_chain_breaks_where_a_line_changes() {
        let (_dir, ws) = ws();
        for n in 1..=3 {
            append(&ws, event(n)).unwrap();
        }
        let (entries, breaks) = read(&ws).unwrap();
        assert_eq!(entries.len(), 3);
        assert!(breaks.is_empty(), "{breaks:?}");
        assert_eq!(entries[2].record.prev, entries[1].sha256);
        let p = path(&ws);
        let text = std::fs::read_to_string(&p).unwrap_or_default();
        std::fs::write(&p, text.replace("\"m2\"", "\"mX\"")).unwrap();
        let (_, breaks) = read(&ws).unwrap();
        assert_eq!(breaks.iter().map(|b| b.line).collect::<Vec<_>>(), [3]);
        let lines: Vec<&str> = text.lines().collect();
        std::fs::write(&p, format!("{}\n{}\n", lines[0], lines[2])).unwrap();
        let (_, breaks) = read(&ws).unwrap();
        assert_eq!(breaks.len(), 2, "{breaks:?}");
    }

    /// A record cut short by a crash is dropped by the next append, and
    /// the chain holds.
    #[test]
    fn a_torn_last_line_is_cut_and_the_chain_goes_on() {
        let (_dir, ws) = ws();
        append(&ws, event(1)).unwrap();
        let p = path(&ws);
        let mut text = std::fs::read_to_string(&p).unwrap_or_default();
        text.push_str("{\"seq\":2,\"event\":\"clo");
        std::fs::write(&p, text).unwrap();
        append(&ws, event(2)).unwrap();
        let (entries, breaks) = read(&ws).unwrap();
        assert!(breaks.is_empty(), "{breaks:?}");
        assert_eq!(entries.iter().map(|e| e.record.seq).collect::<Vec<_>>(), [1, 2]);
    }

    #[test]
    fn local_time_has_an_offset() {
        let t = now_local();
        assert_eq!(t.len(), 25, "{t}");
        assert!(matches!(&t[19..20], "+" | "-"), "{t}");
    }
}
