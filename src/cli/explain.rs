//! `paybatch explain`: every figure of one employee-month with its inputs,
//! rule, formula, value before rounding and the rounding applied.

use clap::Args;

use super::{Ctx, ExitStatus, Format};
use crate::calc::compute_period;
use crate::i18n::Lang;
use crate::ledger;
use crate::model::Period;
use crate::pipeline::check_period;
use crate::workspace::Workspace;

/// Explain how each figure of an employee's month was computed.
///
/// Examples:
///   paybatch explain --period 2026-03 --employee E0042
///   paybatch explain --period 2026-03 --employee E0042 --format json
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// Period, YYYY-MM / 期间
    #[arg(long, short = 'p')]
    pub period: Period,
    /// Employee ID / 工号
    #[arg(long, short = 'e')]
    pub employee: String,
}

pub fn run(ctx: &Ctx, args: ExplainArgs) -> anyhow::Result<ExitStatus> {
    let zh = ctx.lang == Lang::Zh;
    let ws = Workspace::open(&ctx.workspace)?;
    let rules = ws.rules()?;
    let (inputs, _) = check_period(&ws, &rules, args.period)?;
    let prior_year = ledger::prior_ytd(&ws, args.period)?;
    let prior = prior_year.ytd;
    let result = compute_period(
        &rules,
        inputs,
        args.period,
        &prior,
        &prior_year.separate_bonus_used,
        Some(&args.employee),
    );
    let Some(r) = result.employees.iter().find(|r| r.employee_id == args.employee) else {
        return Err(crate::Error::Usage(if zh {
            format!("{} 没有工号为 {} 的在职员工", args.period, args.employee)
        } else {
            format!("no employee {} on the {} payroll", args.employee, args.period)
        })
        .into());
    };
    if ctx.format == Format::Json {
        ctx.printer.json(&serde_json::json!({
            "period": args.period.to_string(),
            "employee": r,
            "trace": r.trace(),
        }));
        return Ok(ExitStatus::Ok);
    }
    let mut out = format!("{} {} {} ({})\n", args.period, r.employee_id, r.name, r.city);
    for line in r.trace() {
        out.push_str(&format!(
            "\n{} = {}\n",
            line.label.get(ctx.lang),
            line.value.normalize()
        ));
        if !line.formula.is_empty() {
            out.push_str(&format!(
                "  {}: {}\n",
                if zh { "公式" } else { "formula" },
                line.formula
            ));
        }
        for (k, v) in &line.inputs {
            out.push_str(&format!("    {k} = {v}\n"));
        }
        if let (Some(raw), Some(rounding)) = (line.raw, &line.rounding) {
            let (name, rounded) = match &line.rounded_figure {
                Some((name, v)) => (format!("{name} "), *v),
                None => (String::new(), line.value),
            };
            out.push_str(&format!(
                "  {}: {name}{} → {} ({})\n",
                if zh { "舍入" } else { "rounding" },
                raw.normalize(),
                rounded.normalize(),
                rounding.get(ctx.lang)
            ));
        }
        if !line.rule.is_empty() {
            out.push_str(&format!("  {}: {}\n", if zh { "规则" } else { "rule" }, line.rule));
        }
    }
    ctx.printer.out(&out);
    Ok(ExitStatus::Ok)
}
