//! The explain trace: for each figure, its inputs, the rule used, the
//! formula, the value before rounding and the rounding applied. Recording is
//! off on the bulk path and on for `explain`.

use serde::Serialize;

use crate::i18n::Text;
use crate::model::Rounding;
use rust_decimal::Decimal;

/// One traced figure.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct TraceLine {
    /// Machine key, e.g. `si.pension.employee`.
    pub key: String,
    pub label: Text,
    /// The final value (after rounding).
    pub value: Decimal,
    /// The formula in words and numbers.
    pub formula: String,
    /// Named inputs with their values.
    pub inputs: Vec<(String, String)>,
    /// Rule file and key, e.g. `rules/social/beijing.toml#item.pension`.
    pub rule: String,
    /// Value before rounding, when a rounding applied.
    pub raw: Option<Decimal>,
    /// The rounding applied (zh and en labels).
    pub rounding: Option<Text>,
}

impl TraceLine {
    pub fn new(key: impl Into<String>, label: Text, value: Decimal) -> Self {
        TraceLine {
            key: key.into(),
            label,
            value,
            formula: String::new(),
            inputs: Vec::new(),
            rule: String::new(),
            raw: None,
            rounding: None,
        }
    }

    pub fn formula(mut self, f: impl Into<String>) -> Self {
        self.formula = f.into();
        self
    }

    pub fn input(mut self, name: &str, value: impl ToString) -> Self {
        self.inputs.push((name.into(), value.to_string()));
        self
    }

    pub fn rule(mut self, r: impl Into<String>) -> Self {
        self.rule = r.into();
        self
    }

    pub fn rounded(mut self, raw: Decimal, rounding: Rounding) -> Self {
        self.raw = Some(raw);
        self.rounding = Some(Text::new(rounding.label_zh(), rounding.label_en()));
        self
    }
}

/// Collects trace lines when enabled; costs nothing when not.
#[derive(Debug, Default)]
pub struct Trace {
    on: bool,
    pub lines: Vec<TraceLine>,
}

impl Trace {
    pub fn new(on: bool) -> Self {
        Trace { on, lines: Vec::new() }
    }

    /// Whether lines are kept (for work done only to trace).
    #[inline]
    pub fn on(&self) -> bool {
        self.on
    }

    /// Adds the line `line()` builds, when tracing: inlined, so that with
    /// tracing off not even the closure is built.
    #[inline(always)]
    pub fn add(&mut self, line: impl FnOnce() -> TraceLine) {
        if self.on {
            self.lines.push(line());
        }
    }
}
