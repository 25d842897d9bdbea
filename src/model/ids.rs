//! Identifier checks: resident ID (GB 11643), USCC (GB 32100), bank card (Luhn).
//!
//! Each check returns the normalised identifier or a reason it is invalid;
//! reasons are codes so messages can be localised by the caller.

use super::date::Date;

/// Why an identifier was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdProblem {
    Length,
    Characters,
    CheckChar,
    BirthDate,
    Region,
    /// A 15-digit ID of the first generation: the tax and social-insurance
    /// systems take the 18-digit number only.
    Legacy15,
}

impl IdProblem {
    pub fn describe(self, zh: bool) -> &'static str {
        match (self, zh) {
            (IdProblem::Length, true) => "位数不对",
            (IdProblem::Length, false) => "wrong length",
            (IdProblem::Characters, true) => "含有不允许的字符",
            (IdProblem::Characters, false) => "contains characters that are not allowed",
            (IdProblem::CheckChar, true) => "校验位不符",
            (IdProblem::CheckChar, false) => "check character does not match",
            (IdProblem::BirthDate, true) => "出生日期不存在",
            (IdProblem::BirthDate, false) => "birth date does not exist",
            (IdProblem::Region, true) => "地区码不对",
            (IdProblem::Region, false) => "region code is not valid",
            (IdProblem::Legacy15, true) => {
                "是 15 位旧身份证号码, 个税和社保申报只收 18 位号码; 请改填员工现用的 18 位身份证号"
            }
            (IdProblem::Legacy15, false) => {
                "a 15-digit first-generation ID; the tax and SI filings take the 18-digit number only: enter the employee's current 18-digit ID"
            }
        }
    }
}

const ID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK: &[u8; 11] = b"10X98765432";

/// The GB 11643 check character for the first 17 digits.
pub fn resident_id_check_char(first17: &str) -> Option<char> {
    let bytes = first17.as_bytes();
    if bytes.len() != 17 || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let sum: u32 = bytes.iter().zip(ID_WEIGHTS).map(|(b, w)| u32::from(b - b'0') * w).sum();
    Some(char::from(ID_CHECK[(sum % 11) as usize]))
}

/// Validates an 18-character resident ID (also HK/Macau/Taiwan residence
/// permits, prefixes 810000/820000/830000) or converts a 15-digit legacy ID.
/// Returns the normalised 18-character form (upper-case X).
pub fn resident_id(raw: &str) -> Result<String, IdProblem> {
    let id = raw.trim().to_ascii_uppercase();
    let id = match id.len() {
        15 => convert_15_to_18(&id)?,
        18 => id,
        _ => return Err(IdProblem::Length),
    };
    let (body, check) = id.split_at(17);
    if !body.bytes().all(|b| b.is_ascii_digit()) {
        return Err(IdProblem::Characters);
    }
    if !check.bytes().all(|b| b.is_ascii_digit() || b == b'X') {
        return Err(IdProblem::Characters);
    }
    if body.starts_with('0') {
        return Err(IdProblem::Region);
    }
    birth_date(&id).ok_or(IdProblem::BirthDate)?;
    if resident_id_check_char(body).map(String::from).as_deref() != Some(check) {
        return Err(IdProblem::CheckChar);
    }
    Ok(id)
}

/// [`resident_id`] for a number that goes into a filing: an 18-character
/// ID only (a 15-digit legacy ID is [`IdProblem::Legacy15`], not converted
/// behind the clerk's back).
pub fn resident_id_for_filing(raw: &str) -> Result<String, IdProblem> {
    if raw.trim().len() == 15 && raw.trim().bytes().all(|b| b.is_ascii_digit()) {
        return Err(IdProblem::Legacy15);
    }
    resident_id(raw)
}

/// Converts a 15-digit legacy ID: insert "19" before the 2-digit year and
/// append the check character.
pub fn convert_15_to_18(id15: &str) -> Result<String, IdProblem> {
    if id15.len() != 15 {
        return Err(IdProblem::Length);
    }
    if !id15.bytes().all(|b| b.is_ascii_digit()) {
        return Err(IdProblem::Characters);
    }
    let body = format!("{}19{}", &id15[..6], &id15[6..]);
    let check = resident_id_check_char(&body).ok_or(IdProblem::Characters)?;
    Ok(format!("{body}{check}"))
}

/// Birth date encoded in digits 7–14 of an 18-character ID.
pub fn birth_date(id18: &str) -> Option<Date> {
    let y = id18.get(6..10)?.parse().ok()?;
    let m = id18.get(10..12)?.parse().ok()?;
    let d = id18.get(12..14)?.parse().ok()?;
    Date::new(y, m, d)
}

const USCC_ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const USCC_WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/// Validates a unified social credit code; returns it upper-cased.
pub fn uscc(raw: &str) -> Result<String, IdProblem> {
    let code = raw.trim().to_ascii_uppercase();
    if code.len() != 18 {
        return Err(IdProblem::Length);
    }
    let values: Option<Vec<u32>> = code
        .bytes()
        .map(|b| USCC_ALPHABET.iter().position(|&a| a == b).map(|p| p as u32))
        .collect();
    let values = values.ok_or(IdProblem::Characters)?;
    let sum: u32 = values[..17].iter().zip(USCC_WEIGHTS).map(|(v, w)| v * w).sum();
    let check = (31 - sum % 31) % 31;
    if values[17] != check {
        return Err(IdProblem::CheckChar);
    }
    Ok(code)
}

/// Validates a personal bank card: 16–19 digits and a Luhn check.
/// Spaces and dashes between digit groups are removed.
pub fn bank_card(raw: &str) -> Result<String, IdProblem> {
    let card: String = raw.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    if !card.bytes().all(|b| b.is_ascii_digit()) {
        return Err(IdProblem::Characters);
    }
    if !(16..=19).contains(&card.len()) {
        return Err(IdProblem::Length);
    }
    if !luhn_ok(&card) {
        return Err(IdProblem::CheckChar);
    }
    Ok(card)
}

/// Luhn mod-10 check over ASCII digits.
pub fn luhn_ok(digits: &str) -> bool {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                let x = d * 2;
                if x > 9 { x - 9 } else { x }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// The Luhn check digit to append to `partial`.
pub fn luhn_check_digit(partial: &str) -> char {
    (0..=9u8)
        .map(|d| char::from(b'0' + d))
        .find(|&c| luhn_ok(&format!("{partial}{c}")))
        .unwrap_or('0')
}

/// Masks an identifier for logs and payslips: first 4 and last 4 visible.
pub fn mask(id: &str) -> String {
    let n = id.chars().count();
    // One string, no intermediate ones: payslips mask two numbers each.
    let mut out = String::with_capacity(id.len());
    for (i, c) in id.chars().enumerate() {
        out.push(if n > 8 && (i < 4 || i >= n - 4) { c } else { '*' });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_like_the_issue_says() {
        assert_eq!(mask("11010519491231002X"), "1101**********002X");
        assert_eq!(mask("6222020200112233446"), "6222***********3446");
        assert_eq!(mask("123"), "***");
        assert_eq!(mask("12345678"), "********");
        assert_eq!(mask("123456789"), "1234*6789");
        assert_eq!(mask("张三丰李四王五赵六钱"), "张三丰李**五赵六钱");
        assert_eq!(mask(""), "");
    }

    #[test]
    fn luhn_digit_completes_a_card() {
        let d = luhn_check_digit("622202020011223344");
        assert_eq!(d, '6');
    }
}
