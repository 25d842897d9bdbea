//! Input layouts (`rules/inputs.toml`): which files a month has, which
//! columns each holds, their types and the header aliases clerks use.

use rust_decimal::Decimal;
use serde::Deserialize;

use crate::i18n::Text;

/// The type a column's cells are converted to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    /// Free text, trimmed.
    Text,
    /// An identifier: half-width, upper-case, no spaces (ID numbers, cards).
    Id,
    /// An exact decimal (money, hours, days, rates; `7%` reads as 0.07).
    Number,
    /// A whole number.
    Integer,
    /// A calendar date (Excel dates, 2026-03-01, 2026/3/1, 2026年3月1日).
    Date,
    /// 是/否, Y/N, TRUE/FALSE, 1/0.
    Bool,
    /// A pay period, YYYY-MM.
    Period,
}

impl FieldType {
    pub fn label(self, zh: bool) -> &'static str {
        match (self, zh) {
            (FieldType::Text, true) => "文本",
            (FieldType::Text, false) => "text",
            (FieldType::Id, true) => "编号",
            (FieldType::Id, false) => "identifier",
            (FieldType::Number, true) => "数字",
            (FieldType::Number, false) => "number",
            (FieldType::Integer, true) => "整数",
            (FieldType::Integer, false) => "whole number",
            (FieldType::Date, true) => "日期",
            (FieldType::Date, false) => "date",
            (FieldType::Bool, true) => "是/否",
            (FieldType::Bool, false) => "yes/no",
            (FieldType::Period, true) => "所属期 (YYYY-MM)",
            (FieldType::Period, false) => "period (YYYY-MM)",
        }
    }
}

/// One column of an input file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldDef {
    pub key: String,
    pub label: Text,
    #[serde(rename = "type")]
    pub ty: FieldType,
    /// Header texts that mean this column (matched after removing spaces,
    /// `*` marks and full-width forms, case-insensitive).
    #[serde(default)]
    pub aliases: Vec<String>,
    /// The column must be present in the file (blank cells are a separate rule).
    #[serde(default)]
    pub required: bool,
    /// Bounds of a number or whole-number column: every such column has
    /// both (checked when the rules load), so a wrong sign or a typo of
    /// three zeros is a finding at the cell (`check = "bounds"`).
    pub min: Option<Decimal>,
    pub max: Option<Decimal>,
    /// Above this a value is unusual but possible: a warning
    /// (`check = "soft_bounds"`).
    pub warn_above: Option<Decimal>,
    /// The row's `item` (a pay item of rules/payroll) may narrow `max` and
    /// `warn_above` with its own (variable pay: an allowance is not a bonus).
    #[serde(default)]
    pub item_bounds: bool,
}

impl FieldDef {
    /// A required column labelled by its key, without aliases or bounds
    /// (tests and built-in tables).
    pub fn new(key: &str, label: Text, ty: FieldType) -> FieldDef {
        FieldDef {
            key: key.into(),
            label,
            ty,
            aliases: Vec::new(),
            required: true,
            min: None,
            max: None,
            warn_above: None,
            item_bounds: false,
        }
    }

    /// Whether the column holds numbers.
    pub fn is_numeric(&self) -> bool {
        matches!(self.ty, FieldType::Number | FieldType::Integer)
    }
}

/// One kind of input file (roster, attendance, …).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputSchema {
    pub kind: String,
    pub label: Text,
    /// Parts of a file name that identify this kind when paybatch.toml is silent.
    pub file_hints: Vec<String>,
    /// Whether a month must have this file.
    #[serde(default)]
    pub required: bool,
    /// Whether a month may have several files of this kind, all read and
    /// added up (variable pay split by department). Without it a second
    /// file of the kind is an error (a repeated download, a backup); with
    /// it a file named like a copy is still one, and so is a line repeated
    /// in two files (`ingest::structure`).
    #[serde(default)]
    pub parts: bool,
    #[serde(rename = "field")]
    pub fields: Vec<FieldDef>,
}

impl InputSchema {
    pub fn field_index(&self, key: &str) -> Option<usize> {
        self.fields.iter().position(|f| f.key == key)
    }
}

/// The whole `rules/inputs.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputsFile {
    pub source: String,
    #[serde(rename = "input")]
    pub inputs: Vec<InputSchema>,
}
