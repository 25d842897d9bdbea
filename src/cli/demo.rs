//! `paybatch demo [DIR]`: build the demo workspace and run every stage that
//! exists on its months, printing what it did.

use std::path::PathBuf;

use clap::Args;

use super::run::{summary_json, summary_text};
use super::{Ctx, ExitStatus, Format};
use crate::demo;
use crate::i18n::Lang;
use crate::pipeline::{RunOptions, RunOutcome, run_period};
use crate::validate::check_period;
use crate::workspace::Workspace;

/// Build a demo workspace (60 employees, Beijing and Shanghai, 2026-01..03)
/// and run it end to end.
///
/// Examples:
///   paybatch demo              # in a new temporary folder, kept afterwards
///   paybatch demo ./demo-ws
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Folder for the demo workspace (default: a new temporary folder)
    pub dir: Option<PathBuf>,
    /// Build the messy workspace instead (deliberate input problems) and validate it
    #[arg(long)]
    pub messy: bool,
}

pub fn run(ctx: &Ctx, args: DemoArgs) -> anyhow::Result<ExitStatus> {
    let zh = ctx.lang == Lang::Zh;
    let dir = match args.dir {
        Some(d) => d,
        None => tempfile::Builder::new().prefix("paybatch-demo-").tempdir()?.keep(),
    };
    if dir.join(crate::workspace::CONFIG_FILE).exists() {
        std::fs::remove_dir_all(dir.join("inputs")).ok();
    }
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
    let mut status = ExitStatus::Ok;
    let mut months = Vec::new();
    let periods = if args.messy {
        vec![demo::messy::period()]
    } else {
        demo::demo_periods()
    };
    for period in periods {
        let outcome = if args.messy {
            let (_, findings) = check_period(&ws, &rules, period)?;
            RunOutcome {
                period,
                findings,
                result: None,
                outputs: Vec::new(),
                ytd_from: Vec::new(),
            }
        } else {
            run_period(&ws, &rules, period, RunOptions::default())?
        };
        let tally = outcome.tally();
        if tally.errors > 0 {
            status = ExitStatus::Findings;
            ctx.printer.out(&crate::report::text(&outcome.findings, ctx.lang));
        }
        ctx.printer.line(&if zh {
            format!("{period} 校验: {} 个错误, {} 个警告", tally.errors, tally.warnings)
        } else {
            format!(
                "{period} validate: {} errors, {} warnings",
                tally.errors, tally.warnings
            )
        });
        if outcome.result.is_some() {
            ctx.printer.line(&summary_text(&outcome, ctx.lang));
            for o in &outcome.outputs {
                ctx.printer.line(&format!("  {}", o.path.display()));
            }
        }
        months.push(summary_json(&outcome, ctx.lang, 0.0));
    }
    if !args.messy {
        let sample = demo::sample_staff();
        let who = sample.get(6).map(|p| p.id.clone()).unwrap_or_default();
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
    }
    if ctx.format == Format::Json {
        ctx.printer
            .json(&serde_json::json!({ "workspace": dir.display().to_string(), "months": months }));
    }
    Ok(status)
}
