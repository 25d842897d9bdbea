//! Effective dating: every dated rule block has `valid_from` and an
//! optional `valid_to` (inclusive); the block in force on a date is the one
//! whose range contains it.

use crate::model::{Date, Period};

/// A rule block with an effective-date range.
pub trait Dated {
    fn valid_from(&self) -> Date;
    fn valid_to(&self) -> Option<Date>;

    fn in_force_on(&self, date: Date) -> bool {
        self.valid_from() <= date && self.valid_to().is_none_or(|to| date <= to)
    }
}

/// The block in force on the first day of `period` (the last one listed
/// wins if blocks overlap; `rules check` reports overlaps).
pub fn in_force<T: Dated>(blocks: &[T], period: Period) -> Option<&T> {
    let day = period.first_day();
    blocks.iter().rev().find(|b| b.in_force_on(day))
}

/// Implements [`Dated`] for a struct with `valid_from` / `valid_to` fields.
#[macro_export]
macro_rules! impl_dated {
    ($($t:ty),*) => {$(
        impl $crate::rules::dated::Dated for $t {
            fn valid_from(&self) -> $crate::model::Date {
                self.valid_from
            }
            fn valid_to(&self) -> Option<$crate::model::Date> {
                self.valid_to
            }
        }
    )*};
}
