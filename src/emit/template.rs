//! Renders a template (`rules/templates/*.toml`) over a period's results
//! into CSV, xlsx or byte-counted fixed-width text, then re-reads what it
//! wrote and checks it against the template: columns and order, encoding,
//! widths, row count, and the total of the amount column.

use std::borrow::Cow;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use rust_decimal::Decimal;
use rust_xlsxwriter::{Format, Workbook};

use super::fields::{Context, Field, FieldValue};
use super::reread::{Keep, Seen, scan_xlsx_file};
use super::sink::{GbkWriter, OutDir, Written};
use super::xlsx::{
    EXCEL_MAX_ROWS, Number, column_width, err, excel_number, header_format, parts, save_xlsx, text_width, workbook,
};
use crate::calc::employee::EmployeeResult;
use crate::error::Result;
use crate::i18n::Text;
use crate::ingest::grid::Cell;
use crate::model::{Money, Rounding, Str};
use crate::rules::template::{Align, Amount, Column, Encoding, FileFormat, LineEnding, RowSet, Template};
use crate::rules::validation::Severity;
use crate::validate::Finding;
use compact_str::ToCompactString;

/// A rendered output file, on disk in an [`OutDir`].
#[derive(Debug, Clone)]
pub struct Rendered {
    /// Path relative to the outputs folder, e.g. `uploads/bank/招行代发_2026-03.csv`.
    pub path: String,
    /// Where it was written; `None` when nothing could be encoded (reported).
    pub file: Option<PathBuf>,
    pub written: Option<Written>,
    pub rows: usize,
    /// Sum of the template's `total_of` field over its rows.
    pub total: Option<Decimal>,
}

fn finding(code: &str, severity: Severity, file: &str, field: &str, message: Text, hint: Text) -> Finding {
    Finding::about(code, severity, file, field, message, hint)
}

/// The rows a template covers; bank files list who was left out.
pub fn select_rows<'r>(
    t: &Template,
    results: &'r [EmployeeResult],
    ctx: &Context<'_>,
) -> (Vec<&'r EmployeeResult>, Vec<Finding>) {
    let mut excluded = Vec::new();
    let period = ctx.period;
    // Sized up front for the lists that take (nearly) everyone: growing a
    // million-row list by doubling copies and faults it in again each time.
    let mut rows = Vec::with_capacity(match t.rows {
        RowSet::All | RowSet::Paid => results.len(),
        _ => 0,
    });
    let selected = results
        .iter()
        .filter(|r| t.city.as_ref().is_none_or(|c| *c == *r.city))
        .filter(|r| match t.rows {
            RowSet::All => true,
            RowSet::Paid => {
                let ok = r.net.get() > Decimal::ZERO && !r.bank_card.is_empty();
                if !ok {
                    let why_zh = if r.bank_card.is_empty() {
                        "没有银行卡号"
                    } else {
                        "实发工资不大于 0"
                    };
                    let why_en = if r.bank_card.is_empty() {
                        "no bank card"
                    } else {
                        "net pay is not positive"
                    };
                    excluded.push(finding(
                        "E010",
                        Severity::Warning,
                        &t.file_name,
                        &r.employee_id,
                        Text::new(
                            format!(
                                "{} {} 未列入{}: {why_zh} (实发 {})",
                                r.employee_id,
                                r.name,
                                t.label.zh,
                                Money::new(r.net.get())
                            ),
                            format!(
                                "{} {} left out of {}: {why_en} (net {})",
                                r.employee_id,
                                r.name,
                                t.label.en,
                                Money::new(r.net.get())
                            ),
                        ),
                        Text::new("请另行处理该员工的付款", "pay this employee separately"),
                    ));
                }
                ok
            }
            RowSet::Joiners => r.hire_date.period() == period,
            RowSet::Leavers => r.leave_date.is_some_and(|d| d.period() == period),
            RowSet::BaseChanges => ctx.previous_si_base.get(r.employee_id.as_str()).is_some_and(|prev| {
                r.si.iter()
                    .find(|l| l.key() == "pension")
                    .is_some_and(|l| l.base.get() != *prev)
            }),
            RowSet::BonusSeparate => r.annual_bonus.as_ref().is_some_and(|b| b.separate),
        });
    rows.extend(selected);
    (rows, excluded)
}

/// What a column's cells show, resolved once per file: the field by its
/// name, a literal with its placeholders filled.
enum Source {
    Count,
    Total,
    Field(Field),
    Literal(String),
    Empty,
}

impl Source {
    fn of(c: &Column, ctx: &Context<'_>) -> Source {
        match (&c.field, &c.value) {
            (Some(name), _) => match name.as_str() {
                "count" => Source::Count,
                "total" => Source::Total,
                _ => Field::parse(name).map_or(Source::Empty, Source::Field),
            },
            (None, Some(v)) => Source::Literal(ctx.fill(v)),
            (None, None) => Source::Empty,
        }
    }

    fn all(columns: &[Column], ctx: &Context<'_>) -> Vec<Source> {
        columns.iter().map(|c| Source::of(c, ctx)).collect()
    }

    /// The cell of this column for row `r` (`None` in header and trailer
    /// lines); `agg` is the file's row count and total.
    fn value<'a>(&'a self, r: Option<&'a EmployeeResult>, ctx: &Context<'_>, agg: (usize, Decimal)) -> FieldValue<'a> {
        match self {
            Source::Count => FieldValue::Text(Cow::Owned(agg.0.to_string())),
            Source::Total => FieldValue::Money(Number::Decimal(agg.1)),
            Source::Field(f) => r.map_or(FieldValue::Empty, |r| f.value(r, ctx)),
            Source::Literal(text) => FieldValue::Text(Cow::Borrowed(text)),
            Source::Empty => FieldValue::Empty,
        }
    }
}

/// A cell's text: borrowed from the result where it can be, else made
/// inline (an amount, a date: no heap allocation per cell).
enum Shown<'a> {
    Borrowed(&'a str),
    Owned(String),
    Made(Str),
}

impl std::ops::Deref for Shown<'_> {
    type Target = str;

    fn deref(&self) -> &str {
        match self {
            Shown::Borrowed(s) => s,
            Shown::Owned(s) => s,
            Shown::Made(s) => s,
        }
    }
}

fn as_text(v: FieldValue<'_>, amount: Amount) -> Shown<'_> {
    match v {
        FieldValue::Text(Cow::Borrowed(s)) => Shown::Borrowed(s),
        FieldValue::Text(Cow::Owned(s)) => Shown::Owned(s),
        FieldValue::Money(m) => Shown::Made(match amount {
            Amount::Yuan2 => Money::new(m.decimal()).to_fixed2_str(),
            Amount::Fen => Money::new(m.decimal())
                .to_fen()
                .map(|f| f.to_compact_string())
                .unwrap_or_default(),
        }),
        FieldValue::Date(d) => Shown::Made(d.to_compact_string()),
        FieldValue::Empty => Shown::Borrowed(""),
    }
}

/// The UTF-8 byte-order mark, once at the start of a file that asks for it.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Encodes a field's text (borrowed where the bytes are the text's own:
/// UTF-8, and ASCII in GBK); `None` when a character has no GBK form. A
/// byte-order mark belongs to the file, not to each field.
fn encode(text: &str, enc: Encoding) -> Option<Cow<'_, [u8]>> {
    match enc {
        Encoding::Utf8 | Encoding::Utf8Bom => Some(Cow::Borrowed(text.as_bytes())),
        Encoding::Gbk => {
            let (bytes, _, unmappable) = encoding_rs::GBK.encode(text);
            (!unmappable).then_some(bytes)
        }
    }
}

fn eol(t: &Template) -> &'static str {
    match t.line_ending {
        LineEnding::Lf => "\n",
        LineEnding::Crlf => "\r\n",
    }
}

/// Renders one template into `out`, then re-reads and checks it; errors
/// (unencodable text, names too long, a failed self-check) are findings.
pub fn render(
    t: &Template,
    rows: &[&EmployeeResult],
    ctx: &Context<'_>,
    out: &OutDir,
) -> Result<(Rendered, Vec<Finding>)> {
    render_part(t, rows, ctx, out, None)
}

/// Renders every file of a template: one, or numbered parts of at most
/// `max_rows` rows each.
pub fn render_all(
    t: &Template,
    rows: &[&EmployeeResult],
    ctx: &Context<'_>,
    out: &OutDir,
) -> Result<(Vec<Rendered>, Vec<Finding>)> {
    let parts = parts(rows, t.max_rows.filter(|n| *n > 0).unwrap_or(usize::MAX));
    let numbered = parts.len() > 1;
    let mut rendered = Vec::with_capacity(parts.len());
    let mut findings = Vec::new();
    for (i, part) in parts.into_iter().enumerate() {
        let (r, problems) = render_part(t, part, ctx, out, numbered.then_some(i + 1))?;
        rendered.push(r);
        findings.extend(problems);
    }
    Ok((rendered, findings))
}

/// One file of a template; `part` numbers it (`代发定长_2026-01_001.txt`).
pub fn render_part(
    t: &Template,
    rows: &[&EmployeeResult],
    ctx: &Context<'_>,
    out: &OutDir,
    part: Option<usize>,
) -> Result<(Rendered, Vec<Finding>)> {
    let name = ctx.fill(&t.file_name);
    let name = match (part, name.rsplit_once('.')) {
        (Some(n), Some((stem, ext))) => format!("{stem}_{n:03}.{ext}"),
        (Some(n), None) => format!("{name}_{n:03}"),
        (None, _) => name,
    };
    let file = format!("uploads/{}/{name}", t.group);
    let total = t.total_of.as_ref().map(|name| {
        let f = Field::parse(name);
        rows.iter()
            .filter_map(|r| f.as_ref().and_then(|f| f.value(r, ctx).money()))
            .sum()
    });
    let agg = (rows.len(), total.unwrap_or_default());
    let mut findings = Vec::new();
    let written = match t.format {
        FileFormat::Xlsx if rows.len() + usize::from(t.header_row) > EXCEL_MAX_ROWS => {
            findings.push(finding(
                "E004",
                Severity::Error,
                &file,
                "",
                Text::new(
                    format!(
                        "{} 行超过 Excel 单个工作表 {EXCEL_MAX_ROWS} 行的上限, 未生成",
                        rows.len()
                    ),
                    format!(
                        "{} rows exceed Excel's {EXCEL_MAX_ROWS} rows a sheet; not written",
                        rows.len()
                    ),
                ),
                Text::new(
                    "改用该机构的 CSV/TXT 模板, 或按城市/发薪组拆分模板",
                    "use the portal's CSV/TXT layout, or split the template by city or pay group",
                ),
            ));
            None
        }
        FileFormat::Xlsx => {
            let mut wb = render_xlsx(t, rows, ctx, &file)?;
            Some(save_xlsx(&mut wb, out, &file)?)
        }
        FileFormat::Csv => {
            let io = |e: std::io::Error| crate::Error::Output {
                file: file.clone(),
                reason: e.to_string(),
            };
            let mut target = out.create(&file)?;
            let unmappable = match t.encoding {
                Encoding::Gbk => {
                    let (_, bad) = write_csv(t, rows, ctx, agg, GbkWriter::new(&mut target), &file)?
                        .into_inner()
                        .map_err(io)?;
                    bad
                }
                Encoding::Utf8Bom => {
                    target.write_all(BOM).map_err(io)?;
                    write_csv(t, rows, ctx, agg, &mut target, &file)?;
                    false
                }
                Encoding::Utf8 => {
                    write_csv(t, rows, ctx, agg, &mut target, &file)?;
                    false
                }
            };
            let written = target.finish()?;
            if unmappable {
                out.discard(&file);
                name_unencodable_rows(t, &file, rows, &mut findings);
                None
            } else {
                Some(written)
            }
        }
        FileFormat::Fixed => {
            let mut target = out.create(&file)?;
            let path = target.path().to_path_buf();
            let io = |e: std::io::Error| crate::Error::io(&path, e);
            if t.encoding == Encoding::Utf8Bom {
                target.write_all(BOM).map_err(io)?;
            }
            // One buffer for every line.
            let mut bytes = Vec::new();
            let mut line =
                |segments: &[Column], sources: &[Source], r: Option<&EmployeeResult>, findings: &mut Vec<Finding>| {
                    bytes.clear();
                    fixed_line(t, segments, sources, r, ctx, agg, &file, findings, &mut bytes);
                    bytes.extend_from_slice(eol(t).as_bytes());
                    target.write_all(&bytes).map_err(io)
                };
            if let Some(h) = &t.header_line {
                line(&h.segments, &Source::all(&h.segments, ctx), None, &mut findings)?;
            }
            let sources = Source::all(&t.columns, ctx);
            for r in rows {
                line(&t.columns, &sources, Some(r), &mut findings)?;
            }
            if let Some(tr) = &t.trailer_line {
                line(&tr.segments, &Source::all(&tr.segments, ctx), None, &mut findings)?;
            }
            Some(target.finish()?)
        }
    };
    let rendered = Rendered {
        file: written.as_ref().map(|w| out.root().join(&w.name)),
        path: file,
        written,
        rows: rows.len(),
        total,
    };
    let started = std::time::Instant::now();
    findings.extend(self_check(t, &rendered));
    tracing::debug!(file = %rendered.path, seconds = started.elapsed().as_secs_f64(), "self-checked");
    Ok((rendered, findings))
}

/// The CSV rows of a template, written as UTF-8 into `w`.
fn write_csv<W: Write>(
    t: &Template,
    rows: &[&EmployeeResult],
    ctx: &Context<'_>,
    agg: (usize, Decimal),
    w: W,
    file: &str,
) -> Result<W> {
    let mut w = csv::WriterBuilder::new()
        .terminator(match t.line_ending {
            LineEnding::Lf => csv::Terminator::Any(b'\n'),
            LineEnding::Crlf => csv::Terminator::CRLF,
        })
        .from_writer(w);
    let csv_err = |e: csv::Error| crate::Error::Output {
        file: file.to_string(),
        reason: e.to_string(),
    };
    if t.header_row {
        w.write_record(t.columns.iter().map(|c| c.header.as_str()))
            .map_err(csv_err)?;
    }
    let sources = Source::all(&t.columns, ctx);
    let mut cells: Vec<Shown<'_>> = Vec::with_capacity(sources.len());
    for r in rows {
        cells.clear();
        cells.extend(
            sources
                .iter()
                .zip(&t.columns)
                .map(|(s, c)| as_text(s.value(Some(r), ctx, agg), c.amount)),
        );
        w.write_record(cells.iter().map(|c| c.as_bytes())).map_err(csv_err)?;
    }
    w.into_inner().map_err(|e| crate::Error::Output {
        file: file.to_string(),
        reason: e.to_string(),
    })
}

/// Names the rows whose names the template's encoding cannot hold.
fn name_unencodable_rows(t: &Template, file: &str, rows: &[&EmployeeResult], findings: &mut Vec<Finding>) {
    for r in rows {
        if encode(&r.name, t.encoding).is_none() {
            findings.push(finding(
                "E002",
                Severity::Error,
                file,
                &r.employee_id,
                Text::new(
                    format!("{} 的姓名「{}」含有 GBK 无法表示的字符", r.employee_id, r.name),
                    format!("{}: name `{}` has characters GBK cannot encode", r.employee_id, r.name),
                ),
                Text::new(
                    "请与银行确认生僻字的处理方式",
                    "ask the bank how to submit rare characters",
                ),
            ));
        }
    }
}

/// One fixed-width line: each segment padded to its byte width.
#[allow(clippy::too_many_arguments)]
fn fixed_line(
    t: &Template,
    segments: &[Column],
    sources: &[Source],
    r: Option<&EmployeeResult>,
    ctx: &Context<'_>,
    agg: (usize, Decimal),
    file: &str,
    findings: &mut Vec<Finding>,
    line: &mut Vec<u8>,
) {
    for (c, source) in segments.iter().zip(sources) {
        let text = as_text(source.value(r, ctx, agg), c.amount);
        let text = &*text;
        let Some(mut bytes) = encode(text, t.encoding) else {
            findings.push(finding(
                "E002",
                Severity::Error,
                file,
                r.map_or("", |r| r.employee_id.as_str()),
                Text::new(
                    format!("「{text}」含有 GBK 无法表示的字符"),
                    format!("`{text}` has characters GBK cannot encode"),
                ),
                Text::new(
                    "请与银行确认生僻字的处理方式",
                    "ask the bank how to submit rare characters",
                ),
            ));
            continue;
        };
        if let Some(width) = c.width {
            if bytes.len() > width {
                findings.push(finding(
                    "E003",
                    Severity::Error,
                    file,
                    r.map_or("", |r| r.employee_id.as_str()),
                    Text::new(
                        format!(
                            "{}「{}」的「{text}」占 {} 字节, 超过字段宽度 {width} 字节",
                            r.map_or("", |r| r.employee_id.as_str()),
                            c.header,
                            bytes.len()
                        ),
                        format!(
                            "{} {}: `{text}` takes {} bytes, the field holds {width}",
                            r.map_or("", |r| r.employee_id.as_str()),
                            c.header,
                            bytes.len()
                        ),
                    ),
                    Text::new(
                        "不会截断; 请与银行确认该字段的写法",
                        "nothing is cut; agree the value with the bank",
                    ),
                ));
                // Keep whole characters only; the run is blocked anyway.
                let mut cut = String::new();
                for ch in text.chars() {
                    let next = format!("{cut}{ch}");
                    let next = encode(&next, t.encoding).unwrap_or_default();
                    if next.len() > width {
                        break;
                    }
                    cut.push(ch);
                }
                bytes = Cow::Owned(encode(&cut, t.encoding).unwrap_or_default().into_owned());
            }
            let fill = std::iter::repeat_n(c.pad.unwrap_or(' ') as u8, width - bytes.len());
            match c.align {
                Align::Left => {
                    line.extend_from_slice(&bytes);
                    line.extend(fill);
                }
                Align::Right => {
                    line.extend(fill);
                    line.extend_from_slice(&bytes);
                }
            }
        } else {
            line.extend_from_slice(&bytes);
        }
    }
}

fn render_xlsx(t: &Template, rows: &[&EmployeeResult], ctx: &Context<'_>, file: &str) -> Result<Workbook> {
    let e = err(file);
    let mut wb = workbook();
    let head = header_format();
    let money = Format::new().set_num_format("0.00");
    let ws = wb.add_worksheet_with_constant_memory().map_err(&e)?;
    ws.set_name(t.sheet.as_deref().unwrap_or("Sheet1")).map_err(&e)?;
    let mut widths: Vec<u32> = t
        .columns
        .iter()
        .map(|c| c.xlsx_width.unwrap_or(text_width(&c.header)))
        .collect();
    let mut row = 0u32;
    if t.header_row {
        for (i, c) in t.columns.iter().enumerate() {
            ws.write_with_format(0, i as u16, c.header.as_str(), &head)
                .map_err(&e)?;
        }
        row = 1;
    }
    // Columns whose first row is money take the money format from the
    // column: rust_xlsxwriter hashes a cell's `Format` on every write, a
    // column's once. Other money cells keep their own format.
    let agg = (rows.len(), Decimal::ZERO);
    let sources = Source::all(&t.columns, ctx);
    let money_columns: Vec<bool> = sources
        .iter()
        .map(|s| {
            rows.first()
                .is_some_and(|r| matches!(s.value(Some(r), ctx, agg), FieldValue::Money(_)))
        })
        .collect();
    for (i, _) in money_columns.iter().enumerate().filter(|(_, m)| **m) {
        ws.set_column_format(i as u16, &money).map_err(&e)?;
    }
    for r in rows {
        for (i, (c, source)) in t.columns.iter().zip(&sources).enumerate() {
            let col = i as u16;
            match source.value(Some(r), ctx, agg) {
                FieldValue::Money(m) => {
                    // Cells show fen: an amount kept to two places is there already.
                    let number = if m.is_fen() {
                        m.excel()
                    } else {
                        excel_number(Money::new(m.decimal()).round(Rounding::FEN_HALF_UP).get())
                    };
                    if money_columns[i] {
                        ws.write(row, col, number).map_err(&e)?;
                    } else {
                        ws.write_with_format(row, col, number, &money).map_err(&e)?;
                    }
                }
                FieldValue::Empty => {}
                other => {
                    let text = as_text(other, c.amount);
                    widths[i] = widths[i].max(text_width(&text));
                    ws.write(row, col, &*text).map_err(&e)?;
                }
            }
        }
        row += 1;
    }
    for (i, w) in widths.iter().enumerate() {
        ws.set_column_width(i as u16, column_width(*w, 8, 40)).map_err(&e)?;
    }
    if t.header_row {
        ws.set_freeze_panes(1, 0).map_err(&e)?;
    }
    Ok(wb)
}

fn check_failed(file: &str, zh: String, en: String) -> Finding {
    finding(
        "E001",
        Severity::Error,
        file,
        "",
        Text::new(format!("输出自检失败: {zh}"), format!("output self-check failed: {en}")),
        Text::new(
            "这是 paybatch 或模板的问题, 请报告",
            "this is a paybatch or template defect; please report it",
        ),
    )
}

fn parse_amount(s: &str, amount: Amount) -> Option<Decimal> {
    let s = s.trim();
    match amount {
        Amount::Yuan2 => Decimal::from_str(s).ok(),
        Amount::Fen => i64::from_str(s).ok().map(|f| Decimal::new(f, 2)),
    }
}

/// The amount a re-read xlsx cell holds. Amount cells are numbers in yuan
/// whatever the column's text form ([`render_xlsx`]), taken to the fen as
/// the text forms are; a text cell reads as its column says.
fn xlsx_amount(cell: Cell, column: Option<&Column>) -> Option<Decimal> {
    match cell {
        Cell::Number(n) => Some(Money::new(n).round(Rounding::FEN_HALF_UP).get()),
        other => parse_amount(&other.display(), column.map_or(Amount::Yuan2, |c| c.amount)),
    }
}

/// What the self-check gathers from a re-read file, row by row.
struct ReRead<'t> {
    t: &'t Template,
    total_col: Option<usize>,
    header: Option<Vec<String>>,
    rows: usize,
    sum: Decimal,
}

impl ReRead<'_> {
    /// One re-read row: `text(i)` is the text of its cell `i`.
    fn row(&mut self, len: usize, text: impl Fn(usize) -> String) {
        if self.t.header_row && self.header.is_none() {
            self.header = Some((0..len.min(self.t.columns.len())).map(&text).collect());
            return;
        }
        self.rows += 1;
        if let Some(i) = self.total_col.filter(|i| *i < len) {
            self.sum += parse_amount(&text(i), self.t.columns[i].amount).unwrap_or_default();
        }
    }
}

/// Re-reads a rendered file from disk and checks it against its template:
/// header, row count, amount total, encoding. Reads row by row.
pub fn self_check(t: &Template, r: &Rendered) -> Vec<Finding> {
    let Some(path) = &r.file else {
        return Vec::new(); // nothing was encoded: already reported
    };
    let total_col = t
        .total_of
        .as_ref()
        .and_then(|f| t.columns.iter().position(|c| c.field.as_deref() == Some(f.as_str())));
    let mut out = Vec::new();
    let file = r.path.as_str();
    let cannot_read = |e: &dyn std::fmt::Display| vec![cannot_reread(file, e)];
    let mut seen = ReRead {
        t,
        total_col,
        header: None,
        rows: 0,
        sum: Decimal::ZERO,
    };
    match t.format {
        FileFormat::Csv => {
            let f = match std::fs::File::open(path) {
                Ok(f) => f,
                Err(e) => return cannot_read(&e),
            };
            let mut reader = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .from_reader(std::io::BufReader::new(f));
            let mut record = csv::ByteRecord::new();
            let mut decoded = Vec::new();
            let (mut all_utf8, mut all_ascii, mut undecodable) = (true, true, false);
            let mut first = true;
            while let Ok(true) = reader.read_byte_record(&mut record) {
                let field = |i: usize| {
                    let f = record.get(i).unwrap_or_default();
                    match (first && i == 0, f.strip_prefix(BOM)) {
                        (true, Some(rest)) if t.encoding == Encoding::Utf8Bom => rest,
                        _ => f,
                    }
                };
                for f in (0..record.len()).map(field) {
                    // ASCII reads the same in every encoding a template has.
                    if f.is_ascii() {
                        continue;
                    }
                    all_ascii = false;
                    let utf8 = std::str::from_utf8(f).is_ok();
                    all_utf8 &= utf8;
                    undecodable |= match t.encoding {
                        Encoding::Gbk => !is_gbk(f, &mut decoded),
                        Encoding::Utf8 | Encoding::Utf8Bom => !utf8,
                    };
                }
                // Only the header and the amount column are decoded to text.
                seen.row(record.len(), |i| decode(field(i), t.encoding).unwrap_or_default());
                first = false;
            }
            if undecodable {
                out.push(check_failed(
                    file,
                    "无法按模板编码解码".into(),
                    "cannot decode with the template's encoding".into(),
                ));
            }
            if t.encoding == Encoding::Gbk && all_utf8 && !all_ascii {
                out.push(check_failed(
                    file,
                    "应为 GBK 编码, 实为 UTF-8".into(),
                    "should be GBK, is UTF-8".into(),
                ));
            }
        }
        FileFormat::Xlsx => {
            // Only the header cells and the amount column are converted; the
            // other cells are not read.
            let columns = t.columns.len();
            let keep = Keep::Column {
                column: total_col,
                first_row: t.header_row,
            };
            let text = |cell: Cell| match cell {
                Cell::Number(n) => Money::new(n).to_fixed2(),
                other => other.display(),
            };
            let mut first_row = None;
            let mut header = Vec::new();
            let scanned = scan_xlsx_file(path, file, keep, |event| match event {
                Seen::Row(r) => {
                    let header_row = t.header_row && *first_row.get_or_insert(r) == r;
                    seen.rows += usize::from(!header_row);
                }
                Seen::Cell(r, c, v) if t.header_row && first_row == Some(r) => {
                    header.resize(header.len().max((c + 1).min(columns)), String::new());
                    if let Some(h) = header.get_mut(c) {
                        *h = text(v);
                    }
                }
                Seen::Cell(_, c, v) => seen.sum += xlsx_amount(v, t.columns.get(c)).unwrap_or_default(),
            });
            if let Err(e) = scanned {
                return cannot_read(&e);
            }
            if t.header_row && first_row.is_some() {
                seen.header = Some(header);
            }
        }
        FileFormat::Fixed => return check_fixed(t, r, path),
    }
    if t.header_row {
        let headers: Vec<&str> = t.columns.iter().map(|c| c.header.as_str()).collect();
        let got: Vec<&str> = seen.header.iter().flatten().map(String::as_str).collect();
        if got != headers {
            out.push(check_failed(
                file,
                format!("表头为 {got:?}, 模板为 {headers:?}"),
                format!("header is {got:?}, template says {headers:?}"),
            ));
        }
    }
    if seen.rows != r.rows {
        out.push(check_failed(
            file,
            format!("行数 {} 与应有人数 {} 不符", seen.rows, r.rows),
            format!("{} rows, expected {}", seen.rows, r.rows),
        ));
    }
    if let (Some(_), Some(expected)) = (total_col, r.total)
        && seen.sum != expected
    {
        let got = Money::new(seen.sum).to_fixed2();
        out.push(check_failed(
            file,
            format!("金额合计 {got} 与应付合计 {expected} 不符"),
            format!("amount total {got} differs from the expected {expected}"),
        ));
    }
    out
}

/// Whether `bytes` are GBK text, decoded into `buf` (one buffer for a
/// whole file, instead of a string per field or line).
fn is_gbk(bytes: &[u8], buf: &mut Vec<u8>) -> bool {
    if bytes.is_ascii() {
        return true;
    }
    let mut decoder = encoding_rs::GBK.new_decoder_without_bom_handling();
    let Some(room) = decoder.max_utf8_buffer_length_without_replacement(bytes.len()) else {
        return false;
    };
    buf.resize(room, 0);
    let (result, read, _) = decoder.decode_to_utf8_without_replacement(bytes, buf, true);
    result == encoding_rs::DecoderResult::InputEmpty && read == bytes.len()
}

/// Decodes one re-read field; `None` when it is not valid in `enc`.
fn decode(bytes: &[u8], enc: Encoding) -> Option<String> {
    match enc {
        Encoding::Gbk => {
            let (text, had_errors) = encoding_rs::GBK.decode_without_bom_handling(bytes);
            (!had_errors).then(|| text.into_owned())
        }
        Encoding::Utf8 | Encoding::Utf8Bom => std::str::from_utf8(bytes).ok().map(str::to_string),
    }
}

fn cannot_reread(file: &str, e: &dyn std::fmt::Display) -> Finding {
    check_failed(file, format!("无法重新读取: {e}"), format!("cannot re-read: {e}"))
}

fn check_fixed(t: &Template, r: &Rendered, path: &Path) -> Vec<Finding> {
    use std::io::BufRead;
    let file = r.path.as_str();
    let mut out = Vec::new();
    let f = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) => return vec![cannot_reread(file, &e)],
    };
    let crlf = t.line_ending == LineEnding::Crlf;
    let head = usize::from(t.header_line.is_some());
    let tail = usize::from(t.trailer_line.is_some());
    let width: usize = t.columns.iter().filter_map(|c| c.width).sum();
    let total_col = t
        .total_of
        .as_ref()
        .and_then(|f| t.columns.iter().position(|c| c.field.as_deref() == Some(f.as_str())));
    let amount_at = total_col.map(|i| {
        let start: usize = t.columns[..i].iter().filter_map(|c| c.width).sum();
        (start, t.columns[i].width.unwrap_or(0), t.columns[i].amount)
    });
    let (mut sum, mut details, mut bad_width, mut undecodable) = (Decimal::ZERO, 0usize, false, false);
    // Lines are checked one behind, so that the last one can be the trailer.
    let mut held: Vec<u8> = Vec::new();
    let mut index = 0usize;
    let mut detail = |line: &[u8]| {
        details += 1;
        if line.len() != width {
            bad_width = true;
            return;
        }
        if let Some((start, w, amount)) = amount_at {
            let field = String::from_utf8_lossy(&line[start..start + w]);
            sum += parse_amount(&field, amount).unwrap_or_default();
        }
    };
    let (mut reader, mut line, mut decoded) = (std::io::BufReader::new(f), Vec::new(), Vec::new());
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        let mut text = line.strip_suffix(b"\n").unwrap_or(&line);
        if crlf {
            text = text.strip_suffix(b"\r").unwrap_or(text);
        }
        if index == 0 && t.encoding == Encoding::Utf8Bom {
            text = text.strip_prefix(BOM).unwrap_or(text);
        }
        if t.encoding == Encoding::Gbk {
            undecodable |= !is_gbk(text, &mut decoded);
        }
        if index > head {
            detail(&held);
        }
        held.clear();
        held.extend_from_slice(text);
        index += 1;
    }
    if index > head && tail == 0 {
        detail(&held);
    }
    let expected_lines = r.rows + head + tail;
    if details != r.rows || index != expected_lines {
        out.push(check_failed(
            file,
            format!("明细 {details} 行, 应为 {}", r.rows),
            format!("{details} detail lines, expected {}", r.rows),
        ));
    }
    if bad_width {
        out.push(check_failed(
            file,
            format!("明细行字节数与模板宽度 {width} 不符"),
            format!("a detail line's length differs from the template width {width}"),
        ));
    }
    if let (Some(_), Some(expected)) = (total_col, r.total)
        && sum != expected
    {
        out.push(check_failed(
            file,
            format!("金额合计 {sum} 与应付合计 {expected} 不符"),
            format!("amount total {sum} differs from the expected {expected}"),
        ));
    }
    if undecodable {
        out.push(check_failed(
            file,
            "GBK 解码失败".into(),
            "does not decode as GBK".into(),
        ));
    }
    out
}
