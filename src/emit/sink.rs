//! Where a period's outputs go: a staging folder on disk. Files are
//! streamed into it and hashed as they are written, so no output is ever
//! held whole in memory; the ledger then renames the folder into place.

use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// A written output: its path relative to the outputs folder, sha256, size.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Written {
    pub name: String,
    pub sha256: String,
    pub bytes: u64,
}

/// The folder outputs are written into.
#[derive(Debug, Clone)]
pub struct OutDir {
    root: PathBuf,
}

fn hex(digest: &[u8]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

impl OutDir {
    pub fn new(root: impl Into<PathBuf>) -> OutDir {
        OutDir { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The full path of `name`, its parent folders created.
    pub fn path(&self, name: &str) -> Result<PathBuf> {
        let path = self.root.join(name);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        }
        Ok(path)
    }

    /// A new file `name`, hashed as it is written.
    pub fn create(&self, name: &str) -> Result<HashingFile> {
        let path = self.path(name)?;
        let file = File::create(&path).map_err(|e| Error::io(&path, e))?;
        Ok(HashingFile {
            name: name.to_string(),
            path,
            file: BufWriter::with_capacity(1 << 16, file),
            hasher: Sha256::new(),
            bytes: 0,
        })
    }

    /// Writes a small file whole.
    pub fn write(&self, name: &str, bytes: &[u8]) -> Result<Written> {
        let mut f = self.create(name)?;
        f.write_all(bytes).map_err(|e| Error::io(&f.path, e))?;
        f.finish()
    }

    /// Syncs and hashes a file something else wrote (a copied input).
    pub fn seal_existing(&self, name: &str) -> Result<Written> {
        let path = self.root.join(name);
        let io = |e| Error::io(&path, e);
        File::open(&path).and_then(|f| f.sync_all()).map_err(io)?;
        let (sha256, bytes) = hash_file(&path).map_err(io)?;
        Ok(Written {
            name: name.to_string(),
            sha256,
            bytes,
        })
    }

    /// Removes a file that turned out unusable (nothing could be encoded).
    pub fn discard(&self, name: &str) {
        let _ = std::fs::remove_file(self.root.join(name));
    }
}

/// The sha256 (hex) and size of a file, read in blocks.
pub fn hash_file(path: &Path) -> std::io::Result<(String, u64)> {
    let mut file = File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut bytes = 0u64;
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        bytes += n as u64;
    }
    Ok((hex(&hasher.finalize()), bytes))
}

/// A file being written: buffered, hashed on the way, synced on finish.
pub struct HashingFile {
    name: String,
    path: PathBuf,
    file: BufWriter<File>,
    hasher: Sha256,
    bytes: u64,
}

impl HashingFile {
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Flushes and syncs the file; returns its name, hash and size.
    pub fn finish(self) -> Result<Written> {
        let path = self.path;
        let file = self.file.into_inner().map_err(|e| Error::io(&path, e.into_error()))?;
        file.sync_all().map_err(|e| Error::io(&path, e))?;
        Ok(Written {
            name: self.name,
            sha256: hex(&self.hasher.finalize()),
            bytes: self.bytes,
        })
    }
}

impl Write for HashingFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.file.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

/// Encodes UTF-8 text to GBK on its way to `inner`. A character GBK cannot
/// hold sets `unmappable` and is dropped (the caller reports and discards).
pub struct GbkWriter<W: Write> {
    inner: W,
    pending: Vec<u8>,
    pub unmappable: bool,
}

impl<W: Write> GbkWriter<W> {
    pub fn new(inner: W) -> Self {
        GbkWriter {
            inner,
            pending: Vec::new(),
            unmappable: false,
        }
    }

    pub fn into_inner(mut self) -> std::io::Result<(W, bool)> {
        self.flush()?;
        Ok((self.inner, self.unmappable || !self.pending.is_empty()))
    }
}

impl<W: Write> Write for GbkWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.pending.extend_from_slice(buf);
        // Encode the complete characters; keep a split one for the next write.
        let valid = match std::str::from_utf8(&self.pending) {
            Ok(s) => s.len(),
            Err(e) => e.valid_up_to(),
        };
        let text = std::str::from_utf8(&self.pending[..valid]).unwrap_or_default();
        let (bytes, _, unmappable) = encoding_rs::GBK.encode(text);
        self.unmappable |= unmappable;
        self.inner.write_all(&bytes)?;
        self.pending.drain(..valid);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_what_it_writes_and_encodes_gbk_across_split_characters() {
        let dir = tempfile::tempdir().unwrap();
        let out = OutDir::new(dir.path());
        let mut f = out.create("a/b.txt").unwrap();
        let mut gbk = GbkWriter::new(&mut f);
        let text = "工号,姓名\n";
        // Feed one byte at a time: every character arrives split.
        for b in text.as_bytes() {
            let _ = gbk.write(&[*b]);
        }
        let (_, bad) = gbk.into_inner().unwrap();
        assert!(!bad);
        let w = f.finish().unwrap();
        let on_disk = std::fs::read(dir.path().join("a/b.txt")).unwrap_or_default();
        assert_eq!(on_disk, encoding_rs::GBK.encode(text).0.into_owned());
        assert_eq!(w.bytes, on_disk.len() as u64);
        assert_eq!(w.sha256, hex(&Sha256::digest(&on_disk)));
        assert_eq!(out.seal_existing("a/b.txt").map(|s| s.sha256).ok(), Some(w.sha256));

        let mut sink = Vec::new();
        let mut gbk = GbkWriter::new(&mut sink);
        let _ = gbk.write("𠀀".as_bytes());
        assert!(gbk.into_inner().map(|(_, bad)| bad).unwrap_or(false));
    }
}
