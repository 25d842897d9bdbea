//! Calc kernel: employee-months per second on one core (no I/O). Run with
//! `cargo bench --bench calc`; the scale script reports it per core. The
//! months mix common ones (the fast path) with joiners, leavers and leave
//! in the demo generator's shares (the reference path).

// A bench may unwrap its fixed setup.
#![allow(clippy::unwrap_used)]

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use paybatch::calc::context::PeriodRules;
use paybatch::calc::employee::compute_figures;
use paybatch::calc::input::{EmployeeMonth, LineAt, VarLine};
use paybatch::model::{Date, Period};
use paybatch::rules::RuleSet;
use rust_decimal::Decimal;

/// The allocator the `paybatch` binary runs with, so that the kernel is
/// measured as it runs there (each result allocates its SI lines).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn employees(n: usize) -> Vec<EmployeeMonth> {
    let cities = ["北京", "上海", "广州", "杭州"];
    (0..n)
        .map(|i| {
            let base = Decimal::from(6000 + (i as i64 * 37) % 30000);
            let mut e = EmployeeMonth::new(
                &format!("B{i:07}"),
                cities[i % 4],
                Date::new(2020, 1, 1).unwrap_or(Date::EPOCH),
                base,
            );
            e.si_base = Some(base);
            e.hf_base = Some(base);
            e.hf_rate = Some(Decimal::new(if i % 4 == 1 { 7 } else { 12 }, 2));
            e.attendance.ot_workday_hours = Decimal::from((i % 5) as i64 * 2);
            // The generator's mix: 2% joiners and 2% leavers this month, 5%
            // with a day of unpaid leave, 5% with two sick days. These take
            // the reference path; the rest the whole-fen fast path.
            match (i % 50, i % 20) {
                (0, _) => e.hire_date = Date::new(2026, 3, 5).unwrap_or(Date::EPOCH),
                (1, _) => e.leave_date = Date::new(2026, 3, 20),
                (_, 2) => e.attendance.unpaid_leave_days = Decimal::ONE,
                (_, 3) => e.attendance.sick_leave_days = Decimal::TWO,
                _ => {}
            }
            e.additional[0] = Decimal::from(if i % 3 == 0 { 2000 } else { 0 });
            e.lines.push(VarLine {
                item: "餐补".into(),
                amount: Decimal::from(500),
                belongs_to: None,
                origin: LineAt {
                    file: "v".into(),
                    sheet: "s".into(),
                    row: i as u32,
                },
            });
            e
        })
        .collect()
}

fn kernel(c: &mut Criterion) {
    let rules = RuleSet::builtin().unwrap();
    let period = Period::new(2026, 3).unwrap_or_else(|| panic!("period"));
    let pr = PeriodRules::resolve(&rules, period);
    let staff = employees(10_000);
    let mut group = c.benchmark_group("calc");
    group.throughput(Throughput::Elements(staff.len() as u64));
    group.sample_size(20);
    group.bench_function("employee_month_x10000_one_core", |b| {
        b.iter(|| {
            for e in &staff {
                black_box(compute_figures(black_box(e), &pr, None, false));
            }
        })
    });
    group.finish();
}

criterion_group!(benches, kernel);
criterion_main!(benches);
