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
    /// When the rounding was of a figure on the way (the cumulative tax,
    /// not this month's): its name and rounded value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rounded_figure: Option<(String, Decimal)>,
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
            rounded_figure: None,
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

    /// The line's value came from `raw` by `rounding` (shown only when
    /// that changed it).
    pub fn rounded(mut self, raw: Decimal, rounding: Rounding) -> Self {
        if raw != self.value {
            self.raw = Some(raw);
            self.rounding = Some(Text::new(rounding.label_zh(), rounding.label_en()));
        }
        self
    }

    /// The figure `name` on the way to the line's value came from `raw`
    /// by `rounding` to `rounded` (shown only when that changed it).
    pub fn rounded_on_the_way(mut self, name: &str, raw: Decimal, rounded: Decimal, rounding: Rounding) -> Self {
        if raw != rounded {
            self.raw = Some(raw);
            self.rounding = Some(Text::new(rounding.label_zh(), rounding.label_en()));
            self.rounded_figure = Some((name.into(), rounded));
        }
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
