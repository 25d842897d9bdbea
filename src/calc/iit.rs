//! Individual income tax: cumulative withholding (STA 2018 No. 61) with the
//! first-job (STA 2020 No. 13) and prior-year ≤ 60k (STA 2020 No. 19)
//! rules, and the annual one-off bonus (财税〔2018〕164号) separate or merged.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::fixed::{self, Fen, Scaled};
use crate::model::{Date, Figure, Period, Rounding};
use crate::rules::iit::{BasicDeduction, BonusPolicy, RateTable};

/// Cumulative figures for the tax year up to and including a month: as
/// `Decimal` for the calculation, as [`Figure`] (8 bytes each) in a kept
/// result ([`YtdFigures`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ytd<N = Decimal> {
    /// Months employed with this employer in the tax year.
    pub months: u32,
    pub income: N,
    pub tax_free: N,
    pub basic: N,
    pub special: N,
    pub additional: N,
    pub other: N,
    /// 累计已预扣预缴税额.
    pub tax_withheld: N,
    /// Cumulative special additional deductions per item, in the order of
    /// [`crate::calc::input::ADDITIONAL_ITEMS`].
    pub additional_items: [N; 7],
}

/// [`Ytd`] as a computed result keeps it.
pub type YtdFigures = Ytd<Figure>;

impl<N: Copy> Ytd<N> {
    /// The same figures through `f`, or `None` when `f` refuses one.
    fn try_map<M: Copy + Default>(&self, f: impl Fn(N) -> Option<M>) -> Option<Ytd<M>> {
        let mut items = [M::default(); 7];
        for (slot, v) in items.iter_mut().zip(self.additional_items) {
            *slot = f(v)?;
        }
        Some(Ytd {
            months: self.months,
            income: f(self.income)?,
            tax_free: f(self.tax_free)?,
            basic: f(self.basic)?,
            special: f(self.special)?,
            additional: f(self.additional)?,
            other: f(self.other)?,
            tax_withheld: f(self.tax_withheld)?,
            additional_items: items,
        })
    }
}

impl Ytd {
    /// The figures in 8 bytes each, or `None` when one is too large.
    pub fn kept(&self) -> Option<YtdFigures> {
        self.try_map(Figure::of)
    }
}

impl YtdFigures {
    /// The figures back, exactly as they were.
    pub fn get(&self) -> Ytd {
        // Reading a figure back cannot fail: every `Some` is taken.
        self.try_map(|f| Some(f.get())).unwrap_or_default()
    }
}

/// How the basic deduction is counted for an employee.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BasicFlags {
    pub first_job_this_year: bool,
    pub prior_year_le_60k: bool,
}

impl BasicFlags {
    /// The roster's flags as they may be used in `period`: the 60k rule
    /// (STA 2020 No. 19) only for someone employed here since the first
    /// day of the previous tax year, whatever the flag says (the roster
    /// check R026 reports a contradicting flag).
    pub fn of(first_job_this_year: bool, prior_year_le_60k: bool, hire_date: Date, period: Period) -> BasicFlags {
        BasicFlags {
            first_job_this_year,
            prior_year_le_60k: prior_year_le_60k && sixty_k_eligible(hire_date, period),
        }
    }
}

/// How 累计减除费用 was counted for an employee-month (kept in the
/// results as the evidence for the figure).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BasicRule {
    /// 5,000 for each month employed here this year.
    #[default]
    Monthly,
    /// First job this year: 5,000 for each month from January (STA 2020 No. 13).
    FirstJob,
    /// Prior year ≤ 60,000 here: the year's 60,000 from January (STA 2020 No. 19).
    PriorYear60k,
}

impl BasicRule {
    /// The results column's text.
    pub fn key(self) -> &'static str {
        match self {
            BasicRule::Monthly => "monthly",
            BasicRule::FirstJob => "first_job",
            BasicRule::PriorYear60k => "prior_year_60k",
        }
    }
}

impl BasicFlags {
    /// The rule the flags select.
    pub fn rule(self) -> BasicRule {
        if self.prior_year_le_60k {
            BasicRule::PriorYear60k
        } else if self.first_job_this_year {
            BasicRule::FirstJob
        } else {
            BasicRule::Monthly
        }
    }
}

pub use crate::rules::iit::sixty_k_eligible;

/// The month's inputs to the cumulative formula.
#[derive(Debug, Clone, Copy, Default)]
pub struct MonthIncome {
    /// Calendar month number (1–12).
    pub month: u32,
    pub income: Decimal,
    pub tax_free: Decimal,
    pub special: Decimal,
    pub additional: Decimal,
    pub other: Decimal,
}

/// Result of one month's cumulative withholding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Withholding {
    pub ytd: Ytd,
    pub taxable: Decimal,
    pub rate: Decimal,
    pub quick_deduction: Decimal,
    /// 累计应纳税额 (rounded to the fen).
    pub cumulative_tax: Decimal,
    /// 本期应扣缴税额 (never negative).
    pub this_month: Decimal,
}

/// 累计减除费用 for the month.
pub fn cumulative_basic(rule: &BasicDeduction, flags: BasicFlags, months: u32, month: u32) -> Decimal {
    match basic_months(flags, months, month) {
        None => rule.prior_year_low_income_annual,
        Some(n) => rule.monthly * Decimal::from(n),
    }
}

/// How many months of the monthly deduction count; None: the whole
/// year's at once (prior year ≤ 60k).
fn basic_months(flags: BasicFlags, months: u32, month: u32) -> Option<u32> {
    if flags.prior_year_le_60k {
        None
    } else if flags.first_job_this_year {
        Some(month)
    } else {
        Some(months)
    }
}

/// A rate table and the deduction standard as the kernel uses them: the
/// brackets and standards also in whole fen when they are (resolved once
/// per period).
#[derive(Debug, Clone)]
pub struct TaxTable<'r> {
    pub table: &'r RateTable,
    pub basic: &'r BasicDeduction,
    fen: Option<FenTable>,
}

#[derive(Debug, Clone)]
struct FenTable {
    /// Per bracket: upper bound (None: top), rate, quick deduction.
    brackets: Vec<(Option<Fen>, Scaled, Fen)>,
    monthly: Fen,
    low_income_annual: Fen,
}

impl<'r> TaxTable<'r> {
    pub fn new(table: &'r RateTable, basic: &'r BasicDeduction) -> Self {
        let fen = || {
            let brackets = table
                .brackets
                .iter()
                .map(|b| {
                    let upto = match b.upto {
                        Some(u) => Some(Fen::of(u)?),
                        None => None,
                    };
                    Some((upto, Scaled::of(b.rate)?, Fen::of(b.quick_deduction)?))
                })
                .collect::<Option<Vec<_>>>()?;
            Some(FenTable {
                brackets,
                monthly: Fen::of(basic.monthly)?,
                low_income_annual: Fen::of(basic.prior_year_low_income_annual)?,
            })
        };
        TaxTable {
            table,
            basic,
            fen: fen(),
        }
    }
}

/// One month of cumulative withholding on top of `prior` (the year so far).
pub fn withhold(tax: &TaxTable<'_>, flags: BasicFlags, prior: &Ytd, month: &MonthIncome) -> Withholding {
    let months = basic_months(flags, prior.months + 1, month.month);
    tax.fen
        .as_ref()
        .and_then(|fen| withhold_fen(fen, months, prior, month))
        .unwrap_or_else(|| {
            let basic = cumulative_basic(tax.basic, flags, prior.months + 1, month.month);
            withhold_exact(tax.table, basic, prior, month)
        })
}

/// [`withhold`] in `Decimal`: the reference, and the path for figures
/// that are not whole fen.
fn withhold_exact(table: &RateTable, basic: Decimal, prior: &Ytd, month: &MonthIncome) -> Withholding {
    let mut ytd = *prior;
    ytd.months = prior.months + 1;
    ytd.income += month.income;
    ytd.tax_free += month.tax_free;
    ytd.special += month.special;
    ytd.additional += month.additional;
    ytd.other += month.other;
    ytd.basic = basic;
    let taxable = (ytd.income - ytd.tax_free - ytd.basic - ytd.special - ytd.additional - ytd.other).max(Decimal::ZERO);
    let (rate, quick) = table
        .bracket(taxable)
        .map_or((Decimal::ZERO, Decimal::ZERO), |b| (b.rate, b.quick_deduction));
    let cumulative_tax = Rounding::FEN_HALF_UP.apply(taxable * rate - quick).max(Decimal::ZERO);
    let this_month = (cumulative_tax - prior.tax_withheld).max(Decimal::ZERO);
    ytd.tax_withheld = prior.tax_withheld + this_month;
    Withholding {
        ytd,
        taxable,
        rate,
        quick_deduction: quick,
        cumulative_tax,
        this_month,
    }
}

/// The year so far in whole fen: the figures the cumulative formula reads.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FenYtd {
    pub income: Fen,
    pub tax_free: Fen,
    pub special: Fen,
    pub additional: Fen,
    pub other: Fen,
    pub tax_withheld: Fen,
}

impl FenYtd {
    /// `ytd`'s figures in whole fen, when every one is.
    pub fn of(ytd: &Ytd) -> Option<FenYtd> {
        FenYtd::of_decimals([
            ytd.income,
            ytd.tax_free,
            ytd.special,
            ytd.additional,
            ytd.other,
            ytd.tax_withheld,
        ])
    }

    /// Income, tax-free income, special, additional and other deductions
    /// and tax withheld, in whole fen when every one is.
    fn of_decimals(values: [Decimal; 6]) -> Option<FenYtd> {
        let [income, tax_free, special, additional, other, tax_withheld] = Fen::all(values)?;
        Some(FenYtd {
            income,
            tax_free,
            special,
            additional,
            other,
            tax_withheld,
        })
    }
}

/// One month of cumulative withholding in whole fen: [`Withholding`]'s
/// figures before they become decimals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FenWithholding {
    /// The year to date, this month included.
    pub ytd: FenYtd,
    /// 累计减除费用.
    pub basic: Fen,
    pub taxable: Fen,
    pub rate: Option<Scaled>,
    pub quick_deduction: Fen,
    pub cumulative_tax: Fen,
    pub this_month: Fen,
}

/// [`withhold`] in whole fen, for a caller that holds its figures in fen:
/// None when the table is not whole fen or a sum would overflow. The
/// month's figures are `FenYtd`'s, this month only.
pub fn withhold_in_fen(
    tax: &TaxTable<'_>,
    flags: BasicFlags,
    prior_months: u32,
    prior: &FenYtd,
    month_number: u32,
    month: &FenYtd,
) -> Option<FenWithholding> {
    let months = basic_months(flags, prior_months + 1, month_number);
    withhold_fen_core(tax.fen.as_ref()?, months, prior, month)
}

fn withhold_fen_core(
    table: &FenTable,
    basic_months: Option<u32>,
    prior: &FenYtd,
    month: &FenYtd,
) -> Option<FenWithholding> {
    let add = |a: Fen, b: Fen| a.checked_add(b);
    let basic = match basic_months {
        None => table.low_income_annual,
        Some(n) => Fen(table.monthly.0.checked_mul(i64::from(n))?),
    };
    let (income, tax_free, special) = (
        add(prior.income, month.income)?,
        add(prior.tax_free, month.tax_free)?,
        add(prior.special, month.special)?,
    );
    let (additional, other) = (add(prior.additional, month.additional)?, add(prior.other, month.other)?);
    let taxable = [tax_free, basic, special, additional, other]
        .into_iter()
        .try_fold(income, Fen::checked_sub)?
        .max(Fen::ZERO);
    let bracket = table
        .brackets
        .iter()
        .position(|(upto, _, _)| upto.is_none_or(|u| taxable <= u))
        .or_else(|| table.brackets.len().checked_sub(1));
    let (rate, quick) = match bracket {
        Some(i) => (Some(table.brackets[i].1), table.brackets[i].2),
        None => (None, Fen::ZERO),
    };
    let cumulative_tax = match rate {
        Some(rate) => fixed::mul_add_round(taxable, rate, Fen(-quick.0), Rounding::FEN_HALF_UP)?.max(Fen::ZERO),
        None => Fen::ZERO,
    };
    let this_month = cumulative_tax.checked_sub(prior.tax_withheld)?.max(Fen::ZERO);
    Some(FenWithholding {
        ytd: FenYtd {
            income,
            tax_free,
            special,
            additional,
            other,
            tax_withheld: add(prior.tax_withheld, this_month)?,
        },
        basic,
        taxable,
        rate,
        quick_deduction: quick,
        cumulative_tax,
        this_month,
    })
}

/// [`withhold_exact`] in whole fen; None when a figure is not whole fen
/// (or would overflow), and the caller falls back. Same figures.
fn withhold_fen(table: &FenTable, basic_months: Option<u32>, prior: &Ytd, month: &MonthIncome) -> Option<Withholding> {
    let this = FenYtd::of_decimals([
        month.income,
        month.tax_free,
        month.special,
        month.additional,
        month.other,
        Decimal::ZERO,
    ])?;
    let w = withhold_fen_core(table, basic_months, &FenYtd::of(prior)?, &this)?;
    let ytd = Ytd {
        months: prior.months + 1,
        income: w.ytd.income.dec(),
        tax_free: w.ytd.tax_free.dec(),
        basic: w.basic.dec(),
        special: w.ytd.special.dec(),
        additional: w.ytd.additional.dec(),
        other: w.ytd.other.dec(),
        tax_withheld: w.ytd.tax_withheld.dec(),
        additional_items: prior.additional_items,
    };
    Some(Withholding {
        ytd,
        taxable: w.taxable.dec(),
        rate: w.rate.map_or(Decimal::ZERO, Scaled::dec),
        quick_deduction: w.quick_deduction.dec(),
        cumulative_tax: w.cumulative_tax.dec(),
        this_month: w.this_month.dec(),
    })
}

/// Tax on an annual bonus taxed separately: bracket on bonus ÷ 12 in the
/// monthly table, tax = bonus × rate − quick deduction, to the fen.
pub fn bonus_separate_tax(monthly: &RateTable, bonus: Decimal) -> (Decimal, Decimal, Decimal) {
    if bonus <= Decimal::ZERO {
        return (Decimal::ZERO, Decimal::ZERO, Decimal::ZERO);
    }
    let per_month = bonus / Decimal::from(12);
    let (rate, quick) = monthly
        .bracket(per_month)
        .map_or((Decimal::ZERO, Decimal::ZERO), |b| (b.rate, b.quick_deduction));
    let tax = Rounding::FEN_HALF_UP.apply(bonus * rate - quick).max(Decimal::ZERO);
    (tax, rate, quick)
}

/// Which treatment wins under a policy; ties go to separate taxation.
pub fn choose_bonus(policy: BonusPolicy, separate_allowed: bool, separate_tax: Decimal, merged_tax: Decimal) -> bool {
    if !separate_allowed {
        return false;
    }
    match policy {
        BonusPolicy::Separate => true,
        BonusPolicy::Merged => false,
        BonusPolicy::Cheaper => separate_tax <= merged_tax,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::RuleSet;
    use rust_decimal_macros::dec;

    fn rules() -> RuleSet {
        RuleSet::builtin().unwrap()
    }

    fn month(m: u32, wage: Decimal, special: Decimal, additional: Decimal) -> MonthIncome {
        MonthIncome {
            month: m,
            income: wage,
            special,
            additional,
            ..MonthIncome::default()
        }
    }

    proptest::proptest! {
        /// The whole-fen path gives the same withholding as the decimal
        /// reference, month after month, for any fen amounts.
        #[test]
        fn fen_path_equals_decimal_reference(
            months in proptest::collection::vec((0i64..20_000_000, 0i64..500_000, 0i64..800_000, 0i64..600_000), 1..13),
        ) {
            let r = rules();
            let (table, basic) = (&r.iit.rates.annual[0], &r.iit.deductions.basic[0]);
            let mut ytd = Ytd::default();
            for (i, (wage, free, special, additional)) in months.into_iter().enumerate() {
                let m = MonthIncome {
                    month: i as u32 + 1,
                    income: Decimal::new(wage, 2),
                    tax_free: Decimal::new(free, 2),
                    special: Decimal::new(special, 2),
                    additional: Decimal::new(additional, 2),
                    other: Decimal::ZERO,
                };
                let b = cumulative_basic(basic, BasicFlags::default(), ytd.months + 1, m.month);
                let tax = TaxTable::new(table, basic);
                let months = basic_months(BasicFlags::default(), ytd.months + 1, m.month);
                let fast = tax.fen.as_ref().and_then(|f| withhold_fen(f, months, &ytd, &m));
                let exact = withhold_exact(table, b, &ytd, &m);
                proptest::prop_assert_eq!(fast, Some(exact));
                ytd = exact.ytd;
            }
        }
    }

    #[test]
    fn sta_example_2_month_by_month() {
        let r = rules();
        let (table, basic) = (&r.iit.rates.annual[0], &r.iit.deductions.basic[0]);
        let expected = [555, 625, 1850, 1850, 1850, 1850, 1850, 2250, 3700, 3700, 3700, 3700];
        let mut ytd = Ytd::default();
        for (i, want) in expected.iter().enumerate() {
            let w = withhold(
                &TaxTable::new(table, basic),
                BasicFlags::default(),
                &ytd,
                &month(i as u32 + 1, dec!(30000), dec!(4500), dec!(2000)),
            );
            assert_eq!(w.this_month, Decimal::from(*want), "month {}", i + 1);
            ytd = w.ytd;
        }
        assert_eq!(ytd.tax_withheld, dec!(27480));
    }

    #[test]
    fn mid_year_joiner_counts_from_hire_month() {
        let r = rules();
        let basic = &r.iit.deductions.basic[0];
        // Hired in June: 5,000 in June, 10,000 in July.
        assert_eq!(cumulative_basic(basic, BasicFlags::default(), 1, 6), dec!(5000));
        assert_eq!(cumulative_basic(basic, BasicFlags::default(), 2, 7), dec!(10000));
        // First job of the year in June: 5,000 × 6.
        let first = BasicFlags {
            first_job_this_year: true,
            ..BasicFlags::default()
        };
        assert_eq!(cumulative_basic(basic, first, 1, 6), dec!(30000));
        // Prior-year ≤ 60k: 60,000 from January.
        let low = BasicFlags {
            prior_year_le_60k: true,
            ..BasicFlags::default()
        };
        assert_eq!(cumulative_basic(basic, low, 1, 1), dec!(60000));
    }

    #[test]
    fn withholding_is_never_negative() {
        let r = rules();
        let (table, basic) = (&r.iit.rates.annual[0], &r.iit.deductions.basic[0]);
        let jan = withhold(
            &TaxTable::new(table, basic),
            BasicFlags::default(),
            &Ytd::default(),
            &month(1, dec!(20000), dec!(0), dec!(0)),
        );
        assert_eq!(jan.this_month, dec!(450));
        // February pays little: cumulative tax falls below what was withheld.
        let feb = withhold(
            &TaxTable::new(table, basic),
            BasicFlags::default(),
            &jan.ytd,
            &month(2, dec!(0), dec!(0), dec!(0)),
        );
        assert_eq!(feb.this_month, dec!(0));
        assert_eq!(feb.ytd.tax_withheld, dec!(450));
    }

    #[test]
    fn bonus_cliff() {
        let r = rules();
        let monthly = &r.iit.rates.monthly[0];
        assert_eq!(bonus_separate_tax(monthly, dec!(36000)).0, dec!(1080.00));
        assert_eq!(bonus_separate_tax(monthly, dec!(36001)).0, dec!(3390.10));
    }
}
