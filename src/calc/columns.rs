//! The results table's columns: one list, used by the results CSV, the
//! payroll register and the totals, so they can never disagree.

use rust_decimal::Decimal;

use super::employee::{EmployeeResult, SiLine};
use crate::model::Figure;

/// A money column of the results.
#[derive(Debug)]
pub struct MoneyColumn {
    pub key: &'static str,
    pub zh: &'static str,
    pub get: fn(&EmployeeResult) -> Decimal,
    /// The same amount as the result keeps it, when it keeps a [`Figure`]
    /// (`None` when the amount does not fit one: then `get`).
    pub figure: fn(&EmployeeResult) -> Option<Figure>,
}

macro_rules! col {
    ($key:literal, $zh:literal, $field:ident) => {
        MoneyColumn {
            key: $key,
            zh: $zh,
            get: |r| r.$field.get(),
            figure: |r| Some(r.$field),
        }
    };
}

/// Money columns before the SI/HF items, in register order.
pub const PAY_COLUMNS: &[MoneyColumn] = &[
    col!("base_salary", "基本工资标准", base_salary),
    col!("base_pay", "基本工资", base_pay),
    col!("unpaid_leave_deduction", "事假扣款", unpaid_leave_deduction),
    col!("sick_leave_deduction", "病假扣款", sick_leave_deduction),
    col!("overtime", "加班工资", overtime),
    col!("allowance", "津贴补贴", allowance),
    col!("commission", "提成", commission),
    col!("bonus", "奖金", bonus),
    col!("retro", "补发", retro),
    col!("pre_tax_deduction", "税前扣款", pre_tax_deduction),
    col!("gross", "应发工资", gross),
    MoneyColumn {
        key: "annual_bonus",
        zh: "全年一次性奖金",
        get: |r| r.annual_bonus.as_ref().map_or(Decimal::ZERO, |b| b.amount),
        figure: |r| {
            r.annual_bonus
                .as_ref()
                .map_or(Some(Figure::ZERO), |b| Figure::of(b.amount))
        },
    },
    col!("total_pay", "应发合计", total_pay),
];

/// Money columns after the SI/HF items.
pub const TAIL_COLUMNS: &[MoneyColumn] = &[
    col!("si_employee", "社保公积金个人合计", si_employee),
    col!("iit", "工资个税", iit),
    col!("bonus_tax", "年终奖个税", bonus_tax),
    col!("post_tax_deduction", "税后扣款", post_tax_deduction),
    col!("damage_deduction", "赔偿扣款", damage_deduction),
    col!("net", "实发工资", net),
    col!("si_employer", "社保公积金单位合计", si_employer),
    col!("employer_cost", "人工成本", employer_cost),
];

/// Canonical order of SI/HF item keys; others follow alphabetically.
const ITEM_ORDER: [&str; 6] = [
    "pension",
    "medical",
    "unemployment",
    "work_injury",
    "maternity",
    "housing_fund",
];

/// The SI/HF item keys present in `results`, with their Chinese labels.
pub fn si_items(results: &[EmployeeResult]) -> Vec<(String, String)> {
    let mut items: Vec<(String, String)> = Vec::new();
    for r in results {
        for l in &r.si {
            if !items.iter().any(|(k, _)| k == l.key()) {
                items.push((l.key().to_string(), l.label().zh.clone()));
            }
        }
    }
    items.sort_by_key(|(k, _)| {
        (
            ITEM_ORDER.iter().position(|o| o == k).unwrap_or(ITEM_ORDER.len()),
            k.clone(),
        )
    });
    items
}

/// An employee's SI lines placed by item: `slots[i]` holds (base, employee,
/// employer) of `items[i]`, zero where the employee has no such line (the
/// first line of a key counts, as in [`si_values`]). Each line is matched
/// once per employee, not once per column.
pub fn si_slots<K: AsRef<str>>(r: &EmployeeResult, items: &[K], slots: &mut Vec<Option<[Decimal; 3]>>) {
    si_slots_with(r, items, slots, |l| [l.base.get(), l.employee.dec(), l.employer.dec()]);
}

/// [`si_slots`] with each line's three values as `values` gives them.
pub fn si_slots_with<K: AsRef<str>, T>(
    r: &EmployeeResult,
    items: &[K],
    slots: &mut Vec<Option<[T; 3]>>,
    values: impl Fn(&SiLine) -> [T; 3],
) {
    slots.clear();
    slots.resize_with(items.len(), || None);
    // Lines mostly come in the items' order: the item after the last one
    // found is tried first (items are distinct, so the answer is the same).
    let mut next = 0;
    for l in &r.si {
        let key = l.key();
        let found = match items.get(next) {
            Some(k) if k.as_ref() == key => Some(next),
            _ => items.iter().position(|k| k.as_ref() == key),
        };
        if let Some(i) = found {
            slots[i].get_or_insert_with(|| values(l));
            next = i + 1;
        }
    }
}

/// An employee's SI line for an item key (the first one, if several).
pub fn si_line<'r>(r: &'r EmployeeResult, key: &str) -> Option<&'r SiLine> {
    r.si.iter().find(|l| l.key() == key)
}

/// An employee's SI line values for an item key: (base, employee, employer).
pub fn si_values(r: &EmployeeResult, key: &str) -> (Decimal, Decimal, Decimal) {
    si_line(r, key).map_or((Decimal::ZERO, Decimal::ZERO, Decimal::ZERO), |l| {
        (l.base.get(), l.employee.dec(), l.employer.dec())
    })
}
