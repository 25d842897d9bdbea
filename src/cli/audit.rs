//! `paybatch audit`: recompute a closed period from its sealed package and
//! compare every output byte for byte.

use clap::Args;

use super::{Ctx, ExitStatus, Format};
use crate::i18n::Lang;
use crate::ledger::audit::{MonthVerdict, audit, audit_year};
use crate::model::Period;
use crate::report;
use crate::workspace::Workspace;

/// Verify a sealed period: every file's sha256, then a recomputation from
/// the sealed inputs, rules and year-to-date figures, compared byte for byte.
/// Also: the package, state.json and the log agree (the log's hash chain
/// holds, state names the log record that sealed this version), and the
/// month is not stale (its earlier months are still the versions it used).
/// Exit 1 names each file, employee and figure that differs.
///
/// Examples:
///   paybatch audit --period 2026-03
///   paybatch audit --year 2026          # every month, the chain, the log
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("what").required(true).args(["period", "year"])))]
pub struct AuditArgs {
    /// Period, YYYY-MM / 期间
    #[arg(long, short = 'p')]
    pub period: Option<Period>,
    /// A whole tax year: one verdict per month / 整个年度
    #[arg(long)]
    pub year: Option<i32>,
}

pub fn run(ctx: &Ctx, args: AuditArgs) -> anyhow::Result<ExitStatus> {
    let ws = Workspace::open(&ctx.workspace)?;
    finish_interrupted(ctx, &ws);
    if let Some(year) = args.year {
        return run_year(ctx, &ws, year);
    }
    let Some(period) = args.period else {
        return Ok(ExitStatus::Usage);
    };
    let r = audit(&ws, period)?;
    let args = PeriodArg { period };
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

struct PeriodArg {
    period: Period,
}

/// A close or reopen a crash left half done is finished first, when the
/// workspace lock is free (an audit of a running workspace reads as is).
fn finish_interrupted(ctx: &Ctx, ws: &Workspace) {
    if let Ok(Ok(_lock)) = crate::ledger::lock::acquire(ws) {
        let _ = crate::ledger::commit::recover_all(ws, &ctx.who(ws));
    }
}

/// `audit --year`: one verdict per month, then the log's chain.
fn run_year(ctx: &Ctx, ws: &Workspace, year: i32) -> anyhow::Result<ExitStatus> {
    let (months, chain) = audit_year(ws, year)?;
    let zh = ctx.lang == Lang::Zh;
    let mut ok = chain.is_empty();
    let mut json_months = Vec::new();
    for (p, verdict) in &months {
        let (passed, line, problems) = match verdict {
            MonthVerdict::Audited(r) if r.problems.is_empty() => (
                true,
                if zh {
                    format!(
                        "{p}  通过  第 {} 版, {} 个文件一致, {} 个输出重算相同",
                        r.manifest.version,
                        r.verified,
                        r.compared.len()
                    )
                } else {
                    format!(
                        "{p}  passed  version {}, {} files verified, {} outputs identical",
                        r.manifest.version,
                        r.verified,
                        r.compared.len()
                    )
                },
                Vec::new(),
            ),
            MonthVerdict::Audited(r) => (
                false,
                if zh {
                    format!(
                        "{p}  未通过  第 {} 版, {} 处不一致",
                        r.manifest.version,
                        r.problems.len()
                    )
                } else {
                    format!(
                        "{p}  FAILED  version {}, {} differences",
                        r.manifest.version,
                        r.problems.len()
                    )
                },
                r.problems.clone(),
            ),
            MonthVerdict::Open => (
                true,
                if zh {
                    format!("{p}  未关账 (草稿)")
                } else {
                    format!("{p}  open (draft, never closed)")
                },
                Vec::new(),
            ),
            MonthVerdict::Reopened => (
                false,
                if zh {
                    format!("{p}  未通过  已重新打开, 尚未再次关账")
                } else {
                    format!("{p}  FAILED  reopened and not closed again")
                },
                Vec::new(),
            ),
        };
        ok &= passed;
        match ctx.format {
            Format::Text => {
                ctx.printer.line(&line);
                if !problems.is_empty() {
                    ctx.printer.out(&report::text(&problems, ctx.lang));
                }
            }
            Format::Json => json_months.push(serde_json::json!({
                "period": p.to_string(),
                "ok": passed,
                "verdict": line,
                "problems": report::json(&problems, ctx.lang),
            })),
        }
    }
    match ctx.format {
        Format::Text => {
            if !chain.is_empty() {
                ctx.printer.out(&report::text(&chain, ctx.lang));
            }
            ctx.printer.line(&match (zh, ok) {
                (true, true) => format!("{year} 年度审计通过: {} 个月, 日志哈希链完整", months.len()),
                (true, false) => format!("{year} 年度审计未通过"),
                (false, true) => format!(
                    "{year} audit passed: {} months, the log's hash chain holds",
                    months.len()
                ),
                (false, false) => format!("{year} audit FAILED"),
            });
        }
        Format::Json => ctx.printer.json(&serde_json::json!({
            "year": year,
            "ok": ok,
            "months": json_months,
            "log_chain": report::json(&chain, ctx.lang),
        })),
    }
    Ok(if ok { ExitStatus::Ok } else { ExitStatus::Findings })
}
