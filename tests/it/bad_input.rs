//! Bad files give exit 2 or 3 and one clear line (zh by default, en on
//! request), never a panic.

use std::path::Path;

use crate::util::{paybatch, stderr, tempdir};

/// A clean demo workspace with `inputs/2026-03/花名册.xlsx` replaced.
fn workspace_with_roster(name: &str, bytes: &[u8]) -> tempfile::TempDir {
    let dir = tempdir();
    paybatch::demo::write_workspace(dir.path()).unwrap();
    let month = dir.path().join("inputs/2026-03");
    std::fs::remove_file(month.join("花名册.xlsx")).unwrap();
    std::fs::write(month.join(name), bytes).unwrap();
    dir
}

fn validate(ws: &Path, lang: &str) -> (Option<i32>, String) {
    let out = paybatch()
        .args(["validate", "-p", "2026-03", "--no-report", "--lang", lang, "-w"])
        .arg(ws)
        .output()
        .unwrap();
    (out.status.code(), stderr(&out))
}

#[test]
fn corrupt_xlsx() {
    let dir = workspace_with_roster("花名册.xlsx", b"PK\x03\x04 this is not a zip");
    let (code, err) = validate(dir.path(), "zh");
    assert_eq!(code, Some(3));
    assert!(err.starts_with("错误: 无法打开表格 花名册.xlsx"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

/// A real workbook cut short, read from disk through a buffer: a clear
/// error naming the file, never a panic.
#[test]
fn truncated_xlsx_from_disk() {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in ["工号", "姓名", "入职日期"].iter().enumerate() {
        ws.write(0, c as u16, *h).unwrap();
    }
    for r in 1..200u32 {
        ws.write(r, 0, format!("G{r:04}")).unwrap();
        ws.write(r, 1, "张三").unwrap();
    }
    let bytes = wb.save_to_buffer().unwrap();
    for cut in [bytes.len() / 2, bytes.len() - 30] {
        let dir = workspace_with_roster("花名册.xlsx", &bytes[..cut]);
        let (code, err) = validate(dir.path(), "en");
        assert_eq!(code, Some(3), "cut at {cut}: {err}");
        assert!(err.starts_with("error: cannot open spreadsheet 花名册.xlsx"), "{err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}

/// A Parquet file with valid magic bytes and a garbage footer, and one cut
/// short: each is a clear error naming the file, never a panic.
#[test]
fn corrupt_parquet() {
    let mut garbage = b"PAR1".to_vec();
    garbage.extend_from_slice(&[0x15, 0x04, 0x15, 0xFF, 0x7F, 0x00, 0x01]);
    garbage.extend_from_slice(&40u32.to_le_bytes());
    garbage.extend_from_slice(b"PAR1");
    for bytes in [&garbage[..], b"PAR1", b"not parquet at all"] {
        let dir = workspace_with_roster("花名册.parquet", bytes);
        let (code, err) = validate(dir.path(), "en");
        assert_eq!(code, Some(3), "{err}");
        assert!(
            err.starts_with("error: cannot open spreadsheet 花名册.parquet"),
            "{err}"
        );
        assert!(!err.contains("panicked"), "{err}");
    }
}

#[test]
fn empty_file() {
    let dir = workspace_with_roster("花名册.xlsx", b"");
    let (code, err) = validate(dir.path(), "en");
    assert_eq!(code, Some(3));
    assert!(err.starts_with("error: cannot open spreadsheet 花名册.xlsx"), "{err}");
}

#[test]
fn wrong_extension() {
    let dir = workspace_with_roster("花名册.docx", b"whatever");
    let (code, err) = validate(dir.path(), "zh");
    assert_eq!(code, Some(3));
    assert!(err.contains("不支持的文件类型: 花名册.docx"), "{err}");
}

#[test]
fn password_protected_workbook() {
    // Encrypted xlsx files are OLE compound documents, not zips.
    // Their directory names the EncryptionInfo stream (UTF-16LE).
    let mut bytes = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1".to_vec();
    bytes.resize(1024, 0);
    bytes.extend("EncryptionInfo".encode_utf16().flat_map(u16::to_le_bytes));
    bytes.resize(4096, 0);
    let dir = workspace_with_roster("花名册.xlsx", &bytes);
    let (code, err) = validate(dir.path(), "zh");
    assert_eq!(code, Some(3));
    assert!(err.contains("设有打开密码"), "{err}");
    assert!(err.contains("提示:"), "{err}");
}

#[test]
fn csv_neither_utf8_nor_gbk() {
    let dir = workspace_with_roster("花名册.csv", &[0x81, 0x20, 0xFF, 0xFE, 0x80, b'\n']);
    let (code, err) = validate(dir.path(), "en");
    assert_eq!(code, Some(3));
    assert!(err.contains("neither UTF-8 nor GBK"), "{err}");
}

#[test]
fn gbk_csv_roster_is_read() {
    let text = "工号,姓名,证件号码,参保城市,入职日期,基本工资,银行卡号\r\nG001,张三,11010519491231002X,北京,2020/1/1,\"12,000\",6222020200112233446\r\n";
    let (gbk, _, _) = encoding_rs::GBK.encode(text);
    let dir = workspace_with_roster("花名册.csv", &gbk);
    let out = paybatch()
        .args(["validate", "-p", "2026-03", "--no-report", "--format", "json", "-w"])
        .arg(dir.path())
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let roster = doc["files"]
        .as_array()
        .and_then(|f| f.iter().find(|f| f["kind"] == "roster").cloned())
        .unwrap_or_default();
    assert_eq!(roster["rows"], 1);
    assert_eq!(roster["file"], "花名册.csv");
}

#[test]
fn missing_sheet_names_the_choices() {
    let dir = tempdir();
    paybatch::demo::write_workspace(dir.path()).unwrap();
    let cfg = dir.path().join("paybatch.toml");
    let mut text = std::fs::read_to_string(&cfg).unwrap_or_default();
    text.push_str("\n[inputs.roster]\nfile = \"花名册.xlsx\"\nsheet = \"离职\"\n");
    std::fs::write(&cfg, text).unwrap();
    let (code, err) = validate(dir.path(), "zh");
    assert_eq!(code, Some(3));
    assert!(err.contains("没有名为「离职」的工作表, 现有: 在职"), "{err}");
}

#[test]
fn rule_file_typo_names_file_line_and_key() {
    let dir = tempdir();
    paybatch::demo::write_workspace(dir.path()).unwrap();
    let rule = dir.path().join("rules/validation/roster.toml");
    let text =
        std::fs::read_to_string(&rule)
            .unwrap_or_default()
            .replacen("severity = \"error\"", "severty = \"error\"", 1);
    std::fs::write(&rule, text).unwrap();
    let (code, err) = validate(dir.path(), "en");
    assert_eq!(code, Some(2));
    assert!(err.contains("rules/validation/roster.toml, line 9"), "{err}");
    assert!(err.contains("severty"), "{err}");
}

#[test]
fn not_a_workspace_is_a_usage_error() {
    let dir = tempdir();
    let (code, err) = validate(dir.path(), "zh");
    assert_eq!(code, Some(2));
    assert!(err.contains("不是 paybatch 工作区"), "{err}");
}

#[test]
fn bad_period_is_a_usage_error() {
    let out = paybatch().args(["validate", "-p", "2026-13"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}
