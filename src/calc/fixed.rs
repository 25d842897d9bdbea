//! The kernel's integer fast path: amounts in whole fen (`i64`) and rates
//! as an integer over a power of ten, with the same named roundings as
//! [`Rounding`]. Exact, like `Decimal`, but a few times cheaper, so the
//! per-employee figures that every row needs (SI/HF items, sums, the
//! cumulative IIT) use it. A value that does not fit (more than two
//! decimal places, or too large) is `None`, and the caller stays on
//! `Decimal`: the fast path changes speed, never figures.

use rust_decimal::Decimal;

use crate::model::{Precision, RoundMode, Rounding};

const POW10: [i128; 19] = {
    let mut p = [1i128; 19];
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
        let scale = d.scale();
        if scale > 2 {
            return None;
        }
        let fen = i64::try_from(d.mantissa()).ok()?;
        match scale {
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
    pub fn of(d: Decimal) -> Option<Scaled> {
        let scale = d.scale();
        if scale > 12 {
            return None;
        }
        let num = i64::try_from(d.mantissa()).ok()?;
        Some(Scaled { num, scale })
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

/// `round(fen × factor + fixed)` under `rounding`: an SI/HF contribution or
/// a tax before its floor. None when an intermediate does not fit.
#[inline]
pub fn mul_add_round(fen: Fen, factor: Scaled, fixed: Fen, rounding: Rounding) -> Option<Fen> {
    let unit = POW10[factor.scale as usize];
    let raw = i128::from(fen.0) * i128::from(factor.num) + i128::from(fixed.0) * unit;
    let step = match rounding.to {
        Precision::Fen => 1,
        Precision::Jiao => 10,
        Precision::Yuan => 100,
    };
    // i64 division when it fits: i128 division is a slow library call.
    let rounded = match (i64::try_from(raw), i64::try_from(unit * step)) {
        (Ok(n), Ok(d)) => i128::from(div_round(n, d, rounding.mode)),
        _ => div_round(raw, unit * step, rounding.mode),
    } * step;
    i64::try_from(rounded).ok().map(Fen)
}

/// `round(amount × rate + fixed)` under `rounding`: exact on either path.
#[inline]
pub fn contribution(amount: Decimal, rate: Decimal, fixed: Decimal, rounding: Rounding) -> Decimal {
    let fast = || mul_add_round(Fen::of(amount)?, Scaled::of(rate)?, Fen::of(fixed)?, rounding);
    fast().map_or_else(|| rounding.apply(amount * rate + fixed), Fen::dec)
}

/// `value` raised to `floor`, then lowered to `cap` (a cap below the floor
/// wins, as with `max` then `min`).
#[inline]
pub fn bound(value: Decimal, floor: Decimal, cap: Decimal) -> Decimal {
    match Fen::all([value, floor, cap]) {
        Some([v, f, c]) => v.max(f).min(c).dec(),
        None => value.max(floor).min(cap),
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
            base in -10_000_000_000i64..10_000_000_000,
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
            prop_assert_eq!(got.map(Fen::dec), Some(want));
        }

        #[test]
        fn fen_round_trips(v in any::<i64>()) {
            prop_assert_eq!(Fen::of(Fen(v).dec()), Some(Fen(v)));
        }
    }
}
