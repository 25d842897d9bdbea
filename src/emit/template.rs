//! Renders a template (`rules/templates/*.toml`) over a period's results
//! into CSV, xlsx or byte-counted fixed-width text, then re-reads what it
//! wrote and checks it against the template: columns and order, encoding,
//! widths, row count, and the total of the amount column.

use std::str::FromStr;

use rust_decimal::Decimal;
use rust_xlsxwriter::Format;

use super::fields::{Context, FieldValue, field};
use super::xlsx::{column_width, err, excel_number, header_format, text_width, workbook};
use crate::calc::employee::EmployeeResult;
use crate::error::Result;
use crate::i18n::Text;
use crate::ingest::grid::{Cell, decode_text, read_workbook_bytes};
use crate::model::Money;
use crate::rules::template::{Align, Amount, Column, Encoding, FileFormat, LineEnding, RowSet, Template};
use crate::rules::validation::Severity;
use crate::validate::Finding;

/// A rendered output file.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// Path relative to the outputs folder, e.g. `uploads/bank/招行代发_2026-03.csv`.
    pub path: String,
    pub bytes: Vec<u8>,
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
    let rows = results
        .iter()
        .filter(|r| t.city.as_ref().is_none_or(|c| *c == r.city))
        .filter(|r| match t.rows {
            RowSet::All => true,
            RowSet::Paid => {
                let ok = r.net > Decimal::ZERO && !r.bank_card.is_empty();
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
                                Money::new(r.net)
                            ),
                            format!(
                                "{} {} left out of {}: {why_en} (net {})",
                                r.employee_id,
                                r.name,
                                t.label.en,
                                Money::new(r.net)
                            ),
                        ),
                        Text::new("请另行处理该员工的付款", "pay this employee separately"),
                    ));
                }
                ok
            }
            RowSet::Joiners => r.hire_date.period() == period,
            RowSet::Leavers => r.leave_date.is_some_and(|d| d.period() == period),
            RowSet::BaseChanges => ctx.previous_si_base.get(&r.employee_id).is_some_and(|prev| {
                r.si.iter()
                    .find(|l| l.key == "pension")
                    .is_some_and(|l| l.base != *prev)
            }),
            RowSet::BonusSeparate => r.annual_bonus.as_ref().is_some_and(|b| b.separate),
        })
        .collect();
    (rows, excluded)
}

fn value_of(c: &Column, r: Option<&EmployeeResult>, ctx: &Context<'_>, agg: (usize, Decimal)) -> FieldValue {
    if let Some(name) = &c.field {
        return match name.as_str() {
            "count" => FieldValue::Text(agg.0.to_string()),
            "total" => FieldValue::Money(agg.1),
            _ => r.and_then(|r| field(name, r, ctx)).unwrap_or(FieldValue::Empty),
        };
    }
    c.value
        .as_ref()
        .map_or(FieldValue::Empty, |v| FieldValue::Text(ctx.fill(v)))
}

fn as_text(v: &FieldValue, amount: Amount) -> String {
    match v {
        FieldValue::Text(s) => s.clone(),
        FieldValue::Money(m) => match amount {
            Amount::Yuan2 => Money::new(*m).to_fixed2(),
            Amount::Fen => Money::new(*m).to_fen().map(|f| f.to_string()).unwrap_or_default(),
        },
        FieldValue::Date(d) => d.to_string(),
        FieldValue::Empty => String::new(),
    }
}

/// Encodes text; `None` when a character has no GBK form.
fn encode(text: &str, enc: Encoding) -> Option<Vec<u8>> {
    match enc {
        Encoding::Utf8 => Some(text.as_bytes().to_vec()),
        Encoding::Utf8Bom => {
            let mut b = b"\xEF\xBB\xBF".to_vec();
            b.extend_from_slice(text.as_bytes());
            Some(b)
        }
        Encoding::Gbk => {
            let (bytes, _, unmappable) = encoding_rs::GBK.encode(text);
            (!unmappable).then(|| bytes.into_owned())
        }
    }
}

fn eol(t: &Template) -> &'static str {
    match t.line_ending {
        LineEnding::Lf => "\n",
        LineEnding::Crlf => "\r\n",
    }
}

/// Renders one template; errors (unencodable text, names too long) are findings.
pub fn render(t: &Template, rows: &[&EmployeeResult], ctx: &Context<'_>) -> Result<(Rendered, Vec<Finding>)> {
    let file = format!("uploads/{}/{}", t.group, ctx.fill(&t.file_name));
    let total = t.total_of.as_ref().map(|f| {
        rows.iter()
            .filter_map(|r| field(f, r, ctx).and_then(|v| v.money()))
            .sum()
    });
    let agg = (rows.len(), total.unwrap_or_default());
    let mut findings = Vec::new();
    let bytes = match t.format {
        FileFormat::Xlsx => render_xlsx(t, rows, ctx, &file)?,
        FileFormat::Csv => {
            let mut w = csv::WriterBuilder::new()
                .terminator(match t.line_ending {
                    LineEnding::Lf => csv::Terminator::Any(b'\n'),
                    LineEnding::Crlf => csv::Terminator::CRLF,
                })
                .from_writer(Vec::new());
            let csv_err = |e: csv::Error| crate::Error::Workbook {
                file: file.clone(),
                reason: e.to_string(),
            };
            if t.header_row {
                w.write_record(t.columns.iter().map(|c| c.header.as_str()))
                    .map_err(csv_err)?;
            }
            for r in rows {
                w.write_record(
                    t.columns
                        .iter()
                        .map(|c| as_text(&value_of(c, Some(r), ctx, agg), c.amount)),
                )
                .map_err(csv_err)?;
            }
            let text = String::from_utf8_lossy(&w.into_inner().map_err(|e| crate::Error::Workbook {
                file: file.clone(),
                reason: e.to_string(),
            })?)
            .into_owned();
            encode_checked(t, &file, &text, rows, &mut findings)
        }
        FileFormat::Fixed => {
            let mut lines: Vec<Vec<u8>> = Vec::new();
            if let Some(h) = &t.header_line {
                lines.push(fixed_line(t, &h.segments, None, ctx, agg, &file, &mut findings));
            }
            for r in rows {
                lines.push(fixed_line(t, &t.columns, Some(r), ctx, agg, &file, &mut findings));
            }
            if let Some(tr) = &t.trailer_line {
                lines.push(fixed_line(t, &tr.segments, None, ctx, agg, &file, &mut findings));
            }
            let mut out = Vec::new();
            for line in lines {
                out.extend(line);
                out.extend_from_slice(eol(t).as_bytes());
            }
            out
        }
    };
    let rendered = Rendered {
        path: file,
        bytes,
        rows: rows.len(),
        total,
    };
    findings.extend(self_check(t, &rendered));
    Ok((rendered, findings))
}

fn encode_checked(
    t: &Template,
    file: &str,
    text: &str,
    rows: &[&EmployeeResult],
    findings: &mut Vec<Finding>,
) -> Vec<u8> {
    if let Some(bytes) = encode(text, t.encoding) {
        return bytes;
    }
    // Name the rows that cannot be encoded.
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
    Vec::new()
}

/// One fixed-width line: each segment padded to its byte width.
fn fixed_line(
    t: &Template,
    segments: &[Column],
    r: Option<&EmployeeResult>,
    ctx: &Context<'_>,
    agg: (usize, Decimal),
    file: &str,
    findings: &mut Vec<Finding>,
) -> Vec<u8> {
    let mut line = Vec::new();
    for c in segments {
        let text = as_text(&value_of(c, r, ctx, agg), c.amount);
        let Some(mut bytes) = encode(&text, t.encoding) else {
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
                    let next = encode(&format!("{cut}{ch}"), t.encoding).unwrap_or_default();
                    if next.len() > width {
                        break;
                    }
                    cut.push(ch);
                }
                bytes = encode(&cut, t.encoding).unwrap_or_default();
            }
            let pad = c.pad.unwrap_or(' ') as u8;
            let fill = vec![pad; width - bytes.len()];
            match c.align {
                Align::Left => {
                    line.extend(bytes);
                    line.extend(fill);
                }
                Align::Right => {
                    line.extend(fill);
                    line.extend(bytes);
                }
            }
        } else {
            line.extend(bytes);
        }
    }
    line
}

fn render_xlsx(t: &Template, rows: &[&EmployeeResult], ctx: &Context<'_>, file: &str) -> Result<Vec<u8>> {
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
    for r in rows {
        for (i, c) in t.columns.iter().enumerate() {
            let col = i as u16;
            match value_of(c, Some(r), ctx, (rows.len(), Decimal::ZERO)) {
                FieldValue::Money(m) => {
                    ws.write_with_format(
                        row,
                        col,
                        excel_number(Money::new(m).round(crate::model::Rounding::FEN_HALF_UP).get()),
                        &money,
                    )
                    .map_err(&e)?;
                }
                FieldValue::Empty => {}
                other => {
                    let text = as_text(&other, c.amount);
                    widths[i] = widths[i].max(text_width(&text));
                    ws.write(row, col, text.as_str()).map_err(&e)?;
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
    wb.save_to_buffer().map_err(&e)
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

/// Re-reads a rendered file and checks it against its template.
pub fn self_check(t: &Template, r: &Rendered) -> Vec<Finding> {
    if r.bytes.is_empty() {
        return Vec::new(); // nothing was encoded: already reported
    }
    let headers: Vec<&str> = t.columns.iter().map(|c| c.header.as_str()).collect();
    let total_col = t
        .total_of
        .as_ref()
        .and_then(|f| t.columns.iter().position(|c| c.field.as_deref() == Some(f.as_str())));
    let mut out = Vec::new();
    let file = r.path.as_str();
    // Rows of text cells as re-read.
    let table: Vec<Vec<String>> = match t.format {
        FileFormat::Csv => {
            let Ok((text, _)) = decode_text(&r.bytes, file) else {
                return vec![check_failed(
                    file,
                    "无法按模板编码解码".into(),
                    "cannot decode with the template's encoding".into(),
                )];
            };
            if t.encoding == Encoding::Gbk && std::str::from_utf8(&r.bytes).is_ok() && !r.bytes.is_ascii() {
                out.push(check_failed(
                    file,
                    "应为 GBK 编码, 实为 UTF-8".into(),
                    "should be GBK, is UTF-8".into(),
                ));
            }
            csv::ReaderBuilder::new()
                .has_headers(false)
                .from_reader(text.as_bytes())
                .records()
                .filter_map(|rec| rec.ok().map(|rec| rec.iter().map(String::from).collect()))
                .collect()
        }
        FileFormat::Xlsx => match read_workbook_bytes(r.bytes.clone(), file) {
            Ok(wb) => wb
                .sheets
                .first()
                .map(|g| {
                    g.rows
                        .iter()
                        .map(|row| {
                            row.iter()
                                .map(|c| match c {
                                    Cell::Number(n) => Money::new(*n).to_fixed2(),
                                    other => other.display(),
                                })
                                .collect()
                        })
                        .collect()
                })
                .unwrap_or_default(),
            Err(e) => {
                return vec![check_failed(
                    file,
                    format!("无法重新读取: {e}"),
                    format!("cannot re-read: {e}"),
                )];
            }
        },
        FileFormat::Fixed => return check_fixed(t, r),
    };
    let mut data = table.as_slice();
    if t.header_row {
        let got: Vec<&str> = data
            .first()
            .map(|h| h.iter().map(String::as_str).collect())
            .unwrap_or_default();
        let got: Vec<&str> = got.into_iter().take(headers.len()).collect();
        if got != headers {
            out.push(check_failed(
                file,
                format!("表头为 {got:?}, 模板为 {headers:?}"),
                format!("header is {got:?}, template says {headers:?}"),
            ));
        }
        data = data.get(1..).unwrap_or_default();
    }
    if data.len() != r.rows {
        out.push(check_failed(
            file,
            format!("行数 {} 与应有人数 {} 不符", data.len(), r.rows),
            format!("{} rows, expected {}", data.len(), r.rows),
        ));
    }
    if let (Some(i), Some(expected)) = (total_col, r.total) {
        let amount = t.columns[i].amount;
        let sum: Decimal = data
            .iter()
            .filter_map(|row| row.get(i).and_then(|s| parse_amount(s, amount)))
            .sum();
        if sum != expected {
            out.push(check_failed(
                file,
                format!("金额合计 {sum} 与应付合计 {expected} 不符"),
                format!("amount total {sum} differs from the expected {expected}"),
            ));
        }
    }
    out
}

fn check_fixed(t: &Template, r: &Rendered) -> Vec<Finding> {
    let file = r.path.as_str();
    let mut out = Vec::new();
    let sep = eol(t).as_bytes();
    let mut lines: Vec<&[u8]> = r.bytes.split(|b| *b == b'\n').collect();
    if lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    let lines: Vec<&[u8]> = lines
        .into_iter()
        .map(|l| {
            if sep.len() == 2 {
                l.strip_suffix(b"\r").unwrap_or(l)
            } else {
                l
            }
        })
        .collect();
    let head = usize::from(t.header_line.is_some());
    let tail = usize::from(t.trailer_line.is_some());
    let details = lines.len().saturating_sub(head + tail);
    if details != r.rows {
        out.push(check_failed(
            file,
            format!("明细 {details} 行, 应为 {}", r.rows),
            format!("{details} detail lines, expected {}", r.rows),
        ));
    }
    let width: usize = t.columns.iter().filter_map(|c| c.width).sum();
    let total_col = t
        .total_of
        .as_ref()
        .and_then(|f| t.columns.iter().position(|c| c.field.as_deref() == Some(f.as_str())));
    let mut sum = Decimal::ZERO;
    for line in lines.iter().skip(head).take(details) {
        if line.len() != width {
            out.push(check_failed(
                file,
                format!("明细行 {} 字节, 模板宽度 {width}", line.len()),
                format!("a detail line has {} bytes, the template {width}", line.len()),
            ));
            break;
        }
        if let Some(i) = total_col {
            let start: usize = t.columns[..i].iter().filter_map(|c| c.width).sum();
            let w = t.columns[i].width.unwrap_or(0);
            let field = String::from_utf8_lossy(&line[start..start + w]).into_owned();
            sum += parse_amount(&field, t.columns[i].amount).unwrap_or_default();
        }
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
    // The GBK text must decode back.
    if t.encoding == Encoding::Gbk {
        let (_, had_errors) = encoding_rs::GBK.decode_without_bom_handling(&r.bytes);
        if had_errors {
            out.push(check_failed(
                file,
                "GBK 解码失败".into(),
                "does not decode as GBK".into(),
            ));
        }
    }
    out
}
