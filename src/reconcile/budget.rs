//! Total-payroll cap (工资总额管控): per org unit, the month, the year to
//! date and the projected full year against the annual budget.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::Serialize;

use super::frame::{fen_column, results_frame, text_column, yuan};
use crate::error::Result;
use crate::model::{Money, Period};
use crate::workspace::{Budget, BudgetMeasure};

/// One org unit's figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnitLine {
    pub unit: String,
    pub month: Decimal,
    pub year_to_date: Decimal,
    /// Year to date ÷ months × 12, to the fen.
    pub projected: Decimal,
    pub budget: Option<Decimal>,
    pub over: bool,
}

/// Sums the measure per unit in one period's results.
fn per_unit(bytes: &[u8], budget: &Budget) -> Result<BTreeMap<String, i64>> {
    let df = results_frame(bytes, "results.csv")?;
    let unit_col = if budget.by == "department" {
        "department"
    } else {
        "cost_center"
    };
    let units = text_column(&df, unit_col);
    let measure = match budget.measure {
        BudgetMeasure::TotalPay => fen_column(&df, "total_pay"),
        BudgetMeasure::EmployerCost => fen_column(&df, "employer_cost"),
    };
    let mut out = BTreeMap::new();
    for (u, m) in units.into_iter().zip(measure) {
        *out.entry(u.unwrap_or_default()).or_insert(0) += m.unwrap_or(0);
    }
    Ok(out)
}

/// Compares the year's results (periods 1..=m, in order) with the budget.
pub fn check(period: Period, year_results: &[(Period, Vec<u8>)], budget: &Budget) -> Result<Vec<UnitLine>> {
    let mut ytd: BTreeMap<String, i64> = BTreeMap::new();
    let mut month: BTreeMap<String, i64> = BTreeMap::new();
    for (p, bytes) in year_results {
        let sums = per_unit(bytes, budget)?;
        for (u, v) in &sums {
            *ytd.entry(u.clone()).or_insert(0) += v;
        }
        if *p == period {
            month = sums;
        }
    }
    let annual = budget.annual.get(&period.year().to_string());
    let months = Decimal::from(period.month());
    let mut units: Vec<String> = ytd.keys().cloned().collect();
    if let Some(a) = annual {
        units.extend(a.keys().filter(|k| !ytd.contains_key(*k)).cloned());
    }
    units.sort();
    units.dedup();
    Ok(units
        .into_iter()
        .map(|unit| {
            let y = yuan(ytd.get(&unit).copied().unwrap_or(0));
            let projected = Money::new(y / months * Decimal::from(12))
                .round(crate::model::Rounding::FEN_HALF_UP)
                .get();
            let b = annual.and_then(|a| a.get(&unit)).copied();
            UnitLine {
                month: yuan(month.get(&unit).copied().unwrap_or(0)),
                year_to_date: y,
                projected,
                over: b.is_some_and(|b| projected > b),
                budget: b,
                unit,
            }
        })
        .collect())
}
