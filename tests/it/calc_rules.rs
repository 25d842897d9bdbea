//! Hand-computed figures: SI/HF per city on and around the floor and cap,
//! every rounding mode, proration, joiners, leavers, rehires, the 60k and
//! first-job rules, the annual bonus and the findings that must not pass.

use paybatch::calc::context::PeriodRules;
use paybatch::calc::employee::{EmployeeResult, compute};
use paybatch::calc::iit::Ytd;
use paybatch::calc::input::{EmployeeMonth, LineAt, VarLine};
use paybatch::model::{Date, Period, Precision, RoundMode, Rounding};
use paybatch::rules::RuleSet;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

fn rules() -> RuleSet {
    RuleSet::builtin().unwrap()
}

fn period(y: i32, m: u32) -> Period {
    Period::new(y, m).unwrap_or_else(|| panic!("period"))
}

fn date(y: i32, m: u32, d: u32) -> Date {
    Date::new(y, m, d).unwrap_or_else(|| panic!("date"))
}

fn employee(city: &str, base: Decimal, si_base: Decimal) -> EmployeeMonth {
    let mut e = EmployeeMonth::new("T1", city, date(2020, 1, 1), base);
    e.si_base = Some(si_base);
    e.hf_base = Some(si_base);
    e
}

fn run(rules: &RuleSet, e: &EmployeeMonth, p: Period, prior: Option<&Ytd>) -> EmployeeResult {
    compute(e, &PeriodRules::resolve(rules, p), prior, true)
}

/// (base, employee, employer) of an item.
fn si(r: &EmployeeResult, key: &str) -> (Decimal, Decimal, Decimal) {
    r.si.iter()
        .find(|l| l.key() == key)
        .map(|l| (l.base.get(), l.employee.dec(), l.employer.dec()))
        .unwrap_or_else(|| panic!("no item {key} in {:?}", r.si))
}

#[test]
fn beijing_below_floor_pays_on_the_floor() {
    let r = run(
        &rules(),
        &employee("北京", dec!(5000), dec!(5000)),
        period(2026, 3),
        None,
    );
    assert_eq!(si(&r, "pension"), (dec!(7162), dec!(572.96), dec!(1145.92)));
    // 7162 × 2% + 3 = 146.24; 7162 × 9.8% = 701.876 → 701.88
    assert_eq!(si(&r, "medical"), (dec!(7162), dec!(146.24), dec!(701.88)));
    assert_eq!(si(&r, "unemployment"), (dec!(7162), dec!(35.81), dec!(35.81)));
    assert_eq!(si(&r, "work_injury"), (dec!(7162), dec!(0), dec!(28.65)));
    // HF floor is 2,540: a 5,000 base is inside; 12% both sides.
    assert_eq!(si(&r, "housing_fund"), (dec!(5000), dec!(600), dec!(600)));
    assert_eq!(
        r.si_employee.get(),
        dec!(572.96) + dec!(146.24) + dec!(35.81) + dec!(600)
    );
}

#[test]
fn beijing_exactly_on_the_floor_and_cap() {
    let rules = rules();
    let on_floor = run(&rules, &employee("北京", dec!(7162), dec!(7162)), period(2026, 3), None);
    assert_eq!(si(&on_floor, "pension").0, dec!(7162));
    let on_cap = run(
        &rules,
        &employee("北京", dec!(35811), dec!(35811)),
        period(2026, 3),
        None,
    );
    assert_eq!(si(&on_cap, "pension"), (dec!(35811), dec!(2864.88), dec!(5729.76)));
    let above = run(
        &rules,
        &employee("北京", dec!(50000), dec!(50000)),
        period(2026, 3),
        None,
    );
    assert_eq!(si(&above, "pension"), si(&on_cap, "pension"));
    // 35811 × 2% + 3 = 719.22
    assert_eq!(si(&above, "medical").1, dec!(719.22));
    assert_eq!(si(&above, "housing_fund"), (dec!(35811), dec!(4297.32), dec!(4297.32)));
    // One yuan above the floor is not clamped.
    let just_above = run(&rules, &employee("北京", dec!(7163), dec!(7163)), period(2026, 3), None);
    assert_eq!(si(&just_above, "pension"), (dec!(7163), dec!(573.04), dec!(1146.08)));
}

/// A declared base with more places than fen leaves the integer fast path;
/// the shares are still rounded to whole fen and add up to the totals.
#[test]
fn a_base_finer_than_fen_still_gives_whole_fen_shares() {
    let r = run(
        &rules(),
        &employee("北京", dec!(10000), dec!(10000.005)),
        period(2026, 3),
        None,
    );
    // 10000.005 × 8% = 800.0004 → 800.00; × 16% = 1600.0008 → 1600.00
    assert_eq!(si(&r, "pension"), (dec!(10000.005), dec!(800.00), dec!(1600.00)));
    // 10000.005 × 2% + 3 = 203.0001 → 203.00; × 9.8% = 980.00049 → 980.00
    assert_eq!(si(&r, "medical"), (dec!(10000.005), dec!(203.00), dec!(980.00)));
    let (employee, employer) = r.si.iter().fold((Decimal::ZERO, Decimal::ZERO), |(ee, er), l| {
        (ee + l.employee.dec(), er + l.employer.dec())
    });
    assert_eq!((r.si_employee.get(), r.si_employer.get()), (employee, employer));
    assert!(r.findings().is_empty(), "{:?}", r.findings());
}

/// A figure too large to keep exactly is an error finding, not a figure
/// cut short.
#[test]
fn a_figure_too_large_to_keep_is_an_error() {
    let r = run(
        &rules(),
        &employee("北京", dec!(1_000_000_000_000_000_000), dec!(10000)),
        period(2026, 3),
        None,
    );
    assert!(r.findings().iter().any(|f| f.code == "C007"), "{:?}", r.findings());
    let fine = run(
        &rules(),
        &employee("北京", dec!(10000), dec!(10000)),
        period(2026, 3),
        None,
    );
    assert!(
        fine.findings().iter().all(|f| f.code != "C007"),
        "{:?}",
        fine.findings()
    );
}

#[test]
fn beijing_rules_follow_the_period() {
    // 2025-03 is in the 2024-07 → 2025-06 year: floor 6,821.
    let r = run(
        &rules(),
        &employee("北京", dec!(5000), dec!(5000)),
        period(2025, 3),
        None,
    );
    assert_eq!(si(&r, "pension").0, dec!(6821));
    // 2026-07 onwards: floor 7,270, cap 36,348.
    let r = run(
        &rules(),
        &employee("北京", dec!(50000), dec!(50000)),
        period(2026, 7),
        None,
    );
    assert_eq!(si(&r, "pension").0, dec!(36348));
}

#[test]
fn shanghai_housing_fund_rounds_to_the_yuan() {
    let rules = rules();
    let mut low = employee("上海", dec!(5000), dec!(5000));
    low.hf_base = Some(dec!(2000));
    low.hf_rate = Some(dec!(0.07));
    let r = run(&rules, &low, period(2026, 3), None);
    // 2,690 × 7% = 188.3 → 188 each side (the published 376 total).
    assert_eq!(si(&r, "housing_fund"), (dec!(2690), dec!(188), dec!(188)));
    assert_eq!(si(&r, "pension").0, dec!(7460));
    let mut high = employee("上海", dec!(60000), dec!(60000));
    high.hf_rate = Some(dec!(0.12)); // above Shanghai's 7% maximum → 7%
    let r = run(&rules, &high, period(2026, 3), None);
    // 37,302 × 7% = 2,611.14 → 2,611 each side (the published 5,222 total).
    assert_eq!(si(&r, "housing_fund"), (dec!(37302), dec!(2611), dec!(2611)));
    assert_eq!(si(&r, "medical"), (dec!(37302), dec!(746.04), dec!(3357.18)));
}

#[test]
fn guangzhou_uses_separate_pension_and_medical_bases() {
    let r = run(
        &rules(),
        &employee("广州", dec!(40000), dec!(40000)),
        period(2026, 3),
        None,
    );
    assert_eq!(si(&r, "pension"), (dec!(27549), dec!(2203.92), dec!(4132.35)));
    assert_eq!(si(&r, "medical"), (dec!(31179), dec!(623.58), dec!(1668.08)));
    // 27,549 × 0.2% = 55.098 → 55.10
    assert_eq!(si(&r, "unemployment").1, dec!(55.10));
}

#[test]
fn hangzhou_floor() {
    let r = run(
        &rules(),
        &employee("杭州", dec!(4000), dec!(4000)),
        period(2026, 3),
        None,
    );
    assert_eq!(si(&r, "pension"), (dec!(4986), dec!(398.88), dec!(797.76)));
    assert_eq!(si(&r, "medical"), (dec!(4986), dec!(99.72), dec!(473.67)));
}

#[test]
fn every_rounding_mode_from_the_rule_file() {
    let e = employee("北京", dec!(7163), dec!(7163)); // pension employee raw 573.04
    let cases = [
        (Precision::Fen, RoundMode::HalfUp, dec!(573.04)),
        (Precision::Jiao, RoundMode::HalfUp, dec!(573.0)),
        (Precision::Jiao, RoundMode::Up, dec!(573.1)),
        (Precision::Jiao, RoundMode::Down, dec!(573.0)),
        (Precision::Yuan, RoundMode::HalfUp, dec!(573)),
        (Precision::Yuan, RoundMode::Up, dec!(574)),
    ];
    for (to, mode, want) in cases {
        let mut rules = rules();
        for city in &mut rules.cities {
            for item in &mut city.items {
                item.rounding = Rounding::new(to, mode);
            }
        }
        let r = run(&rules, &e, period(2026, 3), None);
        assert_eq!(si(&r, "pension").1, want, "{to:?} {mode:?}");
    }
    // Half-even differs from half-up only on a midpoint: 7,162.5 × 8% = 573.00,
    // so use the medical employer share: 7,175 × 9.8% = 703.15 → jiao.
    let mut rules = rules();
    for city in &mut rules.cities {
        for item in &mut city.items {
            item.rounding = Rounding::new(Precision::Jiao, RoundMode::HalfEven);
        }
    }
    let r = run(&rules, &employee("北京", dec!(7175), dec!(7175)), period(2026, 3), None);
    assert_eq!(si(&r, "medical").2, dec!(703.2));
}

#[test]
fn leaver_is_prorated_by_working_days() {
    let mut e = employee("北京", dec!(22000), dec!(22000));
    e.leave_date = Some(date(2026, 3, 13));
    let r = run(&rules(), &e, period(2026, 3), None);
    // March 2026 has 22 weekdays; 2–13 March holds 10 of them.
    assert_eq!(r.base_pay.get(), dec!(10000));
    assert_eq!(r.days_employed, 13);
}

#[test]
fn mid_year_joiner_basic_deduction_counts_from_the_hire_month() {
    let rules = rules();
    let mut e = employee("北京", dec!(20000), dec!(20000));
    e.hire_date = date(2026, 6, 1);
    let june = run(&rules, &e, period(2026, 6), None);
    assert_eq!(june.ytd.basic.get(), dec!(5000));
    assert_eq!(june.ytd.months, 1);
    let july = run(&rules, &e, period(2026, 7), Some(&june.ytd.get()));
    assert_eq!(july.ytd.basic.get(), dec!(10000));
    // A joiner on 15 June is paid 12 of June's 22 weekdays.
    e.hire_date = date(2026, 6, 15);
    let part = run(&rules, &e, period(2026, 6), None);
    assert_eq!(part.base_pay.get(), dec!(10909.09));
}

#[test]
fn rehire_in_the_same_year_continues_the_count() {
    let prior = Ytd {
        months: 3,
        income: dec!(30000),
        basic: dec!(15000),
        special: dec!(4500),
        tax_withheld: dec!(315),
        ..Ytd::default()
    };
    let mut e = employee("北京", dec!(10000), dec!(10000));
    e.hire_date = date(2026, 6, 1);
    let r = run(&rules(), &e, period(2026, 6), Some(&prior));
    assert_eq!(r.ytd.months, 4);
    assert_eq!(r.ytd.basic.get(), dec!(20000));
    // 30,000 before + 10,000 base + 200 全勤奖 (company formula).
    assert_eq!(r.ytd.income.get(), dec!(40200));
}

#[test]
fn prior_year_under_60k_and_first_job_rules() {
    let rules = rules();
    let mut low = employee("北京", dec!(8000), dec!(8000));
    low.prior_year_le_60k = true;
    let jan = run(&rules, &low, period(2026, 1), None);
    assert_eq!(jan.ytd.basic.get(), dec!(60000));
    assert_eq!(jan.iit.get(), dec!(0));
    let mut first = employee("北京", dec!(20000), dec!(20000));
    first.first_job_this_year = true;
    first.hire_date = date(2026, 6, 1);
    let june = run(&rules, &first, period(2026, 6), None);
    assert_eq!(june.ytd.basic.get(), dec!(30000));
    let july = run(&rules, &first, period(2026, 7), Some(&june.ytd.get()));
    assert_eq!(july.ytd.basic.get(), dec!(35000));
}

fn line(item: &str, amount: Decimal) -> VarLine {
    VarLine {
        item: item.into(),
        amount,
        belongs_to: None,
        origin: LineAt {
            file: "变动项.xlsx".into(),
            sheet: "Sheet1".into(),
            row: 1,
        },
    }
}

#[test]
fn annual_bonus_picks_the_cheaper_and_records_both() {
    let rules = rules();
    let mut e = employee("北京", dec!(10000), dec!(10000));
    e.lines.push(line("全年一次性奖金", dec!(36001)));
    let r = run(&rules, &e, period(2026, 1), None);
    let b = r.annual_bonus.clone().unwrap_or_else(|| panic!("no bonus"));
    assert_eq!(b.separate_tax, dec!(3390.10));
    // Gross 10,200 (incl. 200 全勤奖); employee SI/HF 800 + 203 + 50 + 1,200
    // = 2,253; taxable 2,947 → 88.41. Merged: 38,948 × 10% − 2,520 =
    // 1,374.80, so the bonus costs 1,286.39 merged vs 3,390.10 separate.
    assert_eq!(r.si_employee.get(), dec!(2253));
    assert_eq!(b.merged_tax, dec!(1286.39));
    assert!(!b.separate, "merging is cheaper here");
    assert_eq!(b.tax, dec!(1286.39));
    assert_eq!(r.iit.get(), dec!(1374.80));
    assert_eq!(r.bonus_tax.get(), dec!(0));
    assert_eq!(r.total_pay.get(), dec!(46201));
    // A small bonus is cheaper separately: 12,000 → 360 vs merged 1,200+.
    let mut e2 = employee("北京", dec!(40000), dec!(35000));
    e2.lines.push(line("全年一次性奖金", dec!(12000)));
    let r2 = run(&rules, &e2, period(2026, 1), None);
    let b2 = r2.annual_bonus.clone().unwrap_or_else(|| panic!("no bonus"));
    assert!(b2.separate);
    assert_eq!(r2.bonus_tax.get(), dec!(360));
    // After 2027-12-31 separate taxation is no longer allowed.
    let r3 = run(&rules, &e2, period(2028, 1), None);
    assert!(r3.annual_bonus.is_some_and(|b| !b.separate));
}

#[test]
fn net_pay_identity_and_findings() {
    let rules = rules();
    let mut e = employee("北京", dec!(10000), dec!(10000));
    e.lines.push(line("税后扣款", dec!(20000)));
    let r = run(&rules, &e, period(2026, 3), None);
    assert!(r.net.get() < Decimal::ZERO);
    assert!(r.findings().iter().any(|f| f.code == "C010"), "{:?}", r.findings());
    assert_eq!(
        r.net.get()
            + r.si_employee.get()
            + r.iit.get()
            + r.bonus_tax.get()
            + r.post_tax_deduction.get()
            + r.damage_deduction.get(),
        r.total_pay.get()
    );

    let mut d = employee("北京", dec!(10000), dec!(10000));
    // 20% of the 10,200 gross is 2,040.
    d.lines.push(line("赔偿扣款", dec!(2040.01)));
    let r = run(&rules, &d, period(2026, 3), None);
    assert!(r.findings().iter().any(|f| f.code == "C012"), "{:?}", r.findings());
    d.lines[0].amount = dec!(2040);
    assert!(
        !run(&rules, &d, period(2026, 3), None)
            .findings()
            .iter()
            .any(|f| f.code == "C012")
    );

    let low = employee("北京", dec!(2000), dec!(7162));
    let r = run(&rules, &low, period(2026, 3), None);
    assert!(r.findings().iter().any(|f| f.code == "C011"), "{:?}", r.findings());
}

#[test]
fn overtime_unpaid_and_sick_leave() {
    let rules = rules();
    let mut e = employee("北京", dec!(17400), dec!(17400));
    e.attendance.ot_workday_hours = dec!(10);
    e.attendance.ot_restday_hours = dec!(8);
    e.attendance.ot_holiday_hours = dec!(8);
    e.attendance.unpaid_leave_days = dec!(2);
    e.attendance.sick_leave_days = dec!(1);
    let r = run(&rules, &e, period(2026, 3), None);
    // Hourly 17400 / 174 = 100: 10 × 150 + 8 × 200 + 8 × 300 = 5500.
    assert_eq!(r.overtime.get(), dec!(5500));
    // Daily 17400 / 21.75 = 800: 2 days unpaid = 1600; 1 sick day × 40% = 320.
    assert_eq!(r.unpaid_leave_deduction.get(), dec!(1600));
    assert_eq!(r.sick_leave_deduction.get(), dec!(320));
    // The 全勤奖 formula pays nothing with leave taken.
    assert_eq!(r.allowance.get(), dec!(0));
    // Sick pay never takes the month below 80% of the minimum wage (2,540).
    let mut s = employee("北京", dec!(3000), dec!(7162));
    s.attendance.sick_leave_days = dec!(20);
    let r = run(&rules, &s, period(2026, 3), None);
    assert_eq!(r.base_pay.get() - r.sick_leave_deduction.get(), dec!(2032));
}
