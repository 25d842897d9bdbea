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
/// ([payslips] from = "...", smtp = { host = "...", port = 25 }). Each
/// message handed over is recorded in reports/<period>/payslips-sent.jsonl:
/// a second --send sends only what was not sent; a refused address is a
/// finding (exit 1) and the rest are still sent.
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
    let mut files: Vec<String> = Vec::new();
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
        files.push(
            path.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
        );
        mails.push((to, bytes));
    }
    let total = mails.len();
    let (mut sent, mut skipped, mut refused) = (0, 0, Vec::new());
    if args.send {
        let cfg = &ws.config.payslips;
        let Some(relay) = &cfg.smtp else {
            return Err(crate::Error::Usage(if zh {
                "paybatch.toml 的 [payslips] 中没有 smtp 设置".to_string()
            } else {
                "no smtp relay under [payslips] in paybatch.toml".to_string()
            })
            .into());
        };
        // What was sent before (this exact message) is not sent again.
        let record = SentRecord::open(&ws, args.period)?;
        let (todo, todo_files): (Vec<(String, Vec<u8>)>, Vec<String>) = mails
            .iter()
            .zip(&files)
            .filter(|((_, bytes), file)| !record.has(file, bytes))
            .map(|(m, f)| (m.clone(), f.clone()))
            .unzip();
        skipped = total - todo.len();
        if !todo.is_empty() {
            sent = smtp::send(relay, &ws.root, &cfg.from, &todo, |i, delivery| {
                let (to, bytes) = &todo[i];
                record.add(&todo_files[i], to, bytes, delivery)?;
                if let smtp::Delivery::Refused(reply) = delivery {
                    refused.push(refused_finding(&todo_files[i], to, reply));
                }
                Ok(())
            })?;
        }
    }
    match ctx.format {
        Format::Json => ctx.printer.json(&serde_json::json!({
            "period": args.period.to_string(),
            "payslips": total,
            "sent": sent,
            "already_sent": skipped,
            "refused": refused.len(),
            "folder": eml_dir.display().to_string(),
            "findings": crate::report::json(&refused, ctx.lang),
        })),
        Format::Text => {
            if !refused.is_empty() {
                ctx.printer.out(&crate::report::text(&refused, ctx.lang));
            }
            ctx.printer.line(&if zh {
                format!(
                    "{} 工资条邮件 {total} 封 ({}), 本次发送 {sent} 封, 之前已发 {skipped} 封, 被拒 {} 封",
                    args.period,
                    eml_dir.display(),
                    refused.len()
                )
            } else {
                format!(
                    "{}: {total} payslip e-mails ({}), {sent} sent now, {skipped} sent before, {} refused",
                    args.period,
                    eml_dir.display(),
                    refused.len()
                )
            })
        }
    }
    Ok(if refused.is_empty() {
        ExitStatus::Ok
    } else {
        ExitStatus::Findings
    })
}

/// A refused recipient as a finding.
fn refused_finding(file: &str, to: &str, reply: &str) -> crate::validate::Finding {
    crate::validate::Finding::about(
        "M001",
        crate::rules::validation::Severity::Error,
        file,
        "email",
        crate::i18n::Text::new(
            format!("邮件服务器拒收 {to}: {reply}"),
            format!("the relay refused {to}: {reply}"),
        ),
        crate::i18n::Text::new(
            "核对花名册中的电子邮箱, 重新 run 后再 --send (已发出的不会重发)",
            "check the e-mail in the roster, run again, then --send (what was sent is not sent twice)",
        ),
    )
}

/// `reports/<P>/payslips-sent.jsonl`: each message handed to the relay
/// (file, recipient, sha256 of the message, result), appended and synced
/// as it happens, so that `--send` after a failure sends only the rest.
struct SentRecord {
    path: std::path::PathBuf,
    sent: std::collections::HashSet<(String, String)>,
}

impl SentRecord {
    fn open(ws: &Workspace, period: Period) -> crate::Result<SentRecord> {
        let path = ws
            .root
            .join("reports")
            .join(period.to_string())
            .join("payslips-sent.jsonl");
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let sent = text
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter(|v| v["result"] == "sent")
            .map(|v| {
                (
                    v["file"].as_str().unwrap_or("").to_string(),
                    v["sha256"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect();
        Ok(SentRecord { path, sent })
    }

    fn has(&self, file: &str, bytes: &[u8]) -> bool {
        self.sent.contains(&(file.to_string(), crate::diag::sha256_hex(bytes)))
    }

    fn add(&self, file: &str, to: &str, bytes: &[u8], delivery: &smtp::Delivery) -> crate::Result<()> {
        use std::io::Write;
        let (result, reply) = match delivery {
            smtp::Delivery::Sent => ("sent", None),
            smtp::Delivery::Refused(r) => ("refused", Some(r.as_str())),
        };
        let line = serde_json::json!({
            "file": file,
            "to": to,
            "sha256": crate::diag::sha256_hex(bytes),
            "result": result,
            "reply": reply,
            "when": crate::ledger::log::now_local(),
        });
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| crate::Error::io(dir, e))?;
        }
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .map_err(|e| crate::Error::io(&self.path, e))?;
        writeln!(f, "{line}").map_err(|e| crate::Error::io(&self.path, e))?;
        f.sync_all().map_err(|e| crate::Error::io(&self.path, e))
    }
}
