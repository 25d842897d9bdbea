//! `demo` and `validate` end to end: the demo months are clean, the messy
//! workspace yields exactly its planted findings.

use crate::util::{paybatch, stdout, tempdir};

#[test]
fn demo_validates_clean_and_computes_three_months() {
    let dir = tempdir();
    let out = paybatch().arg("demo").arg(dir.path()).output().unwrap();
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    for month in ["2026-01", "2026-02", "2026-03"] {
        // The four warnings: figures the demo cities' rules mark unconfirmed (C017).
        assert!(text.contains(&format!("{month} 校验: 0 个错误, 4 个警告")), "{text}");
        let sealed = dir.path().join("ledger").join(month).join("sealed-v1");
        assert!(sealed.join("outputs/results.csv").is_file());
        assert!(sealed.join("outputs/register.xlsx").is_file());
        assert!(text.contains(&format!("{month} 关账: 封存第 1 版")), "{text}");
        assert!(text.contains(&format!("{month} 审计: 逐字节一致")), "{text}");
    }
    assert!(text.contains("2026-01 计算: 56 人, 应发合计 1917248.27"), "{text}");
    assert!(text.contains("2026-02 计算: 58 人"), "{text}");
    assert!(text.contains("2026-03 计算: 59 人"), "{text}");
}

/// A month computed on figures no official text confirms says so: one
/// warning per figure, naming the city file and the employees touched.
#[test]
fn a_month_on_unconfirmed_figures_says_so() {
    let dir = tempdir();
    paybatch::demo::write_workspace(dir.path()).unwrap();
    let out = crate::util::pb(dir.path(), &["run", "-p", "2026-01", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let c017: Vec<&serde_json::Value> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "C017")
        .collect();
    let files: Vec<&str> = c017.iter().map(|f| f["file"].as_str().unwrap_or("")).collect();
    assert_eq!(
        files,
        [
            "rules/social/beijing.toml",
            "rules/social/beijing.toml",
            "rules/social/beijing.toml",
            "rules/social/shanghai.toml"
        ],
        "{c017:?}"
    );
    assert!(c017.iter().all(|f| f["severity"] == "warning"));
    let hf = c017
        .iter()
        .find(|f| {
            f["message"]
                .as_str()
                .unwrap_or("")
                .contains("公积金 基数上下限 2540–35811")
        })
        .unwrap_or_else(|| panic!("{c017:?}"));
    assert!(hf["message"].as_str().unwrap_or("").contains("人按此计算"), "{hf}");
    // Confirmed, the warning goes.
    let file = dir.path().join("rules/social/shanghai.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, text.replace("unconfirmed = true", "unconfirmed = false")).unwrap();
    let out = crate::util::pb(dir.path(), &["run", "-p", "2026-01", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let left = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "C017")
        .count();
    assert_eq!(left, 3);
}

fn messy_workspace() -> tempfile::TempDir {
    let dir = tempdir();
    paybatch::demo::messy::write(dir.path()).unwrap();
    dir
}

#[test]
fn messy_findings_are_exact() {
    let dir = messy_workspace();
    let out = paybatch()
        .args(["--lang", "en", "--format", "json", "validate", "--period", "2026-03"])
        .arg("--workspace")
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let lines: Vec<String> = doc["findings"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|f| {
                    format!(
                        "{}!{}!{} {} {} {}",
                        f["file"].as_str().unwrap_or(""),
                        f["sheet"].as_str().unwrap_or(""),
                        f["cell"].as_str().unwrap_or(""),
                        f["code"].as_str().unwrap_or(""),
                        f["severity"].as_str().unwrap_or(""),
                        f["message"].as_str().unwrap_or("")
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    insta::assert_snapshot!(lines.join("\n"));
    assert_eq!(doc["errors"], 23);
    assert_eq!(doc["warnings"], 3);
}

#[test]
fn messy_text_report_is_chinese_by_default_and_writes_xlsx() {
    let dir = messy_workspace();
    let out = paybatch()
        .args(["validate", "-p", "2026-03", "-w"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.contains("花名册.xlsx!在职!D5  身份证号码 1101**********0021 无效: 校验位不符"),
        "{text}"
    );
    assert!(text.contains("共 23 个错误, 3 个警告"), "{text}");

    // The xlsx report lists every finding and is byte-identical on a rerun.
    let report = dir.path().join("reports/2026-03/findings.xlsx");
    let first = std::fs::read(&report).unwrap();
    let mut wb = calamine::open_workbook_auto(&report).unwrap();
    use calamine::Reader;
    let names = wb.sheet_names();
    assert_eq!(names[0], "问题清单");
    assert!(names.iter().any(|n| n == "花名册-在职"), "{names:?}");
    let list = wb.worksheet_range("问题清单").unwrap();
    assert_eq!(list.height(), 27, "header + 26 findings");
    paybatch()
        .args(["validate", "-p", "2026-03", "-w"])
        .arg(dir.path())
        .output()
        .unwrap();
    let second = std::fs::read(&report).unwrap();
    assert!(first == second, "report bytes differ between runs");
}

#[test]
fn init_then_validate_is_clean_and_init_refuses_twice() {
    let dir = tempdir();
    let ws = dir.path().join("ws");
    let out = paybatch().arg("init").arg(&ws).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(ws.join("rules/validation/roster.toml").is_file());
    let out = paybatch()
        .args(["validate", "-p", "2026-01", "--no-report", "-w"])
        .arg(&ws)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    // March before January and February have run: what `run` would block
    // on (C006) is reported by `validate` already.
    let out = paybatch()
        .args(["validate", "-p", "2026-03", "--no-report", "-w"])
        .arg(&ws)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(stdout(&out).contains("C006"), "{}", stdout(&out));
    let again = paybatch().arg("init").arg(&ws).output().unwrap();
    assert_eq!(again.status.code(), Some(2));
}

#[test]
fn identifiers_are_masked_in_logs() {
    let dir = messy_workspace();
    let out = paybatch()
        .args(["-vv", "validate", "-p", "2026-03", "--no-report", "-w"])
        .arg(dir.path())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("1101**********0021"), "{err}");
    assert!(
        !err.contains("110105194912310021"),
        "full ID leaked into the log: {err}"
    );
}
