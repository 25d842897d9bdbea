//! `paybatch audit`: recompute a closed period from its sealed package and
//! compare every output byte for byte.

use clap::Args;

use super::{Ctx, ExitStatus, Format};
use crate::i18n::Lang;
use crate::ledger::audit::audit;
use crate::model::Period;
use crate::report;
use crate::workspace::Workspace;

/// Verify a sealed period: every file's sha256, then a recomputation from
/// the sealed inputs, rules and year-to-date figures, compared byte for byte.
/// Exit 1 names each file, employee and figure that differs.
///
/// Examples:
///   paybatch audit --period 2026-03
#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Period, YYYY-MM / 期间
    #[arg(long, short = 'p')]
    pub period: Period,
}

pub fn run(ctx: &Ctx, args: AuditArgs) -> anyhow::Result<ExitStatus> {
    let ws = Workspace::open(&ctx.workspace)?;
    let r = audit(&ws, args.period)?;
    let ok = r.problems.is_empty();
    match ctx.format {
        Format::Json => ctx.printer.json(&serde_json::json!({
            "period": args.period.to_string(),
            "version": r.manifest.version,
            "ok": ok,
            "verified_files": r.verified,
            "compared_outputs": r.compared,
            "problems": report::json(&r.problems, ctx.lang),
        })),
        Format::Text => {
            if !ok {
                ctx.printer.out(&report::text(&r.problems, ctx.lang));
            }
            ctx.printer.line(&match (ctx.lang, ok) {
                (Lang::Zh, true) => format!(
                    "{} 审计通过: 第 {} 版 {} 个封存文件校验一致, {} 个输出重算后逐字节相同",
                    args.period,
                    r.manifest.version,
                    r.verified,
                    r.compared.len()
                ),
                (Lang::Zh, false) => format!("{} 审计未通过: {} 处不一致", args.period, r.problems.len()),
                (Lang::En, true) => format!(
                    "{} audit passed: version {}, {} sealed files verified, {} outputs byte-identical",
                    args.period,
                    r.manifest.version,
                    r.verified,
                    r.compared.len()
                ),
                (Lang::En, false) => format!("{} audit FAILED: {} differences", args.period, r.problems.len()),
            });
        }
    }
    Ok(if ok { ExitStatus::Ok } else { ExitStatus::Findings })
}
