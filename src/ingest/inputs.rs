//! The input set of one period: which file in `inputs/YYYY-MM/` is which
//! kind (from paybatch.toml, else from file-name hints), read and typed.
//! Structural problems (no header, unknown file, missing required file)
//! become findings, and so does what [`super::structure`] checks of each
//! sheet's layout and of the files of a kind; unreadable files are errors.

use std::path::Path;

use rayon::prelude::*;

use super::batch::{RowBatch, RowRef};
use super::grid::{
    Cell, Content, Grid, OnRow, collect_grids, csv_sheet_name, is_workbook_ext, sniff, stream_csv_file,
    stream_csv_file_records, stream_workbook_file,
};
use super::keys::{FirstRows, IndexedColumn};
use super::parquet::stream_parquet;
use super::structure;
use super::table::{SheetNote, Table, TableBuilder};
use crate::error::{Error, Result};
use crate::i18n::Text;
use crate::model::Period;
use crate::rules::RuleSet;
use crate::rules::schema::InputSchema;
use crate::rules::validation::Severity;
use crate::validate::Finding;
use crate::workspace::Workspace;

/// Every table of a period, by kind (a kind may span several files/sheets).
#[derive(Debug, Clone)]
pub struct InputSet {
    pub period: Period,
    /// The folder the files were read from (`inputs/YYYY-MM/`).
    pub dir: std::path::PathBuf,
    tables: Vec<Table>,
    /// Key columns validation indexed (the reference of its exists-in
    /// checks), for the calculation to take over instead of indexing them
    /// again. Private with the tables, so that no index outlives a change
    /// to what it indexes.
    indexed: Vec<IndexedColumn>,
}

impl InputSet {
    /// The tables of a period as read, nothing indexed yet.
    pub fn new(period: Period, dir: std::path::PathBuf, tables: Vec<Table>) -> InputSet {
        InputSet {
            period,
            dir,
            tables,
            indexed: Vec::new(),
        }
    }

    pub fn tables(&self) -> &[Table] {
        &self.tables
    }

    /// The tables, to change: the indexes kept of them are dropped.
    pub fn tables_mut(&mut self) -> &mut Vec<Table> {
        self.indexed.clear();
        &mut self.tables
    }

    /// Keeps indexes built of these tables as they are now.
    pub(crate) fn keep_indexes(&mut self, indexed: Vec<IndexedColumn>) {
        self.indexed = indexed;
    }

    /// Removes and returns the index kept of `kind`'s `field`, if any.
    pub(crate) fn take_index(&mut self, kind: &str, field: &str) -> Option<FirstRows> {
        let i = self.indexed.iter().position(|c| c.kind == kind && c.field == field)?;
        Some(self.indexed.swap_remove(i).rows)
    }

    pub fn of_kind<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a Table> + 'a {
        self.tables.iter().filter(move |t| t.kind == kind)
    }

    /// Removes and returns the tables of a kind (their memory goes with
    /// them, and any index kept of them).
    pub fn take_kind(&mut self, kind: &str) -> Vec<Table> {
        self.indexed.retain(|c| c.kind != kind);
        let (taken, kept) = std::mem::take(&mut self.tables)
            .into_iter()
            .partition(|t| t.kind == kind);
        self.tables = kept;
        taken
    }
}

/// Reads a file into grids (one per sheet) by extension.
pub fn read_file(path: &Path, display: &str) -> Result<Vec<Grid>> {
    collect_grids(display, |on_row| stream_file(path, display, on_row))
}

/// Streams a file's rows by extension: CSV/TXT (one sheet named after the
/// file), Parquet (likewise; row 1 holds the column names), or a workbook
/// (every visible sheet). Returns the sheet names.
fn stream_file(path: &Path, display: &str, on_row: &mut OnRow<'_>) -> Result<Vec<String>> {
    let ext = extension(path);
    if is_workbook_ext(&ext) {
        // HR and bank systems export web pages or Excel 2003 XML as ".xls".
        if sniff(path) == Content::Markup {
            return Err(Error::Workbook {
                file: display.into(),
                reason: "该文件实为网页或 XML 格式 (系统导出的 HTML/XML), 不是 Excel 表格: 用 Excel/WPS 打开后另存为 .xlsx (an HTML/XML export, not a workbook: open it in Excel/WPS and save as .xlsx)".into(),
            });
        }
    }
    if is_csv(path) || ext == "parquet" {
        note_renamed_csv(path, display);
        let sheet = csv_sheet_name(display);
        let one_sheet = |r, row: &mut [Cell]| on_row(&sheet, r, row);
        if ext == "parquet" {
            stream_parquet(path, display, one_sheet)?;
        } else {
            stream_csv_file(path, display, one_sheet)?;
        }
        Ok(vec![sheet])
    } else if is_workbook_ext(&ext) {
        stream_workbook_file(path, display, on_row)
    } else if matches!(sniff(path), Content::Zip | Content::Ole) {
        tracing::warn!(file = %path.display(), "a workbook under a text-file name: read as a workbook");
        stream_workbook_file(path, display, on_row)
    } else {
        Err(Error::UnsupportedFile { file: display.into() })
    }
}

/// Says once, where a file starts being read as CSV, that its workbook
/// name hides a text file.
fn note_renamed_csv(path: &Path, display: &str) {
    if is_workbook_ext(&extension(path)) {
        let name = display;
        tracing::warn!(
            file = name,
            "该文件实为文本 (CSV) 格式, 按 CSV 读取; 建议改名为 .csv (a text file under a workbook name: read as CSV)"
        );
    }
}

/// Whether a file is read as delimited text, by its content first: a
/// .csv/.txt unless a workbook was saved under that name, and a plain
/// text file saved under a workbook's name (a CSV named .xlsx). One
/// decision for every reader, so such a file is typed as the CSV it is.
fn is_csv(path: &Path) -> bool {
    match extension(path).as_str() {
        "csv" | "txt" => !matches!(sniff(path), Content::Zip | Content::Ole),
        ext if is_workbook_ext(ext) => sniff(path) == Content::Text,
        _ => false,
    }
}

fn extension(path: &Path) -> String {
    path.extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default()
}

/// What reading one sheet of an input file gave.
enum SheetRead {
    /// The table and what its layout showed ([`SheetNote`]).
    Table(Box<Table>, Vec<SheetNote>),
    /// No header row found on this sheet.
    NoHeader { sheet: String },
}

/// Streams a file's rows straight into typed tables (one per sheet, or only
/// `wanted`); the raw cells are never kept. Returns the sheet names too.
fn read_tables(
    path: &Path,
    display: &str,
    schema: &InputSchema,
    wanted: Option<&str>,
) -> Result<(Vec<SheetRead>, Vec<String>)> {
    let mut done = Vec::new();
    let mut current: Option<TableBuilder<'_>> = None;
    let finish = |b: TableBuilder<'_>, done: &mut Vec<SheetRead>| {
        let sheet = b.sheet().to_string();
        done.push(b.finish_noted().map_or(SheetRead::NoHeader { sheet }, |(t, notes)| {
            SheetRead::Table(Box::new(t), notes)
        }));
    };
    let names = read_ahead(path, display, wanted, |sheet, r, row| {
        if current.as_ref().is_none_or(|b| b.sheet() != sheet) {
            if let Some(b) = current.take() {
                finish(b, &mut done);
            }
            current = Some(TableBuilder::new(schema, display, sheet).delimited(is_csv(path)));
        }
        if let Some(b) = current.as_mut() {
            b.push_row(r, row);
        }
    })?;
    if let Some(b) = current.take() {
        finish(b, &mut done);
    }
    // Sheets without a row still count (they have no header).
    for name in names.iter().filter(|n| wanted.is_none_or(|w| w == n.as_str())) {
        let seen = done.iter().any(|d| match d {
            SheetRead::Table(t, _) => &*t.sheet == name.as_str(),
            SheetRead::NoHeader { sheet } => sheet == name,
        });
        if !seen {
            done.push(SheetRead::NoHeader { sheet: name.clone() });
        }
    }
    Ok((done, names))
}

/// What the reading thread hands over: the sheet the next rows are on,
/// or a batch of rows.
enum Ahead {
    Sheet(String),
    Rows(RowBatch),
}

/// Rows handed over at once, and batches the reader may run ahead: two
/// typing batches' worth ([`super::table`] types 8,192 rows at a time on
/// all cores), so that the parser goes on while a batch is typed instead
/// of stopping 4,096 rows ahead (1M CSV dry runs, alternated: reading and
/// validating 2.61-2.73 s -> 2.44-2.78 s; noisy, never worse in the median).
const READ_BATCH: usize = 1024;
const READ_AHEAD: usize = 16;

/// Streams the rows of `path` (only sheet `wanted`, if given) to `on_row`,
/// with the file parsed on a thread of its own, a few batches ahead: a big
/// file is parsed while the rows before are being typed. A batch's buffers
/// go back to the reading thread once its rows are taken, so that the
/// cells (or, from CSV, the field text) of a million rows pass through the
/// same few buffers, with no allocation per row (and none freed on the
/// other thread). Returns the sheet names.
fn read_ahead(
    path: &Path,
    display: &str,
    wanted: Option<&str>,
    mut on_row: impl FnMut(&str, usize, RowRef<'_>),
) -> Result<Vec<String>> {
    std::thread::scope(|scope| {
        let (send, received) = std::sync::mpsc::sync_channel(READ_AHEAD);
        let (give_back, returned) = std::sync::mpsc::channel::<RowBatch>();
        let reader = std::thread::Builder::new()
            .name("read-ahead".into())
            .spawn_scoped(scope, move || {
                let mut sheet = None::<String>;
                let mut batch = RowBatch::default();
                // The typing side is gone only if it failed; stop early.
                let gone = || Error::Workbook {
                    file: display.into(),
                    reason: "读取已中止 (reading stopped)".into(),
                };
                // Sends the batch, going on in one that came back (or a new one).
                let hand_over = |batch: &mut RowBatch| {
                    let empty = returned.try_recv().unwrap_or_default();
                    send.send(Ahead::Rows(std::mem::replace(batch, empty)))
                        .map_err(|_| gone())
                };
                // A row of sheet `name` is about to join the batch.
                let mut next_row = |name: &str, batch: &mut RowBatch| -> Result<bool> {
                    if wanted.is_some_and(|w| w != name) {
                        return Ok(false);
                    }
                    if sheet.as_deref() != Some(name) {
                        if !batch.is_empty() {
                            hand_over(batch)?;
                        }
                        sheet = Some(name.to_string());
                        send.send(Ahead::Sheet(name.to_string())).map_err(|_| gone())?;
                    }
                    Ok(true)
                };
                let full = |batch: &mut RowBatch| {
                    if batch.len() == READ_BATCH {
                        hand_over(batch)?;
                    }
                    Ok(())
                };
                let names = if is_csv(path) {
                    // CSV fields go over as text, typed where they lie.
                    note_renamed_csv(path, display);
                    let name = csv_sheet_name(display);
                    stream_csv_file_records(path, display, |r, record| {
                        if next_row(&name, &mut batch)? {
                            batch.push_record(r, record);
                            full(&mut batch)?;
                        }
                        Ok(())
                    })
                    .map(|()| vec![name.clone()])
                } else {
                    stream_file(path, display, &mut |name, r, row| {
                        if next_row(name, &mut batch)? {
                            batch.push(r, row);
                            full(&mut batch)?;
                        }
                        Ok(())
                    })
                };
                if !batch.is_empty() {
                    let _ = send.send(Ahead::Rows(batch));
                }
                names
            })
            .map_err(|e| Error::io(path, e))?;
        let mut sheet = String::new();
        for read in received {
            match read {
                Ahead::Sheet(name) => sheet = name,
                Ahead::Rows(mut rows) => {
                    rows.for_each_row(|r, row| on_row(&sheet, r, row));
                    rows.clear();
                    // The reader may be done already: then the buffer is dropped.
                    let _ = give_back.send(rows);
                }
            }
        }
        reader.join().unwrap_or_else(|_| {
            Err(Error::Workbook {
                file: display.into(),
                reason: "文件已损坏 (corrupt file)".into(),
            })
        })
    })
}

fn structural(code: &str, file: &str, sheet: &str, message: Text, hint: Text) -> Finding {
    Finding {
        sheet: sheet.into(),
        ..Finding::about(code, Severity::Error, file, "", message, hint)
    }
}

/// Which schema a file belongs to: paybatch.toml first, then name hints.
fn classify<'a>(rules: &'a RuleSet, ws: &Workspace, name: &str) -> Option<(&'a InputSchema, Option<String>)> {
    for (kind, source) in &ws.config.inputs {
        if source.file == name
            && let Some(schema) = rules.schema(kind)
        {
            return Some((schema, source.sheet.clone()));
        }
    }
    let lower = name.to_lowercase();
    rules
        .inputs
        .iter()
        .filter(|s| !ws.config.inputs.contains_key(&s.kind))
        .find(|s| s.file_hints.iter().any(|h| lower.contains(&h.to_lowercase())))
        .map(|s| (s, None))
}

/// Whether `inputs/<period>/` holds a file of `kind` (by its name or the
/// workspace's mapping; nothing is read).
pub fn has_kind(ws: &Workspace, rules: &RuleSet, period: Period, kind: &str) -> bool {
    super::listing::input_files(&ws.inputs_dir(period)).is_ok_and(|(names, _)| {
        names
            .iter()
            .any(|name| classify(rules, ws, name).is_some_and(|(schema, _)| schema.kind == kind))
    })
}

/// Loads `inputs/<period>/` into typed tables plus structural findings.
pub fn load(ws: &Workspace, rules: &RuleSet, period: Period) -> Result<(InputSet, Vec<Finding>)> {
    let dir = ws.inputs_dir(period);
    let (names, refused) = super::listing::input_files(&dir)?;

    // Files are read side by side; their tables and findings are then
    // taken in name order, so the result does not depend on timing.
    let read: Vec<Result<_>> = names
        .par_iter()
        .map(|name| {
            let Some((schema, sheet)) = classify(rules, ws, name) else {
                return Ok(None);
            };
            let (sheets, available) = read_tables(&dir.join(name), name, schema, sheet.as_deref())?;
            Ok(Some((schema, sheet, sheets, available)))
        })
        .collect();
    let mut tables = Vec::new();
    let mut findings = refused;
    for (name, read) in names.iter().zip(read) {
        let Some((schema, sheet, sheets, available)) = read? else {
            findings.push(Finding {
                severity: Severity::Warning,
                ..structural(
                    "S010",
                    name,
                    "",
                    Text::new("无法识别的文件, 已忽略", "file not recognised; ignored"),
                    Text::new(
                        "文件名应含「花名册/入职/离职/考勤/变动/专项附加/期初」之一, 或在 paybatch.toml 的 [inputs] 中指定",
                        "name it after its kind (roster, attendance, …) or map it under [inputs] in paybatch.toml",
                    ),
                )
            });
            continue;
        };
        if let Some(wanted) = &sheet
            && !available.contains(wanted)
        {
            return Err(Error::SheetMissing {
                file: name.clone(),
                sheet: wanted.clone(),
                available,
            });
        }
        let mut matched = false;
        let sheet_count = sheets.len();
        for read in sheets {
            match read {
                SheetRead::Table(t, notes) => {
                    matched = true;
                    findings.extend(structure::sheet_findings(&t, &notes));
                    tables.push(*t);
                }
                SheetRead::NoHeader { sheet: s } if sheet_count == 1 || sheet.is_some() => {
                    findings.push(structural(
                        "S011",
                        name,
                        &s,
                        Text::new(
                            format!("找不到{}的表头行", schema.label.zh),
                            format!("no {} header row found", schema.label.en),
                        ),
                        Text::new(
                            "表头至少要有两个可识别的列名, 如「工号」「姓名」",
                            "the header needs at least two known column names, e.g. 工号 and 姓名",
                        ),
                    ));
                    matched = true;
                }
                SheetRead::NoHeader { .. } => {}
            }
        }
        if !matched {
            findings.push(structural(
                "S011",
                name,
                "",
                Text::new(
                    format!("任何工作表中都找不到{}的表头行", schema.label.zh),
                    format!("no sheet has a {} header row", schema.label.en),
                ),
                Text::new(
                    "表头至少要有两个可识别的列名",
                    "the header needs at least two known column names",
                ),
            ));
        }
    }
    findings.extend(structure::file_findings(&tables, rules));
    for schema in rules.inputs.iter().filter(|s| s.required) {
        if !tables.iter().any(|t| t.kind == schema.kind) {
            findings.push(structural(
                "S012",
                &format!("inputs/{period}/"),
                "",
                Text::new(
                    format!("本期缺少{}文件", schema.label.zh),
                    format!("this period has no {} file", schema.label.en),
                ),
                Text::new(
                    format!(
                        "把{}放入 inputs/{period}/ (文件名含「{}」)",
                        schema.label.zh,
                        schema.file_hints.join("/")
                    ),
                    format!("put the {} into inputs/{period}/", schema.label.en),
                ),
            ));
        }
    }
    Ok((InputSet::new(period, dir, tables), findings))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::grid::take_row;

    /// Every row of every sheet arrives once, in order, with its own cells,
    /// however the rows fall into batches and the batches' buffers are
    /// reused; a wanted sheet alone when one is named.
    #[test]
    fn rows_read_ahead_arrive_in_order_through_reused_batches() {
        let dir = tempfile::tempdir().unwrap();
        let rows = 3 * READ_BATCH + 7;
        let csv = dir.path().join("a.csv");
        let text: String = (0..rows).map(|i| format!("{i},x{i}\n")).collect();
        std::fs::write(&csv, text).unwrap();
        let book = dir.path().join("b.xlsx");
        let mut wb = rust_xlsxwriter::Workbook::new();
        for (name, n) in [("one", READ_BATCH + 3), ("two", 2 * READ_BATCH)] {
            let ws = wb.add_worksheet();
            ws.set_name(name).unwrap();
            for i in 0..n {
                ws.write(i as u32, 1, format!("{name}{i}")).unwrap();
            }
        }
        wb.save(&book).unwrap();
        let read = |path: &Path, wanted: Option<&str>| {
            let mut seen = Vec::new();
            let display = path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
            let names = read_ahead(path, &display, wanted, |sheet, r, row| {
                let (cells, kind) = match row {
                    RowRef::Cells(row) => {
                        let cells = take_row(row);
                        assert!(row.iter().all(|c| *c == Cell::Empty), "the row's cells were taken");
                        (cells, "cells")
                    }
                    RowRef::Text(text) => (text.cells(), "text"),
                };
                let cells: Vec<String> = cells.iter().map(Cell::display).collect();
                seen.push((sheet.to_string(), r, format!("{kind}:{}", cells.join("|"))));
            })
            .unwrap();
            (names, seen)
        };
        let (names, seen) = read(&csv, None);
        assert_eq!(names, ["a"]);
        // CSV rows come as text, workbook rows as cells.
        let expected: Vec<_> = (0..rows)
            .map(|i| ("a".to_string(), i, format!("text:{i}|x{i}")))
            .collect();
        assert_eq!(seen, expected);
        let (names, seen) = read(&book, None);
        assert_eq!(names, ["one", "two"]);
        let expected: Vec<_> = [("one", READ_BATCH + 3), ("two", 2 * READ_BATCH)]
            .into_iter()
            .flat_map(|(name, n)| (0..n).map(move |i| (name.to_string(), i, format!("cells:|{name}{i}"))))
            .collect();
        assert_eq!(seen, expected);
        let (_, seen) = read(&book, Some("two"));
        assert_eq!(seen, expected[READ_BATCH + 3..]);
    }
}
