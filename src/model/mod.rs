//! Domain values shared by every stage: money, dates and periods,
//! identifiers, what a cell can be.

pub mod cell;
pub mod date;
pub mod figure;
pub mod ids;
pub mod intern;
pub mod money;

pub use cell::{Unreadable, column_letters};
pub use date::{Date, Period};
pub use figure::Figure;
pub use intern::Sym;

/// Short text held inline (names, IDs, card numbers: up to 24 bytes need no
/// heap allocation); one per identity field of every employee.
pub type Str = compact_str::CompactString;
pub use money::{Money, Precision, RoundMode, Rounding, percent};

/// Hashing for the maps and sets built over every employee or row: fast,
/// with a fixed seed (the keys are the workspace's own IDs and values, not
/// input an attacker picks to collide, and a fixed seed keeps runs alike).
pub type FastHash = foldhash::fast::FixedState;
