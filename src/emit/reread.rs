//! The upload self-check's xlsx reader: re-reads the first visible sheet of
//! a workbook paybatch wrote, streaming, and converts only the cells the
//! caller keeps (the header row and the amount column). Every other cell
//! is located but not converted, so a million-row upload is re-read at
//! about the speed of inflating it; a general reader that builds every
//! cell took four times as long as writing the file.
//!
//! It shares no code with the writer (rust_xlsxwriter) or with the input
//! reader (calamine), so a mistake in either cannot hide itself. It reads
//! the SpreadsheetML writers produce: inline and shared strings, rich-text
//! runs, numbers, booleans, element prefixes, and rows and cells with or
//! without their `r` position. Styles are not read (a date is its serial
//! number). What it cannot read is an error, so the self-check fails: it
//! never passes by accident.

use std::borrow::Cow;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;
use std::str::FromStr;

use memchr::memchr;
use rust_decimal::Decimal;

use crate::error::{Error, Result};
use crate::ingest::grid::{Cell, column_letters, guarded};

/// Bytes inflated per step; what is left of an unfinished cell carries over.
const CHUNK: usize = 1 << 20;

type Archive = zip::ZipArchive<BufReader<File>>;

/// Which cells a scan converts to values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    /// Every cell.
    All,
    /// The cells of one column (if any), and, when `first_row`, every cell
    /// of the first row that has cells (a header).
    Column { column: Option<usize>, first_row: bool },
}

/// What a scan reports, in sheet order.
#[derive(Debug, Clone, PartialEq)]
pub enum Seen {
    /// A row (0-based) that has at least one cell, before its cells.
    Row(usize),
    /// A kept cell: 0-based row and column, and its value.
    Cell(usize, usize, Cell),
}

/// Scans the first visible sheet of the xlsx file at `path` (`file` names
/// it in errors): `on` sees every row that has cells and every kept cell.
///
/// With [`Keep::Column`], a row is searched for its cell in that column
/// (`<c r="H7"`) and the rest of the row is skipped unread: the self-check
/// of a million-row upload costs about what inflating it costs. A row whose
/// cell is not found that way (no such cell, no `r` positions, prefixed
/// element names) is read cell by cell, so the result is the same.
pub fn scan_xlsx_file(path: &Path, file: &str, keep: Keep, on: impl FnMut(Seen)) -> Result<()> {
    // The zip reader must not take the batch down either.
    guarded(file, || scan(path, file, keep, on))
}

fn scan(path: &Path, file: &str, keep: Keep, on: impl FnMut(Seen)) -> Result<()> {
    let fail = |reason: String| Error::Output {
        file: file.into(),
        reason,
    };
    let mut archive = open(path, file)?;
    let Some(sheet_path) = first_visible_sheet(&mut archive).map_err(fail)? else {
        return Ok(());
    };
    let in_sheet = |e: &dyn std::fmt::Display| fail(format!("{sheet_path}: {e}"));
    let mut sheet = archive.by_name(&sheet_path).map_err(|e| in_sheet(&e))?;
    let mut scanner = Scanner::new(keep, on, path);
    // `buf[..len]` holds the unscanned bytes; the rest is room to read into,
    // zeroed once rather than on every step.
    let mut buf: Vec<u8> = vec![0; 2 * CHUNK];
    let mut len = 0;
    loop {
        if buf.len() < len + CHUNK {
            buf.resize(len + CHUNK, 0);
        }
        let read = read_up_to(&mut sheet, &mut buf[len..len + CHUNK]).map_err(|e| in_sheet(&e))?;
        len += read;
        let eof = read == 0;
        let done = scanner.scan(&buf[..len]).map_err(|e| in_sheet(&e))?;
        if eof {
            if done < len {
                return Err(in_sheet(&"工作表不完整 (sheet is cut short)"));
            }
            return Ok(());
        }
        buf.copy_within(done..len, 0);
        len -= done;
    }
}

fn open(path: &Path, file: &str) -> Result<Archive> {
    let f = File::open(path).map_err(|e| Error::io(path, e))?;
    zip::ZipArchive::new(BufReader::new(f)).map_err(|e| Error::Output {
        file: file.into(),
        reason: e.to_string(),
    })
}

/// Reads until `out` is full or the end of the stream.
fn read_up_to(from: &mut impl Read, out: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < out.len() {
        match from.read(&mut out[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

fn read_member(archive: &mut Archive, name: &str) -> std::result::Result<Vec<u8>, String> {
    let mut member = archive.by_name(name).map_err(|e| format!("{name}: {e}"))?;
    let mut bytes = Vec::new();
    member.read_to_end(&mut bytes).map_err(|e| format!("{name}: {e}"))?;
    Ok(bytes)
}

/// The archive path of the first sheet that is not hidden, from the
/// workbook part and its relationships; None for a workbook without one.
fn first_visible_sheet(archive: &mut Archive) -> std::result::Result<Option<String>, String> {
    let workbook = read_member(archive, "xl/workbook.xml")?;
    let Some(id) = tags(&workbook)
        .filter(|t| !t.end && local(t.name) == b"sheet")
        .find(|t| !matches!(attr(t.attrs, b"state"), Some(b"hidden" | b"veryHidden")))
        .and_then(|t| attr_by(t.attrs, |name| name.ends_with(b":id")))
    else {
        return Ok(None);
    };
    let rels = read_member(archive, "xl/_rels/workbook.xml.rels")?;
    let target = tags(&rels)
        .filter(|t| local(t.name) == b"Relationship")
        .find(|t| attr(t.attrs, b"Id") == Some(id))
        .and_then(|t| attr(t.attrs, b"Target"))
        .ok_or_else(|| {
            format!(
                "xl/_rels/workbook.xml.rels: 找不到工作表 {} (sheet not found)",
                text(id)
            )
        })?;
    let target = text(target);
    Ok(Some(match target.strip_prefix('/') {
        Some(absolute) => absolute.to_string(),
        None => format!("xl/{target}"),
    }))
}

/// One XML tag: its name (prefix included), the bytes of its attributes,
/// whether it is an end tag or closes itself, and where the next byte is.
struct Tag<'a> {
    name: &'a [u8],
    attrs: &'a [u8],
    end: bool,
    empty: bool,
    next: usize,
}

/// The complete tag starting at `xml[start] == b'<'`, or None if it runs
/// past the end of `xml`.
fn tag_at(xml: &[u8], start: usize) -> Option<Tag<'_>> {
    let close = start + 1 + memchr(b'>', &xml[start + 1..])?;
    let mut body = &xml[start + 1..close];
    let end = body.first() == Some(&b'/');
    if end {
        body = &body[1..];
    }
    let empty = body.last() == Some(&b'/');
    if empty {
        body = &body[..body.len() - 1];
    }
    let name_len = body.iter().position(|b| b.is_ascii_whitespace()).unwrap_or(body.len());
    Some(Tag {
        name: &body[..name_len],
        attrs: &body[name_len..],
        end,
        empty,
        next: close + 1,
    })
}

/// Every complete tag of a small XML part.
fn tags(xml: &[u8]) -> impl Iterator<Item = Tag<'_>> {
    let mut at = 0;
    std::iter::from_fn(move || {
        let start = at + memchr(b'<', xml.get(at..)?)?;
        let tag = tag_at(xml, start)?;
        at = tag.next;
        Some(tag)
    })
}

/// A name without its namespace prefix.
fn local(name: &[u8]) -> &[u8] {
    name.iter()
        .rposition(|b| *b == b':')
        .map_or(name, |colon| &name[colon + 1..])
}

/// The raw value of the first attribute whose name satisfies `wanted`.
fn attr_by(mut attrs: &[u8], wanted: impl Fn(&[u8]) -> bool) -> Option<&[u8]> {
    loop {
        let eq = memchr(b'=', attrs)?;
        let name = attrs[..eq].trim_ascii();
        let rest = attrs[eq + 1..].trim_ascii_start();
        let quote = *rest.first()?;
        if quote != b'"' && quote != b'\'' {
            return None;
        }
        let len = memchr(quote, &rest[1..])?;
        if wanted(name) {
            return Some(&rest[1..1 + len]);
        }
        attrs = &rest[len + 2..];
    }
}

fn attr<'a>(attrs: &'a [u8], name: &[u8]) -> Option<&'a [u8]> {
    attr_by(attrs, |n| n == name)
}

fn text(bytes: &[u8]) -> Cow<'_, str> {
    String::from_utf8_lossy(bytes)
}

/// Where the end tag `</name>` starts at or after `from`, and where it ends.
fn find_end(xml: &[u8], from: usize, name: &[u8]) -> Option<(usize, usize)> {
    let mut at = from;
    loop {
        let start = at + memchr(b'<', &xml[at..])?;
        let after = start + 2;
        if xml.get(start + 1) == Some(&b'/') && xml.get(after..)?.starts_with(name) {
            let rest = &xml[after + name.len()..];
            let pad = rest.iter().take_while(|b| b.is_ascii_whitespace()).count();
            match rest.get(pad) {
                Some(b'>') => return Some((start, after + name.len() + pad + 1)),
                None => return None,
                Some(_) => {}
            }
        }
        at = start + 1;
    }
}

/// A 1-based row number (`r="7"`) as a 0-based index.
fn row_number(digits: &[u8]) -> Option<usize> {
    if digits.is_empty() || digits.len() > 9 {
        return None;
    }
    digits
        .iter()
        .try_fold(0usize, |n, b| {
            b.is_ascii_digit().then(|| n * 10 + usize::from(b - b'0'))
        })?
        .checked_sub(1)
}

/// The text of a string item (`<is>` or `<si>` content): every `<t>` run,
/// phonetic runs (`<rPh>`) left out, entities decoded.
fn string_item(xml: &[u8]) -> std::result::Result<String, String> {
    let mut out = String::new();
    let mut at = 0;
    while let Some(start) = memchr(b'<', &xml[at..]).map(|o| at + o) {
        let tag = tag_at(xml, start).ok_or("字符串不完整 (string is cut short)")?;
        at = tag.next;
        if tag.end || tag.empty {
            continue;
        }
        match local(tag.name) {
            b"t" => {
                let (end, after) = find_end(xml, at, tag.name).ok_or("<t> 未结束 (unclosed <t>)")?;
                out.push_str(&unescape(&xml[at..end])?);
                at = after;
            }
            b"rPh" => at = find_end(xml, at, tag.name).ok_or("<rPh> 未结束 (unclosed <rPh>)")?.1,
            _ => {}
        }
    }
    Ok(out)
}

fn unescape(raw: &[u8]) -> std::result::Result<Cow<'_, str>, String> {
    let s = std::str::from_utf8(raw).map_err(|e| e.to_string())?;
    quick_xml::escape::unescape(s).map_err(|e| e.to_string())
}

/// `B7` → (6, 1): 0-based row and column.
fn parse_a1(a1: &[u8]) -> std::result::Result<(usize, usize), String> {
    let letters = a1.iter().take_while(|b| b.is_ascii_uppercase()).count();
    let row = row_number(&a1[letters..]).filter(|_| (1..=3).contains(&letters));
    let Some(row) = row else {
        return Err(format!("单元格位置 {} 无效 (bad cell position)", text(a1)));
    };
    let col = a1[..letters]
        .iter()
        .fold(0usize, |n, b| n * 26 + usize::from(b - b'A' + 1));
    Ok((row, col - 1))
}

/// A number as the file writes it (`18013.21`, `-5`, `1.5E-7`), exactly.
fn number(v: &str) -> Option<Decimal> {
    Decimal::from_str(v).ok().or_else(|| Decimal::from_scientific(v).ok())
}

struct Scanner<'p, F> {
    keep: Keep,
    on: F,
    /// The shared-string table, read on the first kept cell that needs it.
    shared: Option<Vec<String>>,
    path: &'p Path,
    in_data: bool,
    next_row: usize,
    next_col: usize,
    /// The first row that has cells.
    first_row: Option<usize>,
    /// The last row reported as [`Seen::Row`].
    reported: Option<usize>,
    /// Rows handled by [`Scanner::skim_row`] (for tests).
    skimmed: usize,
    /// The opening of a cell in the kept column without its row number
    /// (`<c r="H`), built once for [`Scanner::skim_row`].
    kept_cell: Option<memchr::memmem::Finder<'static>>,
}

/// The decimal number at the start of `bytes` when a `"` follows it.
fn row_number_then_quote(bytes: &[u8]) -> Option<usize> {
    let digits = bytes.iter().take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 || digits > 7 || bytes.get(digits) != Some(&b'"') {
        return None;
    }
    Some(bytes[..digits].iter().fold(0, |n, d| n * 10 + usize::from(d - b'0')))
}

/// How [`Scanner::skim_row`] left a row.
enum Skim {
    /// Handled; scanning goes on at this byte (after `</row>`).
    Done(usize),
    /// To be read cell by cell.
    CellByCell,
}

impl<'p, F: FnMut(Seen)> Scanner<'p, F> {
    fn new(keep: Keep, on: F, path: &'p Path) -> Self {
        Scanner {
            keep,
            on,
            shared: None,
            path,
            in_data: false,
            next_row: 0,
            next_col: 0,
            first_row: None,
            reported: None,
            skimmed: 0,
            kept_cell: match keep {
                Keep::Column {
                    column: Some(column), ..
                } => {
                    let opening = format!("<c r=\"{}", column_letters(column));
                    Some(memchr::memmem::Finder::new(opening.as_bytes()).into_owned())
                }
                _ => None,
            },
        }
    }

    /// Handles every complete cell in `xml`; returns how many bytes were
    /// used up (the rest is an unfinished tag or cell, for the next step).
    fn scan(&mut self, xml: &[u8]) -> std::result::Result<usize, String> {
        let mut at = 0;
        loop {
            let Some(start) = memchr(b'<', &xml[at..]).map(|o| at + o) else {
                return Ok(xml.len());
            };
            let Some(tag) = tag_at(xml, start) else {
                return Ok(start);
            };
            at = tag.next;
            let name = local(tag.name);
            if !self.in_data {
                self.in_data = name == b"sheetData" && !tag.end && !tag.empty;
                continue;
            }
            match name {
                b"sheetData" if tag.end => self.in_data = false,
                b"row" if !tag.end => {
                    self.next_row = match attr(tag.attrs, b"r") {
                        Some(r) => row_number(r).ok_or_else(|| format!("行号 {} 无效 (bad row number)", text(r)))?,
                        None => self.next_row,
                    };
                    self.next_col = 0;
                    // A row that closes itself has no end tag to count it.
                    self.next_row += usize::from(tag.empty);
                    if !tag.empty
                        && tag.name == b"row"
                        && let Skim::Done(next) = self.skim_row(xml, at)?
                    {
                        at = next;
                    }
                }
                b"row" => self.next_row += 1,
                b"c" if !tag.end => {
                    let content = if tag.empty {
                        &[][..]
                    } else {
                        let Some((end, after)) = find_end(xml, at, tag.name) else {
                            return Ok(start);
                        };
                        let content = &xml[at..end];
                        at = after;
                        content
                    };
                    self.cell(tag.attrs, content)?;
                }
                _ => {}
            }
        }
    }

    /// The fast path for a row past the header when one column is kept:
    /// the row's end is found, then its cell in that column by the cell's
    /// opening (`<c r="H7"`); the other cells are not read. `at` is just
    /// past the row's start tag.
    fn skim_row(&mut self, xml: &[u8], at: usize) -> std::result::Result<Skim, String> {
        static ROW_END: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
            std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"</row>"));
        let (Keep::Column { first_row, .. }, Some(kept_cell)) = (self.keep, &self.kept_cell) else {
            return Ok(Skim::CellByCell);
        };
        // The header row (the first with cells) is read whole; a row whose
        // end is not in `xml` yet is read cell by cell as far as it goes.
        if first_row && self.first_row.is_none() {
            return Ok(Skim::CellByCell);
        }
        let Some(end) = ROW_END.find(&xml[at..]).map(|e| at + e) else {
            return Ok(Skim::CellByCell);
        };
        // The kept column's opening followed by this row's number and the
        // closing quote (`<c r="H` + `7"`): not `<c r="HA7"`, nor row 71.
        let opening = kept_cell.needle().len();
        let row = self.next_row + 1;
        let Some(cell) = kept_cell
            .find_iter(&xml[at..end])
            .map(|p| at + p)
            .find(|&p| row_number_then_quote(&xml[p + opening..end]) == Some(row))
        else {
            return Ok(Skim::CellByCell);
        };
        let Some(tag) = tag_at(xml, cell).filter(|t| t.next <= end && !t.end) else {
            return Ok(Skim::CellByCell);
        };
        let content = if tag.empty {
            &[][..]
        } else {
            match find_end(&xml[..end], tag.next, tag.name) {
                Some((content_end, _)) => &xml[tag.next..content_end],
                None => return Ok(Skim::CellByCell),
            }
        };
        self.cell(tag.attrs, content)?;
        self.next_row += 1;
        self.skimmed += 1;
        Ok(Skim::Done(end + b"</row>".len()))
    }

    fn cell(&mut self, attrs: &[u8], content: &[u8]) -> std::result::Result<(), String> {
        let (row, col) = match attr(attrs, b"r") {
            Some(a1) => parse_a1(a1)?,
            None => (self.next_row, self.next_col),
        };
        self.next_col = col + 1;
        if self.reported != Some(row) {
            self.reported = Some(row);
            self.first_row.get_or_insert(row);
            (self.on)(Seen::Row(row));
        }
        let kept = match self.keep {
            Keep::All => true,
            Keep::Column { column, first_row } => Some(col) == column || (first_row && self.first_row == Some(row)),
        };
        if kept {
            let value = self.value(attr(attrs, b"t"), content)?;
            (self.on)(Seen::Cell(row, col, value));
        }
        Ok(())
    }

    /// A kept cell's value, by its type attribute `t`.
    fn value(&mut self, kind: Option<&[u8]>, content: &[u8]) -> std::result::Result<Cell, String> {
        if kind == Some(b"inlineStr") {
            return string_item(content).map(|s| Cell::Text(s.into()));
        }
        let v = match tags(content).find(|t| !t.end && !t.empty && local(t.name) == b"v") {
            Some(t) => {
                let (end, _) = find_end(content, t.next, t.name).ok_or("<v> 未结束 (unclosed <v>)")?;
                unescape(&content[t.next..end])?
            }
            None => return Ok(Cell::Empty),
        };
        let bad = |what: &str| format!("{what} {v} 无效 (bad {what})");
        Ok(match kind.unwrap_or(b"n") {
            b"n" => Cell::Number(number(v.trim()).ok_or_else(|| bad("number"))?),
            b"s" => {
                let i: usize = v.trim().parse().map_err(|_| bad("shared string index"))?;
                let table = match &mut self.shared {
                    Some(table) => table,
                    None => self.shared.insert(shared_strings(self.path)?),
                };
                Cell::Text(table.get(i).ok_or_else(|| bad("shared string index"))?.as_str().into())
            }
            b"b" => Cell::Bool(v.trim() == "1"),
            b"str" | b"e" | b"d" => Cell::Text(v.as_ref().into()),
            other => return Err(format!("单元格类型 {} 未知 (unknown cell type)", text(other))),
        })
    }
}

/// The workbook's shared-string table, from a second handle on the file
/// (the first is busy streaming the sheet).
fn shared_strings(path: &Path) -> std::result::Result<Vec<String>, String> {
    let mut archive = open(path, "xl/sharedStrings.xml").map_err(|e| e.to_string())?;
    let xml = read_member(&mut archive, "xl/sharedStrings.xml")?;
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(start) = memchr(b'<', &xml[at..]).map(|o| at + o) {
        let tag = tag_at(&xml, start).ok_or("xl/sharedStrings.xml: 不完整 (cut short)")?;
        at = tag.next;
        if tag.end || local(tag.name) != b"si" {
            continue;
        }
        if tag.empty {
            out.push(String::new());
            continue;
        }
        let (end, after) = find_end(&xml, at, tag.name).ok_or("xl/sharedStrings.xml: <si> 未结束 (unclosed <si>)")?;
        out.push(string_item(&xml[at..end])?);
        at = after;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{Data, Reader, Xlsx, open_workbook};
    use rust_decimal_macros::dec;
    use rust_xlsxwriter::{Format, Workbook};

    #[test]
    fn a_skimmed_cell_opening_must_end_in_its_row_number_and_a_quote() {
        assert_eq!(row_number_then_quote(b"7\" s=\"1\""), Some(7));
        assert_eq!(row_number_then_quote(b"1048576\""), Some(1_048_576));
        // Column HA, not H; no quote yet; row 71 is not row 7.
        assert_eq!(row_number_then_quote(b"A7\""), None);
        assert_eq!(row_number_then_quote(b"7"), None);
        assert_eq!(row_number_then_quote(b"71\""), Some(71));
        assert_eq!(row_number_then_quote(b""), None);
    }

    /// Everything a scan reports.
    fn scan_with(path: &Path, keep: Keep) -> Vec<Seen> {
        let mut seen = Vec::new();
        let scanned = scan_xlsx_file(path, "t.xlsx", keep, |s| seen.push(s));
        assert!(scanned.is_ok(), "{scanned:?}");
        seen
    }

    /// Every cell as this reader sees it, keeping all of them.
    fn scan_all(path: &Path) -> Vec<(usize, usize, Cell)> {
        scan_with(path, Keep::All)
            .into_iter()
            .filter_map(|s| match s {
                Seen::Cell(r, c, v) => Some((r, c, v)),
                Seen::Row(_) => None,
            })
            .collect()
    }

    /// The same cells as calamine reads them.
    fn calamine_all(path: &Path) -> Vec<(usize, usize, Cell)> {
        let Ok(mut wb) = open_workbook::<Xlsx<_>, _>(path) else {
            panic!("calamine cannot open the test workbook");
        };
        let visible = wb
            .sheets_metadata()
            .iter()
            .find(|s| s.visible == calamine::SheetVisible::Visible)
            .map(|s| s.name.clone())
            .unwrap_or_default();
        let Ok(range) = wb.worksheet_range(&visible) else {
            panic!("calamine cannot read the sheet");
        };
        range
            .used_cells()
            .map(|(r, c, d)| {
                let cell = match d {
                    Data::String(s) => Cell::Text(s.as_str().into()),
                    Data::Float(f) => Cell::Number(Decimal::from_str(&f.to_string()).unwrap_or_default()),
                    Data::Int(i) => Cell::Number(Decimal::from(*i)),
                    Data::Bool(b) => Cell::Bool(*b),
                    other => Cell::Text(other.to_string().into()),
                };
                (r, c, cell)
            })
            .collect()
    }

    fn write(path: &Path, constant_memory: bool, rows: u32) {
        let mut wb = Workbook::new();
        let hidden = wb.add_worksheet();
        let _ = hidden.write_string(0, 0, "hidden sheet");
        let _ = hidden.set_hidden(true);
        let ws = if constant_memory {
            match wb.add_worksheet_with_constant_memory() {
                Ok(ws) => ws,
                Err(e) => panic!("{e}"),
            }
        } else {
            wb.add_worksheet()
        };
        // The active sheet cannot be hidden: make this one active.
        let _ = ws.set_active(true);
        let bold = Format::new().set_bold();
        let _ = ws.write_string_with_format(0, 0, "金额 & <备注>", &bold);
        let _ = ws.write_string(0, 1, "  leading spaces");
        let _ = ws.write_boolean(0, 2, true);
        let _ = ws.write_number(0, 27, 1.5e-7);
        for r in 1..rows {
            let _ = ws.write_string(r, 0, format!("员工{r}"));
            let _ = ws.write_number(r, 1, format!("{r}00.25").parse::<f64>().unwrap_or_default());
            let _ = ws.write_number(r, 2, -0.3);
        }
        if !constant_memory {
            let red = Format::new().set_font_color(rust_xlsxwriter::Color::Red);
            let _ = ws.write_rich_string(rows, 0, &[(&red, "红"), (&Format::default(), "字")]);
        }
        assert!(wb.save(path).is_ok());
    }

    #[test]
    fn reads_what_calamine_reads() {
        let dir = tempfile::tempdir().unwrap();
        for (constant_memory, rows) in [(true, 50), (false, 50), (true, 40_000)] {
            let path = dir.path().join(format!("t{constant_memory}{rows}.xlsx"));
            write(&path, constant_memory, rows);
            let ours = scan_all(&path);
            assert_eq!(
                ours,
                calamine_all(&path),
                "constant memory {constant_memory}, {rows} rows"
            );
            assert_eq!(ours[0], (0, 0, Cell::Text("金额 & <备注>".into())));
            assert!(ours.contains(&(0, 27, Cell::Number(dec!(0.00000015)))));
            assert!(ours.contains(&(7, 1, Cell::Number(dec!(700.25)))));
        }
        // Rich text (written with shared strings) is its runs joined.
        let path = dir.path().join("tfalse50.xlsx");
        assert!(scan_all(&path).contains(&(50, 0, Cell::Text("红字".into()))));
    }

    /// A kept column gives the same rows and cells as keeping everything
    /// and filtering: skimming a row for its cell loses nothing.
    #[test]
    fn a_kept_column_is_what_keeping_all_and_filtering_gives() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.xlsx");
        write(&path, true, 3_000);
        let all = scan_with(&path, Keep::All);
        for (column, first_row) in [
            (Some(1), true),
            (Some(1), false),
            (Some(27), true),
            (Some(9), false),
            (None, true),
        ] {
            let expected: Vec<Seen> = all
                .iter()
                .filter(|s| match s {
                    Seen::Row(_) => true,
                    Seen::Cell(r, c, _) => Some(*c) == column || (first_row && *r == 0),
                })
                .cloned()
                .collect();
            let got = scan_with(&path, Keep::Column { column, first_row });
            assert_eq!(got, expected, "column {column:?}, first row {first_row}");
        }
        // Row 0 and the 2,999 rows below it, each reported once.
        let rows = all.iter().filter(|s| matches!(s, Seen::Row(_))).count();
        assert_eq!(rows, 3_000);
        assert!(all.contains(&Seen::Cell(7, 1, Cell::Number(dec!(700.25)))));
    }

    /// A row is skimmed only when its kept cell is found by its opening;
    /// a row without it, or without positions, is read cell by cell.
    #[test]
    fn rows_the_skim_cannot_place_are_read_cell_by_cell() {
        let mut seen = Vec::new();
        let mut scanner = Scanner::new(
            Keep::Column {
                column: Some(1),
                first_row: false,
            },
            |s| seen.push(s),
            Path::new("unused"),
        );
        let xml = br#"<sheetData><row r="1"><c r="A1"><v>1</v></c><c r="B1"><v>2</v></c></row><row r="2"><c r="A2"><v>3</v></c></row><row r="3"><c><v>4</v></c><c><v>5</v></c></row><row r="4"><c r="B4" t="inlineStr"><is><t>x</t></is></c></row></sheetData>"#;
        assert_eq!(scanner.scan(xml), Ok(xml.len()));
        // Rows 1 and 4 have their cell at B1 and B4.
        assert_eq!(scanner.skimmed, 2);
        drop(scanner);
        assert_eq!(
            seen,
            vec![
                Seen::Row(0),
                Seen::Cell(0, 1, Cell::Number(dec!(2))),
                Seen::Row(1),
                Seen::Row(2),
                Seen::Cell(2, 1, Cell::Number(dec!(5))),
                Seen::Row(3),
                Seen::Cell(3, 1, Cell::Text("x".into())),
            ]
        );
    }

    #[test]
    fn positions_without_r_follow_the_previous_cell() {
        assert_eq!(parse_a1(b"A1"), Ok((0, 0)));
        assert_eq!(parse_a1(b"AB12"), Ok((11, 27)));
        assert!(parse_a1(b"A0").is_err());
        assert!(parse_a1(b"12").is_err());
        let mut cells = Vec::new();
        let on = |s| {
            if let Seen::Cell(r, c, v) = s {
                cells.push((r, c, v));
            }
        };
        let mut scanner = Scanner::new(Keep::All, on, Path::new("unused"));
        let xml = br#"<x:sheetData><x:row><x:c t="inlineStr"><x:is><x:t>a&amp;b</x:t></x:is></x:c><x:c><x:v>2</x:v></x:c></x:row><x:row r="5"><x:c t="b"><x:v>0</x:v></x:c></x:row><x:row r="7"/><x:row><x:c><x:v>8</x:v></x:c></x:row></x:sheetData>"#;
        assert_eq!(scanner.scan(xml), Ok(xml.len()));
        assert_eq!(
            cells,
            vec![
                (0, 0, Cell::Text("a&b".into())),
                (0, 1, Cell::Number(dec!(2))),
                (4, 0, Cell::Bool(false)),
                // After the empty row 7, a row without `r` is row 8.
                (7, 0, Cell::Number(dec!(8))),
            ]
        );
    }

    #[test]
    fn an_unfinished_cell_waits_for_more_and_a_cut_file_is_an_error() {
        let mut cells = 0;
        let mut scanner = Scanner::new(
            Keep::All,
            |s| cells += usize::from(matches!(s, Seen::Cell(..))),
            Path::new("unused"),
        );
        scanner.in_data = true;
        let xml = br#"<row r="1"><c r="A1"><v>1</v></c><c r="B1"><v>2</v"#;
        // The second cell starts at byte 33 and is not finished.
        assert_eq!(scanner.scan(xml), Ok(33));
        drop(scanner);
        assert_eq!(cells, 1);

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cut.xlsx");
        assert!(std::fs::write(&path, b"PK\x03\x04 not really a zip").is_ok());
        assert!(scan_xlsx_file(&path, "cut.xlsx", Keep::All, |_| {}).is_err());
    }
}
