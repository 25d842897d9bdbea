//! A sheet as read from disk: cells by absolute row and column, plus where
//! it came from. Readers for xlsx/xls/ods (calamine) and CSV (UTF-8, UTF-8
//! with BOM, GBK) produce a [`Grid`]; nothing here knows about payroll.

use std::borrow::Cow;
use std::fmt;
use std::path::Path;
use std::sync::Arc;

use calamine::{Data, DataRef, Reader, SheetVisible, Sheets, Xlsx, open_workbook_auto_from_rs};
use rust_decimal::Decimal;

use super::normalize::{decimal_from_cell_float, trim};
use crate::error::{Error, Result};
use crate::model::{Date, Str};

/// One cell's value as the file holds it.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Cell {
    #[default]
    Empty,
    Text(Str),
    Number(Decimal),
    Date(Date),
    Bool(bool),
    /// A cell paybatch cannot read exactly (see [`Unreadable`]).
    Unreadable(Unreadable),
}

pub use crate::model::Unreadable;

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
            Cell::Text(s) => s.to_string(),
            Cell::Number(n) => n.normalize().to_string(),
            Cell::Date(d) => d.to_string(),
            Cell::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
            Cell::Unreadable(u) => u.shown().to_string(),
        }
    }
}

/// Where a value came from: file, sheet, 0-based row and column.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Origin {
    pub file: Arc<str>,
    pub sheet: Arc<str>,
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

pub use crate::model::column_letters;

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
            file: self.file.as_str().into(),
            sheet: self.sheet.as_str().into(),
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

/// The UTF-8 byte-order mark some CSV exports start with.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Decodes CSV bytes: UTF-8 BOM, else strict UTF-8, else strict GBK.
/// UTF-8 text is borrowed, not copied.
pub fn decode_text<'b>(bytes: &'b [u8], file: &str) -> Result<(Cow<'b, str>, TextEncoding)> {
    if let Some(rest) = bytes.strip_prefix(BOM) {
        return std::str::from_utf8(rest)
            .map(|s| (Cow::Borrowed(s), TextEncoding::Utf8Bom))
            .map_err(|_| Error::Encoding { file: file.into() });
    }
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Ok((Cow::Borrowed(s), TextEncoding::Utf8));
    }
    let (text, had_errors) = encoding_rs::GBK.decode_without_bom_handling(bytes);
    if had_errors || text.contains('\0') {
        return Err(Error::Encoding { file: file.into() });
    }
    Ok((Cow::Owned(text.into_owned()), TextEncoding::Gbk))
}

/// The sheet name a CSV file gets: its file stem.
pub fn csv_sheet_name(file: &str) -> String {
    Path::new(file)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Streams a CSV file's rows (any of the detected encodings) to `on_row`
/// with their 0-based row index; nothing but the current row is kept.
pub fn stream_csv_bytes(bytes: &[u8], file: &str, on_row: impl FnMut(usize, &mut [Cell]) -> Result<()>) -> Result<()> {
    stream_csv_reader(csv_text(bytes, file)?.as_bytes(), file, on_row)
}

/// A CSV file's text in any of the detected encodings; NUL bytes are
/// refused (a binary file renamed .csv).
fn csv_text<'b>(bytes: &'b [u8], file: &str) -> Result<Cow<'b, str>> {
    if bytes.contains(&0) {
        return Err(Error::Encoding { file: file.into() });
    }
    Ok(decode_text(bytes, file)?.0)
}

/// [`stream_csv_bytes`] for a file on disk, without holding the file: a
/// UTF-8 file (the million-row extracts) is parsed from disk as it is read
/// (see [`stream_csv_file_records`]). Anything else is read whole and
/// decoded as before (GBK files are clerks' desktop exports).
pub fn stream_csv_file(path: &Path, file: &str, on_row: impl FnMut(usize, &mut [Cell]) -> Result<()>) -> Result<()> {
    stream_csv_file_records(path, file, cell_rows(on_row))
}

/// The bytes that decide a CSV file's encoding when they hold text that
/// is not ASCII (a header of Chinese column names is).
const ENCODING_SAMPLE: usize = 1 << 20;

/// How a CSV file starts ([`ENCODING_SAMPLE`] bytes of it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TextStart {
    /// UTF-8 with text that is not ASCII, or a byte-order mark (`bom`).
    Utf8 { bom: bool },
    /// Nothing but ASCII, which every encoding reads alike.
    Ascii,
    /// Not UTF-8, or a NUL byte: decoded whole ([`csv_text`]).
    Other,
}

fn text_start(head: &[u8]) -> TextStart {
    if memchr::memchr(0, head).is_some() {
        return TextStart::Other;
    }
    let valid = match std::str::from_utf8(head) {
        Ok(_) => true,
        // A character cut by the end of the sample.
        Err(e) => e.error_len().is_none(),
    };
    match (valid, head.starts_with(BOM) || !head.is_ascii()) {
        (false, _) => TextStart::Other,
        (true, true) => TextStart::Utf8 {
            bom: head.starts_with(BOM),
        },
        (true, false) => TextStart::Ascii,
    }
}

/// [`stream_csv_file`] record by record: each row's fields as parsed, for
/// a reader that keeps their text as it is (no cell per field).
///
/// The encoding is decided once for the file. When its first megabyte is
/// UTF-8 with text that is not ASCII, it is parsed as it is read, and a
/// later row that is not UTF-8 (or holds a NUL byte) is an error naming
/// that row. A file that starts in nothing but ASCII is first checked
/// whole, as every file was before, so a GBK file whose Chinese text comes
/// late is still read as GBK.
pub fn stream_csv_file_records(
    path: &Path,
    file: &str,
    on_record: impl FnMut(usize, &csv::StringRecord) -> Result<()>,
) -> Result<()> {
    use std::io::Read;
    let io = |e| Error::io(path, e);
    let open = || std::fs::File::open(path).map_err(io);
    let mut input = open()?;
    let mut head = Vec::with_capacity(ENCODING_SAMPLE);
    (&mut input)
        .take(ENCODING_SAMPLE as u64)
        .read_to_end(&mut head)
        .map_err(io)?;
    let whole = head.len() < ENCODING_SAMPLE;
    let start = match text_start(&head) {
        TextStart::Ascii if !whole => match utf8_without_nul(open()?).map_err(io)? {
            Some(bom) => TextStart::Utf8 { bom },
            None => TextStart::Other,
        },
        start => start,
    };
    match start {
        TextStart::Utf8 { bom } => {
            let mut head = std::io::Cursor::new(head);
            head.set_position(if bom { BOM.len() as u64 } else { 0 });
            let reader = std::io::BufReader::with_capacity(1 << 20, head.chain(input));
            stream_csv_records(reader, file, on_record)
        }
        // The whole file, in nothing but ASCII.
        TextStart::Ascii => stream_csv_records(head.as_slice(), file, on_record),
        TextStart::Other => {
            drop(input);
            let bytes = std::fs::read(path).map_err(io)?;
            stream_csv_records(csv_text(&bytes, file)?.as_bytes(), file, on_record)
        }
    }
}

/// Whether a stream is UTF-8 without NUL bytes, read in 1 MiB chunks:
/// `Some(true)` when it starts with a byte-order mark, `None` when it is
/// not UTF-8 (or holds a NUL).
fn utf8_without_nul(mut input: impl std::io::Read) -> std::io::Result<Option<bool>> {
    let mut buf = vec![0u8; 1 << 20];
    let mut head: Vec<u8> = Vec::with_capacity(BOM.len());
    // Bytes of a character cut by the previous chunk, moved to the front.
    let mut carried = 0;
    loop {
        let n = input.read(&mut buf[carried..])?;
        if n == 0 {
            return Ok((carried == 0).then_some(head == BOM));
        }
        let filled = carried + n;
        let fresh = &buf[carried..filled];
        head.extend(fresh.iter().take(BOM.len() - head.len()));
        if memchr::memchr(0, fresh).is_some() {
            return Ok(None);
        }
        carried = match std::str::from_utf8(&buf[..filled]) {
            Ok(_) => 0,
            // Only a character cut at the very end may wait for the next chunk.
            Err(e) if e.error_len().is_none() => filled - e.valid_up_to(),
            Err(_) => return Ok(None),
        };
        buf.copy_within(filled - carried..filled, 0);
    }
}

/// Parses CSV text (already known to be UTF-8) row by row.
fn stream_csv_reader(
    input: impl std::io::Read,
    file: &str,
    on_row: impl FnMut(usize, &mut [Cell]) -> Result<()>,
) -> Result<()> {
    stream_csv_records(input, file, cell_rows(on_row))
}

/// `on_row` fed CSV records as rows of cells (one row buffer, reused).
fn cell_rows(
    mut on_row: impl FnMut(usize, &mut [Cell]) -> Result<()>,
) -> impl FnMut(usize, &csv::StringRecord) -> Result<()> {
    let mut row = Vec::new();
    move |i, record| {
        record_cells(record, &mut row);
        on_row(i, &mut row)
    }
}

/// The cells of a CSV record into `row`: an empty field is an empty cell,
/// any other is text.
pub fn record_cells(record: &csv::StringRecord, row: &mut Vec<Cell>) {
    row.clear();
    row.extend(record.iter().map(field_cell));
}

/// A CSV field as a cell: empty, or text.
pub fn field_cell(field: &str) -> Cell {
    if field.is_empty() {
        Cell::Empty
    } else {
        Cell::Text(field.into())
    }
}

/// A reader that fails (`FileTooLarge`) once a line runs past the CSV
/// row limit (`[limits] csv_row_kb`) without a line break: a 300 MB
/// one-line file is refused after 4 MB instead of being held whole.
struct LineLimit<R> {
    inner: R,
    since_newline: usize,
    most: usize,
}

impl<R> LineLimit<R> {
    fn new(inner: R, most: usize) -> Self {
        LineLimit {
            inner,
            since_newline: 0,
            most,
        }
    }
}

impl<R: std::io::Read> std::io::Read for LineLimit<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        // A line ends at LF or at a bare CR (old Mac files).
        self.since_newline = match memchr::memrchr2(b'\n', b'\r', &buf[..n]) {
            Some(at) => n - at - 1,
            None => self.since_newline + n,
        };
        if self.since_newline > self.most {
            return Err(std::io::Error::new(std::io::ErrorKind::FileTooLarge, "line too long"));
        }
        Ok(n)
    }
}

/// Parses CSV text (already known to be UTF-8) record by record, with each
/// record's 0-based row index.
fn stream_csv_records(
    input: impl std::io::Read,
    file: &str,
    mut on_record: impl FnMut(usize, &csv::StringRecord) -> Result<()>,
) -> Result<()> {
    let most = super::limits::current().csv_row_bytes();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(LineLimit::new(input, most));
    let mut record = csv::StringRecord::new();
    let mut i = 0;
    loop {
        let not_text = || Error::NotText {
            file: file.into(),
            row: i + 1,
        };
        match reader.read_record(&mut record) {
            Ok(false) => return Ok(()),
            Ok(true) => {}
            Err(e) if matches!(e.kind(), csv::ErrorKind::Utf8 { .. }) => return Err(not_text()),
            Err(e) if matches!(e.kind(), csv::ErrorKind::Io(io) if io.kind() == std::io::ErrorKind::FileTooLarge) => {
                return Err(Error::Workbook {
                    file: file.into(),
                    reason: format!(
                        "超出读取限制 (limit exceeded): 第 {} 行之后有一行超过 {} KB ([limits] csv_row_kb); 不是工资表数据",
                        i + 1,
                        most >> 10
                    ),
                });
            }
            Err(e) => {
                return Err(Error::Workbook {
                    file: file.into(),
                    reason: format!("CSV row {}: {e}", i + 1),
                });
            }
        }
        if memchr::memchr(0, record.as_slice().as_bytes()).is_some() {
            return Err(not_text());
        }
        if record.as_slice().len() > most {
            return Err(Error::Workbook {
                file: file.into(),
                reason: format!(
                    "超出读取限制 (limit exceeded): 第 {} 行有 {} KB, 上限 {} KB ([limits] csv_row_kb); 不是一行工资数据",
                    i + 1,
                    record.as_slice().len() >> 10,
                    most >> 10
                ),
            });
        }
        on_record(i, &record)?;
        i += 1;
    }
}

/// Reads a CSV file (any of the detected encodings) into one grid whose
/// sheet name is the file stem.
pub fn read_csv_bytes(bytes: &[u8], file: &str) -> Result<Grid> {
    let mut rows = Vec::new();
    stream_csv_bytes(bytes, file, |_, row| {
        rows.push(take_row(row));
        Ok(())
    })?;
    Ok(Grid {
        file: file.into(),
        sheet: csv_sheet_name(file),
        rows,
    })
}

fn cell_from_data(data: DataRef<'_>) -> Cell {
    match data {
        DataRef::Empty => Cell::Empty,
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => Cell::Text(s.into()),
        DataRef::SharedString(s) => Cell::Text(s.into()),
        DataRef::Int(i) => Cell::Number(Decimal::from(i)),
        DataRef::Float(f) => decimal_from_cell_float(f).map_or(Cell::Unreadable(Unreadable::NotFinite), Cell::Number),
        DataRef::Bool(b) => Cell::Bool(b),
        DataRef::DateTime(dt) => {
            // Whole days only; calamine handles the 1900 and 1904 systems.
            let (y, m, d, ..) = dt.to_ymd_hms_milli();
            Date::new(i32::from(y), u32::from(m), u32::from(d)).map_or(Cell::Empty, Cell::Date)
        }
        DataRef::Error(e) => Cell::Text(format!("#{e:?}").into()),
    }
}

fn data_ref(data: &Data) -> DataRef<'_> {
    match data {
        Data::Empty => DataRef::Empty,
        Data::String(s) => DataRef::SharedString(s),
        Data::Int(i) => DataRef::Int(*i),
        Data::Float(f) => DataRef::Float(*f),
        Data::Bool(b) => DataRef::Bool(*b),
        Data::DateTime(dt) => DataRef::DateTime(*dt),
        Data::DateTimeIso(s) => DataRef::SharedString(s),
        Data::DurationIso(s) => DataRef::SharedString(s),
        Data::Error(e) => DataRef::Error(e.clone()),
    }
}

/// The sheets of a workbook in order.
pub struct Workbook {
    pub file: String,
    pub sheets: Vec<Grid>,
}

/// Reads every visible worksheet of an xlsx/xlsm/xls/ods workbook.
pub fn read_workbook_bytes(bytes: Vec<u8>, file: &str) -> Result<Workbook> {
    Ok(Workbook {
        file: file.into(),
        sheets: collect_grids(file, |on_row| stream_workbook_bytes(&bytes, file, on_row))?,
    })
}

/// Gathers streamed rows into one grid per sheet (rows at their index, so
/// `rows[0]` is row 1); `stream` feeds the rows and returns the sheet names.
/// Sheets without a single row still get their (empty) grid.
pub fn collect_grids(file: &str, stream: impl FnOnce(&mut OnRow<'_>) -> Result<Vec<String>>) -> Result<Vec<Grid>> {
    let mut sheets: Vec<Grid> = Vec::new();
    let names = stream(&mut |sheet, r, row| {
        if sheets.last().is_none_or(|g| g.sheet != sheet) {
            sheets.push(Grid {
                file: file.into(),
                sheet: sheet.into(),
                rows: Vec::new(),
            });
        }
        if let Some(grid) = sheets.last_mut() {
            grid.rows.resize(r, Vec::new());
            grid.rows.push(take_row(row));
        }
        Ok(())
    })?;
    let mut read = sheets.into_iter().peekable();
    Ok(names
        .into_iter()
        .map(|name| {
            read.next_if(|g| g.sheet == name).unwrap_or_else(|| Grid {
                file: file.into(),
                sheet: name,
                rows: Vec::new(),
            })
        })
        .collect())
}

/// A row callback: sheet name, 0-based row index, the row's cells. The
/// cells sit in the reader's buffer, reused for the next row: a callback
/// that keeps them takes them ([`take_row`], or `std::mem::take` cell by
/// cell), so that reading a million rows allocates no row of its own.
pub type OnRow<'a> = dyn FnMut(&str, usize, &mut [Cell]) -> Result<()> + 'a;

/// Moves a streamed row's cells out of the reader's buffer.
pub fn take_row(row: &mut [Cell]) -> Vec<Cell> {
    row.iter_mut().map(std::mem::take).collect()
}

/// Streams every visible worksheet of a workbook to `on_row(sheet, row, cells)`,
/// rows in order with their 0-based index; returns the sheet names. xlsx is
/// read cell by cell (memory does not grow with the sheet); xls, xlsb and
/// ods sheets are loaded one at a time.
pub fn stream_workbook_bytes(
    bytes: &[u8],
    file: &str,
    on_row: impl FnMut(&str, usize, &mut [Cell]) -> Result<()>,
) -> Result<Vec<String>> {
    let cursor = std::io::Cursor::new(bytes);
    if bytes.starts_with(b"PK") {
        super::limits::check_zip(std::io::Cursor::new(bytes), file)?;
    }
    if is_ole(bytes) && is_xlsx_name(file) && !is_encrypted_package(bytes) {
        // A real .xls saved under a .xlsx name: read as what it is.
        tracing::info!(file, "an .xls workbook under an .xlsx name");
        return guarded(file, || {
            let book = Sheets::Xls(calamine::Xls::new(cursor).map_err(|e| {
                workbook_error(
                    file,
                    format!("该文件实为 .xls 格式, 但无法读取 (an .xls under an .xlsx name, unreadable): {e}"),
                )
            })?);
            stream_sheets(book, file, &mut { on_row })
        });
    }
    stream_workbook(bytes, file, on_row, || {
        if is_xlsx_name(file) && is_xlsx_package(std::io::Cursor::new(bytes)) {
            // Named xlsx and is one: open it as one (auto-detection would
            // try xls first).
            open_xlsx(cursor, file)
        } else {
            // Whatever its name says, calamine tells xls, xlsx, xlsb and
            // ods apart by their content.
            if is_xlsx_name(file) && bytes.starts_with(b"PK") {
                tracing::warn!(
                    file,
                    "该文件不是 .xlsx, 按其实际格式 (如 .ods/.xlsb) 读取 (not an xlsx package: read as what it is)"
                );
            }
            open_workbook_auto_from_rs(cursor).map_err(|e| workbook_error(file, e.to_string()))
        }
    })
}

/// [`stream_workbook_bytes`] for a file on disk. An xlsx is read through a
/// buffer instead of whole (a million-row roster is about 140 MB of it);
/// other workbook formats are read whole, as format detection needs.
pub fn stream_workbook_file(
    path: &Path,
    file: &str,
    on_row: impl FnMut(&str, usize, &mut [Cell]) -> Result<()>,
) -> Result<Vec<String>> {
    if !is_xlsx_name(file) {
        return stream_workbook_bytes(&std::fs::read(path).map_err(|e| Error::io(path, e))?, file, on_row);
    }
    let mut input = std::io::BufReader::new(std::fs::File::open(path).map_err(|e| Error::io(path, e))?);
    use std::io::{Read, Seek};
    let mut head = Vec::with_capacity(4);
    (&mut input)
        .take(4)
        .read_to_end(&mut head)
        .map_err(|e| Error::io(path, e))?;
    input.rewind().map_err(|e| Error::io(path, e))?;
    if is_ole(&head) {
        // An OLE container named .xlsx: a real .xls, or an encrypted
        // package; decided from the whole (small) file.
        drop(input);
        return stream_workbook_bytes(&std::fs::read(path).map_err(|e| Error::io(path, e))?, file, on_row);
    }
    if head.starts_with(b"PK") {
        let zip = || {
            Ok(std::io::BufReader::new(
                std::fs::File::open(path).map_err(|e| Error::io(path, e))?,
            ))
        };
        super::limits::check_zip(zip()?, file)?;
        if !is_xlsx_package(zip()?) {
            // An ods or xlsb named .xlsx: detected from the whole file.
            drop(input);
            return stream_workbook_bytes(&std::fs::read(path).map_err(|e| Error::io(path, e))?, file, on_row);
        }
    }
    stream_workbook(&head, file, on_row, || open_xlsx(input, file))
}

/// Whether a zip is an xlsx package (it has `xl/workbook.xml`); an ods or
/// xlsb is not. A zip that cannot be read counts as one (the xlsx reader
/// then says what is wrong with it).
fn is_xlsx_package<R: std::io::Read + std::io::Seek>(input: R) -> bool {
    zip::ZipArchive::new(input).map_or(true, |zip| {
        zip.index_for_name("xl/workbook.xml").is_some()
            || (zip.index_for_name("xl/workbook.bin").is_none() && zip.index_for_name("content.xml").is_none())
    })
}

/// What a file's first bytes say it is, whatever its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Content {
    /// A zip: xlsx, ods, xlsb.
    Zip,
    /// An OLE container: xls, or an encrypted Office package.
    Ole,
    /// HTML or XML text: a web page or Excel 2003 XML saved as ".xls".
    Markup,
    /// Plain text (no NUL in its first 8 KiB): delimited rows.
    Text,
    /// Anything else, or an empty or unreadable file.
    Other,
}

/// Reads the first 8 KiB of `path` once and says what the file is.
pub fn sniff(path: &Path) -> Content {
    use std::io::Read;
    let mut head = Vec::with_capacity(8192);
    let read = std::fs::File::open(path).and_then(|f| f.take(8192).read_to_end(&mut head));
    if !read.is_ok_and(|n| n > 0) {
        return Content::Other;
    }
    if head.starts_with(b"PK\x03\x04") {
        return Content::Zip;
    }
    if is_ole(&head) {
        return Content::Ole;
    }
    if head.contains(&0) {
        return Content::Other;
    }
    let start = String::from_utf8_lossy(&head[..head.len().min(1024)]).to_lowercase();
    let start = start.trim_start_matches('\u{feff}').trim_start();
    let markup = ["<html", "<!doctype", "<table", "<?xml", "<workbook"];
    if markup.iter().any(|m| start.starts_with(m)) {
        Content::Markup
    } else {
        Content::Text
    }
}

/// The OLE compound-file signature (.xls, and encrypted Office packages).
fn is_ole(head: &[u8]) -> bool {
    head.starts_with(b"\xD0\xCF\x11\xE0")
}

/// An Office package encrypted with a password: an OLE container with an
/// `EncryptionInfo` stream (its directory names are UTF-16LE).
fn is_encrypted_package(bytes: &[u8]) -> bool {
    let name: Vec<u8> = "EncryptionInfo".encode_utf16().flat_map(u16::to_le_bytes).collect();
    memchr::memmem::find(bytes, &name).is_some()
}

fn is_xlsx_name(file: &str) -> bool {
    let lower = file.to_lowercase();
    lower.ends_with(".xlsx") || lower.ends_with(".xlsm")
}

fn open_xlsx<RS: std::io::Read + std::io::Seek>(input: RS, file: &str) -> Result<Sheets<RS>> {
    Xlsx::new(input)
        .map(Sheets::Xlsx)
        .map_err(|e| workbook_error(file, e.to_string()))
}

/// Streams the sheets of the workbook `open` opens, whose first bytes are
/// `head` (an empty or password-protected file is refused first).
fn stream_workbook<RS: std::io::Read + std::io::Seek>(
    head: &[u8],
    file: &str,
    mut on_row: impl FnMut(&str, usize, &mut [Cell]) -> Result<()>,
    open: impl FnOnce() -> Result<Sheets<RS>>,
) -> Result<Vec<String>> {
    guarded(file, || {
        if head.is_empty() {
            return Err(workbook_error(file, "文件为空 (empty file)".into()));
        }
        if is_ole(head) && is_xlsx_name(file) {
            // An OLE container named .xlsx that is not an .xls: an
            // encrypted (password) workbook.
            return Err(Error::Protected { file: file.into() });
        }
        stream_sheets(open()?, file, &mut on_row)
    })
}

fn workbook_error(file: &str, reason: String) -> Error {
    Error::Workbook {
        file: file.into(),
        reason,
    }
}

/// A reader library must never take the batch down: a panic inside it on
/// a malformed file becomes an error naming the file.
pub(crate) fn guarded<T>(file: &str, read: impl FnOnce() -> Result<T>) -> Result<T> {
    crate::error::catch_quietly(read)
        .unwrap_or_else(|_| Err(workbook_error(file, "文件已损坏 (corrupt workbook)".into())))
}

fn stream_sheets<RS: std::io::Read + std::io::Seek>(
    mut workbook: Sheets<RS>,
    file: &str,
    on_row: &mut OnRow<'_>,
) -> Result<Vec<String>> {
    let names: Vec<String> = workbook
        .sheets_metadata()
        .iter()
        .filter(|s| s.visible == SheetVisible::Visible)
        .map(|s| s.name.clone())
        .collect();
    for name in &names {
        let sheet_error = |e: &dyn std::fmt::Display| workbook_error(file, format!("{name}: {e}"));
        if let Sheets::Xlsx(xlsx) = &mut workbook {
            let mut cells = xlsx.worksheet_cells_reader(name).map_err(|e| sheet_error(&e))?;
            // The row being read (its index) and its cells, one buffer for all rows.
            let mut current: Option<usize> = None;
            let mut row = Vec::new();
            while let Some(cell) = cells.next_cell_with_formula_metadata().map_err(|e| sheet_error(&e))? {
                let (r, c) = (cell.pos.0 as usize, cell.pos.1 as usize);
                if let Some(cr) = current.filter(|cr| *cr != r) {
                    on_row(name, cr, &mut row)?;
                    row.clear();
                }
                current = Some(r);
                if row.len() <= c {
                    row.resize(c + 1, Cell::Empty);
                }
                row[c] = match (cell.value, cell.formula) {
                    // A formula whose value was never computed and saved.
                    (DataRef::Empty, Some(_)) => Cell::Unreadable(Unreadable::Formula),
                    (value, _) => cell_from_data(value),
                };
            }
            if let Some(cr) = current {
                on_row(name, cr, &mut row)?;
            }
        } else {
            let range = workbook.worksheet_range(name).map_err(|e| sheet_error(&e))?;
            let (row0, col0) = range.start().map_or((0, 0), |(r, c)| (r as usize, c as usize));
            let mut row = Vec::new();
            for (i, r) in range.rows().enumerate() {
                row.clear();
                row.resize(col0, Cell::Empty);
                row.extend(r.iter().map(|d| cell_from_data(data_ref(d))));
                on_row(name, row0 + i, &mut row)?;
            }
        }
    }
    Ok(names)
}

/// True for the spreadsheet extensions calamine reads.
pub fn is_workbook_ext(ext: &str) -> bool {
    matches!(ext, "xlsx" | "xlsm" | "xlsb" | "xls" | "ods")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads `ok` bytes, then fails.
    struct FailsAfter {
        ok: std::io::Cursor<Vec<u8>>,
    }

    impl std::io::Read for FailsAfter {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            match self.ok.read(buf)? {
                0 => Err(std::io::Error::other("disk gone")),
                n => Ok(n),
            }
        }
    }

    /// Every row before a read error arrives, in order, and the error
    /// names the row after.
    #[test]
    fn csv_rows_before_an_error_arrive_in_order() {
        let text: String = (0..3000).map(|i| format!("{i},x\n")).collect();
        let input = FailsAfter {
            ok: std::io::Cursor::new(text.into_bytes()),
        };
        let mut seen = Vec::new();
        let done = stream_csv_reader(input, "a.csv", |i, row| {
            seen.push((i, row[0].display()));
            Ok(())
        });
        assert!(
            matches!(&done, Err(Error::Workbook { reason, .. }) if reason.contains("CSV row 3001")),
            "{done:?}"
        );
        assert_eq!(seen.len(), 3000);
        assert!(
            seen.iter()
                .enumerate()
                .all(|(i, (r, v))| *r == i && *v == i.to_string())
        );
    }

    /// A failing `on_row` ends the read at once.
    #[test]
    fn a_failing_row_stops_the_csv_parser() {
        let text: String = (0..50_000).map(|i| format!("{i}\n")).collect();
        let mut calls = 0;
        let done = stream_csv_reader(text.as_bytes(), "a.csv", |i, _| {
            calls += 1;
            if i == 5 {
                Err(Error::UnsupportedFile { file: "stop".into() })
            } else {
                Ok(())
            }
        });
        assert!(matches!(done, Err(Error::UnsupportedFile { .. })));
        assert_eq!(calls, 6);
    }

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
        let (text, enc) = decode_text(&gbk, "x.csv").unwrap();
        assert_eq!(enc, TextEncoding::Gbk);
        assert!(text.contains("张三"));
        let bom = b"\xEF\xBB\xBFa,b\n";
        assert_eq!(decode_text(bom, "x.csv").map(|r| r.1).ok(), Some(TextEncoding::Utf8Bom));
        assert!(decode_text(&[0x81, 0x20, 0xff, 0xfe], "x.csv").is_err());
    }

    /// A chunk reader that hands out `step` bytes at a time, so that
    /// characters are cut at every position.
    struct Dribble<'a>(&'a [u8], usize);

    impl std::io::Read for Dribble<'_> {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            let n = self.1.min(out.len()).min(self.0.len());
            out[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn utf8_is_checked_across_chunk_boundaries() {
        let text = "\u{feff}工号,姓名\nG1,张三\n".as_bytes();
        for step in 1..8 {
            assert_eq!(
                utf8_without_nul(Dribble(text, step)).ok(),
                Some(Some(true)),
                "step {step}"
            );
            assert_eq!(utf8_without_nul(Dribble(&text[3..], step)).ok(), Some(Some(false)));
            // A character cut off by the end of the file.
            assert_eq!(
                utf8_without_nul(Dribble(&text[..text.len() - 2], step)).ok(),
                Some(None)
            );
        }
        let gbk = encoding_rs::GBK.encode("工号,姓名").0;
        assert_eq!(utf8_without_nul(Dribble(&gbk, 3)).ok(), Some(None));
        assert_eq!(utf8_without_nul(Dribble(b"a,\0b", 2)).ok(), Some(None));
        assert_eq!(utf8_without_nul(Dribble(b"", 2)).ok(), Some(Some(false)));
    }

    #[test]
    fn a_csv_file_streams_like_its_bytes() {
        let dir = tempfile::tempdir().unwrap();
        for (name, bytes) in [
            ("utf8.csv", "工号,姓名\nG1,张三\n".as_bytes().to_vec()),
            ("bom.csv", "\u{feff}工号,姓名\nG1,张三\n".as_bytes().to_vec()),
            (
                "gbk.csv",
                encoding_rs::GBK.encode("工号,姓名\nG1,张三\n").0.into_owned(),
            ),
        ] {
            let path = dir.path().join(name);
            std::fs::write(&path, &bytes).unwrap();
            let mut rows = Vec::new();
            stream_csv_file(&path, name, |_, row| {
                rows.push(take_row(row));
                Ok(())
            })
            .unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(
                rows,
                read_csv_bytes(&bytes, name).map(|g| g.rows).unwrap_or_default(),
                "{name}"
            );
            assert_eq!(rows[0][0], Cell::Text("工号".into()), "{name}");
        }
    }

    /// Files past the encoding sample: one that starts in UTF-8 Chinese
    /// is parsed as UTF-8, and a later row that is not UTF-8 text is an
    /// error naming it; one that starts in ASCII is decided whole, so its
    /// late Chinese is read as GBK.
    #[test]
    fn a_long_csv_files_encoding_is_decided_by_its_start_or_whole() {
        let dir = tempfile::tempdir().unwrap();
        let rows = ENCODING_SAMPLE / 10 + 1;
        let ascii: Vec<u8> = (0..rows).flat_map(|i| format!("G{i:07},x\n").into_bytes()).collect();
        let stream = |name: &str, bytes: &[u8]| {
            let path = dir.path().join(name);
            std::fs::write(&path, bytes).unwrap();
            let mut last = Vec::new();
            stream_csv_file(&path, name, |_, row| {
                last = take_row(row);
                Ok(())
            })
            .map(|()| last)
        };
        let chinese_head = "工号,姓名\n".as_bytes();
        let late_gbk = encoding_rs::GBK.encode("G9,张三\n").0.into_owned();

        let whole_utf8 = [chinese_head, &ascii, "G9,张三\n".as_bytes()].concat();
        let last = stream("utf8.csv", &whole_utf8).unwrap();
        assert_eq!(last[1], Cell::Text("张三".into()));

        let mixed = [chinese_head, &ascii, &late_gbk].concat();
        match stream("mixed.csv", &mixed) {
            Err(Error::NotText { row, .. }) => assert_eq!(row, rows + 2),
            other => panic!("{other:?}"),
        }
        let nul = [chinese_head, &ascii, b"G9,a\0b\n"].concat();
        assert!(matches!(stream("nul.csv", &nul), Err(Error::NotText { .. })));

        let ascii_then_gbk = [&ascii[..], &late_gbk].concat();
        let last = stream("gbk.csv", &ascii_then_gbk).unwrap();
        assert_eq!(last[1], Cell::Text("张三".into()));
    }
}
