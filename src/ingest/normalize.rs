//! Text clean-up that clerks' spreadsheets need: full-width characters,
//! stray spaces, thousands separators, currency marks, Chinese dates.

use std::str::FromStr;

use rust_decimal::Decimal;

use crate::model::Date;

/// Trims ASCII and CJK whitespace (U+3000, NBSP, zero-width space).
pub fn trim(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_whitespace() || c == '\u{3000}' || c == '\u{200b}' || c == '\u{feff}')
}

/// Maps full-width ASCII (Ｕ+FF01–FF5E) and the ideographic space to
/// half-width, and common Chinese punctuation used in numbers and dates.
pub fn half_width(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{3000}' => ' ',
            '\u{ff01}'..='\u{ff5e}' => char::from_u32(c as u32 - 0xfee0).unwrap_or(c),
            '。' => '.',
            '、' => ',',
            _ => c,
        })
        .collect()
}

/// Cleans a header or key for matching: half-width, trimmed, no inner
/// spaces, no leading `*` (required-column marks), lower-case ASCII.
pub fn header_key(s: &str) -> String {
    half_width(trim(s))
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '*')
        .flat_map(char::to_lowercase)
        .collect()
}

/// Why a cell's text is not a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumberProblem {
    /// Not a number at all ("abc", "N/A").
    NotANumber,
    /// Digits with separators that give no one reading: thousands groups
    /// that are not of three (`1,2,3`), `、`, a European `21.200,00`.
    Separators,
}

/// Parses a number written by a person ([`read_number`]), or `None`.
pub fn parse_number(raw: &str) -> Option<Decimal> {
    read_number(raw).ok()
}

/// Reads a number written by a person, exactly or not at all: full-width
/// digits, thousands separators in groups of three, currency marks, a
/// trailing 元, a percent sign (÷100), accounting negatives in parentheses.
/// Anything with two readings (`1,2,3`, `21、200`, `21.200,00`) is
/// [`NumberProblem::Separators`], never a guess.
pub fn read_number(raw: &str) -> Result<Decimal, NumberProblem> {
    // Most cells are plain ASCII numbers ("8000", "-12.5"): parsed as they
    // are, with no clean-up copies. Anything else takes the long way.
    let plain = raw.trim_ascii();
    if let Some(d) = short_number(plain) {
        return Ok(d);
    }
    if is_plain_number(plain) {
        return Decimal::from_str(plain).map_err(|_| NumberProblem::NotANumber);
    }
    let has_digit = raw.chars().any(|c| c.is_ascii_digit() || ('０'..='９').contains(&c));
    if raw.contains('、') {
        return Err(if has_digit {
            NumberProblem::Separators
        } else {
            NumberProblem::NotANumber
        });
    }
    let text = half_width(trim(raw));
    let mut s = text.trim();
    let mut negative = false;
    if let Some(inner) = s.strip_prefix('(').and_then(|x| x.strip_suffix(')')) {
        negative = true;
        s = inner.trim();
    }
    // One sign at most, before or after the currency mark.
    let mut signed = false;
    let mut sign = |s: &mut &str| {
        if signed {
            return;
        }
        if let Some(rest) = s.strip_prefix('-') {
            negative = !negative;
            signed = true;
            *s = rest.trim_start();
        } else if let Some(rest) = s.strip_prefix('+') {
            signed = true;
            *s = rest.trim_start();
        }
    };
    sign(&mut s);
    for mark in ['¥', '￥', '$'] {
        if let Some(rest) = s.strip_prefix(mark) {
            s = rest.trim_start();
        }
    }
    sign(&mut s);
    for suffix in ["元", "人民币", "rmb", "RMB", "CNY"] {
        if let Some(rest) = s.strip_suffix(suffix) {
            s = rest.trim_end();
        }
    }
    let (s, percent) = match s.strip_suffix('%') {
        Some(rest) => (rest.trim_end(), true),
        None => (s, false),
    };
    let mut value = number_core(s).map_err(|()| {
        if has_digit && s.chars().all(|c| c.is_ascii_digit() || matches!(c, ',' | '.' | ' ')) {
            NumberProblem::Separators
        } else {
            NumberProblem::NotANumber
        }
    })?;
    if percent {
        value /= Decimal::ONE_HUNDRED;
    }
    if negative && !value.is_zero() {
        value = -value;
    }
    Ok(value)
}

/// The digits of a number without sign or marks: plain (`12345.6`),
/// grouped in threes (`12,345.6`; a space may stand for the comma), or
/// scientific (`1.5E+3`).
fn number_core(s: &str) -> Result<Decimal, ()> {
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (s, None),
    };
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    if s.contains(['e', 'E']) {
        return Decimal::from_scientific(s).map_err(drop);
    }
    if frac.is_some_and(|f| !f.is_empty() && !digits(f)) || (int.is_empty() && frac.is_none_or(str::is_empty)) {
        return Err(());
    }
    let int: String = if int.contains([',', ' ']) {
        let mut groups = int.split([',', ' ']);
        let first = groups.next().unwrap_or_default();
        if !digits(first) || first.len() > 3 || !groups.all(|g| g.len() == 3 && digits(g)) {
            return Err(());
        }
        int.chars().filter(char::is_ascii_digit).collect()
    } else if int.is_empty() || digits(int) {
        int.to_string()
    } else {
        return Err(());
    };
    let text = match frac {
        Some(f) if !f.is_empty() => format!("{}.{f}", if int.is_empty() { "0" } else { &int }),
        _ => int,
    };
    Decimal::from_str(&text).map_err(drop)
}

/// The common cell, read in one pass: an optional '-', then digits with at
/// most one '.' between them, 18 digits at most, not a negative zero. The
/// same decimal as `Decimal::from_str`, sign and scale included; anything
/// else is `None` (and goes the long way).
fn short_number(s: &str) -> Option<Decimal> {
    let (negative, digits) = match s.as_bytes() {
        [b'-', rest @ ..] => (true, rest),
        all => (false, all),
    };
    if digits.is_empty() || digits.len() > 19 {
        return None;
    }
    let (mut mantissa, mut count, mut scale, mut point) = (0i64, 0u32, 0u32, false);
    for &b in digits {
        match b {
            // 18 digits fit an i64; a 19th is left to the long way.
            b'0'..=b'9' if count < 18 => {
                mantissa = mantissa * 10 + i64::from(b - b'0');
                count += 1;
                scale += u32::from(point);
            }
            b'.' if !point => point = true,
            _ => return None,
        }
    }
    // A leading or trailing point.
    if digits.first() == Some(&b'.') || digits.last() == Some(&b'.') || (negative && mantissa == 0) {
        return None;
    }
    Some(Decimal::new(if negative { -mantissa } else { mantissa }, scale))
}

/// Digits with at most one '.' and an optional leading '-'.
fn is_plain_number(s: &str) -> bool {
    let digits = s.strip_prefix('-').unwrap_or(s).as_bytes();
    !digits.is_empty()
        && digits.iter().all(|b| b.is_ascii_digit() || *b == b'.')
        && digits.iter().filter(|b| **b == b'.').count() <= 1
        && digits.iter().any(u8::is_ascii_digit)
}

/// Parses a date: 2026-03-01, 2026/3/1, 2026.3.1, 2026年3月1日, 20260301,
/// or an Excel serial written as text.
pub fn parse_date(raw: &str) -> Option<Date> {
    // The common case, 2026-03-01, without clean-up copies.
    if let [y0, y1, y2, y3, b'-', m0, m1, b'-', d0, d1] = *raw.trim_ascii().as_bytes() {
        let num = |ds: &[u8]| {
            ds.iter()
                .try_fold(0u32, |n, d| d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0')))
        };
        if let (Some(y), Some(m), Some(d)) = (num(&[y0, y1, y2, y3]), num(&[m0, m1]), num(&[d0, d1])) {
            return Date::new(i32::try_from(y).ok()?, m, d);
        }
    }
    let s = half_width(trim(raw));
    let s = s.trim_end_matches('日').trim_end_matches('号');
    // Drop a time part: "2026-03-01 00:00:00".
    let s = s.split([' ', 'T']).next().unwrap_or(s);
    if s.len() == 8 && s.bytes().all(|b| b.is_ascii_digit()) {
        return Date::new(s[..4].parse().ok()?, s[4..6].parse().ok()?, s[6..].parse().ok()?);
    }
    if !s.is_empty() && s.len() <= 6 && s.bytes().all(|b| b.is_ascii_digit()) {
        return Date::from_excel_serial(s.parse().ok()?);
    }
    let parts: Vec<&str> = s.split(['-', '/', '.', '年', '月']).collect();
    if let [y, m, d] = parts.as_slice()
        && y.len() == 4
    {
        return Date::new(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
    }
    None
}

/// Parses yes/no as clerks write it.
pub fn parse_bool(raw: &str) -> Option<bool> {
    match header_key(raw).as_str() {
        "是" | "y" | "yes" | "true" | "1" | "√" | "✓" | "有" => Some(true),
        "否" | "n" | "no" | "false" | "0" | "×" | "无" | "" => Some(false),
        _ => None,
    }
}

/// Converts a number from a spreadsheet's binary cell into an exact decimal
/// through its shortest round-trip text ("0.1", never 0.1000000000000000055).
/// This is the only place a binary float is touched, at the I/O boundary.
pub fn decimal_from_cell_float(f: f64) -> Option<Decimal> {
    if !f.is_finite() {
        return None;
    }
    // Whole fen below 10^12 (money, days, serial dates): the two-decimal
    // text is then the only short text that reads back as `f` (the float's
    // spacing is far below 0.01), so it is the shortest one.
    // The float arithmetic only tests that guess; the value comes from
    // the integer, never from the float.
    #[allow(clippy::float_arithmetic, clippy::cast_possible_truncation)]
    if f != 0.0 && f.abs() < 1e12 {
        let fen = (f * 100.0).round();
        if fen / 100.0 == f {
            return Some(Decimal::new(fen as i64, 2).normalize());
        }
    }
    let text = f.to_string();
    Decimal::from_str(&text)
        .ok()
        .or_else(|| Decimal::from_scientific(&text).ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    proptest::proptest! {
        /// The one-pass reading of a plain number is `Decimal::from_str`'s,
        /// bit for bit (value, sign, scale), or declines.
        #[test]
        fn short_numbers_are_from_str(s in "-?[0-9]{0,12}(\\.[0-9]{0,8})?|-?\\.?[0-9]{0,20}\\.?|[0-9.-]{0,6}") {
            if let Some(d) = short_number(&s) {
                proptest::prop_assert_eq!(Some(d.serialize()), Decimal::from_str(&s).ok().map(|e| e.serialize()), "{}", s);
            }
        }
    }

    #[test]
    fn short_numbers_take_the_one_pass() {
        for (s, d) in [
            ("8000", dec!(8000)),
            ("8000.00", dec!(8000.00)),
            ("-12.5", dec!(-12.5)),
            ("0.07", dec!(0.07)),
        ] {
            assert_eq!(short_number(s).map(|n| n.serialize()), Some(d.serialize()), "{s}");
        }
        for s in [
            "",
            "-",
            ".",
            "1.",
            ".5",
            "-0",
            "-0.00",
            "1.2.3",
            "1e5",
            "1234567890123456789",
            "9999999999999999999",
        ] {
            assert_eq!(short_number(s), None, "{s}");
        }
        assert_eq!(
            parse_number("-0").map(|n| n.is_sign_negative()),
            Decimal::from_str("-0").ok().map(|n| n.is_sign_negative())
        );
    }

    #[test]
    fn numbers_as_clerks_write_them() {
        assert_eq!(parse_number("１２，３４５．６０"), Some(dec!(12345.60)));
        assert_eq!(parse_number(" 12,345.6 "), Some(dec!(12345.6)));
        assert_eq!(parse_number("¥8000元"), Some(dec!(8000)));
        assert_eq!(parse_number("7%"), Some(dec!(0.07)));
        assert_eq!(parse_number("(120.5)"), Some(dec!(-120.5)));
        assert_eq!(parse_number("abc"), None);
        assert_eq!(parse_number("-12.50"), Some(dec!(-12.50)));
        assert_eq!(parse_number("1.2.3"), None);
        assert_eq!(parse_number("-"), None);
        assert_eq!(parse_number("."), None);
        assert_eq!(parse_number(""), None);
        assert_eq!(parse_number("+500"), Some(dec!(500)));
        assert_eq!(parse_number("-¥1,200.50"), Some(dec!(-1200.50)));
        assert_eq!(parse_number("1 234 567"), Some(dec!(1234567)));
        assert_eq!(parse_number("1.5E+3"), Some(dec!(1500)));
        assert_eq!(parse_number("12.50元"), Some(dec!(12.50)));
    }

    /// Separators with more than one reading are refused, not guessed.
    #[test]
    fn ambiguous_separators_are_refused() {
        for s in [
            "1,2,3",
            "2,1,2,0,0",
            "21、200",
            "21.200,00",
            "1,23",
            "12,3456",
            "1234,567",
            ",500",
            "1,,000",
            "1,000.000,5",
            "１，２，３",
            "¥1,2",
        ] {
            assert_eq!(read_number(s), Err(NumberProblem::Separators), "{s}");
        }
        for s in ["abc", "N/A", "NaN", "inf", "12a", "--5", "1-2"] {
            assert_eq!(read_number(s), Err(NumberProblem::NotANumber), "{s}");
        }
        for (s, d) in [
            ("1,234", dec!(1234)),
            ("12,345,678.9", dec!(12345678.9)),
            ("１２，０００", dec!(12000)),
            ("(1,200)", dec!(-1200)),
            ("100%", dec!(1)),
            ("5.5%", dec!(0.055)),
        ] {
            assert_eq!(read_number(s), Ok(d), "{s}");
        }
    }

    #[test]
    fn dates_as_clerks_write_them() {
        let d = Date::new(2026, 3, 1);
        assert_eq!(parse_date("2026-03-01"), d);
        assert_eq!(parse_date("2026/3/1"), d);
        assert_eq!(parse_date("2026年3月1日"), d);
        assert_eq!(parse_date("２０２６－０３－０１"), d);
        assert_eq!(parse_date("20260301"), d);
        assert_eq!(parse_date("46082"), d);
        assert_eq!(parse_date("2026-03-01 00:00:00"), d);
        assert_eq!(parse_date("2026-02-30"), None);
        assert_eq!(parse_date(" 2026-03-01 "), d);
        assert_eq!(parse_date("2026-13-01"), None);
        assert_eq!(parse_date("2026-0a-01"), None);
    }

    #[test]
    fn floats_from_cells_are_shortest_decimal() {
        for f in [
            0.1,
            0.3,
            1.0,
            -2.5,
            12345.67,
            8000.0,
            0.07,
            46082.0,
            1e11 + 0.01,
            0.125,
            1e15,
            3.3333,
        ] {
            let text = Decimal::from_str(&f.to_string()).ok();
            assert_eq!(decimal_from_cell_float(f), text, "{f}");
            assert_eq!(
                decimal_from_cell_float(f).map(|d| d.scale()),
                text.map(|d| d.scale()),
                "{f}"
            );
        }
        assert_eq!(decimal_from_cell_float(0.1 + 0.2), Some(dec!(0.30000000000000004)));
        assert_eq!(decimal_from_cell_float(0.1), Some(dec!(0.1)));
        assert_eq!(decimal_from_cell_float(12345.67), Some(dec!(12345.67)));
        assert_eq!(decimal_from_cell_float(f64::NAN), None);
    }

    #[test]
    fn header_keys() {
        assert_eq!(header_key(" *工 号 "), "工号");
        assert_eq!(header_key("Employee ID"), "employeeid");
        assert_eq!(header_key("ＩＤ"), "id");
    }
}
