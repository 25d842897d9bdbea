//! `paybatch close`: recompute and seal a period.

use std::time::Instant;

use clap::Args;

use super::run::{summary_json, summary_text};
use super::{Ctx, ExitStatus, Format};
use crate::i18n::Lang;
use crate::ledger::seal;
use crate::model::Period;
use crate::pipeline::lock;
use crate::report;
use crate::workspace::Workspace;

/// Recompute the period from its inputs and seal it under
/// ledger/<period>/sealed-v<n>/ (inputs, rules, year-to-date figures,
/// outputs and a manifest with the sha256 of every file). A closed period
/// is read-only; `reopen` it to correct it. The months before it in the
/// tax year must be closed (and not stale) first.
///
/// Examples:
///   paybatch close --period 2026-03
#[derive(Debug, Args)]
pub struct CloseArgs {
    /// Period, YYYY-MM / 期间
    #[arg(long, short = 'p')]
    pub period: Period,
    /// Seal although an earlier month of the year is not closed or is
    /// stale (recorded in the log) / 允许前期未封存
    #[arg(long)]
    pub allow_unsealed_prior: bool,
}

pub fn run(ctx: &Ctx, args: CloseArgs) -> anyhow::Result<ExitStatus> {
    let started = Instant::now();
    let ws = Workspace::open(&ctx.workspace)?;
    let who = ctx.who(&ws);
    let _lock = lock(&ws, &who)?;
    // The rules are read (and checked) from the snapshot the close seals.
    let opts = seal::CloseOptions {
        allow_unsealed_prior: args.allow_unsealed_prior,
    };
    let (outcome, manifest) = seal::close(&ws, args.period, &who, opts)?;
    match ctx.format {
        Format::Json => {
            let mut doc = summary_json(&outcome, ctx.lang, started.elapsed().as_secs_f64());
            doc["sealed_version"] = serde_json::json!(manifest.as_ref().map(|m| m.version));
            ctx.printer.json(&doc);
        }
        Format::Text => {
            if !outcome.findings().is_empty() {
                ctx.printer.out(&report::text(outcome.findings(), ctx.lang));
            }
            if let Some(m) = &manifest {
                ctx.printer.line(&summary_text(&outcome, ctx.lang));
                ctx.printer.line(&match ctx.lang {
                    Lang::Zh => format!(
                        "{} 已关账封存 (第 {} 版, {} 个文件)",
                        args.period,
                        m.version,
                        m.files.len()
                    ),
                    Lang::En => format!(
                        "{} closed and sealed (version {}, {} files)",
                        args.period,
                        m.version,
                        m.files.len()
                    ),
                });
            }
        }
    }
    Ok(if outcome.blocked() {
        ExitStatus::Findings
    } else {
        ExitStatus::Ok
    })
}
