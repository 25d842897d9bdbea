//! Special additional deductions held to the standards of
//! rules/iit/deductions.toml: per child, a sibling's share of elderly
//! support, the rent tier of the city of work, the certificate once,
//! loan and rent never both; at the cell (D006) and over the year (C015,
//! C016).

use std::path::Path;

use crate::calc_sta::test_workspace;
use crate::tax_year::{findings, month};
use crate::util::{pb, stdout, tempdir};

const HEADER: &str = "工号,姓名,子女教育,子女人数,赡养老人,是否独生子女,继续教育,住房贷款利息,住房租金,主要工作城市\n";

fn deductions(root: &Path, period: &str, rows: &[&str]) {
    let mut text = String::from(HEADER);
    for r in rows {
        text.push_str(r);
        text.push('\n');
    }
    std::fs::write(root.join("inputs").join(period).join("专项附加扣除.csv"), text).unwrap();
}

fn people(n: usize) -> Vec<(&'static str, &'static str, u32, &'static str)> {
    const IDS: [&str; 10] = ["E0", "E1", "E2", "E3", "E4", "E5", "E6", "E7", "E8", "E9"];
    IDS[..n].iter().map(|id| (*id, "2024-01-01", 20000, "否")).collect()
}

fn coded<'a>(found: &'a [serde_json::Value], code: &str) -> Vec<&'a serde_json::Value> {
    found.iter().filter(|f| f["code"] == code).collect()
}

#[test]
fn a_month_above_its_standard_is_reported_at_the_cell() {
    let dir = tempdir();
    let ws = dir.path();
    test_workspace(ws);
    month(ws, "2026-01", &people(8), &[]);
    deductions(
        ws,
        "2026-01",
        &[
            "E0,测试0,4000,,0,,0,0,0,",      // two children's worth, no count: C3
            "E1,测试1,4000,2,0,,0,0,0,",     // two children declared: fine
            "E2,测试2,0,,3000,否,0,0,0,",    // not an only child: 1,500 at most: E4
            "E3,测试3,0,,1500,否,0,0,0,",    // a sibling's share: fine
            "E4,测试4,0,,3000,是,4000,0,0,", // degree + certificate: fine
            "E5,测试5,0,,0,,4400,0,0,",      // above 400 + 3,600: G7
            "E6,测试6,3000,1.5,0,,0,0,0,",   // half a child more than declared: C8
            "E7,测试7,0,,0,,0,0,1500,北京",  // Beijing's tier: fine
        ],
    );
    let (code, found) = findings(ws, &["validate", "-p", "2026-01", "--no-report"]);
    assert_eq!(code, Some(1), "{found:?}");
    let cells: Vec<&str> = coded(&found, "D006")
        .iter()
        .map(|f| f["cell"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(cells, ["C2", "E4", "G7", "C8"], "{found:?}");
    // Earlier months may be caught up: in March, three months' worth.
    month(ws, "2026-03", &people(1), &[]);
    deductions(ws, "2026-03", &["E0,测试0,6000,,0,,0,0,0,"]);
    let (_, found) = findings(ws, &["validate", "-p", "2026-03", "--no-report"]);
    assert!(coded(&found, "D006").is_empty(), "{found:?}");
}

#[test]
fn the_year_is_held_to_the_standard_by_the_city_of_work() {
    let dir = tempdir();
    let ws = dir.path();
    test_workspace(ws);
    month(ws, "2026-01", &people(5), &[]);
    // The roster's 测试市 is in no rent list: 800, and up to 1,100 is
    // only a warning (it may belong to the unconfirmed 1,100 list).
    deductions(
        ws,
        "2026-01",
        &[
            "E0,测试0,0,,0,,0,0,1500,",     // 1,500 in 测试市: error
            "E1,测试1,0,,0,,0,0,1000,",     // 1,000 in 测试市: warning
            "E2,测试2,0,,0,,0,0,1500,上海", // works in Shanghai: fine
            "E3,测试3,0,,0,,0,1000,800,",   // loan and rent: error
            "E4,测试4,0,,0,,0,0,1100,苏州", // the 1,100 tier: fine
        ],
    );
    let (code, found) = findings(ws, &["validate", "-p", "2026-01", "--no-report"]);
    assert_eq!(code, Some(1), "{found:?}");
    let c015: Vec<(String, String)> = coded(&found, "C015")
        .iter()
        .map(|f| {
            (
                f["severity"].as_str().unwrap_or("").to_string(),
                f["message"].to_string(),
            )
        })
        .collect();
    assert_eq!(c015.len(), 2, "{c015:?}");
    assert!(c015[0].0 == "error" && c015[0].1.contains("E0"), "{c015:?}");
    assert!(c015[1].0 == "warning" && c015[1].1.contains("E1"), "{c015:?}");
    let c016 = coded(&found, "C016");
    assert_eq!(c016.len(), 1, "{found:?}");
    assert!(c016[0]["message"].as_str().unwrap_or("").contains("E3"));
}

#[test]
fn catching_up_cannot_pass_the_standard_to_date() {
    let dir = tempdir();
    let ws = dir.path();
    test_workspace(ws);
    month(ws, "2026-01", &people(2), &[]);
    deductions(ws, "2026-01", &["E0,测试0,2000,,0,,0,0,0,", "E1,测试1,2000,,0,,0,0,0,"]);
    let out = pb(ws, &["run", "-p", "2026-01"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    month(ws, "2026-02", &people(2), &[]);
    // February's 4,000 is two months' worth at the cell, but January
    // already took one: 6,000 > 2 × 2,000 for E0; E1 stays within.
    deductions(ws, "2026-02", &["E0,测试0,4000,,0,,0,0,0,", "E1,测试1,2000,,0,,0,0,0,"]);
    let (code, found) = findings(ws, &["validate", "-p", "2026-02", "--no-report"]);
    assert_eq!(code, Some(1), "{found:?}");
    assert!(coded(&found, "D006").is_empty(), "{found:?}");
    let c015 = coded(&found, "C015");
    assert_eq!(c015.len(), 1, "{found:?}");
    let message = c015[0]["message"].as_str().unwrap_or("");
    assert!(
        message.contains("E0") && message.contains("6000") && message.contains("4000"),
        "{message}"
    );
}

/// Terms that fall during the year (a child leaves school, a move to a
/// cheaper city) do not make the earlier months an excess.
#[test]
fn falling_terms_do_not_turn_earlier_months_into_an_excess() {
    let dir = tempdir();
    let ws = dir.path();
    test_workspace(ws);
    month(ws, "2026-01", &people(2), &[]);
    deductions(
        ws,
        "2026-01",
        &["E0,测试0,4000,2,0,,0,0,0,", "E1,测试1,0,,0,,0,0,1500,北京"],
    );
    let out = pb(ws, &["run", "-p", "2026-01"]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    month(ws, "2026-02", &people(2), &[]);
    // One child now; E1 now works in 测试市 (no list: 800).
    deductions(ws, "2026-02", &["E0,测试0,2000,1,0,,0,0,0,", "E1,测试1,0,,0,,0,0,800,"]);
    let (code, found) = findings(ws, &["validate", "-p", "2026-02", "--no-report"]);
    assert_eq!(code, Some(0), "{found:?}");
    assert!(coded(&found, "C015").is_empty(), "{found:?}");
    // This month above one child's standard is still an excess.
    deductions(ws, "2026-02", &["E0,测试0,4000,1,0,,0,0,0,", "E1,测试1,0,,0,,0,0,800,"]);
    let (code, found) = findings(ws, &["validate", "-p", "2026-02", "--no-report"]);
    assert_eq!(code, Some(1), "{found:?}");
    assert_eq!(coded(&found, "C015").len(), 1, "{found:?}");
}
