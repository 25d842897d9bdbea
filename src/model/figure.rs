//! `Figure`: an exact decimal in 8 bytes, the form a computed result keeps
//! each of its amounts in. A million employees hold tens of millions of
//! them, and `Decimal` takes 16 bytes.

use std::fmt;

use rust_decimal::Decimal;
use serde::{Serialize, Serializer};

/// A `Decimal` whose mantissa is below 2^58 (every real payroll figure: at
/// two places that is 2.8 × 10^15 yuan), kept with its sign and scale as
/// they are, so it reads back bit for bit ([`Figure::get`]): `700` stays
/// `700`, `700.00` stays `700.00`, and `-0` stays `-0`.
///
/// Layout: the magnitude in the top 58 bits, then the sign bit, then the
/// scale (0–28) in the low 5 bits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Figure(u64);

const SCALE_BITS: u32 = 5;
const SIGN: u64 = 1 << SCALE_BITS;
const MAGNITUDE_SHIFT: u32 = SCALE_BITS + 1;

impl Figure {
    pub const ZERO: Figure = Figure(0);

    /// `d` exactly, or `None` when its mantissa is 2^58 or more.
    #[inline]
    pub fn of(d: Decimal) -> Option<Figure> {
        // The documented 16-byte layout, read as one number: flags in the
        // low 32 bits (scale in bits 16–23, sign in bit 31), then the
        // mantissa's low, middle and high 32 bits.
        let bits = u128::from_le_bytes(d.serialize());
        if bits >> (32 + 64 - MAGNITUDE_SHIFT) != 0 {
            return None;
        }
        let flags = bits as u32;
        let magnitude = (bits >> 32) as u64;
        let sign = u64::from(flags >> 31) << SCALE_BITS;
        let scale = u64::from((flags >> 16) & 0xFF);
        Some(Figure(magnitude << MAGNITUDE_SHIFT | sign | scale))
    }

    /// `Decimal::new(mantissa, scale)` (scale at most 28) as [`Figure::of`]
    /// keeps it, without building the decimal; `None` past 2^58.
    #[inline]
    pub fn of_mantissa(mantissa: i64, scale: u32) -> Option<Figure> {
        let magnitude = mantissa.unsigned_abs();
        if magnitude >> (64 - MAGNITUDE_SHIFT) != 0 || scale > 28 {
            return None;
        }
        let sign = u64::from(mantissa < 0) << SCALE_BITS;
        Some(Figure(magnitude << MAGNITUDE_SHIFT | sign | u64::from(scale)))
    }

    /// All of `values`, or `None` when any does not fit (the twin of
    /// `calc::fixed::Fen::all`).
    pub fn all<const N: usize>(values: [Decimal; N]) -> Option<[Figure; N]> {
        let mut out = [Figure::ZERO; N];
        for (slot, v) in out.iter_mut().zip(values) {
            *slot = Figure::of(v)?;
        }
        Some(out)
    }

    /// The mantissa with its sign, and the scale: the value is
    /// `mantissa × 10^-scale` (a negative zero reads as zero).
    #[inline]
    pub fn parts(self) -> (i64, u32) {
        // 58 bits of magnitude: the sign fits beside them.
        let magnitude = (self.0 >> MAGNITUDE_SHIFT) as i64;
        let mantissa = if self.0 & SIGN == 0 { magnitude } else { -magnitude };
        (mantissa, (self.0 & (SIGN - 1)) as u32)
    }

    /// The decimal, exactly as it was given.
    #[inline]
    pub fn get(self) -> Decimal {
        // The same layout back (`from_parts` would drop the sign of -0).
        let magnitude = u128::from(self.0 >> MAGNITUDE_SHIFT);
        let sign = u128::from((self.0 & SIGN) >> SCALE_BITS) << 31;
        let scale = u128::from(self.0 & (SIGN - 1)) << 16;
        Decimal::deserialize((magnitude << 32 | sign | scale).to_le_bytes())
    }
}

impl fmt::Debug for Figure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.get(), f)
    }
}

impl fmt::Display for Figure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.get(), f)
    }
}

impl Serialize for Figure {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        Serialize::serialize(&self.get(), s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rust_decimal_macros::dec;

    proptest! {
        /// Every decimal below the bound reads back with the same bytes:
        /// value, sign and scale.
        #[test]
        fn reads_back_bit_for_bit(lo in any::<u32>(), mid in 0u32..(1 << 26), negative in any::<bool>(), scale in 0u32..29) {
            let d = Decimal::from_parts(lo, mid, 0, negative, scale);
            let f = Figure::of(d);
            prop_assert_eq!(f.map(|f| f.get().serialize()), Some(d.serialize()));
        }

        /// A mantissa and scale give the bits of the decimal they make.
        #[test]
        fn of_mantissa_is_of_the_decimal(m in prop_oneof![any::<i64>(), -(1i64 << 59)..(1i64 << 59)], scale in 0u32..29) {
            prop_assert_eq!(Figure::of_mantissa(m, scale), Figure::of(Decimal::new(m, scale)));
        }

        /// The parts are the decimal's mantissa and scale.
        #[test]
        fn parts_are_the_mantissa_and_scale(m in -(1i64 << 58) + 1..(1i64 << 58), scale in 0u32..29) {
            let f = Figure::of_mantissa(m, scale);
            prop_assert_eq!(f.map(Figure::parts), Some((m, scale)));
        }

        /// A mantissa of 2^58 or more is refused, never cut.
        #[test]
        fn refuses_what_does_not_fit(lo in any::<u32>(), mid in (1u32 << 26).., hi in 0u32..3, negative in any::<bool>(), scale in 0u32..29) {
            prop_assert_eq!(Figure::of(Decimal::from_parts(lo, mid, hi, negative, scale)), None);
        }
    }

    #[test]
    fn keeps_scale_and_negative_zero() {
        for d in [dec!(700), dec!(700.00), dec!(-0.01), -Decimal::ZERO, Decimal::ZERO] {
            let back = Figure::of(d).map(Figure::get);
            assert_eq!(
                back.map(|b| (b.to_string(), b.serialize())),
                Some((d.to_string(), d.serialize()))
            );
        }
        assert_eq!(Figure::ZERO.get().serialize(), Decimal::ZERO.serialize());
        assert_eq!(size_of::<Figure>(), 8);
    }
}
