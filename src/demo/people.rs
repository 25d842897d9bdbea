//! Deterministic fake employees with valid identifiers.

use rust_decimal::Decimal;

use crate::model::Date;
use crate::model::ids::{luhn_check_digit, resident_id_check_char};

/// A tiny deterministic PRNG (SplitMix64); no external randomness.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[lo, hi]`.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        let span = (hi - lo + 1).max(1) as u64;
        lo + (self.next_u64() % span) as i64
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[(self.next_u64() % items.len() as u64) as usize]
    }
}

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林", "何", "郭", "马",
    "罗",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超",
    "秀兰", "霞", "平", "刚", "桂英", "晨", "欣怡", "子涵", "浩然", "雨桐", "宇轩", "梓萱",
];
const DEPARTMENTS: &[(&str, &str)] = &[
    ("销售部", "CC100"),
    ("研发部", "CC200"),
    ("财务部", "CC300"),
    ("人力资源部", "CC400"),
    ("运营部", "CC500"),
];
const BANKS: &[(&str, &str)] = &[
    ("中国工商银行", "622202"),
    ("招商银行", "621483"),
    ("中国建设银行", "621700"),
];

/// One demo employee.
#[derive(Debug, Clone)]
pub struct Person {
    pub seq: i64,
    pub id: String,
    pub name: String,
    pub id_number: String,
    pub phone: String,
    pub department: String,
    pub cost_center: String,
    pub city: String,
    pub hire_date: Date,
    pub leave_date: Option<Date>,
    pub base_salary: Decimal,
    pub si_base: Decimal,
    pub hf_rate: Decimal,
    pub bank_name: String,
    pub bank_card: String,
    pub first_job_this_year: bool,
    pub prior_year_le_60k: bool,
}

/// A valid resident ID for a region and birth date.
pub fn make_resident_id(region: &str, birth: Date, seq: i64) -> String {
    let body = format!(
        "{region}{:04}{:02}{:02}{:03}",
        birth.year(),
        birth.month(),
        birth.day(),
        seq.rem_euclid(1000)
    );
    let check = resident_id_check_char(&body).unwrap_or('0');
    format!("{body}{check}")
}

/// A valid 19-digit card for a bank prefix.
pub fn make_card(prefix: &str, rng: &mut Rng) -> String {
    let partial = format!("{prefix}{:012}", rng.next_u64() % 1_000_000_000_000);
    let check = luhn_check_digit(&partial);
    format!("{partial}{check}")
}

/// `n` deterministic employees; the last few join or leave during Q1 2026.
pub fn people(n: i64) -> Vec<Person> {
    let mut rng = Rng::new(20_260_101);
    (1..=n)
        .map(|seq| {
            let beijing = seq % 2 == 1;
            let (city, region) = if beijing {
                ("北京", "110105")
            } else {
                ("上海", "310104")
            };
            let birth = Date::new(
                rng.range(1970, 2000) as i32,
                rng.range(1, 12) as u32,
                rng.range(1, 28) as u32,
            )
            .unwrap_or(Date::EPOCH);
            let name = format!("{}{}", rng.pick(SURNAMES), rng.pick(GIVEN));
            let (department, cost_center) = *rng.pick(DEPARTMENTS);
            let (bank_name, prefix) = *rng.pick(BANKS);
            let base = Decimal::from(rng.range(60, 400) * 100);
            let (hire_date, leave_date, first_job) = match seq {
                s if s == n - 3 => (Date::new(2026, 2, 9), None, false),
                s if s == n - 2 => (Date::new(2026, 2, 16), None, true),
                s if s == n - 1 => (Date::new(2026, 3, 2), None, false),
                s if s == n => (Date::new(2026, 3, 16), None, false),
                10 => (Date::new(2019, 5, 6), Date::new(2026, 2, 13), false),
                20 => (Date::new(2021, 9, 1), Date::new(2026, 3, 20), false),
                _ => (
                    Date::new(
                        rng.range(2012, 2025) as i32,
                        rng.range(1, 12) as u32,
                        rng.range(1, 28) as u32,
                    ),
                    None,
                    false,
                ),
            };
            Person {
                seq,
                id: format!("E{seq:04}"),
                name,
                id_number: make_resident_id(region, birth, seq * 7),
                phone: format!("13{:09}", rng.next_u64() % 1_000_000_000),
                department: department.into(),
                cost_center: cost_center.into(),
                city: city.into(),
                hire_date: hire_date.unwrap_or(Date::EPOCH),
                leave_date,
                base_salary: base,
                // Declared within both cities' 2025-26 floor and cap.
                si_base: base.clamp(Decimal::from(7500), Decimal::from(35000)),
                hf_rate: if beijing {
                    Decimal::new(12, 2)
                } else {
                    Decimal::new(7, 2)
                },
                bank_name: bank_name.into(),
                bank_card: make_card(prefix, &mut rng),
                first_job_this_year: first_job,
                prior_year_le_60k: seq % 9 == 0 && base <= Decimal::from(5000),
            }
        })
        .collect()
}
