//! `paybatch validate`: check a period's input files and report findings.

use std::path::PathBuf;

use clap::Args;

use super::{Ctx, ExitStatus, Format};
use crate::model::Period;
use crate::pipeline::check_period;
use crate::validate::Tally;
use crate::workspace::Workspace;
use crate::{pipeline, report};

/// Check a period's inputs against the validation rules.
///
/// Writes reports/<period>/findings.xlsx (every finding, plus copies of the
/// sheets with the offending cells highlighted and commented).
///
/// Examples:
///   paybatch validate --period 2026-03
///   paybatch validate --period 2026-03 --format json --lang en
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Period to check, YYYY-MM / 期间
    #[arg(long, short = 'p')]
    pub period: Period,
    /// Where to write the xlsx report (default reports/<period>/findings.xlsx)
    #[arg(long)]
    pub report: Option<PathBuf>,
    /// Do not write the xlsx report
    #[arg(long)]
    pub no_report: bool,
}

pub fn run(ctx: &Ctx, args: ValidateArgs) -> anyhow::Result<ExitStatus> {
    let ws = Workspace::open(&ctx.workspace)?;
    let rules = ws.rules()?;
    let (inputs, mut findings) = check_period(&ws, &rules, args.period)?;
    let files: Vec<serde_json::Value> = inputs
        .tables()
        .iter()
        .map(|t| serde_json::json!({"kind": t.kind, "file": &*t.file, "sheet": &*t.sheet, "rows": t.records.len()}))
        .collect();
    // One pass: with clean inputs the month is computed (nothing written)
    // so that what `run` would block on is reported now, not in a second
    // round. The report highlights cells of the inputs as read.
    let report_inputs = (!args.no_report).then(|| report::InputSheets::of(&inputs));
    if Tally::of(&findings).errors == 0 {
        findings.extend(pipeline::check_run(&ws, &rules, args.period, inputs)?);
        findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    }
    let report_path = if let Some(inputs) = &report_inputs {
        let path = args.report.unwrap_or_else(|| {
            ws.root
                .join("reports")
                .join(args.period.to_string())
                .join("findings.xlsx")
        });
        let bytes = report::xlsx(&findings, inputs, ctx.lang)?;
        crate::emit::atomic::write(&path, &bytes)?;
        Some(path)
    } else {
        None
    };
    let tally = Tally::of(&findings);
    match ctx.format {
        Format::Json => ctx.printer.json(&serde_json::json!({
            "period": args.period.to_string(),
            "files": files,
            "errors": tally.errors,
            "warnings": tally.warnings,
            "report": report_path.as_ref().map(|p| p.display().to_string()),
            "findings": report::json(&findings, ctx.lang),
        })),
        Format::Text => {
            ctx.printer.out(&report::text(&findings, ctx.lang));
            if let Some(p) = &report_path {
                let label = if ctx.lang == crate::i18n::Lang::Zh {
                    "校验报告"
                } else {
                    "report"
                };
                ctx.printer.line(&format!("{label}: {}", p.display()));
            }
        }
    }
    Ok(if tally.errors > 0 {
        ExitStatus::Findings
    } else {
        ExitStatus::Ok
    })
}
