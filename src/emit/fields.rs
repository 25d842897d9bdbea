//! The fields a template can name, per employee row, and the placeholders
//! a literal can use. One place, so every output speaks the same names as
//! the results table.

use rust_decimal::Decimal;

use crate::calc::columns::{PAY_COLUMNS, TAIL_COLUMNS, si_values};
use crate::calc::employee::EmployeeResult;
use crate::calc::input::ADDITIONAL_ITEMS;
use crate::model::{Date, Period};
use crate::workspace::Config;

/// A field's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldValue {
    Text(String),
    Money(Decimal),
    Date(Date),
    Empty,
}

impl FieldValue {
    pub fn money(&self) -> Option<Decimal> {
        match self {
            FieldValue::Money(m) => Some(*m),
            _ => None,
        }
    }
}

/// What every row of a period shares.
pub struct Context<'a> {
    pub period: Period,
    pub config: &'a Config,
    /// Each employee's SI base in the previous period (for base changes).
    pub previous_si_base: &'a std::collections::HashMap<String, Decimal>,
}

impl Context<'_> {
    /// Fills `{period}`, `{period_cn}`, `{period_compact}`, `{company}`,
    /// `{payer.*}` and `{pay_date}` in a literal.
    pub fn fill(&self, text: &str) -> String {
        if !text.contains('{') {
            return text.to_string();
        }
        let p = self.period;
        let payer = &self.config.payer;
        let pay_day = self.config.company.pay_day.unwrap_or(p.days()).min(p.days());
        let pay_date = Date::new(p.year(), p.month(), pay_day)
            .map(|d| d.to_string())
            .unwrap_or_default();
        text.replace("{period_cn}", &format!("{}年{}月", p.year(), p.month()))
            .replace("{period_compact}", &format!("{:04}{:02}", p.year(), p.month()))
            .replace("{period}", &p.to_string())
            .replace("{company}", &self.config.company.name)
            .replace("{payer.account}", &payer.account)
            .replace("{payer.name}", &payer.name)
            .replace("{payer.bank}", &payer.bank)
            .replace("{payer.province}", &payer.province)
            .replace("{payer.city}", &payer.city)
            .replace("{pay_date}", &pay_date)
    }
}

/// SI/HF items whose employee share is social insurance (not housing fund).
fn si_only(r: &EmployeeResult, employer: bool) -> Decimal {
    r.si.iter()
        .filter(|l| l.key != "housing_fund")
        .map(|l| if employer { l.employer } else { l.employee })
        .sum()
}

/// The value of a named field for an employee; `None` if no such field.
pub fn field(name: &str, r: &EmployeeResult, ctx: &Context<'_>) -> Option<FieldValue> {
    let text = |s: &str| Some(FieldValue::Text(s.to_string()));
    let money = |d: Decimal| Some(FieldValue::Money(d));
    match name {
        "employee_id" => return text(&r.employee_id),
        "name" => return text(&r.name),
        "id_type" => return text(&r.id_type),
        "id_number" => return text(&r.id_number),
        "id_number_masked" => return text(&crate::model::ids::mask(&r.id_number)),
        "phone" => return text(&r.phone),
        "email" => return text(&r.email),
        "department" => return text(&r.department),
        "cost_center" => return text(&r.cost_center),
        "city" => return text(&r.city),
        "bank_name" => return text(&r.bank_name),
        "bank_card" => return text(&r.bank_card),
        "bank_card_masked" => return text(&crate::model::ids::mask(&r.bank_card)),
        "hire_date" => return Some(FieldValue::Date(r.hire_date)),
        "leave_date" => return Some(r.leave_date.map_or(FieldValue::Empty, FieldValue::Date)),
        "tax_free" => return money(r.tax_free),
        "iit_income" => {
            let merged = r
                .annual_bonus
                .as_ref()
                .filter(|b| !b.separate)
                .map_or(Decimal::ZERO, |b| b.amount);
            return money(r.gross + merged);
        }
        "si_only_employee" => return money(si_only(r, false)),
        "si_only_employer" => return money(si_only(r, true)),
        "hf_total" => {
            let (_, ee, er) = si_values(r, "housing_fund");
            return money(ee + er);
        }
        "previous_si_base" => {
            return Some(
                ctx.previous_si_base
                    .get(r.employee_id.as_str())
                    .map_or(FieldValue::Empty, |d| FieldValue::Money(*d)),
            );
        }
        _ => {}
    }
    if let Some(c) = PAY_COLUMNS.iter().chain(TAIL_COLUMNS).find(|c| c.key == name) {
        return money((c.get)(r));
    }
    if let Some(rest) = name.strip_prefix("si_") {
        for (suffix, pick) in [("_base", 0), ("_employee", 1), ("_employer", 2)] {
            if let Some(key) = rest.strip_suffix(suffix) {
                let v = si_values(r, key);
                return money([v.0, v.1, v.2][pick]);
            }
        }
    }
    if let Some(item) = name.strip_prefix("add_")
        && let Some(i) = ADDITIONAL_ITEMS.iter().position(|k| *k == item)
    {
        return money(r.additional[i]);
    }
    if let Some(item) = name.strip_prefix("ytd_") {
        if let Some(i) = ADDITIONAL_ITEMS.iter().position(|k| *k == item) {
            return money(r.ytd.additional_items[i]);
        }
        let y = &r.ytd;
        return match item {
            "income" => money(y.income),
            "tax_free" => money(y.tax_free),
            "basic" => money(y.basic),
            "special" => money(y.special),
            "additional" => money(y.additional),
            "other" => money(y.other),
            "tax_withheld" => money(y.tax_withheld),
            _ => None,
        };
    }
    None
}

/// True if `name` is a field templates may use (checked when rules load).
pub fn is_known(name: &str) -> bool {
    let probe = EmployeeResult::probe();
    let empty = std::collections::HashMap::new();
    let config = Config::default();
    let ctx = Context {
        period: Period::new(2026, 1).unwrap_or_else(|| probe.hire_date.period()),
        config: &config,
        previous_si_base: &empty,
    };
    matches!(name, "count" | "total") || field(name, &probe, &ctx).is_some()
}
