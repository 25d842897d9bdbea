//! `paybatch rules check`: consistency of the workspace's rule files.

use clap::{Args, Subcommand};

use super::{Ctx, ExitStatus, Format};
use crate::model::Period;
use crate::report;
use crate::rules::check::check;
use crate::validate::Tally;
use crate::workspace::Workspace;

/// Work with rule files.
#[derive(Debug, Args)]
pub struct RulesArgs {
    #[command(subcommand)]
    pub command: RulesCommand,
}

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// Check dates, sources and rates of every rule file
    ///
    /// Examples:
    ///   paybatch rules check
    ///   paybatch rules check --period 2026-03
    Check {
        /// Also check that a rule is in force for this period
        #[arg(long, short = 'p')]
        period: Option<Period>,
    },
}

pub fn run(ctx: &Ctx, args: RulesArgs) -> anyhow::Result<ExitStatus> {
    let RulesCommand::Check { period } = args.command;
    let rules = match Workspace::open(&ctx.workspace) {
        Ok(ws) => ws.rules()?,
        Err(crate::Error::Usage(_)) => crate::rules::RuleSet::builtin()?,
        Err(e) => return Err(e.into()),
    };
    let findings = check(&rules, period);
    match ctx.format {
        Format::Json => ctx.printer.json(&serde_json::json!({
            "errors": Tally::of(&findings).errors,
            "warnings": Tally::of(&findings).warnings,
            "findings": report::json(&findings, ctx.lang),
        })),
        Format::Text => ctx.printer.out(&report::text(&findings, ctx.lang)),
    }
    Ok(if Tally::of(&findings).errors > 0 {
        ExitStatus::Findings
    } else {
        ExitStatus::Ok
    })
}
