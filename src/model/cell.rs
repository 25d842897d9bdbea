//! What the readers say about a cell beyond its value: why it cannot be
//! read exactly, and the A1 letters of its column.

/// Why a cell's value cannot be read exactly: each is a finding at the
/// cell with its own fix hint (`check = "unreadable"` rules), never a guess.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unreadable {
    /// A formula saved without its computed value (a file written by a
    /// script, or saved before recalculation): it would read as blank.
    Formula,
    /// A binary number that is not finite (NaN, ±infinity).
    NotFinite,
    /// An identifier (ID number, bank card) stored as a number: Excel keeps
    /// 15 significant digits, the rest are already lost.
    IdAsNumber,
    /// Digits with separators that give no one reading: thousands groups
    /// that are not of three, `、`, or a European `21.200,00`.
    Separators,
}

impl Unreadable {
    /// What the cell is shown as in a finding.
    pub fn shown(self) -> &'static str {
        match self {
            Unreadable::Formula => "=(公式, 无计算结果)",
            Unreadable::NotFinite => "NaN/∞",
            Unreadable::IdAsNumber | Unreadable::Separators => "",
        }
    }
}

/// Column letters for a 0-based index: 0 → A, 25 → Z, 26 → AA.
pub fn column_letters(mut col: usize) -> String {
    let mut out = Vec::new();
    loop {
        out.push(b'A' + (col % 26) as u8);
        if col < 26 {
            break;
        }
        col = col / 26 - 1;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}
