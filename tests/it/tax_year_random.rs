//! Randomized employee-years through twelve sealed months, checked month
//! by month against an independent computation written here from the
//! domain sheet (cumulative withholding, STA 2020 No. 13 and No. 19, the
//! annual bonus once a year under each policy): not from paybatch's tax
//! code or rule files.
//!
//! Joiners and leavers in any month, first jobs, the 60k flag on people
//! who may and may not use it, zero, one or two bonuses under every
//! policy, and workspaces that start in April, July or October from an
//! opening-balance file. CI runs 2,000 employee-years; the ignored test
//! runs 20,000.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;

use paybatch::model::{Date, Period};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use crate::calc_sta::{read_results, test_workspace};
use crate::util::{pb, stdout, tempdir};

/// xorshift64*: the test's own randomness.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// In `lo..=hi`.
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next() % (hi - lo + 1) as u64) as i64
    }
    fn chance(&mut self, percent: i64) -> bool {
        self.range(1, 100) <= percent
    }
}

fn fen(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
}

fn date(y: i32, m: u32, d: u32) -> Date {
    Date::new(y, m, d).unwrap_or_else(|| panic!("{y}-{m}-{d}"))
}

fn period(m: u32) -> Period {
    format!("2026-{m:02}").parse().unwrap()
}

fn weekdays(from: Date, to: Date) -> i64 {
    (from.days_since_epoch()..=to.days_since_epoch())
        .filter(|d| (d + 3).rem_euclid(7) < 5)
        .count() as i64
}

/// 综合所得 annual table on cumulative taxable income.
pub fn cumulative_tax(taxable: Decimal) -> Decimal {
    let table = [
        (dec!(36000), dec!(0.03), dec!(0)),
        (dec!(144000), dec!(0.10), dec!(2520)),
        (dec!(300000), dec!(0.20), dec!(16920)),
        (dec!(420000), dec!(0.25), dec!(31920)),
        (dec!(660000), dec!(0.30), dec!(52920)),
        (dec!(960000), dec!(0.35), dec!(85920)),
    ];
    let (rate, quick) = table
        .iter()
        .find(|(upto, _, _)| taxable <= *upto)
        .map_or((dec!(0.45), dec!(181920)), |(_, r, q)| (*r, *q));
    fen(taxable * rate - quick).max(Decimal::ZERO)
}

/// The annual bonus taxed separately: the monthly table at bonus ÷ 12.
fn separate_tax(bonus: Decimal) -> Decimal {
    let table = [
        (dec!(3000), dec!(0.03), dec!(0)),
        (dec!(12000), dec!(0.10), dec!(210)),
        (dec!(25000), dec!(0.20), dec!(1410)),
        (dec!(35000), dec!(0.25), dec!(2660)),
        (dec!(55000), dec!(0.30), dec!(4410)),
        (dec!(80000), dec!(0.35), dec!(7160)),
    ];
    let per_month = bonus / dec!(12);
    let (rate, quick) = table
        .iter()
        .find(|(upto, _, _)| per_month <= *upto)
        .map_or((dec!(0.45), dec!(15160)), |(_, r, q)| (*r, *q));
    fen(bonus * rate - quick).max(Decimal::ZERO)
}

#[derive(Clone, Copy, PartialEq)]
enum Policy {
    Default,
    Separate,
    Merged,
    Cheaper,
}

struct Person {
    id: String,
    hire: Date,
    leave: Option<Date>,
    wage: Decimal,
    hf_rate: u32,
    flag_60k: bool,
    first_job: bool,
    children: u32,
    elderly: Decimal,
    policy: Policy,
    /// Annual bonuses by month.
    bonuses: Vec<(u32, Decimal)>,
}

impl Person {
    fn employed_in(&self, m: u32) -> bool {
        let p = period(m);
        self.hire <= p.last_day() && self.leave.is_none_or(|l| l >= p.first_day())
    }
    fn deduction(&self) -> Decimal {
        Decimal::from(2000 * self.children) + self.elderly
    }
    fn bonus_in(&self, m: u32) -> Decimal {
        self.bonuses.iter().filter(|b| b.0 == m).map(|b| b.1).sum()
    }
}

fn people(rng: &mut Rng, n: usize, prefix: &str) -> Vec<Person> {
    let boundary_bonuses = [
        dec!(36000),
        dec!(36000.01),
        dec!(144000),
        dec!(300000),
        dec!(420000),
        dec!(960000.12),
    ];
    (0..n)
        .map(|i| {
            let hire = match rng.range(1, 100) {
                1..=35 => date(
                    rng.range(2015, 2024) as i32,
                    rng.range(1, 12) as u32,
                    rng.range(1, 28) as u32,
                ),
                36..=42 => date(2025, 1, 1),
                43..=45 => date(2025, 1, 2),
                46..=62 => date(2025, rng.range(1, 12) as u32, rng.range(1, 28) as u32),
                // Joining by the 20th and leaving from the 10th, a short
                // month's pay still covers the full month's SI/HF (a
                // negative net pay is a finding that stops the run).
                _ => date(2026, rng.range(1, 12) as u32, rng.range(1, 20) as u32),
            };
            let first_leave_month = if hire.year() == 2026 { hire.month() + 1 } else { 1 };
            let leave = (rng.chance(18) && first_leave_month <= 12).then(|| {
                let m = rng.range(i64::from(first_leave_month), 12) as u32;
                date(2026, m, rng.range(10, 28) as u32)
            });
            let hired_this_year = hire.year() == 2026;
            let policy = match rng.range(0, 3) {
                0 => Policy::Default,
                1 => Policy::Separate,
                2 => Policy::Merged,
                _ => Policy::Cheaper,
            };
            let mut person = Person {
                id: format!("{prefix}{i:05}"),
                hire,
                leave,
                wage: Decimal::new(rng.range(300_000, 9_000_000), 2),
                hf_rate: rng.range(5, 12) as u32,
                flag_60k: !hired_this_year && rng.chance(35),
                first_job: hired_this_year && rng.chance(40),
                children: rng.range(0, 2) as u32,
                elderly: if rng.chance(30) { dec!(3000) } else { dec!(0) },
                policy,
                bonuses: Vec::new(),
            };
            let months: Vec<u32> = (1..=12).filter(|&m| person.employed_in(m)).collect();
            let count = match rng.range(1, 100) {
                1..=45 => 0,
                46..=80 => 1,
                _ => 2,
            };
            for _ in 0..count.min(months.len()) {
                let m = months[rng.range(0, months.len() as i64 - 1) as usize];
                let amount = if rng.chance(20) {
                    boundary_bonuses[rng.range(0, 5) as usize]
                } else {
                    Decimal::new(rng.range(100_000, 40_000_000), 2)
                };
                person.bonuses.push((m, amount));
            }
            person
        })
        .collect()
}

/// One employee-year as the domain sheet computes it.
#[derive(Default, Clone, Copy)]
struct Year {
    months: u32,
    income: Decimal,
    basic: Decimal,
    special: Decimal,
    additional: Decimal,
    withheld: Decimal,
    separate_used: bool,
}

#[derive(Debug, PartialEq)]
struct Month {
    gross: Decimal,
    si_employee: Decimal,
    iit: Decimal,
    bonus_tax: Decimal,
    net: Decimal,
    method: &'static str,
}

/// The month `m` of `p`, after `y` (the months before it here).
fn compute(p: &Person, m: u32, y: &mut Year) -> Month {
    let (first, last) = (period(m).first_day(), period(m).last_day());
    let (start, end) = (p.hire.max(first), p.leave.map_or(last, |l| l.min(last)));
    let gross = if start == first && end == last {
        p.wage
    } else {
        fen(p.wage * Decimal::from(weekdays(start, end)) / Decimal::from(weekdays(first, last)))
    };
    let b = p.wage;
    let hf = fen(b * Decimal::from(p.hf_rate) / dec!(100));
    let si = fen(b * dec!(0.08)) + fen(b * dec!(0.02)) + hf;
    let months = y.months + 1;
    let eligible_60k = p.flag_60k && p.hire <= date(2025, 1, 1);
    let basic = if eligible_60k {
        dec!(60000)
    } else if p.first_job {
        Decimal::from(5000 * m)
    } else {
        Decimal::from(5000 * months)
    };
    let (special, additional) = (y.special + si, y.additional + p.deduction());
    let withhold = |income: Decimal| {
        let taxable = (y.income + income - basic - special - additional).max(Decimal::ZERO);
        (cumulative_tax(taxable) - y.withheld).max(Decimal::ZERO)
    };
    let bonus = p.bonus_in(m);
    let wage_tax = withhold(gross);
    let (mut income, mut iit, mut bonus_tax, mut method) = (gross, wage_tax, Decimal::ZERO, "");
    if bonus > Decimal::ZERO {
        let separate_ok = !y.separate_used;
        let sep = separate_tax(bonus);
        let merged_extra = withhold(gross + bonus) - wage_tax;
        let separate = separate_ok
            && match p.policy {
                Policy::Separate => true,
                Policy::Merged => false,
                // The workspace default is 择优.
                Policy::Cheaper | Policy::Default => sep <= merged_extra,
            };
        if separate {
            bonus_tax = sep;
            y.separate_used = true;
            method = "separate";
        } else {
            income = gross + bonus;
            iit = withhold(income);
            method = "merged";
        }
    }
    *y = Year {
        months,
        income: y.income + income,
        basic,
        special,
        additional,
        withheld: y.withheld + iit,
        separate_used: y.separate_used,
    };
    Month {
        gross,
        si_employee: si,
        iit,
        bonus_tax,
        net: gross + bonus - si - iit - bonus_tax,
        method,
    }
}

fn yes(b: bool) -> &'static str {
    if b { "是" } else { "否" }
}

/// Writes month `m`'s inputs for everyone employed in it; with `opening`,
/// the opening balances of those employed earlier in the year.
fn write_month(root: &Path, m: u32, staff: &[Person], opening: Option<&HashMap<String, Year>>) {
    let dir = root.join("inputs").join(period(m).to_string());
    std::fs::create_dir_all(&dir).unwrap();
    let mut roster = String::from(
        "工号,姓名,证件号码,参保城市,入职日期,离职日期,基本工资,银行卡号,社保基数,公积金基数,公积金比例,上年收入不超6万,年内首次就业,年终奖计税方式\n",
    );
    let mut deductions = String::from("工号,姓名,子女教育,子女人数,赡养老人\n");
    let mut variable = String::from("工号,姓名,项目,金额\n");
    let mut rng = paybatch::demo::people::Rng::new(7);
    let last = period(m).last_day();
    for (i, p) in staff.iter().enumerate().filter(|(_, p)| p.employed_in(m)) {
        let birth = date(1980 + (i % 20) as i32, 1 + (i % 12) as u32, 1 + (i % 28) as u32);
        let idn = paybatch::demo::people::make_resident_id("110105", birth, i as i64 + 1);
        let card = paybatch::demo::people::make_card("622202", &mut rng);
        let leave = p
            .leave
            .filter(|l| *l <= last)
            .map(|l| l.to_string())
            .unwrap_or_default();
        let policy = match p.policy {
            Policy::Default => "",
            Policy::Separate => "单独计税",
            Policy::Merged => "并入综合所得",
            Policy::Cheaper => "择优",
        };
        let _ = writeln!(
            roster,
            "{},员工{i},{idn},测试市,{},{leave},{},{card},{},{},{}%,{},{},{policy}",
            p.id,
            p.hire,
            p.wage,
            p.wage,
            p.wage,
            p.hf_rate,
            yes(p.flag_60k),
            yes(p.first_job)
        );
        if !p.deduction().is_zero() {
            let _ = writeln!(
                deductions,
                "{},员工{i},{},{},{}",
                p.id,
                2000 * p.children,
                p.children,
                p.elderly
            );
        }
        let bonus = p.bonus_in(m);
        if !bonus.is_zero() {
            let _ = writeln!(variable, "{},员工{i},全年一次性奖金,{bonus}", p.id);
        }
    }
    let write = |name: &str, text: &str| std::fs::write(dir.join(name), text).unwrap();
    write("花名册.csv", &roster);
    write("专项附加扣除.csv", &deductions);
    write("变动项.csv", &variable);
    if let Some(opening) = opening {
        let mut text = String::from(
            "工号,姓名,累计月数,累计收入,累计免税收入,累计减除费用,累计专项扣除,累计专项附加扣除,累计其他扣除,累计已预扣税额,年终奖已单独计税\n",
        );
        for (i, p) in staff.iter().enumerate().filter(|(_, p)| p.employed_in(m)) {
            if let Some(y) = opening.get(&p.id).filter(|y| y.months > 0) {
                let _ = writeln!(
                    text,
                    "{},员工{i},{},{},0,{},{},{},0,{},{}",
                    p.id,
                    y.months,
                    y.income,
                    y.basic,
                    y.special,
                    y.additional,
                    y.withheld,
                    yes(y.separate_used)
                );
            }
        }
        write("期初累计.csv", &text);
    }
}

fn num(s: &str) -> Decimal {
    s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
}

/// Runs and seals months `start..=12` for `staff`, comparing every
/// employee-month; returns (employee-years, differences).
fn run_year(root: &Path, staff: &[Person], start: u32) -> (usize, Vec<String>) {
    test_workspace(root);
    // A 60k flag on someone who cannot use it is an error finding (R026);
    // made a warning here, so the calculation's own refusal is tested too.
    let rules = root.join("rules/validation/roster.toml");
    let text = std::fs::read_to_string(&rules).unwrap_or_default();
    let at = text.find("code = \"R026\"").unwrap_or_else(|| panic!("R026"));
    let relaxed = format!(
        "{}{}",
        &text[..at],
        text[at..].replacen("severity = \"error\"", "severity = \"warning\"", 1)
    );
    std::fs::write(&rules, relaxed).unwrap();

    let mut years: HashMap<String, Year> = staff.iter().map(|p| (p.id.clone(), Year::default())).collect();
    for m in 1..start {
        for p in staff.iter().filter(|p| p.employed_in(m)) {
            let y = years.get_mut(&p.id).unwrap_or_else(|| panic!("{}", p.id));
            compute(p, m, y);
        }
    }
    let mut differences = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for m in start..=12 {
        write_month(root, m, staff, (m == start && start > 1).then_some(&years));
        let p = period(m).to_string();
        let out = pb(root, &["run", "-p", &p]);
        assert_eq!(out.status.code(), Some(0), "{p}: {}", stdout(&out));
        let got = read_results(root, &p);
        for person in staff.iter().filter(|x| x.employed_in(m)) {
            seen.insert(person.id.clone());
            let y = years.get_mut(&person.id).unwrap_or_else(|| panic!("{}", person.id));
            let want = compute(person, m, y);
            let Some(row) = got.get(&person.id) else {
                differences.push(format!("{p} {}: no result", person.id));
                continue;
            };
            let have = Month {
                gross: num(&row["gross"]),
                si_employee: num(&row["si_employee"]),
                iit: num(&row["iit"]),
                bonus_tax: num(&row["bonus_tax"]),
                net: num(&row["net"]),
                method: match row["bonus_method"].as_str() {
                    "separate" => "separate",
                    "merged" => "merged",
                    _ => "",
                },
            };
            if have != want {
                differences.push(format!(
                    "{p} {} (hired {}, 60k flag {}, first job {}): want {want:?}, got {have:?}",
                    person.id, person.hire, person.flag_60k, person.first_job
                ));
            }
        }
        let out = pb(root, &["close", "-p", &p]);
        assert_eq!(out.status.code(), Some(0), "close {p}: {}", stdout(&out));
    }
    (seen.len(), differences)
}

fn random_years(per_workspace: usize, seed: u64) {
    let mut rng = Rng(seed);
    let mut employee_years = 0;
    let mut differences = Vec::new();
    for (w, start) in [1, 4, 7, 10].into_iter().enumerate() {
        let staff = people(&mut rng, per_workspace, &format!("W{w}E"));
        let dir = tempdir();
        let (n, d) = run_year(dir.path(), &staff, start);
        employee_years += n;
        differences.extend(d);
    }
    assert!(
        differences.is_empty(),
        "{} differences in {employee_years} employee-years, first: {:#?}",
        differences.len(),
        &differences[..differences.len().min(10)]
    );
    assert!(
        employee_years >= per_workspace * 4 * 8 / 10,
        "{employee_years} employee-years"
    );
}

#[test]
fn two_thousand_random_employee_years_match_to_the_fen() {
    random_years(560, 0x9E37_79B9_7F4A_7C15);
}

#[test]
#[ignore = "20,000 employee-years: run with --ignored"]
fn twenty_thousand_random_employee_years_match_to_the_fen() {
    random_years(5600, 0xD1B5_4A32_D192_ED03);
}
