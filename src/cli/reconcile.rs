//! `paybatch reconcile`: variance with causes, bank return, bureau bill,
//! total-payroll budget.

use std::path::PathBuf;

use clap::Args;

use super::{Ctx, ExitStatus, Format};
use crate::emit::atomic;
use crate::i18n::Lang;
use crate::model::Period;
use crate::reconcile::report::{Options, reconcile, xlsx};
use crate::report;
use crate::validate::Tally;
use crate::workspace::Workspace;

/// Reconcile a computed period: this month against the previous one (every
/// difference with its cause), and, when given, the bank's return file and
/// the bureau's bill; the total payroll against the budget in paybatch.toml.
/// Writes reports/<period>/reconcile.xlsx and re-payment files for failed
/// bank lines. Exit 1 when a blocking check fails.
///
/// Examples:
///   paybatch reconcile --period 2026-03
///   paybatch reconcile --period 2026-03 --bank-return 回盘.xlsx --bureau-bill 社保核定单.xlsx
#[derive(Debug, Args)]
pub struct ReconcileArgs {
    /// Period, YYYY-MM / 期间
    #[arg(long, short = 'p')]
    pub period: Period,
    /// The bank's result file (xlsx/csv)
    #[arg(long)]
    pub bank_return: Option<PathBuf>,
    /// Bank return layout name (rules/reconcile/bank_returns.toml; default the first)
    #[arg(long)]
    pub bank_layout: Option<String>,
    /// The SI/HF bureau's monthly bill (xlsx/csv)
    #[arg(long)]
    pub bureau_bill: Option<PathBuf>,
}

pub fn run(ctx: &Ctx, args: ReconcileArgs) -> anyhow::Result<ExitStatus> {
    let zh = ctx.lang == Lang::Zh;
    let ws = Workspace::open(&ctx.workspace)?;
    let rules = ws.rules()?;
    let opts = Options {
        bank_return: args.bank_return,
        bank_layout: args.bank_layout,
        bureau_bill: args.bureau_bill,
    };
    let r = reconcile(&ws, &rules, args.period, &opts)?;
    let dir = ws.root.join("reports").join(args.period.to_string());
    let path = dir.join("reconcile.xlsx");
    atomic::write(&path, &xlsx(&r, ctx.lang)?)?;
    for (name, bytes) in &r.repay_files {
        atomic::write(&dir.join(name), bytes)?;
    }
    let tally = Tally::of(&r.findings);
    match ctx.format {
        Format::Json => {
            let mut doc = serde_json::to_value(&r).unwrap_or_default();
            doc["errors"] = tally.errors.into();
            doc["warnings"] = tally.warnings.into();
            doc["findings"] = report::json(&r.findings, ctx.lang).into();
            doc["report"] = path.display().to_string().into();
            ctx.printer.json(&doc);
        }
        Format::Text => {
            let mut out = String::new();
            if let Some(v) = &r.variance {
                out.push_str(&if zh {
                    format!(
                        "{} 对比 {}: 实发 {} → {}\n",
                        v.period, v.previous_period, v.net_previous, v.net_current
                    )
                } else {
                    format!(
                        "{} vs {}: net {} → {}\n",
                        v.period, v.previous_period, v.net_previous, v.net_current
                    )
                });
                for (cause, delta) in &v.by_cause {
                    out.push_str(&format!("  {:<12} {delta:>14}\n", cause.label(zh)));
                }
            }
            if let Some(b) = &r.bank {
                let counts: Vec<String> = b.counts.iter().map(|(o, n)| format!("{} {n}", o.label(zh))).collect();
                out.push_str(&format!(
                    "{}: {}\n",
                    if zh { "银行回盘" } else { "bank return" },
                    counts.join(", ")
                ));
            }
            if let Some(b) = &r.bureau {
                out.push_str(&if zh {
                    format!("社保账单: {} 处差异\n", b.differences.len())
                } else {
                    format!("bureau bill: {} differences\n", b.differences.len())
                });
            }
            if let Some(lines) = &r.budget {
                let over = lines.iter().filter(|l| l.over).count();
                out.push_str(&if zh {
                    format!("工资总额预算: {} 个单位, {over} 个预计超预算\n", lines.len())
                } else {
                    format!("budget: {} units, {over} projected over\n", lines.len())
                });
            }
            if !r.findings.is_empty() {
                out.push_str(&report::text(&r.findings, ctx.lang));
            }
            out.push_str(&format!(
                "{}: {}\n",
                if zh { "对账报告" } else { "report" },
                path.display()
            ));
            ctx.printer.out(&out);
        }
    }
    Ok(if tally.errors > 0 {
        ExitStatus::Findings
    } else {
        ExitStatus::Ok
    })
}
