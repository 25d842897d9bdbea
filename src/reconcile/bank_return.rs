//! Bank return file vs what was sent: paid, failed (with the bank's
//! reason), amount mismatch, unknown account, not returned. Failures get a
//! re-payment file in the same bank format.

use std::collections::BTreeMap;
use std::path::Path;

use polars::prelude::*;
use rust_decimal::Decimal;
use serde::Serialize;

use super::frame::{fen_column, full_join, polars_err, results_frame, text_column, to_fen, yuan};
use super::{ReturnLayout, pick};
use crate::error::Result;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Paid,
    Failed,
    AmountMismatch,
    UnknownAccount,
    NotReturned,
}

impl Outcome {
    pub fn label(self, zh: bool) -> &'static str {
        match (self, zh) {
            (Outcome::Paid, true) => "已支付",
            (Outcome::Failed, true) => "支付失败",
            (Outcome::AmountMismatch, true) => "金额不符",
            (Outcome::UnknownAccount, true) => "未知账号",
            (Outcome::NotReturned, true) => "未回盘",
            (Outcome::Paid, false) => "paid",
            (Outcome::Failed, false) => "failed",
            (Outcome::AmountMismatch, false) => "amount mismatch",
            (Outcome::UnknownAccount, false) => "unknown account",
            (Outcome::NotReturned, false) => "not returned",
        }
    }
}

/// One matched line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Line {
    pub account: String,
    pub employee_id: String,
    pub name: String,
    pub sent: Option<Decimal>,
    pub returned: Option<Decimal>,
    pub outcome: Outcome,
    pub reason: String,
    /// Cell of the return file row, when there is one.
    pub cell: String,
}

/// The bank check's result.
#[derive(Debug, Clone, Serialize)]
pub struct BankCheck {
    pub file: String,
    pub layout: String,
    pub lines: Vec<Line>,
    pub counts: BTreeMap<Outcome, usize>,
    /// Employees to pay again (failed or not returned).
    pub repay: Vec<String>,
}

/// Matches a bank return file against the period's results.
pub fn check(path: &Path, layout: &ReturnLayout, results_csv: &[u8]) -> Result<BankCheck> {
    let wanted: [(&str, &[String]); 5] = [
        ("account", &layout.account),
        ("name", &layout.name_column),
        ("amount", &layout.amount),
        ("status", &layout.status),
        ("reason", &layout.reason),
    ];
    let sheet = pick(path, &wanted, &["account", "amount", "status"])?;
    let file = sheet.grid.file.clone();
    let mut accounts = Vec::new();
    let mut amounts = Vec::new();
    let mut statuses = Vec::new();
    let mut reasons = Vec::new();
    let mut cells = Vec::new();
    for &r in &sheet.rows {
        accounts.push(sheet.get(r, "account").replace(' ', ""));
        amounts.push(to_fen(&sheet.get(r, "amount").replace(',', "")));
        statuses.push(sheet.get(r, "status"));
        reasons.push(sheet.get(r, "reason"));
        cells.push(format!("{}!{}", sheet.grid.sheet, r + 1));
    }
    let returned = DataFrame::new(
        accounts.len(),
        vec![
            Column::new("bank_card".into(), accounts),
            Column::new("returned".into(), amounts),
            Column::new("status".into(), statuses),
            Column::new("reason".into(), reasons),
            Column::new("cell".into(), cells),
        ],
    )
    .map_err(polars_err(&file))?;
    // What was sent: paid population of the results.
    let results = results_frame(results_csv, "results.csv")?;
    let sent_mask = results
        .column("net")
        .and_then(|c| c.i64().cloned())
        .map(|ca| ca.iter().map(|v| v.is_some_and(|n| n > 0)).collect::<BooleanChunked>())
        .map_err(polars_err("results.csv"))?;
    let sent = results.filter(&sent_mask).map_err(polars_err("results.csv"))?;
    let joined = full_join(&sent, &returned, "bank_card", "_ret")?;
    let card = text_column(&joined, "bank_card");
    let ids = text_column(&joined, "employee_id");
    let names = text_column(&joined, "name");
    let net = fen_column(&joined, "net");
    let ret = fen_column(&joined, "returned");
    let status = text_column(&joined, "status");
    let reason = text_column(&joined, "reason");
    let cell = text_column(&joined, "cell");
    let mut lines = Vec::new();
    for i in 0..joined.height() {
        let ok = status[i]
            .as_deref()
            .is_some_and(|s| layout.success.iter().any(|v| v == s));
        let outcome = match (net[i], ret[i], status[i].is_some()) {
            (None, _, _) => Outcome::UnknownAccount,
            (Some(_), _, false) => Outcome::NotReturned,
            (Some(_), _, true) if !ok => Outcome::Failed,
            (Some(n), Some(r), true) if n == r => Outcome::Paid,
            _ => Outcome::AmountMismatch,
        };
        lines.push(Line {
            account: card[i].clone().unwrap_or_default(),
            employee_id: ids[i].clone().unwrap_or_default(),
            name: names[i].clone().unwrap_or_default(),
            sent: net[i].map(yuan),
            returned: ret[i].map(yuan),
            outcome,
            reason: if ok {
                String::new()
            } else {
                reason[i].clone().unwrap_or_default()
            },
            cell: cell[i].clone().unwrap_or_default(),
        });
    }
    lines.sort_by(|a, b| (a.outcome, &a.employee_id, &a.account).cmp(&(b.outcome, &b.employee_id, &b.account)));
    let mut counts = BTreeMap::new();
    for l in &lines {
        *counts.entry(l.outcome).or_insert(0) += 1;
    }
    let repay = lines
        .iter()
        .filter(|l| matches!(l.outcome, Outcome::Failed | Outcome::NotReturned))
        .map(|l| l.employee_id.clone())
        .collect();
    Ok(BankCheck {
        file,
        layout: layout.name.clone(),
        lines,
        counts,
        repay,
    })
}
