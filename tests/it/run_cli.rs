//! `run`, `explain` and `rules check` through the binary.

use crate::calc_sta::{read_results, test_workspace, write_month};
use crate::util::{paybatch, stderr, stdout, tempdir};

#[test]
fn run_json_summary_for_schedulers() {
    let dir = tempdir();
    test_workspace(dir.path());
    write_month(dir.path(), "2026-01", &[("S1", 10000, 1000), ("S2", 30000, 2000)]);
    let out = paybatch()
        .args(["run", "-p", "2026-01", "--format", "json", "-w"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["status"], "ok");
    assert_eq!(doc["employees"], 2);
    assert_eq!(doc["totals"]["total_pay"], "40000.00");
    assert_eq!(doc["totals"]["si_employee"], "6000.00");
    assert_eq!(doc["totals"]["iit"], "630.00");
    assert_eq!(doc["totals"]["net"], "33370.00");
    let outputs = doc["outputs"].as_array().cloned().unwrap_or_default();
    assert_eq!(outputs.len(), 9);
    assert_eq!(outputs[0]["sha256"].as_str().map(str::len), Some(64));
}

#[test]
fn dry_run_writes_nothing_and_blocking_findings_write_nothing() {
    let dir = tempdir();
    test_workspace(dir.path());
    write_month(dir.path(), "2026-01", &[("S1", 10000, 1000)]);
    let out = paybatch()
        .args(["run", "-p", "2026-01", "--dry-run", "-w"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stdout(&out).contains("2026-01 计算: 1 人, 应发合计 10000.00"),
        "{}",
        stdout(&out)
    );
    assert!(!dir.path().join("ledger").exists());

    // A blocking finding: a city without rules.
    let roster = dir.path().join("inputs/2026-01/花名册.csv");
    let text = std::fs::read_to_string(&roster)
        .unwrap_or_default()
        .replace("测试市", "火星");
    std::fs::write(&roster, text).unwrap();
    let out = paybatch()
        .args(["run", "-p", "2026-01", "-w"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("参保城市「火星」没有社保规则"),
        "{}",
        stdout(&out)
    );
    assert!(!dir.path().join("ledger").exists());
}

#[test]
fn explain_traces_every_figure_with_rule_and_rounding() {
    let dir = tempdir();
    test_workspace(dir.path());
    write_month(dir.path(), "2026-01", &[("S1", 10000, 1000)]);
    write_month(dir.path(), "2026-02", &[("S1", 10000, 1000)]);
    for p in ["2026-01", "2026-02"] {
        paybatch()
            .args(["run", "-p", p, "-w"])
            .arg(dir.path())
            .assert()
            .success();
    }
    let out = paybatch()
        .args(["explain", "-p", "2026-02", "-e", "S1", "-w"])
        .arg(dir.path())
        .output()
        .unwrap();
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(text.contains("养老保险个人 = 800"), "{text}");
    assert!(
        text.contains("规则: rules/social/testcity.toml#item.pension (valid_from 2019-01-01)"),
        "{text}"
    );
    assert!(text.contains("本期预扣个税(工资) = 75"), "{text}");
    assert!(text.contains("cumulative_income = 20000"), "{text}");
    assert!(text.contains("prior_withheld = 75"), "{text}");
    // Nothing was rounded: no rounding line says `800 → 800`.
    assert!(!text.contains("舍入:"), "{text}");

    let json = paybatch()
        .args([
            "explain", "-p", "2026-02", "-e", "S1", "--format", "json", "--lang", "en", "-w",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(doc["employee"]["iit"], "75.00");
    assert!(doc["trace"].as_array().is_some_and(|t| t.len() > 10));

    let missing = paybatch()
        .args(["explain", "-p", "2026-02", "-e", "NOPE", "-w"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(2));
    let rows = read_results(dir.path(), "2026-02");
    assert_eq!(rows["S1"]["ytd_tax_withheld"], "150.00");

    // A wage of 10,001: SI/HF 800.08 + 200.02 + 500.05; cumulative taxable
    // 5,000 + 2,500.85, tax 225.0255 → 225.03 cumulative, 75.03 this
    // month. The rounding is the cumulative tax's, named as such.
    write_month(dir.path(), "2026-03", &[("S1", 10001, 1000)]);
    paybatch()
        .args(["run", "-p", "2026-03", "-w"])
        .arg(dir.path())
        .assert()
        .success();
    let out = paybatch()
        .args(["explain", "-p", "2026-03", "-e", "S1", "--lang", "en", "-w"])
        .arg(dir.path())
        .output()
        .unwrap();
    let text = stdout(&out);
    assert!(text.contains("IIT withheld (wages) = 75.03"), "{text}");
    assert!(
        text.contains("rounding: cumulative_tax 225.0255 → 225.03 (half-up to fen)"),
        "{text}"
    );
    assert!(text.contains("Pension (employee) = 800.08"), "{text}");
}

#[test]
fn bad_formula_names_file_and_line() {
    let dir = tempdir();
    paybatch::demo::write_workspace(dir.path()).unwrap();
    let comp = dir.path().join("rules/payroll/components.toml");
    let text = std::fs::read_to_string(&comp)
        .unwrap_or_default()
        .replace("expr = \"if(unpaid_leave_days", "expr = \"iff(unpaid_leave_days");
    let line = text.lines().position(|l| l.contains("iff(")).map_or(0, |i| i + 1);
    std::fs::write(&comp, text).unwrap();
    let out = paybatch()
        .args(["run", "-p", "2026-01", "--lang", "en", "-w"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(line > 0);
    assert!(
        err.contains(&format!("rules/payroll/components.toml, line {line}")),
        "{err}"
    );
    assert!(err.contains("unknown function `iff`"), "{err}");
}

#[test]
fn rules_check_is_clean_for_builtins_and_lists_unconfirmed() {
    let out = paybatch()
        .args(["rules", "check", "--period", "2026-03", "--lang", "en", "-w"])
        .arg(tempdir().path())
        .output()
        .unwrap();
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("0 errors"), "{text}");
    assert!(text.contains("[K009] warning"), "{text}");
    assert!(text.contains("item.work_injury"), "{text}");

    let dir = tempdir();
    paybatch::demo::write_workspace(dir.path()).unwrap();
    let bj = dir.path().join("rules/social/beijing.toml");
    let text = std::fs::read_to_string(&bj).unwrap_or_default().replacen(
        "valid_to = 2025-06-30\nfloor = 6821",
        "valid_to = 2025-05-31\nfloor = 6821",
        1,
    );
    std::fs::write(&bj, text).unwrap();
    let out = paybatch()
        .args(["rules", "check", "--lang", "en", "-w"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("base.si: no rule between 2025-05-31 and 2025-07-01"),
        "{}",
        stdout(&out)
    );
}
