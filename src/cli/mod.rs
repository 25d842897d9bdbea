//! Command-line interface: global options, one file per verb, the printer
//! and the exit statuses. Only this module writes to stdout/stderr.

// The verbs' doc comments are their `--help` text, written for a terminal:
// `reports/<period>/` is a placeholder there, not an HTML tag, and
// `[payslips]` a section of paybatch.toml, not a link.
#![allow(rustdoc::invalid_html_tags, rustdoc::broken_intra_doc_links)]

pub mod audit;
pub mod close;
pub mod demo;
pub mod diff;
pub mod explain;
pub mod generate;
pub mod init;
pub mod log;
pub mod payslips;
pub mod printer;
pub mod reconcile;
pub mod reopen;
pub mod repair;
pub mod rules;
pub mod run;
pub mod settle;
pub mod validate;

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use crate::i18n::Lang;
pub use printer::Printer;

const EXIT_CODES: &str = "\
Exit codes / 退出码:
  0  ok (warnings allowed)            成功 (可有警告)
  1  blocking findings                有阻断性错误
  2  usage or configuration error     用法或配置错误
  3  input/output error               读写文件错误
  4  another run holds the lock       另一个任务正在运行
  5  period is closed (use reopen)    期间已关账 (请先 reopen)";

/// paybatch — China monthly payroll and social-insurance batch.
#[derive(Debug, Parser)]
#[command(name = "paybatch", version, about, after_help = EXIT_CODES)]
pub struct Cli {
    /// Workspace folder (holds paybatch.toml) / 工作区目录
    #[arg(long, short = 'w', global = true, default_value = ".", env = "PAYBATCH_WORKSPACE")]
    pub workspace: PathBuf,
    /// Language of messages / 提示语言
    #[arg(long, global = true, value_enum)]
    pub lang: Option<Lang>,
    /// Output format / 输出格式
    #[arg(long, global = true, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Print nothing but errors / 仅输出错误
    #[arg(long, short = 'q', global = true)]
    pub quiet: bool,
    /// More logging on stderr (-v, -vv) / 更多日志
    #[arg(long, short = 'v', global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Who is acting, for the ledger log (else PAYBATCH_USER, else [ledger]
    /// user in paybatch.toml, else the OS account) / 操作人
    #[arg(long, global = true)]
    pub user: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a workspace with default rules and a sample month / 新建工作区
    Init(init::InitArgs),
    /// Check a period's input files against the rules / 校验本期输入
    Validate(validate::ValidateArgs),
    /// Validate, compute and write the draft results / 计算本期工资
    Run(run::RunArgs),
    /// Show how every figure of one employee was computed / 解释计算过程
    Explain(explain::ExplainArgs),
    /// Recompute and seal a period / 关账封存
    Close(close::CloseArgs),
    /// Reopen a closed period, with a reason / 重新打开已关账期间
    Reopen(reopen::ReopenArgs),
    /// Recompute a sealed period and compare byte for byte / 审计重算
    Audit(audit::AuditArgs),
    /// Annual settlement preview of a tax year / 年度汇算预览
    Settle(settle::SettleArgs),
    /// The ledger's history: closes, reopens, recoveries / 账本日志
    Log(log::LogArgs),
    /// Rebuild a lost period state from the ledger log / 从日志重建期间状态
    Repair(repair::RepairArgs),
    /// What changed between two sealed versions / 版本差异
    Diff(diff::DiffArgs),
    /// List or send the payslip e-mails / 工资条
    Payslips(payslips::PayslipsArgs),
    /// Variance, bank return, bureau bill, budget / 对账
    Reconcile(reconcile::ReconcileArgs),
    /// Check the rule files / 检查规则文件
    Rules(rules::RulesArgs),
    /// Build a demo workspace and run everything on it / 演示
    Demo(demo::DemoArgs),
    /// Generate a large workspace for benchmarks / 生成测试数据
    #[command(name = "gen")]
    Gen(generate::GenArgs),
}

pub use crate::error::ExitStatus;

impl Cli {
    /// `--lang`, else the workspace's `lang` in paybatch.toml, else Chinese.
    /// The file is only peeked at (a broken one is reported by the verb).
    pub fn effective_lang(&self) -> Lang {
        self.lang
            .or_else(|| workspace_lang(&self.workspace))
            .unwrap_or_default()
    }
}

fn workspace_lang(root: &std::path::Path) -> Option<Lang> {
    #[derive(serde::Deserialize)]
    struct Peek {
        lang: Option<Lang>,
    }
    let text = std::fs::read_to_string(root.join(crate::workspace::CONFIG_FILE)).ok()?;
    toml::from_str::<Peek>(&text).ok()?.lang
}

/// Context every verb gets.
pub struct Ctx {
    pub lang: Lang,
    pub format: Format,
    pub printer: Printer,
    pub workspace: PathBuf,
    /// `--user`, else `PAYBATCH_USER`, with where it came from.
    pub user: Option<(String, &'static str)>,
}

impl Ctx {
    /// Who is acting in `ws`, for the ledger log.
    pub fn who(&self, ws: &crate::workspace::Workspace) -> crate::ledger::log::Who {
        crate::ledger::log::Who::resolve(self.user.as_ref().map(|(n, s)| (n.as_str(), *s)), ws)
    }
}

/// A command that writes a whole workspace (`demo`, `gen`) into `dir`:
/// refused when `dir` holds anything, like `init`, unless `force`; then
/// what it replaces is named first.
pub fn claim_target(ctx: &Ctx, dir: &std::path::Path, force: bool) -> crate::Result<()> {
    let mut present: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    present.sort();
    if present.is_empty() {
        return Ok(());
    }
    let shown = present.join(", ");
    if !force {
        return Err(crate::Error::Usage(match ctx.lang {
            Lang::Zh => format!(
                "{} 不是空目录 (有 {shown}), 未做任何修改; 换一个目录, 或加 --force 覆盖",
                dir.display()
            ),
            Lang::En => format!(
                "{} is not empty (it holds {shown}); nothing changed. Use another folder, or --force to overwrite",
                dir.display()
            ),
        }));
    }
    ctx.printer.line(&match ctx.lang {
        Lang::Zh => format!("--force: 覆盖 {} 中的 {shown}", dir.display()),
        Lang::En => format!("--force: replacing {shown} in {}", dir.display()),
    });
    for name in ["inputs", "ledger", "reports"] {
        std::fs::remove_dir_all(dir.join(name)).ok();
    }
    Ok(())
}

/// Runs the parsed command.
pub fn run(cli: Cli) -> anyhow::Result<ExitStatus> {
    let ctx = Ctx {
        lang: cli.effective_lang(),
        format: cli.format,
        printer: Printer::new(cli.quiet),
        workspace: cli.workspace,
        user: cli.user.map(|u| (u, "flag")).or_else(|| {
            std::env::var("PAYBATCH_USER")
                .ok()
                .filter(|u| !u.trim().is_empty())
                .map(|u| (u, "env"))
        }),
    };
    match cli.command {
        Command::Init(args) => init::run(&ctx, args),
        Command::Validate(args) => validate::run(&ctx, args),
        Command::Run(args) => run::run(&ctx, args),
        Command::Explain(args) => explain::run(&ctx, args),
        Command::Close(args) => close::run(&ctx, args),
        Command::Reopen(args) => reopen::run(&ctx, args),
        Command::Audit(args) => audit::run(&ctx, args),
        Command::Settle(args) => settle::run(&ctx, args),
        Command::Log(args) => log::run(&ctx, args),
        Command::Repair(args) => repair::run(&ctx, args),
        Command::Diff(args) => diff::run(&ctx, args),
        Command::Payslips(args) => payslips::run(&ctx, args),
        Command::Reconcile(args) => reconcile::run(&ctx, args),
        Command::Rules(args) => rules::run(&ctx, args),
        Command::Demo(args) => demo::run(&ctx, args),
        Command::Gen(args) => generate::run(&ctx, args),
    }
}
