//! Period-over-period variance: per employee and component, this month
//! against the previous period, each difference attributed to a cause.
//! Whatever no cause explains goes to `unexplained`, which must stay empty.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::Serialize;

use super::frame::{fen_column, full_join, names, results_frame, text_column, yuan};
use crate::error::Result;
use crate::model::Period;
use crate::rules::iit::RateTable;

/// Why a figure changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Cause {
    Joiner,
    Leaver,
    BaseSalaryChange,
    SiBaseChange,
    RateChange,
    Attendance,
    VariablePay,
    RetroPay,
    TaxBracketCrossing,
    SpecialDeductionChange,
    NewTaxYear,
    /// One fen from rounding the cumulative tax.
    Rounding,
    Unexplained,
}

impl Cause {
    pub fn label(self, zh: bool) -> &'static str {
        match (self, zh) {
            (Cause::Joiner, true) => "入职",
            (Cause::Leaver, true) => "离职",
            (Cause::BaseSalaryChange, true) => "基本工资调整",
            (Cause::SiBaseChange, true) => "社保公积金基数调整",
            (Cause::RateChange, true) => "费率变化(规则)",
            (Cause::Attendance, true) => "考勤",
            (Cause::VariablePay, true) => "变动项",
            (Cause::RetroPay, true) => "补发补扣",
            (Cause::TaxBracketCrossing, true) => "个税跳档",
            (Cause::SpecialDeductionChange, true) => "扣除项变化",
            (Cause::NewTaxYear, true) => "新纳税年度",
            (Cause::Rounding, true) => "累计税额舍入",
            (Cause::Unexplained, true) => "无法解释",
            (Cause::Joiner, false) => "joiner",
            (Cause::Leaver, false) => "leaver",
            (Cause::BaseSalaryChange, false) => "base salary change",
            (Cause::SiBaseChange, false) => "SI/HF base change",
            (Cause::RateChange, false) => "rate change (rules)",
            (Cause::Attendance, false) => "attendance",
            (Cause::VariablePay, false) => "variable pay",
            (Cause::RetroPay, false) => "retro pay",
            (Cause::TaxBracketCrossing, false) => "tax bracket crossing",
            (Cause::SpecialDeductionChange, false) => "deduction change",
            (Cause::NewTaxYear, false) => "new tax year",
            (Cause::Rounding, false) => "cumulative rounding",
            (Cause::Unexplained, false) => "unexplained",
        }
    }
}

/// One changed figure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    pub employee_id: String,
    pub name: String,
    pub component: String,
    pub previous: Decimal,
    pub current: Decimal,
    pub delta: Decimal,
    /// Signed effect on net pay (earnings +, deductions −; employer-only 0).
    pub net_effect: Decimal,
    pub cause: Cause,
}

/// The variance check's result.
#[derive(Debug, Clone, Serialize)]
pub struct Variance {
    pub period: String,
    pub previous_period: String,
    pub changes: Vec<Change>,
    /// Δ net pay by cause.
    pub by_cause: BTreeMap<Cause, Decimal>,
    pub net_previous: Decimal,
    pub net_current: Decimal,
    /// Employees whose |Δnet| exceeds the threshold share of last month's net.
    pub flagged: Vec<(String, Decimal, Decimal)>,
}

/// Components compared, with their sign in net pay.
const PAY: [(&str, i8); 14] = [
    ("base_pay", 1),
    ("unpaid_leave_deduction", -1),
    ("sick_leave_deduction", -1),
    ("overtime", 1),
    ("allowance", 1),
    ("commission", 1),
    ("bonus", 1),
    ("retro", 1),
    ("pre_tax_deduction", -1),
    ("annual_bonus", 1),
    ("iit", -1),
    ("bonus_tax", -1),
    ("post_tax_deduction", -1),
    ("damage_deduction", -1),
];

const ATTENDANCE: [&str; 5] = [
    "att_unpaid_leave_days",
    "att_sick_leave_days",
    "att_ot_workday_hours",
    "att_ot_restday_hours",
    "att_ot_holiday_hours",
];

/// A column this month and last month, by joined row.
type Pair = (Vec<Option<i64>>, Vec<Option<i64>>);

/// Inputs to the comparison.
pub struct VarianceInput<'a> {
    pub period: Period,
    pub previous_period: Period,
    pub current: &'a [u8],
    pub previous: &'a [u8],
    /// The annual table (to tell a bracket crossing).
    pub table: Option<&'a RateTable>,
    /// Flag |Δnet| above this share of last month's net.
    pub threshold: Decimal,
}

/// Compares two results files.
pub fn variance(input: &VarianceInput<'_>) -> Result<Variance> {
    let cur = results_frame(input.current, "current results.csv")?;
    let prev = results_frame(input.previous, "previous results.csv")?;
    let joined = full_join(&cur, &prev, "employee_id", "_prev")?;
    let all = names(&joined);
    let ids = text_column(&joined, "employee_id");
    let name = text_column(&joined, "name");
    let name_prev = text_column(&joined, "name_prev");
    let leave = text_column(&joined, "leave_date");
    let get = |col: &str| fen_column(&joined, col);
    let get_prev = |col: &str| fen_column(&joined, &format!("{col}_prev"));
    let si_keys: Vec<String> = all
        .iter()
        .filter_map(|c| c.strip_prefix("si_")?.strip_suffix("_employee").map(String::from))
        .filter(|k| k != "only")
        .collect();
    let present = get("net");
    let present_prev = get_prev("net");
    let period_text = input.period.to_string();
    let mut changes = Vec::new();
    let mut flagged = Vec::new();
    let (mut net_previous, mut net_current) = (0i64, 0i64);

    // Which inputs changed, per row.
    let base = (get("base_salary"), get_prev("base_salary"));
    let days = (get("days_employed"), get_prev("days_employed"));
    let att: Vec<Pair> = ATTENDANCE.iter().map(|c| (get(c), get_prev(c))).collect();
    let adds: Vec<Pair> = all
        .iter()
        .filter(|c| c.starts_with("add_") && !c.ends_with("_prev"))
        .map(|c| (get(c), get_prev(c)))
        .collect();
    let si_total = (get("si_employee"), get_prev("si_employee"));
    let ytd: Vec<Pair> = [
        "ytd_income",
        "ytd_tax_free",
        "ytd_basic",
        "ytd_special",
        "ytd_additional",
        "ytd_other",
    ]
    .iter()
    .map(|c| (get(c), get_prev(c)))
    .collect();
    let rate_at = |row: usize, prev: bool| -> Option<Decimal> {
        let v = |i: usize| if prev { ytd[i].1[row] } else { ytd[i].0[row] };
        let taxable = v(0)? - v(1)? - v(2)? - v(3)? - v(4)? - v(5)?;
        input
            .table
            .and_then(|t| t.bracket(yuan(taxable.max(0))))
            .map(|b| b.rate)
    };
    let changed = |pair: &Pair, row: usize| pair.0[row] != pair.1[row];

    for row in 0..joined.height() {
        let id = ids[row].clone().unwrap_or_default();
        let who = name[row].clone().or_else(|| name_prev[row].clone()).unwrap_or_default();
        let in_cur = present[row].is_some();
        let in_prev = present_prev[row].is_some();
        net_current += present[row].unwrap_or(0);
        net_previous += present_prev[row].unwrap_or(0);
        let leaving_now = leave[row].as_deref().is_some_and(|d| d.starts_with(&period_text));
        let base_changed = changed(&base, row);
        let attendance_changed = att.iter().any(|a| changed(a, row));
        let new_year = input.period.year() != input.previous_period.year();

        // Causes of pay components other than tax, for attributing tax changes.
        let mut gross_causes: BTreeMap<Cause, i64> = BTreeMap::new();
        let mut push = |component: &str, p: i64, c: i64, sign: i8, cause: Cause| -> i64 {
            if p == c {
                return 0;
            }
            let delta = c - p;
            changes.push(Change {
                employee_id: id.clone(),
                name: who.clone(),
                component: component.to_string(),
                previous: yuan(p),
                current: yuan(c),
                delta: yuan(delta),
                net_effect: yuan(delta * i64::from(sign)),
                cause,
            });
            delta
        };
        let whole = !in_cur || !in_prev;
        let whole_cause = if in_cur { Cause::Joiner } else { Cause::Leaver };
        for (component, sign) in PAY.iter().filter(|(c, _)| !matches!(*c, "iit" | "bonus_tax")) {
            let (c, p) = (get(component)[row].unwrap_or(0), get_prev(component)[row].unwrap_or(0));
            let cause = if whole {
                whole_cause
            } else {
                match *component {
                    "base_pay" if base_changed => Cause::BaseSalaryChange,
                    "base_pay" if changed(&days, row) && leaving_now => Cause::Leaver,
                    "base_pay" if changed(&days, row) => Cause::Joiner,
                    "unpaid_leave_deduction" | "sick_leave_deduction" | "overtime" if attendance_changed => {
                        Cause::Attendance
                    }
                    "unpaid_leave_deduction" | "sick_leave_deduction" | "overtime" if base_changed => {
                        Cause::BaseSalaryChange
                    }
                    "allowance" | "commission" | "bonus" | "pre_tax_deduction" | "annual_bonus"
                    | "post_tax_deduction" | "damage_deduction" => Cause::VariablePay,
                    "retro" => Cause::RetroPay,
                    _ => Cause::Unexplained,
                }
            };
            let delta = push(component, p, c, *sign, cause);
            if delta != 0 {
                *gross_causes.entry(cause).or_default() += delta.abs();
            }
        }
        for key in &si_keys {
            let base_col = format!("si_{key}_base");
            let base_changed = get(&base_col)[row] != get_prev(&base_col)[row];
            for (side, sign) in [("employee", -1i8), ("employer", 0)] {
                let col = format!("si_{key}_{side}");
                let (c, p) = (get(&col)[row].unwrap_or(0), get_prev(&col)[row].unwrap_or(0));
                let cause = if whole {
                    whole_cause
                } else if base_changed {
                    Cause::SiBaseChange
                } else {
                    Cause::RateChange
                };
                push(&col, p, c, sign, cause);
            }
        }
        // Tax: a new year restarts the cumulation; a different marginal rate
        // is a bracket crossing; then changed deductions; then the income
        // change's largest cause. With income, deductions and rate all
        // unchanged, the tax can only move by a fen of rounding or because
        // last month straddled a bracket (or the zero floor).
        let deductions_changed = adds.iter().any(|a| changed(a, row)) || changed(&si_total, row);
        let income_cause = gross_causes.iter().max_by_key(|(_, v)| **v).map(|(c, _)| *c);
        for (component, sign) in [("iit", -1i8), ("bonus_tax", -1)] {
            let (c, p) = (get(component)[row].unwrap_or(0), get_prev(component)[row].unwrap_or(0));
            let cause = if whole {
                whole_cause
            } else if component == "bonus_tax" {
                Cause::VariablePay
            } else if new_year {
                Cause::NewTaxYear
            } else if rate_at(row, false) != rate_at(row, true) {
                Cause::TaxBracketCrossing
            } else if deductions_changed {
                Cause::SpecialDeductionChange
            } else if let Some(cause) = income_cause {
                cause
            } else if (c - p).abs() <= 1 {
                Cause::Rounding
            } else {
                Cause::TaxBracketCrossing
            };
            push(component, p, c, sign, cause);
        }
        let (nc, np) = (present[row].unwrap_or(0), present_prev[row].unwrap_or(0));
        if in_cur && in_prev && np != 0 {
            let share = yuan((nc - np).abs()) / yuan(np.abs());
            if share > input.threshold {
                flagged.push((id.clone(), yuan(np), yuan(nc)));
            }
        }
    }
    changes.sort_by(|a, b| (&a.employee_id, &a.component).cmp(&(&b.employee_id, &b.component)));
    let mut by_cause: BTreeMap<Cause, Decimal> = BTreeMap::new();
    for c in &changes {
        *by_cause.entry(c.cause).or_default() += c.net_effect;
    }
    // Anything the components do not add up to is unexplained.
    let explained: Decimal = by_cause.values().copied().sum();
    let residual = yuan(net_current - net_previous) - explained;
    if !residual.is_zero() {
        *by_cause.entry(Cause::Unexplained).or_default() += residual;
        changes.push(Change {
            employee_id: String::new(),
            name: String::new(),
            component: "net (residual)".into(),
            previous: yuan(net_previous),
            current: yuan(net_current),
            delta: residual,
            net_effect: residual,
            cause: Cause::Unexplained,
        });
    }
    flagged.sort();
    Ok(Variance {
        period: input.period.to_string(),
        previous_period: input.previous_period.to_string(),
        changes,
        by_cause,
        net_previous: yuan(net_previous),
        net_current: yuan(net_current),
        flagged,
    })
}
