//! Hostile and broken files, safe outputs, private logs: a corpus built at
//! test time (nothing large is committed), every case a clear error or
//! finding, never panic text, never a full ID in what is printed.

use std::io::Write;
use std::path::Path;

use crate::mail_sink::{Relay, Sink};
use crate::util::{paybatch, pb, stderr, stdout, tempdir};

fn demo() -> tempfile::TempDir {
    let dir = tempdir();
    paybatch::demo::write_workspace(dir.path()).unwrap();
    dir
}

fn zip_with(parts: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in parts {
        out.start_file(*name, options).unwrap();
        out.write_all(bytes).unwrap();
    }
    out.finish().unwrap().into_inner()
}

/// A minimal xlsx whose shared-strings part is `strings`.
fn xlsx_with_strings(strings: Vec<u8>) -> Vec<u8> {
    let sheet = br#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData></worksheet>"#;
    zip_with(&[
        (
            "[Content_Types].xml",
            br#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>"#.to_vec(),
        ),
        (
            "_rels/.rels",
            br#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#.to_vec(),
        ),
        (
            "xl/workbook.xml",
            br#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#.to_vec(),
        ),
        (
            "xl/_rels/workbook.xml.rels",
            br#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#.to_vec(),
        ),
        ("xl/worksheets/sheet1.xml", sheet.to_vec()),
        ("xl/sharedStrings.xml", strings),
    ])
}

fn replace_roster(ws: &Path, bytes: &[u8]) {
    let month = ws.join("inputs/2026-01");
    std::fs::remove_file(month.join("花名册.xlsx")).unwrap();
    std::fs::write(month.join("花名册.xlsx"), bytes).unwrap();
}

/// Runs `validate` with backtraces on: exit 3 naming the file, no panic text.
fn assert_refused(ws: &Path, needle: &str) {
    let out = paybatch()
        .args(["validate", "-p", "2026-01", "--no-report", "--lang", "en", "-w"])
        .arg(ws)
        .env("RUST_BACKTRACE", "1")
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(err.contains("花名册.xlsx") && err.contains(needle), "{err}");
    assert!(!err.contains("panicked") && !err.contains("stack backtrace"), "{err}");
}

#[test]
fn a_shared_strings_bomb_is_refused_before_it_inflates() {
    let dir = demo();
    let mut strings = br#"<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>"#.to_vec();
    strings.extend(std::iter::repeat_n(b'A', 80 << 20));
    strings.extend(b"</t></si></sst>");
    replace_roster(dir.path(), &xlsx_with_strings(strings));
    assert_refused(dir.path(), "zip bomb");
}

#[test]
fn a_huge_declared_count_is_refused_without_a_panic() {
    let dir = demo();
    let strings = br#"<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1000000000000000000"><si><t>x</t></si></sst>"#.to_vec();
    replace_roster(dir.path(), &xlsx_with_strings(strings));
    assert_refused(dir.path(), "limit exceeded");
}

/// Sets the uncompressed size the zip declares for part `name` (local
/// header and central directory) to `size`.
fn declare_size(zip: &mut [u8], name: &str, size: u32) {
    let le = |b: &[u8], at: usize| u16::from_le_bytes([b[at], b[at + 1]]) as usize;
    let mut at = 0;
    while at + 46 < zip.len() {
        let sig = &zip[at..at + 4];
        let (size_at, name_len_at, name_at) = match sig {
            [0x50, 0x4b, 0x03, 0x04] => (at + 22, at + 26, at + 30),
            [0x50, 0x4b, 0x01, 0x02] => (at + 24, at + 28, at + 46),
            _ => {
                at += 1;
                continue;
            }
        };
        let len = le(zip, name_len_at);
        if zip.get(name_at..name_at + len) == Some(name.as_bytes()) {
            zip[size_at..size_at + 4].copy_from_slice(&size.to_le_bytes());
        }
        at += 4;
    }
}

/// A part that says it is small and inflates to 200 MB: cut where it
/// passes what it declared, with an error naming the file; memory stays
/// small (the bench in benches/hostile.sh measures it).
#[test]
fn a_part_that_lies_about_its_size_is_cut_where_the_lie_ends() {
    let dir = demo();
    let mut strings = br#"<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>"#.to_vec();
    strings.extend(std::iter::repeat_n(b'A', 200 << 20));
    strings.extend(b"</t></si></sst>");
    let mut bytes = xlsx_with_strings(strings);
    declare_size(&mut bytes, "xl/sharedStrings.xml", 4096);
    replace_roster(dir.path(), &bytes);
    assert_refused(dir.path(), "declared uncompressed size");
}

/// A file is read as what its content is, whatever its name says: an
/// xlsx saved as .xls or .ods, a CSV saved as .xlsx or .xls; the run gives
/// the same results as with the right names.
#[test]
fn a_file_is_read_as_what_it_is_whatever_its_name() {
    let dir = demo();
    let month = dir.path().join("inputs/2026-01");
    assert_eq!(pb(dir.path(), &["run", "-p", "2026-01"]).status.code(), Some(0));
    let want = std::fs::read(outputs_results(dir.path())).unwrap_or_default();
    let renames = [
        ("花名册.xlsx", "花名册.xls"),
        ("变动项.xlsx", "变动项.ods"),
        ("考勤.csv", "考勤.xlsx"),
    ];
    for (from, to) in renames {
        std::fs::rename(month.join(from), month.join(to)).unwrap();
    }
    let out = pb(dir.path(), &["run", "-p", "2026-01", "--lang", "en"]);
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
    assert!(stderr(&out).contains("read as CSV"), "{}", stderr(&out));
    let got = std::fs::read(outputs_results(dir.path())).unwrap_or_default();
    assert!(!got.is_empty() && got == want, "the same results whatever the names");
}

/// A web page saved as ".xls" by an HR system is refused with what to
/// do, not read as CSV.
#[test]
fn an_html_export_named_xls_is_refused_with_what_to_do() {
    let dir = demo();
    let month = dir.path().join("inputs/2026-01");
    std::fs::remove_file(month.join("考勤.csv")).unwrap();
    std::fs::write(
        month.join("考勤.xls"),
        "<html><body><table><tr><td>工号</td><td>姓名</td></tr></table></body></html>",
    )
    .unwrap();
    let out = pb(dir.path(), &["validate", "-p", "2026-01", "--no-report"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("考勤.xls") && stderr(&out).contains("另存为 .xlsx"),
        "{}",
        stderr(&out)
    );
}

fn outputs_results(root: &Path) -> std::path::PathBuf {
    let ws = paybatch::workspace::Workspace::open(root).unwrap();
    paybatch::ledger::state::outputs_dir(&ws, "2026-01".parse().unwrap())
        .unwrap()
        .unwrap_or_else(|| panic!("no outputs"))
        .join("results.csv")
}

/// `lang` in paybatch.toml sets the language of a workspace's messages;
/// `--lang` on the command line wins.
#[test]
fn the_workspace_language_is_honoured() {
    let dir = demo();
    let cfg = dir.path().join("paybatch.toml");
    let text = std::fs::read_to_string(&cfg).unwrap_or_default();
    assert!(text.contains("lang = \"zh\""), "the demo sets its language");
    std::fs::write(&cfg, text.replace("lang = \"zh\"", "lang = \"en\"")).unwrap();
    let out = pb(dir.path(), &["validate", "-p", "2026-01", "--no-report"]);
    assert!(stdout(&out).contains("0 errors"), "{}", stdout(&out));
    let out = pb(
        dir.path(),
        &["validate", "-p", "2026-01", "--no-report", "--lang", "zh"],
    );
    assert!(stdout(&out).contains("共 0 个错误"), "{}", stdout(&out));
    // An error is reported in the workspace's language too.
    let out = pb(dir.path(), &["run", "-p", "2099-01"]);
    assert!(stderr(&out).starts_with("error"), "{}", stderr(&out));
}

/// The limits are settings: `[limits]` in paybatch.toml lowers (or
/// raises) them, and the refusal names the setting.
#[test]
fn the_limits_are_workspace_settings() {
    let dir = demo();
    let cfg = dir.path().join("paybatch.toml");
    let mut text = std::fs::read_to_string(&cfg).unwrap_or_default();
    text.push_str("\n[limits]\ncsv_row_kb = 1\n");
    std::fs::write(&cfg, text).unwrap();
    let csv = dir.path().join("inputs/2026-01/考勤.csv");
    let mut rows = std::fs::read_to_string(&csv).unwrap_or_default();
    rows.push_str(&format!("E0001,{},0,0,0,0,0\n", "张".repeat(1000)));
    std::fs::write(&csv, rows).unwrap();
    let out = pb(dir.path(), &["validate", "-p", "2026-01", "--no-report"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("考勤.csv") && stderr(&out).contains("csv_row_kb"),
        "{}",
        stderr(&out)
    );
    // The default (4 MB) reads the same file.
    let text = std::fs::read_to_string(&cfg)
        .unwrap_or_default()
        .replace("csv_row_kb = 1", "csv_row_kb = 4096");
    std::fs::write(&cfg, text).unwrap();
    let out = pb(dir.path(), &["validate", "-p", "2026-01", "--no-report"]);
    assert_ne!(out.status.code(), Some(3), "{}", stderr(&out));
}

/// Truncated and bit-flipped workbooks: an error naming the file, never
/// panic text, whatever byte is hit.
#[test]
fn damaged_workbooks_never_print_panic_text() {
    let dir = demo();
    let good = std::fs::read(dir.path().join("inputs/2026-01/花名册.xlsx")).unwrap();
    let mut seed: u64 = 7;
    for i in 0..12 {
        let mut bytes = good.clone();
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        let at = (seed >> 33) as usize % bytes.len();
        if i % 3 == 0 {
            bytes.truncate(at.max(10));
        } else {
            bytes[at] ^= 0x5a;
        }
        replace_roster(dir.path(), &bytes);
        let out = paybatch()
            .args(["validate", "-p", "2026-01", "--no-report", "-w"])
            .arg(dir.path())
            .env("RUST_BACKTRACE", "1")
            .output()
            .unwrap();
        let err = stderr(&out);
        assert!(!err.contains("panicked") && !err.contains("stack backtrace"), "{err}");
        assert!(
            matches!(out.status.code(), Some(0..=3)),
            "{:?} {err}",
            out.status.code()
        );
    }
}

/// A huge one-cell value: findings are still written, the value cut.
#[test]
fn a_huge_value_is_cut_and_the_report_still_written() {
    let dir = demo();
    let month = dir.path().join("inputs/2026-01");
    let csv = month.join("考勤.csv");
    let mut text = std::fs::read_to_string(&csv).unwrap_or_default();
    text.push_str(&format!("{},张三,0,0,0,0,0\n", "9".repeat(200_000)));
    std::fs::write(&csv, text).unwrap();
    let out = pb(dir.path(), &["validate", "-p", "2026-01"]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(text.contains("字符)"), "{}", &text[..text.len().min(2000)]);
    assert!(text.len() < 50_000, "{} bytes printed", text.len());
    assert!(dir.path().join("reports/2026-01/findings.xlsx").is_file());
}

/// Names that a spreadsheet would run as formulas, and e-mail cells with a
/// second header or address, are findings; nothing reaches the uploads.
#[test]
fn formula_names_and_injected_mail_headers_are_refused() {
    for (header, value, code) in [
        ("姓名", "=1+1", "R022"),
        ("姓名", "+1+2", "R022"),
        ("姓名", "@SUM(A1)", "R022"),
        ("姓名", "=cmd|'/C'!A", "R022"),
        ("姓名", "-1+1", "R022"),
        ("部门", "=HYPERLINK(\"http://x\")", "R023"),
        ("电子邮箱", "e0001@example.com\r\nBcc: thief@evil.example", "R024"),
        ("电子邮箱", "a@example.com, b@example.com", "R024"),
    ] {
        let dir = demo();
        let month = dir.path().join("inputs/2026-01");
        let grids = paybatch::ingest::inputs::read_file(&month.join("花名册.xlsx"), "花名册.xlsx").unwrap();
        let mut rows: Vec<Vec<String>> = grids[0]
            .rows
            .iter()
            .map(|r| r.iter().map(paybatch::ingest::grid::Cell::display).collect())
            .collect();
        let h = rows.iter().position(|r| r.iter().any(|c| c == "工号")).unwrap_or(0);
        let c = rows[h]
            .iter()
            .position(|x| x == header)
            .unwrap_or_else(|| panic!("{header}"));
        rows[h + 1][c] = value.into();
        let mut w = csv::Writer::from_writer(Vec::new());
        for r in &rows {
            w.write_record(r).unwrap();
        }
        std::fs::remove_file(month.join("花名册.xlsx")).unwrap();
        std::fs::write(month.join("花名册.csv"), w.into_inner().unwrap()).unwrap();
        let out = pb(
            dir.path(),
            &["validate", "-p", "2026-01", "--format", "json", "--no-report"],
        );
        assert_eq!(out.status.code(), Some(1), "{value}");
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let found = doc["findings"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|f| f["code"] == code);
        assert!(found, "{value}: {}", stdout(&out));
        let run = pb(dir.path(), &["run", "-p", "2026-01"]);
        assert_eq!(run.status.code(), Some(1));
        assert!(!dir.path().join("ledger/2026-01").exists());
    }
}

/// The cron JSON of a run with bad IDs holds no full ID or card number.
#[test]
fn printed_findings_hold_no_full_id_or_card() {
    let dir = tempdir();
    let out = paybatch().arg("demo").arg("--messy").arg(dir.path()).output().unwrap();
    assert!(out.status.code().is_some());
    let re = regex::Regex::new(r"(^|[^0-9A-Za-z.])[0-9]{15,19}[0-9Xx]?([^0-9A-Za-z]|$)").unwrap();
    for args in [
        &["validate", "-p", "2026-03", "--format", "json", "--no-report"][..],
        &["validate", "-p", "2026-03", "--no-report"],
        &["run", "-p", "2026-03", "--format", "json"],
    ] {
        let out = pb(dir.path(), args);
        let all = format!("{}{}", stdout(&out), stderr(&out));
        assert!(!re.is_match(&all), "{args:?}: {:?}", re.find(&all));
        assert!(all.contains("**********"), "{args:?}: masked IDs shown");
    }
}

#[test]
fn gen_and_demo_refuse_a_folder_that_is_not_empty() {
    let dir = demo();
    let config = std::fs::read(dir.path().join("paybatch.toml")).unwrap_or_default();
    for args in [
        vec!["demo".to_string(), dir.path().display().to_string()],
        vec![
            "gen".into(),
            "-n".into(),
            "10".into(),
            "-p".into(),
            "2026-01".into(),
            "-o".into(),
            dir.path().display().to_string(),
        ],
    ] {
        let out = paybatch().args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains("--force"), "{}", stderr(&out));
        assert_eq!(
            std::fs::read(dir.path().join("paybatch.toml")).unwrap_or_default(),
            config
        );
    }
    let out = paybatch().args(["demo", "--force"]).arg(dir.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("--force"), "{}", stdout(&out));
}

#[cfg(unix)]
#[test]
fn reports_and_config_follow_the_umask() {
    use std::os::unix::fs::PermissionsExt;
    let dir = demo();
    let out = pb(dir.path(), &["validate", "-p", "2026-01"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    for f in ["reports/2026-01/findings.xlsx", "paybatch.toml"] {
        let mode = std::fs::metadata(dir.path().join(f))
            .map(|m| m.permissions().mode() & 0o777)
            .unwrap_or(0);
        assert_ne!(mode & 0o044, 0, "{f}: {mode:o} is private although the umask is not");
    }
}

/// A refused address is a finding and the rest are sent; a retry sends
/// only what was not sent, never a payslip twice.
#[test]
fn a_refused_address_does_not_stop_the_rest_and_a_retry_resumes() {
    let dir = demo();
    assert_eq!(pb(dir.path(), &["run", "-p", "2026-01"]).status.code(), Some(0));
    let cfg = dir.path().join("paybatch.toml");
    let original = std::fs::read_to_string(&cfg).unwrap_or_default();
    let with_port = |port: u16| {
        let text = original.replace(
            "# smtp = { host = \"127.0.0.1\", port = 25 }",
            &format!("smtp = {{ host = \"127.0.0.1\", port = {port} }}"),
        );
        std::fs::write(&cfg, text).unwrap();
    };
    // A relay that is not there: a mail error, not a spreadsheet one.
    with_port(1);
    let out = pb(dir.path(), &["payslips", "-p", "2026-01", "--send"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stderr(&out).contains("邮件服务器") && !stderr(&out).contains("Excel"),
        "{}",
        stderr(&out)
    );
    let sink = Sink::start(Relay {
        refuse: &["e0003@example.com"],
        ..Relay::PLAIN
    });
    with_port(sink.port);
    let out = pb(dir.path(), &["payslips", "-p", "2026-01", "--send", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["sent"], 55);
    assert_eq!(doc["refused"], 1);
    assert_eq!(doc["findings"][0]["code"], "M001");
    assert_eq!(sink.finish().len(), 55);
    // The retry: only the refused one goes again.
    let sink = Sink::start(Relay::PLAIN);
    with_port(sink.port);
    let out = pb(dir.path(), &["payslips", "-p", "2026-01", "--send", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (doc["sent"].as_u64(), doc["already_sent"].as_u64()),
        (Some(1), Some(55))
    );
    let again: Vec<String> = sink.finish().into_iter().map(|m| m.to).collect();
    assert_eq!(again, ["e0003@example.com"]);
}

/// A command-line mistake is explained in Chinese by default (clap's text
/// kept as detail), in English with --lang en; exit 2 either way.
#[test]
fn usage_errors_speak_the_users_language() {
    let out = paybatch().args(["run", "--period", "2026-13"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).starts_with("错误: 参数值无效"), "{}", stderr(&out));
    let out = paybatch()
        .args(["run", "--period", "2026-13", "--lang", "en"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).starts_with("error: invalid value"), "{}", stderr(&out));
}

/// A one-line CSV of many megabytes: refused naming the file and the
/// limit, not read as a giant employee ID.
#[test]
fn a_giant_one_line_csv_is_refused() {
    let dir = demo();
    let csv = dir.path().join("inputs/2026-01/考勤.csv");
    let mut text = std::fs::read_to_string(&csv).unwrap_or_default();
    text.push_str(&"9".repeat(6 << 20));
    text.push('\n');
    std::fs::write(&csv, text).unwrap();
    let out = pb(
        dir.path(),
        &["validate", "-p", "2026-01", "--no-report", "--lang", "en"],
    );
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("考勤.csv") && stderr(&out).contains("limit exceeded"),
        "{}",
        stderr(&out)
    );
    assert!(stdout(&out).len() < 10_000);
}

/// A workbook saved under a .csv name is read as the workbook it is.
#[test]
fn a_workbook_under_a_csv_name_is_read_as_a_workbook() {
    let dir = demo();
    let month = dir.path().join("inputs/2026-01");
    std::fs::rename(month.join("花名册.xlsx"), month.join("花名册.csv")).unwrap();
    let out = pb(dir.path(), &["validate", "-p", "2026-01", "--no-report"]);
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
}

/// Truncated and bit-flipped Parquet exports (a warehouse's files): an
/// error naming the file or findings, never panic text.
#[test]
fn damaged_parquet_never_prints_panic_text() {
    let dir = tempdir();
    let ws = dir.path().join("ws");
    let out = paybatch()
        .args([
            "gen",
            "--employees",
            "50",
            "--period",
            "2026-01",
            "--input-format",
            "parquet",
            "--out",
        ])
        .arg(&ws)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let file = ws.join("inputs/2026-01/花名册.parquet");
    let good = std::fs::read(&file).unwrap();
    let mut seed: u64 = 11;
    for i in 0..12 {
        let mut bytes = good.clone();
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        let at = (seed >> 33) as usize % bytes.len();
        if i % 3 == 0 {
            bytes.truncate(at.max(8));
        } else {
            bytes[at] ^= 0x5a;
        }
        std::fs::write(&file, &bytes).unwrap();
        let out = paybatch()
            .args(["validate", "-p", "2026-01", "--no-report", "-w"])
            .arg(&ws)
            .env("RUST_BACKTRACE", "1")
            .output()
            .unwrap();
        let err = stderr(&out);
        assert!(!err.contains("panicked") && !err.contains("stack backtrace"), "{err}");
        assert!(
            matches!(out.status.code(), Some(0..=3)),
            "{:?} {err}",
            out.status.code()
        );
    }
}
