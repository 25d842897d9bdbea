//! Reconciliation on the demo months: every February → March difference
//! explained, planted bank-return and bureau-bill mismatches found in the
//! right category, the budget check tripping when the budget is lowered.

use crate::util::{paybatch, pb, stdout, tempdir};

/// The demo workspace with its three months closed.
fn demo() -> tempfile::TempDir {
    let dir = tempdir();
    let out = paybatch().arg("demo").arg(dir.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    dir
}

fn json(out: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stdout(out)))
}

#[test]
fn february_to_march_is_fully_explained() {
    let dir = demo();
    let out = pb(dir.path(), &["reconcile", "-p", "2026-03", "--format", "json"]);
    let doc = json(&out);
    let v = &doc["variance"];
    assert_eq!(v["previous_period"], "2026-02");
    assert_eq!(v["net_previous"], "1175476.54");
    assert_eq!(v["net_current"], "1235613.97");
    let by = &v["by_cause"];
    assert!(by.get("unexplained").is_none(), "{by}");
    // Figures by cause (effect on net pay).
    assert_eq!(by["joiner"], "65467.29");
    assert_eq!(by["leaver"], "-25504.20");
    assert_eq!(by["base_salary_change"], "1000.00");
    assert_eq!(by["retro_pay"], "1128.62");
    let sum: rust_decimal::Decimal = by
        .as_object()
        .map(|o| {
            o.values()
                .filter_map(|x| x.as_str()?.parse::<rust_decimal::Decimal>().ok())
                .sum()
        })
        .unwrap_or_default();
    assert_eq!(sum.to_string(), "60137.43", "causes add up to Δnet");
    // E0003's raise is attributed to the base salary change.
    let changes = v["changes"].as_array().cloned().unwrap_or_default();
    let raise = changes
        .iter()
        .find(|c| c["employee_id"] == "E0003" && c["component"] == "base_pay")
        .cloned()
        .unwrap_or_default();
    assert_eq!(raise["cause"], "base_salary_change");
    assert_eq!(raise["delta"], "1000.00");
    // E0020 leaves on 20 March: prorated base pay is a leaver effect.
    let leaver = changes
        .iter()
        .find(|c| c["employee_id"] == "E0020" && c["component"] == "base_pay")
        .cloned()
        .unwrap_or_default();
    assert_eq!(leaver["cause"], "leaver");
    assert!(dir.path().join("reports/2026-03/reconcile.xlsx").is_file());
}

#[test]
fn planted_bank_and_bureau_mismatches_are_found() {
    let dir = demo();
    let ws = paybatch::workspace::Workspace::open(dir.path()).unwrap();
    let period = "2026-03".parse().unwrap();
    let results_dir = paybatch::ledger::state::outputs_dir(&ws, period)
        .unwrap()
        .unwrap_or_else(|| panic!("no outputs"));
    let results = std::fs::read(results_dir.join("results.csv")).unwrap_or_default();
    let (bank, bill, plants) = paybatch::demo::returns::write(dir.path(), "2026-03", &results).unwrap();
    let out = paybatch()
        .args(["reconcile", "-p", "2026-03", "--format", "json", "--bank-return"])
        .arg(&bank)
        .arg("--bureau-bill")
        .arg(&bill)
        .arg("-w")
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "blocking mismatches exit 1");
    let doc = json(&out);
    let lines = doc["bank"]["lines"].as_array().cloned().unwrap_or_default();
    let outcome_of = |id: &str| {
        lines
            .iter()
            .find(|l| l["employee_id"] == id)
            .map(|l| l["outcome"].as_str().unwrap_or("").to_string())
            .unwrap_or_default()
    };
    assert_eq!(outcome_of(&plants.failed), "failed");
    assert_eq!(outcome_of(&plants.amount_mismatch), "amount_mismatch");
    assert_eq!(outcome_of(&plants.not_returned), "not_returned");
    let unknown = lines
        .iter()
        // Account numbers are masked in everything printed.
        .find(|l| l["account"] == paybatch::model::ids::mask(&plants.unknown_account).as_str())
        .cloned()
        .unwrap_or_default();
    assert_eq!(unknown["outcome"], "unknown_account");
    assert_eq!(doc["bank"]["counts"]["paid"], 56);
    let failed = lines
        .iter()
        .find(|l| l["employee_id"] == plants.failed.as_str())
        .cloned()
        .unwrap_or_default();
    assert_eq!(failed["reason"], "账户已冻结");

    // Re-payment file in the bank's own format: the failed and the missing line.
    let repay = std::fs::read(dir.path().join("reports/2026-03/repay/补发_招行代发_2026-03.csv")).unwrap_or_default();
    let (text, _, _) = encoding_rs::GBK.decode(&repay);
    assert_eq!(text.lines().count(), 3, "{text}");
    assert!(text.starts_with("*账号,*户名,*金额,备注"), "{text}");

    let diffs = doc["bureau"]["differences"].as_array().cloned().unwrap_or_default();
    let problem_of = |id: &str| {
        diffs
            .iter()
            .filter(|d| d["employee_id"] == id)
            .map(|d| {
                format!(
                    "{}:{}",
                    d["problem"].as_str().unwrap_or(""),
                    d["item"].as_str().unwrap_or("")
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(problem_of(&plants.bill_missing), ["missing_person:*"]);
    assert_eq!(problem_of(&plants.base_differs), ["base_differs:pension"]);
    assert_eq!(problem_of(&plants.amount_differs), ["amount_differs:medical"]);
    let extra: Vec<_> = diffs.iter().filter(|d| d["problem"] == "extra_person").collect();
    assert_eq!(extra.len(), 1);
    assert_eq!(
        extra[0]["id_number"],
        paybatch::model::ids::mask(&plants.bill_extra_id).as_str()
    );
    assert_eq!(diffs.len(), 4, "nothing but the plants: {diffs:?}");
    let base = &diffs
        .iter()
        .find(|d| d["problem"] == "base_differs")
        .cloned()
        .unwrap_or_default()["base"];
    let (ours, billed): (rust_decimal::Decimal, rust_decimal::Decimal) = (
        base[0].as_str().unwrap_or("0").parse().unwrap_or_default(),
        base[1].as_str().unwrap_or("0").parse().unwrap_or_default(),
    );
    assert_eq!(billed - ours, rust_decimal::Decimal::from(100));
}

#[test]
fn the_budget_check_trips_when_the_budget_is_lowered() {
    let dir = demo();
    let out = pb(dir.path(), &["reconcile", "-p", "2026-03", "--format", "json"]);
    let doc = json(&out);
    let units = doc["budget"].as_array().cloned().unwrap_or_default();
    let cc100 = units.iter().find(|u| u["unit"] == "CC100").cloned().unwrap_or_default();
    assert_eq!(cc100["over"], false);
    let ytd: rust_decimal::Decimal = cc100["year_to_date"]
        .as_str()
        .unwrap_or("0")
        .parse()
        .unwrap_or_default();
    let projected: rust_decimal::Decimal = cc100["projected"].as_str().unwrap_or("0").parse().unwrap_or_default();
    let expected = paybatch::model::Rounding::FEN_HALF_UP
        .apply(ytd / rust_decimal::Decimal::from(3) * rust_decimal::Decimal::from(12));
    assert_eq!(projected, expected);

    // Lower CC100's budget below its projection, and make it blocking.
    let cfg = dir.path().join("paybatch.toml");
    let text = std::fs::read_to_string(&cfg)
        .unwrap_or_default()
        .replace("CC100 = 6000000", "CC100 = 1000000")
        .replace("severity = \"warning\"", "severity = \"error\"");
    std::fs::write(&cfg, text).unwrap();
    let out = pb(dir.path(), &["reconcile", "-p", "2026-03", "--lang", "en"]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(text.contains("CC100: projected full year"), "{text}");
    assert!(text.contains("exceeds the budget 1000000.00"), "{text}");
}
