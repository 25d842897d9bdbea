//! The rules in force for one period, resolved once and shared by every
//! employee: tax tables, deduction standards, bonus window, and for each
//! city its items with their base bounds and its minimum wage.

use std::collections::HashMap;

use rust_decimal::Decimal;

use super::fixed::{FenItem, Scaled};
use super::iit::TaxTable;
use crate::model::{Period, intern};
use crate::rules::RuleSet;
use crate::rules::dated::in_force;
use crate::rules::iit::{BonusPolicy, RateTable};
use crate::rules::payroll::{FORMULA_VARIABLES, PayrollRules};
use crate::rules::social::{BaseBounds, DeclaredBase, Item};

/// The overtime multipliers and the hourly divisor as integers, when all
/// four are exact ([`PeriodRules::overtime_scaled`]).
fn overtime_scaled(pay: &PayrollRules) -> Option<([Scaled; 3], Scaled)> {
    let ot = &pay.overtime;
    let factors = [
        Scaled::of(ot.workday)?,
        Scaled::of(ot.restday)?,
        Scaled::of(ot.holiday)?,
    ];
    Some((factors, Scaled::of(pay.hourly_divisor())?))
}

/// [`PeriodRules::full_month_formulas`]: the slots hold the period's
/// calendar, days employed = days in the month, and leave days of 0.
fn full_month_formulas(pay: &PayrollRules, period: Period) -> Vec<Option<Decimal>> {
    const CALENDAR: [&str; 5] = [
        "days_in_month",
        "weekdays",
        "days_employed",
        "unpaid_leave_days",
        "sick_leave_days",
    ];
    let mut slots = [Decimal::ZERO; FORMULA_VARIABLES.len()];
    for (name, value) in [
        ("days_in_month", period.days()),
        ("weekdays", period.weekdays()),
        ("days_employed", period.days()),
    ] {
        if let Some(i) = FORMULA_VARIABLES.iter().position(|v| *v == name) {
            slots[i] = Decimal::from(value);
        }
    }
    pay.formulas
        .iter()
        .map(|f| {
            let mut used = Vec::new();
            f.expr.variables(&mut used);
            if used.iter().all(|v| CALENDAR.contains(&v.as_str())) {
                f.expr.eval_slots(&slots).ok()
            } else {
                None
            }
        })
        .collect()
}

/// One item in force in a city, with its scheme's bounds.
#[derive(Debug, Clone)]
pub struct CityItem<'r> {
    pub item: &'r Item,
    /// None: no base in force for the item's scheme.
    pub bounds: Option<&'r BaseBounds>,
    /// The declared base the item starts from (resolved once: it compares
    /// the scheme's name).
    pub declared: DeclaredBase,
    /// Key and label, interned: every SI line points at them.
    pub name: &'static intern::Name,
    /// Bounds and fixed parts in whole fen, when they all are.
    pub fen: Option<FenItem>,
    /// The employer and employee rates of an employee who has not chosen
    /// one: the item's rates, or its default choice within bounds.
    pub rates: (Decimal, Decimal),
    /// `rates` as integers (None: not exact).
    pub scaled: Option<(Scaled, Scaled)>,
}

/// A city's items in force with their base bounds.
#[derive(Debug, Clone)]
pub struct CityPeriod<'r> {
    pub city: &'r str,
    pub file: &'r str,
    pub items: Vec<CityItem<'r>>,
    pub minimum_wage: Option<Decimal>,
}

/// Everything in force for a period.
#[derive(Debug, Clone)]
pub struct PeriodRules<'r> {
    pub period: Period,
    /// Mon–Fri days in the period.
    pub weekdays: u32,
    /// `weekdays` as a divisor (at least 1).
    pub weekdays_divisor: Decimal,
    /// Hours a monthly wage divides into for overtime (21.75 × 8).
    pub hourly_divisor: Decimal,
    /// The overtime multipliers (workday, rest day, holiday) and
    /// `hourly_divisor` as integers, when they are exact (else the fast
    /// path leaves overtime to the reference path).
    pub overtime_scaled: Option<([Scaled; 3], Scaled)>,
    /// Each company formula's value in a full month whose leave days are a
    /// plain 0, when the formula reads nothing but the calendar and the
    /// leave days: the same for every such month of the period, so it is
    /// evaluated once. None: it reads other figures, or fails.
    pub full_month_formulas: Vec<Option<Decimal>>,
    /// Share of a sick day's wage that is deducted (1 − paid share).
    pub sick_unpaid_share: Decimal,
    /// The annual table with the basic deduction (None: either is missing).
    pub annual: Option<TaxTable<'r>>,
    pub monthly: Option<&'r RateTable>,
    pub bonus_separate_allowed: bool,
    pub bonus_policy: BonusPolicy,
    /// 个人养老金's cap for the tax year, if the rules give one.
    pub private_pension_annual: Option<Decimal>,
    /// The special additional deduction standards in force.
    pub additional: Option<&'r crate::rules::iit::AdditionalStandards>,
    /// The deductions file can say how many children (its schema has the
    /// 子女人数 column): only then are those items held per child.
    pub deduction_counts_known: bool,
    pub payroll: &'r PayrollRules,
    /// Looked up once per employee: a fast fixed-seed hash, not SipHash.
    pub cities: HashMap<&'r str, CityPeriod<'r>, crate::model::FastHash>,
}

impl<'r> PeriodRules<'r> {
    pub fn resolve(rules: &'r RuleSet, period: Period) -> Self {
        let day = period.first_day();
        let cities = rules
            .cities
            .iter()
            .map(|c| {
                let items = c
                    .items_on(day)
                    .map(|(i, bounds)| {
                        let name = intern::name(&i.key, &i.label);
                        let fen = bounds.and_then(|b| FenItem::of(b.floor, b.cap, i.employer_fixed, i.employee_fixed));
                        let rates = match &i.employee_chooses_rate {
                            Some(choice) => (choice.rate(None), choice.rate(None)),
                            None => (i.employer_rate, i.employee_rate),
                        };
                        CityItem {
                            item: i,
                            declared: i.declared(),
                            bounds,
                            name,
                            fen,
                            rates,
                            scaled: Scaled::of(rates.0).zip(Scaled::of(rates.1)),
                        }
                    })
                    .collect();
                let cp = CityPeriod {
                    city: c.city.as_str(),
                    file: c.file.as_str(),
                    items,
                    minimum_wage: in_force(&c.minimum_wage, period).map(|m| m.monthly),
                };
                (c.city.as_str(), cp)
            })
            .collect();
        PeriodRules {
            period,
            weekdays: period.weekdays(),
            weekdays_divisor: Decimal::from(period.weekdays().max(1)),
            hourly_divisor: rules.payroll.hourly_divisor(),
            overtime_scaled: overtime_scaled(&rules.payroll),
            full_month_formulas: full_month_formulas(&rules.payroll, period),
            sick_unpaid_share: Decimal::ONE - rules.payroll.sick_pay.paid_share,
            annual: in_force(&rules.iit.rates.annual, period)
                .zip(in_force(&rules.iit.deductions.basic, period))
                .map(|(table, basic)| TaxTable::new(table, basic)),
            monthly: in_force(&rules.iit.rates.monthly, period),
            bonus_separate_allowed: in_force(&rules.iit.bonus.separate_taxation, period).is_some(),
            bonus_policy: rules.iit.bonus.policy.default,
            private_pension_annual: in_force(&rules.iit.deductions.additional, period)
                .and_then(|a| a.private_pension_annual),
            additional: in_force(&rules.iit.deductions.additional, period),
            deduction_counts_known: rules
                .schema("deductions")
                .is_some_and(|s| s.fields.iter().any(|f| f.key == "children_count")),
            payroll: &rules.payroll,
            cities,
        }
    }
}
