//! A finding: one problem at one place, with a code, a severity, a message
//! and a fix hint in both languages. At the bottom of the crate: the rules,
//! readers, checks, calculation and outputs all report findings.

use serde::{Deserialize, Serialize};

use crate::i18n::{Lang, Text};
use crate::model::column_letters;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Blocks the run (exit 1).
    Error,
    /// Reported; the run goes on.
    Warning,
}

impl Severity {
    pub fn label(self, zh: bool) -> &'static str {
        match (self, zh) {
            (Severity::Error, true) => "错误",
            (Severity::Error, false) => "error",
            (Severity::Warning, true) => "警告",
            (Severity::Warning, false) => "warning",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub code: String,
    pub severity: Severity,
    pub file: String,
    pub sheet: String,
    /// 0-based row; `None` for a problem with the whole file.
    pub row: Option<usize>,
    /// 0-based column; `None` for a whole row (or a missing column).
    pub col: Option<usize>,
    /// Field key the finding is about (empty for file-level findings).
    pub field: String,
    /// The offending value as the cell showed it.
    pub value: String,
    pub message: Text,
    pub hint: Text,
}

impl Finding {
    /// A finding about a whole file or subject (no row or cell).
    pub fn about(code: &str, severity: Severity, file: &str, field: &str, message: Text, hint: Text) -> Finding {
        Finding {
            code: code.into(),
            severity,
            file: file.into(),
            sheet: String::new(),
            row: None,
            col: None,
            field: field.into(),
            value: String::new(),
            message,
            hint,
        }
    }

    /// `D17`, `17` (whole row) or empty (whole file).
    pub fn cell(&self) -> String {
        match (self.row, self.col) {
            (Some(r), Some(c)) => format!("{}{}", column_letters(c), r + 1),
            (Some(r), None) => format!("{}", r + 1),
            _ => String::new(),
        }
    }

    /// `花名册.xlsx!在职!D17`, as clerks address cells.
    pub fn location(&self) -> String {
        let mut out = self.file.clone();
        if !self.sheet.is_empty() && !self.file.ends_with(".csv") {
            out.push('!');
            out.push_str(&self.sheet);
        }
        let cell = self.cell();
        if !cell.is_empty() {
            out.push('!');
            out.push_str(&cell);
        }
        out
    }

    /// Sort key: file, sheet, row, column, code.
    pub fn sort_key(&self) -> (&str, &str, Option<usize>, Option<usize>, &str) {
        (&self.file, &self.sheet, self.row, self.col, &self.code)
    }

    pub fn to_json(&self, lang: Lang) -> FindingJson<'_> {
        FindingJson {
            code: &self.code,
            severity: self.severity,
            file: &self.file,
            sheet: &self.sheet,
            cell: self.cell(),
            row: self.row.map(|r| r + 1),
            field: &self.field,
            value: &self.value,
            message: self.message.get(lang),
            hint: self.hint.get(lang),
        }
    }
}

/// The JSON shape of a finding (1-based row, A1 cell).
#[derive(Debug, Serialize)]
pub struct FindingJson<'a> {
    pub code: &'a str,
    pub severity: Severity,
    pub file: &'a str,
    pub sheet: &'a str,
    pub cell: String,
    pub row: Option<usize>,
    pub field: &'a str,
    pub value: &'a str,
    pub message: &'a str,
    pub hint: &'a str,
}

/// Counts by severity.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct Tally {
    pub errors: usize,
    pub warnings: usize,
}

impl Tally {
    pub fn of(findings: &[Finding]) -> Tally {
        let errors = findings.iter().filter(|f| f.severity == Severity::Error).count();
        Tally {
            errors,
            warnings: findings.len() - errors,
        }
    }
}
