//! The kernel's fast path: one employee-month carried in whole fen from
//! its inputs to its kept figures, for the common case: a full month
//! without leave, amounts and rules in whole fen, no annual bonus and
//! nothing to report. It gives exactly the result of the reference path
//! (`employee::compute_reference`), each figure's scale included, and
//! returns `None` for every other month, which the reference then
//! computes ([`super::employee::compute_figures`] picks). The property
//! test below holds the two paths equal.

use rust_decimal::Decimal;

use super::context::{CityPeriod, PeriodRules};
use super::employee::{EmployeeResult, SiLine, fen, variable_pay};
use super::fixed::{self, Fen, Scaled};
use super::iit::{self, BasicFlags, FenYtd, Ytd, YtdFigures};
use super::input::{Attendance, EmployeeMonth};
use super::trace::Trace;
use crate::model::Figure;
use crate::rules::payroll::ItemKind;
use crate::rules::social::DeclaredBase;

/// `values` summed left to right, as `fixed::total` sums them.
fn sum<const N: usize>(values: [Fen; N]) -> Option<Fen> {
    values.into_iter().try_fold(Fen::ZERO, Fen::checked_add)
}

/// `d` as a kept figure and in whole fen. `Decimal::ZERO` as it was read
/// or started (most deductions and item kinds) costs nothing.
#[inline]
fn kept_and_fen(d: Decimal) -> Option<(Figure, Fen)> {
    if fixed::is_plain_zero(d) {
        return Some((Figure::ZERO, Fen::ZERO));
    }
    Some((Figure::of(d)?, Fen::of(d)?))
}

/// Seven amounts as kept figures, and their sum in fen (left to right, as
/// `fixed::total` sums them).
fn kept_seven(values: [Decimal; 7]) -> Option<([Figure; 7], Fen)> {
    let mut kept = [Figure::ZERO; 7];
    let mut total = Fen::ZERO;
    for (slot, v) in kept.iter_mut().zip(values) {
        let (figure, fen) = kept_and_fen(v)?;
        *slot = figure;
        total = total.checked_add(fen)?;
    }
    Some((kept, total))
}

/// Overtime pay as the reference keeps it: zero (scale 0) when no hour
/// counts, else base × weighted hours ÷ hourly divisor in fen.
fn overtime(att: &Attendance, base: Fen, pr: &PeriodRules<'_>) -> Option<(Figure, Fen)> {
    let ([workday, restday, holiday], per) = pr.overtime_scaled?;
    let hours = Scaled::of(att.ot_workday_hours)?
        .checked_mul(workday)?
        .checked_add(Scaled::of(att.ot_restday_hours)?.checked_mul(restday)?)?
        .checked_add(Scaled::of(att.ot_holiday_hours)?.checked_mul(holiday)?)?;
    if hours.is_zero() {
        return Some((Figure::ZERO, Fen::ZERO));
    }
    let pay = fixed::share_fen(base, hours, per)?;
    Some((pay.figure()?, pay))
}

/// The month's SI/HF lines and their employer and employee totals.
fn social(e: &EmployeeMonth, base: Decimal, city: &CityPeriod<'_>) -> Option<(Box<[SiLine]>, Fen, Fen)> {
    let mut lines = Vec::with_capacity(city.items.len());
    let (mut employer_total, mut employee_total) = (Fen::ZERO, Fen::ZERO);
    for ci in &city.items {
        let item = ci.item;
        let declared = match ci.declared {
            DeclaredBase::Si => e.si_base,
            DeclaredBase::Hf => e.hf_base.or(e.si_base),
        }
        .unwrap_or(base);
        let rates = match (&item.employee_chooses_rate, e.hf_rate) {
            (Some(choice), Some(own)) => {
                let r = Scaled::of(choice.rate(Some(own)))?;
                (r, r)
            }
            _ => ci.scaled?,
        };
        let (applied, employer, employee) =
            ci.fen?
                .contributions(Fen::of(declared)?, rates.0, rates.1, item.rounding)?;
        employer_total = employer_total.checked_add(employer)?;
        employee_total = employee_total.checked_add(employee)?;
        lines.push(SiLine {
            name: ci.name,
            base: applied.figure()?,
            employer,
            employee,
        });
    }
    Some((lines.into_boxed_slice(), employer_total, employee_total))
}

/// The employee-month on the fast path, or `None` when it is not the
/// common case (the reference path then computes it).
pub(super) fn compute(e: &EmployeeMonth, pr: &PeriodRules<'_>, prior: Option<&Ytd>) -> Option<EmployeeResult> {
    let period = pr.period;
    let att = &e.attendance;
    let full_month = e.hire_date <= period.first_day() && e.leave_date.is_none_or(|l| l >= period.last_day());
    let base = e.base_salary;
    if !full_month || !att.unpaid_leave_days.is_zero() || !att.sick_leave_days.is_zero() || base.is_sign_negative() {
        return None;
    }
    // A full month without leave: base pay is the base salary, nothing deducted.
    let (base_figure, base_fen) = (Figure::of(base)?, Fen::of(base)?);
    let (overtime_figure, overtime) = overtime(att, base_fen, pr)?;

    let mut findings = Vec::new();
    let (kinds, tax_free) = variable_pay(e, pr, period.days(), true, &mut Trace::new(false), &mut findings);
    if !findings.is_empty() {
        return None;
    }
    let kind = |k: ItemKind| kept_and_fen(fen(kinds[k as usize]));
    let (allowance, commission, bonus, retro) = (
        kind(ItemKind::Allowance)?,
        kind(ItemKind::Commission)?,
        kind(ItemKind::Bonus)?,
        kind(ItemKind::Retro)?,
    );
    let (pre_tax, post_tax, damage) = (
        kind(ItemKind::PreTaxDeduction)?,
        kind(ItemKind::PostTaxDeduction)?,
        kind(ItemKind::DamageDeduction)?,
    );
    // An annual bonus is taxed two ways and compared; a damage deduction
    // is checked against its cap: both on the reference path.
    if kind(ItemKind::AnnualBonus)?.1 != Fen::ZERO || damage.1 > Fen::ZERO {
        return None;
    }
    let gross = sum([
        base_fen,
        Fen::ZERO,
        Fen::ZERO,
        overtime,
        allowance.1,
        commission.1,
        bonus.1,
        retro.1,
        Fen(pre_tax.1.0.checked_neg()?),
    ])?;
    let city = pr.cities.get(e.city.as_str())?;
    if city.minimum_wage.is_some_and(|mw| gross.dec() < mw) {
        return None;
    }
    let (si, si_employer, si_employee) = social(e, base, city)?;

    // Cumulative IIT in fen.
    let prior = prior.copied().unwrap_or_default();
    let (additional, additional_total) = kept_seven(e.additional)?;
    let month = FenYtd {
        income: gross,
        tax_free: Fen::of(tax_free)?,
        special: si_employee,
        additional: additional_total,
        other: Fen::ZERO,
        tax_withheld: Fen::ZERO,
    };
    let flags = BasicFlags::of(e.first_job_this_year, e.prior_year_le_60k, e.hire_date, pr.period);
    let w = iit::withhold_in_fen(
        pr.annual.as_ref()?,
        flags,
        prior.months,
        &FenYtd::of(&prior)?,
        period.month(),
        &month,
    )?;
    let mut items = prior.additional_items;
    for (slot, add) in items.iter_mut().zip(e.additional) {
        if !add.is_zero() {
            *slot += add;
        }
    }
    let ytd = YtdFigures {
        months: prior.months + 1,
        income: w.ytd.income.figure()?,
        tax_free: w.ytd.tax_free.figure()?,
        basic: w.basic.figure()?,
        special: w.ytd.special.figure()?,
        additional: w.ytd.additional.figure()?,
        other: w.ytd.other.figure()?,
        tax_withheld: w.ytd.tax_withheld.figure()?,
        additional_items: kept_seven(items)?.0,
    };

    let neg = |f: Fen| f.0.checked_neg().map(Fen);
    let total_pay = sum([gross, Fen::ZERO])?;
    let net = sum([
        total_pay,
        neg(si_employee)?,
        neg(w.this_month)?,
        Fen::ZERO,
        neg(post_tax.1)?,
        neg(damage.1)?,
    ])?;
    if net < Fen::ZERO {
        return None;
    }
    let employer_cost = sum([total_pay, si_employer])?;
    Some(EmployeeResult {
        hire_date: e.hire_date,
        leave_date: e.leave_date,
        days_employed: period.days(),
        basic_rule: flags.rule(),
        separate_bonus_used: e.separate_bonus_used,
        attendance: att.kept()?,
        base_salary: base_figure,
        base_pay: base_figure,
        unpaid_leave_deduction: Figure::ZERO,
        sick_leave_deduction: Figure::ZERO,
        overtime: overtime_figure,
        allowance: allowance.0,
        commission: commission.0,
        bonus: bonus.0,
        retro: retro.0,
        pre_tax_deduction: pre_tax.0,
        gross: gross.figure()?,
        tax_free: Figure::of(tax_free)?,
        annual_bonus: None,
        total_pay: total_pay.figure()?,
        si,
        si_employee: si_employee.figure()?,
        si_employer: si_employer.figure()?,
        additional,
        iit: w.this_month.figure()?,
        bonus_tax: Figure::ZERO,
        post_tax_deduction: post_tax.0,
        damage_deduction: damage.0,
        net: net.figure()?,
        employer_cost: employer_cost.figure()?,
        ytd,
        notes: None,
        // Identity is filled in by the caller (`compute_owned`).
        ..EmployeeResult::default()
    })
}

#[cfg(test)]
mod tests {
    use std::sync::LazyLock;

    use proptest::prelude::*;

    use super::*;
    use crate::calc::employee::compute_reference;
    use crate::calc::input::{LineAt, VarLine};
    use crate::model::{Date, Period};
    use crate::rules::RuleSet;

    static RULES: LazyLock<RuleSet> = LazyLock::new(|| RuleSet::builtin().unwrap());

    const CITIES: [&str; 5] = ["北京", "上海", "广州", "杭州", "成都"];
    const ITEMS: [&str; 8] = [
        "岗位津贴",
        "餐补",
        "绩效奖金",
        "全年一次性奖金",
        "其他税前扣款",
        "赔偿扣款",
        "税后扣款",
        "不认识的项目",
    ];

    /// Mostly whole yuan or fen, sometimes a third decimal place (which
    /// the fast path must leave to the reference).
    fn amount(max: i64) -> impl Strategy<Value = Decimal> {
        (0..max, prop_oneof![12 => 0u32..3, 1 => Just(3u32)]).prop_map(|(m, s)| Decimal::new(m, s))
    }

    /// Zero most of the time.
    fn mostly_zero(s: impl Strategy<Value = Decimal>) -> impl Strategy<Value = Decimal> {
        prop_oneof![3 => Just(Decimal::ZERO), 1 => s]
    }

    fn hours() -> impl Strategy<Value = Decimal> {
        mostly_zero((0i64..400, 0u32..2).prop_map(|(m, s)| Decimal::new(m, s)))
    }

    fn line() -> impl Strategy<Value = VarLine> {
        (0..ITEMS.len(), amount(2_000_000), any::<bool>()).prop_map(|(i, amount, negative)| VarLine {
            item: ITEMS[i].into(),
            amount: if negative && i == 0 { -amount } else { amount },
            belongs_to: None,
            origin: LineAt {
                file: "变动项.xlsx".into(),
                sheet: "Sheet1".into(),
                row: 1,
            },
        })
    }

    fn prior() -> impl Strategy<Value = Option<Ytd>> {
        let fen = || (0i64..50_000_000).prop_map(|m| Decimal::new(m, 2));
        proptest::option::of(
            (
                0u32..12,
                [fen(), fen(), fen(), fen()],
                proptest::array::uniform7(mostly_zero(amount(100_000))),
            )
                .prop_map(|(months, [income, special, additional, tax_withheld], items)| Ytd {
                    months,
                    income,
                    special,
                    additional,
                    tax_withheld,
                    additional_items: items,
                    ..Ytd::default()
                }),
        )
    }

    fn month() -> impl Strategy<Value = (u32, EmployeeMonth, Option<Ytd>)> {
        let base = prop_oneof![19 => amount(6_000_000), 1 => amount(100_000).prop_map(|a| -a)];
        let rate = proptest::option::of(prop_oneof![
            Just(Decimal::new(5, 2)),
            Just(Decimal::new(12, 2)),
            Just(Decimal::new(125, 3)),
            Just(Decimal::new(3, 1)),
        ]);
        (
            (1u32..13, 0..CITIES.len(), base, proptest::option::of(amount(6_000_000))),
            (
                proptest::option::of(amount(6_000_000)),
                rate,
                -40i64..5,
                proptest::option::of(-5i64..40),
            ),
            (
                mostly_zero(amount(300)),
                mostly_zero(amount(300)),
                hours(),
                hours(),
                hours(),
            ),
            proptest::collection::vec(line(), 0..4),
            proptest::array::uniform7(mostly_zero(amount(400_000))),
            (any::<bool>(), any::<bool>(), prior()),
        )
            .prop_map(|(head, hf, days, lines, additional, (first_job, low, prior))| {
                let (m, city, base, si_base) = head;
                let (hf_base, hf_rate, hired, left) = hf;
                let period = Period::new(2026, m).unwrap_or_else(|| panic!("period"));
                let first = period.first_day().days_since_epoch();
                let hire = Date::from_days_since_epoch(first + hired).unwrap_or(Date::EPOCH);
                let mut e = EmployeeMonth::new("E1", CITIES[city], hire, base);
                e.leave_date = left.and_then(|d| Date::from_days_since_epoch(period.last_day().days_since_epoch() + d));
                (e.si_base, e.hf_base, e.hf_rate) = (si_base, hf_base, hf_rate);
                let (unpaid, sick, workday, restday, holiday) = days;
                e.attendance = Attendance {
                    unpaid_leave_days: unpaid,
                    sick_leave_days: sick,
                    ot_workday_hours: workday,
                    ot_restday_hours: restday,
                    ot_holiday_hours: holiday,
                };
                (e.lines, e.additional) = (lines, additional);
                (e.first_job_this_year, e.prior_year_le_60k) = (first_job, low);
                (m, e, prior)
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]

        /// Whatever the month, the kernel gives the reference's result,
        /// bit for bit (a `Figure` keeps its scale and sign): the fast
        /// path either matches it or steps aside.
        #[test]
        fn fast_path_equals_reference((m, e, prior) in month()) {
            let period = Period::new(2026, m).unwrap_or_else(|| panic!("period"));
            let pr = PeriodRules::resolve(&RULES, period);
            let reference = compute_reference(&e, &pr, prior.as_ref(), false);
            if let Some(fast) = compute(&e, &pr, prior.as_ref()) {
                prop_assert_eq!(fast, reference);
            }
        }
    }

    /// The common month does take the fast path, with and without a year
    /// so far, overtime, allowances, deductions and a chosen HF rate.
    #[test]
    fn common_months_take_the_fast_path() {
        let period = Period::new(2026, 3).unwrap_or_else(|| panic!("period"));
        let pr = PeriodRules::resolve(&RULES, period);
        let hire = Date::new(2020, 5, 6).unwrap_or(Date::EPOCH);
        let mut e = EmployeeMonth::new("E1", "上海", hire, Decimal::new(1_250_000, 2));
        let plain = compute(&e, &pr, None);
        assert_eq!(plain.as_ref(), Some(&compute_reference(&e, &pr, None, false)));
        e.attendance.ot_workday_hours = Decimal::new(75, 1);
        e.additional[2] = Decimal::from(1000);
        e.hf_rate = Some(Decimal::new(7, 2));
        e.lines = line_set(&[("岗位津贴", 800), ("绩效奖金", 3000), ("税后扣款", 50)]);
        let prior = Ytd {
            months: 2,
            income: Decimal::new(2_600_000, 2),
            tax_withheld: Decimal::new(48_000, 2),
            ..Ytd::default()
        };
        let busy = compute(&e, &pr, Some(&prior));
        assert!(busy.is_some());
        assert_eq!(busy, Some(compute_reference(&e, &pr, Some(&prior), false)));
        assert_ne!(busy, plain);
    }

    fn line_set(items: &[(&str, i64)]) -> Vec<VarLine> {
        items
            .iter()
            .map(|(item, yuan)| VarLine {
                item: (*item).into(),
                amount: Decimal::from(*yuan),
                belongs_to: None,
                origin: LineAt {
                    file: "变动项.xlsx".into(),
                    sheet: "Sheet1".into(),
                    row: 1,
                },
            })
            .collect()
    }
}
