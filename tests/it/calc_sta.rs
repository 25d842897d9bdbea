//! The two STA worked examples (fixtures/iit_cumulative.csv) through
//! `paybatch run`, month by month over a whole tax year, and the annual
//! bonus vectors (fixtures/annual_bonus.csv).

use std::collections::HashMap;
use std::path::Path;
use std::str::FromStr;

use paybatch::calc::iit::bonus_separate_tax;
use paybatch::demo::people::{Rng, make_card, make_resident_id};
use paybatch::model::Date;
use paybatch::rules::RuleSet;
use rust_decimal::Decimal;

use crate::util::{fixture, paybatch, stdout, tempdir};

/// A city whose employee shares add up to 15% (8% + 2% + 5%), so that the
/// examples' 专项扣除 (1,500 on 10,000; 4,500 on 30,000) come out exactly.
pub const TEST_CITY: &str = r#"
city = "测试市"
source = "test fixture"
[[base]]
scheme = "si"
valid_from = 2019-01-01
floor = 1
cap = 100000
source = "test"
[[base]]
scheme = "hf"
valid_from = 2019-01-01
floor = 1
cap = 100000
source = "test"
[[item]]
key = "pension"
label = { zh = "养老保险", en = "Pension" }
scheme = "si"
valid_from = 2019-01-01
employer_rate = 0.16
employee_rate = 0.08
source = "test"
[[item]]
key = "medical"
label = { zh = "医疗保险", en = "Medical" }
scheme = "si"
valid_from = 2019-01-01
employer_rate = 0.08
employee_rate = 0.02
source = "test"
[[item]]
key = "housing_fund"
label = { zh = "住房公积金", en = "Housing fund" }
scheme = "hf"
valid_from = 2019-01-01
employee_chooses_rate = { min = 0.05, max = 0.12, default = 0.05 }
source = "test"
[[minimum_wage]]
valid_from = 2019-01-01
monthly = 2000
source = "test"
"#;

/// A workspace with the test city and no company formula (so gross = base).
pub fn test_workspace(root: &Path) {
    paybatch::demo::write_skeleton(root).unwrap();
    std::fs::write(root.join("rules/social/testcity.toml"), TEST_CITY).unwrap();
    let comp = root.join("rules/payroll/components.toml");
    let text = std::fs::read_to_string(&comp).unwrap_or_default();
    let cut = text.find("[[formula]]").unwrap_or(text.len());
    std::fs::write(&comp, &text[..cut]).unwrap();
}

/// Writes a roster CSV for the given (id, wage) employees.
pub fn write_month(root: &Path, period: &str, people: &[(&str, u32, u32)]) {
    let dir = root.join("inputs").join(period);
    std::fs::create_dir_all(&dir).unwrap();
    let mut rng = Rng::new(1);
    let mut roster =
        String::from("工号,姓名,证件号码,参保城市,入职日期,基本工资,银行卡号,社保基数,公积金基数,公积金比例\n");
    let mut deductions = String::from("工号,姓名,子女教育\n");
    for (i, (id, wage, child)) in people.iter().enumerate() {
        let birth = Date::new(1985, 5, 20).unwrap_or(Date::EPOCH);
        let idn = make_resident_id("110105", birth, i as i64 + 1);
        let card = make_card("622202", &mut rng);
        roster.push_str(&format!(
            "{id},测试{i},{idn},测试市,2020-01-01,{wage},{card},{wage},{wage},5%\n"
        ));
        deductions.push_str(&format!("{id},测试{i},{child}\n"));
    }
    std::fs::write(dir.join("花名册.csv"), roster).unwrap();
    std::fs::write(dir.join("专项附加扣除.csv"), deductions).unwrap();
}

/// Reads the period's current `results.csv` (draft or sealed) into rows
/// keyed by employee ID.
pub fn read_results(root: &Path, period: &str) -> HashMap<String, HashMap<String, String>> {
    let ws = paybatch::workspace::Workspace::open(root).unwrap();
    let p = period.parse().unwrap();
    let dir = paybatch::ledger::state::outputs_dir(&ws, p)
        .unwrap()
        .unwrap_or_else(|| panic!("{period} has no outputs"));
    let path = dir.join("results.csv");
    let mut reader = csv::Reader::from_path(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let header = reader.headers().cloned().unwrap_or_default();
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            let row: HashMap<String, String> = header
                .iter()
                .map(String::from)
                .zip(r.iter().map(String::from))
                .collect();
            (row["employee_id"].clone(), row)
        })
        .collect()
}

#[test]
fn sta_examples_month_by_month_through_run() {
    let dir = tempdir();
    test_workspace(dir.path());
    let expected = std::fs::read_to_string(fixture("iit_cumulative.csv")).unwrap_or_default();
    let mut reader = csv::Reader::from_reader(expected.as_bytes());
    // (case, month) → (withholding, cumulative)
    let mut want: HashMap<(String, u32), (Decimal, Decimal)> = HashMap::new();
    for r in reader.records() {
        let r = r.unwrap();
        let dec = |i: usize| Decimal::from_str(&r[i]).unwrap();
        want.insert((r[0].to_string(), r[1].parse().unwrap_or(0)), (dec(6), dec(7)));
    }
    let mut checked = 0;
    for month in 1..=12u32 {
        let period = format!("2026-{month:02}");
        write_month(dir.path(), &period, &[("S1", 10000, 1000), ("S2", 30000, 2000)]);
        let out = paybatch()
            .args(["run", "-p", &period, "-w"])
            .arg(dir.path())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{period}: {}", stdout(&out));
        let rows = read_results(dir.path(), &period);
        for (id, case) in [("S1", "sta_example_1"), ("S2", "sta_example_2")] {
            let row = &rows[id];
            assert_eq!(row["si_employee"], if id == "S1" { "1500.00" } else { "4500.00" });
            if let Some((withholding, cumulative)) = want.get(&(case.to_string(), month)) {
                assert_eq!(row["iit"], format!("{withholding:.2}"), "{case} month {month}");
                assert_eq!(
                    row["ytd_tax_withheld"],
                    format!("{cumulative:.2}"),
                    "{case} month {month}"
                );
                checked += 1;
            }
        }
        // Example 2's published figures for the months the fixture leaves out.
        let s2 = &rows["S2"]["iit"];
        match month {
            8 => assert_eq!(s2, "2250.00"),
            9..=12 => assert_eq!(s2, "3700.00"),
            _ => {}
        }
    }
    assert_eq!(checked, 24, "every fixture row was checked");
    let dec = read_results(dir.path(), "2026-12");
    assert_eq!(dec["S2"]["ytd_tax_withheld"], "27480.00");
    assert_eq!(dec["S1"]["ytd_tax_withheld"], "900.00");
    assert_eq!(dec["S2"]["ytd_months"], "12");
    assert_eq!(dec["S2"]["ytd_basic"], "60000.00");
}

#[test]
fn annual_bonus_vectors() {
    let rules = RuleSet::builtin().unwrap();
    let monthly = &rules.iit.rates.monthly[0];
    let text = std::fs::read_to_string(fixture("annual_bonus.csv")).unwrap_or_default();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let mut n = 0;
    for r in reader.records() {
        let r = r.unwrap();
        let bonus = Decimal::from_str(&r[0]).unwrap_or_default();
        let want = Decimal::from_str(&r[1]).unwrap_or_default();
        assert_eq!(bonus_separate_tax(monthly, bonus).0, want, "bonus {bonus}");
        n += 1;
    }
    assert_eq!(n, 7);
}
