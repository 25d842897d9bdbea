//! Input trust, the shape of the inputs: a CSV row swallowed by a stray
//! quote or of the wrong width (S013, S014), a header that names no column
//! (S015, warning) or almost one the sheet lacks (S016), and a file read
//! twice (S017, S018, S019). Each is planted into the demo workspace's
//! March and must be an error at its cell that blocks the run (no bank
//! file); what clerks legitimately do stays accepted.

use std::path::{Path, PathBuf};

use paybatch::demo::sheet::{Sheet, write_xlsx};
use paybatch::ingest::grid::{Cell, read_workbook_bytes};

use crate::util::{pb, stdout, tempdir};

/// A fresh demo workspace (three months of clean inputs).
fn demo() -> tempfile::TempDir {
    let dir = tempdir();
    paybatch::demo::write_workspace(dir.path()).unwrap();
    dir
}

/// The March inputs folder.
fn march(ws: &Path) -> PathBuf {
    ws.join("inputs/2026-03")
}

/// `paybatch validate` of March as JSON.
fn validate(ws: &Path) -> serde_json::Value {
    let out = pb(
        ws,
        &[
            "validate",
            "-p",
            "2026-03",
            "--format",
            "json",
            "--no-report",
            "--lang",
            "en",
        ],
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stdout(&out)))
}

/// A finding as the tests compare it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Found {
    code: String,
    file: String,
    cell: String,
    severity: String,
    message: String,
    hint: String,
}

fn findings(doc: &serde_json::Value) -> Vec<Found> {
    let s = |f: &serde_json::Value, k: &str| f[k].as_str().unwrap_or_default().to_string();
    doc["findings"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|f| Found {
                    code: s(f, "code"),
                    file: s(f, "file"),
                    cell: s(f, "cell"),
                    severity: s(f, "severity"),
                    message: s(f, "message"),
                    hint: s(f, "hint"),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The findings of one code.
fn with_code(doc: &serde_json::Value, code: &str) -> Vec<Found> {
    findings(doc).into_iter().filter(|f| f.code == code).collect()
}

/// The one finding of `code`, which must be at `file`!`cell` with `severity`.
fn one_at(doc: &serde_json::Value, code: &str, file: &str, cell: &str, severity: &str) -> Found {
    let found = with_code(doc, code);
    assert_eq!(found.len(), 1, "{code}: {found:#?}\nall: {:#?}", findings(doc));
    let f = found[0].clone();
    assert_eq!(
        (f.file.as_str(), f.cell.as_str(), f.severity.as_str()),
        (file, cell, severity),
        "{f:#?}"
    );
    f
}

fn errors(doc: &serde_json::Value) -> u64 {
    doc["errors"].as_u64().unwrap_or(u64::MAX)
}

/// Every file below `dir` (none if it does not exist).
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .flat_map(|p| if p.is_dir() { files_under(&p) } else { vec![p] })
        .collect()
}

/// Runs January and February, which must run clean: March's validation
/// then computes the month too (its tax needs the months before).
fn run_january_and_february(ws: &Path) {
    for p in ["2026-01", "2026-02"] {
        let out = pb(ws, &["run", "-p", p]);
        assert_eq!(out.status.code(), Some(0), "{p}: {}", stdout(&out));
    }
}

/// Validates March after January and February ran: for a month that must
/// be accepted in full.
fn validate_after_february(ws: &Path) -> serde_json::Value {
    run_january_and_february(ws);
    validate(ws)
}

/// January and February run clean; March is then refused because of
/// `code` (exit 1) and leaves no bank file.
fn assert_run_blocked(ws: &Path, code: &str) {
    run_january_and_february(ws);
    let out = pb(ws, &["run", "-p", "2026-03"]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains(&format!("[{code}]")), "{text}");
    let written = files_under(&ws.join("ledger/2026-03"));
    assert!(
        !written.iter().any(|p| p.to_string_lossy().contains("bank")),
        "{written:?}"
    );
}

/// Rewrites line `i` (0 is the header) of a CSV file kept in UTF-8 with
/// CRLF line ends, as the demo writes it.
fn edit_csv_line(path: &Path, i: usize, edit: impl FnOnce(&str) -> String) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines: Vec<String> = text.split("\r\n").map(str::to_string).collect();
    lines[i] = edit(&lines[i]);
    std::fs::write(path, lines.join("\r\n")).unwrap();
}

/// Every line of a CSV file through `edit(i, line)` (the trailing empty
/// line after the last CRLF is left alone).
fn edit_csv_lines(path: &Path, mut edit: impl FnMut(usize, &str) -> String) {
    let text = std::fs::read_to_string(path).unwrap();
    let lines: Vec<String> = text
        .split("\r\n")
        .enumerate()
        .map(|(i, l)| if l.is_empty() { String::new() } else { edit(i, l) })
        .collect();
    std::fs::write(path, lines.join("\r\n")).unwrap();
}

/// A stray `"` at the start of field `field` of a CSV line.
fn stray_quote(line: &str, field: usize) -> String {
    let mut fields: Vec<String> = line.split(',').map(str::to_string).collect();
    fields[field].insert(0, '"');
    fields.join(",")
}

/// The first sheet of a demo workbook: titles above the header, the
/// header, the rows below.
fn read_sheet(path: &Path, header_row: usize) -> Sheet {
    let bytes = std::fs::read(path).unwrap();
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let book = read_workbook_bytes(bytes, &name).unwrap();
    let grid = &book.sheets[0];
    let header: Vec<String> = grid.rows[header_row].iter().map(Cell::display).collect();
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    let mut sheet = Sheet::new(&grid.sheet, &header, grid.rows[header_row + 1..].to_vec());
    for r in 0..header_row {
        sheet = sheet.with_title(&grid.rows[r][0].display());
    }
    sheet
}

/// Renames header `from` to `to` in the first sheet of a demo workbook.
fn rename_xlsx_header(path: &Path, header_row: usize, from: &str, to: &str) {
    let mut sheet = read_sheet(path, header_row);
    let h = sheet.header.iter_mut().find(|h| h.as_str() == from);
    *h.unwrap_or_else(|| panic!("no header {from}")) = to.into();
    write_xlsx(path, &[sheet]).unwrap();
}

// ─── CSV strictness ────────────────────────────────────────────────────────

/// The issue's case: `E…,"王五,0,0,…` on row 3 of 考勤.csv used to take in
/// every later line without a finding. Now an error at the cell the quote
/// opens, saying how many lines it took in; the run is refused.
#[test]
fn a_stray_quote_in_attendance_is_an_error_at_its_cell_and_blocks_the_run() {
    let dir = demo();
    let csv = march(dir.path()).join("考勤.csv");
    let lines = std::fs::read_to_string(&csv).unwrap_or_default().lines().count();
    edit_csv_line(&csv, 2, |l| stray_quote(l, 1));
    let doc = validate(dir.path());
    let f = one_at(&doc, "S013", "考勤.csv", "B3", "error");
    // Every line after row 3 went into the cell.
    assert!(f.message.contains(&format!("the {} line(s)", lines - 3)), "{f:#?}");
    assert!(f.hint.contains("stray quote"), "{f:#?}");
    assert_run_blocked(dir.path(), "S013");
}

/// Other positions of the stray quote: the first field, the last field
/// (the row keeps its width), a number field on the last data row, and
/// two stray quotes (the second closes the first).
#[test]
fn stray_quotes_anywhere_in_a_row_are_errors_at_their_cell() {
    let cases: [(&[(usize, usize)], &str); 4] = [
        (&[(5, 0)], "A6"),
        (&[(4, 6)], "G5"),
        (&[(59, 3)], "D60"),
        (&[(7, 2), (12, 4)], "C8"),
    ];
    for (quotes, cell) in cases {
        let dir = demo();
        let csv = march(dir.path()).join("考勤.csv");
        for &(line, field) in quotes {
            edit_csv_line(&csv, line, |l| stray_quote(l, field));
        }
        let doc = validate(dir.path());
        one_at(&doc, "S013", "考勤.csv", cell, "error");
    }
}

/// The messy workspace's attendance is GBK (decoded whole, not streamed):
/// a stray quote there is found alike, and its other findings stay.
#[test]
fn a_stray_quote_in_a_gbk_file_is_an_error() {
    let dir = tempdir();
    paybatch::demo::messy::write(dir.path()).unwrap();
    let csv = march(dir.path()).join("考勤.csv");
    let bytes = std::fs::read(&csv).unwrap();
    let (text, _, bad) = encoding_rs::GBK.decode(&bytes);
    assert!(!bad);
    let mut lines: Vec<String> = text.split("\r\n").map(str::to_string).collect();
    lines[3] = stray_quote(&lines[3], 2);
    std::fs::write(&csv, encoding_rs::GBK.encode(&lines.join("\r\n")).0).unwrap();
    let doc = validate(dir.path());
    let f = one_at(&doc, "S013", "考勤.csv", "C4", "error");
    assert!(f.message.contains("the 2 line(s)"), "{f:#?}");
    // The roster's planted findings are untouched.
    assert!(findings(&doc).iter().any(|f| f.code == "R005" && f.cell == "D5"));
}

/// A row with a value past the header's last column (an unquoted
/// thousands separator), and one that ends early: errors at the row, with
/// the counts.
#[test]
fn rows_wider_or_narrower_than_the_header_are_errors() {
    let dir = demo();
    let csv = march(dir.path()).join("考勤.csv");
    // Row 4: the workday overtime 0 becomes "1,5" (two fields).
    edit_csv_line(&csv, 3, |l| {
        let mut f: Vec<&str> = l.split(',').collect();
        f[4] = "1,5";
        f.join(",")
    });
    // Row 7: the last field left off.
    edit_csv_line(&csv, 6, |l| {
        l.rsplit_once(',').map(|(a, _)| a.to_string()).unwrap_or_default()
    });
    let doc = validate(dir.path());
    let found = with_code(&doc, "S014");
    let at: Vec<(&str, &str)> = found.iter().map(|f| (f.file.as_str(), f.cell.as_str())).collect();
    assert_eq!(at, [("考勤.csv", "H4"), ("考勤.csv", "G7")], "{found:#?}");
    assert!(
        found[0].message.contains("has 8 fields but the header has 7"),
        "{found:#?}"
    );
    assert!(
        found[1].message.contains("has 6 fields but the header has 7"),
        "{found:#?}"
    );
    assert!(found.iter().all(|f| f.severity == "error"));
    assert_run_blocked(dir.path(), "S014");
}

/// What CSV files legitimately hold stays accepted: a remark over two
/// lines (quoted, no comma in it), blank lines, a row of bare commas, and
/// trailing empty fields.
#[test]
fn multi_line_remarks_blank_rows_and_trailing_commas_are_accepted() {
    let dir = demo();
    let month = march(dir.path());
    let attendance = month.join("考勤.csv");
    let first = std::fs::read_to_string(&attendance)
        .unwrap_or_default()
        .lines()
        .nth(1)
        .unwrap_or_default()
        .to_string();
    let first: Vec<&str> = first.trim_start_matches('\u{feff}').split(',').collect();
    let (id, name) = (first[0], first[1]);
    edit_csv_lines(&attendance, |i, l| match i {
        0 => l.to_string(),
        5 => format!("{l},\r\n\r\n,,,,,,"),
        _ => format!("{l},"),
    });
    std::fs::remove_file(month.join("变动项.xlsx")).unwrap();
    std::fs::write(
        month.join("变动项.csv"),
        format!("工号,姓名,项目,金额,所属期,备注\r\n{id},{name},餐补,500,,\"三月餐补\r\n按出勤天数计\"\r\n"),
    )
    .unwrap();
    let doc = validate_after_february(dir.path());
    assert_eq!(errors(&doc), 0, "{:#?}", findings(&doc));
    let rows = |file: &str| {
        doc["files"]
            .as_array()
            .and_then(|a| a.iter().find(|f| f["file"] == file))
            .map(|f| f["rows"].clone())
    };
    assert_eq!(rows("变动项.csv"), Some(serde_json::json!(1)));
    assert_eq!(rows("考勤.csv"), Some(serde_json::json!(59)));
}

// ─── Unknown and near-miss headers ─────────────────────────────────────────

/// The headers: 缺勤天数 and 平时加班时长 instead of 事假天数 and
/// 工作日加班小时. Errors at the header cells naming the columns they
/// look like and the accepted names; the run is refused.
#[test]
fn near_miss_attendance_headers_are_errors_at_their_header_cells() {
    let dir = demo();
    let csv = march(dir.path()).join("考勤.csv");
    edit_csv_line(&csv, 0, |l| {
        l.replace("事假天数", "缺勤天数")
            .replace("工作日加班小时", "平时加班时长")
    });
    let doc = validate(dir.path());
    let found = with_code(&doc, "S016");
    let at: Vec<(&str, &str, &str)> = found
        .iter()
        .map(|f| (f.file.as_str(), f.cell.as_str(), f.severity.as_str()))
        .collect();
    assert_eq!(
        at,
        [("考勤.csv", "C1", "error"), ("考勤.csv", "E1", "error")],
        "{found:#?}"
    );
    assert!(
        found[0]
            .message
            .contains("looks like \"Unpaid leave days\" or \"Sick leave days\""),
        "{found:#?}"
    );
    assert!(
        found[0].message.contains("no \"Unpaid leave days\" column"),
        "{found:#?}"
    );
    assert!(found[0].hint.contains("事假天数, 事假(天), 事假"), "{found:#?}");
    assert!(found[1].message.contains("\"Workday overtime hours\""), "{found:#?}");
    assert!(found[1].hint.contains("rules/inputs.toml"), "{found:#?}");
    assert_run_blocked(dir.path(), "S016");
}

/// Near misses in other kinds: a typo in the roster (under a title row),
/// a longer name in the deductions, a qualified amount in variable pay.
#[test]
fn near_miss_headers_in_other_kinds_are_errors() {
    let dir = demo();
    let month = march(dir.path());
    rename_xlsx_header(&month.join("花名册.xlsx"), 1, "公积金基数", "公积金缴费基数");
    rename_xlsx_header(&month.join("专项附加扣除.xlsx"), 0, "住房租金", "住房租金扣除");
    rename_xlsx_header(&month.join("变动项.xlsx"), 0, "金额", "发放金额");
    let doc = validate(dir.path());
    let found = with_code(&doc, "S016");
    let at: Vec<(&str, &str)> = found.iter().map(|f| (f.file.as_str(), f.cell.as_str())).collect();
    assert_eq!(
        at,
        [
            ("专项附加扣除.xlsx", "H1"),
            ("变动项.xlsx", "D1"),
            ("花名册.xlsx", "P2")
        ],
        "{found:#?}"
    );
}

/// Headers clearly unrelated to any column (部门 in attendance, 序号 in
/// the deductions) are warnings at their cells naming the closest known
/// names; the month has no error.
#[test]
fn unrelated_headers_are_warnings_only() {
    let dir = demo();
    let month = march(dir.path());
    edit_csv_lines(&month.join("考勤.csv"), |i, l| {
        if i == 0 {
            format!("{l},部门,")
        } else {
            format!("{l},研发部,")
        }
    });
    let path = month.join("专项附加扣除.xlsx");
    let mut sheet = read_sheet(&path, 0);
    sheet.header.insert(0, "序号".into());
    for (i, row) in sheet.rows.iter_mut().enumerate() {
        row.insert(0, Cell::Text((i + 1).to_string().into()));
    }
    write_xlsx(&path, &[sheet]).unwrap();
    let doc = validate_after_february(dir.path());
    assert_eq!(errors(&doc), 0, "{:#?}", findings(&doc));
    let found = with_code(&doc, "S015");
    let at: Vec<(&str, &str, &str)> = found
        .iter()
        .map(|f| (f.file.as_str(), f.cell.as_str(), f.severity.as_str()))
        .collect();
    assert_eq!(
        at,
        [("专项附加扣除.xlsx", "A1", "warning"), ("考勤.csv", "H1", "warning")],
        "{found:#?}"
    );
    assert!(found[1].hint.contains("closest known names: "), "{found:#?}");
}

// ─── Files read twice ──────────────────────────────────────────────────────

/// Copies a March input file under another name.
fn copy_input(ws: &Path, from: &str, to: &str) {
    let month = march(ws);
    std::fs::copy(month.join(from), month.join(to)).unwrap();
}

/// A repeated download of variable pay (its kind comes in parts): the
/// copy is an error, and so is each of its lines, at the copy, naming
/// the original's row. The run is refused.
#[test]
fn a_repeated_download_of_variable_pay_is_an_error() {
    let dir = demo();
    copy_input(dir.path(), "变动项.xlsx", "变动项 (1).xlsx");
    let doc = validate(dir.path());
    let copy = one_at(&doc, "S018", "变动项 (1).xlsx", "", "error");
    assert!(copy.message.contains("\"(1)\""), "{copy:#?}");
    let repeated = with_code(&doc, "S019");
    assert!(!repeated.is_empty());
    assert!(
        repeated
            .iter()
            .all(|f| f.file == "变动项 (1).xlsx" && f.severity == "error")
    );
    assert_eq!(repeated[0].cell, "A2");
    assert!(
        repeated[0].message.contains("变动项.xlsx!变动项!2"),
        "{:#?}",
        repeated[0]
    );
    assert_run_blocked(dir.path(), "S018");
}

/// Other copy and backup names of variable pay.
#[test]
fn copies_and_backups_of_variable_pay_are_errors() {
    for name in [
        "变动项_上月备份.xlsx",
        "变动项 - 副本.xlsx",
        "变动项(2).xlsx",
        "变动项_old.xlsx",
        "变动项.bak.xlsx",
    ] {
        let dir = demo();
        copy_input(dir.path(), "变动项.xlsx", name);
        let doc = validate(dir.path());
        one_at(&doc, "S018", name, "", "error");
    }
}

/// A sheet copied within a workbook (Excel names it `… (2)`) is read and
/// added up like a copied file: an error at that sheet.
#[test]
fn a_copied_sheet_is_an_error() {
    let dir = demo();
    let path = march(dir.path()).join("专项附加扣除.xlsx");
    let sheet = read_sheet(&path, 0);
    let header: Vec<&str> = sheet.header.iter().map(String::as_str).collect();
    let copy = Sheet::new(&format!("{} (2)", sheet.name), &header, sheet.rows.clone());
    write_xlsx(&path, &[sheet, copy]).unwrap();
    let doc = validate(dir.path());
    let f = one_at(&doc, "S018", "专项附加扣除.xlsx", "", "error");
    assert!(f.message.contains("\"专项附加扣除 (2)\""), "{f:#?}");
}

/// Kinds that come in one file: a second one, copy-named or not, is an
/// error naming both files, at the second.
#[test]
fn a_second_file_of_a_kind_without_parts_is_an_error() {
    for (from, to) in [
        ("考勤.csv", "考勤 (1).csv"),
        ("专项附加扣除.xlsx", "专项附加扣除 - 副本.xlsx"),
        ("花名册.xlsx", "花名册_backup.xlsx"),
        ("考勤.csv", "考勤_最终.csv"),
    ] {
        let dir = demo();
        copy_input(dir.path(), from, to);
        let doc = validate(dir.path());
        let f = one_at(&doc, "S017", to, "", "error");
        assert!(f.message.contains(from) && f.message.contains(to), "{f:#?}");
        assert!(f.hint.contains("paybatch.toml"), "{f:#?}");
    }
    let dir = demo();
    copy_input(dir.path(), "专项附加扣除.xlsx", "专项附加扣除 (1).xlsx");
    assert_run_blocked(dir.path(), "S017");
}

/// Variable pay split by department is read and added up; a line repeated
/// in two parts is an error at the later one naming the first.
#[test]
fn variable_pay_in_parts_is_accepted_and_a_repeated_line_is_not() {
    let dir = demo();
    let month = march(dir.path());
    let whole = read_sheet(&month.join("变动项.xlsx"), 0);
    let header: Vec<&str> = whole.header.iter().map(String::as_str).collect();
    let half = whole.rows.len() / 2;
    let part = |rows: Vec<Vec<Cell>>| vec![Sheet::new("变动项", &header, rows)];
    std::fs::remove_file(month.join("变动项.xlsx")).unwrap();
    write_xlsx(&month.join("变动项_研发部.xlsx"), &part(whole.rows[..half].to_vec())).unwrap();
    write_xlsx(&month.join("变动项_销售部.xlsx"), &part(whole.rows[half..].to_vec())).unwrap();
    let doc = validate_after_february(dir.path());
    assert_eq!(errors(&doc), 0, "{:#?}", findings(&doc));
    let rows: u64 = doc["files"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|f| f["kind"] == "variable")
                .filter_map(|f| f["rows"].as_u64())
                .sum()
        })
        .unwrap_or_default();
    assert_eq!(rows, whole.rows.len() as u64);

    // The first line of the first part, again at the end of the second.
    let mut second = whole.rows[half..].to_vec();
    second.push(whole.rows[0].clone());
    let last = second.len() + 1;
    write_xlsx(&month.join("变动项_销售部.xlsx"), &part(second)).unwrap();
    let doc = validate(dir.path());
    let f = one_at(&doc, "S019", "变动项_销售部.xlsx", &format!("A{last}"), "error");
    assert!(f.message.contains("变动项_研发部.xlsx!变动项!2"), "{f:#?}");
}

/// With the kind's file named in paybatch.toml, a copy beside it is not
/// read (a warning that it is ignored), and the month has no error.
#[test]
fn a_mapped_file_leaves_its_copy_unread() {
    let dir = demo();
    copy_input(dir.path(), "考勤.csv", "考勤 (1).csv");
    let cfg = dir.path().join("paybatch.toml");
    let mut text = std::fs::read_to_string(&cfg).unwrap_or_default();
    text.push_str("\n[inputs.attendance]\nfile = \"考勤.csv\"\n");
    std::fs::write(&cfg, text).unwrap();
    let doc = validate_after_february(dir.path());
    assert_eq!(errors(&doc), 0, "{:#?}", findings(&doc));
    one_at(&doc, "S010", "考勤 (1).csv", "", "warning");
}
