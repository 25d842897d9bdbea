//! Atomic writes: a temp file in the same folder, fsync, rename. A reader
//! (or a crash) sees the old file or the new one, never half of one.

use std::io::Write;
use std::path::Path;

use crate::error::{Error, Result};

/// The mode new files get: 0666 less the process's umask (a temp file is
/// created 0600; the file it becomes follows the umask like any other).
static FILE_MODE: std::sync::OnceLock<u32> = std::sync::OnceLock::new();

/// Reads the umask once; call before any thread starts (main does).
pub fn init_file_mode() {
    let _ = file_mode();
}

fn file_mode() -> u32 {
    *FILE_MODE.get_or_init(|| {
        #[cfg(unix)]
        {
            // SAFETY: umask only swaps the process's mask; it is put back
            // at once (and this runs before other threads exist).
            let mask = unsafe {
                let old = libc::umask(0o022);
                libc::umask(old);
                old
            };
            0o666 & !mask
        }
        #[cfg(not(unix))]
        {
            0o644
        }
    })
}

/// Gives a file written through a temp file the mode the umask asks for.
pub fn follow_umask(file: &std::fs::File) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = file.set_permissions(std::fs::Permissions::from_mode(file_mode()));
    }
    #[cfg(not(unix))]
    let _ = file;
}

/// Writes `bytes` to `path` atomically, creating parent folders.
pub fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(|e| Error::io(dir, e))?;
    follow_umask(tmp.as_file());
    tmp.write_all(bytes).map_err(|e| Error::io(path, e))?;
    tmp.as_file().sync_all().map_err(|e| Error::io(path, e))?;
    tmp.persist(path).map_err(|e| Error::io(path, e.error))?;
    if let Ok(d) = std::fs::File::open(dir) {
        // Make the rename itself durable; not all platforms allow this.
        let _ = d.sync_all();
    }
    Ok(())
}
