//! Where text goes: data and summaries to stdout, unless `--quiet`.

use std::io::Write;

/// Writes user-facing output; silent in quiet mode.
#[derive(Debug, Clone, Copy)]
pub struct Printer {
    quiet: bool,
}

impl Printer {
    pub fn new(quiet: bool) -> Self {
        Printer { quiet }
    }

    /// Writes text to stdout (ignores a closed pipe).
    pub fn out(&self, text: &str) {
        if !self.quiet {
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(text.as_bytes());
            let _ = out.flush();
        }
    }

    /// Writes one line to stdout.
    pub fn line(&self, text: &str) {
        self.out(&format!("{text}\n"));
    }

    /// JSON documents are data: printed even in quiet mode.
    pub fn json(&self, value: &serde_json::Value) {
        let text = serde_json::to_string_pretty(value).unwrap_or_default();
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{text}");
    }
}
