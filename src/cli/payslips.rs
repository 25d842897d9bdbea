//! `paybatch payslips`: list or send the period's payslip e-mails.

use clap::Args;

use super::{Ctx, ExitStatus, Format};
use crate::emit::smtp;
use crate::i18n::Lang;
use crate::ledger::state;
use crate::model::Period;
use crate::workspace::Workspace;

/// List the period's payslips (written by `run`/`close` under
/// payslips/), or send the e-mails through the SMTP relay in paybatch.toml
/// ([payslips] from = "...", smtp = { host = "...", port = 25 }).
///
/// Examples:
///   paybatch payslips --period 2026-03
///   paybatch payslips --period 2026-03 --send
#[derive(Debug, Args)]
pub struct PayslipsArgs {
    /// Period, YYYY-MM / 期间
    #[arg(long, short = 'p')]
    pub period: Period,
    /// Send the e-mails through the configured SMTP relay
    #[arg(long)]
    pub send: bool,
}

pub fn run(ctx: &Ctx, args: PayslipsArgs) -> anyhow::Result<ExitStatus> {
    let zh = ctx.lang == Lang::Zh;
    let ws = Workspace::open(&ctx.workspace)?;
    let Some(dir) = state::outputs_dir(&ws, args.period)? else {
        return Err(crate::Error::Usage(if zh {
            format!(
                "{} 还没有计算结果, 请先运行 paybatch run --period {}",
                args.period, args.period
            )
        } else {
            format!(
                "{} has no results yet; run `paybatch run --period {}` first",
                args.period, args.period
            )
        })
        .into());
    };
    let eml_dir = dir.join("payslips").join("eml");
    let mut mails: Vec<(String, Vec<u8>)> = Vec::new();
    let mut names: Vec<_> = std::fs::read_dir(&eml_dir)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    names.sort();
    for path in names {
        let bytes = std::fs::read(&path).map_err(|e| crate::Error::io(&path, e))?;
        let text = String::from_utf8_lossy(&bytes);
        let to = text
            .lines()
            .find_map(|l| l.strip_prefix("To: "))
            .unwrap_or_default()
            .trim()
            .to_string();
        mails.push((to, bytes));
    }
    let sent = if args.send {
        let cfg = &ws.config.payslips;
        let Some(relay) = &cfg.smtp else {
            return Err(crate::Error::Usage(if zh {
                "paybatch.toml 的 [payslips] 中没有 smtp 设置".to_string()
            } else {
                "no smtp relay under [payslips] in paybatch.toml".to_string()
            })
            .into());
        };
        smtp::send(&relay.host, relay.port, &cfg.from, &mails)?
    } else {
        0
    };
    match ctx.format {
        Format::Json => ctx.printer.json(&serde_json::json!({
            "period": args.period.to_string(),
            "payslips": mails.len(),
            "sent": sent,
            "folder": eml_dir.display().to_string(),
        })),
        Format::Text => ctx.printer.line(&if zh {
            format!(
                "{} 工资条邮件 {} 封 ({}), 已发送 {sent} 封",
                args.period,
                mails.len(),
                eml_dir.display()
            )
        } else {
            format!(
                "{}: {} payslip e-mails ({}), {sent} sent",
                args.period,
                mails.len(),
                eml_dir.display()
            )
        }),
    }
    Ok(ExitStatus::Ok)
}
