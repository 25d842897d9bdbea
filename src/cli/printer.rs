//! Where text goes: data and summaries to stdout, unless `--quiet`. ID
//! and card numbers are masked in everything printed (the cron recipe
//! keeps stdout in a log file); the findings.xlsx report keeps them.

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
            let _ = out.write_all(crate::model::ids::mask_numbers_in(text).as_bytes());
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
        let _ = writeln!(out, "{}", crate::model::ids::mask_numbers_in(&text));
    }
}
