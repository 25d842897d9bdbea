//! Deterministic xlsx: fixed document properties so the same data gives the
//! same bytes, and the one conversion from exact decimals to Excel numbers.

use std::str::FromStr;

use rust_decimal::Decimal;
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook};

use super::sink::{OutDir, Written};
use crate::calc::columns::MoneyColumn;
use crate::calc::employee::{EmployeeResult, SiLine};
use crate::calc::fixed::Fen;
use crate::error::{Error, Result};
use crate::model::Figure;

/// Rows in one xlsx worksheet (Excel's limit).
pub const EXCEL_MAX_ROWS: usize = 1_048_576;

/// Deflate level of the xlsx zip container. Level 1 writes a payroll-sized
/// workbook several times faster than the default 6 (compression was a
/// quarter of a large run's CPU) for files roughly a quarter larger.
pub const ZIP_LEVEL: u8 = 1;

/// `items` in runs of at most `n` (for sheets or files past a row limit).
/// An empty slice is one empty run, so an empty batch still gets its sheet.
pub fn parts<T>(items: &[T], n: usize) -> Vec<&[T]> {
    if items.is_empty() {
        vec![items]
    } else {
        items.chunks(n.max(1)).collect()
    }
}

/// A workbook whose metadata carries no wall-clock time.
pub fn workbook() -> Workbook {
    let mut wb = Workbook::new();
    wb.set_zip_compression_level(ZIP_LEVEL);
    let mut props = DocProperties::new().set_author("paybatch");
    if let Ok(epoch) = ExcelDateTime::from_ymd(2000, 1, 1) {
        props = props.set_creation_datetime(&epoch);
    }
    wb.set_properties(&props);
    wb
}

/// Excel stores numbers as binary doubles: this is the output boundary.
/// The result is the double nearest to the exact decimal, which Excel
/// displays back as the same decimal. Amounts in fen (|m| < 2^53, scale ≤ 2)
/// take the fast path: `m / 10^s` of two exact doubles is correctly rounded
/// by IEEE 754, the same double that parsing the decimal text gives.
pub fn excel_number(value: Decimal) -> f64 {
    let m = value.mantissa();
    i64::try_from(m)
        .ok()
        .and_then(|m| fen_number(m, value.scale()))
        .unwrap_or_else(|| f64::from_str(&value.to_string()).unwrap_or(0.0))
}

/// The fast path of [`excel_number`]: `m × 10^-scale` when |m| < 2^53 and
/// the scale is at most 2.
#[allow(clippy::float_arithmetic)] // the one place money becomes a double, by design
fn fen_number(m: i64, scale: u32) -> Option<f64> {
    const EXACT: u64 = 1 << 53;
    let exact = (m.unsigned_abs() < EXACT).then_some(m as f64)?;
    match scale {
        0 => Some(exact),
        1 => Some(exact / 10.0),
        2 => Some(exact / 100.0),
        _ => None,
    }
}

/// An amount on its way into a number cell: a result's [`Figure`] as it
/// is kept (8 bytes, read without building a decimal), or a decimal.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Number {
    Figure(Figure),
    Decimal(Decimal),
}

impl Number {
    /// Fen as a number: a figure when it fits one (always, below 2^58 fen).
    pub fn fen(fen: Fen) -> Number {
        Figure::of_mantissa(fen.0, 2).map_or_else(|| Number::Decimal(fen.dec()), Number::Figure)
    }

    /// A results column of `r`, as the result keeps it.
    pub fn of_column(c: &MoneyColumn, r: &EmployeeResult) -> Number {
        (c.figure)(r).map_or_else(|| Number::Decimal((c.get)(r)), Number::Figure)
    }

    /// An SI/HF line's base, employee and employer amounts.
    pub fn of_si_line(l: &SiLine) -> [Number; 3] {
        [Number::Figure(l.base), Number::fen(l.employee), Number::fen(l.employer)]
    }

    /// The amount as a decimal, exactly.
    pub fn decimal(self) -> Decimal {
        match self {
            Number::Figure(f) => f.get(),
            Number::Decimal(d) => d,
        }
    }

    /// Whether the amount has at most two decimal places as kept (a figure
    /// whose scale says so; a decimal is not looked into).
    pub fn is_fen(self) -> bool {
        matches!(self, Number::Figure(f) if f.parts().1 <= 2)
    }

    /// The double [`excel_number`] gives for the same amount.
    pub fn excel(self) -> f64 {
        match self {
            Number::Figure(f) => {
                let (m, scale) = f.parts();
                fen_number(m, scale).unwrap_or_else(|| excel_number(f.get()))
            }
            Number::Decimal(d) => excel_number(d),
        }
    }
}

/// The exact total of a number column: amounts of at most two places are
/// added as whole fen, others as decimals. A total beyond what a decimal
/// holds (7.9 × 10^28, never a payroll's) saturates rather than wraps.
#[derive(Debug, Clone, Copy, Default)]
pub struct ExactSum {
    fen: i128,
    rest: Decimal,
}

impl ExactSum {
    pub fn add(&mut self, n: Number) {
        match n {
            Number::Figure(f) => match f.parts() {
                (m, scale @ 0..=2) => {
                    self.fen = self.fen.saturating_add(i128::from(m) * [100, 10, 1][scale as usize]);
                }
                _ => self.rest = self.rest.saturating_add(f.get()),
            },
            Number::Decimal(d) => self.rest = self.rest.saturating_add(d),
        }
    }

    pub fn merge(&mut self, other: &ExactSum) {
        self.fen = self.fen.saturating_add(other.fen);
        self.rest = self.rest.saturating_add(other.rest);
    }

    /// The total as Excel's double ([`excel_number`]).
    pub fn excel(&self) -> f64 {
        excel_number(self.total())
    }

    pub fn total(&self) -> Decimal {
        let fen = Decimal::try_from_i128_with_scale(self.fen, 2).unwrap_or(if self.fen < 0 {
            Decimal::MIN
        } else {
            Decimal::MAX
        });
        fen.saturating_add(self.rest)
    }
}

/// Saves a workbook as `name` in `out`, hashed on its way to disk:
/// rust_xlsxwriter writes the zip front to back (`save_to_writer` asks for
/// no `Seek`), so the bytes hashed are the file's, and the file is not
/// read again to hash it.
pub fn save_xlsx(wb: &mut Workbook, out: &OutDir, name: &str) -> Result<Written> {
    let mut file = out.create(name)?;
    wb.save_to_writer(&mut file).map_err(err(name))?;
    file.finish()
}

/// Bold, bordered, grey header cells.
pub fn header_format() -> Format {
    Format::new()
        .set_bold()
        .set_border(FormatBorder::Thin)
        .set_background_color(0xD9D9D9)
        .set_align(FormatAlign::Center)
}

/// Two-decimal money cells with thousands separators.
pub fn money_format() -> Format {
    Format::new().set_num_format("#,##0.00")
}

/// Turns a writer error into a library error naming the file.
pub fn err(file: &str) -> impl Fn(rust_xlsxwriter::XlsxError) -> Error + '_ {
    move |e| Error::Output {
        file: file.into(),
        reason: e.to_string(),
    }
}

/// Display width of text in Excel character units (CJK counts double).
/// Counted on the bytes, so that it runs on whole vectors of them: an
/// ASCII byte is a character of width 1, and every other character starts
/// with one byte of `11xxxxxx` (its continuation bytes `10xxxxxx` count 0).
pub fn text_width(s: &str) -> u32 {
    let units: usize = s
        .bytes()
        .map(|b| usize::from(b < 0x80) + 2 * usize::from(b >= 0xC0))
        .sum();
    u32::try_from(units).unwrap_or(u32::MAX)
}

/// Column width for text of `units` width, with padding, clamped to `[min, max]`.
pub fn column_width(units: u32, min: u32, max: u32) -> f64 {
    f64::from((units + 2).clamp(min, max))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    /// The hash taken while a workbook streams out is the file's, for a
    /// constant-memory sheet too (its rows come back from a temporary file).
    #[test]
    fn a_saved_workbook_is_hashed_as_it_lies_on_disk() {
        use sha2::{Digest, Sha256};
        let dir = tempfile::tempdir().unwrap();
        let out = OutDir::new(dir.path());
        let mut wb = workbook();
        let ws = wb.add_worksheet_with_constant_memory().unwrap();
        for r in 0..5000u32 {
            let _ = ws.write(r, 0, format!("行{r}"));
            let _ = ws.write(r, 1, f64::from(r) / 100.0);
        }
        let written = save_xlsx(&mut wb, &out, "x/book.xlsx").unwrap();
        let on_disk = std::fs::read(dir.path().join("x/book.xlsx")).unwrap_or_default();
        assert!(on_disk.starts_with(b"PK"));
        assert_eq!(written.bytes, on_disk.len() as u64);
        let hex: String = Sha256::digest(&on_disk).iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(written.sha256, hex);
    }

    #[test]
    fn excel_numbers_are_the_doubles_nearest_the_decimals() {
        for v in [
            dec!(0.1),
            dec!(0.29),
            dec!(1234567.89),
            dec!(-0.07),
            dec!(99999999999.99),
            dec!(8000),
            dec!(3.5),
            dec!(1.005),
            dec!(-90071992547409.91),
            dec!(90071992547409.92),
        ] {
            assert_eq!(
                excel_number(v),
                f64::from_str(&v.to_string()).unwrap_or(f64::NAN),
                "{v}"
            );
        }
    }

    proptest::proptest! {
        /// A figure's cell is the double of its decimal text, whatever its
        /// scale and size, and a column's exact sum is the decimals' sum.
        #[test]
        fn numbers_and_sums_are_those_of_the_decimals(
            values in proptest::collection::vec((-(1i64 << 57)..(1i64 << 57), 0u32..6), 1..40),
        ) {
            let mut sum = ExactSum::default();
            let mut expected = Decimal::ZERO;
            for (m, scale) in values {
                let d = Decimal::new(m, scale);
                let n = Figure::of(d).map_or(Number::Decimal(d), Number::Figure);
                proptest::prop_assert_eq!(n.excel(), f64::from_str(&d.to_string()).unwrap_or(f64::NAN));
                proptest::prop_assert_eq!(n.decimal(), d);
                proptest::prop_assert_eq!(n.is_fen(), scale <= 2);
                sum.add(n);
                expected += d;
            }
            let mut merged = ExactSum::default();
            merged.merge(&sum);
            proptest::prop_assert_eq!(merged.total(), expected);
            proptest::prop_assert_eq!(merged.excel(), excel_number(expected));
        }
    }

    proptest::proptest! {
        /// The width is one unit an ASCII character, two any other.
        #[test]
        fn text_width_counts_characters(s in "\\PC{0,40}") {
            let by_chars: u32 = s.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum();
            proptest::prop_assert_eq!(text_width(&s), by_chars);
        }
    }

    /// Fen take the figure path; a decimal past 2^53 fen and a sum past a
    /// decimal's range still give numbers (the latter saturated).
    #[test]
    fn fen_and_edges() {
        assert_eq!(Number::fen(Fen(-1234)).decimal(), dec!(-12.34));
        assert!(Number::fen(Fen(-1234)).is_fen());
        assert_eq!(Number::fen(Fen(i64::MAX)), Number::Decimal(Fen(i64::MAX).dec()));
        let big = dec!(123456789012345678.91);
        assert_eq!(
            Number::Decimal(big).excel(),
            f64::from_str("123456789012345678.91").unwrap_or(0.0)
        );
        let mut sum = ExactSum::default();
        sum.add(Number::Decimal(Decimal::MAX));
        sum.add(Number::Decimal(Decimal::MAX));
        assert_eq!(sum.total(), Decimal::MAX);
    }
}
