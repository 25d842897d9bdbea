//! Runs the reconciliation checks for a period and renders their report:
//! findings (with severities that decide the exit code), one xlsx with a
//! summary sheet and a sheet per check (filters on), and JSON.

use std::path::{Path, PathBuf};

use rust_decimal::Decimal;
use rust_xlsxwriter::{Format, Worksheet};
use serde::Serialize;

use super::bank_return::{self, BankCheck, Outcome};
use super::budget::{self, UnitLine};
use super::bureau::{self, BureauCheck};
use super::variance::{Cause, Variance, VarianceInput, variance};
use crate::emit::fields::Context;
use crate::emit::sink::OutDir;
use crate::emit::template;
use crate::emit::xlsx::{column_width, err, excel_number, header_format, text_width, workbook};
use crate::error::{Error, Result};
use crate::i18n::{Lang, Text};
use crate::ledger::{results, state};
use crate::model::{Money, Period};
use crate::rules::RuleSet;
use crate::rules::dated::in_force;
use crate::rules::validation::Severity;
use crate::validate::Finding;
use crate::workspace::Workspace;

/// What to reconcile.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub bank_return: Option<PathBuf>,
    /// Layout name in `rules/reconcile/bank_returns.toml` (default: the first).
    pub bank_layout: Option<String>,
    pub bureau_bill: Option<PathBuf>,
}

/// Everything the reconciliation found.
#[derive(Debug, Serialize)]
pub struct Report {
    pub period: String,
    pub variance: Option<Variance>,
    pub bank: Option<BankCheck>,
    pub bureau: Option<BureauCheck>,
    pub budget: Option<Vec<UnitLine>>,
    #[serde(skip)]
    pub findings: Vec<Finding>,
    /// Re-payment files for failed bank lines (path relative to `reports/<P>/`).
    #[serde(skip)]
    pub repay_files: Vec<(String, Vec<u8>)>,
}

fn finding(code: &str, severity: Severity, file: &str, field: &str, message: Text) -> Finding {
    Finding::about(code, severity, file, field, message, Text::default())
}

fn read_results(ws: &Workspace, period: Period) -> Result<Option<Vec<u8>>> {
    let Some(dir) = state::outputs_dir(ws, period)? else {
        return Ok(None);
    };
    let path = dir.join(results::RESULTS_FILE);
    Ok(std::fs::read(&path).ok())
}

/// Runs every check that has its inputs.
pub fn reconcile(ws: &Workspace, rules: &RuleSet, period: Period, opts: &Options) -> Result<Report> {
    let Some(current) = read_results(ws, period)? else {
        return Err(Error::Usage(format!(
            "{period} 还没有计算结果, 请先 run 或 close / {period} has no results; run or close it first"
        )));
    };
    let mut findings = Vec::new();
    let mut report = Report {
        period: period.to_string(),
        variance: None,
        bank: None,
        bureau: None,
        budget: None,
        findings: Vec::new(),
        repay_files: Vec::new(),
    };

    let previous_period = period.previous();
    if let Some(previous) = read_results(ws, previous_period)? {
        let v = variance(&VarianceInput {
            period,
            previous_period,
            current: &current,
            previous: &previous,
            table: in_force(&rules.iit.rates.annual, period),
            threshold: ws.config.reconcile.net_change_threshold,
        })?;
        for c in v.changes.iter().filter(|c| c.cause == Cause::Unexplained) {
            findings.push(finding(
                "N001",
                Severity::Error,
                "variance",
                &c.employee_id,
                Text::new(
                    format!(
                        "{} {} 的 {} 变化 {} 无法解释",
                        c.employee_id, c.name, c.component, c.delta
                    ),
                    format!(
                        "{} {}: {} changed by {} with no known cause",
                        c.employee_id, c.name, c.component, c.delta
                    ),
                ),
            ));
        }
        for (id, before, after) in &v.flagged {
            findings.push(finding(
                "N002",
                Severity::Warning,
                "variance",
                id,
                Text::new(
                    format!("{id} 实发工资由 {before} 变为 {after}, 超过阈值"),
                    format!("{id}: net pay moved from {before} to {after}, above the threshold"),
                ),
            ));
        }
        report.variance = Some(v);
    }

    if let Some(path) = &opts.bank_return {
        let layout = match &opts.bank_layout {
            Some(name) => rules.bank_returns.layouts.iter().find(|l| &l.name == name),
            None => rules.bank_returns.layouts.first(),
        }
        .ok_or_else(|| Error::Usage(format!("unknown bank return layout {:?}", opts.bank_layout)))?;
        let check = bank_return::check(path, layout, &current)?;
        for l in &check.lines {
            let (severity, code) = match l.outcome {
                Outcome::Paid => continue,
                Outcome::Failed | Outcome::NotReturned => (Severity::Warning, "B001"),
                Outcome::AmountMismatch | Outcome::UnknownAccount => (Severity::Error, "B002"),
            };
            findings.push(finding(
                code,
                severity,
                &check.file,
                &l.employee_id,
                Text::each(|zh| {
                    let [account, sent, returned] = if zh {
                        ["账号", "发送", "回盘"]
                    } else {
                        ["account", "sent", "returned"]
                    };
                    format!(
                        "{} {} {account} {}: {} ({sent} {}, {returned} {}) {}",
                        l.employee_id,
                        l.name,
                        crate::model::ids::mask(&l.account),
                        l.outcome.label(zh),
                        fmt(l.sent),
                        fmt(l.returned),
                        l.reason
                    )
                }),
            ));
        }
        if !check.repay.is_empty()
            && let Some(t) = rules.templates.iter().find(|t| t.name == layout.answers)
        {
            let all = crate::ledger::results::read_employees(&current)?;
            let rows: Vec<_> = all
                .iter()
                .filter(|r| check.repay.iter().any(|id| *id == r.employee_id))
                .collect();
            let empty = std::collections::HashMap::new();
            let ctx = Context {
                period,
                config: &ws.config,
                previous_si_base: &empty,
            };
            let scratch = tempfile::tempdir().map_err(|e| crate::Error::io(Path::new("."), e))?;
            let (rendered, problems) = template::render(t, &rows, &ctx, &OutDir::new(scratch.path()))?;
            findings.extend(problems);
            let bytes = match &rendered.file {
                Some(file) => std::fs::read(file).map_err(|e| crate::Error::io(file, e))?,
                None => Vec::new(),
            };
            let name = Path::new(&rendered.path)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            report.repay_files.push((format!("repay/补发_{name}"), bytes));
        }
        report.bank = Some(check);
    }

    if let Some(path) = &opts.bureau_bill {
        let check = bureau::check(
            path,
            &rules.bureau_bill,
            &current,
            ws.config.reconcile.bureau_tolerance_fen,
        )?;
        for d in &check.differences {
            findings.push(finding(
                "U010",
                Severity::Error,
                &check.file,
                &d.employee_id,
                Text::each(|zh| {
                    let [base, employer, employee, legend] = if zh {
                        ["基数", "单位", "个人", "计算/账单"]
                    } else {
                        ["base", "employer", "employee", "computed/billed"]
                    };
                    format!(
                        "{} {} ({}) {}: {} ({base} {}/{}, {employer} {}/{}, {employee} {}/{}; {legend})",
                        d.employee_id,
                        d.name,
                        crate::model::ids::mask(&d.id_number),
                        d.item,
                        d.problem.label(zh),
                        fmt(d.base.0),
                        fmt(d.base.1),
                        fmt(d.employer.0),
                        fmt(d.employer.1),
                        fmt(d.employee.0),
                        fmt(d.employee.1)
                    )
                }),
            ));
        }
        for u in &check.unknown_items {
            findings.push(finding(
                "U011",
                Severity::Warning,
                &check.file,
                "",
                Text::new(
                    format!("账单中的险种无法识别: {u} (在 rules/reconcile/bureau_bill.toml 的 [items] 中添加)"),
                    format!("unknown item in the bill: {u} (map it under [items] in rules/reconcile/bureau_bill.toml)"),
                ),
            ));
        }
        report.bureau = Some(check);
    }

    if let Some(budget) = &ws.config.budget {
        let mut year = Vec::new();
        for m in 1..=period.month() {
            if let Some(p) = Period::new(period.year(), m)
                && let Some(bytes) = read_results(ws, p)?
            {
                year.push((p, bytes));
            }
        }
        let lines = budget::check(period, &year, budget)?;
        for l in lines.iter().filter(|l| l.over) {
            findings.push(finding(
                "G001",
                budget.severity,
                "budget",
                &l.unit,
                Text::new(
                    format!(
                        "{} 预计全年 {} 超过预算 {} (本月 {}, 年累计 {})",
                        l.unit,
                        Money::new(l.projected),
                        fmt(l.budget),
                        Money::new(l.month),
                        Money::new(l.year_to_date)
                    ),
                    format!(
                        "{}: projected full year {} exceeds the budget {} (month {}, year to date {})",
                        l.unit,
                        Money::new(l.projected),
                        fmt(l.budget),
                        Money::new(l.month),
                        Money::new(l.year_to_date)
                    ),
                ),
            ));
        }
        report.budget = Some(lines);
    }
    report.findings = findings;
    Ok(report)
}

fn fmt(v: Option<Decimal>) -> String {
    v.map_or("-".into(), |d| Money::new(d).to_fixed2())
}

fn money_cell(ws: &mut Worksheet, row: u32, col: u16, v: Option<Decimal>, f: &Format, file: &str) -> Result<()> {
    if let Some(v) = v {
        ws.write_with_format(row, col, excel_number(v), f).map_err(err(file))?;
    }
    Ok(())
}

/// A sheet with a header row, text and money columns, filters and widths.
fn table(ws: &mut Worksheet, name: &str, headers: &[&str], rows: &[Vec<Cellish>], file: &str) -> Result<()> {
    let e = err(file);
    ws.set_name(name).map_err(&e)?;
    let head = header_format();
    let money = Format::new().set_num_format("#,##0.00");
    let mut widths: Vec<u32> = headers.iter().map(|h| text_width(h)).collect();
    for (c, h) in headers.iter().enumerate() {
        ws.write_with_format(0, c as u16, *h, &head).map_err(&e)?;
    }
    for (r, row) in rows.iter().enumerate() {
        let r = r as u32 + 1;
        for (c, cell) in row.iter().enumerate() {
            match cell {
                Cellish::Text(t) => {
                    widths[c] = widths[c].max(text_width(t));
                    ws.write(r, c as u16, t.as_str()).map_err(&e)?;
                }
                Cellish::Money(m) => money_cell(ws, r, c as u16, *m, &money, file)?,
            }
        }
    }
    for (c, w) in widths.iter().enumerate() {
        ws.set_column_width(c as u16, column_width(*w, 8, 50)).map_err(&e)?;
    }
    ws.set_freeze_panes(1, 0).map_err(&e)?;
    ws.autofilter(0, 0, rows.len() as u32, headers.len().saturating_sub(1) as u16)
        .map_err(&e)?;
    Ok(())
}

enum Cellish {
    Text(String),
    Money(Option<Decimal>),
}

fn t(s: impl Into<String>) -> Cellish {
    Cellish::Text(s.into())
}
fn m(d: Decimal) -> Cellish {
    Cellish::Money(Some(d))
}

/// The reconciliation workbook.
pub fn xlsx(report: &Report, lang: Lang) -> Result<Vec<u8>> {
    let zh = lang == Lang::Zh;
    let file = "reconcile.xlsx";
    let mut wb = workbook();
    let mut summary: Vec<Vec<Cellish>> = Vec::new();
    let count = |code_prefix: char, sev: Severity| {
        report
            .findings
            .iter()
            .filter(|f| f.code.starts_with(code_prefix) && f.severity == sev)
            .count()
            .to_string()
    };
    for (name, prefix, ran) in [
        (if zh { "期间变动" } else { "variance" }, 'N', report.variance.is_some()),
        (if zh { "银行回盘" } else { "bank return" }, 'B', report.bank.is_some()),
        (
            if zh { "社保账单" } else { "bureau bill" },
            'U',
            report.bureau.is_some(),
        ),
        (if zh { "工资总额预算" } else { "budget" }, 'G', report.budget.is_some()),
    ] {
        summary.push(vec![
            t(name),
            t(if ran {
                if zh { "已检查" } else { "checked" }
            } else if zh {
                "未提供"
            } else {
                "not run"
            }),
            t(count(prefix, Severity::Error)),
            t(count(prefix, Severity::Warning)),
        ]);
    }
    let ws = wb.add_worksheet();
    let headers: [&str; 4] = if zh {
        ["检查", "状态", "错误", "警告"]
    } else {
        ["check", "status", "errors", "warnings"]
    };
    table(ws, if zh { "汇总" } else { "Summary" }, &headers, &summary, file)?;

    if let Some(v) = &report.variance {
        let rows: Vec<Vec<Cellish>> = v.by_cause.iter().map(|(c, d)| vec![t(c.label(zh)), m(*d)]).collect();
        let ws = wb.add_worksheet();
        table(
            ws,
            if zh { "变动原因" } else { "Causes" },
            &[
                if zh { "原因" } else { "cause" },
                if zh { "实发影响" } else { "effect on net" },
            ],
            &rows,
            file,
        )?;
        let rows: Vec<Vec<Cellish>> = v
            .changes
            .iter()
            .map(|c| {
                vec![
                    t(&c.employee_id),
                    t(&c.name),
                    t(&c.component),
                    m(c.previous),
                    m(c.current),
                    m(c.delta),
                    m(c.net_effect),
                    t(c.cause.label(zh)),
                ]
            })
            .collect();
        let headers: [&str; 8] = if zh {
            ["工号", "姓名", "项目", "上期", "本期", "差额", "实发影响", "原因"]
        } else {
            [
                "employee",
                "name",
                "component",
                "previous",
                "current",
                "delta",
                "effect on net",
                "cause",
            ]
        };
        let ws = wb.add_worksheet();
        table(ws, if zh { "变动明细" } else { "Variance" }, &headers, &rows, file)?;
    }
    if let Some(b) = &report.bank {
        let rows: Vec<Vec<Cellish>> = b
            .lines
            .iter()
            .map(|l| {
                vec![
                    t(&l.employee_id),
                    t(&l.name),
                    t(&l.account),
                    Cellish::Money(l.sent),
                    Cellish::Money(l.returned),
                    t(l.outcome.label(zh)),
                    t(&l.reason),
                    t(&l.cell),
                ]
            })
            .collect();
        let headers: [&str; 8] = if zh {
            [
                "工号",
                "姓名",
                "账号",
                "发送金额",
                "回盘金额",
                "结果",
                "原因",
                "回盘位置",
            ]
        } else {
            [
                "employee",
                "name",
                "account",
                "sent",
                "returned",
                "outcome",
                "reason",
                "return cell",
            ]
        };
        let ws = wb.add_worksheet();
        table(ws, if zh { "银行回盘" } else { "Bank return" }, &headers, &rows, file)?;
    }
    if let Some(b) = &report.bureau {
        let rows: Vec<Vec<Cellish>> = b
            .differences
            .iter()
            .map(|d| {
                vec![
                    t(&d.employee_id),
                    t(&d.name),
                    t(&d.id_number),
                    t(&d.item),
                    t(d.problem.label(zh)),
                    Cellish::Money(d.base.0),
                    Cellish::Money(d.base.1),
                    Cellish::Money(d.employer.0),
                    Cellish::Money(d.employer.1),
                    Cellish::Money(d.employee.0),
                    Cellish::Money(d.employee.1),
                ]
            })
            .collect();
        let headers: [&str; 11] = if zh {
            [
                "工号",
                "姓名",
                "证件号码",
                "险种",
                "问题",
                "计算基数",
                "账单基数",
                "计算单位",
                "账单单位",
                "计算个人",
                "账单个人",
            ]
        } else {
            [
                "employee",
                "name",
                "ID",
                "item",
                "problem",
                "base (ours)",
                "base (bill)",
                "employer (ours)",
                "employer (bill)",
                "employee (ours)",
                "employee (bill)",
            ]
        };
        let ws = wb.add_worksheet();
        table(ws, if zh { "社保账单" } else { "Bureau bill" }, &headers, &rows, file)?;
    }
    if let Some(lines) = &report.budget {
        let rows: Vec<Vec<Cellish>> = lines
            .iter()
            .map(|l| {
                vec![
                    t(&l.unit),
                    m(l.month),
                    m(l.year_to_date),
                    m(l.projected),
                    Cellish::Money(l.budget),
                    t(if l.over {
                        if zh { "超预算" } else { "over" }
                    } else {
                        ""
                    }),
                ]
            })
            .collect();
        let headers: [&str; 6] = if zh {
            ["单位", "本月", "年累计", "预计全年", "年度预算", "状态"]
        } else {
            ["unit", "month", "year to date", "projected year", "budget", "status"]
        };
        let ws = wb.add_worksheet();
        table(ws, if zh { "工资总额" } else { "Budget" }, &headers, &rows, file)?;
    }
    wb.save_to_buffer().map_err(err(file))
}
