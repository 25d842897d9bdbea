//! Findings about the shape of a period's inputs rather than their values:
//! malformed CSV rows (S013 unclosed quote, S014 field count), header cells
//! that name no column (S015 warning) or look like a column the sheet
//! lacks (S016), and files read twice (S017 two files of a kind, S018 a
//! copy among a kind's parts or a copied sheet, S019 a line repeated in two
//! parts). Each
//! would otherwise lose or double money without a word.

use std::collections::{BTreeMap, HashMap};

use super::grid::column_letters;
use super::normalize::{half_width, header_key};
use super::table::{SheetNote, Table};
use crate::i18n::Text;
use crate::rules::RuleSet;
use crate::rules::schema::{FieldDef, FieldType, InputSchema};
use crate::rules::validation::Severity;
use crate::validate::Finding;

/// A finding at a cell (or, with `col` `None`, a row) of a table's sheet.
fn at_cell(
    code: &str,
    severity: Severity,
    table: &Table,
    row: usize,
    col: Option<usize>,
    message: Text,
    hint: Text,
) -> Finding {
    Finding {
        sheet: table.sheet.to_string(),
        row: Some(row),
        col,
        ..Finding::about(code, severity, &table.file, "", message, hint)
    }
}

/// The findings of one sheet's layout notes, in the order noted.
pub fn sheet_findings(table: &Table, notes: &[SheetNote]) -> Vec<Finding> {
    notes
        .iter()
        .map(|note| match note {
            SheetNote::UnknownHeader { col, text } => header_finding(table, *col, text),
            SheetNote::UnclosedQuote { row, col, lines } => unclosed_quote(table, *row, *col, *lines),
            SheetNote::Width {
                row,
                col,
                found,
                expected,
            } => width_finding(table, *row, *col, *found, *expected),
        })
        .collect()
}

/// S013: a quote opened at the start of a CSV field and never closed.
fn unclosed_quote(table: &Table, row: usize, col: usize, lines: usize) -> Finding {
    let cell = format!("{}{}", column_letters(col), row + 1);
    let (zh, en) = if lines == 0 {
        (
            format!("{cell} 格开头的引号 \" 到文件末尾都没有闭合, 本行其余各列被并入这一格"),
            format!("the quote \" that opens cell {cell} is never closed: the rest of the row was read into this cell"),
        )
    } else {
        (
            format!("{cell} 格开头的引号 \" 没有闭合: 其后 {lines} 行被并入这一格, 不会作为单独的行读入"),
            format!(
                "the quote \" that opens cell {cell} is never closed: the {lines} line(s) after it were read into this cell, not as rows"
            ),
        )
    };
    at_cell(
        "S013",
        Severity::Error,
        table,
        row,
        Some(col),
        Text::new(zh, en),
        Text::new(
            "删掉这一格开头多余的引号 (或在内容末尾补上引号), 保存后重新校验",
            "remove the stray quote at the start of this cell (or close it at the end of its text), save and validate again",
        ),
    )
}

/// S014: a CSV row whose field count is not the header row's.
fn width_finding(table: &Table, row: usize, col: usize, found: usize, expected: usize) -> Finding {
    let (zh, en, hint_zh, hint_en) = if found > expected {
        (
            format!("本行有 {found} 列, 表头只有 {expected} 列: 多出的值不会读入"),
            format!("this row has {found} fields but the header has {expected}: the extra values are not read"),
            "多出的列通常来自未加引号的逗号 (如 12,000): 去掉数字中的逗号或给该格加引号, 使本行与表头列数一致",
            "an extra field usually comes from an unquoted comma (e.g. 12,000): remove the comma or quote the cell so the row has the header's fields",
        )
    } else {
        (
            format!("本行只有 {found} 列, 表头有 {expected} 列: 缺少的列会读成空白"),
            format!("this row has {found} fields but the header has {expected}: the missing ones would read as blank"),
            "补齐本行缺少的列 (用 Excel 另存为 CSV 会保留每一列的逗号)",
            "complete the row's missing fields (a CSV saved from Excel keeps every column's comma)",
        )
    };
    at_cell(
        "S014",
        Severity::Error,
        table,
        row,
        Some(col),
        Text::new(zh, en),
        Text::new(hint_zh, hint_en),
    )
}

/// Header text as compared: [`header_key`]'s letters and digits only
/// (brackets, units' punctuation and dashes dropped), and its English
/// words (lower case, as written apart).
struct Compared {
    chars: Vec<char>,
    words: Vec<String>,
}

impl Compared {
    fn of(s: &str) -> Compared {
        Compared {
            chars: header_key(s).chars().filter(|c| c.is_alphanumeric()).collect(),
            words: half_width(s)
                .to_lowercase()
                .split(|c: char| !c.is_ascii_alphanumeric())
                .filter(|w| w.len() >= 4 && !GENERIC_WORDS.contains(w))
                .map(str::to_string)
                .collect(),
        }
    }
}

/// A CJK ideograph.
fn is_ideograph(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}')
}

/// Pairs of ideographs common to headers of every kind, which say nothing
/// of which column is meant on their own. A kind's own name and file-name
/// hints are added per kind ([`generic_pairs`]): every column of 离职名单
/// is about 离职.
const GENERIC_BIGRAMS: &[&str] = &[
    "员工", "人员", "工作", "日期", "时间", "名称", "号码", "编号", "类型", "信息", "合计", "本月", "本年", "累计",
    "所属",
];

/// English words that say nothing of which column is meant on their own.
const GENERIC_WORDS: &[&str] = &[
    "days", "hours", "date", "name", "number", "type", "code", "total", "year", "month",
];

/// The pairs of ideographs that tell nothing in a header of `schema`'s kind.
fn generic_pairs(schema: &InputSchema) -> Vec<[char; 2]> {
    let own = schema
        .file_hints
        .iter()
        .map(String::as_str)
        .chain([schema.label.zh.as_str()]);
    GENERIC_BIGRAMS
        .iter()
        .copied()
        .chain(own)
        .flat_map(|s| {
            let chars: Vec<char> = s.chars().collect();
            chars.windows(2).map(|w| [w[0], w[1]]).collect::<Vec<_>>()
        })
        .collect()
}

/// The telling bigrams of a compacted header: two adjacent ideographs,
/// not a generic pair.
fn bigrams<'a>(s: &'a [char], generic: &'a [[char; 2]]) -> impl Iterator<Item = [char; 2]> + 'a {
    s.windows(2).filter_map(|w| {
        let pair = [w[0], w[1]];
        (is_ideograph(pair[0]) && is_ideograph(pair[1]) && !generic.contains(&pair)).then_some(pair)
    })
}

/// Levenshtein distance between two short texts, by characters.
fn edit_distance(a: &[char], b: &[char]) -> usize {
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let swap = prev[j] + usize::from(ca != cb);
            cur[j + 1] = swap.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// Edit distance as a percentage of the longer text.
fn relative_distance(a: &[char], b: &[char]) -> usize {
    edit_distance(a, b) * 100 / a.len().max(b.len()).max(1)
}

/// Whether `short` occurs in `long`.
fn holds(long: &[char], short: &[char]) -> bool {
    !short.is_empty() && long.windows(short.len()).any(|w| w == short)
}

/// How much a header looks like one name of a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Likeness {
    Unlike,
    /// A telling pair of ideographs or an English word in common
    /// (`缺勤天数` and `事假天数` share 天数).
    Shares,
    /// One holds the other (`平时加班时长` holds `平时加班`), or a typo
    /// apart (one character in three or more, two in eight or more).
    Close,
}

/// How much `header` looks like `name` (both compared), with `generic`
/// the pairs of ideographs that tell nothing.
fn likeness(header: &Compared, name: &Compared, generic: &[[char; 2]]) -> Likeness {
    let (h, n) = (&header.chars, &name.chars);
    let (short, long) = if h.len() <= n.len() { (h, n) } else { (n, h) };
    let min_held = if short.iter().all(char::is_ascii) { 4 } else { 2 };
    if short.len() >= min_held && holds(long, short) {
        return Likeness::Close;
    }
    let typos = match short.len() {
        0..=2 => 0,
        3..=7 => 1,
        _ => 2,
    };
    if typos > 0 && edit_distance(h, n) <= typos {
        return Likeness::Close;
    }
    let theirs: Vec<[char; 2]> = bigrams(n, generic).collect();
    if bigrams(h, generic).any(|b| theirs.contains(&b)) || header.words.iter().any(|w| name.words.contains(w)) {
        return Likeness::Shares;
    }
    Likeness::Unlike
}

/// The names a field is known by: its aliases, then its labels.
fn names(field: &FieldDef) -> impl Iterator<Item = &str> {
    field
        .aliases
        .iter()
        .map(String::as_str)
        .chain([field.label.zh.as_str(), field.label.en.as_str()])
}

/// A field's names, each once, as a clerk may write them.
fn accepted(field: &FieldDef) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    for name in names(field) {
        if !out.iter().any(|n| header_key(n) == header_key(name)) {
            out.push(name);
        }
    }
    out
}

/// The fields `header` looks like, each with whether the sheet has a
/// column for it: those close to one of their names if any, else those
/// sharing a telling part that are nearest by edit distance.
fn looked_like<'t>(table: &'t Table, header: &Compared) -> Vec<(&'t FieldDef, bool)> {
    let generic = generic_pairs(&table.schema);
    let rated: Vec<(&FieldDef, bool, Likeness, usize)> = table
        .schema
        .fields
        .iter()
        .zip(&table.columns)
        .map(|(f, col)| {
            let (like, far) = names(f)
                .map(|n| {
                    let name = Compared::of(n);
                    (
                        likeness(header, &name, &generic),
                        relative_distance(&header.chars, &name.chars),
                    )
                })
                .fold((Likeness::Unlike, usize::MAX), |(l, d), (nl, nd)| {
                    (l.max(nl), d.min(nd))
                });
            (f, col.is_some(), like, far)
        })
        .collect();
    let best = rated.iter().map(|r| r.2).max().unwrap_or(Likeness::Unlike);
    let nearest = rated
        .iter()
        .filter(|r| r.2 == best)
        .map(|r| r.3)
        .min()
        .unwrap_or(usize::MAX);
    rated
        .into_iter()
        .filter(|r| best != Likeness::Unlike && r.2 == best && (best == Likeness::Close || r.3 == nearest))
        .map(|(f, has_column, ..)| (f, has_column))
        .collect()
}

/// Up to three known names closest to `header`: by likeness, then by
/// edit distance relative to length.
fn closest_names<'s>(schema: &'s InputSchema, header: &Compared) -> Vec<&'s str> {
    let generic = generic_pairs(schema);
    let mut ranked: Vec<(std::cmp::Reverse<Likeness>, usize, &str)> = schema
        .fields
        .iter()
        .flat_map(names)
        .map(|n| {
            let name = Compared::of(n);
            (
                std::cmp::Reverse(likeness(header, &name, &generic)),
                relative_distance(&header.chars, &name.chars),
                n,
            )
        })
        .collect();
    ranked.sort_by_key(|&(like, far, _)| (like, far));
    let mut out: Vec<&str> = Vec::new();
    for (_, _, n) in ranked {
        if out.len() == 3 {
            break;
        }
        if !out.iter().any(|o| header_key(o) == header_key(n)) {
            out.push(n);
        }
    }
    out
}

/// S015 or S016 for a header cell that names no field: an error when it
/// looks like a field the sheet has no column for (its values would be
/// dropped), else a warning naming the closest known names.
fn header_finding(table: &Table, col: usize, text: &str) -> Finding {
    let header = Compared::of(text);
    let mut looked = looked_like(table, &header);
    // Those without a column first (a table lists its present fields first).
    looked.sort_by_key(|(_, has_column)| *has_column);
    // The fields it looks like that have no column: their values are lost.
    let near: Vec<&FieldDef> = looked.iter().filter(|(_, has)| !has).map(|(f, _)| *f).collect();
    let label = &table.schema.label;
    let row = table.header_row;
    if near.is_empty() {
        let closest = closest_names(&table.schema, &header).join(", ");
        return Finding {
            value: text.into(),
            ..at_cell(
                "S015",
                Severity::Warning,
                table,
                row,
                Some(col),
                Text::new(
                    format!("表头「{text}」不是{}的已知列名, 此列不会读入", label.zh),
                    format!(
                        "header \"{text}\" is not a known {} column: the column is not read",
                        label.en
                    ),
                ),
                Text::new(
                    format!(
                        "最接近的已知列名: {closest}。若需要读入此列, 把表头改成已知列名或在 rules/inputs.toml 中加别名; 不需要则可忽略"
                    ),
                    format!(
                        "closest known names: {closest}. If the column is needed, rename the header to a known name or add an alias in rules/inputs.toml; otherwise ignore this"
                    ),
                ),
            )
        };
    }
    let zh = |fields: &mut dyn Iterator<Item = &FieldDef>| {
        fields
            .map(|f| format!("「{}」", f.label.zh))
            .collect::<Vec<_>>()
            .join("或")
    };
    let en = |fields: &mut dyn Iterator<Item = &FieldDef>| {
        fields
            .map(|f| format!("\"{}\"", f.label.en))
            .collect::<Vec<_>>()
            .join(" or ")
    };
    let (like_zh, like_en) = (zh(&mut looked.iter().map(|l| l.0)), en(&mut looked.iter().map(|l| l.0)));
    let (lost_zh, lost_en) = (zh(&mut near.iter().copied()), en(&mut near.iter().copied()));
    let choices: Vec<String> = near
        .iter()
        .map(|f| format!("{}: {}", f.label.zh, accepted(f).join(", ")))
        .collect();
    let choices = choices.join("; ");
    Finding {
        field: near[0].key.clone(),
        value: text.into(),
        ..at_cell(
            "S016",
            Severity::Error,
            table,
            row,
            Some(col),
            Text::new(
                format!("表头「{text}」像是{like_zh}, 但不是可识别的列名: 表中没有{lost_zh}列, 此列的值会被丢弃"),
                format!(
                    "header \"{text}\" looks like {like_en} but is not a known name: the sheet has no {lost_en} column, so its values would be dropped"
                ),
            ),
            Text::new(
                format!(
                    "把表头改成可识别的名称之一 ({choices}), 或在 rules/inputs.toml 中把「{text}」加为该列的别名; 若此列与之无关, 改用不相近的表头"
                ),
                format!(
                    "rename the header to one of the accepted names ({choices}), or add \"{text}\" as that column's alias in rules/inputs.toml; if the column is unrelated, give it a header less alike"
                ),
            ),
        )
    }
}

/// What in a file name marks it as a copy or backup (a browser's repeated
/// download `(1)`, Windows' 副本 / `- Copy`, a backup, last month's file),
/// if anything.
pub fn copy_mark(file: &str) -> Option<String> {
    let stem = std::path::Path::new(file)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    name_copy_mark(&stem)
}

/// [`copy_mark`] of a name without extension (a file's stem, a sheet:
/// Excel names a copied sheet `Sheet1 (2)`).
fn name_copy_mark(name: &str) -> Option<String> {
    let stem = half_width(name).to_lowercase();
    let chars: Vec<char> = stem.chars().collect();
    // `(1)`, `(2)`, …
    for (i, c) in chars.iter().enumerate() {
        if *c == '(' {
            let digits = chars[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
            if digits > 0 && chars.get(i + 1 + digits) == Some(&')') {
                return Some(chars[i..i + digits + 2].iter().collect());
            }
        }
    }
    if let Some(mark) = ["副本", "复制", "备份", "上月", "旧"]
        .into_iter()
        .find(|m| stem.contains(m))
    {
        return Some(mark.into());
    }
    // English words, on their own (not the `old` of `golden`).
    let words = stem.split(|c: char| !c.is_ascii_alphabetic());
    words
        .into_iter()
        .find(|w| matches!(*w, "copy" | "backup" | "bak" | "old"))
        .map(str::to_string)
}

/// Findings about files read twice: for each kind, the files its tables
/// came from (in name order, as read).
pub fn file_findings(tables: &[Table], rules: &RuleSet) -> Vec<Finding> {
    let mut by_kind: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for t in tables {
        let files = by_kind.entry(t.kind.as_str()).or_default();
        if !files.contains(&&*t.file) {
            files.push(&t.file);
        }
    }
    let mut findings = copied_sheets(tables);
    for (kind, files) in by_kind.into_iter().filter(|(_, f)| f.len() > 1) {
        let Some(schema) = rules.schema(kind) else {
            continue;
        };
        if schema.parts {
            findings.extend(copies_among_parts(schema, &files));
            // Files named like copies last: a line they repeat is theirs.
            let mut parts: Vec<&Table> = tables.iter().filter(|t| t.kind == kind).collect();
            parts.sort_by_key(|t| copy_mark(&t.file).is_some());
            findings.extend(lines_repeated_across_parts(schema, &parts));
        } else {
            findings.extend(second_files(schema, &files));
        }
    }
    findings
}

/// S018 for sheets: a sheet named like a copy (`Sheet1 (2)`, 副本) read
/// beside another sheet of its kind in the same file, whose rows it would
/// add again.
fn copied_sheets(tables: &[Table]) -> Vec<Finding> {
    tables
        .iter()
        .filter(|t| {
            tables
                .iter()
                .any(|o| o.kind == t.kind && o.file == t.file && o.sheet != t.sheet)
        })
        .filter_map(|t| name_copy_mark(&t.sheet).map(|mark| (t, mark)))
        .map(|(t, mark)| Finding {
            sheet: t.sheet.to_string(),
            ..Finding::about(
                "S018",
                Severity::Error,
                &t.file,
                "",
                Text::new(
                    format!(
                        "工作表「{}」的名称含「{mark}」, 像是复制的工作表: 同一文件中{}的各工作表都会读入并累加, 它的行会重复计入",
                        t.sheet, t.schema.label.zh
                    ),
                    format!(
                        "sheet \"{}\" is named with \"{mark}\", so it looks like a copied sheet: every {} sheet of the file is read and added up, so its rows would count twice",
                        t.sheet, t.schema.label.en
                    ),
                ),
                Text::new(
                    "删除复制的工作表; 若确是另一部分, 给它改一个不像副本的名称",
                    "delete the copied sheet; if it really is another part, give it a name that does not look like a copy",
                ),
            )
        })
        .collect()
}

/// S017: a kind read from one file has several. The one not named like a
/// copy (else the first) is taken as the original; each other is an error.
fn second_files(schema: &InputSchema, files: &[&str]) -> Vec<Finding> {
    let original = files.iter().find(|f| copy_mark(f).is_none()).unwrap_or(&files[0]);
    let all = files.join(", ");
    let label = &schema.label;
    files
        .iter()
        .filter(|f| *f != original)
        .map(|f| {
            Finding::about(
                "S017",
                Severity::Error,
                f,
                "",
                Text::new(
                    format!("本期有 {} 个{}文件 ({all}): 都会被读入并累加", files.len(), label.zh),
                    format!("this period has {} {} files ({all}): all would be read and added up", files.len(), label.en),
                ),
                Text::new(
                    format!(
                        "删除或移走多余的文件 (如重复下载的「{f}」), 或改名使文件名不含「{}」; 也可在 paybatch.toml 的 [inputs.{}] 中指定要用的文件",
                        schema.file_hints.join("/"),
                        schema.kind
                    ),
                    format!(
                        "remove or move the extra file (such as \"{f}\"), or rename it so its name holds none of {}; or name the file to use under [inputs.{}] in paybatch.toml",
                        schema.file_hints.join("/"),
                        schema.kind
                    ),
                ),
            )
        })
        .collect()
}

/// S018: among a kind's parts, a file named like a copy or backup: its
/// lines would be added to the others'.
fn copies_among_parts(schema: &InputSchema, files: &[&str]) -> Vec<Finding> {
    let label = &schema.label;
    files
        .iter()
        .filter_map(|f| copy_mark(f).map(|mark| (f, mark)))
        .map(|(f, mark)| {
            let others: Vec<&str> = files.iter().filter(|o| *o != f).copied().collect();
            let others = others.join(", ");
            Finding::about(
                "S018",
                Severity::Error,
                f,
                "",
                Text::new(
                    format!(
                        "文件名含「{mark}」, 像是副本或备份: 本期所有{}文件都会累加, 它的每一行会与 {others} 重复计入",
                        label.zh
                    ),
                    format!(
                        "the name holds \"{mark}\", so this looks like a copy or backup: every {} file of the period is added up, so its lines would be paid again on top of {others}",
                        label.en
                    ),
                ),
                Text::new(
                    "若是重复下载或备份, 删除或移出 inputs 目录; 若确是另一部分, 改一个不像副本的文件名 (如「变动项_销售部.xlsx」)",
                    "if it is a repeated download or a backup, delete it or move it out of the inputs folder; if it really is another part, give it a name that does not look like a copy (e.g. 变动项_销售部.xlsx)",
                ),
            )
        })
        .collect()
}

/// The fields that make two lines the same line: the required ones and
/// any period (`employee_id`, `item`, `amount`, `belongs_to` for variable
/// pay).
fn line_key_fields(schema: &InputSchema) -> Vec<&str> {
    schema
        .fields
        .iter()
        .filter(|f| f.required || f.ty == FieldType::Period)
        .map(|f| f.key.as_str())
        .collect()
}

/// S019: the same line (every key field equal) in two files of a kind
/// with parts: an error at the later one, naming the first.
fn lines_repeated_across_parts(schema: &InputSchema, parts: &[&Table]) -> Vec<Finding> {
    let keys = line_key_fields(schema);
    let mut first: HashMap<Vec<String>, (&Table, usize)> = HashMap::new();
    let mut findings = Vec::new();
    for table in parts {
        let fields: Vec<Option<usize>> = keys.iter().map(|k| table.field(k)).collect();
        let id_col = table
            .field("employee_id")
            .and_then(|f| table.columns.get(f).copied().flatten());
        for record in &table.records {
            let key: Vec<String> = fields.iter().map(|f| record.at(*f).display()).collect();
            if key.iter().all(String::is_empty) {
                continue;
            }
            match first.get(&key) {
                None => {
                    first.insert(key, (table, record.row));
                }
                Some((earlier, row)) if earlier.file != table.file => {
                    let at = format!("{}!{}!{}", earlier.file, earlier.sheet, row + 1);
                    let shown = key
                        .iter()
                        .filter(|v| !v.is_empty())
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(" / ");
                    findings.push(Finding {
                        value: shown.clone(),
                        ..at_cell(
                        "S019",
                        Severity::Error,
                        table,
                        record.row,
                        id_col,
                        Text::new(
                            format!("与 {at} 行完全相同 ({shown}): 两个文件中的同一行会发放两次"),
                            format!("the same line as {at} ({shown}): a line in two files is paid twice"),
                        ),
                        Text::new(
                            "删除重复的一行 (或重复的文件); 若确是两笔, 合并为一行填写合计金额",
                            "delete the repeated line (or the repeated file); if these really are two payments, enter one line with the total",
                        ),
                    )
                    });
                }
                Some(_) => {}
            }
        }
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(s: &str) -> Vec<char> {
        Compared::of(s).chars
    }

    /// How much header `h` looks like name `n` (no kind's own pairs).
    fn like(h: &str, n: &str) -> Likeness {
        likeness(&Compared::of(h), &Compared::of(n), &generic_pairs(&schema("x")))
    }

    fn schema(kind: &str) -> InputSchema {
        InputSchema {
            kind: kind.into(),
            label: Text::new(kind, kind),
            file_hints: Vec::new(),
            required: false,
            parts: false,
            fields: Vec::new(),
        }
    }

    /// Near misses by containment, typo and shared telling pair or word;
    /// unrelated and generic headers are not.
    #[test]
    fn headers_that_look_like_a_name() {
        for (header, name, expected) in [
            ("平时加班时长", "平时加班", Likeness::Close),
            ("病假天数（天）", "病假天数", Likeness::Close),
            ("基本工姿", "基本工资", Likeness::Close),
            ("Amout", "Amount", Likeness::Close),
            ("Employee No", "Employee ID", Likeness::Close),
            ("缺勤天数", "事假天数", Likeness::Shares),
            ("缺勤天数", "病假天数", Likeness::Shares),
            ("加班费", "周末加班", Likeness::Shares),
            ("Sick Days", "Sick Leave Days", Likeness::Shares),
            ("序号", "工号", Likeness::Unlike),
            ("部门", "姓名", Likeness::Unlike),
            ("备注", "事假", Likeness::Unlike),
            ("工作地点", "工作邮箱", Likeness::Unlike),
            ("出生日期", "入职日期", Likeness::Unlike),
            ("Overtime Days", "Sick Leave Days", Likeness::Unlike),
        ] {
            assert_eq!(like(header, name), expected, "{header} ~ {name}");
        }
        // A kind's own name tells nothing within it.
        let mut leavers = schema("leavers");
        leavers.file_hints = vec!["离职".into()];
        let generic = generic_pairs(&leavers);
        let like = |h, n| likeness(&Compared::of(h), &Compared::of(n), &generic);
        assert_eq!(like("离职类型", "离职原因"), Likeness::Unlike);
        assert_eq!(like("离职日", "离职日期"), Likeness::Close);
    }

    #[test]
    fn edit_distances() {
        assert_eq!(edit_distance(&c("kitten"), &c("sitting")), 3);
        assert_eq!(edit_distance(&c(""), &c("abc")), 3);
        assert_eq!(edit_distance(&c("事假天数"), &c("病假天数")), 1);
    }

    /// Copies and backups by their marks; parts by department are not.
    #[test]
    fn copy_marks_in_file_names() {
        for (name, mark) in [
            ("变动项 (1).xlsx", "(1)"),
            ("变动项(2).xlsx", "(2)"),
            ("变动项（3）.xlsx", "(3)"),
            ("变动项 - 副本.xlsx", "副本"),
            ("变动项_上月备份.xlsx", "备份"),
            ("变动项-旧.xlsx", "旧"),
            ("variable - Copy.xlsx", "copy"),
            ("变动项_backup.csv", "backup"),
            ("变动项.bak.xlsx", "bak"),
            ("变动项_old.xlsx", "old"),
            ("上月变动项.xlsx", "上月"),
        ] {
            assert_eq!(copy_mark(name).as_deref(), Some(mark), "{name}");
        }
        for name in [
            "变动项.xlsx",
            "变动项_销售部.xlsx",
            "变动项_golden.xlsx",
            "变动项2026-03.xlsx",
        ] {
            assert_eq!(copy_mark(name), None, "{name}");
        }
    }
}
