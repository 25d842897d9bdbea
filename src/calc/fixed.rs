//! The kernel's integer fast path: amounts in whole fen (`i64`) and rates
//! as an integer over a power of ten, with the same named roundings as
//! [`Rounding`]. Exact, like `Decimal`, but a few times cheaper, so the
//! per-employee figures that every row needs (SI/HF items, sums, the
//! cumulative IIT, overtime) use it. A value that does not fit (more than two
//! decimal places, or too large) is `None`, and the caller stays on
//! `Decimal`: the fast path changes speed, never figures.

use rust_decimal::Decimal;

use crate::model::{Figure, Precision, RoundMode, Rounding};

const POW10: [i64; 19] = {
    let mut p = [1i64; 19];
    let mut i = 1;
    while i < 19 {
        p[i] = p[i - 1] * 10;
        i += 1;
    }
    p
};

/// An exact amount in fen (0.01 yuan).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Fen(pub i64);

impl Fen {
    pub const ZERO: Fen = Fen(0);

    /// `d` in fen when it has at most two decimal places and fits.
    #[inline]
    pub fn of(d: Decimal) -> Option<Fen> {
        let (fen, scale) = small(d)?;
        match scale {
            _ if scale > 2 => None,
            2 => Some(Fen(fen)),
            1 => fen.checked_mul(10).map(Fen),
            _ => fen.checked_mul(100).map(Fen),
        }
    }

    /// All of `values` in fen, or None when any does not fit.
    #[inline]
    pub fn all<const N: usize>(values: [Decimal; N]) -> Option<[Fen; N]> {
        let mut out = [Fen::ZERO; N];
        for (slot, v) in out.iter_mut().zip(values) {
            *slot = Fen::of(v)?;
        }
        Some(out)
    }

    /// Back to a decimal with two places.
    #[inline]
    pub fn dec(self) -> Decimal {
        let abs = self.0.unsigned_abs();
        Decimal::from_parts(abs as u32, (abs >> 32) as u32, 0, self.0 < 0, 2)
    }

    #[inline]
    pub fn checked_add(self, other: Fen) -> Option<Fen> {
        self.0.checked_add(other.0).map(Fen)
    }

    #[inline]
    pub fn checked_sub(self, other: Fen) -> Option<Fen> {
        self.0.checked_sub(other.0).map(Fen)
    }

    /// As a result keeps it: the [`Figure`] of [`Fen::dec`], without the
    /// decimal in between. None past `Figure`'s range.
    #[inline]
    pub fn figure(self) -> Option<Figure> {
        Figure::of_mantissa(self.0, 2)
    }
}

/// Whether `d` is `Decimal::ZERO` bit for bit (zero, scale 0, sign not
/// set), as a total starts and an empty cell reads: a value whose every
/// derived form is known without converting it.
#[inline]
pub fn is_plain_zero(d: Decimal) -> bool {
    d.is_zero() && d.scale() == 0 && d.is_sign_positive()
}

/// `d` as an `i64` mantissa and its scale, when the mantissa fits. Reads
/// the documented 16-byte layout ([`Decimal::serialize`]: flags, then the
/// low, middle and high 32 bits of the mantissa) instead of widening the
/// mantissa to `i128`, which costs more than the rest of a conversion.
#[inline]
fn small(d: Decimal) -> Option<(i64, u32)> {
    let b = d.serialize();
    let word = |i: usize| u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
    let (flags, lo, mid, hi) = (word(0), word(4), word(8), word(12));
    if hi != 0 {
        return None;
    }
    let magnitude = u64::from(lo) | (u64::from(mid) << 32);
    let mantissa = if flags & 0x8000_0000 != 0 {
        0i64.checked_sub_unsigned(magnitude)?
    } else {
        i64::try_from(magnitude).ok()?
    };
    Some((mantissa, (flags >> 16) & 0xFF))
}

/// Sums decimals in fen when every one fits; None otherwise.
#[inline]
pub fn sum<I: IntoIterator<Item = Decimal>>(values: I) -> Option<Fen> {
    values
        .into_iter()
        .try_fold(Fen::ZERO, |acc, v| acc.checked_add(Fen::of(v)?))
}

/// A rate (or any factor) as `num / 10^scale`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Scaled {
    num: i64,
    scale: u32,
}

impl Scaled {
    /// `d` exactly, when its mantissa fits `i64` and its scale is at most 12.
    #[inline]
    pub fn of(d: Decimal) -> Option<Scaled> {
        let (num, scale) = small(d)?;
        (scale <= 12).then_some(Scaled { num, scale })
    }

    /// Back to a decimal.
    pub fn dec(self) -> Decimal {
        Decimal::new(self.num, self.scale)
    }

    /// Zero at any scale.
    pub fn is_zero(self) -> bool {
        self.num == 0
    }

    /// `self × other` as `Decimal` keeps it: the scales add up, nothing is
    /// normalised. None past `i64` or a scale of 12.
    #[inline]
    pub fn checked_mul(self, other: Scaled) -> Option<Scaled> {
        let scale = self.scale + other.scale;
        (scale <= 12).then_some(Scaled {
            num: self.num.checked_mul(other.num)?,
            scale,
        })
    }

    /// `self + other` as `Decimal` keeps it: at the larger scale.
    #[inline]
    pub fn checked_add(self, other: Scaled) -> Option<Scaled> {
        let scale = self.scale.max(other.scale);
        let at = |s: Scaled| s.num.checked_mul(POW10[(scale - s.scale) as usize]);
        Some(Scaled {
            num: at(self)?.checked_add(at(other)?)?,
            scale,
        })
    }
}

/// Integers [`div_round`] works on.
trait Int: Copy + PartialOrd + std::ops::Add<Output = Self> + std::ops::Sub<Output = Self>
where
    Self: std::ops::Div<Output = Self> + std::ops::Rem<Output = Self> + std::ops::Mul<Output = Self>,
{
    const ZERO: Self;
    const ONE: Self;
    const TWO: Self;
    fn abs(self) -> Self;
}

macro_rules! int {
    ($($t:ty),*) => {$(
        impl Int for $t {
            const ZERO: Self = 0;
            const ONE: Self = 1;
            const TWO: Self = 2;
            fn abs(self) -> Self {
                <$t>::abs(self)
            }
        }
    )*};
}
int!(i64, i128);

/// `n / d` (d > 0) rounded to an integer by `mode`.
#[inline]
fn div_round<T: Int>(n: T, d: T, mode: RoundMode) -> T {
    let (q, r) = (n / d, n % d);
    if r == T::ZERO {
        return q;
    }
    let away = if n < T::ZERO { T::ZERO - T::ONE } else { T::ONE };
    let twice = T::TWO * r.abs();
    let up = match mode {
        RoundMode::HalfUp => twice >= d,
        RoundMode::HalfEven => twice > d || (twice == d && q % T::TWO != T::ZERO),
        RoundMode::Up => true,
        RoundMode::Down => false,
    };
    if up { q + away } else { q }
}

/// `n / 10^k` rounded by `mode`, for k up to 18. Each power is a constant
/// divisor, which the compiler turns into a multiplication: a division
/// instruction costs tens of cycles, and every SI/HF share and the IIT
/// take one.
#[inline]
fn div_round_pow10(n: i64, k: usize, mode: RoundMode) -> Option<i64> {
    macro_rules! by_constant {
        ($($k:literal)*) => {
            match k {
                $($k => Some(div_round(n, const { POW10[$k] }, mode)),)*
                _ => None,
            }
        };
    }
    by_constant!(0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18)
}

/// `n / d` (d > 0) rounded by `mode`, in i64 when both fit: i128 division
/// is a slow library call.
#[inline]
fn div_round_wide(n: i128, d: i128, mode: RoundMode) -> i128 {
    match (i64::try_from(n), i64::try_from(d)) {
        (Ok(n), Ok(d)) => i128::from(div_round(n, d, mode)),
        _ => div_round(n, d, mode),
    }
}

/// `amount × count ÷ per`, rounded half-up to the fen: a prorated wage
/// (base × days ÷ month days, base × hours ÷ 174). Exactly the figure
/// `Decimal` gives, on the integer path when every part fits.
#[inline]
pub fn share(amount: Decimal, count: Decimal, per: Decimal) -> Decimal {
    let fast = || share_fen(Fen::of(amount)?, Scaled::of(count)?, Scaled::of(per)?);
    fast().map_or_else(|| Rounding::FEN_HALF_UP.apply(amount * count / per), Fen::dec)
}

/// [`share`] in whole fen; None when `per` is not positive or the figure
/// does not fit.
#[inline]
pub fn share_fen(amount: Fen, count: Scaled, per: Scaled) -> Option<Fen> {
    if per.num <= 0 {
        return None;
    }
    let n = i128::from(amount.0) * i128::from(count.num) * i128::from(POW10[per.scale as usize]);
    let d = i128::from(per.num) * i128::from(POW10[count.scale as usize]);
    i64::try_from(div_round_wide(n, d, RoundMode::HalfUp)).ok().map(Fen)
}

/// `round(fen × factor + fixed)` under `rounding`: an SI/HF contribution or
/// a tax before its floor. None when an intermediate does not fit.
#[inline]
pub fn mul_add_round(fen: Fen, factor: Scaled, fixed: Fen, rounding: Rounding) -> Option<Fen> {
    let places: usize = match rounding.to {
        Precision::Fen => 0,
        Precision::Jiao => 1,
        Precision::Yuan => 2,
    };
    let (unit, step) = (POW10[factor.scale as usize], POW10[places]);
    // In i64 when every step fits (any real base and rate); else in i128.
    let narrow = || {
        let raw = fen.0.checked_mul(factor.num)?.checked_add(fixed.0.checked_mul(unit)?)?;
        div_round_pow10(raw, factor.scale as usize + places, rounding.mode)?.checked_mul(step)
    };
    if let Some(rounded) = narrow() {
        return Some(Fen(rounded));
    }
    let (unit, step) = (i128::from(unit), i128::from(step));
    let raw = i128::from(fen.0) * i128::from(factor.num) + i128::from(fixed.0) * unit;
    let rounded = div_round_wide(raw, unit * step, rounding.mode) * step;
    i64::try_from(rounded).ok().map(Fen)
}

/// An SI/HF item's base bounds and fixed parts in whole fen, resolved once
/// per period so each employee pays only for the arithmetic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FenItem {
    pub floor: Fen,
    pub cap: Fen,
    pub employer_fixed: Fen,
    pub employee_fixed: Fen,
}

impl FenItem {
    /// The item in whole fen, when every figure is.
    pub fn of(floor: Decimal, cap: Decimal, employer_fixed: Decimal, employee_fixed: Decimal) -> Option<FenItem> {
        let [floor, cap, employer_fixed, employee_fixed] = Fen::all([floor, cap, employer_fixed, employee_fixed])?;
        Some(FenItem {
            floor,
            cap,
            employer_fixed,
            employee_fixed,
        })
    }

    /// The applied base (declared, raised to the floor, lowered to the cap)
    /// and the employer and employee contributions under `rounding`.
    #[inline]
    pub fn contributions(
        &self,
        declared: Fen,
        employer_rate: Scaled,
        employee_rate: Scaled,
        rounding: Rounding,
    ) -> Option<(Fen, Fen, Fen)> {
        let applied = declared.max(self.floor).min(self.cap);
        Some((
            applied,
            mul_add_round(applied, employer_rate, self.employer_fixed, rounding)?,
            mul_add_round(applied, employee_rate, self.employee_fixed, rounding)?,
        ))
    }
}

/// The sum of `values`: exact on either path.
#[inline]
pub fn total<I>(values: I) -> Decimal
where
    I: IntoIterator<Item = Decimal> + Clone,
{
    sum(values.clone()).map_or_else(|| values.into_iter().sum(), Fen::dec)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rust_decimal_macros::dec;

    #[test]
    fn fen_conversion_is_exact_or_refused() {
        assert_eq!(Fen::of(dec!(7162)), Some(Fen(716_200)));
        assert_eq!(Fen::of(dec!(-0.5)), Some(Fen(-50)));
        assert_eq!(Fen::of(dec!(12.34)), Some(Fen(1234)));
        assert_eq!(Fen::of(dec!(12.345)), None);
        assert_eq!(Fen::of(Decimal::MAX), None);
        assert_eq!(Fen(1234).dec(), dec!(12.34));
        assert_eq!(sum([dec!(1.5), dec!(2), dec!(0.05)]), Some(Fen(355)));
        assert_eq!(sum([dec!(1.5), dec!(0.001)]), None);
    }

    #[test]
    fn roundings_match_the_named_modes() {
        let half = |mode| {
            mul_add_round(
                Fen(1),
                Scaled::of(dec!(0.5)).unwrap_or_default(),
                Fen(0),
                Rounding::new(Precision::Fen, mode),
            )
        };
        // 0.01 × 0.5 = 0.005 yuan: the midpoint.
        assert_eq!(half(RoundMode::HalfUp), Some(Fen(1)));
        assert_eq!(half(RoundMode::HalfEven), Some(Fen(0)));
        assert_eq!(half(RoundMode::Up), Some(Fen(1)));
        assert_eq!(half(RoundMode::Down), Some(Fen(0)));
        // 8123.45 × 0.105 + 3 = 855.96225 → 856.0 to the jiao, 856 to the yuan.
        let r = |to, mode| {
            mul_add_round(
                Fen(812_345),
                Scaled::of(dec!(0.105)).unwrap_or_default(),
                Fen(300),
                Rounding::new(to, mode),
            )
        };
        assert_eq!(r(Precision::Fen, RoundMode::HalfUp), Some(Fen(85_596)));
        assert_eq!(r(Precision::Jiao, RoundMode::HalfUp), Some(Fen(85_600)));
        assert_eq!(r(Precision::Jiao, RoundMode::Down), Some(Fen(85_590)));
        assert_eq!(r(Precision::Yuan, RoundMode::Up), Some(Fen(85_600)));
        assert_eq!(r(Precision::Yuan, RoundMode::Down), Some(Fen(85_500)));
    }

    fn mode() -> impl Strategy<Value = RoundMode> {
        prop_oneof![
            Just(RoundMode::HalfUp),
            Just(RoundMode::HalfEven),
            Just(RoundMode::Up),
            Just(RoundMode::Down)
        ]
    }

    fn precision() -> impl Strategy<Value = Precision> {
        prop_oneof![Just(Precision::Fen), Just(Precision::Jiao), Just(Precision::Yuan)]
    }

    proptest! {
        /// The integer path gives the same number as `Decimal` with the
        /// same named rounding, for any amount, rate, fixed part and mode.
        #[test]
        fn mul_add_round_equals_decimal(
            // Up to 1e18 fen: past the i64 product, onto the i128 path.
            base in prop_oneof![-10_000_000_000i64..10_000_000_000, -1_000_000_000_000_000_000i64..1_000_000_000_000_000_000],
            rate in -1_000_000i64..1_000_000,
            rate_scale in 0u32..8,
            fixed in -100_000i64..100_000,
            to in precision(),
            mode in mode(),
        ) {
            let rounding = Rounding::new(to, mode);
            let (b, r, f) = (Decimal::new(base, 2), Decimal::new(rate, rate_scale), Decimal::new(fixed, 2));
            let want = rounding.apply(b * r + f);
            let got = Scaled::of(r).and_then(|s| mul_add_round(Fen(base), s, Fen(fixed), rounding));
            // A figure past i64 fen is refused (the caller stays on Decimal).
            prop_assert_eq!(got, Fen::of(want));
        }

        /// Proration on the integer path is the figure `Decimal` gives.
        #[test]
        fn share_equals_decimal(
            amount in 0i64..10_000_000_000,
            count in 0i64..100_000,
            count_scale in 0u32..3,
            per in prop_oneof![Just(17_400i64), Just(2_175), Just(28), Just(29), Just(30), Just(31), Just(22), 1i64..10_000],
            per_scale in 0u32..3,
        ) {
            let (a, c, p) = (Decimal::new(amount, 2), Decimal::new(count, count_scale), Decimal::new(per, per_scale));
            prop_assert_eq!(share(a, c, p), Rounding::FEN_HALF_UP.apply(a * c / p));
        }

        /// Dividing by a constant power of ten rounds as dividing by the
        /// same number at run time.
        #[test]
        fn pow10_division_equals_runtime_division(n in any::<i64>(), k in 0usize..19, mode in mode()) {
            prop_assert_eq!(div_round_pow10(n, k, mode), Some(div_round(n, std::hint::black_box(POW10[k]), mode)));
        }

        #[test]
        fn fen_round_trips(v in any::<i64>()) {
            prop_assert_eq!(Fen::of(Fen(v).dec()), Some(Fen(v)));
        }

        /// Reading the byte layout gives what the `i128` mantissa gives,
        /// for any mantissa (up to 96 bits), sign and scale.
        #[test]
        fn small_reads_the_mantissa(lo in any::<u32>(), mid in any::<u32>(), hi in prop_oneof![Just(0u32), any::<u32>()], negative in any::<bool>(), scale in 0u32..29) {
            let d = Decimal::from_parts(lo, mid, hi, negative, scale);
            let want = i64::try_from(d.mantissa()).ok().map(|m| (m, scale));
            prop_assert_eq!(small(d), want);
        }

        #[test]
        fn small_takes_the_extremes(negative in any::<bool>()) {
            for m in [0u64, 1, i64::MAX as u64, 1 << 63, u64::MAX] {
                let d = Decimal::from_parts(m as u32, (m >> 32) as u32, 0, negative, 2);
                prop_assert_eq!(small(d), i64::try_from(d.mantissa()).ok().map(|m| (m, 2)));
            }
        }
    }
}
