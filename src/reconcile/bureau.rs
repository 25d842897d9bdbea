//! The bureau's monthly bill vs the computed contributions, per person and
//! item: missing person, extra person, base differs, amount differs beyond
//! the tolerance (in fen).

use std::path::Path;

use polars::prelude::*;
use rust_decimal::Decimal;
use serde::Serialize;

use super::frame::{fen_column, full_join, ledger_polars_err, polars_err, results_frame, text_column, to_fen, yuan};
use super::{BureauBill, pick};
use crate::error::Result;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Problem {
    MissingPerson,
    ExtraPerson,
    BaseDiffers,
    AmountDiffers,
}

impl Problem {
    pub fn label(self, zh: bool) -> &'static str {
        match (self, zh) {
            (Problem::MissingPerson, true) => "账单缺少此人",
            (Problem::ExtraPerson, true) => "账单多出此人",
            (Problem::BaseDiffers, true) => "基数不符",
            (Problem::AmountDiffers, true) => "金额不符",
            (Problem::MissingPerson, false) => "missing from the bill",
            (Problem::ExtraPerson, false) => "extra in the bill",
            (Problem::BaseDiffers, false) => "base differs",
            (Problem::AmountDiffers, false) => "amount differs",
        }
    }
}

/// One difference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Difference {
    pub id_number: String,
    pub employee_id: String,
    pub name: String,
    pub item: String,
    pub problem: Problem,
    /// (computed, billed) for base, employer and employee.
    pub base: (Option<Decimal>, Option<Decimal>),
    pub employer: (Option<Decimal>, Option<Decimal>),
    pub employee: (Option<Decimal>, Option<Decimal>),
}

/// The bureau check's result.
#[derive(Debug, Clone, Serialize)]
pub struct BureauCheck {
    pub file: String,
    pub compared: usize,
    pub differences: Vec<Difference>,
    /// Bill lines whose item name is not mapped in the rule file.
    pub unknown_items: Vec<String>,
}

/// Compares a bill with the period's results.
pub fn check(path: &Path, bill: &BureauBill, results_csv: &[u8], tolerance_fen: i64) -> Result<BureauCheck> {
    let wanted: [(&str, &[String]); 6] = [
        ("id_number", &bill.id_number),
        ("name", &bill.name_column),
        ("item", &bill.item),
        ("base", &bill.base),
        ("employer", &bill.employer),
        ("employee", &bill.employee),
    ];
    let sheet = pick(path, &wanted, &["id_number", "item", "employer", "employee"])?;
    let file = sheet.grid.file.clone();
    let (mut keys, mut bases, mut ers, mut ees) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut unknown_items = Vec::new();
    for &r in &sheet.rows {
        let item_name = sheet.get(r, "item");
        let Some(item) = bill.items.get(&item_name) else {
            unknown_items.push(format!("{}!{}: {item_name}", sheet.grid.sheet, r + 1));
            continue;
        };
        keys.push(format!("{}|{item}", sheet.get(r, "id_number").to_ascii_uppercase()));
        bases.push(to_fen(&sheet.get(r, "base").replace(',', "")));
        ers.push(to_fen(&sheet.get(r, "employer").replace(',', "")));
        ees.push(to_fen(&sheet.get(r, "employee").replace(',', "")));
    }
    let billed = DataFrame::new(
        keys.len(),
        vec![
            Column::new("key".into(), keys),
            Column::new("base".into(), bases),
            Column::new("employer".into(), ers),
            Column::new("employee".into(), ees),
        ],
    )
    .map_err(polars_err(&file))?;

    // Computed: one row per person per item with a contribution, for the
    // items this bill covers (an SI bill has no housing fund, and the
    // reverse).
    let results = results_frame(results_csv, "results.csv")?;
    let billed_items: std::collections::HashSet<&str> = bill.items.values().map(String::as_str).collect();
    let seen: std::collections::HashSet<String> = text_column(&billed, "key")
        .into_iter()
        .flatten()
        .filter_map(|k| k.split_once('|').map(|(_, item)| item.to_string()))
        .collect();
    let items: Vec<String> = results
        .get_column_names()
        .iter()
        .filter_map(|c| c.strip_prefix("si_")?.strip_suffix("_base").map(String::from))
        .filter(|k| billed_items.contains(k.as_str()) && seen.contains(k))
        .collect();
    let ids = text_column(&results, "id_number");
    let emp = text_column(&results, "employee_id");
    let names = text_column(&results, "name");
    let (mut keys, mut who, mut bases, mut ers, mut ees) = (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for item in &items {
        let base = fen_column(&results, &format!("si_{item}_base"));
        let er = fen_column(&results, &format!("si_{item}_employer"));
        let ee = fen_column(&results, &format!("si_{item}_employee"));
        for row in 0..results.height() {
            if er[row].unwrap_or(0) == 0 && ee[row].unwrap_or(0) == 0 {
                continue;
            }
            keys.push(format!("{}|{item}", ids[row].clone().unwrap_or_default()));
            who.push(format!(
                "{}|{}",
                emp[row].clone().unwrap_or_default(),
                names[row].clone().unwrap_or_default()
            ));
            bases.push(base[row]);
            ers.push(er[row]);
            ees.push(ee[row]);
        }
    }
    let computed = DataFrame::new(
        keys.len(),
        vec![
            Column::new("key".into(), keys),
            Column::new("who".into(), who),
            Column::new("base".into(), bases),
            Column::new("employer".into(), ers),
            Column::new("employee".into(), ees),
        ],
    )
    .map_err(ledger_polars_err("results.csv"))?;
    let joined = full_join(&computed, &billed, "key", "_bill")?;
    let key = text_column(&joined, "key");
    let who = text_column(&joined, "who");
    let col = |n: &str| fen_column(&joined, n);
    let (cb, bb) = (col("base"), col("base_bill"));
    let (cer, ber) = (col("employer"), col("employer_bill"));
    let (cee, bee) = (col("employee"), col("employee_bill"));
    let mut differences: Vec<Difference> = Vec::new();
    let mut reported_people = std::collections::HashSet::new();
    let billed_ids: std::collections::HashSet<String> = key
        .iter()
        .zip(&ber)
        .filter(|(_, b)| b.is_some())
        .filter_map(|(k, _)| k.as_ref().and_then(|k| k.split('|').next()).map(String::from))
        .collect();
    let computed_ids: std::collections::HashSet<String> = key
        .iter()
        .zip(&cer)
        .filter(|(_, c)| c.is_some())
        .filter_map(|(k, _)| k.as_ref().and_then(|k| k.split('|').next()).map(String::from))
        .collect();
    for i in 0..joined.height() {
        let k = key[i].clone().unwrap_or_default();
        let (id_number, item) = k
            .split_once('|')
            .map_or((k.clone(), String::new()), |(a, b)| (a.into(), b.into()));
        let (employee_id, name) = who[i]
            .as_deref()
            .and_then(|w| w.split_once('|'))
            .map_or((String::new(), String::new()), |(a, b)| (a.into(), b.into()));
        let in_computed = cer[i].is_some() || cee[i].is_some();
        let in_bill = ber[i].is_some() || bee[i].is_some();
        let off = |a: Option<i64>, b: Option<i64>| (a.unwrap_or(0) - b.unwrap_or(0)).abs() > tolerance_fen;
        let problem = match (in_computed, in_bill) {
            (true, false) if !billed_ids.contains(&id_number) => Some(Problem::MissingPerson),
            (false, true) if !computed_ids.contains(&id_number) => Some(Problem::ExtraPerson),
            (true, false) | (false, true) => Some(Problem::AmountDiffers),
            (true, true) if bb[i].is_some() && cb[i] != bb[i] => Some(Problem::BaseDiffers),
            (true, true) if off(cer[i], ber[i]) || off(cee[i], bee[i]) => Some(Problem::AmountDiffers),
            _ => None,
        };
        if let Some(problem) = problem {
            // A missing or extra person is one finding, not one per item.
            let whole_person = matches!(problem, Problem::MissingPerson | Problem::ExtraPerson);
            if whole_person && !reported_people.insert(id_number.clone()) {
                continue;
            }
            let item = if whole_person { "*".to_string() } else { item };
            differences.push(Difference {
                id_number,
                employee_id,
                name,
                item,
                problem,
                base: (cb[i].map(yuan), bb[i].map(yuan)),
                employer: (cer[i].map(yuan), ber[i].map(yuan)),
                employee: (cee[i].map(yuan), bee[i].map(yuan)),
            });
        }
    }
    differences.sort_by(|a, b| (a.problem, &a.id_number, &a.item).cmp(&(b.problem, &b.id_number, &b.item)));
    Ok(BureauCheck {
        file,
        compared: joined.height(),
        differences,
        unknown_items,
    })
}
