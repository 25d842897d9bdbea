//! The ledger an auditor relies on: the chain of months, the commit
//! protocol of close and reopen under a crash at every step, tamper
//! evidence between package, state and log, lost state, inputs that change
//! or point elsewhere, and who did what.

use std::path::Path;

use crate::ledger_cli::copy_dir;
use crate::util::{pb, stderr, stdout, tempdir};

fn demo() -> tempfile::TempDir {
    let dir = tempdir();
    paybatch::demo::write_workspace(dir.path()).unwrap();
    dir
}

fn ok(ws: &Path, args: &[&str]) -> String {
    let out = pb(ws, args);
    assert_eq!(out.status.code(), Some(0), "{args:?}: {}{}", stdout(&out), stderr(&out));
    stdout(&out)
}

fn code(ws: &Path, args: &[&str]) -> (Option<i32>, String) {
    let out = pb(ws, args);
    (out.status.code(), format!("{}{}", stdout(&out), stderr(&out)))
}

/// `paybatch log --format json`: the records and whether the chain holds.
fn log(ws: &Path) -> (Vec<serde_json::Value>, bool) {
    let out = pb(ws, &["log", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    (
        doc["records"].as_array().cloned().unwrap_or_default(),
        doc["chain_ok"] == true,
    )
}

fn state(ws: &Path, period: &str) -> serde_json::Value {
    let text = std::fs::read_to_string(ws.join("ledger").join(period).join("state.json")).unwrap_or_default();
    serde_json::from_str(&text).unwrap_or(serde_json::Value::Null)
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// After a restart: the period's state is closed or a draft, and agrees
/// with the log; every sealed version has its close record; versions run
/// 1..n without a gap; nothing half-written is left; the log's chain holds.
fn assert_invariants(ws: &Path, period: &str, context: &str) {
    let dir = ws.join("ledger").join(period);
    let st = state(ws, period);
    let (records, chain_ok) = log(ws);
    assert!(chain_ok, "{context}: log chain broken");
    let leftovers: Vec<String> = names_in(&dir)
        .into_iter()
        .filter(|n| n.starts_with(".partial-") || n.starts_with(".tmp") || n == "intent.json")
        .collect();
    assert!(leftovers.is_empty(), "{context}: left behind {leftovers:?}");
    let mut versions: Vec<u64> = names_in(&dir)
        .iter()
        .filter_map(|n| n.strip_prefix("sealed-v")?.parse().ok())
        .collect();
    versions.sort_unstable();
    assert_eq!(
        versions,
        (1..=versions.len() as u64).collect::<Vec<_>>(),
        "{context}: version gap"
    );
    for v in &versions {
        assert!(
            records
                .iter()
                .any(|r| r["event"] == "close" && r["period"] == period && r["version"] == *v),
            "{context}: sealed-v{v} has no close record"
        );
    }
    let ours: Vec<&serde_json::Value> = records
        .iter()
        .filter(|r| r["period"] == period && matches!(r["event"].as_str(), Some("close" | "reopen")))
        .collect();
    match st["status"].as_str() {
        Some("closed") => {
            let last = ours
                .last()
                .unwrap_or_else(|| panic!("{context}: closed without a close record"));
            assert_eq!(last["event"], "close", "{context}");
            assert_eq!(last["version"], st["version"], "{context}");
            assert_eq!(last["manifest_sha256"], st["manifest_sha256"], "{context}");
            let (c, out) = code(ws, &["audit", "-p", period]);
            assert_eq!(c, Some(0), "{context}: {out}");
        }
        Some("draft") => {
            assert!(
                ours.last().is_none_or(|r| r["event"] == "reopen"),
                "{context}: draft but last record {ours:?}"
            );
        }
        // Never run before, and still not: the old state.
        None => assert!(
            ours.is_empty() && versions.is_empty(),
            "{context}: no state but {ours:?}"
        ),
        other => panic!("{context}: state {other:?}"),
    }
}

/// A crash at every step of close and reopen, and a full disk at some:
/// after the next command the period is in its old or its new state with
/// the log record that explains it, and nothing is orphaned.
#[test]
fn a_crash_at_every_step_of_close_and_reopen_leaves_old_or_new() {
    let base = demo();
    for p in ["2026-01", "2026-02"] {
        ok(base.path(), &["close", "-p", p]);
    }
    let closed = tempdir();
    copy_dir(base.path(), closed.path());
    ok(closed.path(), &["close", "-p", "2026-03"]);
    let points = [
        ("close", "close:copy"),
        ("close", "close:snapshot"),
        ("close", "close:intent"),
        ("close", "close:before-rename"),
        ("close", "close:renamed"),
        ("close", "log:append"),
        ("close", "close:logged"),
        ("close", "close:state"),
        ("close", "close:cleared"),
        ("reopen", "reopen:intent"),
        ("reopen", "log:append"),
        ("reopen", "reopen:logged"),
        ("reopen", "reopen:state"),
        ("reopen", "reopen:cleared"),
    ];
    for (verb, point) in points {
        for mode in ["", ":enospc"] {
            let ws = tempdir();
            copy_dir(if verb == "close" { base.path() } else { closed.path() }, ws.path());
            let args: Vec<&str> = match verb {
                "close" => vec!["close", "-p", "2026-03", "-w"],
                _ => vec!["reopen", "-p", "2026-03", "--reason", "补录加班", "-w"],
            };
            let out = crate::util::paybatch()
                .args(&args)
                .arg(ws.path())
                .env("PAYBATCH_FAILPOINT", format!("{point}{mode}"))
                .output()
                .unwrap();
            let context = format!("{verb} {point}{mode}");
            assert_ne!(out.status.code(), Some(0), "{context}: the failpoint was not reached");
            if mode == ":enospc" {
                assert_eq!(out.status.code(), Some(3), "{context}: {}", stderr(&out));
            }
            // The next command that takes the lock recovers.
            let _ = pb(ws.path(), &["audit", "--year", "2026"]);
            assert_invariants(ws.path(), "2026-03", &context);
            // And the month goes on: closed again, or closed for the first time.
            if state(ws.path(), "2026-03")["status"] == "closed" {
                ok(ws.path(), &["reopen", "-p", "2026-03", "--reason", "again"]);
            }
            ok(ws.path(), &["close", "-p", "2026-03"]);
            assert_invariants(ws.path(), "2026-03", &format!("{context}, then closed"));
        }
    }
}

/// February reopened and resealed after March was closed: March is stale,
/// its audit fails naming February, nothing later runs on it, and closing
/// it again makes the year whole.
#[test]
fn resealing_an_earlier_month_makes_later_months_stale() {
    let dir = demo();
    let ws = dir.path();
    for p in ["2026-01", "2026-02", "2026-03"] {
        ok(ws, &["close", "-p", p]);
    }
    ok(ws, &["audit", "--year", "2026"]);
    ok(ws, &["reopen", "-p", "2026-02", "--reason", "补发2月绩效"]);
    // March rests on February v1, which is not the ledger's any more.
    let (c, out) = code(ws, &["audit", "-p", "2026-03", "--lang", "en"]);
    assert_eq!(c, Some(1), "{out}");
    assert!(out.contains("U005") && out.contains("2026-02"), "{out}");
    // A later month does not run or close on a reopened February.
    std::fs::create_dir_all(ws.join("inputs/2026-04")).unwrap();
    for f in names_in(&ws.join("inputs/2026-03")) {
        std::fs::copy(ws.join("inputs/2026-03").join(&f), ws.join("inputs/2026-04").join(&f)).unwrap();
    }
    let (c, out) = code(ws, &["run", "-p", "2026-04", "--lang", "en"]);
    assert_eq!(c, Some(1), "{out}");
    assert!(out.contains("Y001") || out.contains("2026-02 was reopened"), "{out}");
    // February changes and is sealed again: March stays stale, and says so.
    let var = ws.join("inputs/2026-02/变动项.csv");
    std::fs::write(&var, "工号,姓名,项目,金额\n").unwrap();
    let _ = std::fs::remove_file(ws.join("inputs/2026-02/变动项.xlsx"));
    ok(ws, &["run", "-p", "2026-02"]);
    let out = ok(ws, &["close", "-p", "2026-02", "--lang", "en"]);
    assert!(out.contains("2026-03 is stale"), "{out}");
    let (c, out) = code(ws, &["audit", "-p", "2026-03", "--lang", "en"]);
    assert_eq!(c, Some(1), "{out}");
    assert!(
        out.contains("version 1 of 2026-02") && out.contains("now version 2"),
        "{out}"
    );
    let (c, out) = code(ws, &["audit", "--year", "2026", "--lang", "en"]);
    assert_eq!(c, Some(1), "{out}");
    assert!(out.contains("2026-03  FAILED"), "{out}");
    // March again: reopened, run on February v2, sealed as v2.
    ok(ws, &["reopen", "-p", "2026-03", "--reason", "2月已更正"]);
    ok(ws, &["run", "-p", "2026-03"]);
    ok(ws, &["close", "-p", "2026-03"]);
    let out = ok(ws, &["audit", "--year", "2026", "--lang", "en"]);
    assert!(out.contains("2026-03  passed  version 2"), "{out}");
}

#[test]
fn a_month_is_not_sealed_before_its_earlier_months() {
    let dir = demo();
    let ws = dir.path();
    ok(ws, &["run", "-p", "2026-01"]);
    ok(ws, &["run", "-p", "2026-02"]);
    let (c, out) = code(ws, &["close", "-p", "2026-02", "--lang", "en"]);
    assert_eq!(c, Some(1), "{out}");
    assert!(out.contains("Y003") || out.contains("2026-01 is not closed"), "{out}");
    assert!(!ws.join("ledger/2026-02/sealed-v1").exists());
    // The rare case, on record.
    ok(
        ws,
        &["close", "-p", "2026-02", "--allow-unsealed-prior", "--user", "王主管"],
    );
    let (records, _) = log(ws);
    let close = records
        .iter()
        .find(|r| r["event"] == "close")
        .unwrap_or_else(|| panic!("no close"));
    assert!(
        close["reason"].as_str().unwrap_or("").contains("allow-unsealed-prior"),
        "{close}"
    );
    assert_eq!(close["who"]["name"], "王主管");
    assert_eq!(close["who"]["source"], "flag");
}

/// A package closed elsewhere from altered inputs, put in place with its
/// state: the log holds another manifest, so the audit fails.
#[test]
fn a_swapped_package_and_state_fail_the_audit() {
    let a = demo();
    let b = tempdir();
    copy_dir(a.path(), b.path());
    ok(a.path(), &["close", "-p", "2026-01"]);
    let var = b.path().join("inputs/2026-01/考勤.csv");
    let text = std::fs::read_to_string(&var)
        .unwrap_or_default()
        .replacen(",0,0,0,0,0", ",0,0,30,0,0", 1);
    std::fs::write(&var, text).unwrap();
    ok(b.path(), &["close", "-p", "2026-01"]);
    ok(b.path(), &["audit", "-p", "2026-01"]);
    let target = a.path().join("ledger/2026-01");
    std::fs::remove_dir_all(target.join("sealed-v1")).unwrap();
    copy_dir(&b.path().join("ledger/2026-01/sealed-v1"), &target.join("sealed-v1"));
    std::fs::copy(b.path().join("ledger/2026-01/state.json"), target.join("state.json")).unwrap();
    let (c, out) = code(a.path(), &["audit", "-p", "2026-01", "--lang", "en"]);
    assert_eq!(c, Some(1), "{out}");
    assert!(out.contains("U011") || out.contains("U012"), "{out}");
}

/// A closed month whose state.json is gone is never open: run and close
/// refuse with exit 2, `repair` rebuilds it from the log (logged).
#[test]
fn a_lost_state_is_refused_and_repaired_from_the_log() {
    let dir = demo();
    let ws = dir.path();
    ok(ws, &["close", "-p", "2026-01"]);
    let before = state(ws, "2026-01");
    std::fs::remove_file(ws.join("ledger/2026-01/state.json")).unwrap();
    for args in [
        &["run", "-p", "2026-01"][..],
        &["close", "-p", "2026-01"],
        &["audit", "-p", "2026-01"],
    ] {
        let (c, out) = code(ws, args);
        assert_eq!(c, Some(2), "{args:?}: {out}");
        assert!(out.contains("paybatch repair"), "{out}");
    }
    std::fs::write(ws.join("ledger/2026-01/state.json"), "{ not json").unwrap();
    let (c, _) = code(ws, &["run", "-p", "2026-01"]);
    assert_eq!(c, Some(2));
    ok(ws, &["repair", "-p", "2026-01", "--user", "审计员"]);
    let after = state(ws, "2026-01");
    assert_eq!(after["status"], "closed");
    assert_eq!(after["manifest_sha256"], before["manifest_sha256"]);
    let (records, chain_ok) = log(ws);
    assert!(chain_ok);
    assert!(
        records
            .iter()
            .any(|r| r["event"] == "repair" && r["who"]["name"] == "审计员")
    );
    ok(ws, &["audit", "-p", "2026-01"]);
    assert!(!ws.join("ledger/2026-01/sealed-v2").exists());
}

/// An input saved while `close` runs: the package seals the bytes the
/// month was computed from, and its audit passes.
#[test]
fn an_input_saved_during_close_does_not_split_the_package() {
    let dir = demo();
    let ws = dir.path();
    let csv = ws.join("inputs/2026-01/考勤.csv");
    let original = std::fs::read(&csv).unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_paybatch"))
        .args(["close", "-p", "2026-01", "-q", "-w"])
        .arg(ws)
        .env("PAYBATCH_FAILPOINT", "close:snapshot:pause")
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(700));
    let edited = String::from_utf8_lossy(&original).replacen(",0,0,0,0,0", ",0,0,30,0,0", 1);
    std::fs::write(&csv, edited.as_bytes()).unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    ok(ws, &["audit", "-p", "2026-01"]);
    let sealed = std::fs::read(ws.join("ledger/2026-01/sealed-v1/inputs/2026-01/考勤.csv")).unwrap_or_default();
    assert!(
        sealed == original || sealed == edited.as_bytes(),
        "sealed one of the two versions whole"
    );
}

#[cfg(unix)]
#[test]
fn links_and_odd_names_in_inputs_are_refused_by_name() {
    use std::os::unix::ffi::OsStrExt;
    let dir = demo();
    let ws = dir.path();
    let month = ws.join("inputs/2026-01");
    std::os::unix::fs::symlink("/etc/passwd", month.join("期初累计.csv")).unwrap();
    let (c, out) = code(ws, &["validate", "-p", "2026-01", "--no-report", "--lang", "en"]);
    assert_eq!(c, Some(1), "{out}");
    assert!(out.contains("期初累计.csv") && out.contains("symbolic link"), "{out}");
    let (c, out) = code(ws, &["close", "-p", "2026-01"]);
    assert_eq!(c, Some(1), "{out}");
    assert!(!ws.join("ledger/2026-01/sealed-v1").exists());
    std::fs::remove_file(month.join("期初累计.csv")).unwrap();
    let odd = month.join(std::ffi::OsStr::from_bytes(b"\xff\xfe\xe5.csv"));
    std::fs::write(&odd, "x").unwrap();
    let (c, out) = code(ws, &["close", "-p", "2026-01", "--lang", "en"]);
    assert_eq!(c, Some(1), "{out}");
    assert!(out.contains("S020") && out.contains("not valid Unicode"), "{out}");
    assert!(!out.contains("No such file"), "{out}");
}

/// Who: --user, then PAYBATCH_USER, then [ledger] user, then the OS
/// account (marked so); times carry their offset.
#[test]
fn the_log_says_who_and_when_and_is_readable() {
    let dir = demo();
    let ws = dir.path();
    ok(ws, &["close", "-p", "2026-01"]);
    let out = crate::util::paybatch()
        .args(["reopen", "-p", "2026-01", "--reason", "r1", "-w"])
        .arg(ws)
        .env("PAYBATCH_USER", "李会计")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let config = ws.join("paybatch.toml");
    let text = std::fs::read_to_string(&config).unwrap_or_default();
    std::fs::write(&config, format!("{text}\n[ledger]\nuser = \"张主管\"\n")).unwrap();
    ok(ws, &["close", "-p", "2026-01"]);
    let (records, chain_ok) = log(ws);
    assert!(chain_ok);
    let who: Vec<(String, String)> = records
        .iter()
        .map(|r| {
            (
                r["who"]["name"].as_str().unwrap_or("").to_string(),
                r["who"]["source"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    assert_eq!(who[0].1, "os");
    assert_eq!(who[1], ("李会计".into(), "env".into()));
    assert_eq!(who[2], ("张主管".into(), "config".into()));
    let when = records[0]["when"].as_str().unwrap_or("");
    assert!(when.len() == 25 && matches!(&when[19..20], "+" | "-"), "{when}");
    let text = ok(ws, &["log", "-p", "2026-01"]);
    assert!(
        text.contains("重新打开") && text.contains("r1") && text.contains("李会计"),
        "{text}"
    );
    // A changed line breaks the chain, and `log` says where.
    let path = ws.join("ledger/log.jsonl");
    let text = std::fs::read_to_string(&path).unwrap_or_default().replace("r1", "r2");
    std::fs::write(&path, text).unwrap();
    let (c, out) = code(ws, &["log", "--lang", "en"]);
    assert_eq!(c, Some(1), "{out}");
    assert!(out.contains("log line 3"), "{out}");
    let (c, _) = code(ws, &["audit", "-p", "2026-01"]);
    assert_eq!(c, Some(1));
}
