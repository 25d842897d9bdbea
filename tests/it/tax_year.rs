//! The tax year right for every employee: the 60k rule only for those
//! employed here since the first day of the previous tax year; the
//! separate annual-bonus method once a year, across months and from the
//! opening-balance file.

use std::path::Path;

use crate::calc_sta::{read_results, test_workspace};
use crate::util::{pb, stdout, tempdir};

/// A roster of (id, hire date, wage, 60k flag) in the test city, and the
/// month's variable pay as (id, item, amount).
pub fn month(root: &Path, period: &str, people: &[(&str, &str, u32, &str)], variable: &[(&str, &str, u32)]) {
    let dir = root.join("inputs").join(period);
    std::fs::create_dir_all(&dir).unwrap();
    let mut rng = paybatch::demo::people::Rng::new(1);
    let mut roster = String::from(
        "工号,姓名,证件号码,参保城市,入职日期,基本工资,银行卡号,社保基数,公积金基数,公积金比例,上年收入不超6万\n",
    );
    for (i, (id, hired, wage, flag)) in people.iter().enumerate() {
        let birth = paybatch::model::Date::new(1985, 5, 20).unwrap_or(paybatch::model::Date::EPOCH);
        let idn = paybatch::demo::people::make_resident_id("110105", birth, i as i64 + 1);
        let card = paybatch::demo::people::make_card("622202", &mut rng);
        roster.push_str(&format!(
            "{id},测试{i},{idn},测试市,{hired},{wage},{card},{wage},{wage},5%,{flag}\n"
        ));
    }
    std::fs::write(dir.join("花名册.csv"), roster).unwrap();
    let names: std::collections::HashMap<&str, usize> = people.iter().enumerate().map(|(i, p)| (p.0, i)).collect();
    let mut var = String::from("工号,姓名,项目,金额\n");
    for (id, item, amount) in variable {
        var.push_str(&format!("{id},测试{},{item},{amount}\n", names[id]));
    }
    std::fs::write(dir.join("变动项.csv"), var).unwrap();
}

pub fn findings(root: &Path, args: &[&str]) -> (Option<i32>, Vec<serde_json::Value>) {
    let mut all = args.to_vec();
    all.extend(["--format", "json"]);
    let out = pb(root, &all);
    let doc: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stdout(&out)));
    (
        out.status.code(),
        doc["findings"].as_array().cloned().unwrap_or_default(),
    )
}

#[test]
fn the_60k_rule_needs_a_whole_previous_year_here() {
    let dir = tempdir();
    let ws = dir.path();
    test_workspace(ws);
    let people = [
        ("A1", "2025-03-01", 10000, "是"),
        ("A2", "2025-03-01", 10000, "否"),
        ("A3", "2024-06-01", 10000, "是"),
        ("A4", "2025-01-01", 10000, "是"),
        ("A5", "2026-01-01", 10000, "是"),
        ("A6", "2025-01-02", 10000, "是"),
    ];
    month(ws, "2026-01", &people, &[]);
    let (code, found) = findings(ws, &["validate", "-p", "2026-01", "--no-report"]);
    assert_eq!(code, Some(1));
    let flagged: Vec<String> = found
        .iter()
        .filter(|f| f["code"] == "R026")
        .map(|f| f["cell"].as_str().unwrap_or("").to_string())
        .collect();
    // The flag column is K; A1, A5 and A6 are rows 2, 6 and 7.
    assert_eq!(flagged, ["K2", "K6", "K7"], "{found:?}");

    // Even where the rule is made a warning, the calculation never gives
    // the 60,000 to someone who cannot have it.
    let rules = ws.join("rules/validation/roster.toml");
    let text = std::fs::read_to_string(&rules).unwrap_or_default();
    let at = text.find("code = \"R026\"").unwrap_or_else(|| panic!("R026"));
    let fixed = format!(
        "{}{}",
        &text[..at],
        text[at..].replacen("severity = \"error\"", "severity = \"warning\"", 1)
    );
    std::fs::write(&rules, fixed).unwrap();
    let out = pb(ws, &["run", "-p", "2026-01"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let r = read_results(ws, "2026-01");
    assert_eq!(
        r["A1"]["iit"], r["A2"]["iit"],
        "not eligible: taxed as without the flag"
    );
    assert_ne!(r["A1"]["iit"], "0.00");
    assert_eq!(r["A5"]["iit"], r["A2"]["iit"]);
    assert_eq!(r["A6"]["iit"], r["A2"]["iit"]);
    assert_eq!(r["A3"]["iit"], "0.00", "eligible: 60,000 from January");
    assert_eq!(r["A4"]["iit"], "0.00", "hired on the first day of 2025: eligible");
    assert_eq!(r["A3"]["ytd_basic"], "60000.00");
    assert_eq!(r["A1"]["ytd_basic"], "5000.00");
    // `explain` shows what decided it.
    let out = pb(ws, &["explain", "-p", "2026-01", "--employee", "A1", "--lang", "en"]);
    let text = stdout(&out);
    assert!(text.contains("hire_date = 2025-03-01"), "{text}");
    assert!(text.contains("prior_year_le_60k_flag = true"), "{text}");
    assert!(text.contains("prior_year_le_60k_applied = false"), "{text}");
}

#[test]
fn the_separate_bonus_method_is_used_once_a_year() {
    let dir = tempdir();
    let ws = dir.path();
    test_workspace(ws);
    let people = [("B1", "2020-01-01", 30000, "否"), ("B2", "2020-01-01", 30000, "否")];
    month(ws, "2026-01", &people, &[]);
    month(ws, "2026-02", &people, &[("B1", "全年一次性奖金", 5000)]);
    month(ws, "2026-03", &people, &[]);
    // 36,000 separately is 3% (1,080): far below merging at these wages.
    month(
        ws,
        "2026-04",
        &people,
        &[("B1", "全年一次性奖金", 36000), ("B2", "全年一次性奖金", 36000)],
    );
    for p in ["2026-01", "2026-02", "2026-03"] {
        let out = pb(ws, &["run", "-p", p]);
        assert_eq!(out.status.code(), Some(0), "{p}: {}", stdout(&out));
    }
    assert_eq!(read_results(ws, "2026-02")["B1"]["bonus_method"], "separate");
    let (code, found) = findings(ws, &["run", "-p", "2026-04"]);
    assert_eq!(code, Some(0), "{found:?}");
    let r = read_results(ws, "2026-04");
    assert_eq!(
        r["B1"]["bonus_method"], "merged",
        "the second bonus of the year is merged"
    );
    assert_eq!(
        r["B2"]["bonus_method"], "separate",
        "B2 first bonus may still be separate: {:?}",
        r["B2"]
    );
    assert!(
        found
            .iter()
            .any(|f| f["code"] == "C013" && f["message"].as_str().unwrap_or("").contains("B1")),
        "{found:?}"
    );
    // The bonus import has one row a year per employee: B2's, not B1's.
    let dir4 = paybatch::ledger::state::outputs_dir(
        &paybatch::workspace::Workspace::open(ws).unwrap(),
        "2026-04".parse().unwrap(),
    )
    .unwrap()
    .unwrap_or_else(|| panic!("no outputs"));
    let bonus_files: Vec<_> = crate::util::walk(&dir4)
        .into_iter()
        .filter(|p| p.to_string_lossy().contains("全年一次性奖金"))
        .collect();
    assert_eq!(bonus_files.len(), 1, "the month's bonus import");
    for f in bonus_files {
        let text = paybatch::ingest::inputs::read_file(&f, "bonus")
            .map(|grids| format!("{:?}", grids))
            .unwrap_or_default();
        assert!(
            !text.contains("测试0"),
            "B1 in {}: the second bonus is not separate",
            f.display()
        );
        assert!(text.contains("测试1"), "B2 in {}", f.display());
    }
    // Sealed and audited, the year's figures reproduce.
    for p in ["2026-01", "2026-02", "2026-03", "2026-04"] {
        let out = pb(ws, &["close", "-p", p]);
        assert_eq!(out.status.code(), Some(0), "{p}: {}", stdout(&out));
    }
    let out = pb(ws, &["audit", "--year", "2026"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
}

/// A company starting mid-year: the opening-balance file says the method
/// was already used.
#[test]
fn the_opening_balance_file_can_say_the_method_was_used() {
    let dir = tempdir();
    let ws = dir.path();
    test_workspace(ws);
    let people = [("C1", "2020-01-01", 30000, "否"), ("C2", "2020-01-01", 30000, "否")];
    month(
        ws,
        "2026-03",
        &people,
        &[("C1", "全年一次性奖金", 20000), ("C2", "全年一次性奖金", 20000)],
    );
    std::fs::write(
        ws.join("inputs/2026-03/期初累计.csv"),
        "工号,姓名,累计月数,累计收入,累计免税收入,累计减除费用,累计专项扣除,累计专项附加扣除,累计其他扣除,累计已预扣税额,年终奖已单独计税\n\
         C1,测试0,2,60000,0,10000,9000,0,0,2000,是\n\
         C2,测试1,2,60000,0,10000,9000,0,0,2000,否\n",
    )
    .unwrap();
    let out = pb(ws, &["run", "-p", "2026-03"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let r = read_results(ws, "2026-03");
    assert_eq!(r["C1"]["bonus_method"], "merged");
    assert_eq!(r["C2"]["bonus_method"], "separate");
}

/// The bonus policy per employee (roster 年终奖计税方式), the workspace
/// default for a blank cell; an unknown value is an error at its cell.
#[test]
fn the_bonus_policy_can_be_chosen_per_employee() {
    let dir = tempdir();
    let ws = dir.path();
    test_workspace(ws);
    let people = [("D1", "2020-01-01", 30000, "否"), ("D2", "2020-01-01", 30000, "否")];
    month(
        ws,
        "2026-01",
        &people,
        &[("D1", "全年一次性奖金", 36000), ("D2", "全年一次性奖金", 36000)],
    );
    let roster = ws.join("inputs/2026-01/花名册.csv");
    let add_column = |d1: &str| {
        let text = std::fs::read_to_string(&roster).unwrap_or_default();
        let lines: Vec<String> = text
            .lines()
            .enumerate()
            .map(|(i, l)| match i {
                0 => format!("{l},年终奖计税方式"),
                1 => format!("{l},{d1}"),
                _ => format!("{l},"),
            })
            .collect();
        std::fs::write(&roster, lines.join("\n") + "\n").unwrap();
    };
    add_column("并入综合所得");
    let out = pb(ws, &["run", "-p", "2026-01"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let r = read_results(ws, "2026-01");
    assert_eq!(r["D1"]["bonus_method"], "merged", "the employee's own policy");
    assert_eq!(r["D2"]["bonus_method"], "separate", "blank: the default (cheaper)");
    // An unknown policy text.
    let text = std::fs::read_to_string(&roster)
        .unwrap_or_default()
        .replace("并入综合所得", "年底发");
    std::fs::write(&roster, text).unwrap();
    let (code, found) = findings(ws, &["validate", "-p", "2026-01", "--no-report"]);
    assert_eq!(code, Some(1));
    assert!(
        found.iter().any(|f| f["code"] == "R027" && f["cell"] == "L2"),
        "{found:?}"
    );
}

/// The annual table, written here from the law (个人所得税法 附表一), not
/// taken from paybatch.
fn annual_tax(taxable: rust_decimal::Decimal) -> rust_decimal::Decimal {
    use rust_decimal::Decimal;
    let t = taxable.max(Decimal::ZERO);
    let table: [(i64, i64, i64); 7] = [
        (36000, 3, 0),
        (144000, 10, 2520),
        (300000, 20, 16920),
        (420000, 25, 31920),
        (660000, 30, 52920),
        (960000, 35, 85920),
        (i64::MAX, 45, 181920),
    ];
    let (_, rate, quick) = table
        .into_iter()
        .find(|(upto, _, _)| t <= Decimal::from(*upto))
        .unwrap_or((0, 45, 181920));
    (t * Decimal::from(rate) / Decimal::from(100) - Decimal::from(quick))
        .round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
        .max(Decimal::ZERO)
}

/// `settle`: the year's tax recomputed independently from the closed
/// months' results, with the separate bonus kept apart and merged.
#[test]
fn settle_previews_the_year_from_the_closed_months() {
    use rust_decimal::Decimal;
    use std::str::FromStr;
    let dir = tempdir();
    let ws = dir.path();
    test_workspace(ws);
    let people = [("S1", "2020-01-01", 12000, "否"), ("S2", "2020-01-01", 45000, "否")];
    month(ws, "2026-01", &people, &[]);
    month(
        ws,
        "2026-02",
        &people,
        &[("S1", "全年一次性奖金", 20000), ("S2", "全年一次性奖金", 60000)],
    );
    month(ws, "2026-03", &people, &[]);
    for p in ["2026-01", "2026-02", "2026-03"] {
        assert_eq!(pb(ws, &["run", "-p", p]).status.code(), Some(0), "{p}");
        assert_eq!(pb(ws, &["close", "-p", p]).status.code(), Some(0), "{p}");
    }
    let out = pb(ws, &["settle", "--year", "2026", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["months"].as_array().map(Vec::len), Some(3));
    assert!(ws.join("reports/2026/settlement.xlsx").is_file());
    let d = |v: &serde_json::Value| Decimal::from_str(v.as_str().unwrap_or("0")).unwrap_or_default();
    let months: Vec<_> = ["2026-01", "2026-02", "2026-03"]
        .iter()
        .map(|p| read_results(ws, p))
        .collect();
    for e in doc["employees"].as_array().into_iter().flatten() {
        let id = e["employee_id"].as_str().unwrap_or("");
        let col = |m: &std::collections::HashMap<String, std::collections::HashMap<String, String>>, c: &str| {
            Decimal::from_str(&m[id][c]).unwrap_or_default()
        };
        let withheld: Decimal = months.iter().map(|m| col(m, "iit") + col(m, "bonus_tax")).sum();
        assert_eq!(d(&e["withheld"]), withheld, "{id}");
        let last = &months[2];
        let taxable = col(last, "ytd_income")
            - col(last, "ytd_tax_free")
            - Decimal::from(60000)
            - col(last, "ytd_special")
            - col(last, "ytd_additional")
            - col(last, "ytd_other");
        let separate: Decimal = months
            .iter()
            .filter(|m| m[id]["bonus_method"] == "separate")
            .map(|m| col(m, "annual_bonus"))
            .sum();
        let separate_tax: Decimal = months
            .iter()
            .filter(|m| m[id]["bonus_method"] == "separate")
            .map(|m| col(m, "bonus_tax"))
            .sum();
        let kept = annual_tax(taxable) + separate_tax;
        let merged = annual_tax(taxable.max(Decimal::ZERO) + separate);
        assert_eq!(d(&e["tax_kept_apart"]), kept, "{id}");
        assert_eq!(d(&e["tax_merged"]), merged, "{id}");
        assert_eq!(d(&e["tax_due"]), kept.min(merged), "{id}");
        assert_eq!(d(&e["balance"]), kept.min(merged) - withheld, "{id}");
    }
    assert_eq!(doc["employees"].as_array().map(Vec::len), Some(2));
}

/// 个人养老金 is deductible as paid up to 12,000 in the year, whatever the
/// months it is paid in.
#[test]
fn the_private_pension_is_capped_for_the_year() {
    let dir = tempdir();
    let ws = dir.path();
    test_workspace(ws);
    let people = [("P1", "2020-01-01", 30000, "否")];
    for (p, paid) in [("2026-01", 8000), ("2026-02", 8000), ("2026-03", 1000)] {
        month(ws, p, &people, &[]);
        std::fs::write(
            ws.join("inputs").join(p).join("专项附加扣除.csv"),
            format!("工号,姓名,个人养老金\nP1,测试0,{paid}\n"),
        )
        .unwrap();
    }
    assert_eq!(pb(ws, &["run", "-p", "2026-01"]).status.code(), Some(0));
    let (code, found) = findings(ws, &["run", "-p", "2026-02"]);
    assert_eq!(code, Some(0), "{found:?}");
    assert!(found.iter().any(|f| f["code"] == "C014"), "{found:?}");
    let r = read_results(ws, "2026-02");
    assert_eq!(r["P1"]["add_private_pension"], "4000.00");
    assert_eq!(r["P1"]["ytd_private_pension"], "12000.00");
    assert_eq!(pb(ws, &["run", "-p", "2026-03"]).status.code(), Some(0));
    let r = read_results(ws, "2026-03");
    assert_eq!(r["P1"]["add_private_pension"], "0.00");
    assert_eq!(r["P1"]["ytd_private_pension"], "12000.00");
}

/// Review fixes: an opening file's private pension counts against the
/// year's cap; it need not cover people the ledger already has; and a
/// month closed on an opening file goes stale when an earlier month gets
/// results later.
#[test]
fn opening_balances_meet_the_ledger() {
    let dir = tempdir();
    let ws = dir.path();
    test_workspace(ws);
    let header = "工号,姓名,累计月数,累计收入,累计免税收入,累计减除费用,累计专项扣除,累计专项附加扣除,累计其他扣除,累计已预扣税额,累计个人养老金\n";
    let people = [("Q1", "2020-01-01", 30000, "否"), ("Q2", "2020-01-01", 30000, "否")];
    month(ws, "2026-03", &people, &[]);
    std::fs::write(
        ws.join("inputs/2026-03/期初累计.csv"),
        format!("{header}Q1,测试0,2,60000,0,10000,9000,10000,0,2000,10000\nQ2,测试1,2,60000,0,10000,9000,0,0,2000,0\n"),
    )
    .unwrap();
    std::fs::write(
        ws.join("inputs/2026-03/专项附加扣除.csv"),
        "工号,姓名,个人养老金\nQ1,测试0,5000\n",
    )
    .unwrap();
    let (code, found) = findings(ws, &["close", "-p", "2026-03"]);
    assert_eq!(code, Some(0), "{found:?}");
    assert!(found.iter().any(|f| f["code"] == "C014"), "{found:?}");
    assert_eq!(read_results(ws, "2026-03")["Q1"]["add_private_pension"], "2000.00");
    // January run after March was sealed without it: March is stale.
    month(ws, "2026-01", &people, &[]);
    assert_eq!(pb(ws, &["run", "-p", "2026-01"]).status.code(), Some(0));
    let out = pb(ws, &["audit", "-p", "2026-03", "--lang", "en"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("U005") && stdout(&out).contains("2026-01 had no results"),
        "{}",
        stdout(&out)
    );
    // February with January in the ledger: an opening file for one person
    // does not have to list the other.
    month(ws, "2026-02", &people, &[]);
    std::fs::write(
        ws.join("inputs/2026-02/期初累计.csv"),
        format!("{header}Q1,测试0,1,30000,0,5000,4500,0,0,700,0\n"),
    )
    .unwrap();
    let (_, found) = findings(ws, &["validate", "-p", "2026-02", "--no-report"]);
    assert!(!found.iter().any(|f| f["code"] == "O006"), "{found:?}");
}
