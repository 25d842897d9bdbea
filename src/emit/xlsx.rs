//! Deterministic xlsx: fixed document properties so the same data gives the
//! same bytes, and the one conversion from exact decimals to Excel numbers.

use std::str::FromStr;

use rust_decimal::Decimal;
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook};

use super::sink::{OutDir, Written};
use crate::error::{Error, Result};

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
#[allow(clippy::float_arithmetic)] // the one place money becomes a double, by design
pub fn excel_number(value: Decimal) -> f64 {
    const EXACT: i128 = 1 << 53;
    let m = value.mantissa();
    // Through i64: one instruction, where i128 → f64 is a library call.
    let exact = || (m.abs() < EXACT).then_some(m as i64 as f64);
    match (value.scale(), exact()) {
        (0, Some(m)) => m,
        (1, Some(m)) => m / 10.0,
        (2, Some(m)) => m / 100.0,
        _ => f64::from_str(&value.to_string()).unwrap_or(0.0),
    }
}

/// Saves a workbook as `name` in `out` (streamed to disk) and hashes it.
pub fn save_xlsx(wb: &mut Workbook, out: &OutDir, name: &str) -> Result<Written> {
    let path = out.path(name)?;
    wb.save(&path).map_err(err(name))?;
    out.seal_existing(name)
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
    move |e| Error::Workbook {
        file: file.into(),
        reason: e.to_string(),
    }
}

/// Display width of text in Excel character units (CJK counts double).
pub fn text_width(s: &str) -> u32 {
    s.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum()
}

/// Column width for text of `units` width, with padding, clamped to `[min, max]`.
pub fn column_width(units: u32, min: u32, max: u32) -> f64 {
    f64::from((units + 2).clamp(min, max))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

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
}
