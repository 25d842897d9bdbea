//! The generator plus `run` on 2,000 employees, checked employee by
//! employee against an independent computation written here from the
//! domain sheet (not from paybatch's code or rule files).

use std::collections::HashMap;
use std::str::FromStr;

use paybatch::model::Date;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use crate::util::{paybatch, stdout, tempdir};

fn fen(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
}

fn yuan(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(0, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
}

fn read_csv(path: &std::path::Path) -> Vec<HashMap<String, String>> {
    let mut r = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let header = r.headers().cloned().unwrap_or_default();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            header
                .iter()
                .map(String::from)
                .zip(rec.iter().map(String::from))
                .collect()
        })
        .collect()
}

fn num(s: &str) -> Decimal {
    let s = s.trim().trim_end_matches('%');
    if s.is_empty() {
        Decimal::ZERO
    } else {
        Decimal::from_str(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }
}

fn weekdays(from: Date, to: Date) -> i64 {
    (from.days_since_epoch()..=to.days_since_epoch())
        .filter(|d| (d + 3).rem_euclid(7) < 5)
        .count() as i64
}

/// (employee, employer) SI/HF for January 2026 per the domain sheet.
fn si(city: &str, si_base: Decimal, hf_base: Decimal, hf_rate: Decimal) -> (Decimal, Decimal) {
    let clamp = |b: Decimal, lo: i64, hi: i64| b.max(Decimal::from(lo)).min(Decimal::from(hi));
    // (base, employee rate, employer rate, employee fixed)
    let items: Vec<(Decimal, Decimal, Decimal, Decimal)> = match city {
        "北京" => {
            let b = clamp(si_base, 7162, 35811);
            vec![
                (b, dec!(0.08), dec!(0.16), dec!(0)),
                (b, dec!(0.02), dec!(0.098), dec!(3)),
                (b, dec!(0.005), dec!(0.005), dec!(0)),
                (b, dec!(0), dec!(0.004), dec!(0)),
            ]
        }
        "上海" => {
            let b = clamp(si_base, 7460, 37302);
            vec![
                (b, dec!(0.08), dec!(0.16), dec!(0)),
                (b, dec!(0.02), dec!(0.09), dec!(0)),
                (b, dec!(0.005), dec!(0.005), dec!(0)),
                (b, dec!(0), dec!(0.0016), dec!(0)),
            ]
        }
        "广州" => {
            let p = clamp(si_base, 5510, 27549);
            let m = clamp(si_base, 6236, 31179);
            vec![
                (p, dec!(0.08), dec!(0.15), dec!(0)),
                (m, dec!(0.02), dec!(0.0535), dec!(0)),
                (p, dec!(0.002), dec!(0.008), dec!(0)),
                (p, dec!(0), dec!(0.002), dec!(0)),
            ]
        }
        _ => {
            let b = clamp(si_base, 4986, 25299);
            vec![
                (b, dec!(0.08), dec!(0.16), dec!(0)),
                (b, dec!(0.02), dec!(0.095), dec!(0)),
                (b, dec!(0.005), dec!(0.005), dec!(0)),
                (b, dec!(0), dec!(0.002), dec!(0)),
            ]
        }
    };
    let mut ee: Decimal = items.iter().map(|(b, e, _, f)| fen(b * e + f)).sum();
    let mut er: Decimal = items.iter().map(|(b, _, r, _)| fen(b * r)).sum();
    let (hf_lo, hf_hi, max_rate) = match city {
        "北京" => (2540, 35811, dec!(0.12)),
        "上海" => (2690, 37302, dec!(0.07)),
        "广州" => (2500, 27549, dec!(0.12)),
        _ => (2490, 25299, dec!(0.12)),
    };
    let hb = clamp(hf_base, hf_lo, hf_hi);
    let rate = hf_rate.max(dec!(0.05)).min(max_rate);
    let hf = if city == "上海" {
        yuan(hb * rate)
    } else {
        fen(hb * rate)
    };
    ee += hf;
    er += hf;
    (ee, er)
}

/// The annual table on cumulative taxable income (the one the random
/// year test writes from the domain sheet).
fn annual_tax(taxable: Decimal) -> Decimal {
    crate::tax_year_random::cumulative_tax(taxable)
}

#[test]
fn generated_2000_employees_match_an_independent_computation() {
    let dir = tempdir();
    let ws = dir.path().join("ws");
    let out = paybatch()
        .args(["gen", "-n", "2000", "-p", "2026-01", "-o"])
        .arg(&ws)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let run = paybatch()
        .args(["run", "-p", "2026-01", "-w"])
        .arg(&ws)
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(0), "{}", stdout(&run));

    let inputs = ws.join("inputs/2026-01");
    let roster = read_csv(&inputs.join("花名册.csv"));
    let att: HashMap<String, HashMap<String, String>> = read_csv(&inputs.join("考勤.csv"))
        .into_iter()
        .map(|r| (r["工号"].clone(), r))
        .collect();
    let mut commission: HashMap<String, Decimal> = HashMap::new();
    for v in read_csv(&inputs.join("变动项.csv")) {
        if v["项目"] == "提成" {
            *commission.entry(v["工号"].clone()).or_default() += num(&v["金额"]);
        }
    }
    let ded: HashMap<String, Decimal> = read_csv(&inputs.join("专项附加扣除.csv"))
        .into_iter()
        .map(|r| {
            let total = ["子女教育", "赡养老人", "住房贷款利息", "住房租金"]
                .iter()
                .map(|k| num(&r[*k]))
                .sum();
            (r["工号"].clone(), total)
        })
        .collect();
    let first = Date::new(2026, 1, 1).unwrap_or(Date::EPOCH);
    let last = Date::new(2026, 1, 31).unwrap_or(Date::EPOCH);
    let month_weekdays = Decimal::from(weekdays(first, last));
    let min_wage = |city: &str| match city {
        "北京" => dec!(2540),
        "上海" => dec!(2740),
        "广州" => dec!(2500),
        _ => dec!(2660),
    };
    let mut want: HashMap<String, (Decimal, Decimal, Decimal, Decimal)> = HashMap::new();
    for r in &roster {
        let id = r["工号"].clone();
        let base = num(&r["基本工资"]);
        let hire: Date = r["入职日期"].parse().unwrap_or(first);
        let leave: Option<Date> = r["离职日期"].parse().ok();
        let start = hire.max(first);
        let end = leave.map_or(last, |l| l.min(last));
        let full = start == first && end == last;
        let base_pay = if full {
            base
        } else {
            fen(base * Decimal::from(weekdays(start, end)) / month_weekdays)
        };
        let a = &att[&id];
        let (unpaid_days, sick_days) = (num(&a["事假天数"]), num(&a["病假天数"]));
        let daily = base / dec!(21.75);
        let unpaid = fen(daily * unpaid_days).min(base_pay);
        let sick_raw = daily * sick_days * dec!(0.4);
        let room = (base_pay - unpaid - dec!(0.8) * min_wage(&r["参保城市"])).max(Decimal::ZERO);
        let sick = fen(sick_raw.min(room));
        let overtime =
            fen(base / dec!(174) * (num(&a["工作日加班小时"]) * dec!(1.5) + num(&a["休息日加班小时"]) * dec!(2)));
        let bonus_attendance = if unpaid_days + sick_days == Decimal::ZERO && full {
            dec!(200)
        } else {
            dec!(0)
        };
        let allowance = dec!(500) + bonus_attendance;
        let gross = base_pay - unpaid - sick + overtime + allowance + commission.get(&id).copied().unwrap_or_default();
        let (ee, _) = si(
            &r["参保城市"],
            num(&r["社保基数"]),
            num(&r["公积金基数"]),
            num(&r["公积金比例"]) / dec!(100),
        );
        let taxable = (gross - dec!(5000) - ee - ded.get(&id).copied().unwrap_or_default()).max(Decimal::ZERO);
        let iit = annual_tax(taxable);
        want.insert(id, (gross, ee, iit, gross - ee - iit));
    }

    let w = paybatch::workspace::Workspace::open(&ws).unwrap();
    let dir_out = paybatch::ledger::state::outputs_dir(&w, "2026-01".parse().unwrap())
        .unwrap()
        .unwrap_or_else(|| panic!("no outputs"));
    let got = read_csv(&dir_out.join("results.csv"));
    assert_eq!(got.len(), 2000);
    let mut totals = (Decimal::ZERO, Decimal::ZERO, Decimal::ZERO, Decimal::ZERO);
    for g in &got {
        let (gross, ee, iit, net) = want[&g["employee_id"]];
        assert_eq!(num(&g["gross"]), gross, "{} gross", g["employee_id"]);
        assert_eq!(num(&g["si_employee"]), ee, "{} SI/HF", g["employee_id"]);
        assert_eq!(num(&g["iit"]), iit, "{} IIT", g["employee_id"]);
        assert_eq!(num(&g["net"]), net, "{} net", g["employee_id"]);
        totals.0 += gross;
        totals.1 += ee;
        totals.2 += iit;
        totals.3 += net;
    }
    let expected_net: Decimal = want.values().map(|w| w.3).sum();
    assert_eq!(totals.3, expected_net);
    assert!(
        totals.0 > Decimal::from(20_000_000),
        "a realistic payroll: {}",
        totals.0
    );
}

/// The same generated month as CSV, xlsx and Parquet inputs gives
/// byte-identical results: every reader types the cells the same way.
#[test]
fn csv_xlsx_and_parquet_inputs_give_identical_results() {
    let dir = tempdir();
    let mut results = Vec::new();
    for format in ["csv", "xlsx", "parquet"] {
        let ws = dir.path().join(format);
        let out = paybatch()
            .args(["gen", "-n", "300", "-p", "2026-01", "--input-format", format, "-o"])
            .arg(&ws)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
        let roster = ws.join(format!("inputs/2026-01/花名册.{format}"));
        assert!(roster.is_file(), "{} written", roster.display());
        let run = paybatch()
            .args(["--format", "json", "run", "-p", "2026-01", "-w"])
            .arg(&ws)
            .output()
            .unwrap();
        assert_eq!(run.status.code(), Some(0), "{format}: {}", stdout(&run));
        let w = paybatch::workspace::Workspace::open(&ws).unwrap();
        let period = "2026-01".parse().unwrap();
        let outputs = paybatch::ledger::state::outputs_dir(&w, period)
            .unwrap()
            .unwrap_or_else(|| panic!("no outputs"));
        results.push(std::fs::read(outputs.join("results.csv")).unwrap_or_default());
    }
    assert!(results[0].len() > 10_000, "300 employees' results");
    assert!(results[0] == results[1], "xlsx inputs give the same results as CSV");
    assert!(results[0] == results[2], "Parquet inputs give the same results as CSV");
}
