//! `paybatch log`: read the ledger's history.

use clap::Args;

use super::{Ctx, ExitStatus, Format};
use crate::i18n::Lang;
use crate::ledger::log;
use crate::model::Period;
use crate::workspace::Workspace;

/// Show ledger/log.jsonl: every close, reopen, recovery and repair with
/// who, when (local time), why, version and manifest; and whether the
/// log's hash chain holds (exit 1 when it is broken).
///
/// Examples:
///   paybatch log
///   paybatch log --period 2026-03 --format json
#[derive(Debug, Args)]
pub struct LogArgs {
    /// Only this period / 期间
    #[arg(long, short = 'p')]
    pub period: Option<Period>,
}

pub fn run(ctx: &Ctx, args: LogArgs) -> anyhow::Result<ExitStatus> {
    let ws = Workspace::open(&ctx.workspace)?;
    let (entries, breaks) = log::read(&ws)?;
    let wanted = args.period.map(|p| p.to_string());
    let shown: Vec<&log::Entry> = entries
        .iter()
        .filter(|e| wanted.as_ref().is_none_or(|p| *p == e.record.period))
        .collect();
    match ctx.format {
        Format::Json => ctx.printer.json(&serde_json::json!({
            "records": shown.iter().map(|e| &e.record).collect::<Vec<_>>(),
            "chain_ok": breaks.is_empty(),
            "chain_breaks": breaks.iter().map(|b| serde_json::json!({"line": b.line, "why": b.why})).collect::<Vec<_>>(),
        })),
        Format::Text => {
            let zh = ctx.lang == Lang::Zh;
            for e in &shown {
                let r = &e.record;
                let event = if zh { event_zh(&r.event) } else { r.event.as_str() };
                let version = r.version.map(|v| if zh { format!(" 第{v}版") } else { format!(" v{v}") });
                let marked = if r.who.source == "os" {
                    if zh { " (系统账户)" } else { " (OS account)" }
                } else {
                    ""
                };
                let mut line = format!(
                    "#{:<4} {}  {}  {}{}  {}{}",
                    r.seq,
                    r.when,
                    r.period,
                    event,
                    version.unwrap_or_default(),
                    r.who.name,
                    marked
                );
                if let Some(reason) = &r.reason {
                    line.push_str(&format!("  {}", reason));
                }
                ctx.printer.line(&line);
            }
            if shown.is_empty() {
                ctx.printer.line(if zh { "(日志为空)" } else { "(the log is empty)" });
            }
            for b in &breaks {
                ctx.printer.line(&if zh {
                    format!("日志第 {} 行哈希链断开: {}", b.line, b.why)
                } else {
                    format!("log line {}: the hash chain breaks: {}", b.line, b.why)
                });
            }
        }
    }
    Ok(if breaks.is_empty() {
        ExitStatus::Ok
    } else {
        ExitStatus::Findings
    })
}

fn event_zh(event: &str) -> &str {
    match event {
        "close" => "关账",
        "reopen" => "重新打开",
        "recover" => "中断恢复",
        "repair" => "状态修复",
        "allow-unsealed-prior" => "允许前期未封存",
        other => other,
    }
}
