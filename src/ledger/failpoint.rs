//! Failpoints for crash tests of the commit protocols: a named step of
//! `close` or `reopen` where a test can stop the process as a power cut
//! would (`PAYBATCH_FAILPOINT=<name>`: abort, nothing cleaned up), or make
//! the step fail as a full disk would (`PAYBATCH_FAILPOINT=<name>:enospc`),
//! or pause there for two seconds (`<name>:pause`, for a test to change a
//! file while the step waits).
//! Unset (always, outside tests), each check is one environment lookup.

use crate::error::{Error, Result};

/// The environment variable naming the failpoint to trigger.
pub const VAR: &str = "PAYBATCH_FAILPOINT";

/// Stops or fails here when the failpoint `name` is set.
pub fn hit(name: &str) -> Result<()> {
    let Ok(set) = std::env::var(VAR) else {
        return Ok(());
    };
    if set == name {
        std::process::abort();
    }
    match set.strip_prefix(name).and_then(|rest| rest.strip_prefix(':')) {
        Some("pause") => {
            std::thread::sleep(std::time::Duration::from_secs(2));
            Ok(())
        }
        Some("enospc") => Err(Error::io(
            std::path::PathBuf::from(format!("<failpoint {name}>")),
            std::io::Error::from_raw_os_error(28),
        )),
        _ => Ok(()),
    }
}
