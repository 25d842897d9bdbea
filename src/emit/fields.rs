//! The fields a template can name, per employee row, and the placeholders
//! a literal can use. One place, so every output speaks the same names as
//! the results table.

use std::borrow::Cow;

use rust_decimal::Decimal;

use super::xlsx::Number;
use crate::calc::columns::{MoneyColumn, PAY_COLUMNS, TAIL_COLUMNS, si_line, si_values};
use crate::calc::employee::EmployeeResult;
use crate::calc::input::ADDITIONAL_ITEMS;
use crate::model::{Date, Figure, Period};
use crate::workspace::Config;

/// A field's value; text is borrowed from the result where it can be, and
/// an amount is read as the result keeps it.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldValue<'r> {
    Text(Cow<'r, str>),
    Money(Number),
    Date(Date),
    Empty,
}

impl FieldValue<'_> {
    pub fn money(&self) -> Option<Decimal> {
        match self {
            FieldValue::Money(m) => Some(m.decimal()),
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
        .filter(|l| l.key() != "housing_fund")
        .map(|l| if employer { l.employer } else { l.employee })
        .map(crate::calc::fixed::Fen::dec)
        .sum()
}

/// A template field, resolved from its name once per output (not once per
/// cell).
#[derive(Debug, Clone)]
pub enum Field {
    Text(fn(&EmployeeResult) -> &str),
    IdNumberMasked,
    BankCardMasked,
    HireDate,
    LeaveDate,
    /// A column of the results table.
    Column(&'static MoneyColumn),
    /// Any other amount a result keeps.
    Figure(fn(&EmployeeResult) -> Figure),
    IitIncome,
    SiOnly {
        employer: bool,
    },
    HfTotal,
    PreviousSiBase,
    /// An SI/HF item: `pick` 0 = base, 1 = employee, 2 = employer.
    Si {
        key: String,
        pick: usize,
    },
    Additional(usize),
    YtdAdditional(usize),
}

impl Field {
    /// The field a name means; `None` if there is no such field.
    pub fn parse(name: &str) -> Option<Field> {
        let text = |get: fn(&EmployeeResult) -> &str| Some(Field::Text(get));
        let figure = |get: fn(&EmployeeResult) -> Figure| Some(Field::Figure(get));
        match name {
            "employee_id" => return text(|r| &r.employee_id),
            "name" => return text(|r| &r.name),
            "id_type" => return text(|r| &r.id_type),
            "id_number" => return text(|r| &r.id_number),
            "id_number_masked" => return Some(Field::IdNumberMasked),
            "phone" => return text(|r| &r.phone),
            "email" => return text(|r| &r.email),
            "department" => return text(|r| &r.department),
            "cost_center" => return text(|r| &r.cost_center),
            "city" => return text(|r| &r.city),
            "bank_name" => return text(|r| &r.bank_name),
            "bank_card" => return text(|r| &r.bank_card),
            "bank_card_masked" => return Some(Field::BankCardMasked),
            "hire_date" => return Some(Field::HireDate),
            "leave_date" => return Some(Field::LeaveDate),
            "tax_free" => return figure(|r| r.tax_free),
            "iit_income" => return Some(Field::IitIncome),
            "si_only_employee" => return Some(Field::SiOnly { employer: false }),
            "si_only_employer" => return Some(Field::SiOnly { employer: true }),
            "hf_total" => return Some(Field::HfTotal),
            "previous_si_base" => return Some(Field::PreviousSiBase),
            _ => {}
        }
        if let Some(c) = PAY_COLUMNS.iter().chain(TAIL_COLUMNS).find(|c| c.key == name) {
            return Some(Field::Column(c));
        }
        if let Some(rest) = name.strip_prefix("si_") {
            for (suffix, pick) in [("_base", 0), ("_employee", 1), ("_employer", 2)] {
                if let Some(key) = rest.strip_suffix(suffix) {
                    return Some(Field::Si { key: key.into(), pick });
                }
            }
        }
        if let Some(item) = name.strip_prefix("add_")
            && let Some(i) = ADDITIONAL_ITEMS.iter().position(|k| *k == item)
        {
            return Some(Field::Additional(i));
        }
        let item = name.strip_prefix("ytd_")?;
        if let Some(i) = ADDITIONAL_ITEMS.iter().position(|k| *k == item) {
            return Some(Field::YtdAdditional(i));
        }
        match item {
            "income" => figure(|r| r.ytd.income),
            "tax_free" => figure(|r| r.ytd.tax_free),
            "basic" => figure(|r| r.ytd.basic),
            "special" => figure(|r| r.ytd.special),
            "additional" => figure(|r| r.ytd.additional),
            "other" => figure(|r| r.ytd.other),
            "tax_withheld" => figure(|r| r.ytd.tax_withheld),
            _ => None,
        }
    }

    /// This field of one employee.
    pub fn value<'r>(&self, r: &'r EmployeeResult, ctx: &Context<'_>) -> FieldValue<'r> {
        let money = |d: Decimal| FieldValue::Money(Number::Decimal(d));
        let figure = |f: Figure| FieldValue::Money(Number::Figure(f));
        match self {
            Field::Text(get) => FieldValue::Text(Cow::Borrowed(get(r))),
            Field::IdNumberMasked => FieldValue::Text(Cow::Owned(crate::model::ids::mask(&r.id_number))),
            Field::BankCardMasked => FieldValue::Text(Cow::Owned(crate::model::ids::mask(&r.bank_card))),
            Field::HireDate => FieldValue::Date(r.hire_date),
            Field::LeaveDate => r.leave_date.map_or(FieldValue::Empty, FieldValue::Date),
            Field::Column(c) => FieldValue::Money(Number::of_column(c, r)),
            Field::Figure(get) => figure(get(r)),
            Field::IitIncome => {
                let merged = r
                    .annual_bonus
                    .as_ref()
                    .filter(|b| !b.separate)
                    .map_or(Decimal::ZERO, |b| b.amount);
                money(r.gross.get() + merged)
            }
            Field::SiOnly { employer } => money(si_only(r, *employer)),
            Field::HfTotal => {
                let (_, ee, er) = si_values(r, "housing_fund");
                money(ee + er)
            }
            Field::PreviousSiBase => ctx
                .previous_si_base
                .get(r.employee_id.as_str())
                .map_or(FieldValue::Empty, |d| money(*d)),
            Field::Si { key, pick } => FieldValue::Money(
                si_line(r, key).map_or(Number::Figure(Figure::ZERO), |l| Number::of_si_line(l)[*pick]),
            ),
            Field::Additional(i) => figure(r.additional[*i]),
            Field::YtdAdditional(i) => figure(r.ytd.additional_items[*i]),
        }
    }
}

/// The value of a named field for an employee; `None` if no such field.
pub fn field<'r>(name: &str, r: &'r EmployeeResult, ctx: &Context<'_>) -> Option<FieldValue<'r>> {
    Field::parse(name).map(|f| f.value(r, ctx))
}

/// True if `name` is a field templates may use (checked when rules load).
pub fn is_known(name: &str) -> bool {
    matches!(name, "count" | "total") || Field::parse(name).is_some()
}
