//! One period end to end: validate → calculate → stream every output into a
//! staging folder (hashed as written) → publish by renaming the folder.
//! `run` publishes a draft, `close` seals, `audit` recomputes from a sealed
//! package and compares hashes. All three share [`compute`], so the bytes
//! they produce cannot drift apart.

use std::collections::HashMap;
use std::path::PathBuf;

use rayon::prelude::*;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::calc::iit::Ytd;
use crate::calc::{self, PeriodResult, Totals};
use crate::emit::sink::{OutDir, Written};
use crate::emit::xlsx::save_xlsx;
use crate::emit::{fields, journal, payslip, register, template};
use crate::error::{Error, Result};
use crate::i18n::Text;
use crate::ingest::inputs::InputSet;
use crate::ledger::{self, lock, results, state};
use crate::model::Period;
use crate::rules::RuleSet;
use crate::rules::validation::Severity;
use crate::validate::{Finding, Tally};
use crate::workspace::Workspace;

/// Options for a run.
#[derive(Debug, Clone, Copy, Default)]
pub struct RunOptions {
    /// Compute but write nothing.
    pub dry_run: bool,
    /// Run although an earlier month of the year was reopened and not
    /// closed again, or is stale; recorded in the log.
    pub allow_unsealed_prior: bool,
}

/// A written file and its sha256.
#[derive(Debug, Clone, Serialize)]
pub struct Output {
    pub path: PathBuf,
    pub sha256: String,
    pub bytes: u64,
}

/// Everything a computation produced; its outputs sit in the staging folder,
/// not yet published.
#[derive(Debug)]
pub struct Computed {
    pub period: Period,
    pub findings: Vec<Finding>,
    /// None when validation blocked the calculation.
    pub result: Option<PeriodResult>,
    /// Output files written into the staging folder, in a fixed order.
    pub files: Vec<Written>,
    /// What the calculation took over from earlier periods.
    pub carried: Carried,
    /// Earlier periods whose results fed `prior`.
    pub ytd_from: Vec<Period>,
    /// The sums of the results (zero when nothing was computed).
    pub totals: Totals,
}

/// What a run did.
#[derive(Debug)]
pub struct RunOutcome {
    pub computed: Computed,
    pub outputs: Vec<Output>,
}

impl RunOutcome {
    /// An outcome that stopped on `findings` before anything was computed.
    pub fn stopped(period: Period, findings: Vec<Finding>) -> RunOutcome {
        RunOutcome {
            computed: Computed {
                period,
                findings,
                result: None,
                files: Vec::new(),
                carried: Carried::default(),
                ytd_from: Vec::new(),
                totals: Totals::default(),
            },
            outputs: Vec::new(),
        }
    }

    pub fn period(&self) -> Period {
        self.computed.period
    }
    pub fn findings(&self) -> &[Finding] {
        &self.computed.findings
    }
    pub fn tally(&self) -> Tally {
        Tally::of(&self.computed.findings)
    }
    pub fn totals(&self) -> Totals {
        self.computed.totals
    }
    pub fn blocked(&self) -> bool {
        self.tally().errors > 0
    }
}

use crate::diag::peak_rss_mb;

/// Reads a period's inputs and runs every rule: structural findings from
/// reading plus rule findings, sorted.
pub fn check_period(
    ws: &crate::workspace::Workspace,
    rules: &RuleSet,
    period: Period,
) -> crate::Result<(InputSet, Vec<Finding>)> {
    let started = std::time::Instant::now();
    let (mut inputs, mut findings) = crate::ingest::inputs::load(ws, rules, period)?;
    tracing::debug!(
        seconds = started.elapsed().as_secs_f64(),
        rss_mb = crate::diag::rss_mb(),
        "read inputs"
    );
    let started = std::time::Instant::now();
    let earlier_in_ledger = (1..period.month())
        .filter_map(|m| Period::new(period.year(), m))
        .map(|p| crate::ledger::state::outputs_dir(ws, p))
        .collect::<crate::Result<Vec<_>>>()?
        .iter()
        .any(Option::is_some);
    let (checked, indexed) = crate::validate::validate_indexing(rules, &inputs, period, earlier_in_ledger);
    findings.extend(checked);
    inputs.keep_indexes(indexed);
    tracing::debug!(
        seconds = started.elapsed().as_secs_f64(),
        rss_mb = crate::diag::rss_mb(),
        "validated inputs"
    );
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    Ok((inputs, findings))
}

/// What a period takes over from earlier ones.
#[derive(Debug, Clone, Default)]
pub struct Carried {
    /// Year-to-date IIT figures to the previous month.
    pub ytd: HashMap<String, Ytd>,
    /// SI bases of the previous period (for base-change declarations).
    pub previous_si_base: HashMap<String, rust_decimal::Decimal>,
    /// Who already used the separate annual-bonus method this tax year.
    pub separate_bonus_used: std::collections::BTreeSet<String>,
}

/// Where the carried-over figures come from.
pub enum Prior {
    /// The earlier periods in this workspace's ledger.
    Ledger,
    /// Given figures (an audit uses the ones sealed with the period).
    Given(Carried),
}

/// Whether month `p` was computed from an opening-balance file: in its
/// sealed inputs, or in the workspace's (a draft; a close reads a
/// snapshot of the month it seals only).
fn opened_with_balances(ws: &Workspace, rules: &RuleSet, p: Period) -> bool {
    // A sealed month: only what it was sealed with counts (not a file
    // dropped into the workspace after the close).
    let sealed = ledger::state::outputs_dir(ws, p)
        .ok()
        .flatten()
        .and_then(|o| o.parent().map(|d| d.join("inputs")))
        .filter(|inputs| inputs.is_dir());
    let root = sealed.unwrap_or_else(|| ws.root.join("inputs"));
    crate::ingest::inputs::has_kind(&ws.with_inputs_from(&root), rules, p, "opening")
}

fn missing_months_finding(period: Period, found: usize) -> Finding {
    let expected = period.month() as usize - 1;
    Finding::about(
        "C006",
        Severity::Error,
        &format!("ledger/{}", period.year()),
        "",
        Text::new(
            format!(
                "{} 年更早的 {expected} 个期间中只有 {found} 个有计算结果, 也没有期初累计文件, 无法累计预扣个税",
                period.year()
            ),
            format!(
                "only {found} of the {expected} earlier periods of {} have results and there is no opening-balance file; cumulative withholding needs them",
                period.year()
            ),
        ),
        Text::new(
            "先按月份顺序运行更早的期间, 或在 inputs 中放入「期初累计」文件",
            "run the earlier periods first, or add an opening-balance (期初累计) file",
        ),
    )
}

/// Validates, computes and writes every output into `out`.
pub fn compute(ws: &Workspace, rules: &RuleSet, period: Period, prior: Prior, out: &OutDir) -> Result<Computed> {
    let started = std::time::Instant::now();
    let (inputs, findings) = check_period(ws, rules, period)?;
    tracing::info!(
        seconds = started.elapsed().as_secs_f64(),
        peak_rss_mb = peak_rss_mb(),
        "read and validated inputs"
    );
    compute_checked(ws, rules, period, inputs, findings, prior, out)
}

/// Everything after the inputs' own check that can block a run (the
/// earlier months, the calculation, the outputs' self-check), into a
/// scratch folder: `validate` reports in one pass what `run` would block
/// on. Returns those findings (none when the inputs already have errors:
/// nothing is computed from them).
pub fn check_run(ws: &Workspace, rules: &RuleSet, period: Period, inputs: InputSet) -> Result<Vec<Finding>> {
    let scratch = state::Staging::scratch()?;
    let computed = compute_checked(ws, rules, period, inputs, Vec::new(), Prior::Ledger, &scratch.out())?;
    Ok(computed.findings)
}

/// [`compute`] from inputs already read and checked (`findings`).
fn compute_checked(
    ws: &Workspace,
    rules: &RuleSet,
    period: Period,
    inputs: InputSet,
    mut findings: Vec<Finding>,
    prior: Prior,
    out: &OutDir,
) -> Result<Computed> {
    let mut computed = Computed {
        period,
        findings: Vec::new(),
        result: None,
        files: Vec::new(),
        carried: Carried::default(),
        ytd_from: Vec::new(),
        totals: Totals::default(),
    };
    if Tally::of(&findings).errors > 0 {
        computed.findings = findings;
        return Ok(computed);
    }
    let (carried, used) = match prior {
        Prior::Ledger => {
            let ledger::PriorYear {
                ytd,
                used,
                separate_bonus_used,
            } = ledger::prior_ytd(ws, period)?;
            let has_opening = inputs.of_kind("opening").next().is_some();
            // The year starts in January, or in the first month with results
            // when that month had an opening-balance file.
            let months_needed = match used.iter().min() {
                Some(first) if opened_with_balances(ws, rules, *first) => period.month() - first.month(),
                _ => period.month() - 1,
            };
            if used.len() < months_needed as usize && !has_opening {
                findings.push(missing_months_finding(period, used.len()));
                computed.findings = findings;
                return Ok(computed);
            }
            let previous_si_base = ledger::previous_si_base(ws, period)?;
            (
                Carried {
                    ytd,
                    previous_si_base,
                    separate_bonus_used,
                },
                used,
            )
        }
        Prior::Given(carried) => (carried, Vec::new()),
    };
    let started = std::time::Instant::now();
    // The input tables are freed as they are folded into employee-months.
    // The opening-balance file may say the method was used before paybatch.
    // It is carried on (sealed in ytd.csv, and in the results).
    let mut carried = carried;
    carried.separate_bonus_used.extend(opening_separate_used(&inputs));
    let result = calc::compute_period(rules, inputs, period, &carried.ytd, &carried.separate_bonus_used, None);
    tracing::info!(
        seconds = started.elapsed().as_secs_f64(),
        employees = result.employees.len(),
        peak_rss_mb = peak_rss_mb(),
        "computed"
    );
    findings.extend(result.findings.iter().cloned());
    findings.extend(calc::unconfirmed::used(rules, period, &result.employees));
    computed.totals = Totals::of(&result.employees);
    let started = std::time::Instant::now();
    let (files, emit_findings) = emit_all(ws, rules, period, &result.employees, &carried, out)?;
    tracing::info!(
        seconds = started.elapsed().as_secs_f64(),
        files = files.len(),
        peak_rss_mb = peak_rss_mb(),
        "rendered and self-checked outputs"
    );
    findings.extend(emit_findings);
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    computed.files = files;
    computed.findings = findings;
    computed.carried = carried;
    computed.ytd_from = used;
    computed.result = Some(result);
    Ok(computed)
}

/// Employees whose opening-balance row says the separate annual-bonus
/// method was already used this tax year.
fn opening_separate_used(inputs: &InputSet) -> Vec<String> {
    let mut out = Vec::new();
    for t in inputs.of_kind("opening") {
        let (Some(id), Some(flag)) = (t.field("employee_id"), t.field("separate_bonus_used")) else {
            continue;
        };
        for r in &t.records {
            if r.at(Some(flag)).as_bool() == Some(true) {
                out.push(r.at(Some(id)).display());
            }
        }
    }
    out
}

/// Writes every output of a period into `out`: results, register, journal,
/// the template files (bank, IIT, SI/HF), payslips. Each template output is
/// re-read from disk and checked; problems are findings.
pub fn emit_all(
    ws: &Workspace,
    rules: &RuleSet,
    period: Period,
    results: &[crate::calc::employee::EmployeeResult],
    carried: &Carried,
    out: &OutDir,
) -> Result<(Vec<Written>, Vec<Finding>)> {
    let ctx = fields::Context {
        period,
        config: &ws.config,
        previous_si_base: &carried.previous_si_base,
    };
    // Every output is an independent job weighed by its estimated time (its
    // rows times a row's cost, see `cost`); the jobs run on all cores,
    // heaviest first, and their results are kept in job order, so the
    // bytes and the file order are the same whatever the thread count.
    type Job<'a> = Box<dyn Fn() -> Result<(Vec<Written>, Vec<Finding>)> + Send + Sync + 'a>;
    let ctx = &ctx;
    let employees = results.len() as u64;
    let mut jobs: Vec<(&str, u64, Job<'_>)> = vec![
        (
            "results",
            employees * cost::RESULTS,
            Box::new(|| {
                let mut file = out.create(results::RESULTS_FILE)?;
                file = results::write_csv(results, file)?;
                Ok((vec![file.finish()?], Vec::new()))
            }),
        ),
        (
            "register",
            employees * cost::REGISTER,
            Box::new(|| {
                let mut wb = register::register_xlsx(&rules.register, &ws.config.company.name, period, results)?;
                Ok((vec![save_xlsx(&mut wb, out, "register.xlsx")?], Vec::new()))
            }),
        ),
        (
            "journal",
            employees * cost::JOURNAL,
            Box::new(|| {
                let (mut wb, findings) = journal::render(&rules.journal, results, ctx)?;
                Ok((vec![save_xlsx(&mut wb, out, "journal.xlsx")?], findings))
            }),
        ),
    ];
    // Each template's rows are chosen first (a pass over the results), so
    // that its job is weighed by its own row count: a city's list or the
    // month's joiners are a fraction of the payroll.
    let selected: Vec<_> = rules
        .templates
        .par_iter()
        .map(|t| template::select_rows(t, results, ctx))
        .collect();
    for (t, (rows, findings)) in rules.templates.iter().zip(selected) {
        let columns = t.columns.len() as u64;
        let row_cost = match t.format {
            crate::rules::template::FileFormat::Xlsx => cost::XLSX_ROW + columns * cost::XLSX_CELL,
            _ => cost::TEXT_ROW + columns * cost::TEXT_CELL,
        };
        jobs.push((
            &t.name,
            rows.len() as u64 * row_cost,
            Box::new(move || {
                let mut findings = findings.clone();
                if rows.is_empty() && !t.write_empty {
                    return Ok((Vec::new(), findings));
                }
                let (rendered, problems) = template::render_all(t, &rows, ctx, out)?;
                findings.extend(problems);
                Ok((rendered.into_iter().filter_map(|r| r.written).collect(), findings))
            }),
        ));
    }
    jobs.push((
        "payslips",
        employees * cost::PAYSLIPS,
        Box::new(|| {
            let mut wb = payslip::payslips_workbook(results, ctx)?;
            let mut files = vec![save_xlsx(&mut wb, out, "payslips/payslips.xlsx")?];
            for r in results.iter().filter(|_| ws.config.payslips.eml) {
                if let Some(mail) = payslip::eml(r, ctx) {
                    files.push(out.write(&format!("payslips/eml/{}.eml", r.employee_id), &mail)?);
                }
            }
            Ok((files, Vec::new()))
        }),
    ));
    let weights: Vec<u64> = jobs.iter().map(|(_, w, _)| *w).collect();
    let done = heaviest_first(&weights, |i| {
        let (name, _, job) = &jobs[i];
        let started = std::time::Instant::now();
        let done = job();
        tracing::debug!(output = name, seconds = started.elapsed().as_secs_f64(), "rendered");
        done
    });
    let mut files = Vec::new();
    let mut findings = Vec::new();
    for d in done {
        let (f, problems) = d?;
        files.extend(f);
        findings.extend(problems);
    }
    Ok((files, findings))
}

/// What one row of an output takes to render, in nanoseconds: measured at
/// a million employees on the 2-core bench machine (stop 18), with another
/// job running alongside. Only the ratios matter: they order the jobs so
/// that the two biggest start first and the cores finish together. With
/// fixed weights per output, the payslips started behind the IIT list and
/// ran alone for the last 10 s of a 60 s run.
mod cost {
    /// The register: a row of text and money columns per employee,
    /// department subtotals.
    pub const REGISTER: u64 = 30_000;
    /// The payslips workbook: a block of rows per employee.
    pub const PAYSLIPS: u64 = 29_000;
    /// results.csv.
    pub const RESULTS: u64 = 7_000;
    /// The journal: a pass over every result for a few dozen entries
    /// (0.12-0.17 s a million; weighed 0, it ran last, alone).
    pub const JOURNAL: u64 = 150;
    /// An xlsx template row, written and then re-read by the self-check,
    /// and each of its columns (IIT list: 29 columns, 14 s a million
    /// rows; HF list: 7 columns, 7 s).
    pub const XLSX_ROW: u64 = 4_800;
    pub const XLSX_CELL: u64 = 330;
    /// A CSV or fixed-width template row, and each of its columns (bank
    /// files: 4 columns, 1.4 s a million rows).
    pub const TEXT_ROW: u64 = 100;
    pub const TEXT_CELL: u64 = 330;
}

/// Runs `run(i)` for every job `i` on all cores, the heaviest first: each
/// worker takes the heaviest job not yet started, so a long job does not
/// start last and run alone. Returns the results in job order.
pub fn heaviest_first<T: Send + Sync>(weights: &[u64], run: impl Fn(usize) -> T + Sync) -> Vec<T> {
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(weights[i]));
    let next = std::sync::atomic::AtomicUsize::new(0);
    let slots: Vec<std::sync::OnceLock<T>> = weights.iter().map(|_| std::sync::OnceLock::new()).collect();
    rayon::scope(|s| {
        for _ in 0..rayon::current_num_threads().min(weights.len()) {
            s.spawn(|_| {
                while let Some(&i) = order.get(next.fetch_add(1, std::sync::atomic::Ordering::Relaxed)) {
                    let _ = slots[i].set(run(i));
                }
            });
        }
    });
    slots.into_iter().filter_map(std::sync::OnceLock::into_inner).collect()
}

/// Takes the workspace lock or fails with exit 4; then finishes any
/// close or reopen a crash left half done (see [`ledger::commit`]).
pub fn lock(ws: &Workspace, who: &ledger::log::Who) -> Result<lock::Lock> {
    let held = lock::acquire(ws)?.map_err(|l| Error::Locked { holder: l.holder })?;
    ledger::commit::recover_all(ws, who)?;
    Ok(held)
}

/// Refuses to touch a closed period (exit 5).
pub fn ensure_open(ws: &Workspace, period: Period) -> Result<()> {
    if state::is_closed(ws, period)? {
        return Err(Error::Closed {
            period: period.to_string(),
        });
    }
    Ok(())
}

/// Validates, computes and (unless blocked or dry) publishes the draft:
/// outputs streamed into a staging folder, renamed to the content-named
/// `ledger/<P>/draft-<hash>/`, then the state pointer switched to it.
pub fn run_period(
    ws: &Workspace,
    rules: &RuleSet,
    period: Period,
    opts: RunOptions,
    who: &ledger::log::Who,
) -> Result<RunOutcome> {
    ensure_open(ws, period)?;
    let earlier = ledger::chain::earlier_blockers(ws, period, false)?;
    if !earlier.is_empty() {
        if !opts.allow_unsealed_prior {
            return Ok(RunOutcome::stopped(period, earlier));
        }
        if !opts.dry_run {
            let months: Vec<String> = earlier.iter().map(|f| f.file.clone()).collect();
            ledger::log::append(
                ws,
                ledger::log::Event {
                    event: "allow-unsealed-prior",
                    period: period.to_string(),
                    version: None,
                    who: who.clone(),
                    reason: Some(format!("run --allow-unsealed-prior: {}", months.join(", "))),
                    manifest_sha256: None,
                    intent: None,
                },
            )?;
        }
    }
    let staging = if opts.dry_run {
        state::Staging::scratch()?
    } else {
        state::Staging::new(ws, period)?
    };
    let computed = compute(ws, rules, period, Prior::Ledger, &staging.out())?;
    let mut outcome = RunOutcome {
        computed,
        outputs: Vec::new(),
    };
    if outcome.blocked() || opts.dry_run || outcome.computed.result.is_none() {
        return Ok(outcome);
    }
    let files = &outcome.computed.files;
    let mut hasher = Sha256::new();
    for w in files {
        hasher.update(w.name.as_bytes());
        hasher.update(w.sha256.as_bytes());
    }
    let tag: String = hasher.finalize().iter().take(6).map(|b| format!("{b:02x}")).collect();
    let name = format!("draft-{tag}");
    // A reopened month's draft keeps the reopen record that made it one.
    let log_sha256 = state::read(ws, period)?.and_then(|s| s.log_sha256);
    let dir = staging.publish(&name)?;
    state::write(
        ws,
        period,
        &state::State {
            status: state::Status::Draft,
            dir: Some(name),
            version: None,
            manifest_sha256: None,
            log_sha256,
        },
    )?;
    state::collect_garbage(ws, period)?;
    outcome.outputs = files
        .iter()
        .map(|w| Output {
            path: dir.join(&w.name),
            sha256: w.sha256.clone(),
            bytes: w.bytes,
        })
        .collect();
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::heaviest_first;

    /// Results come back in job order; on one thread the jobs run heaviest
    /// first (equal weights in job order).
    #[test]
    fn jobs_run_heaviest_first_and_return_in_order() {
        let weights = [3, 30, 0, 12, 30];
        let ran = std::sync::Mutex::new(Vec::new());
        let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
        let out = pool.install(|| {
            heaviest_first(&weights, |i| {
                ran.lock().unwrap_or_else(|e| e.into_inner()).push(i);
                i * 10
            })
        });
        assert_eq!(out, [0, 10, 20, 30, 40]);
        assert_eq!(ran.into_inner().unwrap_or_else(|e| e.into_inner()), [1, 4, 3, 0, 2]);
        let on_all_cores = heaviest_first(&weights, |i| i);
        assert_eq!(on_all_cores, [0, 1, 2, 3, 4]);
    }
}
