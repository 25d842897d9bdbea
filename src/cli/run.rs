//! `paybatch run`: validate + calculate + write the draft results.

use std::time::Instant;

use clap::Args;

use super::{Ctx, ExitStatus, Format};
use crate::i18n::Lang;
use crate::model::Period;
use crate::pipeline::{RunOptions, RunOutcome, lock, run_period};
use crate::report;
use crate::workspace::Workspace;

/// Validate the period's inputs, compute every employee, and write the draft
/// results under ledger/<period>/ (results.csv, register.xlsx).
///
/// Blocking findings (exit 1) stop before anything is written.
///
/// Examples:
///   paybatch run --period 2026-03
///   paybatch run --period 2026-03 --format json      # for schedulers
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Period, YYYY-MM / 期间
    #[arg(long, short = 'p')]
    pub period: Period,
    /// Compute and report, but write nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Worker threads for the calculation (default: all cores)
    #[arg(long)]
    pub threads: Option<usize>,
    /// Run although an earlier month of the year was reopened and not
    /// closed again, or is stale (recorded in the log) / 允许前期未封存
    #[arg(long)]
    pub allow_unsealed_prior: bool,
}

/// The JSON summary a scheduler reads.
pub fn summary_json(outcome: &RunOutcome, lang: Lang, seconds: f64) -> serde_json::Value {
    let tally = outcome.tally();
    serde_json::json!({
        "period": outcome.period().to_string(),
        "status": if outcome.blocked() { "blocked" } else { "ok" },
        "employees": outcome.totals().employees,
        "totals": outcome.totals(),
        "errors": tally.errors,
        "warnings": tally.warnings,
        "ytd_from": outcome.computed.ytd_from.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "outputs": outcome.outputs,
        "duration_seconds": seconds,
        "findings": report::json(outcome.findings(), lang),
    })
}

/// The human summary of a run.
pub fn summary_text(outcome: &RunOutcome, lang: Lang) -> String {
    let t = outcome.totals();
    let tally = outcome.tally();
    let p = outcome.period();
    let zh = lang == Lang::Zh;
    let label = |z: &'static str, e: &'static str| if zh { z } else { e };
    format!(
        "{p} {}: {} {}, {} {}, {} {}, {} {}, {} {}, {} {}, {} {} ({} {}, {} {})",
        label("计算", "computed"),
        t.employees,
        label("人", "employees"),
        label("应发合计", "total pay"),
        t.total_pay,
        label("个人社保公积金", "employee SI/HF"),
        t.si_employee,
        label("个税", "IIT"),
        t.iit + t.bonus_tax,
        label("实发", "net"),
        t.net,
        label("单位社保公积金", "employer SI/HF"),
        t.si_employer,
        label("人工成本", "employer cost"),
        t.employer_cost,
        tally.errors,
        label("个错误", "errors"),
        tally.warnings,
        label("个警告", "warnings"),
    )
}

pub fn run(ctx: &Ctx, args: RunArgs) -> anyhow::Result<ExitStatus> {
    if let Some(n) = args.threads {
        rayon::ThreadPoolBuilder::new().num_threads(n).build_global().ok();
    }
    let started = Instant::now();
    let ws = Workspace::open(&ctx.workspace)?;
    let who = ctx.who(&ws);
    let _lock = if args.dry_run { None } else { Some(lock(&ws, &who)?) };
    let rules = ws.rules()?;
    let opts = RunOptions {
        dry_run: args.dry_run,
        allow_unsealed_prior: args.allow_unsealed_prior,
    };
    let outcome = run_period(&ws, &rules, args.period, opts, &who)?;
    match ctx.format {
        Format::Json => ctx
            .printer
            .json(&summary_json(&outcome, ctx.lang, started.elapsed().as_secs_f64())),
        Format::Text => {
            if !outcome.findings().is_empty() {
                ctx.printer.out(&report::text(outcome.findings(), ctx.lang));
            }
            if outcome.computed.result.is_some() {
                ctx.printer.line(&summary_text(&outcome, ctx.lang));
            }
            ctx.printer.out(&outputs_text(&outcome.outputs, ctx.lang));
        }
    }
    let status = if outcome.blocked() {
        ExitStatus::Findings
    } else {
        ExitStatus::Ok
    };
    // The process ends here: a million results are left to the exit rather
    // than freed one by one on one core (0.1 s at the end of a 1M run).
    std::mem::forget(outcome);
    Ok(status)
}

/// The written files, one per line, with the payslip e-mails summarised.
pub fn outputs_text(outputs: &[crate::pipeline::Output], lang: Lang) -> String {
    let mut out = String::new();
    let mut mails = 0;
    for o in outputs {
        if o.path.extension().is_some_and(|e| e == "eml") {
            mails += 1;
        } else {
            out.push_str(&format!("  {}\n", o.path.display()));
        }
    }
    if mails > 0 {
        out.push_str(&match lang {
            Lang::Zh => format!("  payslips/eml/: {mails} 封工资条邮件\n"),
            Lang::En => format!("  payslips/eml/: {mails} payslip e-mails\n"),
        });
    }
    out
}
