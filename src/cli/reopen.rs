//! `paybatch reopen`: return a closed period to draft, with a reason.

use clap::Args;

use super::{Ctx, ExitStatus};
use crate::i18n::Lang;
use crate::ledger::seal;
use crate::model::Period;
use crate::pipeline::lock;
use crate::workspace::Workspace;

/// Reopen a closed period. The sealed package is kept; the reason, who
/// (--user / PAYBATCH_USER / [ledger] user / the OS account), the local
/// time and the manifest hash go into ledger/log.jsonl. Later closed
/// months of the year become stale until they are closed again.
///
/// Examples:
///   paybatch reopen --period 2026-01 --reason "补录1月加班"
#[derive(Debug, Args)]
pub struct ReopenArgs {
    /// Period, YYYY-MM / 期间
    #[arg(long, short = 'p')]
    pub period: Period,
    /// Why the period is reopened (recorded in the log) / 原因
    #[arg(long)]
    pub reason: String,
}

pub fn run(ctx: &Ctx, args: ReopenArgs) -> anyhow::Result<ExitStatus> {
    let ws = Workspace::open(&ctx.workspace)?;
    let who = ctx.who(&ws);
    let _lock = lock(&ws, &who)?;
    let version = seal::reopen(&ws, args.period, &args.reason, &who)?;
    ctx.printer.line(&match ctx.lang {
        Lang::Zh => format!("{} 已重新打开 (封存的第 {version} 版保留不变)", args.period),
        Lang::En => format!("{} reopened (sealed version {version} is kept)", args.period),
    });
    Ok(ExitStatus::Ok)
}
