//! `paybatch repair`: rebuild a lost period state from the ledger log.

use clap::Args;

use super::{Ctx, ExitStatus};
use crate::i18n::Lang;
use crate::ledger::repair::repair;
use crate::ledger::state::Status;
use crate::model::Period;
use crate::pipeline::lock;
use crate::workspace::Workspace;

/// Rebuild ledger/<period>/state.json from the last close or reopen of the
/// period in ledger/log.jsonl (checked against the sealed manifest). Only
/// for a period whose state is missing or unreadable; the repair is logged.
///
/// Examples:
///   paybatch repair --period 2026-03 --user 张会计
#[derive(Debug, Args)]
pub struct RepairArgs {
    /// Period, YYYY-MM / 期间
    #[arg(long, short = 'p')]
    pub period: Period,
}

pub fn run(ctx: &Ctx, args: RepairArgs) -> anyhow::Result<ExitStatus> {
    let ws = Workspace::open(&ctx.workspace)?;
    let who = ctx.who(&ws);
    let _lock = lock(&ws, &who)?;
    let state = repair(&ws, args.period, &who)?;
    let closed = state.status == Status::Closed;
    let version = state.version.unwrap_or(0);
    ctx.printer.line(&match (ctx.lang, closed) {
        (Lang::Zh, true) => format!("{} 的状态已从日志重建: 已关账, 第 {version} 版", args.period),
        (Lang::Zh, false) => format!("{} 的状态已从日志重建: 已重新打开 (草稿)", args.period),
        (Lang::En, true) => format!("{} state rebuilt from the log: closed, version {version}", args.period),
        (Lang::En, false) => format!("{} state rebuilt from the log: reopened (draft)", args.period),
    });
    Ok(ExitStatus::Ok)
}
