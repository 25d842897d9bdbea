//! Annual settlement preview (年度汇算预览): per employee, from the closed
//! months of a tax year, the year's comprehensive-income tax on the annual
//! table, with a separately taxed bonus both kept apart and merged (the
//! lower wins, as the employee may choose at settlement), against the tax
//! withheld: the refund or payment to expect, and who will have to file.
//! A preview: income from other employers is unknown to paybatch.

use std::collections::BTreeMap;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::Serialize;

use super::results::RESULTS_FILE;
use super::state::{self, Status};
use crate::error::{Error, Result};
use crate::model::{Period, Rounding};
use crate::rules::RuleSet;
use crate::rules::dated::in_force;
use crate::workspace::Workspace;

/// One employee's year.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Settlement {
    pub employee_id: String,
    pub name: String,
    /// Wages with merged bonuses (年度收入额, before tax-free income).
    pub income: Decimal,
    pub tax_free: Decimal,
    /// The year's basic deduction: 12 × the monthly standard.
    pub basic: Decimal,
    pub special: Decimal,
    pub additional: Decimal,
    pub other: Decimal,
    /// Annual bonuses taxed separately this year, and their tax.
    pub separate_bonus: Decimal,
    pub separate_bonus_tax: Decimal,
    /// Tax with the separate bonus kept apart, and with it merged.
    pub tax_kept_apart: Decimal,
    pub tax_merged: Decimal,
    /// The lower of the two, and which it is.
    pub tax_due: Decimal,
    pub bonus_merged: bool,
    /// Withheld through the year (wages and bonuses).
    pub withheld: Decimal,
    /// Positive: to pay; negative: to be refunded.
    pub balance: Decimal,
    /// Comprehensive income above the filing threshold.
    pub income_over_threshold: bool,
    /// More to pay than the threshold that exempts from filing.
    pub payment_over_threshold: bool,
}

/// The year's preview.
#[derive(Debug, Clone, Serialize)]
pub struct SettlementReport {
    pub year: i32,
    /// Closed months read.
    pub months: Vec<String>,
    pub employees: Vec<Settlement>,
    pub source: String,
}

/// What a closed month's results say of one employee.
#[derive(Default, Clone)]
struct Seen {
    name: String,
    ytd: [Decimal; 7],
    separate_bonus: Decimal,
    separate_bonus_tax: Decimal,
}

const YTD: [&str; 7] = [
    "ytd_income",
    "ytd_tax_free",
    "ytd_special",
    "ytd_additional",
    "ytd_other",
    "ytd_tax_withheld",
    "ytd_basic",
];

/// Previews the settlement of `year` from its closed months.
pub fn settle(ws: &Workspace, rules: &RuleSet, year: i32) -> Result<SettlementReport> {
    let thresholds = rules.iit.settlement.as_ref().ok_or_else(|| Error::RulesMissing {
        folder: "iit/settlement.toml".into(),
    })?;
    let december = Period::new(year, 12).ok_or_else(|| Error::Usage(format!("{year}?")))?;
    let annual = in_force(&rules.iit.rates.annual, december)
        .ok_or_else(|| Error::Usage(format!("{year}: no annual IIT table in force")))?;
    let basic_monthly = in_force(&rules.iit.deductions.basic, december).map_or(Decimal::ZERO, |b| b.monthly);
    let mut seen: BTreeMap<String, Seen> = BTreeMap::new();
    let mut months = Vec::new();
    for m in 1..=12 {
        let Some(p) = Period::new(year, m) else { continue };
        let Some(st) = state::read(ws, p)?.filter(|s| s.status == Status::Closed) else {
            continue;
        };
        let Some(dir) = st.dir else { continue };
        let path = ws.ledger_dir(p).join(dir).join("outputs").join(RESULTS_FILE);
        read_month(&path, &mut seen)?;
        months.push(p.to_string());
    }
    let tax = |taxable: Decimal| {
        let taxable = taxable.max(Decimal::ZERO);
        let (rate, quick) = annual
            .bracket(taxable)
            .map_or((Decimal::ZERO, Decimal::ZERO), |b| (b.rate, b.quick_deduction));
        Rounding::FEN_HALF_UP.apply(taxable * rate - quick).max(Decimal::ZERO)
    };
    let employees = seen
        .into_iter()
        .map(|(id, s)| {
            let [income, tax_free, special, additional, other, withheld_wages, _] = s.ytd;
            let basic = basic_monthly * Decimal::from(12);
            let taxable = income - tax_free - basic - special - additional - other;
            let tax_kept_apart = tax(taxable) + s.separate_bonus_tax;
            let tax_merged = tax(taxable.max(Decimal::ZERO) + s.separate_bonus);
            let bonus_merged = tax_merged < tax_kept_apart;
            let tax_due = tax_kept_apart.min(tax_merged);
            let withheld = withheld_wages + s.separate_bonus_tax;
            let balance = tax_due - withheld;
            Settlement {
                employee_id: id,
                name: s.name,
                income,
                tax_free,
                basic,
                special,
                additional,
                other,
                separate_bonus: s.separate_bonus,
                separate_bonus_tax: s.separate_bonus_tax,
                tax_kept_apart,
                tax_merged,
                tax_due,
                bonus_merged,
                withheld,
                balance,
                income_over_threshold: income + s.separate_bonus > thresholds.income_threshold,
                payment_over_threshold: balance > thresholds.payment_threshold,
            }
        })
        .collect();
    Ok(SettlementReport {
        year,
        months,
        employees,
        source: thresholds.source.clone(),
    })
}

/// Folds one closed month's results into `seen`: the latest cumulative
/// figures, and the bonuses taxed separately.
fn read_month(path: &std::path::Path, seen: &mut BTreeMap<String, Seen>) -> Result<()> {
    let file = path.display().to_string();
    let bad = |reason: String| Error::Ledger(format!("{file}: {reason}"));
    let mut reader = csv::Reader::from_path(path).map_err(|e| bad(e.to_string()))?;
    let header = reader.headers().map_err(|e| bad(e.to_string()))?.clone();
    let col = |name: &str| header.iter().position(|h| h == name);
    let need = |name: &str| col(name).ok_or_else(|| bad(format!("column `{name}` is missing")));
    let id = need("employee_id")?;
    let name = need("name")?;
    let ytd: Vec<usize> = YTD.iter().map(|c| need(c)).collect::<Result<_>>()?;
    let (method, bonus, bonus_tax) = (need("bonus_method")?, need("annual_bonus")?, need("bonus_tax")?);
    for record in reader.records() {
        let record = record.map_err(|e| bad(e.to_string()))?;
        let dec = |c: usize| Decimal::from_str(record.get(c).unwrap_or("0")).unwrap_or_default();
        let s = seen.entry(record.get(id).unwrap_or("").to_string()).or_default();
        s.name = record.get(name).unwrap_or("").to_string();
        for (slot, &c) in s.ytd.iter_mut().zip(&ytd) {
            *slot = dec(c);
        }
        if record.get(method) == Some("separate") {
            s.separate_bonus += dec(bonus);
            s.separate_bonus_tax += dec(bonus_tax);
        }
    }
    Ok(())
}
