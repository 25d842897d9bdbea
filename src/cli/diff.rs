//! `paybatch diff`: what changed between two sealed versions of a period.

use clap::Args;

use super::{Ctx, ExitStatus, Format};
use crate::i18n::Lang;
use crate::ledger::results::{RESULTS_FILE, diff};
use crate::ledger::seal::sealed_versions;
use crate::model::Period;
use crate::workspace::Workspace;

/// Show, per employee and figure, what changed between two sealed versions
/// of a period (by default the last two).
///
/// Examples:
///   paybatch diff --period 2026-01
///   paybatch diff --period 2026-01 --from 1 --to 3
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// Period, YYYY-MM / 期间
    #[arg(long, short = 'p')]
    pub period: Period,
    /// Older sealed version (default: the one before the latest)
    #[arg(long)]
    pub from: Option<u32>,
    /// Newer sealed version (default: the latest)
    #[arg(long)]
    pub to: Option<u32>,
}

pub fn run(ctx: &Ctx, args: DiffArgs) -> anyhow::Result<ExitStatus> {
    let zh = ctx.lang == Lang::Zh;
    let ws = Workspace::open(&ctx.workspace)?;
    let versions = sealed_versions(&ws, args.period);
    let latest = versions.last().map(|v| v.0).unwrap_or(0);
    let to = args.to.unwrap_or(latest);
    let from = args.from.unwrap_or(to.saturating_sub(1));
    let find = |v: u32| versions.iter().find(|(n, _)| *n == v).map(|(_, p)| p.clone());
    let (Some(a), Some(b)) = (find(from), find(to)) else {
        return Err(crate::Error::Usage(if zh {
            format!(
                "{} 没有第 {from} 版和第 {to} 版封存包可比较 (现有 {} 版)",
                args.period,
                versions.len()
            )
        } else {
            format!(
                "{} has no sealed versions {from} and {to} to compare ({} exist)",
                args.period,
                versions.len()
            )
        })
        .into());
    };
    let read = |dir: &std::path::Path| {
        let path = dir.join("outputs").join(RESULTS_FILE);
        std::fs::read(&path).map_err(|e| crate::Error::io(&path, e))
    };
    let changes = diff(&read(&a)?, &read(&b)?)?;
    match ctx.format {
        Format::Json => ctx.printer.json(&serde_json::json!({
            "period": args.period.to_string(), "from": from, "to": to, "changes": changes,
        })),
        Format::Text => {
            let mut out = String::new();
            for c in &changes {
                out.push_str(&format!(
                    "{}  {}: {} → {}\n",
                    c.employee_id, c.column, c.before, c.after
                ));
            }
            out.push_str(&if zh {
                format!("{} 第 {from} 版 → 第 {to} 版: {} 处变化\n", args.period, changes.len())
            } else {
                format!("{} version {from} → {to}: {} changes\n", args.period, changes.len())
            });
            ctx.printer.out(&out);
        }
    }
    Ok(ExitStatus::Ok)
}
