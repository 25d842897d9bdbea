//! `paybatch gen`: a large, realistic workspace for benchmarks and tests.

use std::path::PathBuf;
use std::time::Instant;

use clap::Args;

use super::{Ctx, ExitStatus};
use crate::demo::generator::{GenFormat, GenOptions, generate};
use crate::i18n::Lang;
use crate::model::Period;

/// Generate a workspace of N employees for one period (four cities,
/// joiners, leavers, attendance, variable pay, special deductions),
/// deterministic from the seed.
///
/// Examples:
///   paybatch gen --employees 100000 --period 2026-01 --out /tmp/big
///   paybatch gen --employees 2000 --period 2026-01 --out ws --input-format xlsx --error-percent 2
#[derive(Debug, Args)]
pub struct GenArgs {
    /// Number of employees
    #[arg(long, short = 'n')]
    pub employees: usize,
    /// Period, YYYY-MM / 期间
    #[arg(long, short = 'p')]
    pub period: Period,
    /// Workspace folder to create
    #[arg(long, short = 'o')]
    pub out: PathBuf,
    /// Overwrite a folder that is not empty
    #[arg(long)]
    pub force: bool,
    /// Input file format
    #[arg(long = "input-format", value_enum, default_value_t = GenFormat::Csv)]
    pub input_format: GenFormat,
    /// Seed for the generator
    #[arg(long, default_value_t = 2026)]
    pub seed: u64,
    /// Percent of roster rows with a realistic mistake
    #[arg(long, default_value_t = 0)]
    pub error_percent: u32,
}

pub fn run(ctx: &Ctx, args: GenArgs) -> anyhow::Result<ExitStatus> {
    let started = Instant::now();
    super::claim_target(ctx, &args.out, args.force)?;
    let planted = generate(
        &args.out,
        &GenOptions {
            employees: args.employees,
            period: args.period,
            format: args.input_format,
            seed: args.seed,
            error_percent: args.error_percent,
        },
    )?;
    ctx.printer.line(&match ctx.lang {
        Lang::Zh => format!(
            "已生成 {} 名员工 ({}), {planted} 行含故意错误, 用时 {:.1} 秒: {}",
            args.employees,
            args.period,
            started.elapsed().as_secs_f32(),
            args.out.display()
        ),
        Lang::En => format!(
            "generated {} employees ({}), {planted} rows with planted mistakes, in {:.1} s: {}",
            args.employees,
            args.period,
            started.elapsed().as_secs_f32(),
            args.out.display()
        ),
    });
    Ok(ExitStatus::Ok)
}
