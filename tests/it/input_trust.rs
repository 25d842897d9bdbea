//! Input trust: the everyday slips of a clerk, planted one at a time into
//! the demo workspace's January. Each is an error finding at its cell that
//! `validate` reports and that keeps `run` from writing any bank file; what
//! must still be accepted is accepted with the same figures.

use std::path::Path;

use crate::util::{pb, stderr, tempdir};

const P: &str = "2026-01";

/// A fresh demo workspace.
fn demo() -> tempfile::TempDir {
    let dir = tempdir();
    paybatch::demo::write_workspace(dir.path()).unwrap();
    dir
}

fn month(ws: &Path) -> std::path::PathBuf {
    ws.join("inputs").join(P)
}

/// The first sheet of an input file as text, row by row.
fn rows_of(ws: &Path, file: &str) -> Vec<Vec<String>> {
    let grids = paybatch::ingest::inputs::read_file(&month(ws).join(file), file).unwrap();
    grids[0]
        .rows
        .iter()
        .map(|r| r.iter().map(paybatch::ingest::grid::Cell::display).collect())
        .collect()
}

fn csv_text(rows: &[Vec<String>]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let width = rows.iter().map(Vec::len).max().unwrap_or(0);
    for r in rows {
        let mut r = r.clone();
        r.resize(width, String::new());
        w.write_record(&r).unwrap();
    }
    String::from_utf8(w.into_inner().unwrap()).unwrap_or_default()
}

/// Replaces an input file by a CSV of its rows after `edit`; returns the
/// CSV's name.
fn edit_as_csv(ws: &Path, file: &str, edit: impl FnOnce(&mut Vec<Vec<String>>)) -> String {
    let mut rows = rows_of(ws, file);
    edit(&mut rows);
    std::fs::remove_file(month(ws).join(file)).unwrap();
    let name = format!("{}.csv", file.rsplit_once('.').map_or(file, |(stem, _)| stem));
    std::fs::write(month(ws).join(&name), csv_text(&rows)).unwrap();
    name
}

/// The header row's index and a column's index in it.
fn column(rows: &[Vec<String>], header: &str) -> (usize, usize) {
    for (r, row) in rows.iter().enumerate() {
        if let Some(c) = row.iter().position(|h| h == header) {
            return (r, c);
        }
    }
    panic!("no column {header}")
}

/// The row (index) whose first cells hold `id` in column `id_col`.
fn row_of(rows: &[Vec<String>], id_col: usize, id: &str) -> usize {
    rows.iter()
        .position(|r| r.get(id_col).is_some_and(|v| v == id))
        .unwrap_or_else(|| panic!("no row {id}"))
}

fn a1(row: usize, col: usize) -> String {
    format!("{}{}", paybatch::ingest::grid::column_letters(col), row + 1)
}

/// `validate --format json`: exit code and findings.
fn validate(ws: &Path) -> (Option<i32>, Vec<serde_json::Value>) {
    let out = pb(
        ws,
        &["validate", "-p", P, "--format", "json", "--no-report", "--lang", "en"],
    );
    let doc: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(&out)));
    (
        out.status.code(),
        doc["findings"].as_array().cloned().unwrap_or_default(),
    )
}

fn shown(findings: &[serde_json::Value]) -> String {
    findings
        .iter()
        .map(|f| {
            format!(
                "{} {}!{} {} {}",
                f["code"], f["file"], f["cell"], f["severity"], f["message"]
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Asserts that `validate` reports `code` as an error at `file`!`cell`,
/// and that `run` then blocks and writes no bank file.
fn assert_blocks(ws: &Path, code: &str, file: &str, cell: &str) {
    let (exit, findings) = validate(ws);
    assert_eq!(exit, Some(1), "{}", shown(&findings));
    assert!(
        findings
            .iter()
            .any(|f| f["code"] == code && f["file"] == file && f["cell"] == cell && f["severity"] == "error"),
        "expected {code} at {file}!{cell}:\n{}",
        shown(&findings)
    );
    let out = pb(ws, &["run", "-p", P]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let ledger = ws.join("ledger").join(P);
    let written: Vec<_> = crate::util::walk(&ledger)
        .into_iter()
        .filter(|p| p.to_string_lossy().contains("bank"))
        .collect();
    assert!(written.is_empty(), "{written:?}");
}

/// Plants `value` into `column` of employee `id`'s row of a CSV copy of
/// `file`; returns the CSV's name and the cell.
fn plant(ws: &Path, file: &str, id: &str, header: &str, value: &str) -> (String, String) {
    let mut cell = String::new();
    let name = edit_as_csv(ws, file, |rows| {
        let (_, id_col) = column(rows, "工号");
        let (_, c) = column(rows, header);
        let r = row_of(rows, id_col, id);
        rows[r][c] = value.into();
        cell = a1(r, c);
    });
    (name, cell)
}

/// A variable-pay row for `id` with `item` and `amount` appended.
fn add_variable_row(ws: &Path, id: &str, name: &str, item: &str, amount: &str) -> (String, String) {
    let mut cell = String::new();
    let file = edit_as_csv(ws, "变动项.xlsx", |rows| {
        let (h, _) = column(rows, "工号");
        let width = rows[h].len();
        let mut row = vec![String::new(); width];
        for (header, value) in [("工号", id), ("姓名", name), ("项目", item), ("金额", amount)] {
            if let Some(c) = rows[h].iter().position(|x| x == header) {
                row[c] = value.into();
            }
        }
        rows.push(row);
        let (_, c) = column(rows, "金额");
        cell = a1(rows.len() - 1, c);
    });
    (file, cell)
}

/// The roster name of `id`.
fn roster_name(ws: &Path, id: &str) -> String {
    let rows = rows_of(ws, "花名册.xlsx");
    let (_, id_col) = column(&rows, "工号");
    let (_, name_col) = column(&rows, "姓名");
    rows[row_of(&rows, id_col, id)][name_col].clone()
}

#[test]
fn amounts_out_of_bounds_or_of_the_wrong_sign_block_the_run() {
    for (item, amount) in [
        ("餐补", "99999999999"),
        ("税后扣款", "-100000"),
        ("餐补", "-500"),
        ("餐补", "5000.01"),
        ("全年一次性奖金", "10000001"),
    ] {
        let dir = demo();
        let name = roster_name(dir.path(), "E0004");
        let (file, cell) = add_variable_row(dir.path(), "E0004", &name, item, amount);
        assert_blocks(dir.path(), "S007", &file, &cell);
    }
}

#[test]
fn overtime_hours_out_of_bounds_block_the_run() {
    for (header, value) in [
        ("休息日加班小时", "-80"),
        ("法定节假日加班小时", "800"),
        ("事假天数", "-1"),
    ] {
        let dir = demo();
        let (file, cell) = plant(dir.path(), "考勤.csv", "E0002", header, value);
        assert_blocks(dir.path(), "S007", &file, &cell);
    }
}

/// Near a soft limit: a warning, and the month still runs.
#[test]
fn an_unusual_amount_is_a_warning_only() {
    let dir = demo();
    let name = roster_name(dir.path(), "E0004");
    let (file, cell) = add_variable_row(dir.path(), "E0004", &name, "餐补", "1500");
    let (exit, findings) = validate(dir.path());
    assert_eq!(exit, Some(0), "{}", shown(&findings));
    assert!(
        findings
            .iter()
            .any(|f| f["code"] == "S008" && f["file"] == file.as_str() && f["cell"] == cell.as_str()),
        "{}",
        shown(&findings)
    );
}

#[test]
fn ambiguous_separators_are_findings_not_guesses() {
    for value in ["1,2,3", "2,1,2,0,0", "21、200", "21.200,00", "１，２"] {
        let dir = demo();
        let name = roster_name(dir.path(), "E0004");
        let (file, cell) = add_variable_row(dir.path(), "E0004", &name, "餐补", value);
        assert_blocks(dir.path(), "S006", &file, &cell);
    }
}

/// Thousands in groups of three, full-width digits, ¥ and 元 still read.
#[test]
fn well_formed_amounts_are_still_accepted() {
    for value in ["1,234.50", "１２３４.５", "¥1,234.5", "1234.50元"] {
        let dir = demo();
        let name = roster_name(dir.path(), "E0004");
        add_variable_row(dir.path(), "E0004", &name, "岗位津贴", value);
        let (exit, findings) = validate(dir.path());
        assert_eq!(exit, Some(0), "{value}: {}", shown(&findings));
    }
}

#[test]
fn a_name_that_is_not_the_rosters_blocks_the_run() {
    let dir = demo();
    let other = roster_name(dir.path(), "E0003");
    let (file, cell) = add_variable_row(dir.path(), "E0004", &other, "全年一次性奖金", "38400");
    let name_cell = format!("B{}", &cell[1..]);
    assert_blocks(dir.path(), "V004", &file, &name_cell);

    let dir = demo();
    let other = roster_name(dir.path(), "E0001");
    let (file, cell) = plant(dir.path(), "考勤.csv", "E0002", "姓名", &other);
    assert_blocks(dir.path(), "A006", &file, &cell);

    // Spaces and full-width forms are not a different name.
    let dir = demo();
    let name = roster_name(dir.path(), "E0002");
    let spaced: String = name.chars().flat_map(|c| [c, ' ']).collect();
    plant(dir.path(), "考勤.csv", "E0002", "姓名", &format!(" {spaced}"));
    let (exit, findings) = validate(dir.path());
    assert_eq!(exit, Some(0), "{}", shown(&findings));
}

#[test]
fn a_15_digit_id_is_an_error_with_the_hint_to_use_18_digits() {
    let dir = demo();
    let (file, cell) = plant(dir.path(), "花名册.xlsx", "E0005", "证件号码", "610104620927690");
    assert_blocks(dir.path(), "R005", &file, &cell);
    let (_, findings) = validate(dir.path());
    assert!(shown(&findings).contains("18-digit"), "{}", shown(&findings));
}

#[test]
fn hire_dates_that_cannot_be_right_block_the_run() {
    for value in ["99999", "1899-12-31", "1949-12-31", "2026-03-01", "2173-10-14"] {
        let dir = demo();
        let (file, cell) = plant(dir.path(), "花名册.xlsx", "E0006", "入职日期", value);
        assert_blocks(dir.path(), "R020", &file, &cell);
    }
    // Date cells holding serial 0 (1899-12-31) and 99999 (2173).
    for serial in [0.0, 99999.0] {
        let dir = demo();
        let cell = roster_xlsx_date(dir.path(), "E0006", "入职日期", serial);
        assert_blocks(dir.path(), "R020", "花名册.xlsx", &cell);
    }
}

/// The roster rewritten as xlsx with one date-formatted number cell.
fn roster_xlsx_date(ws: &Path, id: &str, header: &str, serial: f64) -> String {
    let rows = rows_of(ws, "花名册.xlsx");
    let (_, id_col) = column(&rows, "工号");
    let (_, c) = column(&rows, header);
    let r = row_of(&rows, id_col, id);
    let mut wb = rust_xlsxwriter::Workbook::new();
    let sheet = wb.add_worksheet();
    let date = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
    for (i, row) in rows.iter().enumerate() {
        for (j, v) in row.iter().enumerate() {
            let done = if (i, j) == (r, c) {
                sheet.write_number_with_format(i as u32, j as u16, serial, &date)
            } else {
                sheet.write(i as u32, j as u16, v.as_str())
            };
            done.unwrap();
        }
    }
    wb.save(month(ws).join("花名册.xlsx")).unwrap();
    a1(r, c)
}

/// A joiner whose date is not the roster's: the run would prorate by one
/// and file the SI joiner by the other.
#[test]
fn joiner_and_leaver_lists_must_agree_with_the_roster() {
    let dir = demo();
    let rows = rows_of(dir.path(), "花名册.xlsx");
    let (_, id_col) = column(&rows, "工号");
    let id = rows[row_of(&rows, id_col, "E0007")][id_col].clone();
    let name = roster_name(dir.path(), &id);
    let joiners = format!("工号,姓名,入职日期\n{id},{name},2026-01-25\n");
    std::fs::write(month(dir.path()).join("入职名单.csv"), joiners).unwrap();
    assert_blocks(dir.path(), "J004", "入职名单.csv", "C2");
}

#[test]
fn opening_balances_are_checked() {
    let dir = demo();
    let roster = rows_of(dir.path(), "花名册.xlsx");
    let (h, id_col) = column(&roster, "工号");
    let (_, name_col) = column(&roster, "姓名");
    let people: Vec<(String, String)> = roster[h + 1..]
        .iter()
        .filter(|r| r.get(id_col).is_some_and(|v| !v.is_empty()))
        .map(|r| (r[id_col].clone(), r[name_col].clone()))
        .collect();
    // A complete, plausible file for February: accepted.
    let header = "工号,姓名,累计月数,累计收入,累计免税收入,累计减除费用,累计专项扣除,累计专项附加扣除,累计其他扣除,累计已预扣税额\n";
    let good: String = people
        .iter()
        .map(|(id, name)| format!("{id},{name},1,20000,0,5000,2000,0,0,300\n"))
        .collect();
    let feb = dir.path().join("inputs/2026-02");
    let write = |text: &str| std::fs::write(feb.join("期初累计.csv"), text).unwrap();
    write(&format!("{header}{good}"));
    let out = pb(
        dir.path(),
        &["validate", "-p", "2026-02", "--format", "json", "--no-report"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));

    let codes = |text: &str| -> Vec<(String, String)> {
        write(&format!("{header}{text}"));
        let out = pb(
            dir.path(),
            &["validate", "-p", "2026-02", "--format", "json", "--no-report"],
        );
        assert_eq!(out.status.code(), Some(1));
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        doc["findings"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|f| f["severity"] == "error")
            .map(|f| {
                (
                    f["code"].as_str().unwrap_or("").to_string(),
                    f["cell"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect()
    };
    let (id0, name0) = &people[0];
    let rest: String = good.lines().skip(1).map(|l| format!("{l}\n")).collect();
    let found = codes(&format!("{id0},{name0},1,-1000000,0,5000,2000,0,0,0\n{rest}"));
    assert!(found.contains(&("S007".into(), "D2".into())), "{found:?}");
    let found = codes(&format!("{id0},{name0},99,20000,0,5000,2000,0,0,0\n{rest}"));
    assert!(found.contains(&("O004".into(), "C2".into())), "{found:?}");
    let found = codes(&format!("{id0},{name0},1,20000,0,5000,2000,0,0,30000\n{rest}"));
    assert!(found.contains(&("O005".into(), "J2".into())), "{found:?}");
    let found = codes(&format!("{good}X9999,某人,1,20000,0,5000,2000,0,0,0\n"));
    assert!(
        found.contains(&("O001".into(), format!("A{}", people.len() + 2))),
        "{found:?}"
    );
    // Someone employed in January left out: their tax would start from zero.
    let found = codes(&rest);
    assert!(found.iter().any(|(code, _)| code == "O006"), "{found:?}");
}

#[test]
fn a_workspace_without_a_rule_set_refuses_to_run() {
    for folder in ["validation", "social", "iit", "payroll"] {
        let dir = demo();
        std::fs::remove_dir_all(dir.path().join("rules").join(folder)).unwrap();
        for args in [&["validate", "-p", P][..], &["run", "-p", P], &["rules", "check"]] {
            let out = pb(dir.path(), args);
            assert_eq!(out.status.code(), Some(2), "{folder} {args:?}: {}", stderr(&out));
            assert!(stderr(&out).contains(&format!("rules/{folder}")), "{}", stderr(&out));
        }
    }
}

/// A roster rewritten as xlsx with one cell given raw XML: a formula with
/// no saved value, a NaN, an ID typed as a number.
fn roster_xlsx_with(ws: &Path, id: &str, header: &str, cell_xml: &str) -> String {
    let rows = rows_of(ws, "花名册.xlsx");
    let (_, id_col) = column(&rows, "工号");
    let (_, c) = column(&rows, header);
    let r = row_of(&rows, id_col, id);
    let marker = "PLANTED-CELL";
    let mut wb = rust_xlsxwriter::Workbook::new();
    let sheet = wb.add_worksheet();
    for (i, row) in rows.iter().enumerate() {
        for (j, v) in row.iter().enumerate() {
            let v = if (i, j) == (r, c) { marker } else { v.as_str() };
            sheet.write(i as u32, j as u16, v).unwrap();
        }
    }
    let bytes = wb.save_to_buffer().unwrap();
    let cell = a1(r, c);
    let patched = patch_sheet(&bytes, marker, &cell, cell_xml);
    std::fs::write(month(ws).join("花名册.xlsx"), patched).unwrap();
    cell
}

/// Rewrites the xlsx so that the cell showing `marker` is `cell_xml`
/// (`{r}` stands for the cell's address).
fn patch_sheet(bytes: &[u8], marker: &str, cell: &str, cell_xml: &str) -> Vec<u8> {
    use std::io::{Read, Write};
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let strings = {
        let mut s = String::new();
        zip.by_name("xl/sharedStrings.xml")
            .unwrap()
            .read_to_string(&mut s)
            .unwrap();
        s
    };
    let index = strings
        .split("<si>")
        .skip(1)
        .position(|si| si.contains(marker))
        .unwrap_or_else(|| panic!("marker not found"));
    for i in 0..zip.len() {
        let mut file = zip.by_index(i).unwrap();
        let name = file.name().unwrap().to_string();
        let mut data = Vec::new();
        file.read_to_end(&mut data).unwrap();
        if name == "xl/worksheets/sheet1.xml" {
            let text = String::from_utf8(data).unwrap_or_default();
            let old = format!(r#"<c r="{cell}" t="s"><v>{index}</v></c>"#);
            assert!(text.contains(&old), "{old}");
            data = text.replace(&old, &cell_xml.replace("{r}", cell)).into_bytes();
        }
        out.start_file(name, zip::write::SimpleFileOptions::default()).unwrap();
        out.write_all(&data).unwrap();
    }
    out.finish().unwrap().into_inner()
}

#[test]
fn a_formula_without_its_value_is_an_error_not_a_blank() {
    let dir = demo();
    let cell = roster_xlsx_with(dir.path(), "E0003", "基本工资", r#"<c r="{r}"><f>SUM(A1:A2)*2</f></c>"#);
    assert_blocks(dir.path(), "S003", "花名册.xlsx", &cell);
}

#[test]
fn a_nan_cell_is_an_error_not_a_blank() {
    for v in ["NaN", "inf", "-inf"] {
        let dir = demo();
        let cell = roster_xlsx_with(
            dir.path(),
            "E0003",
            "基本工资",
            &format!(r#"<c r="{{r}}"><v>{v}</v></c>"#),
        );
        assert_blocks(dir.path(), "S004", "花名册.xlsx", &cell);
    }
}

#[test]
fn an_id_or_card_stored_as_a_number_is_an_error() {
    for (header, number) in [("证件号码", "310104197406210143"), ("银行卡号", "6222020200112233446")] {
        let dir = demo();
        let cell = roster_xlsx_with(
            dir.path(),
            "E0003",
            header,
            &format!(r#"<c r="{{r}}"><v>{number}</v></c>"#),
        );
        assert_blocks(dir.path(), "S005", "花名册.xlsx", &cell);
    }
    // The same number exported to CSV shows in scientific notation.
    let dir = demo();
    let (file, cell) = plant(dir.path(), "花名册.xlsx", "E0003", "证件号码", "3.10104E+17");
    assert_blocks(dir.path(), "S005", &file, &cell);
}

/// `validate` reports what `run` would block on after computing (here an
/// upload the bank's GBK file cannot encode), in the same pass.
#[test]
fn validate_reports_what_the_run_would_block_on() {
    let dir = demo();
    let (file, _) = plant(dir.path(), "花名册.xlsx", "E0008", "姓名", "王𠀀");
    for f in ["考勤.csv", "变动项.xlsx", "专项附加扣除.xlsx"] {
        if month(dir.path()).join(f).exists() {
            let rows = rows_of(dir.path(), f);
            let (_, id_col) = column(&rows, "工号");
            let keep: Vec<Vec<String>> = rows
                .into_iter()
                .filter(|r| r.get(id_col).is_none_or(|v| v != "E0008"))
                .collect();
            edit_as_csv(dir.path(), f, |rows| *rows = keep);
        }
    }
    let (exit, findings) = validate(dir.path());
    let run = pb(dir.path(), &["run", "-p", P, "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    let run_errors: Vec<String> = doc["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["severity"] == "error")
        .map(|f| f["code"].as_str().unwrap_or("").to_string())
        .collect();
    assert!(!run_errors.is_empty(), "{file}: the run did not block");
    assert_eq!(exit, Some(1));
    for code in run_errors {
        assert!(
            findings.iter().any(|f| f["code"] == code.as_str()),
            "{code} missing:\n{}",
            shown(&findings)
        );
    }
}

/// An HF rate outside the city's range is paid at the nearest bound, and
/// the roster cell says so (never a silent clamp).
#[test]
fn an_hf_rate_outside_the_citys_range_is_a_warning_at_its_cell() {
    let dir = crate::util::tempdir();
    let ws = dir.path();
    crate::calc_sta::test_workspace(ws);
    // A city that allows 6%–7% (as Shanghai allows 5%–7%): inside the
    // national 5%–12%, so only the city's range catches 12% and 5%.
    let city = ws.join("rules/social/testcity.toml");
    let text = std::fs::read_to_string(&city).unwrap();
    std::fs::write(
        &city,
        text.replace(
            "{ min = 0.05, max = 0.12, default = 0.05 }",
            "{ min = 0.06, max = 0.07, default = 0.06 }",
        ),
    )
    .unwrap();
    let month = ws.join("inputs/2026-01");
    std::fs::create_dir_all(&month).unwrap();
    let mut rng = paybatch::demo::people::Rng::new(3);
    let mut roster =
        String::from("工号,姓名,证件号码,参保城市,入职日期,基本工资,银行卡号,社保基数,公积金基数,公积金比例\n");
    for (i, rate) in ["12%", "7%", "5%"].iter().enumerate() {
        let birth = paybatch::model::Date::new(1985, 5, 20).unwrap();
        let idn = paybatch::demo::people::make_resident_id("110105", birth, i as i64 + 1);
        let card = paybatch::demo::people::make_card("622202", &mut rng);
        roster.push_str(&format!(
            "H{i},测试{i},{idn},测试市,2020-01-01,10000,{card},10000,10000,{rate}\n"
        ));
    }
    std::fs::write(month.join("花名册.csv"), roster).unwrap();
    let (code, found) = crate::tax_year::findings(ws, &["validate", "-p", "2026-01", "--no-report"]);
    assert_eq!(code, Some(0), "{found:?}");
    let r028: Vec<(String, String)> = found
        .iter()
        .filter(|f| f["code"] == "R028")
        .map(|f| {
            (
                f["cell"].as_str().unwrap().to_string(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(r028.len(), 2, "{found:?}");
    assert_eq!(r028[0].0, "J2");
    assert!(r028[0].1.contains("将按 7% 缴存"), "{:?}", r028[0]);
    assert_eq!(r028[1].0, "J4");
    assert!(r028[1].1.contains("将按 6% 缴存"), "{:?}", r028[1]);
}
