//! `Money`: an exact CNY amount, and the named roundings payroll uses.
//!
//! Every rounding in paybatch goes through [`Rounding`], which names both
//! the precision (fen, jiao, yuan) and the mode. 四舍五入 is
//! [`RoundMode::HalfUp`] (midpoint away from zero), never banker's rounding.

use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign, Mul, Neg, Sub, SubAssign};
use std::str::FromStr;

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

/// How to break ties and remainders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoundMode {
    /// 四舍五入: midpoint away from zero.
    HalfUp,
    /// Banker's rounding: midpoint to even. Only where a rule asks for it.
    HalfEven,
    /// 进位 / 见分进角: any remainder rounds away from zero.
    Up,
    /// 舍去: any remainder is dropped (toward zero).
    Down,
}

impl RoundMode {
    fn strategy(self) -> RoundingStrategy {
        match self {
            RoundMode::HalfUp => RoundingStrategy::MidpointAwayFromZero,
            RoundMode::HalfEven => RoundingStrategy::MidpointNearestEven,
            RoundMode::Up => RoundingStrategy::AwayFromZero,
            RoundMode::Down => RoundingStrategy::ToZero,
        }
    }

    /// Chinese name used in traces.
    pub fn label_zh(self) -> &'static str {
        match self {
            RoundMode::HalfUp => "四舍五入",
            RoundMode::HalfEven => "银行家舍入",
            RoundMode::Up => "进位",
            RoundMode::Down => "舍去",
        }
    }
}

/// The unit a value is rounded to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Precision {
    /// 分, 0.01 yuan.
    Fen,
    /// 角, 0.1 yuan.
    Jiao,
    /// 元, whole yuan.
    Yuan,
}

impl Precision {
    fn decimal_places(self) -> u32 {
        match self {
            Precision::Fen => 2,
            Precision::Jiao => 1,
            Precision::Yuan => 0,
        }
    }

    /// Chinese name used in traces.
    pub fn label_zh(self) -> &'static str {
        match self {
            Precision::Fen => "分",
            Precision::Jiao => "角",
            Precision::Yuan => "元",
        }
    }
}

/// A named rounding: precision plus mode. Default is fen, half-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Rounding {
    #[serde(default = "default_precision")]
    pub to: Precision,
    #[serde(default = "default_mode")]
    pub mode: RoundMode,
}

fn default_precision() -> Precision {
    Precision::Fen
}
fn default_mode() -> RoundMode {
    RoundMode::HalfUp
}

impl Default for Rounding {
    fn default() -> Self {
        Rounding::FEN_HALF_UP
    }
}

impl Rounding {
    /// 四舍五入到分: the default for every money figure.
    pub const FEN_HALF_UP: Rounding = Rounding {
        to: Precision::Fen,
        mode: RoundMode::HalfUp,
    };

    pub const fn new(to: Precision, mode: RoundMode) -> Self {
        Rounding { to, mode }
    }

    /// Applies this rounding to a raw decimal.
    #[inline]
    pub fn apply(self, value: Decimal) -> Decimal {
        if value.scale() <= self.to.decimal_places() {
            return value;
        }
        value.round_dp_with_strategy(self.to.decimal_places(), self.mode.strategy())
    }

    /// Human label, e.g. "四舍五入到分".
    pub fn label_zh(self) -> String {
        format!("{}到{}", self.mode.label_zh(), self.to.label_zh())
    }

    /// English label, e.g. "half_up to fen".
    pub fn label_en(self) -> String {
        let mode = match self.mode {
            RoundMode::HalfUp => "half-up",
            RoundMode::HalfEven => "half-even",
            RoundMode::Up => "up",
            RoundMode::Down => "down",
        };
        let to = match self.to {
            Precision::Fen => "fen",
            Precision::Jiao => "jiao",
            Precision::Yuan => "yuan",
        };
        format!("{mode} to {to}")
    }
}

/// An exact CNY amount. Arithmetic never rounds; call [`Money::round`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Money(Decimal);

impl Money {
    pub const ZERO: Money = Money(Decimal::ZERO);

    pub const fn new(value: Decimal) -> Self {
        Money(value)
    }

    /// Whole yuan.
    pub fn yuan(value: i64) -> Self {
        Money(Decimal::from(value))
    }

    /// The raw decimal.
    pub fn get(self) -> Decimal {
        self.0
    }

    /// Rounds with a named rule.
    pub fn round(self, rounding: Rounding) -> Money {
        Money(rounding.apply(self.0))
    }

    /// Multiplies by a rate (or any factor) without rounding.
    pub fn times(self, factor: Decimal) -> Money {
        Money(self.0 * factor)
    }

    /// Divides by a non-zero factor without rounding; `None` on zero.
    pub fn divided_by(self, divisor: Decimal) -> Option<Money> {
        self.0.checked_div(divisor).map(Money)
    }

    pub fn max(self, other: Money) -> Money {
        if self >= other { self } else { other }
    }

    pub fn min(self, other: Money) -> Money {
        if self <= other { self } else { other }
    }

    /// Clamps into `[floor, cap]`; a floor above the cap is treated as the cap.
    pub fn clamp_to(self, floor: Money, cap: Money) -> Money {
        self.max(floor).min(cap)
    }

    pub fn is_negative(self) -> bool {
        self.0.is_sign_negative() && !self.0.is_zero()
    }

    pub fn is_zero(self) -> bool {
        self.0.is_zero()
    }

    /// Integer fen, for columnar storage and fixed-width files.
    pub fn to_fen(self) -> Option<i64> {
        let fen = Rounding::FEN_HALF_UP.apply(self.0) * Decimal::ONE_HUNDRED;
        i64::try_from(fen).ok()
    }

    /// Formats with exactly two decimals ("1234.50"), after 四舍五入到分.
    pub fn to_fixed2(self) -> String {
        self.to_fixed2_str().into()
    }

    /// [`Money::to_fixed2`] held inline (no heap allocation).
    pub fn to_fixed2_str(self) -> super::Str {
        let mut buf = [0u8; FIXED2_BYTES];
        // Only ASCII digits, '.' and '-' are written.
        super::Str::from_utf8(self.fixed2_bytes(&mut buf)).unwrap_or_default()
    }

    /// [`Money::to_fixed2`] written into `buf`, for writers that take bytes
    /// (a results file has a hundred amounts a row): returns the text.
    pub fn fixed2_bytes(self, buf: &mut [u8; FIXED2_BYTES]) -> &[u8] {
        // Already whole fen (nearly every amount): no rounding to do.
        let scale = self.0.scale();
        if scale <= 2
            && let Some(fen) = i64::try_from(self.0.mantissa())
                .ok()
                .and_then(|m| m.checked_mul(10_i64.pow(2 - scale)))
        {
            return fen_bytes(fen, buf);
        }
        let mut v = Rounding::FEN_HALF_UP.apply(self.0);
        v.rescale(2);
        // Whole fen that fit an i64 (every real amount) are written digit by
        // digit; `Decimal`'s own formatting is several times slower.
        if let Ok(fen) = i64::try_from(v.mantissa()) {
            return fen_bytes(fen, buf);
        }
        let mut rest = &mut buf[..];
        // At most a sign, 29 digits and a point: it fits.
        let _ = std::io::Write::write_fmt(&mut rest, format_args!("{v}"));
        let len = FIXED2_BYTES - rest.len();
        &buf[..len]
    }
}

/// Room for any amount as fixed-2 text ([`Money::fixed2_bytes`]).
pub const FIXED2_BYTES: usize = 40;

/// "-1234.05" for -123405 fen, written at the end of `buf`, two digits
/// at a time (a results file writes some 60 million of them at a million
/// employees).
fn fen_bytes(fen: i64, buf: &mut [u8; FIXED2_BYTES]) -> &[u8] {
    const PAIRS: &[u8; 200] = b"0001020304050607080910111213141516171819\
        2021222324252627282930313233343536373839\
        4041424344454647484950515253545556575859\
        6061626364656667686970717273747576777879\
        8081828384858687888990919293949596979899";
    fn put_pair(buf: &mut [u8], at: &mut usize, d: u64) {
        let d = d as usize * 2;
        *at -= 2;
        buf[*at..*at + 2].copy_from_slice(&PAIRS[d..d + 2]);
    }
    let mut at = buf.len();
    let mut n = fen.unsigned_abs();
    put_pair(buf, &mut at, n % 100);
    n /= 100;
    at -= 1;
    buf[at] = b'.';
    while n >= 100 {
        put_pair(buf, &mut at, n % 100);
        n /= 100;
    }
    if n >= 10 {
        put_pair(buf, &mut at, n);
    } else {
        at -= 1;
        buf[at] = b'0' + n as u8;
    }
    if fen < 0 {
        at -= 1;
        buf[at] = b'-';
    }
    &buf[at..]
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_fixed2())
    }
}

impl FromStr for Money {
    type Err = rust_decimal::Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Decimal::from_str(s).map(Money)
    }
}

impl From<Decimal> for Money {
    fn from(value: Decimal) -> Self {
        Money(value)
    }
}

impl Add for Money {
    type Output = Money;
    fn add(self, rhs: Money) -> Money {
        Money(self.0 + rhs.0)
    }
}

impl AddAssign for Money {
    fn add_assign(&mut self, rhs: Money) {
        self.0 += rhs.0;
    }
}

impl Sub for Money {
    type Output = Money;
    fn sub(self, rhs: Money) -> Money {
        Money(self.0 - rhs.0)
    }
}

impl SubAssign for Money {
    fn sub_assign(&mut self, rhs: Money) {
        self.0 -= rhs.0;
    }
}

impl Neg for Money {
    type Output = Money;
    fn neg(self) -> Money {
        Money(-self.0)
    }
}

impl Mul<Decimal> for Money {
    type Output = Money;
    fn mul(self, rhs: Decimal) -> Money {
        Money(self.0 * rhs)
    }
}

impl Sum for Money {
    fn sum<I: Iterator<Item = Money>>(iter: I) -> Money {
        iter.fold(Money::ZERO, Add::add)
    }
}

impl<'a> Sum<&'a Money> for Money {
    fn sum<I: Iterator<Item = &'a Money>>(iter: I) -> Money {
        iter.copied().sum()
    }
}

/// A rate as a clerk reads it: 0.07 → `7%`, 0.005 → `0.5%`.
pub fn percent(rate: Decimal) -> String {
    format!("{}%", (rate * Decimal::ONE_HUNDRED).normalize())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn r(to: Precision, mode: RoundMode, v: Decimal) -> Decimal {
        Rounding::new(to, mode).apply(v)
    }

    /// The digit-by-digit text equals `Decimal`'s own, for any amount and
    /// scale (a negative zero shows as 0.00).
    #[test]
    fn fixed2_text_matches_decimal_formatting() {
        for (v, text) in [
            (dec!(0), "0.00"),
            (dec!(0.005), "0.01"),
            (dec!(-0.004), "0.00"),
            (dec!(-0.05), "-0.05"),
            (dec!(1234.5), "1234.50"),
            (dec!(-99999999.995), "-100000000.00"),
        ] {
            assert_eq!(Money::new(v).to_fixed2_str(), text, "{v}");
        }
        proptest::proptest!(|(m in proptest::num::i64::ANY, scale in 0u32..8)| {
            let v = Decimal::new(m, scale);
            let mut expected = Rounding::FEN_HALF_UP.apply(v);
            expected.rescale(2);
            let expected = expected.to_string();
            let expected = if expected == "-0.00" { "0.00".to_string() } else { expected };
            let got = Money::new(v).to_fixed2_str();
            proptest::prop_assert_eq!(got.as_str(), expected.as_str());
        });
    }

    #[test]
    fn half_up_is_away_from_zero_not_bankers() {
        assert_eq!(r(Precision::Fen, RoundMode::HalfUp, dec!(2.345)), dec!(2.35));
        assert_eq!(r(Precision::Fen, RoundMode::HalfUp, dec!(2.335)), dec!(2.34));
        assert_eq!(r(Precision::Fen, RoundMode::HalfEven, dec!(2.345)), dec!(2.34));
        assert_eq!(r(Precision::Fen, RoundMode::HalfUp, dec!(-2.345)), dec!(-2.35));
        assert_eq!(r(Precision::Yuan, RoundMode::HalfUp, dec!(188.5)), dec!(189));
        assert_eq!(r(Precision::Yuan, RoundMode::HalfUp, dec!(188.3)), dec!(188));
    }

    #[test]
    fn up_and_down_to_jiao() {
        assert_eq!(r(Precision::Jiao, RoundMode::Up, dec!(10.01)), dec!(10.1));
        assert_eq!(r(Precision::Jiao, RoundMode::Up, dec!(10.10)), dec!(10.1));
        assert_eq!(r(Precision::Jiao, RoundMode::Down, dec!(10.19)), dec!(10.1));
        assert_eq!(r(Precision::Jiao, RoundMode::HalfUp, dec!(10.15)), dec!(10.2));
    }

    #[test]
    fn fixed2_and_fen() {
        assert_eq!(Money::new(dec!(1234.5)).to_fixed2(), "1234.50");
        assert_eq!(Money::new(dec!(0.005)).to_fixed2(), "0.01");
        assert_eq!(Money::new(dec!(12.345)).to_fen(), Some(1235));
        assert_eq!(Money::yuan(7).to_string(), "7.00");
        for (v, text) in [
            (dec!(0), "0.00"),
            (dec!(-0.05), "-0.05"),
            (dec!(9.99), "9.99"),
            (dec!(10), "10.00"),
            (dec!(-100.1), "-100.10"),
            (dec!(92233720368547758.07), "92233720368547758.07"),
        ] {
            assert_eq!(Money::new(v).to_fixed2(), text);
        }
    }

    #[test]
    fn clamp() {
        let floor = Money::yuan(7162);
        let cap = Money::yuan(35811);
        assert_eq!(Money::yuan(5000).clamp_to(floor, cap), floor);
        assert_eq!(Money::yuan(50000).clamp_to(floor, cap), cap);
        assert_eq!(Money::yuan(7162).clamp_to(floor, cap), floor);
        assert_eq!(Money::yuan(20000).clamp_to(floor, cap), Money::yuan(20000));
    }
}
