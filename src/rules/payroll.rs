//! Pay-component rules (`rules/payroll/*.toml`): pay days, proration,
//! overtime multipliers, sick pay, variable-pay items and company formulas.

use rust_decimal::Decimal;
use serde::Deserialize;

use super::expr::{self, Expr};
use crate::error::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProrationMethod {
    CalendarDays,
    PayDays,
    WorkingDays,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PayDays {
    pub monthly: Decimal,
    pub hours_per_day: Decimal,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Proration {
    pub method: ProrationMethod,
    pub unpaid_leave_per_day: ProrationMethod,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Overtime {
    pub workday: Decimal,
    pub restday: Decimal,
    pub holiday: Decimal,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SickPay {
    pub paid_share: Decimal,
    pub floor_share: Decimal,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeductionLimits {
    pub damage_cap_share: Decimal,
}

/// What a variable-pay item is (the discriminant indexes per-kind arrays).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    Allowance,
    Commission,
    Bonus,
    AnnualBonus,
    Retro,
    PreTaxDeduction,
    DamageDeduction,
    PostTaxDeduction,
}

impl ItemKind {
    pub const ALL: [ItemKind; 8] = [
        ItemKind::Allowance,
        ItemKind::Commission,
        ItemKind::Bonus,
        ItemKind::AnnualBonus,
        ItemKind::Retro,
        ItemKind::PreTaxDeduction,
        ItemKind::DamageDeduction,
        ItemKind::PostTaxDeduction,
    ];

    pub fn key(self) -> &'static str {
        match self {
            ItemKind::Allowance => "allowance",
            ItemKind::Commission => "commission",
            ItemKind::Bonus => "bonus",
            ItemKind::AnnualBonus => "annual_bonus",
            ItemKind::Retro => "retro",
            ItemKind::PreTaxDeduction => "pre_tax_deduction",
            ItemKind::DamageDeduction => "damage_deduction",
            ItemKind::PostTaxDeduction => "post_tax_deduction",
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemDef {
    pub name: String,
    pub kind: ItemKind,
    #[serde(default)]
    pub tax_free: bool,
    /// The most one row of this item may be (its sign is the kind's: every
    /// amount is entered positive); the 变动项 amount column's own max
    /// applies when absent.
    pub max: Option<Decimal>,
    /// Above this one row is unusual: a warning.
    pub warn_above: Option<Decimal>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFormula {
    name: String,
    kind: ItemKind,
    expr: String,
}

/// How many of [`FORMULA_VARIABLES`] describe the employee's month; the
/// item-kind totals follow them.
pub const MONTH_VARIABLES: usize = 9;

/// The variables a company formula can read, in slot order: the
/// employee's month first, then the total of each item kind
/// ([`ItemKind::ALL`] order) so far.
pub const FORMULA_VARIABLES: [&str; MONTH_VARIABLES + ItemKind::ALL.len()] = [
    "base_salary",
    "days_in_month",
    "weekdays",
    "days_employed",
    "unpaid_leave_days",
    "sick_leave_days",
    "ot_workday_hours",
    "ot_restday_hours",
    "ot_holiday_hours",
    "allowance",
    "commission",
    "bonus",
    "annual_bonus",
    "retro",
    "pre_tax_deduction",
    "damage_deduction",
    "post_tax_deduction",
];

/// A parsed company formula, its variables bound to [`FORMULA_VARIABLES`].
#[derive(Debug, Clone)]
pub struct Formula {
    pub name: String,
    pub kind: ItemKind,
    pub source_text: String,
    pub expr: Expr,
    pub file: String,
    pub line: usize,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    source: String,
    pay_days: PayDays,
    proration: Proration,
    overtime: Overtime,
    sick_pay: SickPay,
    deductions: DeductionLimits,
    #[serde(default, rename = "item")]
    items: Vec<ItemDef>,
    #[serde(default, rename = "formula")]
    formulas: Vec<RawFormula>,
}

/// The payroll rules.
#[derive(Debug, Clone)]
pub struct PayrollRules {
    pub source: String,
    pub pay_days: PayDays,
    pub proration: Proration,
    pub overtime: Overtime,
    pub sick_pay: SickPay,
    pub deductions: DeductionLimits,
    pub items: Vec<ItemDef>,
    pub formulas: Vec<Formula>,
    pub file: String,
}

impl PayrollRules {
    pub fn item(&self, name: &str) -> Option<&ItemDef> {
        self.items.iter().find(|i| i.name == name)
    }

    /// The hourly divisor (21.75 × 8 = 174).
    pub fn hourly_divisor(&self) -> Decimal {
        self.pay_days.monthly * self.pay_days.hours_per_day
    }
}

/// 1-based line of the first occurrence of `needle` in `text`.
fn line_of(text: &str, needle: &str) -> usize {
    text.find(needle).map_or(0, |i| text[..i].matches('\n').count() + 1)
}

/// Parses the payroll rule file; a bad formula names the file and line.
pub fn parse(file: &str, text: &str) -> Result<PayrollRules> {
    let raw: RawFile = toml::from_str(text).map_err(|e| Error::toml(file, text, &e))?;
    // Every daily and hourly wage divides by these: zero or less would be a
    // division by zero for each employee, so it is refused here, once.
    for (key, value) in [
        ("monthly", raw.pay_days.monthly),
        ("hours_per_day", raw.pay_days.hours_per_day),
    ] {
        if value <= Decimal::ZERO {
            return Err(Error::Config {
                file: file.into(),
                line: line_of(text, &format!("{key} =")),
                message: format!("pay_days.{key} must be greater than 0 (is {value})"),
            });
        }
    }
    let formulas = raw
        .formulas
        .into_iter()
        .map(|f| {
            let line = line_of(text, &f.expr);
            let mut expr = expr::parse(&f.expr).map_err(|e| Error::Config {
                file: file.into(),
                line,
                message: format!("formula `{}`: {e}", f.name),
            })?;
            expr.bind(&FORMULA_VARIABLES);
            Ok(Formula {
                name: f.name,
                kind: f.kind,
                source_text: f.expr,
                expr,
                file: file.into(),
                line,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(PayrollRules {
        source: raw.source,
        pay_days: raw.pay_days,
        proration: raw.proration,
        overtime: raw.overtime,
        sick_pay: raw.sick_pay,
        deductions: raw.deductions,
        items: raw.items,
        formulas,
        file: file.into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The item-kind slots of the formula variables follow `ItemKind::ALL`.
    #[test]
    fn formula_variables_name_every_item_kind_in_order() {
        let kinds: Vec<&str> = ItemKind::ALL.iter().map(|k| k.key()).collect();
        assert_eq!(FORMULA_VARIABLES[MONTH_VARIABLES..], kinds[..]);
    }

    #[test]
    fn zero_pay_days_is_a_config_error_with_its_line() {
        let text = include_str!("../../rules/payroll/components.toml");
        let bad = text.replacen("monthly = 21.75", "monthly = 0", 1);
        match parse("rules/payroll/components.toml", &bad) {
            Err(Error::Config { file, line, message }) => {
                assert_eq!(file, "rules/payroll/components.toml");
                assert_eq!(line, line_of(text, "monthly = 21.75"));
                assert_eq!(message, "pay_days.monthly must be greater than 0 (is 0)");
            }
            other => panic!("expected a config error, got {:?}", other.map(|_| ())),
        }
        assert!(parse("rules/payroll/components.toml", text).is_ok());
    }
}
