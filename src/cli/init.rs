//! `paybatch init DIR`: a new workspace with the default rules and a sample month.

use std::path::PathBuf;

use clap::Args;

use super::{Ctx, ExitStatus};
use crate::demo;
use crate::i18n::Lang;
use crate::workspace::CONFIG_FILE;

/// Create a workspace: paybatch.toml, rules/ (the built-in defaults) and a
/// sample month under inputs/2026-03/.
///
/// Examples:
///   paybatch init my-payroll
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Folder to create (may exist, but must not hold a paybatch.toml)
    pub dir: PathBuf,
    /// Do not write the sample month
    #[arg(long)]
    pub no_sample: bool,
}

pub fn run(ctx: &Ctx, args: InitArgs) -> anyhow::Result<ExitStatus> {
    if args.dir.join(CONFIG_FILE).exists() {
        return Err(crate::Error::Usage(match ctx.lang {
            Lang::Zh => format!("{} 已经是 paybatch 工作区, 未做任何修改", args.dir.display()),
            Lang::En => format!(
                "{} is already a paybatch workspace; nothing changed",
                args.dir.display()
            ),
        })
        .into());
    }
    demo::write_skeleton(&args.dir)?;
    if !args.no_sample {
        let staff = demo::sample_staff();
        for period in demo::demo_periods() {
            demo::write_month(&args.dir, &staff, period)?;
        }
    }
    ctx.printer.line(&match ctx.lang {
        Lang::Zh => format!(
            "已创建工作区 {}\n下一步: paybatch --workspace {} validate --period 2026-03",
            args.dir.display(),
            args.dir.display()
        ),
        Lang::En => format!(
            "created workspace {}\nnext: paybatch --workspace {} validate --period 2026-03",
            args.dir.display(),
            args.dir.display()
        ),
    });
    Ok(ExitStatus::Ok)
}
