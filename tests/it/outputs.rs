//! Upload files, journal and payslips: exact bytes for a small fixture,
//! re-read totals, GBK fixed width, exclusions, self-check, SMTP.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use calamine::Reader;
use paybatch::calc::context::PeriodRules;
use paybatch::calc::employee::compute;
use paybatch::calc::input::EmployeeMonth;
use paybatch::emit::fields::Context;
use paybatch::emit::sink::OutDir;
use paybatch::emit::template::{render, self_check};
use paybatch::model::{Date, Period};
use paybatch::rules::RuleSet;
use rust_decimal_macros::dec;

use crate::calc_sta::{test_workspace, write_month};
use crate::util::{pb, stderr, stdout, tempdir};

fn outputs(ws: &Path, period: &str) -> PathBuf {
    let w = paybatch::workspace::Workspace::open(ws).unwrap();
    paybatch::ledger::state::outputs_dir(&w, period.parse().unwrap())
        .unwrap()
        .unwrap_or_else(|| panic!("no outputs"))
}

fn gbk(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let (text, had_errors) = encoding_rs::GBK.decode_without_bom_handling(&bytes);
    assert!(!had_errors, "{} is not GBK", path.display());
    text.into_owned()
}

/// Cells of the first sheet as text.
fn sheet(path: &Path) -> Vec<Vec<String>> {
    let mut wb = calamine::open_workbook_auto(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let name = wb.sheet_names()[0].clone();
    let range = wb.worksheet_range(&name).unwrap();
    range
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect()
}

fn small_fixture() -> tempfile::TempDir {
    let dir = tempdir();
    test_workspace(dir.path());
    write_month(dir.path(), "2026-01", &[("S1", 10000, 1000), ("S2", 30000, 2000)]);
    let out = pb(dir.path(), &["run", "-p", "2026-01"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    dir
}

#[test]
fn bank_files_exact_bytes_and_totals() {
    let dir = small_fixture();
    let out = outputs(dir.path(), "2026-01");
    let cmb = gbk(&out.join("uploads/bank/招行代发_2026-01.csv"));
    insta::assert_snapshot!("cmb_csv", cmb.replace("\r\n", "⏎\n"));
    let fixed_bytes = std::fs::read(out.join("uploads/bank/代发定长_2026-01.txt")).unwrap_or_default();
    let fixed = gbk(&out.join("uploads/bank/代发定长_2026-01.txt"));
    insta::assert_snapshot!("fixed_gbk", fixed.replace("\r\n", "⏎\n"));
    // Byte-counted widths: 19 + 12 + 15 + 16 per detail line.
    let lines: Vec<&[u8]> = fixed_bytes.split(|b| *b == b'\n').filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), 4);
    for l in &lines[1..3] {
        assert_eq!(l.len(), 62 + 1, "detail width incl. CR");
    }
    // Names and amounts decode back.
    assert!(fixed.contains("测试0") && fixed.contains("测试1"));
    assert!(fixed.contains("000000000842500"), "S1 net 8,425.00 in fen");
    assert!(fixed.contains("000000002494500"), "S2 net 24,945.00 in fen");
    assert!(
        lines[3].starts_with(b"T000002000000003337000"),
        "trailer count and total"
    );

    let icbc = sheet(&out.join("uploads/bank/工行代发_2026-01.xlsx"));
    assert_eq!(icbc.len(), 3);
    assert_eq!(icbc[0][0], "付款账号");
    let net: Vec<&str> = icbc[1..].iter().map(|r| r[8].as_str()).collect();
    assert_eq!(net, ["8425", "24945"]);
}

#[test]
fn iit_import_has_the_official_29_columns() {
    let dir = small_fixture();
    let out = outputs(dir.path(), "2026-01");
    let rows = sheet(&out.join("uploads/iit/个税_正常工资薪金_2026-01.xlsx"));
    let header = rows[0].join(",");
    assert_eq!(
        header,
        "工号,*姓名,*证件类型,*证件号码,本期收入,本期免税收入,基本养老保险费,基本医疗保险费,失业保险费,住房公积金,累计子女教育,累计继续教育,累计住房贷款利息,累计住房租金,累计赡养老人,累计3岁以下婴幼儿照护,累计个人养老金,企业(职业)年金,商业健康保险,税延养老保险,公务交通费用,通讯费用,律师办案费用,西藏附加减除费用,其他,准予扣除的捐赠额,减免税额,协定减免,备注"
    );
    assert_eq!(rows[0].len(), 29);
    assert_eq!(
        rows[1][0..5].join(","),
        format!("S1,测试0,居民身份证,{},10000", rows[1][3])
    );
    // pension 800, medical 200, unemployment 0 (no such item in the test city), HF 500, child 1000.
    assert_eq!(rows[1][6..11].join(","), "800,200,0,500,1000");
    assert_eq!(rows[2][10], "2000");
}

#[test]
fn journal_balances_and_register_totals_match() {
    let dir = small_fixture();
    let out = outputs(dir.path(), "2026-01");
    let journal = sheet(&out.join("journal.xlsx"));
    let total = journal.last().cloned().unwrap_or_default();
    assert_eq!(total[1], "合计");
    assert_eq!(total[5], total[6], "debits = credits");
    // 40,000 pay + employer SI/HF (24% + 5% of 40,000 = 11,600) = 51,600.
    assert_eq!(total[5], "51600");
    let credits: HashMap<String, String> = journal[1..journal.len() - 1]
        .iter()
        .filter(|r| !r[6].is_empty())
        .map(|r| (r[2].clone(), r[6].clone()))
        .collect();
    assert_eq!(credits["2211.01"], "33370", "net pay");
    assert_eq!(credits["2221.13"], "630", "IIT");
    assert_eq!(credits["2241.01"], "6000", "employee SI/HF");
    let register = sheet(&out.join("register.xlsx"));
    let last = register.last().cloned().unwrap_or_default();
    assert_eq!(last[0], "合计");
    assert!(last.contains(&"33370".to_string()), "{last:?}");
    // Every money column: each subtotal is the sum of its rows, the grand
    // total the sum of all employee rows.
    let header = &register[1];
    let number = |s: &str| s.parse::<rust_decimal::Decimal>().unwrap_or_default();
    let money_cols = 6..header.len();
    let mut group = vec![rust_decimal::Decimal::ZERO; header.len()];
    let mut all = group.clone();
    let mut employees = 0;
    for row in &register[2..register.len() - 1] {
        if row[0].ends_with("小计") {
            for c in money_cols.clone() {
                assert_eq!(number(&row[c]), group[c], "{} {}", row[0], header[c]);
            }
            group.iter_mut().for_each(|g| *g = rust_decimal::Decimal::ZERO);
            continue;
        }
        employees += 1;
        for c in money_cols.clone() {
            group[c] += number(&row[c]);
            all[c] += number(&row[c]);
        }
    }
    assert_eq!(employees, 2);
    for c in money_cols {
        assert_eq!(number(&last[c]), all[c], "合计 {}", header[c]);
    }
    // SI columns come from each employee's lines: pension 8% of 10,000.
    let pension = header
        .iter()
        .position(|h| h == "养老保险个人")
        .unwrap_or_else(|| panic!("{header:?}"));
    assert_eq!(register[2][pension], "800");
    assert_eq!(number(&last[pension]), rust_decimal_macros::dec!(3200));
}

/// A file inside an xlsx (a zip), as text.
fn xlsx_part(path: &Path, part: &str) -> String {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut zip = zip::ZipArchive::new(file).unwrap();
    let mut text = String::new();
    std::io::Read::read_to_string(
        &mut zip.by_name(part).unwrap_or_else(|e| panic!("{part}: {e}")),
        &mut text,
    )
    .unwrap();
    text
}

/// The number format a cell shows, from the sheet and the style table.
fn cell_number_format(path: &Path, cell: &str) -> Option<String> {
    let sheet = xlsx_part(path, "xl/worksheets/sheet1.xml");
    let styles = xlsx_part(path, "xl/styles.xml");
    let at = sheet.find(&format!("<c r=\"{cell}\""))?;
    let tag = &sheet[at..at + sheet[at..].find('>')?];
    let style: usize = tag.split("s=\"").nth(1)?.split('"').next()?.parse().ok()?;
    let xfs = styles.split("<cellXfs").nth(1)?;
    let xf = xfs.split("<xf ").nth(style + 1)?;
    let id = xf.split("numFmtId=\"").nth(1)?.split('"').next()?;
    let fmt = styles.split(&format!("numFmtId=\"{id}\" formatCode=\"")).nth(1)?;
    Some(fmt.split('"').next()?.to_string())
}

#[test]
fn money_cells_show_two_decimals_from_their_column_format() {
    let dir = small_fixture();
    let out = outputs(dir.path(), "2026-01");
    // Register: first employee row (3), first money column (G, 基本工资标准).
    assert_eq!(
        cell_number_format(&out.join("register.xlsx"), "G3").as_deref(),
        Some("#,##0.00")
    );
    // Payslips: the money row of the first payslip (3), first money line (C).
    assert_eq!(
        cell_number_format(&out.join("payslips/payslips.xlsx"), "C3").as_deref(),
        Some("#,##0.00")
    );
    // Upload template: the ICBC bank file's amount (I) on the first data row.
    assert_eq!(
        cell_number_format(&out.join("uploads/bank/工行代发_2026-01.xlsx"), "I2").as_deref(),
        Some("0.00")
    );
    // A text cell keeps the default style.
    assert_eq!(cell_number_format(&out.join("register.xlsx"), "A3"), None);
}

#[test]
fn zero_net_is_left_out_of_bank_files_and_listed() {
    let dir = tempdir();
    test_workspace(dir.path());
    write_month(dir.path(), "2026-01", &[("S1", 10000, 1000), ("S2", 30000, 2000)]);
    std::fs::write(
        dir.path().join("inputs/2026-01/变动项.csv"),
        "工号,姓名,项目,金额\nS1,测试0,税后扣款,8425\n",
    )
    .unwrap();
    let out = pb(dir.path(), &["run", "-p", "2026-01", "--lang", "en"]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains("S1 测试0 left out of CMB batch payment (CSV): net pay is not positive (net 0.00)"),
        "{text}"
    );
    let cmb = gbk(&outputs(dir.path(), "2026-01").join("uploads/bank/招行代发_2026-01.csv"));
    assert!(!cmb.contains("测试0"), "{cmb}");
    assert!(cmb.contains("测试1"), "{cmb}");
}

#[test]
fn a_name_too_long_for_the_fixed_width_field_blocks_the_run() {
    let dir = tempdir();
    test_workspace(dir.path());
    write_month(dir.path(), "2026-01", &[("S1", 10000, 1000)]);
    // The name changes in every file that carries it (names must agree).
    for entry in std::fs::read_dir(dir.path().join("inputs/2026-01")).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path)
            .unwrap_or_default()
            .replace("测试0", "欧阳诸葛司马慕容");
        std::fs::write(&path, text).unwrap();
    }
    let out = pb(dir.path(), &["run", "-p", "2026-01", "--lang", "en"]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("S1 户名: `欧阳诸葛司马慕容` takes 16 bytes, the field holds 12"),
        "{text}"
    );
    assert!(!dir.path().join("ledger").exists(), "nothing written");
}

/// Renders one built-in template for `n` employees (T1, T2, …) into a
/// temporary folder.
fn render_one(
    template: &str,
    n: usize,
) -> (
    RuleSet,
    Vec<paybatch::calc::employee::EmployeeResult>,
    paybatch::emit::template::Rendered,
    tempfile::TempDir,
) {
    render_changed(template, n, |_| {})
}

/// [`render_one`] with the template changed by `change` first.
fn render_changed(
    template: &str,
    n: usize,
    change: impl Fn(&mut paybatch::rules::template::Template),
) -> (
    RuleSet,
    Vec<paybatch::calc::employee::EmployeeResult>,
    paybatch::emit::template::Rendered,
    tempfile::TempDir,
) {
    let rules = RuleSet::builtin().unwrap();
    let p = Period::new(2026, 3).unwrap_or_else(|| panic!());
    let pr = PeriodRules::resolve(&rules, p);
    let results: Vec<_> = (1..=n)
        .map(|i| {
            let base = dec!(10000) + rust_decimal::Decimal::from(i);
            let mut e = EmployeeMonth::new(
                &format!("T{i}"),
                "北京",
                Date::new(2020, 1, 1).unwrap_or(Date::EPOCH),
                base,
            );
            e.bank_card = "6222020200112233446".into();
            e.name = "张三".into();
            compute(&e, &pr, None, false)
        })
        .collect();
    let config = paybatch::workspace::Config::default();
    let empty = HashMap::new();
    let ctx = Context {
        period: p,
        config: &config,
        previous_si_base: &empty,
    };
    let mut t = rules
        .templates
        .iter()
        .find(|t| t.name == template)
        .unwrap_or_else(|| panic!())
        .clone();
    change(&mut t);
    let t = &t;
    let rows: Vec<_> = results.iter().collect();
    let dir = tempfile::tempdir().unwrap();
    let (rendered, findings) = render(t, &rows, &ctx, &OutDir::new(dir.path())).unwrap();
    assert!(findings.is_empty(), "{findings:?}");
    assert_eq!(rendered.rows, n);
    (rules, results, rendered, dir)
}

fn template<'r>(rules: &'r RuleSet, name: &str) -> &'r paybatch::rules::template::Template {
    rules
        .templates
        .iter()
        .find(|t| t.name == name)
        .unwrap_or_else(|| panic!("{name}"))
}

/// A fixed-width file in UTF-8 with a byte-order mark has the mark once,
/// at its start (not before each field): every line keeps the template's
/// width and the self-check passes (`render_changed` asserts no findings).
#[test]
fn a_fixed_width_file_with_a_bom_has_one_mark() {
    // The bank's widths count GBK bytes: UTF-8 Chinese takes more.
    let (_, _, rendered, _dir) = render_changed("bank_fixed_gbk", 2, |t| {
        t.encoding = paybatch::rules::template::Encoding::Utf8Bom;
        for w in t.columns.iter_mut().filter_map(|c| c.width.as_mut()) {
            *w += 8;
        }
        // The first detail line then carries the mark.
        t.header_line = None;
    });
    let file = rendered.file.clone().unwrap_or_else(|| panic!("written"));
    let bytes = std::fs::read(&file).unwrap_or_default();
    let bom = b"\xEF\xBB\xBF";
    assert!(bytes.starts_with(bom), "{:?}", &bytes[..8.min(bytes.len())]);
    assert_eq!(bytes.windows(3).filter(|w| w == bom).count(), 1);
    let text = String::from_utf8_lossy(&bytes[3..]).into_owned();
    assert!(text.contains("张三"), "{text}");
}

#[test]
fn self_check_catches_a_tampered_output() {
    let (rules, results, rendered, _dir) = render_one("bank_cmb", 1);
    let t = template(&rules, "bank_cmb");
    assert!(self_check(t, &rendered).is_empty());
    let file = rendered.file.clone().unwrap_or_else(|| panic!("written"));
    let bytes = std::fs::read(&file).unwrap_or_default();
    assert_eq!(
        rendered.written.as_ref().map(|w| w.bytes),
        Some(bytes.len() as u64),
        "the hash and size are of the bytes on disk"
    );
    let net = paybatch::model::Money::new(results[0].net.get()).to_fixed2();
    let tampered = encoding_rs::GBK.decode(&bytes).0.replace(&net, "1.00");
    let _ = std::fs::write(&file, encoding_rs::GBK.encode(&tampered).0);
    let problems = self_check(t, &rendered);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].code, "E001");
    assert!(
        problems[0].message.en.contains("amount total 1.00 differs"),
        "{:?}",
        problems[0].message
    );
    let _ = std::fs::write(&file, b"*account,*name,*amount,note\r\n");
    assert!(
        self_check(t, &rendered)
            .iter()
            .any(|f| f.message.en.contains("header is"))
    );
    // The right text in the wrong encoding, and bytes no encoding reads.
    let original = encoding_rs::GBK.decode(&bytes).0.into_owned();
    let _ = std::fs::write(&file, original.as_bytes());
    let problems: Vec<String> = self_check(t, &rendered).into_iter().map(|f| f.message.en).collect();
    assert!(
        problems.iter().any(|m| m.contains("should be GBK, is UTF-8")),
        "{problems:?}"
    );
    let mut broken = bytes.clone();
    let at = broken.len() - 4;
    broken[at] = 0xFF;
    let _ = std::fs::write(&file, &broken);
    let problems: Vec<String> = self_check(t, &rendered).into_iter().map(|f| f.message.en).collect();
    assert!(problems.iter().any(|m| m.contains("cannot decode")), "{problems:?}");
}

/// A fixed-width GBK file with a character no GBK reads fails its
/// self-check, though its widths and totals still hold.
#[test]
fn fixed_width_self_check_catches_bytes_gbk_does_not_read() {
    let (rules, _, rendered, _dir) = render_one("bank_fixed_gbk", 2);
    let t = template(&rules, "bank_fixed_gbk");
    assert!(self_check(t, &rendered).is_empty(), "{:?}", self_check(t, &rendered));
    let file = rendered.file.clone().unwrap_or_else(|| panic!("written"));
    let bytes = std::fs::read(&file).unwrap_or_default();
    // 张 (D5 C5 in GBK) becomes two bytes that start no GBK character.
    let at = bytes
        .windows(2)
        .position(|w| w == [0xD5, 0xC5])
        .unwrap_or_else(|| panic!("张"));
    let mut broken = bytes.clone();
    broken[at..at + 2].copy_from_slice(&[0xFF, 0xFF]);
    let _ = std::fs::write(&file, &broken);
    let problems: Vec<String> = self_check(t, &rendered).into_iter().map(|f| f.message.en).collect();
    assert_eq!(problems, ["output self-check failed: does not decode as GBK"]);
}

/// The xlsx self-check reads back the header, the row count and the
/// amount total, and sees each of them changed.
#[test]
fn xlsx_self_check_catches_a_tampered_workbook() {
    let (rules, results, rendered, _dir) = render_one("bank_icbc", 3);
    let t = template(&rules, "bank_icbc");
    assert!(self_check(t, &rendered).is_empty(), "{:?}", self_check(t, &rendered));
    let expected: rust_decimal::Decimal = results.iter().map(|r| r.net.get()).sum();
    assert_eq!(rendered.total, Some(expected));
    let file = rendered.file.clone().unwrap_or_else(|| panic!("written"));
    let amount_col = t
        .columns
        .iter()
        .position(|c| c.field.as_deref() == Some("net"))
        .unwrap_or_else(|| panic!("net column"));
    // Two of the three rows, each paying 1.00; `header` names the columns.
    let rewrite = |header: &[&str]| {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        let _ = ws.set_name("代发明细");
        for (c, h) in header.iter().enumerate() {
            let _ = ws.write(0, c as u16, *h);
        }
        for row in 1..=2 {
            let _ = ws.write(row, 0, "x");
            let _ = ws.write(row, amount_col as u16, 1.0);
        }
        wb.save(&file).unwrap();
    };
    let headers: Vec<&str> = t.columns.iter().map(|c| c.header.as_str()).collect();
    rewrite(&headers);
    let problems: Vec<String> = self_check(t, &rendered).into_iter().map(|f| f.message.en).collect();
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(problems[0].contains("2 rows, expected 3"), "{problems:?}");
    assert!(
        problems[1].contains(&format!("amount total 2.00 differs from the expected {expected}")),
        "{problems:?}"
    );
    let mut wrong = headers.clone();
    wrong.swap(0, 1);
    rewrite(&wrong);
    let problems: Vec<String> = self_check(t, &rendered).into_iter().map(|f| f.message.en).collect();
    assert!(problems.iter().any(|p| p.contains("header is")), "{problems:?}");
}

/// An xlsx amount column marked `amount = "fen"` still holds yuan
/// numbers (the mark shapes text files), and the self-check reads them so:
/// it used to read such a cell's text as whole fen, fail, and count 0.
#[test]
fn xlsx_self_check_reads_a_fen_marked_column_as_its_numbers() {
    use paybatch::rules::template::Amount;
    // `render_changed` asserts that rendering, self-check included, found nothing.
    let (_, results, rendered, _dir) = render_changed("bank_icbc", 3, |t| {
        for c in t.columns.iter_mut().filter(|c| c.field.as_deref() == Some("net")) {
            c.amount = Amount::Fen;
        }
    });
    let expected: rust_decimal::Decimal = results.iter().map(|r| r.net.get()).sum();
    assert_eq!(rendered.total, Some(expected));
}

/// An employee's SI slots hold each item's line whatever order the items
/// are asked in, and nothing for an item the employee has no line of.
#[test]
fn si_slots_follow_the_items_in_any_order() {
    use paybatch::calc::columns::{si_slots, si_values};
    let (_, results, _, _dir) = render_one("bank_icbc", 1);
    let r = &results[0];
    let mut keys: Vec<&str> = r.si.iter().map(|l| l.key()).collect();
    assert!(keys.len() >= 3, "{keys:?}");
    keys.reverse();
    keys.insert(1, "no_such_item");
    let mut slots = Vec::new();
    si_slots(r, &keys, &mut slots);
    for (key, slot) in keys.iter().zip(&slots) {
        let (base, employee, employer) = si_values(r, key);
        let expected = (*key != "no_such_item").then_some([base, employee, employer]);
        assert_eq!(*slot, expected, "{key}");
    }
}

#[test]
fn payslips_are_sent_to_a_local_smtp_sink() {
    let dir = tempdir();
    paybatch::demo::write_workspace(dir.path()).unwrap();
    assert_eq!(pb(dir.path(), &["run", "-p", "2026-01"]).status.code(), Some(0));
    let sink = crate::mail_sink::Sink::start(crate::mail_sink::Relay::PLAIN);
    let port = sink.port;
    let cfg = dir.path().join("paybatch.toml");
    let text = std::fs::read_to_string(&cfg).unwrap_or_default().replace(
        "# smtp = { host = \"127.0.0.1\", port = 25 }",
        &format!("smtp = {{ host = \"127.0.0.1\", port = {port} }}"),
    );
    std::fs::write(&cfg, text).unwrap();
    let out = pb(dir.path(), &["payslips", "-p", "2026-01", "--send", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["sent"], 56);
    let messages: Vec<String> = sink.finish().into_iter().map(|m| m.data).collect();
    assert_eq!(messages.len(), 56);
    let first = &messages[0];
    assert!(first.contains("To: e0001@example.com"), "{first}");
    assert!(first.contains("Content-Type: text/html; charset=UTF-8"), "{first}");
    let body: String = first
        .split("\r\n\r\n")
        .nth(1)
        .unwrap_or("")
        .split_whitespace()
        .collect();
    let html = String::from_utf8(decode_b64(&body)).unwrap_or_default();
    assert!(html.contains("实发工资"), "{html}");
    assert!(html.contains("**********"), "ID and card are masked: {html}");
    let full_id = std::fs::read_to_string(outputs(dir.path(), "2026-01").join("results.csv"))
        .unwrap_or_default()
        .lines()
        .nth(1)
        .and_then(|l| l.split(',').nth(3).map(String::from))
        .unwrap_or_default();
    assert!(
        !full_id.is_empty() && !html.contains(&full_id),
        "full ID must not appear"
    );
}

fn decode_b64(s: &str) -> Vec<u8> {
    let val = |c: u8| -> u32 {
        match c {
            b'A'..=b'Z' => u32::from(c - b'A'),
            b'a'..=b'z' => u32::from(c - b'a') + 26,
            b'0'..=b'9' => u32::from(c - b'0') + 52,
            b'+' => 62,
            b'/' => 63,
            _ => 0,
        }
    };
    let mut out = Vec::new();
    for chunk in s.as_bytes().chunks(4) {
        let n = chunk.iter().fold(0u32, |acc, c| (acc << 6) | val(*c));
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        let keep = 3 - chunk.iter().filter(|c| **c == b'=').count();
        out.extend_from_slice(&bytes[..keep]);
    }
    out
}

#[test]
fn outputs_open_in_libreoffice_where_available() {
    let Some(soffice) = ["soffice", "libreoffice"]
        .into_iter()
        .find(|b| std::process::Command::new(b).arg("--version").output().is_ok())
    else {
        println!("skipped: LibreOffice (soffice) is not installed on this machine");
        return;
    };
    let dir = small_fixture();
    let out = outputs(dir.path(), "2026-01");
    let target = tempdir();
    let status = std::process::Command::new(soffice)
        .args(["--headless", "--convert-to", "csv", "--outdir"])
        .arg(target.path())
        .arg(out.join("register.xlsx"))
        .status()
        .unwrap();
    assert!(status.success());
    assert!(target.path().join("register.csv").is_file());
}

#[test]
fn register_layout_is_configured_by_its_rule_file() {
    let dir = tempdir();
    paybatch::demo::write_workspace(dir.path()).unwrap();
    let layout = dir.path().join("rules/templates/register.toml");
    let text = std::fs::read_to_string(&layout)
        .unwrap_or_default()
        .replace("sheet_by = \"\"", "sheet_by = \"city\"")
        .replace("subtotal_by = \"department\"", "subtotal_by = \"cost_center\"");
    let start = text.find("columns = [").unwrap_or(0);
    let end = text[start..].find(']').map_or(start, |i| start + i + 1);
    let text = format!(
        "{}columns = [\"net\", \"gross\", \"si_items\"]{}",
        &text[..start],
        &text[end..]
    );
    std::fs::write(&layout, text).unwrap();
    assert_eq!(pb(dir.path(), &["run", "-p", "2026-01"]).status.code(), Some(0));
    let path = outputs(dir.path(), "2026-01").join("register.xlsx");
    let mut wb = calamine::open_workbook_auto(&path).unwrap();
    assert_eq!(wb.sheet_names(), ["上海", "北京"]);
    let bj = wb.worksheet_range("北京").unwrap();
    let header: Vec<String> = bj
        .rows()
        .nth(1)
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .unwrap_or_default();
    assert_eq!(header[6..9], ["实发工资", "应发工资", "养老保险基数"]);
    let subtotals = bj.rows().filter(|r| r[0].to_string().ends_with("小计")).count();
    assert_eq!(subtotals, 5, "one per cost centre");
    // A typo in the layout is a clear rule error.
    let text = std::fs::read_to_string(&layout)
        .unwrap_or_default()
        .replace("\"net\"", "\"nett\"");
    std::fs::write(&layout, text).unwrap();
    let out = pb(dir.path(), &["run", "-p", "2026-01", "--lang", "en"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("unknown register column `nett`"),
        "{}",
        stderr(&out)
    );
}

/// Five Beijing employees on 10,000 a month, with bank cards, for `p`.
fn five_employees(rules: &RuleSet, p: Period) -> Vec<paybatch::calc::employee::EmployeeResult> {
    let pr = PeriodRules::resolve(rules, p);
    let hired = Date::new(2020, 1, 1).unwrap_or(Date::EPOCH);
    (0..5)
        .map(|i| {
            let mut e = EmployeeMonth::new(&format!("E{i}"), "北京", hired, dec!(10000));
            e.bank_card = "6222020200112233446".into();
            compute(&e, &pr, None, false)
        })
        .collect()
}

/// Runs `f` with an output context for `p` on the default configuration.
fn with_context<T>(p: Period, f: impl FnOnce(&Context<'_>) -> T) -> T {
    let config = paybatch::workspace::Config::default();
    let empty = HashMap::new();
    f(&Context {
        period: p,
        config: &config,
        previous_si_base: &empty,
    })
}

#[test]
fn payslips_and_register_continue_on_new_sheets_past_the_row_limit() {
    let rules = RuleSet::builtin().unwrap();
    let p = Period::new(2026, 3).unwrap_or_else(|| panic!());
    let results = five_employees(&rules, p);
    let read = |mut wb: rust_xlsxwriter::Workbook| {
        let bytes = wb.save_to_buffer().unwrap();
        calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes)).unwrap()
    };
    // Two payslips a sheet: 5 employees take three sheets, 4 rows each.
    let wb = with_context(p, |ctx| {
        paybatch::emit::payslip::payslips_workbook_split(&results, ctx, 2)
    })
    .unwrap();
    let mut wb = read(wb);
    assert_eq!(wb.sheet_names(), ["工资条", "工资条 (2)", "工资条 (3)"]);
    let last = wb.worksheet_range("工资条 (3)").unwrap();
    assert!(
        last.rows().any(|r| r[0].to_string().contains("E4")),
        "the fifth payslip is on the third sheet"
    );
    // Three employees a register sheet: 工资表 and 工资表 (2), each with a total.
    let wb = paybatch::emit::register::register_xlsx_split(&rules.register, "测试公司", p, &results, 3).unwrap();
    let mut wb = read(wb);
    assert_eq!(wb.sheet_names(), ["工资表", "工资表 (2)"]);
    let second = wb.worksheet_range("工资表 (2)").unwrap();
    let ids: Vec<String> = second
        .rows()
        .filter(|r| r[0].to_string().starts_with('E'))
        .map(|r| r[0].to_string())
        .collect();
    assert_eq!(ids, ["E3", "E4"]);
}

#[test]
fn a_bank_batch_over_max_rows_is_split_into_numbered_files_each_with_its_trailer() {
    let rules = RuleSet::builtin().unwrap();
    let p = Period::new(2026, 3).unwrap_or_else(|| panic!());
    let results = five_employees(&rules, p);
    let mut t = rules
        .templates
        .iter()
        .find(|t| t.name == "bank_fixed_gbk")
        .cloned()
        .unwrap_or_else(|| panic!());
    t.max_rows = Some(2);
    let rows: Vec<_> = results.iter().collect();
    let dir = tempfile::tempdir().unwrap();
    let (files, findings) = with_context(p, |ctx| {
        paybatch::emit::template::render_all(&t, &rows, ctx, &OutDir::new(dir.path()))
    })
    .unwrap();
    assert!(findings.is_empty(), "{findings:?}");
    let names: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        names,
        [
            "uploads/bank/代发定长_2026-03_001.txt",
            "uploads/bank/代发定长_2026-03_002.txt",
            "uploads/bank/代发定长_2026-03_003.txt"
        ]
    );
    let net = paybatch::model::Money::new(results[0].net.get())
        .to_fen()
        .unwrap_or_default();
    for (f, count) in files.iter().zip([2, 2, 1]) {
        let text = std::fs::read(dir.path().join(&f.path)).unwrap_or_default();
        let text = String::from_utf8_lossy(&text);
        let trailer = text.lines().last().unwrap_or_default();
        assert_eq!(trailer, format!("T{count:06}{:015}", net * count), "{}", f.path);
    }
}
