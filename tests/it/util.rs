//! Test helpers: run the binary in a temp workspace.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

pub fn paybatch() -> Command {
    let mut cmd = Command::cargo_bin("paybatch").unwrap_or_else(|e| panic!("binary: {e}"));
    cmd.env_remove("PAYBATCH_WORKSPACE")
        .env_remove("RUST_LOG")
        .env_remove("PAYBATCH_USER")
        .env_remove("PAYBATCH_FAILPOINT")
        .env("NO_COLOR", "1");
    cmd
}

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(name)
}

pub fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"))
}

/// stdout as text.
pub fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// stderr as text.
pub fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Runs `paybatch <args> -w <ws>` and returns its output.
pub fn pb(ws: &Path, args: &[&str]) -> std::process::Output {
    paybatch().args(args).arg("-w").arg(ws).output().unwrap()
}

/// Every file below `dir`, depth first.
pub fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}
