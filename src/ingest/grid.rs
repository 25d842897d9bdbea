//! A sheet as read from disk: cells by absolute row and column, plus where
//! it came from. Readers for xlsx/xls/ods (calamine) and CSV (UTF-8, UTF-8
//! with BOM, GBK) produce a [`Grid`]; nothing here knows about payroll.

use std::fmt;
use std::path::Path;

use calamine::{Data, Reader, SheetVisible, open_workbook_auto_from_rs};
use rust_decimal::Decimal;

use super::normalize::{decimal_from_cell_float, trim};
use crate::error::{Error, Result};
use crate::model::Date;

/// One cell's value as the file holds it.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Number(Decimal),
    Date(Date),
    Bool(bool),
}

impl Cell {
    pub fn is_empty(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(s) => trim(s).is_empty(),
            _ => false,
        }
    }

    /// The value as a clerk would see it in the cell.
    pub fn display(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(s) => s.clone(),
            Cell::Number(n) => n.normalize().to_string(),
            Cell::Date(d) => d.to_string(),
            Cell::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        }
    }
}

/// Where a value came from: file, sheet, 0-based row and column.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Origin {
    pub file: String,
    pub sheet: String,
    pub row: usize,
    pub col: Option<usize>,
}

impl Origin {
    /// The A1 address, e.g. `D17` (or `17` when no column applies).
    pub fn a1(&self) -> String {
        match self.col {
            Some(c) => format!("{}{}", column_letters(c), self.row + 1),
            None => format!("{}", self.row + 1),
        }
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}!{}!{}", self.file, self.sheet, self.a1())
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

/// A rectangular sheet; `rows[0]` is spreadsheet row 1.
#[derive(Debug, Clone, Default)]
pub struct Grid {
    /// File name as shown to the clerk (relative to the input folder).
    pub file: String,
    pub sheet: String,
    pub rows: Vec<Vec<Cell>>,
}

impl Grid {
    pub fn cell(&self, row: usize, col: usize) -> &Cell {
        self.rows.get(row).and_then(|r| r.get(col)).unwrap_or(&Cell::Empty)
    }

    pub fn origin(&self, row: usize, col: Option<usize>) -> Origin {
        Origin {
            file: self.file.clone(),
            sheet: self.sheet.clone(),
            row,
            col,
        }
    }
}

/// The input encodings paybatch detects for CSV.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextEncoding {
    Utf8,
    Utf8Bom,
    Gbk,
}

/// Decodes CSV bytes: UTF-8 BOM, else strict UTF-8, else strict GBK.
pub fn decode_text(bytes: &[u8], file: &str) -> Result<(String, TextEncoding)> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return std::str::from_utf8(rest)
            .map(|s| (s.to_string(), TextEncoding::Utf8Bom))
            .map_err(|_| Error::Encoding { file: file.into() });
    }
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Ok((s.to_string(), TextEncoding::Utf8));
    }
    let (text, had_errors) = encoding_rs::GBK.decode_without_bom_handling(bytes);
    if had_errors || text.contains('\0') {
        return Err(Error::Encoding { file: file.into() });
    }
    Ok((text.into_owned(), TextEncoding::Gbk))
}

/// Reads a CSV file (any of the detected encodings) into one grid whose
/// sheet name is the file stem.
pub fn read_csv_bytes(bytes: &[u8], file: &str) -> Result<Grid> {
    if bytes.contains(&0) {
        return Err(Error::Encoding { file: file.into() });
    }
    let (text, _) = decode_text(bytes, file)?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| Error::Workbook {
            file: file.into(),
            reason: format!("CSV row {}: {e}", i + 1),
        })?;
        rows.push(
            record
                .iter()
                .map(|s| {
                    if s.is_empty() {
                        Cell::Empty
                    } else {
                        Cell::Text(s.to_string())
                    }
                })
                .collect(),
        );
    }
    let sheet = Path::new(file)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok(Grid {
        file: file.into(),
        sheet,
        rows,
    })
}

fn cell_from_data(data: &Data) -> Cell {
    match data {
        Data::Empty => Cell::Empty,
        Data::String(s) => Cell::Text(s.clone()),
        Data::Int(i) => Cell::Number(Decimal::from(*i)),
        Data::Float(f) => decimal_from_cell_float(*f).map_or(Cell::Empty, Cell::Number),
        Data::Bool(b) => Cell::Bool(*b),
        Data::DateTime(dt) => {
            // Whole days only; calamine handles the 1900 and 1904 systems.
            let (y, m, d, ..) = dt.to_ymd_hms_milli();
            Date::new(i32::from(y), u32::from(m), u32::from(d)).map_or(Cell::Empty, Cell::Date)
        }
        Data::DateTimeIso(s) | Data::DurationIso(s) => Cell::Text(s.clone()),
        Data::Error(e) => Cell::Text(format!("#{e:?}")),
    }
}

/// Names of the visible worksheets of a workbook, in order.
pub struct Workbook {
    pub file: String,
    pub sheets: Vec<Grid>,
}

/// Reads every visible worksheet of an xlsx/xlsm/xls/ods workbook.
pub fn read_workbook_bytes(bytes: Vec<u8>, file: &str) -> Result<Workbook> {
    // A reader library must never take the batch down: a panic inside it on
    // a malformed file becomes an error naming the file.
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| read_workbook_inner(bytes, file))).unwrap_or_else(|_| {
        Err(Error::Workbook {
            file: file.into(),
            reason: "文件已损坏 (corrupt workbook)".into(),
        })
    })
}

fn read_workbook_inner(bytes: Vec<u8>, file: &str) -> Result<Workbook> {
    let workbook_error = |reason: String| Error::Workbook {
        file: file.into(),
        reason,
    };
    if bytes.is_empty() {
        return Err(workbook_error("文件为空 (empty file)".into()));
    }
    if bytes.starts_with(b"\xD0\xCF\x11\xE0") && file.to_lowercase().ends_with(".xlsx") {
        // An OLE container named .xlsx is an encrypted (password) workbook.
        return Err(Error::Protected { file: file.into() });
    }
    let cursor = std::io::Cursor::new(bytes);
    let mut workbook = open_workbook_auto_from_rs(cursor).map_err(|e| workbook_error(e.to_string()))?;
    let names: Vec<String> = workbook
        .sheets_metadata()
        .iter()
        .filter(|s| s.visible == SheetVisible::Visible)
        .map(|s| s.name.clone())
        .collect();
    let mut sheets = Vec::with_capacity(names.len());
    for name in names {
        let range = workbook
            .worksheet_range(&name)
            .map_err(|e| workbook_error(format!("{name}: {e}")))?;
        let (row0, col0) = range.start().map_or((0, 0), |(r, c)| (r as usize, c as usize));
        let mut rows: Vec<Vec<Cell>> = vec![Vec::new(); row0];
        for r in range.rows() {
            let mut row = vec![Cell::Empty; col0];
            row.extend(r.iter().map(cell_from_data));
            rows.push(row);
        }
        sheets.push(Grid {
            file: file.into(),
            sheet: name,
            rows,
        });
    }
    Ok(Workbook {
        file: file.into(),
        sheets,
    })
}

/// True for the spreadsheet extensions calamine reads.
pub fn is_workbook_ext(ext: &str) -> bool {
    matches!(ext, "xlsx" | "xlsm" | "xlsb" | "xls" | "ods")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a1_letters() {
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(701), "ZZ");
        assert_eq!(column_letters(702), "AAA");
    }

    #[test]
    fn gbk_and_bom_detected() {
        let (gbk, _, _) = encoding_rs::GBK.encode("工号,姓名\nE1,张三\n");
        let (text, enc) = decode_text(&gbk, "x.csv").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(enc, TextEncoding::Gbk);
        assert!(text.contains("张三"));
        let bom = b"\xEF\xBB\xBFa,b\n";
        assert_eq!(decode_text(bom, "x.csv").map(|r| r.1).ok(), Some(TextEncoding::Utf8Bom));
        assert!(decode_text(&[0x81, 0x20, 0xff, 0xfe], "x.csv").is_err());
    }
}
