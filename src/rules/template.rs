//! Output templates (`rules/templates/*.toml`): which rows, which columns in
//! which order, headers, number formats, encoding, line endings, fixed
//! widths, header and trailer lines. A new bank or a new version of the
//! tax client's import is a new template file, not new code.

use serde::Deserialize;

use crate::i18n::Text;

/// File format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileFormat {
    Csv,
    Xlsx,
    /// Byte-counted fixed-width text lines.
    Fixed,
}

/// Text encoding of CSV and fixed-width files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Encoding {
    #[default]
    Utf8,
    Utf8Bom,
    Gbk,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum LineEnding {
    #[default]
    Lf,
    Crlf,
}

/// Which employees become rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RowSet {
    /// Everyone on the payroll.
    All,
    /// Everyone to be paid by bank: net > 0 and a bank card (others are
    /// excluded and listed).
    Paid,
    /// Hired in the period (SI/HF 增员).
    Joiners,
    /// Left in the period (SI/HF 减员).
    Leavers,
    /// SI base differs from the previous period (基数调整).
    BaseChanges,
    /// Annual bonus taxed separately (年终奖单独计税).
    BonusSeparate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Align {
    #[default]
    Left,
    Right,
}

/// How a money value is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Amount {
    /// `1234.50`.
    #[default]
    Yuan2,
    /// Integer fen: `123450`.
    Fen,
}

/// One column (or one segment of a header/trailer line).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Column {
    /// Header text (CSV/xlsx).
    #[serde(default)]
    pub header: String,
    /// A field of the row (see README, "Template fields").
    #[serde(default)]
    pub field: Option<String>,
    /// A literal, with `{period}`, `{company}`, `{payer.account}` … filled in.
    #[serde(default)]
    pub value: Option<String>,
    /// Fixed width in bytes (a Chinese character in GBK is 2 bytes).
    #[serde(default)]
    pub width: Option<usize>,
    #[serde(default)]
    pub align: Align,
    /// Padding character for fixed widths (default space).
    #[serde(default)]
    pub pad: Option<char>,
    #[serde(default)]
    pub amount: Amount,
    /// Column width in xlsx (characters); default fits the header.
    #[serde(default)]
    pub xlsx_width: Option<u32>,
}

/// A header or trailer line of a fixed-width (or CSV) file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Line {
    pub segments: Vec<Column>,
}

/// One output template.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Template {
    /// Machine name; also the output folder group (`bank`, `iit`, `si`).
    pub name: String,
    pub label: Text,
    pub group: String,
    pub source: String,
    pub format: FileFormat,
    #[serde(default)]
    pub encoding: Encoding,
    #[serde(default)]
    pub line_ending: LineEnding,
    /// Output file name; `{period}` and `{city}` are filled in.
    pub file_name: String,
    pub rows: RowSet,
    /// Only employees insured in this city.
    #[serde(default)]
    pub city: Option<String>,
    /// Sheet name for xlsx.
    #[serde(default)]
    pub sheet: Option<String>,
    /// Write the column headers (CSV/xlsx; fixed files usually have none).
    #[serde(default = "yes")]
    pub header_row: bool,
    /// The money field whose sum the self-check compares with the register.
    #[serde(default)]
    pub total_of: Option<String>,
    /// Write the file even with no rows.
    #[serde(default)]
    pub write_empty: bool,
    /// Most rows one file may hold (a bank's batch limit, a count field's
    /// width); more rows go to numbered files `name_001.ext`, `name_002.ext`,
    /// each with its own header and trailer.
    #[serde(default)]
    pub max_rows: Option<usize>,
    #[serde(default)]
    pub header_line: Option<Line>,
    #[serde(default)]
    pub trailer_line: Option<Line>,
    #[serde(rename = "column")]
    pub columns: Vec<Column>,
    /// File it was read from.
    #[serde(skip)]
    pub file: String,
}

fn yes() -> bool {
    true
}
