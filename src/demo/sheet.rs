//! Writing sample sheets the way clerks' files look: a merged title row
//! above the header, real Excel dates, CSV in UTF-8 with BOM or GBK.

use std::path::Path;

use rust_xlsxwriter::{ExcelDateTime, Format, FormatAlign};

use crate::emit::xlsx::{column_width, err, excel_number, header_format, text_width, workbook};
use crate::error::{Error, Result};
use crate::ingest::grid::Cell;

/// A sheet to write: optional merged title, a header, data rows.
pub struct Sheet {
    pub name: String,
    /// Rows above the header, each merged across the header's width.
    pub titles: Vec<String>,
    pub header: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

impl Sheet {
    pub fn new(name: &str, header: &[&str], rows: Vec<Vec<Cell>>) -> Self {
        Sheet {
            name: name.into(),
            titles: Vec::new(),
            header: header.iter().map(|h| (*h).to_string()).collect(),
            rows,
        }
    }

    pub fn with_title(mut self, title: &str) -> Self {
        self.titles.push(title.into());
        self
    }
}

/// Writes sheets to an xlsx file (deterministic bytes).
pub fn write_xlsx(path: &Path, sheets: &[Sheet]) -> Result<()> {
    let file = path.display().to_string();
    let e = err(&file);
    let mut wb = workbook();
    let head = header_format();
    let date_fmt = Format::new().set_num_format("yyyy-mm-dd");
    let title_fmt = Format::new()
        .set_bold()
        .set_font_size(14)
        .set_align(FormatAlign::Center);
    for sheet in sheets {
        let ws = wb.add_worksheet();
        ws.set_name(&sheet.name).map_err(&e)?;
        let mut row = 0u32;
        let last = sheet.header.len().saturating_sub(1) as u16;
        for title in &sheet.titles {
            ws.merge_range(row, 0, row, last, title, &title_fmt).map_err(&e)?;
            row += 1;
        }
        for (c, h) in sheet.header.iter().enumerate() {
            ws.write_with_format(row, c as u16, h.as_str(), &head).map_err(&e)?;
            ws.set_column_width(c as u16, column_width(text_width(h) + 2, 12, 60))
                .map_err(&e)?;
        }
        for data in &sheet.rows {
            row += 1;
            for (c, cell) in data.iter().enumerate() {
                let c = c as u16;
                match cell {
                    Cell::Empty | Cell::Unreadable(_) => {}
                    Cell::Text(s) => {
                        ws.write(row, c, s.as_str()).map_err(&e)?;
                    }
                    Cell::Number(n) => {
                        ws.write(row, c, excel_number(*n)).map_err(&e)?;
                    }
                    Cell::Bool(b) => {
                        ws.write(row, c, *b).map_err(&e)?;
                    }
                    Cell::Date(d) => {
                        let dt =
                            ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8).map_err(&e)?;
                        ws.write_datetime_with_format(row, c, &dt, &date_fmt).map_err(&e)?;
                    }
                }
            }
        }
    }
    let bytes = wb.save_to_buffer().map_err(&e)?;
    crate::emit::atomic::write(path, &bytes)
}

/// CSV text encodings for sample files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CsvEncoding {
    Utf8Bom,
    Gbk,
}

/// Renders rows as CSV text (CRLF line ends, as Excel writes them).
pub fn csv_text(header: &[&str], rows: &[Vec<Cell>]) -> Result<String> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let io = |e: csv::Error| Error::Output {
        file: "csv".into(),
        reason: e.to_string(),
    };
    w.write_record(header).map_err(io)?;
    for row in rows {
        w.write_record(row.iter().map(Cell::display)).map_err(io)?;
    }
    let bytes = w.into_inner().map_err(|e| Error::Output {
        file: "csv".into(),
        reason: e.to_string(),
    })?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Writes a CSV file in UTF-8 with BOM (what Excel's "CSV UTF-8" saves).
pub fn write_csv(path: &Path, header: &[&str], rows: Vec<Vec<Cell>>) -> Result<()> {
    write_csv_encoded(path, header, &rows, CsvEncoding::Utf8Bom)
}

/// Writes a CSV file in the given encoding.
pub fn write_csv_encoded(path: &Path, header: &[&str], rows: &[Vec<Cell>], enc: CsvEncoding) -> Result<()> {
    let text = csv_text(header, rows)?;
    let bytes = match enc {
        CsvEncoding::Utf8Bom => {
            let mut b = b"\xEF\xBB\xBF".to_vec();
            b.extend_from_slice(text.as_bytes());
            b
        }
        CsvEncoding::Gbk => encoding_rs::GBK.encode(&text).0.into_owned(),
    };
    crate::emit::atomic::write(path, &bytes)
}
