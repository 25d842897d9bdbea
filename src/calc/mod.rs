//! Calculation: pure functions over one employee-month. Gross pay,
//! social insurance and housing fund, cumulative IIT, annual bonus, net pay,
//! each figure with its trace for `explain`.

pub mod columns;
pub mod context;
mod deduction_caps;
pub mod employee;
/// Company formulas are evaluated where the rules are read.
pub use crate::rules::expr;
mod fast;
pub mod fixed;
pub mod iit;
pub mod input;
pub mod trace;
pub mod unconfirmed;

use std::collections::HashMap;

use rayon::prelude::*;

use crate::i18n::Text;
use crate::ingest::inputs::InputSet;
use crate::model::Period;
use crate::rules::RuleSet;
use crate::rules::validation::Severity;
use crate::validate::Finding;
use context::PeriodRules;
use employee::EmployeeResult;
use iit::Ytd;

/// A computed period: one result per employee on the payroll (roster order)
/// and the calculation's findings.
#[derive(Debug, Clone)]
pub struct PeriodResult {
    pub period: Period,
    pub employees: Vec<EmployeeResult>,
    pub findings: Vec<Finding>,
}

/// Computes every employee of the period in parallel. `prior` holds each
/// employee's cumulative figures to the previous month (from the ledger);
/// opening balances in the inputs fill in for employees not in it.
/// `separate_bonus_used`: who already had an annual bonus taxed separately
/// this tax year (a second one is merged).
/// `trace_for` turns on the explain trace for one employee ID. Each month
/// is built and computed in one step ([`input::assemble`]), so the months
/// and the results never both peak.
pub fn compute_period(
    rules: &RuleSet,
    inputs: InputSet,
    period: Period,
    prior: &HashMap<String, Ytd>,
    separate_bonus_used: &std::collections::BTreeSet<String>,
    trace_for: Option<&str>,
) -> PeriodResult {
    let pr = PeriodRules::resolve(rules, period);
    let mut findings = Vec::new();
    let employees: Vec<EmployeeResult> = input::assemble(
        inputs,
        |head| {
            let employed =
                head.hire_date <= period.last_day() && head.leave_date.is_none_or(|l| l >= period.first_day());
            if !employed {
                findings.push(not_employed(head, period));
            }
            employed
        },
        |mut e| {
            e.separate_bonus_used = separate_bonus_used.contains(e.employee_id.as_str());
            let ytd = prior
                .get(e.employee_id.as_str())
                .copied()
                .or(e.prior.as_deref().copied());
            let trace_on = trace_for == Some(e.employee_id.as_str());
            let held = deduction_caps::hold(&mut e, &pr, ytd.as_ref());
            let mut r = employee::compute_owned(e, &pr, ytd.as_ref(), trace_on);
            held.into_iter().for_each(|f| r.note(f));
            r
        },
    );
    findings.extend(employees.iter().flat_map(|r| r.findings().iter().cloned()));
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    PeriodResult {
        period,
        employees,
        findings,
    }
}

/// A roster row whose employment does not overlap the period.
fn not_employed(head: &input::Head<'_>, period: Period) -> Finding {
    let origin = head.origin();
    Finding {
        code: "C005".into(),
        severity: Severity::Warning,
        file: origin.file.to_string(),
        sheet: origin.sheet.to_string(),
        row: Some(origin.row),
        col: None,
        field: head.employee_id.to_string(),
        value: String::new(),
        message: Text::new(
            format!(
                "{} {} 本期不在职 (入职 {}, 离职 {:?}), 未计薪",
                head.employee_id,
                head.name,
                head.hire_date,
                head.leave_date.map(|d| d.to_string())
            ),
            format!(
                "{} {} is not employed in {period}; not paid",
                head.employee_id, head.name
            ),
        ),
        hint: Text::new(
            "离职次月起请从花名册移除",
            "remove leavers from the roster after their last month",
        ),
    }
}

/// Sums of the main figures.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Totals {
    pub employees: usize,
    pub gross: rust_decimal::Decimal,
    pub total_pay: rust_decimal::Decimal,
    pub si_employee: rust_decimal::Decimal,
    pub si_employer: rust_decimal::Decimal,
    pub iit: rust_decimal::Decimal,
    pub bonus_tax: rust_decimal::Decimal,
    pub net: rust_decimal::Decimal,
    pub employer_cost: rust_decimal::Decimal,
}

impl Totals {
    /// The sums over `results`, added up on all cores (exact decimals: the
    /// grouping cannot change a sum).
    pub fn of(results: &[EmployeeResult]) -> Totals {
        let mut t = results
            .par_chunks(1 << 14)
            .map(Totals::of_chunk)
            .reduce(Totals::default, Totals::plus);
        for v in [
            &mut t.gross,
            &mut t.total_pay,
            &mut t.si_employee,
            &mut t.si_employer,
            &mut t.iit,
            &mut t.bonus_tax,
            &mut t.net,
            &mut t.employer_cost,
        ] {
            // Sums of fen amounts: show and serialise with exactly two decimals.
            v.rescale(2);
        }
        t
    }

    fn of_chunk(results: &[EmployeeResult]) -> Totals {
        let mut t = Totals {
            employees: results.len(),
            ..Totals::default()
        };
        for r in results {
            t.gross += r.gross.get();
            t.total_pay += r.total_pay.get();
            t.si_employee += r.si_employee.get();
            t.si_employer += r.si_employer.get();
            t.iit += r.iit.get();
            t.bonus_tax += r.bonus_tax.get();
            t.net += r.net.get();
            t.employer_cost += r.employer_cost.get();
        }
        t
    }

    fn plus(self, o: Totals) -> Totals {
        Totals {
            employees: self.employees + o.employees,
            gross: self.gross + o.gross,
            total_pay: self.total_pay + o.total_pay,
            si_employee: self.si_employee + o.si_employee,
            si_employer: self.si_employer + o.si_employer,
            iit: self.iit + o.iit,
            bonus_tax: self.bonus_tax + o.bonus_tax,
            net: self.net + o.net,
            employer_cost: self.employer_cost + o.employer_cost,
        }
    }
}
/// Memory at a million employees is per-row size times a million: these
/// guard the sizes the 1M benchmark was measured with.
#[cfg(all(test, target_pointer_width = "64"))]
mod size_guard {
    use std::mem::size_of;

    #[test]
    fn per_row_types_stay_small() {
        // A typed input cell: one compact string, with every other variant in its niche.
        assert_eq!(size_of::<crate::ingest::table::Value>(), 24);
        assert_eq!(size_of::<crate::ingest::table::Record>(), 24);
        assert!(size_of::<super::input::EmployeeMonth>() <= 584);
        // Shared identity texts are 8-byte `Sym`s.
        assert!(size_of::<super::employee::EmployeeResult>() <= 640);
        assert_eq!(size_of::<super::employee::SiLine>(), 32);
        assert_eq!(size_of::<super::input::VarLine>(), 64);
    }
}
