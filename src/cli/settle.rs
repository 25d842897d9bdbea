//! `paybatch settle`: the annual settlement preview of a tax year.

use clap::Args;
use rust_decimal::Decimal;

use super::{Ctx, ExitStatus, Format};
use crate::emit::xlsx::{err, excel_number, header_format, money_format, workbook};
use crate::i18n::Lang;
use crate::ledger::settle::{SettlementReport, settle};
use crate::model::Money;
use crate::workspace::Workspace;

/// Preview the annual settlement (年度汇算) of a tax year from its closed
/// months: per employee the year's tax on the annual table (a separately
/// taxed bonus both kept apart and merged, the lower wins), the tax
/// withheld, the refund or payment to expect, and whether the employee
/// will have to file (thresholds in rules/iit/settlement.toml). Writes
/// reports/<year>/settlement.xlsx. A preview: other employers' income is
/// unknown.
///
/// Examples:
///   paybatch settle --year 2026
///   paybatch settle --year 2026 --format json
#[derive(Debug, Args)]
pub struct SettleArgs {
    /// Tax year / 纳税年度
    #[arg(long)]
    pub year: i32,
}

pub fn run(ctx: &Ctx, args: SettleArgs) -> anyhow::Result<ExitStatus> {
    let ws = Workspace::open(&ctx.workspace)?;
    let rules = ws.rules()?;
    let report = settle(&ws, &rules, args.year)?;
    let path = ws
        .root
        .join("reports")
        .join(args.year.to_string())
        .join("settlement.xlsx");
    crate::emit::atomic::write(&path, &xlsx(&report, ctx.lang)?)?;
    let sum =
        |f: fn(&crate::ledger::settle::Settlement) -> Decimal| -> Decimal { report.employees.iter().map(f).sum() };
    let (due, withheld) = (sum(|s| s.tax_due), sum(|s| s.withheld));
    let to_pay: Decimal = report.employees.iter().map(|s| s.balance.max(Decimal::ZERO)).sum();
    let refund: Decimal = report.employees.iter().map(|s| (-s.balance).max(Decimal::ZERO)).sum();
    let must_file = report
        .employees
        .iter()
        .filter(|s| s.income_over_threshold && s.payment_over_threshold)
        .count();
    let money = |d: Decimal| Money::new(d).to_fixed2();
    if report.months.len() < 12 && ctx.format == Format::Text {
        ctx.printer.line(&match ctx.lang {
            Lang::Zh => format!(
                "注意: {} 年只有 {} 个月已关账; 全年的基本减除费用已全额计入, 年中的预览会显示偏大的退税",
                args.year,
                report.months.len()
            ),
            Lang::En => format!(
                "note: only {} months of {} are closed; the whole year's basic deduction is counted, so a mid-year preview shows too large a refund",
                report.months.len(),
                args.year
            ),
        });
    }
    match ctx.format {
        Format::Json => ctx.printer.json(&serde_json::json!({
            "year": args.year,
            "preview": true,
            "months": report.months,
            "employees": report.employees,
            "totals": {
                "tax_due": money(due), "withheld": money(withheld),
                "to_pay": money(to_pay), "to_refund": money(refund),
                "must_file": must_file,
            },
            "report": path.display().to_string(),
            "source": report.source,
        })),
        Format::Text => ctx.printer.line(&if ctx.lang == Lang::Zh {
            format!(
                "{} 年度汇算预览 (已关账月份 {}): {} 人, 全年应纳税额 {}, 已预扣 {}, 预计补税 {}, 预计退税 {}; 需补税超过起征标准且收入超过 12 万元、须办理汇算的 {} 人\n(预览: 不含其他单位的收入) 报告: {}",
                args.year,
                report.months.join(", "),
                report.employees.len(),
                money(due),
                money(withheld),
                money(to_pay),
                money(refund),
                must_file,
                path.display()
            )
        } else {
            format!(
                "{} settlement preview (closed months {}): {} employees, tax due {}, withheld {}, to pay {}, to refund {}; {} must file\n(preview: other employers' income unknown) report: {}",
                args.year,
                report.months.join(", "),
                report.employees.len(),
                money(due),
                money(withheld),
                money(to_pay),
                money(refund),
                must_file,
                path.display()
            )
        }),
    }
    Ok(ExitStatus::Ok)
}

/// The report workbook: one row per employee.
fn xlsx(report: &SettlementReport, lang: Lang) -> crate::Result<Vec<u8>> {
    let e = err("settlement.xlsx");
    let mut wb = workbook();
    let (head, money) = (header_format(), money_format());
    let ws = wb.add_worksheet();
    ws.set_name(if lang == Lang::Zh {
        "年度汇算预览"
    } else {
        "Settlement preview"
    })
    .map_err(&e)?;
    let headers = [
        "工号",
        "姓名",
        "收入额",
        "免税收入",
        "减除费用",
        "专项扣除",
        "专项附加扣除",
        "其他扣除",
        "单独计税年终奖",
        "年终奖单独计税税额",
        "年终奖单独计税时应纳税额",
        "年终奖并入时应纳税额",
        "应纳税额(较低者)",
        "已预扣税额",
        "应补(+)/应退(−)",
        "收入超12万",
        "补税超400元",
    ];
    for (c, h) in headers.iter().enumerate() {
        ws.write_with_format(0, c as u16, *h, &head).map_err(&e)?;
    }
    for (i, s) in report.employees.iter().enumerate() {
        let row = (i + 1) as u32;
        ws.write(row, 0, s.employee_id.as_str()).map_err(&e)?;
        ws.write(row, 1, s.name.as_str()).map_err(&e)?;
        let amounts = [
            s.income,
            s.tax_free,
            s.basic,
            s.special,
            s.additional,
            s.other,
            s.separate_bonus,
            s.separate_bonus_tax,
            s.tax_kept_apart,
            s.tax_merged,
            s.tax_due,
            s.withheld,
            s.balance,
        ];
        for (c, v) in amounts.iter().enumerate() {
            ws.write_number_with_format(row, (c + 2) as u16, excel_number(*v), &money)
                .map_err(&e)?;
        }
        let yes = |b: bool| if b { "是" } else { "否" };
        ws.write(row, 15, yes(s.income_over_threshold)).map_err(&e)?;
        ws.write(row, 16, yes(s.payment_over_threshold)).map_err(&e)?;
    }
    ws.set_freeze_panes(1, 2).map_err(&e)?;
    wb.save_to_buffer().map_err(&e)
}
