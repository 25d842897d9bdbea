//! Findings reports: the terminal summary (grouped by file and rule), the
//! JSON document, and the xlsx report with highlighted copies of the sheets.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use rust_xlsxwriter::{Color, Format, Note};

use crate::emit::xlsx::{column_width, err, header_format, text_width, workbook};
use crate::error::Result;
use crate::i18n::Lang;
use crate::ingest::grid::Cell;
use crate::ingest::inputs::InputSet;
use crate::ingest::inputs::read_file;
use crate::rules::validation::Severity;
use crate::validate::{Finding, Tally};

/// The longest text a report shows of one value or message: a 300 MB
/// "employee ID" is cut, so that every report still gets written.
const SHOWN_CHARS: usize = 500;

/// `text`, cut to `SHOWN_CHARS` characters with `…(N 字符)` saying how long it was.
pub fn capped(text: &str) -> std::borrow::Cow<'_, str> {
    if text.len() <= SHOWN_CHARS {
        return std::borrow::Cow::Borrowed(text);
    }
    let n = text.chars().count();
    if n <= SHOWN_CHARS {
        return std::borrow::Cow::Borrowed(text);
    }
    let head: String = text.chars().take(SHOWN_CHARS).collect();
    std::borrow::Cow::Owned(format!("{head}…({n} 字符)"))
}

/// The grouped text summary: per file, per rule, then each finding's cell.
pub fn text(findings: &[Finding], lang: Lang) -> String {
    let zh = lang == Lang::Zh;
    let mut out = String::new();
    let mut by_file: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
    for f in findings {
        by_file.entry(&f.file).or_default().push(f);
    }
    for (file, list) in by_file {
        let _ = writeln!(out, "{file}");
        let mut by_code: BTreeMap<(&str, Severity), Vec<&Finding>> = BTreeMap::new();
        for f in list {
            by_code.entry((&f.code, f.severity)).or_default().push(f);
        }
        for ((code, severity), list) in by_code {
            let _ = writeln!(out, "  [{code}] {} × {}", severity.label(zh), list.len());
            for f in list {
                let _ = writeln!(out, "    {}  {}", capped(&f.location()), capped(f.message.get(lang)));
                let hint = f.hint.get(lang);
                if !hint.is_empty() {
                    let _ = writeln!(out, "      {}: {hint}", if zh { "处理" } else { "fix" });
                }
            }
        }
    }
    let t = Tally::of(findings);
    if zh {
        let _ = writeln!(out, "共 {} 个错误, {} 个警告", t.errors, t.warnings);
    } else {
        let _ = writeln!(out, "{} errors, {} warnings", t.errors, t.warnings);
    }
    out
}

/// The findings as JSON values, in report order.
pub fn json(findings: &[Finding], lang: Lang) -> Vec<serde_json::Value> {
    findings
        .iter()
        .map(|f| {
            let mut json = f.to_json(lang);
            let (value, message) = (capped(json.value), capped(json.message));
            json.value = &value;
            json.message = &message;
            serde_json::to_value(json).unwrap_or_default()
        })
        .collect()
}

/// Sheet names are at most 31 characters and may not hold `[]:*?/\`.
fn sheet_name(base: &str, used: &mut Vec<String>) -> String {
    let clean: String = base
        .chars()
        .map(|c| if "[]:*?/\\".contains(c) { '_' } else { c })
        .take(28)
        .collect();
    let mut name = clean.clone();
    let mut n = 2;
    while used.contains(&name) {
        name = format!("{}~{n}", clean.chars().take(26).collect::<String>());
        n += 1;
    }
    used.push(name.clone());
    name
}

/// Which input sheets a period read, and from where: what the xlsx report
/// needs of the inputs (it re-reads the cells of the sheets with findings),
/// without holding their records.
#[derive(Debug, Clone)]
pub struct InputSheets {
    pub dir: std::path::PathBuf,
    /// (file, sheet) of every table read.
    pub sheets: Vec<(std::sync::Arc<str>, std::sync::Arc<str>)>,
}

impl InputSheets {
    pub fn of(inputs: &InputSet) -> InputSheets {
        InputSheets {
            dir: inputs.dir.clone(),
            sheets: inputs
                .tables()
                .iter()
                .map(|t| (t.file.clone(), t.sheet.clone()))
                .collect(),
        }
    }
}

/// The xlsx report: a list of every finding, then for each input sheet
/// with findings a copy with the offending cells highlighted and a note.
pub fn xlsx(findings: &[Finding], inputs: &InputSheets, lang: Lang) -> Result<Vec<u8>> {
    let zh = lang == Lang::Zh;
    let e = err("findings.xlsx");
    let mut wb = workbook();
    let head = header_format();
    let error_fill = Format::new().set_background_color(Color::RGB(0xFFC7CE));
    let warn_fill = Format::new().set_background_color(Color::RGB(0xFFEB9C));
    let mut used = Vec::new();

    let list = wb.add_worksheet();
    list.set_name(sheet_name(if zh { "问题清单" } else { "Findings" }, &mut used))
        .map_err(&e)?;
    let headers: [&str; 8] = if zh {
        ["文件", "工作表", "单元格", "代码", "级别", "问题", "处理建议", "值"]
    } else {
        ["File", "Sheet", "Cell", "Code", "Severity", "Message", "Hint", "Value"]
    };
    let mut widths: Vec<u32> = headers.iter().map(|h| text_width(h)).collect();
    for (c, h) in headers.iter().enumerate() {
        list.write_with_format(0, c as u16, *h, &head).map_err(&e)?;
    }
    for (i, f) in findings.iter().enumerate() {
        let row = (i + 1) as u32;
        let cells = [
            f.file.clone(),
            f.sheet.clone(),
            f.cell(),
            f.code.clone(),
            f.severity.label(zh).to_string(),
            capped(f.message.get(lang)).into_owned(),
            f.hint.get(lang).to_string(),
            capped(&f.value).into_owned(),
        ];
        for (c, v) in cells.iter().enumerate() {
            list.write(row, c as u16, v.as_str()).map_err(&e)?;
            widths[c] = widths[c].max(text_width(v));
        }
    }
    for (c, w) in widths.iter().enumerate() {
        list.set_column_width(c as u16, column_width(*w, 6, 60)).map_err(&e)?;
    }
    list.set_freeze_panes(1, 0).map_err(&e)?;
    if !findings.is_empty() {
        list.autofilter(0, 0, findings.len() as u32, 7).map_err(&e)?;
    }

    // One highlighted copy per input sheet that has findings on cells.
    let mut by_sheet: BTreeMap<(&str, &str), Vec<&Finding>> = BTreeMap::new();
    for f in findings.iter().filter(|f| f.row.is_some()) {
        by_sheet.entry((&f.file, &f.sheet)).or_default().push(f);
    }
    for ((file, sheet), list) in by_sheet {
        if !inputs.sheets.iter().any(|(f, s)| &**f == file && &**s == sheet) {
            continue;
        }
        // Tables keep typed values only; the sheet is re-read for its cells.
        let Some(grid) = read_file(&inputs.dir.join(file), file)?
            .into_iter()
            .find(|g| g.sheet == sheet)
        else {
            continue;
        };
        let ws = wb.add_worksheet();
        let stem = file.rsplit_once('.').map_or(file, |(s, _)| s);
        let name = if stem == sheet {
            stem.to_string()
        } else {
            format!("{stem}-{sheet}")
        };
        ws.set_name(sheet_name(&name, &mut used)).map_err(&e)?;
        let mut marks: BTreeMap<(usize, usize), (Severity, Vec<String>)> = BTreeMap::new();
        for f in list {
            let (Some(r), col) = (f.row, f.col) else {
                continue;
            };
            let c = col.unwrap_or(0);
            let entry = marks.entry((r, c)).or_insert((f.severity, Vec::new()));
            entry.0 = entry.0.min(f.severity);
            entry.1.push(format!("[{}] {}", f.code, f.message.get(lang)));
        }
        // Only the rows with findings show ID and card numbers in full:
        // the clerk needs them there; everyone else's stay masked.
        let flagged: std::collections::BTreeSet<usize> = marks.keys().map(|(r, _)| *r).collect();
        let mut widths: Vec<u32> = Vec::new();
        for (r, row) in grid.rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                let text = match cell {
                    Cell::Empty => continue,
                    other => other.display(),
                };
                let text = if flagged.contains(&r) {
                    capped(&text).into_owned()
                } else {
                    crate::model::ids::mask_numbers_in(&capped(&text)).into_owned()
                };
                if widths.len() <= c {
                    widths.resize(c + 1, 0);
                }
                widths[c] = widths[c].max(text_width(&text));
                ws.write(r as u32, c as u16, text.as_str()).map_err(&e)?;
            }
        }
        for (c, w) in widths.iter().enumerate() {
            // Wide enough for an 18-digit ID or a 19-digit card.
            ws.set_column_width(c as u16, column_width(*w, 6, 40)).map_err(&e)?;
        }
        for ((r, c), (severity, notes)) in marks {
            let fill = if severity == Severity::Error {
                &error_fill
            } else {
                &warn_fill
            };
            let text = capped(&grid.cell(r, c).display()).into_owned();
            ws.write_with_format(r as u32, c as u16, text.as_str(), fill)
                .map_err(&e)?;
            let note = Note::new(capped(&notes.join("\n"))).set_author("paybatch");
            ws.insert_note(r as u32, c as u16, &note).map_err(&e)?;
        }
    }
    wb.save_to_buffer().map_err(&e)
}
