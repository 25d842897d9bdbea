//! One period end to end: validate → calculate → write the draft results
//! under `ledger/<period>/`. Shared by `run` and `demo`.

use std::path::PathBuf;

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::calc::{self, PeriodResult, Totals};
use crate::emit::{atomic, register};
use crate::error::Result;
use crate::i18n::Text;
use crate::ledger::{self, results};
use crate::model::Period;
use crate::rules::RuleSet;
use crate::rules::validation::Severity;
use crate::validate::{Finding, Tally, check_period};
use crate::workspace::Workspace;

/// Options for a run.
#[derive(Debug, Clone, Copy, Default)]
pub struct RunOptions {
    /// Compute but write nothing.
    pub dry_run: bool,
}

/// A written file and its sha256.
#[derive(Debug, Clone, Serialize)]
pub struct Output {
    pub path: PathBuf,
    pub sha256: String,
    pub bytes: usize,
}

/// What a run did.
#[derive(Debug)]
pub struct RunOutcome {
    pub period: Period,
    pub findings: Vec<Finding>,
    /// None when validation blocked the calculation.
    pub result: Option<PeriodResult>,
    pub outputs: Vec<Output>,
    /// Earlier periods of the tax year whose results fed the YTD figures.
    pub ytd_from: Vec<Period>,
}

impl RunOutcome {
    pub fn tally(&self) -> Tally {
        Tally::of(&self.findings)
    }

    pub fn totals(&self) -> Totals {
        self.result
            .as_ref()
            .map(|r| Totals::of(&r.employees))
            .unwrap_or_default()
    }

    pub fn blocked(&self) -> bool {
        self.tally().errors > 0
    }
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Validates, computes and (unless blocked or dry) writes the period's draft.
pub fn run_period(ws: &Workspace, rules: &RuleSet, period: Period, opts: RunOptions) -> Result<RunOutcome> {
    let (inputs, mut findings) = check_period(ws, rules, period)?;
    let mut outcome = RunOutcome {
        period,
        findings: Vec::new(),
        result: None,
        outputs: Vec::new(),
        ytd_from: Vec::new(),
    };
    if Tally::of(&findings).errors > 0 {
        outcome.findings = findings;
        return Ok(outcome);
    }
    let (prior, used) = ledger::prior_ytd(ws, period)?;
    let has_opening = inputs.of_kind("opening").next().is_some();
    let expected = period.month() as usize - 1;
    if used.len() < expected && !has_opening {
        findings.push(Finding {
            code: "C006".into(),
            severity: Severity::Warning,
            file: format!("ledger/{}", period.year()),
            sheet: String::new(),
            row: None,
            col: None,
            field: String::new(),
            value: String::new(),
            message: Text::new(
                format!(
                    "{} 年只找到 {} 个更早期间的结果 (应有 {expected} 个), 也没有期初累计文件; 累计预扣按缺失月份为零计算",
                    period.year(),
                    used.len()
                ),
                format!(
                    "only {} of the {expected} earlier periods of {} have results and there is no opening-balance file; missing months count as zero",
                    used.len(),
                    period.year()
                ),
            ),
            hint: Text::new(
                "先按月份顺序运行更早的期间, 或在 inputs 中放入「期初累计」文件",
                "run the earlier periods first, or add an opening-balance (期初累计) file",
            ),
        });
    }
    let result = calc::compute_period(rules, &inputs, period, &prior, None);
    findings.extend(result.findings.iter().cloned());
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    outcome.findings = findings;
    outcome.ytd_from = used;
    if !outcome.blocked() && !opts.dry_run {
        let dir = ws.ledger_dir(period);
        let files = [
            (results::RESULTS_FILE, results::to_csv(&result.employees)?),
            (
                "register.xlsx",
                register::register_xlsx(&ws.config.company.name, period, &result.employees)?,
            ),
        ];
        for (name, bytes) in files {
            let path = dir.join(name);
            atomic::write(&path, &bytes)?;
            outcome.outputs.push(Output {
                sha256: sha256_hex(&bytes),
                bytes: bytes.len(),
                path,
            });
        }
    }
    outcome.result = Some(result);
    Ok(outcome)
}
