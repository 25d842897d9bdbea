//! Diagnostics every layer may use: this process's memory (for the
//! `-v` logs) and SHA-256 hex digests (manifests, the log chain, IDs).

use sha2::{Digest, Sha256};

/// Peak resident memory of this process so far, in MB (Linux; 0 elsewhere).
/// Logged with each pipeline phase so `-v` shows where memory goes.
pub fn peak_rss_mb() -> u64 {
    status_mb("VmHWM:")
}

/// Resident memory of this process now, in MB (Linux; 0 elsewhere): logged
/// with `-vv` steps inside a phase.
pub fn rss_mb() -> u64 {
    status_mb("VmRSS:")
}

fn status_mb(key: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix(key))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .map_or(0, |kb| kb / 1024)
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}
