//! 专项附加扣除 held to the standards: each item's amount to date within
//! its standard (rules/iit/deductions.toml) times the months employed here
//! this year — per child for children's education and infant care, a
//! sibling's share of elderly support, the rent tier of the city of work,
//! the certificate once for continuing education (C015); loan interest and
//! rent never both in a year (C016); 个人养老金 as paid up to the year's
//! cap, the excess cut with a warning (C014).

use rust_decimal::Decimal;

use super::context::PeriodRules;
use super::employee::finding;
use super::iit::Ytd;
use super::input::EmployeeMonth;
use crate::i18n::Text;
use crate::rules::iit::{AdditionalStandards, DeductionTerms};
use crate::rules::validation::Severity;
use crate::validate::Finding;

/// Where each item sits in [`super::input::ADDITIONAL_ITEMS`] (a test
/// holds the two together).
const CHILDREN: usize = 0;
const LOAN: usize = 2;
const RENT: usize = 3;
const INFANTS: usize = 5;
const PRIVATE_PENSION: usize = 6;

/// The items' names, in [`super::input::ADDITIONAL_ITEMS`] order.
const LABELS: [(&str, &str); 7] = [
    ("子女教育", "children's education"),
    ("继续教育", "continuing education"),
    ("住房贷款利息", "housing loan interest"),
    ("住房租金", "housing rent"),
    ("赡养老人", "elderly support"),
    ("3岁以下婴幼儿照护", "infant care"),
    ("个人养老金", "private pension"),
];

/// Checks the month's special additional deductions against the
/// standards; cuts 个人养老金 to what is left of the year's cap. The
/// findings are the employee's.
pub(super) fn hold(e: &mut EmployeeMonth, pr: &PeriodRules<'_>, ytd: Option<&Ytd>) -> Vec<Finding> {
    let mut out = Vec::new();
    if e.additional.iter().all(|a| a.is_zero()) {
        return out;
    }
    if let Some(standards) = pr.additional {
        over_standard(e, standards, pr.deduction_counts_known, ytd, &mut out);
        loan_and_rent(e, ytd, &mut out);
    }
    out.extend(cap_private_pension(e, pr, ytd));
    out
}

fn before(ytd: Option<&Ytd>, i: usize) -> Decimal {
    ytd.map_or(Decimal::ZERO, |y| y.additional_items[i])
}

/// C015: an item whose amount to date is above its standard to date.
fn over_standard(
    e: &EmployeeMonth,
    standards: &AdditionalStandards,
    counts_known: bool,
    ytd: Option<&Ytd>,
    out: &mut Vec<Finding>,
) {
    let months = ytd.map_or(0, |y| y.months) + 1;
    let terms = e.deduction_terms.as_deref();
    let declared = terms.map(|t| t.declared).unwrap_or_default();
    let city = terms.and_then(|t| t.work_city.as_deref()).unwrap_or(e.city.as_str());
    for (i, &amount) in e.additional.iter().enumerate() {
        if amount.is_zero() {
            continue;
        }
        // Per-child standards need the count column (rule sets before it
        // had none: those items are not held to a count they cannot give).
        if (i == CHILDREN || i == INFANTS) && !counts_known {
            continue;
        }
        let Some(cap) = standards.cap(i, &declared, Some(city)) else {
            continue;
        };
        // Earlier months count at most up to this month's standard: terms
        // that were higher then (two children, a dearer city) are not held
        // against this month.
        let total = before(ytd, i) + amount;
        let counted = before(ytd, i).min(cap.to_date(months - 1)) + amount;
        let most = cap.to_date(months);
        if counted <= most {
            continue;
        }
        // A city in no rent list may belong to the unconfirmed one.
        let unlisted = (i == RENT)
            .then(|| standards.rent_if_unlisted(city))
            .flatten()
            .filter(|&m| counted <= m * Decimal::from(months));
        let severity = if unlisted.is_some() {
            Severity::Warning
        } else {
            Severity::Error
        };
        let (zh, en) = LABELS[i];
        let once = if cap.once.is_zero() {
            (String::new(), String::new())
        } else {
            (format!(" + 证书 {}", cap.once), format!(" + certificate {}", cap.once))
        };
        let basis = format!("{} × {months}", cap.monthly);
        out.push(finding(
            e,
            "C015",
            severity,
            Text::new(
                format!(
                    "{} {} 专项附加扣除「{zh}」本年累计 {total} (本月 {amount}) 超过标准 {most} ({basis} 个月{})",
                    e.employee_id, e.name, once.0
                ),
                format!(
                    "{} {}: {en} {total} this year ({amount} this month) is above the standard {most} ({basis} months{})",
                    e.employee_id, e.name, once.1
                ),
            ),
            hint(i, &declared, city, unlisted.is_some()),
        ));
    }
}

/// What decides an item's standard, and where to say it.
fn hint(i: usize, declared: &DeductionTerms, city: &str, unlisted: bool) -> Text {
    let file = "rules/iit/deductions.toml";
    match i {
        0 | 5 => {
            let (column, n) = if i == 0 {
                ("子女人数", declared.children)
            } else {
                ("婴幼儿人数", declared.infants)
            };
            let n = n.unwrap_or(Decimal::ONE);
            Text::new(
                format!("按每个子女计算, 现为 {n} 人: 在专项附加扣除表填写「{column}」, 或核对金额 ({file})"),
                format!(
                    "the standard is per child, {n} now: fill {column} in the deductions file, or check the amount ({file})"
                ),
            )
        }
        4 => Text::new(
            format!("独生子女每月全额, 非独生子女每人分摊不超过标准的一半; 核对「是否独生子女」与金额 ({file})"),
            format!(
                "an only child takes the full standard, a sibling at most half; check 是否独生子女 and the amount ({file})"
            ),
        ),
        RENT if unlisted => Text::new(
            format!(
                "城市「{city}」不在任何租金档次名单中 (按 800 元); 若市辖区户籍人口超过 100 万, 请把它加入 1100 元档 ({file})"
            ),
            format!(
                "city {city} is in no rent tier list (800 applies); if its urban districts have over 1M registered residents, add it to the 1,100 tier ({file})"
            ),
        ),
        RENT => Text::new(
            format!("住房租金按主要工作城市「{city}」的档次; 工作城市不同请填写「主要工作城市」 ({file})"),
            format!("rent follows the tier of the city of work ({city}); fill 主要工作城市 if it differs ({file})"),
        ),
        1 => Text::new(
            format!("学历继续教育每月定额, 职业资格证书取得当年一次性扣除; 核对金额 ({file})"),
            format!(
                "degree education is a monthly amount, a certificate once in the year obtained; check the amount ({file})"
            ),
        ),
        _ => Text::new(
            format!("核对金额: 可补扣本年此前月份, 但不超过每月标准 × 本单位任职月数 ({file})"),
            format!(
                "check the amount: earlier months may be caught up, up to the monthly standard × months employed here ({file})"
            ),
        ),
    }
}

/// C016: loan interest and rent in the same tax year.
fn loan_and_rent(e: &EmployeeMonth, ytd: Option<&Ytd>, out: &mut Vec<Finding>) {
    let (loan, rent) = (e.additional[LOAN], e.additional[RENT]);
    if loan.is_zero() && rent.is_zero() {
        return;
    }
    let (loan_year, rent_year) = (before(ytd, LOAN) + loan, before(ytd, RENT) + rent);
    if loan_year.is_zero() || rent_year.is_zero() {
        return;
    }
    out.push(finding(
        e,
        "C016",
        Severity::Error,
        Text::new(
            format!(
                "{} {} 本年同时有住房贷款利息 ({loan_year}) 和住房租金 ({rent_year}) 扣除",
                e.employee_id, e.name
            ),
            format!(
                "{} {}: both housing loan interest ({loan_year}) and rent ({rent_year}) this year",
                e.employee_id, e.name
            ),
        ),
        Text::new(
            "同一纳税年度不能同时享受住房贷款利息和住房租金扣除 (国发〔2018〕41号第二十三条); 删去其中一项",
            "loan interest and rent cannot both be deducted in one tax year (State Council 2018 No. 41 art. 23); remove one",
        ),
    ));
}

/// 个人养老金 is deductible as paid up to the year's cap: a month's amount
/// beyond what is left of it is cut to what is left, with a warning.
fn cap_private_pension(e: &mut EmployeeMonth, pr: &PeriodRules<'_>, ytd: Option<&Ytd>) -> Option<Finding> {
    let cap = pr.private_pension_annual?;
    let paid = e.additional[PRIVATE_PENSION];
    let before = before(ytd, PRIVATE_PENSION);
    let left = (cap - before).max(Decimal::ZERO);
    if paid <= left {
        return None;
    }
    e.additional[PRIVATE_PENSION] = left;
    Some(finding(
        e,
        "C014",
        Severity::Warning,
        Text::new(
            format!(
                "{} {} 个人养老金本月 {paid}, 本年已扣除 {before}, 年度上限 {cap}: 本月只扣除 {left}",
                e.employee_id, e.name
            ),
            format!(
                "{} {}: private pension {paid} this month, {before} deducted this year, cap {cap}: {left} deducted",
                e.employee_id, e.name
            ),
        ),
        Text::new(
            format!("个人养老金按实际缴费扣除, 每年不超过 {cap} 元 (rules/iit/deductions.toml)"),
            format!("the private pension is deducted as paid, up to {cap} a year (rules/iit/deductions.toml)"),
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::super::input::ADDITIONAL_ITEMS;

    #[test]
    fn the_slots_and_labels_follow_the_items() {
        assert_eq!(ADDITIONAL_ITEMS[super::LOAN], "housing_loan");
        assert_eq!(ADDITIONAL_ITEMS[super::RENT], "housing_rent");
        assert_eq!(ADDITIONAL_ITEMS[super::PRIVATE_PENSION], "private_pension");
        assert_eq!(ADDITIONAL_ITEMS[super::CHILDREN], "children_education");
        assert_eq!(ADDITIONAL_ITEMS[super::INFANTS], "infant_care");
        assert_eq!(ADDITIONAL_ITEMS[4], "elderly_support");
        assert_eq!(ADDITIONAL_ITEMS[1], "continuing_education");
        assert_eq!(super::LABELS[0].0, "子女教育");
    }
}
