//! Data-quality rules (`rules/validation/*.toml`): each rule names an input
//! and field, a check, a severity and a message and fix hint in zh and en.
//! Files are parsed strictly (a misspelt key is an error naming the line)
//! and compiled into [`Check`]s here, so the engine never sees a half-rule.

use rust_decimal::Decimal;
use serde::Deserialize;

use crate::error::{Error, Result};
use crate::i18n::Text;
use crate::model::Date;
use crate::model::Unreadable;

pub use crate::finding::Severity;

/// Which identifier algorithm to apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdKind {
    ResidentId,
    BankCard,
    Uscc,
}

/// Apply the rule only to rows where `field` is one of `in` (blank counts
/// as the first value listed when `blank_is_first` is set).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    pub field: String,
    #[serde(rename = "in")]
    pub values: Vec<String>,
    #[serde(default)]
    pub blank_matches: bool,
}

/// A rule as written in the file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    code: String,
    input: String,
    field: String,
    check: String,
    severity: Severity,
    message: Text,
    #[serde(default)]
    hint: Text,
    #[serde(default)]
    when: Option<Condition>,
    // Parameters; which ones apply depends on `check`.
    min: Option<Decimal>,
    max: Option<Decimal>,
    pattern: Option<String>,
    values: Option<Vec<String>>,
    kind: Option<IdKind>,
    later: Option<String>,
    ref_input: Option<String>,
    ref_field: Option<String>,
    key: Option<String>,
    reason: Option<Unreadable>,
    other: Option<String>,
    not_before: Option<String>,
    months_after_period: Option<u32>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    source: String,
    #[serde(rename = "rule", default)]
    rules: Vec<RawRule>,
}

/// What a rule checks.
#[derive(Debug, Clone)]
pub enum Check {
    /// Every cell converts to the column's type (`field = "*"` for all).
    Type,
    /// The column exists in the file.
    Column,
    /// The cell is not blank.
    Required,
    /// A number within `[min, max]`.
    Range { min: Option<Decimal>, max: Option<Decimal> },
    /// Text matching a regular expression (whole cell).
    Regex(regex::Regex),
    /// One of a fixed list.
    OneOf(Vec<String>),
    /// No two rows share a value.
    Unique,
    /// A valid identifier.
    Identifier(IdKind),
    /// This date is on or before the date in `later` on the same row.
    DateOrder { later: String },
    /// A date falls within the period being run.
    InPeriod,
    /// The value exists in another input's field.
    ExistsIn { input: String, field: String },
    /// Rows sharing this value must share `key` (e.g. one ID number, one employee).
    OneKey { key: String },
    /// A city that has a `rules/social/<city>.toml`.
    KnownCity,
    /// The declared base lies within the city's floor/cap for the period
    /// (`kind` of base: `si` or `hf`, via `key`).
    BaseInBounds { scheme: String },
    /// A cell that cannot be read exactly, for this reason.
    Unreadable(Unreadable),
    /// A number within its column's `min`/`max` (rules/inputs.toml), or
    /// its pay item's `max` (rules/payroll) where the column says so.
    Bounds,
    /// A number at most its column's (or item's) `warn_above`.
    SoftBounds,
    /// The same value as the reference input's `field` on the row with the
    /// same `key` (a name or date that must agree with the roster); blank
    /// on either side is not compared.
    MatchesRef { input: String, field: String, key: String },
    /// A date not before `not_before` and at most `months_after_period`
    /// months after the period's last day.
    DateWindow {
        not_before: Option<Date>,
        months_after_period: Option<u32>,
    },
    /// A number not above the number in `other` on the same row.
    NotAbove { other: String },
    /// A count of months not above the months before the period in its
    /// year (an opening balance counts to the month before).
    MonthsBeforePeriod,
    /// A yes flag (the 60k rule) on someone not employed here since the
    /// first day of the previous tax year (the row's `hire_date`).
    EmployedSincePriorYear,
    /// An employee's own housing-fund rate within the range the city's
    /// rules allow for the period (a rate outside is paid at the nearest
    /// bound: the finding says which).
    RateInBounds,
    /// A special additional deduction within its standard through the
    /// period's month (a declaration may catch up earlier months), under
    /// the row's 子女人数 / 婴幼儿人数 / 是否独生子女 / 主要工作城市
    /// (rules/iit/deductions.toml).
    DeductionCap,
    /// Every employee of the reference input who was employed earlier in
    /// the period's year (hire date before the period, no leave date
    /// before the year) has a row in this input, when it has rows at all.
    CoversEmployed { input: String, field: String },
}

/// A compiled rule.
#[derive(Debug, Clone)]
pub struct Rule {
    pub code: String,
    pub input: String,
    pub field: String,
    pub check: Check,
    pub severity: Severity,
    pub message: Text,
    pub hint: Text,
    pub when: Option<Condition>,
    /// Rule file it came from (for reports).
    pub file: String,
}

fn missing(file: &str, code: &str, param: &str, check: &str) -> Error {
    Error::Rule {
        file: file.into(),
        message: format!("rule {code}: check `{check}` needs `{param}`"),
    }
}

/// Parses one validation rule file.
pub fn parse_file(file: &str, text: &str) -> Result<Vec<Rule>> {
    let raw: RawFile = toml::from_str(text).map_err(|e| Error::toml(file, text, &e))?;
    let _ = raw.source;
    raw.rules
        .into_iter()
        .map(|r| {
            let need = |v: Option<String>, p: &str| v.ok_or_else(|| missing(file, &r.code, p, &r.check));
            let check = match r.check.as_str() {
                "type" => Check::Type,
                "column" => Check::Column,
                "required" => Check::Required,
                "range" => Check::Range { min: r.min, max: r.max },
                "regex" => {
                    let pattern = need(r.pattern.clone(), "pattern")?;
                    let anchored = format!("^(?:{pattern})$");
                    Check::Regex(regex::Regex::new(&anchored).map_err(|e| Error::Rule {
                        file: file.into(),
                        message: format!("rule {}: bad pattern: {e}", r.code),
                    })?)
                }
                "one_of" => Check::OneOf(r.values.clone().ok_or_else(|| missing(file, &r.code, "values", "one_of"))?),
                "unique" => Check::Unique,
                "identifier" => Check::Identifier(r.kind.ok_or_else(|| missing(file, &r.code, "kind", "identifier"))?),
                "date_order" => Check::DateOrder {
                    later: need(r.later.clone(), "later")?,
                },
                "in_period" => Check::InPeriod,
                "exists_in" => Check::ExistsIn {
                    input: need(r.ref_input.clone(), "ref_input")?,
                    field: need(r.ref_field.clone(), "ref_field")?,
                },
                "one_key" => Check::OneKey {
                    key: need(r.key.clone(), "key")?,
                },
                "known_city" => Check::KnownCity,
                "base_in_bounds" => Check::BaseInBounds {
                    scheme: need(r.key.clone(), "key")?,
                },
                "unreadable" => Check::Unreadable(r.reason.ok_or_else(|| missing(file, &r.code, "reason", "unreadable"))?),
                "bounds" => Check::Bounds,
                "soft_bounds" => Check::SoftBounds,
                "matches_ref" => Check::MatchesRef {
                    input: need(r.ref_input.clone(), "ref_input")?,
                    field: need(r.ref_field.clone(), "ref_field")?,
                    key: need(r.key.clone(), "key")?,
                },
                "date_window" => Check::DateWindow {
                    not_before: match &r.not_before {
                        Some(d) => Some(d.parse::<Date>().map_err(|_| Error::Rule {
                            file: file.into(),
                            message: format!("rule {}: not_before `{d}` is not a date (YYYY-MM-DD)", r.code),
                        })?),
                        None => None,
                    },
                    months_after_period: r.months_after_period,
                },
                "not_above" => Check::NotAbove {
                    other: need(r.other.clone(), "other")?,
                },
                "months_before_period" => Check::MonthsBeforePeriod,
                "employed_since_prior_year" => Check::EmployedSincePriorYear,
                "deduction_cap" => Check::DeductionCap,
                "rate_in_bounds" => Check::RateInBounds,
                "covers_employed" => Check::CoversEmployed {
                    input: need(r.ref_input.clone(), "ref_input")?,
                    field: need(r.ref_field.clone(), "ref_field")?,
                },
                other => {
                    return Err(Error::Rule {
                        file: file.into(),
                        message: format!(
                            "rule {}: unknown check `{other}`; one of: type, column, required, range, regex, one_of, unique, identifier, date_order, in_period, exists_in, one_key, known_city, base_in_bounds, unreadable, bounds, soft_bounds, matches_ref, date_window, not_above, months_before_period, employed_since_prior_year, covers_employed, deduction_cap, rate_in_bounds",
                            r.code
                        ),
                    });
                }
            };
            Ok(Rule {
                code: r.code,
                input: r.input,
                field: r.field,
                check,
                severity: r.severity,
                message: r.message,
                hint: r.hint,
                when: r.when,
                file: file.into(),
            })
        })
        .collect()
}
