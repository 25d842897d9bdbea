//! From rows of cells (or CSV text) to a typed [`Table`]: find the header
//! row (even below merged title rows), map headers to fields by alias,
//! convert each cell to its field's type. Rows arrive one at a time
//! ([`TableBuilder`]); only the typed records are kept, never the raw sheet. A cell that does not
//! convert becomes [`Value::Bad`] (reported by the `type` rule), never an
//! error that stops the file.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use rayon::prelude::*;
use rust_decimal::Decimal;

use super::batch::{RowBatch, RowRef, RowView, TextRow};
use super::grid::{Cell, Origin, Unreadable, take_row};
use super::normalize::{NumberProblem, half_width, header_key, parse_bool, parse_date, read_number, trim};
use crate::model::{Date, Figure, Period, Str};
use crate::rules::schema::{FieldType, InputSchema};
use compact_str::ToCompactString;

/// A typed cell value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Empty,
    Text(Str),
    Number(Decimal),
    Date(Date),
    Bool(bool),
    Period(Period),
    /// The cell did not convert to the column's type; holds what it showed.
    Bad(Box<str>),
    /// The cell cannot be read exactly (what it showed, and why); reported
    /// by the `unreadable` rules with a hint that fits the reason. Boxed:
    /// rare, and a value stays 24 bytes.
    Unreadable(Box<(Box<str>, Unreadable)>),
}

impl Value {
    /// A cell that cannot be read exactly: what it showed, and why.
    pub fn unreadable(shown: &str, why: Unreadable) -> Value {
        Value::Unreadable(Box::new((shown.into(), why)))
    }

    pub fn is_empty(&self) -> bool {
        matches!(self, Value::Empty)
    }

    pub fn as_text(&self) -> Option<&str> {
        match self {
            Value::Text(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_number(&self) -> Option<Decimal> {
        match self {
            Value::Number(n) => Some(*n),
            _ => None,
        }
    }

    pub fn as_date(&self) -> Option<Date> {
        match self {
            Value::Date(d) => Some(*d),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_period(&self) -> Option<Period> {
        match self {
            Value::Period(p) => Some(*p),
            _ => None,
        }
    }

    /// Text for messages and keys.
    pub fn display(&self) -> String {
        self.text().into_owned()
    }

    /// [`Value::display`], borrowed where the value is text already (for
    /// keys looked up row after row).
    pub fn text(&self) -> Cow<'_, str> {
        match self {
            Value::Empty => Cow::Borrowed(""),
            Value::Text(s) => Cow::Borrowed(s),
            Value::Bad(s) => Cow::Borrowed(s),
            Value::Unreadable(u) => Cow::Borrowed(&u.0),
            Value::Number(n) => Cow::Owned(n.normalize().to_string()),
            Value::Date(d) => Cow::Owned(d.to_string()),
            Value::Bool(b) => Cow::Borrowed(if *b { "是" } else { "否" }),
            Value::Period(p) => Cow::Owned(p.to_string()),
        }
    }
}

/// A number with at most about 17 significant digits (a mantissa below
/// 2^58): every figure computed from the inputs then fits the 8 bytes a
/// result keeps it in ([`Figure`]). Wider numbers are not amounts, days or
/// rates anyone pays by; the cell is reported like any non-number.
fn keepable(n: Decimal) -> Option<Decimal> {
    Figure::of(n).map(|_| n)
}

/// Converts one cell to a field type.
pub fn convert(cell: &Cell, ty: FieldType) -> Value {
    let bad = || Value::Bad(cell.display().into());
    match (ty, cell) {
        (_, Cell::Empty) => Value::Empty,
        (_, Cell::Text(s)) => convert_text(s, ty),
        (_, Cell::Unreadable(why)) => Value::unreadable(why.shown(), *why),
        // Past 15 significant digits a spreadsheet number has lost digits:
        // an 18-digit ID or a card number typed into a number cell.
        (FieldType::Id, Cell::Number(n)) if integer_digits(*n) > 15 => {
            Value::unreadable(&n.normalize().to_string(), Unreadable::IdAsNumber)
        }
        (FieldType::Id, Cell::Number(n)) => Value::Text(n.normalize().to_compact_string()),
        (FieldType::Number, Cell::Number(n)) => keepable(*n).map_or_else(bad, Value::Number),
        (FieldType::Integer, Cell::Number(n)) if n.fract().is_zero() => keepable(*n).map_or_else(bad, Value::Number),
        (FieldType::Date, Cell::Date(d)) => Value::Date(*d),
        (FieldType::Date, Cell::Number(n)) if n.fract().is_zero() => i64::try_from(*n)
            .ok()
            .and_then(Date::from_excel_serial)
            .map_or_else(bad, Value::Date),
        (FieldType::Bool, Cell::Bool(b)) => Value::Bool(*b),
        (FieldType::Period, Cell::Date(d)) => Value::Period(d.period()),
        // What the cell shows, read as text would be.
        (FieldType::Text | FieldType::Id | FieldType::Bool | FieldType::Period, c) => convert_text(&c.display(), ty),
        _ => bad(),
    }
}

/// Converts one cell's text to a field type: what [`convert`] makes of a
/// text cell, and of a CSV field without making it a cell (an empty text
/// is an empty value).
pub fn convert_text(s: &str, ty: FieldType) -> Value {
    if trim(s).is_empty() {
        return Value::Empty;
    }
    let bad = || Value::Bad(s.into());
    match ty {
        FieldType::Text => Value::Text(trim(s).into()),
        // Most identifiers are plain ASCII letters and digits already.
        FieldType::Id if s.bytes().all(|b| b.is_ascii_alphanumeric()) => {
            let mut id = Str::from(s);
            id.as_mut_str().make_ascii_uppercase();
            Value::Text(id)
        }
        // What a spreadsheet shows (and exports to CSV) for a long number:
        // 3.10104E+17. The digits are gone.
        FieldType::Id if is_scientific(s) => Value::unreadable(trim(s), Unreadable::IdAsNumber),
        FieldType::Id => Value::Text(
            half_width(trim(s))
                .chars()
                .filter(|c| !c.is_whitespace())
                .map(|c| c.to_ascii_uppercase())
                .collect::<Str>(),
        ),
        FieldType::Number => number_value(s, |_| true),
        FieldType::Integer => number_value(s, |n| n.fract().is_zero()),
        FieldType::Date => parse_date(s).map_or_else(bad, Value::Date),
        FieldType::Bool => parse_bool(s).map_or_else(bad, Value::Bool),
        FieldType::Period => {
            let text = half_width(trim(s)).replace(['/', '.', '年'], "-").replace('月', "");
            text.parse::<Period>()
                .ok()
                .or_else(|| parse_date(s).map(Date::period))
                .map_or_else(bad, Value::Period)
        }
    }
}

/// A number column's text as a value: a number that fits (and passes
/// `ok`), unreadable separators, or bad.
fn number_value(s: &str, ok: impl Fn(Decimal) -> bool) -> Value {
    match read_number(s) {
        Ok(n) if ok(n) => keepable(n).map_or_else(|| Value::Bad(s.into()), Value::Number),
        Err(NumberProblem::Separators) => Value::unreadable(s, Unreadable::Separators),
        _ => Value::Bad(s.into()),
    }
}

/// `3.10104E+17`: a long number in scientific notation.
fn is_scientific(s: &str) -> bool {
    let t = half_width(trim(s));
    let Some((mantissa, exponent)) = t.split_once(['e', 'E']) else {
        return false;
    };
    let exponent = exponent.strip_prefix('+').unwrap_or(exponent);
    !mantissa.is_empty()
        && mantissa.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && !exponent.is_empty()
        && exponent.bytes().all(|b| b.is_ascii_digit())
}

/// The digits of a number's integer part: a spreadsheet keeps 15
/// significant digits, so a longer one lost its last digits (even when they
/// show as zeros).
fn integer_digits(n: Decimal) -> usize {
    n.trunc().abs().normalize().to_string().len()
}

impl RowView<'_> {
    /// No cell with anything but blanks.
    fn is_blank(&self) -> bool {
        match self {
            RowView::Cells(cells) => cells.iter().all(Cell::is_empty),
            RowView::Text(text) => text.fields().all(|s| trim(s).is_empty()),
        }
    }

    /// How many cells (CSV fields) the row has.
    fn width(&self) -> usize {
        match self {
            RowView::Cells(cells) => cells.len(),
            RowView::Text(text) => text.len(),
        }
    }

    /// Whether column `col` holds nothing but blanks (or is past the end).
    fn is_blank_at(&self, col: usize) -> bool {
        match self {
            RowView::Cells(cells) => cells.get(col).is_none_or(Cell::is_empty),
            RowView::Text(text) => text.field(col).is_none_or(|s| trim(s).is_empty()),
        }
    }

    /// The first field holding a line break, with its column. CSV text is
    /// scanned in one stretch: most rows have none.
    fn field_with_break(&self) -> Option<(usize, &str)> {
        let has_break = |s: &str| memchr::memchr2(b'\n', b'\r', s.as_bytes()).is_some();
        match self {
            RowView::Cells(cells) => cells.iter().enumerate().find_map(|(c, cell)| match cell {
                Cell::Text(s) if has_break(s) => Some((c, s.as_str())),
                _ => None,
            }),
            RowView::Text(text) if has_break(text.joined()) => text.fields().enumerate().find(|(_, s)| has_break(s)),
            RowView::Text(_) => None,
        }
    }

    /// Column `col` converted to `ty` (empty past the row's end).
    fn value(&self, col: usize, ty: FieldType) -> Value {
        match self {
            RowView::Cells(cells) => cells.get(col).map_or(Value::Empty, |cell| convert(cell, ty)),
            RowView::Text(text) => text.field(col).map_or(Value::Empty, |s| convert_text(s, ty)),
        }
    }
}

/// A typed data row; `values` align with its table's schema fields that
/// have a column (they come first); a field past them reads as empty
/// ([`Record::at`]).
#[derive(Debug, Clone)]
pub struct Record {
    /// 0-based row in the grid.
    pub row: usize,
    /// Exactly as many as the table has columns for: no spare capacity.
    pub values: Box<[Value]>,
}

impl Record {
    /// The value of the field at `field` (a field index looked up once per
    /// table); empty when the table has no such field.
    pub fn at(&self, field: Option<usize>) -> &Value {
        field.and_then(|i| self.values.get(i)).unwrap_or(&Value::Empty)
    }
}

/// An input sheet mapped onto its schema.
#[derive(Debug, Clone)]
pub struct Table {
    pub kind: String,
    /// The input's schema with this sheet's fields in record order: those
    /// with a column first. Field indices are this table's own.
    pub schema: InputSchema,
    /// File name as shown to the clerk, and the sheet.
    pub file: Arc<str>,
    pub sheet: Arc<str>,
    /// 0-based row of the header.
    pub header_row: usize,
    /// For each field of `schema`, the grid column holding it.
    pub columns: Vec<Option<usize>>,
    pub records: Vec<Record>,
}

impl Table {
    pub fn field(&self, key: &str) -> Option<usize> {
        self.schema.field_index(key)
    }

    /// Where a record's field lives (column `None` when the column is missing).
    pub fn origin(&self, record: &Record, field: usize) -> Origin {
        self.row_origin(record.row, self.columns.get(field).copied().flatten())
    }

    /// Where a row (and optionally a column) of this sheet is.
    pub fn row_origin(&self, row: usize, col: Option<usize>) -> Origin {
        Origin {
            file: self.file.clone(),
            sheet: self.sheet.clone(),
            row,
            col,
        }
    }

    /// A record's value by field key.
    pub fn value<'a>(&self, record: &'a Record, key: &str) -> &'a Value {
        record.at(self.field(key))
    }
}

/// Something about a sheet's layout that the builder saw but does not act
/// on: [`crate::ingest::structure`] makes each a finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SheetNote {
    /// A header cell that names no field: its column is not read.
    UnknownHeader { col: usize, text: String },
    /// A CSV field holding a line break and the delimiter: a quote opened
    /// at its start was never closed, and the `lines` lines after it were
    /// read into this one field instead of as rows.
    UnclosedQuote { row: usize, col: usize, lines: usize },
    /// A CSV row with `found` fields where the header row has `expected`;
    /// `col` is the first extra field with a value, or the first missing one.
    Width {
        row: usize,
        col: usize,
        found: usize,
        expected: usize,
    },
}

/// The CSV field delimiter (the reader's default).
const DELIMITER: char = ',';

/// How wide a CSV sheet's rows should be, from its header row.
#[derive(Debug, Clone, Copy)]
struct RowShape {
    /// Fields in the header row.
    fields: usize,
    /// Fields up to the header's last non-blank cell: a row may end after it.
    named: usize,
}

impl RowShape {
    /// Of a header row's cells.
    fn of(header: &[Cell]) -> RowShape {
        RowShape {
            fields: header.len(),
            named: header.iter().rposition(|c| !c.is_empty()).map_or(0, |i| i + 1),
        }
    }

    /// What is wrong with data row `r`'s shape, if anything: an unclosed
    /// quote, a value past the header's last field, or a row that ends
    /// before the header's last named column (Excel writes every comma).
    /// Blank rows are the caller's to leave out.
    fn check(self, r: usize, row: &RowView<'_>) -> Option<SheetNote> {
        if let Some((col, field)) = row.field_with_break()
            && field.contains(DELIMITER)
        {
            return Some(SheetNote::UnclosedQuote {
                row: r,
                col,
                lines: merged_lines(field),
            });
        }
        let width = row.width();
        if width > self.fields {
            let filled = |c: &usize| !row.is_blank_at(*c);
            let first = (self.fields..width).find(filled)?;
            let last = (first..width).rev().find(filled).unwrap_or(first);
            return Some(SheetNote::Width {
                row: r,
                col: first,
                found: last + 1,
                expected: self.fields,
            });
        }
        (width < self.named).then_some(SheetNote::Width {
            row: r,
            col: width,
            found: width,
            expected: self.fields,
        })
    }
}

/// The lines an unclosed quote's field took in after its own: its line
/// breaks, less those ending the file.
fn merged_lines(field: &str) -> usize {
    let body = field.trim_end_matches(['\r', '\n']);
    match body.matches('\n').count() {
        0 => body.matches('\r').count(),
        n => n,
    }
}

/// How many rows from the top are searched for the header.
const HEADER_SEARCH_ROWS: usize = 30;

/// Rows held before they are typed together on all cores.
const TYPING_BATCH: usize = 8192;

/// Alias lookup: normalised header text → field index.
fn alias_map(schema: &InputSchema) -> HashMap<String, usize> {
    let mut map = HashMap::new();
    for (i, f) in schema.fields.iter().enumerate() {
        for alias in f.aliases.iter().chain([&f.key, &f.label.zh, &f.label.en]) {
            map.entry(header_key(alias)).or_insert(i);
        }
    }
    map
}

/// Number of distinct schema fields a row's cells name.
pub fn header_score(schema: &InputSchema, row: &[Cell]) -> usize {
    let aliases = alias_map(schema);
    let mut seen = vec![false; schema.fields.len()];
    for cell in row {
        if let Some(&i) = aliases.get(&header_key(&cell.display())) {
            seen[i] = true;
        }
    }
    seen.into_iter().filter(|s| *s).count()
}

/// The header row: the row (among the first 30) naming most fields, with
/// at least two. Title rows (merged cells) name none.
fn best_header<'r>(schema: &InputSchema, rows: impl Iterator<Item = (usize, &'r [Cell])>) -> Option<usize> {
    let mut best: Option<(usize, usize)> = None;
    for (i, row) in rows.take_while(|(i, _)| *i < HEADER_SEARCH_ROWS) {
        let score = header_score(schema, row);
        if score >= 2 && best.is_none_or(|(_, s)| score > s) {
            best = Some((i, score));
        }
    }
    best.map(|(i, _)| i)
}

enum Header {
    /// Still reading the first rows; they are held until the header is known.
    Searching(Vec<(usize, Vec<Cell>)>),
    Found {
        row: usize,
        /// The schema's fields, those with a column first (see
        /// [`TableBuilder::found`]).
        order: Vec<usize>,
        /// For each field in `order`, its grid column.
        columns: Vec<Option<usize>>,
        /// How many fields have a column: a record holds a value for each.
        present: usize,
    },
    Missing,
}

/// Builds a [`Table`] from rows streamed in order: holds the first 30 rows
/// until the header is known, then converts each row as it arrives.
/// Blank rows are skipped; the first of two columns naming the same field wins.
pub struct TableBuilder<'s> {
    schema: &'s InputSchema,
    file: Arc<str>,
    sheet: Arc<str>,
    header: Header,
    /// Rows below the header, not yet typed.
    pending: RowBatch,
    records: Vec<Record>,
    /// Whether rows are CSV records, whose field counts are checked.
    delimited: bool,
    /// The header's shape, once found, when rows are checked against it.
    shape: Option<RowShape>,
    /// What the sheet's layout showed (unknown headers, malformed rows).
    notes: Vec<SheetNote>,
}

impl<'s> TableBuilder<'s> {
    pub fn new(schema: &'s InputSchema, file: &str, sheet: &str) -> Self {
        TableBuilder {
            schema,
            file: Arc::from(file),
            sheet: Arc::from(sheet),
            header: Header::Searching(Vec::new()),
            pending: RowBatch::default(),
            records: Vec::new(),
            delimited: false,
            shape: None,
            notes: Vec::new(),
        }
    }

    /// Rows are CSV records: each data row must have the header's field
    /// count and no unclosed quote ([`SheetNote`]).
    pub fn delimited(mut self, delimited: bool) -> Self {
        self.delimited = delimited;
        self
    }

    pub fn sheet(&self) -> &str {
        &self.sheet
    }

    /// Takes the next row (0-based index `r`) of cells or CSV text.
    pub fn push_row(&mut self, r: usize, row: RowRef<'_>) {
        match row {
            RowRef::Cells(cells) => self.push(r, cells),
            RowRef::Text(text) => self.push_text(r, text),
        }
    }

    /// Takes the next row (0-based index `r`), moving its cells out of
    /// `row`. Rows below the header are typed in batches, spread over all
    /// cores.
    pub fn push(&mut self, r: usize, row: &mut [Cell]) {
        match &mut self.header {
            Header::Found { row: h, .. } => {
                if r > *h {
                    if self.pending.is_text() {
                        self.flush();
                    }
                    self.pending.push(r, row);
                    self.flush_when_full();
                }
            }
            Header::Searching(held) if r < HEADER_SEARCH_ROWS => held.push((r, take_row(row))),
            Header::Searching(_) => {
                self.decide();
                self.push(r, row);
            }
            Header::Missing => {}
        }
    }

    /// [`TableBuilder::push`] for a row of CSV text: below the header its
    /// fields are typed from the text, never made cells.
    pub fn push_text(&mut self, r: usize, row: TextRow<'_>) {
        match &self.header {
            Header::Found { row: h, .. } => {
                if r > *h {
                    if !self.pending.is_text() && !self.pending.is_empty() {
                        self.flush();
                    }
                    self.pending.push_text(r, row);
                    self.flush_when_full();
                }
            }
            Header::Searching(_) => self.push(r, &mut row.cells()),
            Header::Missing => {}
        }
    }

    fn flush_when_full(&mut self) {
        if self.pending.len() >= TYPING_BATCH {
            self.flush();
        }
    }

    /// Types the pending rows (in parallel, keeping their order); blank
    /// rows are dropped.
    fn flush(&mut self) {
        let Header::Found {
            order,
            columns,
            present,
            ..
        } = &self.header
        else {
            self.pending.clear();
            return;
        };
        if let Some(shape) = self.shape {
            let notes: Vec<SheetNote> = self
                .pending
                .par_rows()
                .with_min_len(256)
                .filter_map(|(r, row)| shape.check(r, &row).filter(|_| !row.is_blank()))
                .collect();
            self.notes.extend(notes);
        }
        let fields = &self.schema.fields;
        let typed: Vec<Option<Record>> = self
            .pending
            .par_rows()
            .with_min_len(256)
            .map(|(r, row)| {
                if row.is_blank() {
                    return None;
                }
                let values = order[..*present]
                    .iter()
                    .zip(columns.iter())
                    .map(|(&f, col)| col.map_or(Value::Empty, |c| row.value(c, fields[f].ty)))
                    .collect();
                Some(Record { row: r, values })
            })
            .collect();
        self.pending.clear();
        self.records.extend(typed.into_iter().flatten());
    }

    /// Picks the header among the held rows and converts the rows below it.
    fn decide(&mut self) {
        if !matches!(self.header, Header::Searching(_)) {
            return;
        }
        let Header::Searching(held) = std::mem::replace(&mut self.header, Header::Missing) else {
            return;
        };
        let Some(h) = best_header(self.schema, held.iter().map(|(i, r)| (*i, r.as_slice()))) else {
            return;
        };
        let header_cells = held
            .iter()
            .find(|(i, _)| *i == h)
            .map(|(_, r)| r.clone())
            .unwrap_or_default();
        self.found(h, &header_cells);
        for (r, mut row) in held {
            self.push(r, &mut row);
        }
    }

    /// Sets the header row and maps its cells to fields.
    fn found(&mut self, header_row: usize, header: &[Cell]) {
        let aliases = alias_map(self.schema);
        let mut columns = vec![None; self.schema.fields.len()];
        for (col, cell) in header.iter().enumerate() {
            let text = cell.display();
            match aliases.get(&header_key(&text)) {
                Some(&i) if columns[i].is_none() => columns[i] = Some(col),
                Some(_) => {}
                None if !cell.is_empty() => self.notes.push(SheetNote::UnknownHeader {
                    col,
                    text: trim(&text).to_string(),
                }),
                None => {}
            }
        }
        self.shape = self.delimited.then(|| RowShape::of(header));
        // The fields with a column come first, so that a record holds no
        // value for a column the sheet does not have (a million roster rows
        // without e-mail or flag columns save 24 bytes a field).
        let (with, without): (Vec<usize>, Vec<usize>) = (0..columns.len()).partition(|&f| columns[f].is_some());
        let present = with.len();
        let order: Vec<usize> = with.into_iter().chain(without).collect();
        self.header = Header::Found {
            row: header_row,
            columns: order.iter().map(|&f| columns[f]).collect(),
            order,
            present,
        };
    }

    /// The table, or `None` when no header row was found.
    pub fn finish(self) -> Option<Table> {
        self.finish_noted().map(|(table, _)| table)
    }

    /// [`TableBuilder::finish`], with what the sheet's layout showed: its
    /// unknown header cells and (CSV) malformed rows, in sheet order.
    pub fn finish_noted(mut self) -> Option<(Table, Vec<SheetNote>)> {
        self.decide();
        self.flush();
        let Header::Found {
            row, order, columns, ..
        } = self.header
        else {
            return None;
        };
        // The table's own schema lists its fields in record order.
        let schema = InputSchema {
            fields: order.iter().map(|&f| self.schema.fields[f].clone()).collect(),
            ..self.schema.clone()
        };
        let table = Table {
            kind: self.schema.kind.clone(),
            schema,
            file: self.file,
            sheet: self.sheet,
            header_row: row,
            columns,
            records: self.records,
        };
        Some((table, self.notes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::schema::FieldDef;
    use rust_decimal_macros::dec;

    fn roster_schema(fields: &[(&str, FieldType)]) -> InputSchema {
        let field = |(key, ty): &(&str, FieldType)| FieldDef::new(key, crate::i18n::Text::new(*key, *key), *ty);
        InputSchema {
            kind: "roster".into(),
            label: crate::i18n::Text::new("花名册", "roster"),
            file_hints: Vec::new(),
            required: true,
            parts: false,
            fields: fields.iter().map(field).collect(),
        }
    }

    /// A sheet without some of the schema's columns: its records hold no
    /// value for them, every field still reads by its own index, and the
    /// missing ones read as empty.
    #[test]
    fn records_hold_values_only_for_present_columns() {
        let schema = roster_schema(&[
            ("employee_id", FieldType::Id),
            ("email", FieldType::Text),
            ("base", FieldType::Number),
            ("flag", FieldType::Bool),
        ]);
        let text = |s: &str| Cell::Text(s.into());
        let mut b = TableBuilder::new(&schema, "roster.csv", "roster");
        b.push(0, &mut [text("base"), text("employee_id")]);
        b.push(1, &mut [text("8000"), text("e1")]);
        let t = b.finish().unwrap_or_else(|| panic!("header not found"));
        let r = &t.records[0];
        assert_eq!(r.values.len(), 2);
        assert_eq!(r.at(t.field("employee_id")), &Value::Text("E1".into()));
        assert_eq!(r.at(t.field("base")), &Value::Number(dec!(8000)));
        for absent in ["email", "flag"] {
            let f = t.field(absent);
            assert!(f.is_some_and(|f| t.columns[f].is_none()), "{absent}");
            assert!(r.at(f).is_empty(), "{absent}");
        }
        assert_eq!(t.field("base").map(|f| t.columns[f]), Some(Some(0)));
        assert_eq!(t.schema.fields.len(), 4);
    }

    /// CSV rows typed from their text give the same table as the same rows
    /// made cells first: title rows above the header, blank and
    /// whitespace-only rows, padded, full-width and malformed values, short
    /// rows, and more rows than one typing batch.
    #[test]
    fn csv_text_rows_type_like_their_cells() {
        let schema = roster_schema(&[
            ("employee_id", FieldType::Id),
            ("name", FieldType::Text),
            ("base", FieldType::Number),
            ("days", FieldType::Integer),
            ("hired", FieldType::Date),
            ("flag", FieldType::Bool),
            ("month", FieldType::Period),
        ]);
        let mut rows: Vec<Vec<String>> = vec![
            vec!["2026年1月 花名册".into()],
            vec![],
            ["employee_id", "name", "base", "days", "hired", "flag", "month"]
                .map(String::from)
                .to_vec(),
        ];
        let samples = [
            ["e1", " 张三 ", "8000", "21", "2026-01-05", "是", "2026年1月"],
            ["Ｅ２ ", "李四", "１２，０００", "21.5", "2026/1/5", "N", "2026-01"],
            ["", "   ", "", "", "", "", ""],
            ["e3", "王五", "abc", "x", "2026-13-40", "maybe", "13月"],
            ["e 4", "", " 7% ", "0", "46082", "1", "2026.1"],
        ];
        for i in 0..2 * TYPING_BATCH + 5 {
            let sample = &samples[i % samples.len()];
            let width = if i % 7 == 6 { 3 } else { sample.len() };
            rows.push(sample[..width].iter().map(|s| s.to_string()).collect());
        }
        let mut by_cells = TableBuilder::new(&schema, "roster.csv", "roster");
        let mut by_text = TableBuilder::new(&schema, "roster.csv", "roster");
        for (r, fields) in rows.iter().enumerate() {
            let record = csv::StringRecord::from(fields.clone());
            let mut cells = Vec::new();
            crate::ingest::grid::record_cells(&record, &mut cells);
            by_cells.push(r, &mut cells);
            let mut batch = RowBatch::default();
            batch.push_record(r, &record);
            batch.for_each_row(|r, row| by_text.push_row(r, row));
        }
        let shown = |t: Option<Table>| t.map(|t| format!("{:?} {:?}", t.columns, t.records));
        let (cells, text) = (shown(by_cells.finish()), shown(by_text.finish()));
        assert!(cells.as_ref().is_some_and(|c| c.contains("Bad(\"abc\")")), "{cells:?}");
        assert_eq!(cells, text);
    }

    /// CSV rows against their header row: a field holding a line break and
    /// the delimiter (a quote never closed), a value past the header's
    /// last field and a row that ends early are noted; a remark over two
    /// lines, trailing empty fields and blank rows are not. Rows fed as
    /// cells (held while the header is searched) and as text note alike.
    /// Workbook rows are not checked; unknown header cells are noted for both.
    #[test]
    fn malformed_csv_rows_and_unknown_headers_are_noted() {
        let schema = roster_schema(&[
            ("employee_id", FieldType::Id),
            ("name", FieldType::Text),
            ("base", FieldType::Number),
        ]);
        let mut rows: Vec<Vec<&str>> = vec![vec!["employee_id", "name", "base", "序号"]];
        rows.extend(std::iter::repeat_n(vec!["e1", "a", "1", "1"], HEADER_SEARCH_ROWS + 5));
        let bad = rows.len();
        rows.extend([
            vec!["e2", "第一行\r\n第二行", "2", "2"],
            vec!["e3", "x,1,1\r\ne4,y,2,2\r\ne5,z,3,3\r\n"],
            vec!["e6", "c", "3", "4", ""],
            vec!["e7", "c", "3", "4", "", "9", "8"],
            vec!["e8", "c"],
            vec!["", " ", "", ""],
            vec![""],
        ]);
        let unknown = SheetNote::UnknownHeader {
            col: 3,
            text: "序号".into(),
        };
        let expected = vec![
            unknown.clone(),
            SheetNote::UnclosedQuote {
                row: bad + 1,
                col: 1,
                lines: 2,
            },
            SheetNote::Width {
                row: bad + 3,
                col: 5,
                found: 7,
                expected: 4,
            },
            SheetNote::Width {
                row: bad + 4,
                col: 2,
                found: 2,
                expected: 4,
            },
        ];
        for (delimited, as_text) in [(true, false), (true, true), (false, false)] {
            let mut b = TableBuilder::new(&schema, "roster.csv", "roster").delimited(delimited);
            for (r, fields) in rows.iter().enumerate() {
                let record = csv::StringRecord::from(fields.clone());
                if as_text {
                    let mut batch = RowBatch::default();
                    batch.push_record(r, &record);
                    batch.for_each_row(|r, row| b.push_row(r, row));
                } else {
                    let mut cells = Vec::new();
                    crate::ingest::grid::record_cells(&record, &mut cells);
                    b.push(r, &mut cells);
                }
            }
            let (table, notes) = b.finish_noted().unwrap_or_else(|| panic!("header not found"));
            assert_eq!(table.records.len(), rows.len() - 3, "{delimited} {as_text}");
            if delimited {
                assert_eq!(notes, expected, "as text: {as_text}");
            } else {
                assert_eq!(notes, std::slice::from_ref(&unknown));
            }
        }
    }

    /// More rows than one typing batch: every non-blank row arrives typed,
    /// in order, with its own row number.
    #[test]
    fn rows_across_typing_batches_keep_their_order() {
        let schema = roster_schema(&[("employee_id", FieldType::Id), ("base", FieldType::Number)]);
        let text = |s: String| Cell::Text(s.into());
        let mut b = TableBuilder::new(&schema, "roster.csv", "roster");
        b.push(0, &mut [text("title".into())]);
        b.push(1, &mut [text("employee_id".into()), text("base".into())]);
        let n = 3 * TYPING_BATCH + 17;
        for i in 0..n {
            let mut row = if i % 1000 == 999 {
                vec![Cell::Empty, text("  ".into())]
            } else {
                vec![text(format!("e{i}")), text(format!("{i}.5"))]
            };
            b.push(i + 2, &mut row);
        }
        let t = b.finish().unwrap_or_else(|| panic!("header not found"));
        assert_eq!(t.header_row, 1);
        assert_eq!(t.records.len(), n - n / 1000);
        let mut expected = (0..n).filter(|i| i % 1000 != 999);
        for r in &t.records {
            let i = expected.next().unwrap_or_else(|| panic!("too many records"));
            assert_eq!(r.row, i + 2);
            assert_eq!(r.values[0], Value::Text(format!("E{i}").into()));
            assert_eq!(r.values[1], Value::Number(Decimal::from(i) + dec!(0.5)));
        }
    }

    #[test]
    fn converts_messy_cells() {
        let text = |s: &str| Cell::Text(s.into());
        assert_eq!(
            convert(&text("１２，０００"), FieldType::Number),
            Value::Number(dec!(12000))
        );
        assert_eq!(convert(&text(" 8000 "), FieldType::Number), Value::Number(dec!(8000)));
        assert_eq!(convert(&text("abc"), FieldType::Number), Value::Bad("abc".into()));
        assert_eq!(
            convert(&text("11010519491231002x "), FieldType::Id),
            Value::Text("11010519491231002X".into())
        );
        assert_eq!(
            convert(&Cell::Number(dec!(46082)), FieldType::Date),
            Value::Date(Date::new(2026, 3, 1).unwrap_or_else(|| panic!()))
        );
        assert_eq!(convert(&text("2026年1月"), FieldType::Period).display(), "2026-01");
        assert_eq!(convert(&text("是"), FieldType::Bool), Value::Bool(true));
        assert_eq!(convert(&text("   "), FieldType::Text), Value::Empty);
    }

    /// Numbers wider than a kept figure (17 significant digits and more)
    /// are reported, not carried: a card number typed into an amount column.
    #[test]
    fn numbers_too_wide_to_keep_are_bad() {
        let text = |s: &str| Cell::Text(s.into());
        assert_eq!(
            convert(&text("6222020200112233446"), FieldType::Number),
            Value::Bad("6222020200112233446".into())
        );
        assert_eq!(
            convert(&text("0.12345678901234567890"), FieldType::Number),
            Value::Bad("0.12345678901234567890".into())
        );
        assert_eq!(
            convert(&Cell::Number(dec!(6222020200112233446)), FieldType::Integer),
            Value::Bad("6222020200112233446".into())
        );
        // 16 significant digits still fit.
        assert_eq!(
            convert(&text("1234567890123.456"), FieldType::Number),
            Value::Number(dec!(1234567890123.456))
        );
    }
}
