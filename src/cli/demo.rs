//! `paybatch demo [DIR]`: build the demo workspace and run every stage that
//! exists on its months (validate, run, close, audit), printing what it did.

use std::path::PathBuf;

use clap::Args;

use super::run::{outputs_text, summary_json, summary_text};
use super::{Ctx, ExitStatus, Format};
use crate::demo;
use crate::i18n::Lang;
use crate::ledger::{audit::audit, seal};
use crate::pipeline::check_period;
use crate::pipeline::{RunOptions, lock, run_period};
use crate::report;
use crate::validate::Tally;
use crate::workspace::Workspace;

/// Build a demo workspace (60 employees, Beijing and Shanghai, 2026-01..03)
/// and run it end to end: validate, compute, close and audit each month.
///
/// Examples:
///   paybatch demo              # in a new temporary folder, kept afterwards
///   paybatch demo ./demo-ws
///   paybatch demo --messy ./messy   # a month full of input mistakes
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Folder for the demo workspace (default: a new temporary folder)
    pub dir: Option<PathBuf>,
    /// Build the messy workspace instead (deliberate input problems) and validate it
    #[arg(long)]
    pub messy: bool,
    /// Overwrite a folder that is not empty (paybatch.toml, rules, inputs,
    /// ledger and reports are replaced)
    #[arg(long)]
    pub force: bool,
}

pub fn run(ctx: &Ctx, args: DemoArgs) -> anyhow::Result<ExitStatus> {
    let zh = ctx.lang == Lang::Zh;
    let dir = match args.dir {
        Some(d) => d,
        None => tempfile::Builder::new().prefix("paybatch-demo-").tempdir()?.keep(),
    };
    super::claim_target(ctx, &dir, args.force)?;
    if args.messy {
        demo::messy::write(&dir)?;
    } else {
        demo::write_workspace(&dir)?;
    }
    let ws = Workspace::open(&dir)?;
    let rules = ws.rules()?;
    ctx.printer.line(&if zh {
        format!("演示工作区: {}", dir.display())
    } else {
        format!("demo workspace: {}", dir.display())
    });

    if args.messy {
        let period = demo::messy::period();
        let (_, findings) = check_period(&ws, &rules, period)?;
        ctx.printer.out(&report::text(&findings, ctx.lang));
        return Ok(if Tally::of(&findings).errors > 0 {
            ExitStatus::Findings
        } else {
            ExitStatus::Ok
        });
    }

    let who = ctx.who(&ws);
    let _lock = lock(&ws, &who)?;
    let mut months = Vec::new();
    for period in demo::demo_periods() {
        let outcome = run_period(&ws, &rules, period, RunOptions::default(), &who)?;
        let tally = outcome.tally();
        ctx.printer.line(&if zh {
            format!("{period} 校验: {} 个错误, {} 个警告", tally.errors, tally.warnings)
        } else {
            format!(
                "{period} validate: {} errors, {} warnings",
                tally.errors, tally.warnings
            )
        });
        if outcome.blocked() {
            ctx.printer.out(&report::text(outcome.findings(), ctx.lang));
            return Ok(ExitStatus::Findings);
        }
        ctx.printer.line(&summary_text(&outcome, ctx.lang));
        let (closed, manifest) = seal::close(&ws, period, &who, seal::CloseOptions::default())?;
        if let Some(m) = &manifest {
            ctx.printer.line(&if zh {
                format!("{period} 关账: 封存第 {} 版, {} 个文件", m.version, m.files.len())
            } else {
                format!("{period} closed: sealed version {}, {} files", m.version, m.files.len())
            });
        }
        if period == *demo::demo_periods().last().unwrap_or(&period) {
            ctx.printer.out(&outputs_text(&closed.outputs, ctx.lang));
        }
        months.push(summary_json(&closed, ctx.lang, 0.0));
    }
    for period in demo::demo_periods() {
        let r = audit(&ws, period)?;
        ctx.printer.line(&if zh {
            format!(
                "{period} 审计: {} ({} 个文件校验, {} 个输出重算比对)",
                if r.problems.is_empty() {
                    "逐字节一致"
                } else {
                    "不一致!"
                },
                r.verified,
                r.compared.len()
            )
        } else {
            format!(
                "{period} audit: {} ({} files verified, {} outputs recomputed)",
                if r.problems.is_empty() {
                    "byte-identical"
                } else {
                    "DIFFERENT"
                },
                r.verified,
                r.compared.len()
            )
        });
        if !r.problems.is_empty() {
            ctx.printer.out(&report::text(&r.problems, ctx.lang));
            return Ok(ExitStatus::Findings);
        }
    }
    // After payday: the bank's return and the bureau's bill come back.
    let last = demo::demo_periods().last().copied();
    if let Some(period) = last
        && let Some(dir) = crate::ledger::state::outputs_dir(&ws, period)?
    {
        let results = std::fs::read(dir.join(crate::ledger::results::RESULTS_FILE))?;
        let (bank, bill, _) = demo::returns::write(&ws.root, &period.to_string(), &results)?;
        let opts = crate::reconcile::report::Options {
            bank_return: Some(bank),
            bank_layout: None,
            bureau_bill: Some(bill),
        };
        let r = crate::reconcile::report::reconcile(&ws, &rules, period, &opts)?;
        let path = ws.root.join("reports").join(period.to_string()).join("reconcile.xlsx");
        crate::emit::atomic::write(&path, &crate::reconcile::report::xlsx(&r, ctx.lang)?)?;
        let unexplained = r.variance.as_ref().map_or(0, |v| {
            v.changes
                .iter()
                .filter(|c| c.cause == crate::reconcile::variance::Cause::Unexplained)
                .count()
        });
        let bank_problems = r.bank.as_ref().map_or(0, |b| {
            b.lines
                .iter()
                .filter(|l| l.outcome != crate::reconcile::bank_return::Outcome::Paid)
                .count()
        });
        let bureau_problems = r.bureau.as_ref().map_or(0, |b| b.differences.len());
        ctx.printer.line(&if zh {
            format!(
                "{period} 对账: 变动无法解释 {unexplained} 项; 银行回盘问题 {bank_problems} 笔; 社保账单差异 {bureau_problems} 处 (演示文件中特意埋设); 报告 {}",
                path.display()
            )
        } else {
            format!(
                "{period} reconcile: {unexplained} unexplained changes; {bank_problems} bank return problems; {bureau_problems} bureau bill differences (planted in the demo files); report {}",
                path.display()
            )
        });
    }
    let who = demo::sample_staff().get(6).map(|p| p.id.clone()).unwrap_or_default();
    ctx.printer.line(&if zh {
        format!(
            "\n查看任一员工的计算过程: paybatch -w {} explain -p 2026-03 -e {who}",
            dir.display()
        )
    } else {
        format!(
            "\nexplain any employee: paybatch -w {} explain -p 2026-03 -e {who}",
            dir.display()
        )
    });
    if ctx.format == Format::Json {
        ctx.printer
            .json(&serde_json::json!({ "workspace": dir.display().to_string(), "months": months }));
    }
    Ok(ExitStatus::Ok)
}
