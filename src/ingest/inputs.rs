//! The input set of one period: which file in `inputs/YYYY-MM/` is which
//! kind (from paybatch.toml, else from file-name hints), read and typed.
//! Structural problems (no header, unknown file, missing required file)
//! become findings; unreadable files are errors.

use std::path::Path;

use super::grid::{Grid, is_workbook_ext, read_csv_bytes, read_workbook_bytes};
use super::table::{Table, build_table, find_header};
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
    pub tables: Vec<Table>,
}

impl InputSet {
    pub fn of_kind<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a Table> + 'a {
        self.tables.iter().filter(move |t| t.kind == kind)
    }
}

/// Reads a file into grids by extension.
pub fn read_file(path: &Path, display: &str) -> Result<Vec<Grid>> {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    if ext == "csv" || ext == "txt" {
        Ok(vec![read_csv_bytes(&bytes, display)?])
    } else if is_workbook_ext(&ext) {
        Ok(read_workbook_bytes(bytes, display)?.sheets)
    } else {
        Err(Error::UnsupportedFile { file: display.into() })
    }
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

/// Loads `inputs/<period>/` into typed tables plus structural findings.
pub fn load(ws: &Workspace, rules: &RuleSet, period: Period) -> Result<(InputSet, Vec<Finding>)> {
    let dir = ws.inputs_dir(period);
    let entries = std::fs::read_dir(&dir).map_err(|e| Error::io(&dir, e))?;
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.') && !n.starts_with("~$"))
        .collect();
    names.sort();

    let mut tables = Vec::new();
    let mut findings = Vec::new();
    for name in &names {
        let Some((schema, sheet)) = classify(rules, ws, name) else {
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
        let grids = read_file(&dir.join(name), name)?;
        let grids: Vec<Grid> = match &sheet {
            Some(wanted) => {
                let available: Vec<String> = grids.iter().map(|g| g.sheet.clone()).collect();
                let found: Vec<Grid> = grids.into_iter().filter(|g| &g.sheet == wanted).collect();
                if found.is_empty() {
                    return Err(Error::SheetMissing {
                        file: name.clone(),
                        sheet: wanted.clone(),
                        available,
                    });
                }
                found
            }
            None => grids,
        };
        let mut matched = false;
        let sheet_count = grids.len();
        for grid in grids {
            match find_header(schema, &grid) {
                Some(header) => {
                    matched = true;
                    tables.push(build_table(schema, grid, header));
                }
                None if sheet_count == 1 || sheet.is_some() => {
                    findings.push(structural(
                        "S011",
                        &grid.file,
                        &grid.sheet,
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
                None => {}
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
    Ok((InputSet { period, tables }, findings))
}
