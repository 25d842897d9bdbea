//! Invariants over random employees: the net-pay identity to the fen,
//! withholding never negative, cumulative tax never decreasing, and results
//! independent of employee order and thread count.

use std::collections::HashMap;

use paybatch::calc::context::PeriodRules;
use paybatch::calc::employee::compute;
use paybatch::calc::input::{EmployeeMonth, LineAt, VarLine};
use paybatch::calc::{compute_period, iit::Ytd};
use paybatch::ledger::results::to_csv;
use paybatch::model::{Date, Period};
use paybatch::pipeline::check_period;
use paybatch::rules::RuleSet;
use paybatch::workspace::Workspace;
use proptest::prelude::*;
use rust_decimal::Decimal;

fn cents(v: i64) -> Decimal {
    Decimal::new(v, 2)
}

fn line(item: &str, amount: Decimal) -> VarLine {
    VarLine {
        item: item.into(),
        amount,
        belongs_to: None,
        origin: LineAt {
            file: "v.xlsx".into(),
            sheet: "s".into(),
            row: 1,
        },
    }
}

const CITIES: [&str; 4] = ["北京", "上海", "广州", "杭州"];

prop_compose! {
    fn employee()(
        city in 0usize..4,
        base in 100_000i64..20_000_000,
        si in 0i64..5_000_000,
        allowance in 0i64..500_000,
        bonus in prop::option::of(0i64..50_000_000),
        post in 0i64..300_000,
        unpaid in 0i64..5,
        ot in 0i64..40,
        hire_day in 1u32..28,
        hired_this_month in any::<bool>(),
    ) -> EmployeeMonth {
        let hire = if hired_this_month { Date::new(2026, 3, hire_day) } else { Date::new(2021, 3, hire_day) };
        let mut e = EmployeeMonth::new("P1", CITIES[city], hire.unwrap_or(Date::EPOCH), cents(base));
        e.si_base = Some(cents(si));
        e.attendance.unpaid_leave_days = Decimal::from(unpaid);
        e.attendance.ot_workday_hours = Decimal::from(ot);
        e.lines.push(line("岗位津贴", cents(allowance)));
        e.lines.push(line("税后扣款", cents(post)));
        if let Some(b) = bonus {
            e.lines.push(line("全年一次性奖金", cents(b)));
        }
        e
    }
}

fn rules() -> RuleSet {
    RuleSet::builtin().unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn net_identity_to_the_fen(e in employee()) {
        let rules = rules();
        let p = Period::new(2026, 3).unwrap_or_else(|| panic!());
        let r = compute(&e, &PeriodRules::resolve(&rules, p), None, false);
        prop_assert!(r.iit.get() >= Decimal::ZERO && r.bonus_tax.get() >= Decimal::ZERO);
        prop_assert_eq!(
            r.net.get() + r.si_employee.get() + r.iit.get() + r.bonus_tax.get() + r.post_tax_deduction.get() + r.damage_deduction.get(),
            r.total_pay.get()
        );
        prop_assert_eq!(r.employer_cost.get(), r.total_pay.get() + r.si_employer.get());
        // Every money figure is whole fen.
        for v in [r.net.get(), r.gross.get(), r.si_employee.get(), r.si_employer.get(), r.iit.get(), r.bonus_tax.get()] {
            prop_assert_eq!(v, v.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::ToZero));
        }
    }

    #[test]
    fn cumulative_tax_never_decreases(wages in prop::collection::vec(0i64..10_000_000, 12), city in 0usize..4) {
        let rules = rules();
        let mut prior: Option<Ytd> = None;
        let mut last = Decimal::ZERO;
        for (i, w) in wages.iter().enumerate() {
            let p = Period::new(2026, i as u32 + 1).unwrap_or_else(|| panic!());
            let e = EmployeeMonth::new("P1", CITIES[city], Date::new(2020, 1, 1).unwrap_or(Date::EPOCH), cents(*w));
            let r = compute(&e, &PeriodRules::resolve(&rules, p), prior.as_ref(), false);
            prop_assert!(r.iit.get() >= Decimal::ZERO);
            prop_assert!(r.ytd.tax_withheld.get() >= last);
            prop_assert_eq!(r.ytd.tax_withheld.get(), last + r.iit.get());
            last = r.ytd.tax_withheld.get();
            prior = Some(r.ytd.get());
        }
    }
}

#[test]
fn results_do_not_depend_on_thread_count_or_employee_order() {
    let dir = crate::util::tempdir();
    paybatch::demo::write_workspace(dir.path()).unwrap();
    let ws = Workspace::open(dir.path()).unwrap();
    let rules = ws.rules().unwrap();
    let period = Period::new(2026, 3).unwrap_or_else(|| panic!());
    let (mut inputs, _) = check_period(&ws, &rules, period).unwrap();
    let prior = HashMap::new();
    let run_with = |threads: usize, inputs: &paybatch::ingest::inputs::InputSet| {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        let mut result =
            pool.install(|| compute_period(&rules, inputs.clone(), period, &prior, &Default::default(), None));
        result.employees.sort_by(|a, b| a.employee_id.cmp(&b.employee_id));
        to_csv(&result.employees).unwrap()
    };
    let one = run_with(1, &inputs);
    let three = run_with(3, &inputs);
    assert!(one == three, "1 vs 3 threads differ");
    for t in inputs.tables_mut() {
        t.records.reverse();
    }
    let reversed = run_with(2, &inputs);
    assert!(one == reversed, "employee order changed the results");
    assert!(one.len() > 10_000);
}
