//! Deterministic xlsx: fixed document properties so the same data gives the
//! same bytes, and the one conversion from exact decimals to Excel numbers.

use std::str::FromStr;

use rust_decimal::Decimal;
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook};

use crate::error::Error;

/// A workbook whose metadata carries no wall-clock time.
pub fn workbook() -> Workbook {
    let mut wb = Workbook::new();
    let mut props = DocProperties::new().set_author("paybatch");
    if let Ok(epoch) = ExcelDateTime::from_ymd(2000, 1, 1) {
        props = props.set_creation_datetime(&epoch);
    }
    wb.set_properties(&props);
    wb
}

/// Excel stores numbers as binary doubles: this is the output boundary.
/// Parsing the exact decimal text gives the double nearest to it, which
/// Excel displays back as the same decimal.
pub fn excel_number(value: Decimal) -> f64 {
    f64::from_str(&value.to_string()).unwrap_or(0.0)
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
