//! The accounting journal (工资凭证): salary and employer SI/HF expense
//! debited by cost centre, payables credited (net pay, IIT, employee SI/HF,
//! other deductions, employer SI/HF). Balanced to the fen by construction
//! and checked: a difference is an error finding.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use rust_xlsxwriter::{Format, Workbook};
use serde::Deserialize;

use super::fields::Context;
use super::xlsx::{column_width, err, excel_number, header_format, workbook};
use crate::calc::employee::EmployeeResult;
use crate::error::Result;
use crate::i18n::Text;
use crate::rules::validation::Severity;
use crate::validate::Finding;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Account {
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Accounts {
    pub salary_expense: Account,
    pub si_expense: Account,
    pub net_payable: Account,
    pub iit_payable: Account,
    pub si_employee_payable: Account,
    pub si_employer_payable: Account,
    pub deductions_payable: Account,
}

/// `rules/templates/journal.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JournalRules {
    pub source: String,
    pub summary: String,
    pub accounts: Accounts,
}

/// One journal line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub account: String,
    pub name: String,
    pub cost_center: String,
    pub debit: Decimal,
    pub credit: Decimal,
}

/// Builds the journal lines for a period.
pub fn entries(rules: &JournalRules, results: &[EmployeeResult]) -> Vec<Entry> {
    let a = &rules.accounts;
    let mut by_cc: BTreeMap<&str, (Decimal, Decimal)> = BTreeMap::new();
    for r in results {
        let e = by_cc.entry(r.cost_center.as_str()).or_default();
        e.0 += r.total_pay.get();
        e.1 += r.si_employer.get();
    }
    let mut out = Vec::new();
    let line = |acc: &Account, cc: &str, debit: Decimal, credit: Decimal| Entry {
        account: acc.code.clone(),
        name: acc.name.clone(),
        cost_center: cc.to_string(),
        debit,
        credit,
    };
    for (cc, (pay, _)) in &by_cc {
        out.push(line(&a.salary_expense, cc, *pay, Decimal::ZERO));
    }
    for (cc, (_, si)) in &by_cc {
        out.push(line(&a.si_expense, cc, *si, Decimal::ZERO));
    }
    // The credit side: each payable account and what it sums.
    type Amount = fn(&EmployeeResult) -> Decimal;
    let sum = |f: Amount| results.iter().map(f).sum::<Decimal>();
    let credits: [(&Account, Amount); 5] = [
        (&a.net_payable, |r| r.net.get()),
        (&a.iit_payable, |r| r.iit.get() + r.bonus_tax.get()),
        (&a.si_employee_payable, |r| r.si_employee.get()),
        (&a.deductions_payable, |r| {
            r.post_tax_deduction.get() + r.damage_deduction.get()
        }),
        (&a.si_employer_payable, |r| r.si_employer.get()),
    ];
    for (account, amount) in credits {
        out.push(line(account, "", Decimal::ZERO, sum(amount)));
    }
    out.retain(|e| !(e.debit.is_zero() && e.credit.is_zero()));
    out
}

/// Renders the journal xlsx and checks debits = credits.
pub fn render(rules: &JournalRules, results: &[EmployeeResult], ctx: &Context<'_>) -> Result<(Workbook, Vec<Finding>)> {
    let file = "journal.xlsx";
    let e = err(file);
    let lines = entries(rules, results);
    let debit: Decimal = lines.iter().map(|l| l.debit).sum();
    let credit: Decimal = lines.iter().map(|l| l.credit).sum();
    let mut findings = Vec::new();
    if debit != credit {
        findings.push(Finding {
            code: "E020".into(),
            severity: Severity::Error,
            file: file.into(),
            sheet: String::new(),
            row: None,
            col: None,
            field: String::new(),
            value: String::new(),
            message: Text::new(
                format!("凭证借贷不平: 借方 {debit}, 贷方 {credit}"),
                format!("journal does not balance: debit {debit}, credit {credit}"),
            ),
            hint: Text::new(
                "这是 paybatch 的问题, 请报告",
                "this is a paybatch defect; please report it",
            ),
        });
    }
    let mut wb = workbook();
    let head = header_format();
    let money = Format::new().set_num_format("#,##0.00");
    let bold_money = Format::new().set_num_format("#,##0.00").set_bold();
    let ws = wb.add_worksheet();
    ws.set_name("工资凭证").map_err(&e)?;
    let headers = [
        "凭证日期",
        "摘要",
        "科目代码",
        "科目名称",
        "成本中心",
        "借方金额",
        "贷方金额",
    ];
    for (i, h) in headers.iter().enumerate() {
        ws.write_with_format(0, i as u16, *h, &head).map_err(&e)?;
    }
    let date = ctx.fill("{pay_date}");
    let summary = ctx.fill(&rules.summary);
    for (i, l) in lines.iter().enumerate() {
        let row = i as u32 + 1;
        ws.write(row, 0, date.as_str()).map_err(&e)?;
        ws.write(row, 1, summary.as_str()).map_err(&e)?;
        ws.write(row, 2, l.account.as_str()).map_err(&e)?;
        ws.write(row, 3, l.name.as_str()).map_err(&e)?;
        ws.write(row, 4, l.cost_center.as_str()).map_err(&e)?;
        if !l.debit.is_zero() {
            ws.write_with_format(row, 5, excel_number(l.debit), &money)
                .map_err(&e)?;
        }
        if !l.credit.is_zero() {
            ws.write_with_format(row, 6, excel_number(l.credit), &money)
                .map_err(&e)?;
        }
    }
    let total_row = lines.len() as u32 + 1;
    ws.write(total_row, 1, "合计").map_err(&e)?;
    ws.write_with_format(total_row, 5, excel_number(debit), &bold_money)
        .map_err(&e)?;
    ws.write_with_format(total_row, 6, excel_number(credit), &bold_money)
        .map_err(&e)?;
    for (i, w) in [12u32, 16, 10, 30, 10, 14, 14].iter().enumerate() {
        ws.set_column_width(i as u16, column_width(*w, 8, 40)).map_err(&e)?;
    }
    ws.set_freeze_panes(1, 0).map_err(&e)?;
    Ok((wb, findings))
}
