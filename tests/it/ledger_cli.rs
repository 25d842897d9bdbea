//! The ledger through the binary: close/reopen/audit/diff, the lock, retro
//! pay through the cumulative formula, and crash safety under SIGKILL.

use std::path::Path;
use std::time::Duration;

use crate::calc_sta::{read_results, test_workspace, write_month};
use crate::util::{pb, stderr, stdout, tempdir};

fn sta_ws(months: u32) -> tempfile::TempDir {
    let dir = tempdir();
    test_workspace(dir.path());
    for m in 1..=months {
        write_month(
            dir.path(),
            &format!("2026-{m:02}"),
            &[("S1", 10000, 1000), ("S2", 30000, 2000)],
        );
    }
    dir
}

#[test]
fn closed_period_is_read_only_and_audit_passes_on_another_machine() {
    let dir = sta_ws(1);
    let ws = dir.path();
    assert_eq!(pb(ws, &["run", "-p", "2026-01"]).status.code(), Some(0));
    let out = pb(ws, &["close", "-p", "2026-01"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).contains("2026-01 已关账封存 (第 1 版"), "{}", stdout(&out));

    let again = pb(ws, &["run", "-p", "2026-01"]);
    assert_eq!(again.status.code(), Some(5));
    assert!(stderr(&again).contains("期间 2026-01 已关账"), "{}", stderr(&again));
    assert!(stderr(&again).contains("paybatch reopen"), "{}", stderr(&again));
    assert_eq!(pb(ws, &["close", "-p", "2026-01"]).status.code(), Some(5));

    let audit = pb(ws, &["audit", "-p", "2026-01"]);
    assert_eq!(audit.status.code(), Some(0), "{}", stdout(&audit));
    assert!(stdout(&audit).contains("审计通过"), "{}", stdout(&audit));

    // "A second machine": copy the whole workspace elsewhere and audit there.
    let other = tempdir();
    copy_dir(ws, other.path());
    let audit = pb(other.path(), &["audit", "-p", "2026-01", "--format", "json"]);
    assert_eq!(audit.status.code(), Some(0), "{}", stdout(&audit));
    let doc: serde_json::Value = serde_json::from_slice(&audit.stdout).unwrap();
    assert_eq!(doc["ok"], true);
    assert_eq!(doc["compared_outputs"].as_array().map(Vec::len), Some(9));
}

#[test]
fn editing_a_sealed_input_fails_the_audit_naming_the_file() {
    let dir = sta_ws(1);
    let ws = dir.path();
    assert_eq!(pb(ws, &["close", "-p", "2026-01"]).status.code(), Some(0));
    let sealed = ws.join("ledger/2026-01/sealed-v1/inputs/2026-01/花名册.csv");
    let text = std::fs::read_to_string(&sealed)
        .unwrap_or_default()
        .replace(",10000,", ",12000,");
    std::fs::write(&sealed, text).unwrap();
    let out = pb(ws, &["audit", "-p", "2026-01", "--lang", "en"]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("sealed file inputs/2026-01/花名册.csv was changed (sha256 differs)"),
        "{text}"
    );
    // The recomputation from the edited input shows the employee and figure.
    assert!(
        text.contains("S1 base_salary: sealed 10000.00, recomputed 12000.00"),
        "{text}"
    );
    assert!(text.contains("audit FAILED"), "{text}");
}

#[test]
fn reopen_close_and_diff_show_what_changed() {
    let dir = sta_ws(1);
    let ws = dir.path();
    assert_eq!(pb(ws, &["close", "-p", "2026-01"]).status.code(), Some(0));
    assert_eq!(
        pb(ws, &["reopen", "-p", "2026-01", "--reason", ""]).status.code(),
        Some(2)
    );
    let out = pb(ws, &["reopen", "-p", "2026-01", "--reason", "S1 调薪漏录"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    write_month(ws, "2026-01", &[("S1", 11000, 1000), ("S2", 30000, 2000)]);
    assert_eq!(pb(ws, &["close", "-p", "2026-01"]).status.code(), Some(0));
    assert!(
        ws.join("ledger/2026-01/sealed-v1/manifest.json").is_file(),
        "v1 is kept"
    );
    let out = pb(ws, &["diff", "-p", "2026-01", "--lang", "en"]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("S1  base_salary: 10000.00 → 11000.00"), "{text}");
    // 11,000 × 15% = 1,650 special; taxable 11000 − 5000 − 1650 − 1000 = 3350 → 100.50.
    assert!(text.contains("S1  iit: 75.00 → 100.50"), "{text}");
    assert!(!text.contains("S2 "), "{text}");
    assert!(text.contains("version 1 → 2"), "{text}");
    let log = std::fs::read_to_string(ws.join("ledger/log.jsonl")).unwrap_or_default();
    let events: Vec<serde_json::Value> = log.lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
    assert_eq!(events.len(), 3);
    assert_eq!(events[1]["event"], "reopen");
    assert_eq!(events[1]["reason"], "S1 调薪漏录");
    assert_eq!(events[1]["manifest_sha256"], events[0]["manifest_sha256"]);
    assert_eq!(events[2]["version"], 2);
}

#[test]
fn retro_line_in_march_for_january_flows_through_march_tax() {
    let dir = sta_ws(3);
    let ws = dir.path();
    std::fs::write(
        ws.join("inputs/2026-03/变动项.csv"),
        "工号,姓名,项目,金额,所属期,备注\nS1,测试0,补发工资,1200,2026-01,1月加班费\n",
    )
    .unwrap();
    for p in ["2026-01", "2026-02", "2026-03"] {
        let out = pb(ws, &["run", "-p", p]);
        assert_eq!(out.status.code(), Some(0), "{p}: {}", stdout(&out));
    }
    let march = read_results(ws, "2026-03");
    // Cumulative income 31,200 − 15,000 − 4,500 − 3,000 = 8,700 → 261; less 150 withheld.
    assert_eq!(march["S1"]["retro"], "1200.00");
    assert_eq!(march["S1"]["iit"], "111.00");
    assert_eq!(march["S1"]["ytd_income"], "31200.00");
    assert_eq!(march["S1"]["net"], "9589.00");
}

#[test]
fn a_month_without_its_predecessors_is_refused() {
    let dir = sta_ws(3);
    let out = pb(dir.path(), &["run", "-p", "2026-03", "--lang", "en"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("only 0 of the 2 earlier periods of 2026 have results"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn a_second_run_gets_exit_4_and_a_stale_lock_does_not_block() {
    let dir = sta_ws(1);
    let ws = paybatch::workspace::Workspace::open(dir.path()).unwrap();
    let held = paybatch::ledger::lock::acquire(&ws)
        .unwrap()
        .unwrap_or_else(|l| panic!("locked: {}", l.holder));
    let out = pb(dir.path(), &["run", "-p", "2026-01"]);
    assert_eq!(out.status.code(), Some(4));
    let err = stderr(&out);
    assert!(err.contains(&format!("pid={}", std::process::id())), "{err}");
    assert!(err.contains("started=20"), "{err}");
    // Read-only verbs do not need the lock.
    assert_eq!(
        pb(dir.path(), &["validate", "-p", "2026-01", "--no-report"])
            .status
            .code(),
        Some(0)
    );
    drop(held);
    // A lock file left by a process that died holds no OS lock: not stale-blocking.
    std::fs::write(
        dir.path().join("paybatch.lock"),
        "pid=999999 started=2026-01-01T00:00:00Z\n",
    )
    .unwrap();
    assert_eq!(pb(dir.path(), &["run", "-p", "2026-01"]).status.code(), Some(0));
}

pub(crate) fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// After a kill, the ledger is the old state or the new one: the state
/// pointer parses and names a complete folder (a sealed one verifies).
fn assert_consistent(ws: &Path, period: &str) {
    let state_path = ws.join("ledger").join(period).join("state.json");
    if !state_path.exists() {
        return;
    }
    let text = std::fs::read_to_string(&state_path).unwrap_or_default();
    let state: serde_json::Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("state.json half-written: {e}: {text:?}"));
    let Some(dir) = state["dir"].as_str() else { return };
    let dir = ws.join("ledger").join(period).join(dir);
    if state["status"] == "closed" {
        let out = pb(ws, &["audit", "-p", period]);
        assert_eq!(out.status.code(), Some(0), "sealed package broken: {}", stdout(&out));
    } else {
        let results = std::fs::read(dir.join("results.csv")).unwrap_or_else(|e| panic!("draft missing: {e}"));
        let n = csv::Reader::from_reader(results.as_slice()).records().count();
        assert_eq!(n, 59, "draft results complete");
        assert!(dir.join("register.xlsx").is_file());
    }
}

#[test]
fn sigkill_during_run_and_close_leaves_old_or_new_state() {
    let base = tempdir();
    paybatch::demo::write_workspace(base.path()).unwrap();
    for p in ["2026-01", "2026-02"] {
        assert_eq!(pb(base.path(), &["close", "-p", p]).status.code(), Some(0));
    }
    // Time one uninterrupted run to spread the kills over it.
    let probe = tempdir();
    copy_dir(base.path(), probe.path());
    let started = std::time::Instant::now();
    assert_eq!(pb(probe.path(), &["close", "-p", "2026-03"]).status.code(), Some(0));
    let span = started.elapsed().as_micros().max(1000) as u64;

    let mut seed: u64 = 0x2026_0301;
    let mut killed = 0;
    for i in 0..24 {
        let ws = tempdir();
        copy_dir(base.path(), ws.path());
        let verb = if i % 2 == 0 { "run" } else { "close" };
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_paybatch"))
            .args([verb, "-p", "2026-03", "-q", "-w"])
            .arg(ws.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        std::thread::sleep(Duration::from_micros((seed >> 33) % span));
        if child.try_wait().ok().flatten().is_none() {
            killed += 1;
        }
        let _ = child.kill(); // SIGKILL on Unix
        let _ = child.wait();
        // The next command that takes the lock finishes an interrupted
        // close (forward past its log record, back before it).
        let _ = pb(ws.path(), &["audit", "--year", "2026"]);
        assert_consistent(ws.path(), "2026-03");
        // The next run always succeeds, and a close after it audits clean.
        let state = std::fs::read_to_string(ws.path().join("ledger/2026-03/state.json")).unwrap_or_default();
        if !state.contains("closed") {
            let out = pb(ws.path(), &["close", "-p", "2026-03"]);
            assert_eq!(out.status.code(), Some(0), "close after kill: {}", stderr(&out));
        }
        assert_eq!(pb(ws.path(), &["audit", "-p", "2026-03"]).status.code(), Some(0));
    }
    assert!(killed > 0, "no process was killed mid-way; the test proved nothing");
}

#[test]
fn opening_balances_start_a_company_mid_year() {
    // A company moving to paybatch in March: January and February come from
    // the 期初累计 file instead of the ledger.
    let dir = tempdir();
    test_workspace(dir.path());
    write_month(dir.path(), "2026-03", &[("S2", 30000, 2000)]);
    std::fs::write(
        dir.path().join("inputs/2026-03/期初累计.csv"),
        "工号,姓名,累计月数,累计收入,累计免税收入,累计减除费用,累计专项扣除,累计专项附加扣除,累计其他扣除,累计已预扣税额\n\
         S2,测试0,2,60000,0,10000,9000,4000,0,1180\n",
    )
    .unwrap();
    let out = pb(dir.path(), &["run", "-p", "2026-03"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let rows = read_results(dir.path(), "2026-03");
    // STA example 2, March: 55,500 × 10% − 2,520 − 1,180 = 1,850.
    assert_eq!(rows["S2"]["iit"], "1850.00");
    assert_eq!(rows["S2"]["ytd_months"], "3");
    assert_eq!(rows["S2"]["ytd_basic"], "15000.00");
    assert_eq!(rows["S2"]["ytd_tax_withheld"], "3030.00");
}
