//! `repair`: a period whose sealed versions exist but whose `state.json`
//! is lost or unreadable gets its state back from the last record of it in
//! the log (checked against the sealed manifest), and the repair is itself
//! logged.

use super::log::{self, Event, Who};
use super::seal::MANIFEST_FILE;
use super::state::{self, State, Status};
use crate::diag::sha256_hex;
use crate::error::{Error, Result};
use crate::model::Period;
use crate::workspace::Workspace;

/// Rebuilds `period`'s state from the log; returns it.
pub fn repair(ws: &Workspace, period: Period, who: &Who) -> Result<State> {
    match state::read(ws, period) {
        Err(Error::StateLost { .. }) => {}
        Err(e) => return Err(e),
        Ok(_) => {
            return Err(Error::Usage(format!(
                "期间 {period} 的状态完好, 无需 repair / period {period}'s state is intact; nothing to repair"
            )));
        }
    }
    let (entries, breaks) = log::read(ws)?;
    if let Some(b) = breaks.first() {
        return Err(Error::Ledger(format!(
            "log.jsonl line {}: {}; the state cannot be rebuilt from a broken log",
            b.line, b.why
        )));
    }
    let p = period.to_string();
    let last = entries
        .iter()
        .rev()
        .find(|e| e.record.period == p && matches!(e.record.event.as_str(), "close" | "reopen" | "repair"))
        .ok_or_else(|| Error::Ledger(format!("log.jsonl has no close or reopen of {p}")))?;
    let r = &last.record;
    let closed = r.event != "reopen" && r.manifest_sha256.is_some();
    if closed {
        let version = r.version.unwrap_or(0);
        let manifest = ws
            .ledger_dir(period)
            .join(format!("sealed-v{version}"))
            .join(MANIFEST_FILE);
        let bytes = std::fs::read(&manifest).map_err(|e| Error::io(&manifest, e))?;
        if r.manifest_sha256.as_deref() != Some(sha256_hex(&bytes).as_str()) {
            return Err(Error::Ledger(format!(
                "sealed-v{version}/manifest.json is not the manifest log record {} names",
                r.seq
            )));
        }
    }
    let entry = log::append(
        ws,
        Event {
            event: "repair",
            period: p.clone(),
            version: if closed { r.version } else { None },
            who: who.clone(),
            reason: Some(format!("state.json rebuilt from log record {} ({})", r.seq, r.event)),
            manifest_sha256: if closed { r.manifest_sha256.clone() } else { None },
            intent: None,
        },
    )?;
    let state = State {
        status: if closed { Status::Closed } else { Status::Draft },
        dir: closed.then(|| format!("sealed-v{}", r.version.unwrap_or(0))),
        version: if closed { r.version } else { None },
        manifest_sha256: if closed { r.manifest_sha256.clone() } else { None },
        log_sha256: Some(entry.sha256),
    };
    state::write(ws, period, &state)?;
    Ok(state)
}
