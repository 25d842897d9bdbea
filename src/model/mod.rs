//! Domain values shared by every stage: money, dates and periods, identifiers.

pub mod date;
pub mod ids;
pub mod intern;
pub mod money;

pub use date::{Date, Period};
pub use money::{Money, Precision, RoundMode, Rounding};
