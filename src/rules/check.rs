//! `paybatch rules check`: consistency of the rule files themselves:
//! overlapping or gapped date ranges, missing sources, rates out of range,
//! floors above caps, items without a base, periods with no rule in force,
//! and the UNCONFIRMED figures a clerk should verify.

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use super::RuleSet;
use super::dated::{Dated, in_force};
use super::iit::RateTable;
use crate::finding::Finding;
use crate::i18n::Text;
use crate::model::{Date, Period};
use crate::rules::validation::Severity;

fn finding(severity: Severity, code: &str, file: &str, field: &str, message: Text) -> Finding {
    Finding::about(code, severity, file, field, message, Text::default())
}

fn next_day(d: Date) -> Option<Date> {
    Date::from_days_since_epoch(d.days_since_epoch() + 1)
}

/// Checks one sequence of dated blocks (sorted by start) for bad ranges,
/// overlaps and gaps.
fn check_sequence<T: Dated>(blocks: &[&T], what: &str, file: &str, out: &mut Vec<Finding>) {
    let mut sorted: Vec<&&T> = blocks.iter().collect();
    sorted.sort_by_key(|b| b.valid_from());
    for b in &sorted {
        if let Some(to) = b.valid_to()
            && to < b.valid_from()
        {
            out.push(finding(
                Severity::Error,
                "K001",
                file,
                what,
                Text::new(
                    format!("{what}: 截止日 {to} 早于生效日 {}", b.valid_from()),
                    format!("{what}: valid_to {to} is before valid_from {}", b.valid_from()),
                ),
            ));
        }
    }
    for pair in sorted.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        match a.valid_to() {
            None => out.push(finding(
                Severity::Error,
                "K002",
                file,
                what,
                Text::new(
                    format!(
                        "{what}: {} 起的规则没有截止日, 与 {} 起的规则重叠",
                        a.valid_from(),
                        b.valid_from()
                    ),
                    format!(
                        "{what}: block from {} has no valid_to and overlaps the block from {}",
                        a.valid_from(),
                        b.valid_from()
                    ),
                ),
            )),
            Some(to) if to >= b.valid_from() => out.push(finding(
                Severity::Error,
                "K002",
                file,
                what,
                Text::new(
                    format!("{what}: {}–{to} 与 {} 起的规则重叠", a.valid_from(), b.valid_from()),
                    format!(
                        "{what}: {}–{to} overlaps the block from {}",
                        a.valid_from(),
                        b.valid_from()
                    ),
                ),
            )),
            Some(to) if next_day(to) != Some(b.valid_from()) => out.push(finding(
                Severity::Error,
                "K003",
                file,
                what,
                Text::new(
                    format!("{what}: {to} 与 {} 之间没有规则 (断档)", b.valid_from()),
                    format!("{what}: no rule between {to} and {}", b.valid_from()),
                ),
            )),
            _ => {}
        }
    }
}

fn rate_ok(r: Decimal) -> bool {
    r >= Decimal::ZERO && r < Decimal::ONE
}

fn check_table(t: &RateTable, what: &str, file: &str, out: &mut Vec<Finding>) {
    let mut last: Option<Decimal> = None;
    for (i, b) in t.brackets.iter().enumerate() {
        let bad_order = matches!((last, b.upto), (Some(prev), Some(up)) if up <= prev);
        let open_early = b.upto.is_none() && i + 1 != t.brackets.len();
        if bad_order || open_early || !rate_ok(b.rate) {
            out.push(finding(
                Severity::Error,
                "K004",
                file,
                what,
                Text::new(
                    format!(
                        "{what} ({} 起) 第 {} 档有误: 上限须递增, 仅最后一档无上限, 税率在 0–1 之间",
                        t.valid_from,
                        i + 1
                    ),
                    format!(
                        "{what} (from {}) bracket {}: bounds must rise, only the last is open, rate in 0–1",
                        t.valid_from,
                        i + 1
                    ),
                ),
            ));
        }
        last = b.upto.or(last);
    }
    if t.brackets.last().is_some_and(|b| b.upto.is_some()) {
        out.push(finding(
            Severity::Error,
            "K004",
            file,
            what,
            Text::new(
                format!("{what}: 最后一档必须没有上限"),
                format!("{what}: the last bracket must be open-ended"),
            ),
        ));
    }
}

fn missing_source(file: &str, what: &str, source: &str, out: &mut Vec<Finding>) {
    if source.trim().is_empty() {
        out.push(finding(
            Severity::Error,
            "K005",
            file,
            what,
            Text::new(format!("{what} 缺少 source (出处)"), format!("{what} has no source")),
        ));
    }
}

fn no_rule(file: &str, what: &str, period: Period, out: &mut Vec<Finding>) {
    out.push(finding(
        Severity::Error,
        "K007",
        file,
        what,
        Text::new(
            format!("{period} 没有生效的「{what}」规则"),
            format!("no `{what}` rule in force for {period}"),
        ),
    ));
}

/// Checks every rule file; with `period`, also that a rule is in force.
pub fn check(rules: &RuleSet, period: Option<Period>) -> Vec<Finding> {
    let mut out = Vec::new();
    let iit = &rules.iit;
    for (file, what, tables) in [
        ("rules/iit/rates.toml", "annual", &iit.rates.annual),
        ("rules/iit/rates.toml", "monthly", &iit.rates.monthly),
    ] {
        let refs: Vec<&RateTable> = tables.iter().collect();
        check_sequence(&refs, what, file, &mut out);
        for t in tables {
            check_table(t, what, file, &mut out);
            missing_source(file, what, &t.source, &mut out);
        }
        if let Some(p) = period
            && in_force(tables, p).is_none()
        {
            no_rule(file, what, p, &mut out);
        }
    }
    let ded = "rules/iit/deductions.toml";
    check_sequence(&iit.deductions.basic.iter().collect::<Vec<_>>(), "basic", ded, &mut out);
    check_sequence(
        &iit.deductions.additional.iter().collect::<Vec<_>>(),
        "additional",
        ded,
        &mut out,
    );
    for b in &iit.deductions.basic {
        missing_source(ded, "basic", &b.source, &mut out);
    }
    if let Some(p) = period {
        if in_force(&iit.deductions.basic, p).is_none() {
            no_rule(ded, "basic", p, &mut out);
        }
        if in_force(&iit.deductions.additional, p).is_none() {
            no_rule(ded, "additional", p, &mut out);
        }
    }

    for city in &rules.cities {
        let file = city.file.as_str();
        missing_source(file, "city", &city.source, &mut out);
        let mut by_scheme: BTreeMap<&str, Vec<_>> = BTreeMap::new();
        for b in &city.bases {
            by_scheme.entry(b.scheme.as_str()).or_default().push(b);
            let what = format!("base.{}", b.scheme);
            missing_source(file, &what, &b.source, &mut out);
            if b.floor > b.cap || b.floor < Decimal::ZERO {
                out.push(finding(
                    Severity::Error,
                    "K006",
                    file,
                    &what,
                    Text::new(
                        format!("{what} ({} 起) 下限 {} 高于上限 {}", b.valid_from, b.floor, b.cap),
                        format!(
                            "{what} (from {}): floor {} is above cap {}",
                            b.valid_from, b.floor, b.cap
                        ),
                    ),
                ));
            }
        }
        for (scheme, list) in &by_scheme {
            check_sequence(list, &format!("base.{scheme}"), file, &mut out);
        }
        let mut by_item: BTreeMap<&str, Vec<_>> = BTreeMap::new();
        for i in &city.items {
            by_item.entry(i.key.as_str()).or_default().push(i);
            let what = format!("item.{}", i.key);
            missing_source(file, &what, &i.source, &mut out);
            let choice_ok = i
                .employee_chooses_rate
                .is_none_or(|c| rate_ok(c.min) && rate_ok(c.max) && c.min <= c.default && c.default <= c.max);
            if !rate_ok(i.employer_rate) || !rate_ok(i.employee_rate) || !choice_ok {
                out.push(finding(
                    Severity::Error,
                    "K006",
                    file,
                    &what,
                    Text::new(
                        format!("{what} ({} 起) 费率超出 0–1 或可选费率区间有误", i.valid_from),
                        format!(
                            "{what} (from {}): a rate is outside 0–1 or the rate choice is inconsistent",
                            i.valid_from
                        ),
                    ),
                ));
            }
            if !by_scheme.contains_key(i.scheme.as_str()) {
                out.push(finding(
                    Severity::Error,
                    "K008",
                    file,
                    &what,
                    Text::new(
                        format!("{what} 引用的基数方案「{}」没有定义 [[base]]", i.scheme),
                        format!("{what} uses base scheme `{}`, which has no [[base]]", i.scheme),
                    ),
                ));
            }
        }
        for (key, list) in &by_item {
            check_sequence(list, &format!("item.{key}"), file, &mut out);
        }
        check_sequence(
            &city.minimum_wage.iter().collect::<Vec<_>>(),
            "minimum_wage",
            file,
            &mut out,
        );
        if let Some(p) = period {
            for (scheme, list) in &by_scheme {
                let owned: Vec<_> = list.iter().map(|b| (*b).clone()).collect();
                if in_force(&owned, p).is_none() {
                    no_rule(file, &format!("base.{scheme}"), p, &mut out);
                }
            }
            for (key, list) in &by_item {
                let owned: Vec<_> = list.iter().map(|b| (*b).clone()).collect();
                if in_force(&owned, p).is_none() {
                    no_rule(file, &format!("item.{key}"), p, &mut out);
                }
            }
            if in_force(&city.minimum_wage, p).is_none() {
                no_rule(file, "minimum_wage", p, &mut out);
            }
        }
        let unconfirmed: Vec<String> = city
            .bases
            .iter()
            .filter(|b| b.unconfirmed && period.is_none_or(|p| b.in_force_on(p.first_day())))
            .map(|b| format!("base.{} {}", b.scheme, b.valid_from))
            .chain(
                city.items
                    .iter()
                    .filter(|i| i.unconfirmed && period.is_none_or(|p| i.in_force_on(p.first_day())))
                    .map(|i| format!("item.{} {}", i.key, i.valid_from)),
            )
            .collect();
        if !unconfirmed.is_empty() {
            out.push(finding(
                Severity::Warning,
                "K009",
                file,
                "",
                Text::new(
                    format!(
                        "{} 的以下数字未经官方文件确认, 请核实: {}",
                        city.city,
                        unconfirmed.join(", ")
                    ),
                    format!(
                        "{}: these figures are UNCONFIRMED, please verify: {}",
                        city.city,
                        unconfirmed.join(", ")
                    ),
                ),
            ));
        }
    }
    out.sort_by(|a, b| (&a.file, &a.code, &a.field).cmp(&(&b.file, &b.code, &b.field)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::RuleFiles;

    fn load_with(path: &str, text: &str) -> RuleSet {
        let mut files = RuleFiles::builtin();
        files.files.insert(path.into(), text.into());
        RuleSet::load(&files).unwrap()
    }

    #[test]
    fn builtin_rules_have_no_errors_for_the_demo_months() {
        let rules = RuleSet::builtin().unwrap();
        for m in 1..=3 {
            let p = Period::new(2026, m);
            let errors: Vec<_> = check(&rules, p)
                .into_iter()
                .filter(|f| f.severity == Severity::Error)
                .map(|f| f.message.en)
                .collect();
            assert!(errors.is_empty(), "{errors:?}");
        }
    }

    #[test]
    fn overlap_gap_source_rate_and_missing_period_are_found() {
        let text = r#"
city = "测试市"
source = "test"
[[base]]
scheme = "si"
valid_from = 2025-01-01
valid_to = 2025-06-30
floor = 5000
cap = 4000
source = "x"
[[base]]
scheme = "si"
valid_from = 2025-08-01
floor = 1
cap = 2
source = ""
[[item]]
key = "pension"
label = { zh = "养老", en = "Pension" }
scheme = "si"
valid_from = 2025-01-01
employer_rate = 1.6
employee_rate = 0.08
source = "x"
[[item]]
key = "pension"
label = { zh = "养老", en = "Pension" }
scheme = "nope"
valid_from = 2025-03-01
source = "x"
"#;
        let rules = load_with("social/test.toml", text);
        let found: Vec<String> = check(&rules, Period::new(2024, 12))
            .into_iter()
            .filter(|f| f.file == "rules/social/test.toml")
            .map(|f| format!("{} {}", f.code, f.message.en))
            .collect();
        let has = |code: &str, needle: &str| found.iter().any(|f| f.starts_with(code) && f.contains(needle));
        assert!(has("K003", "no rule between 2025-06-30 and 2025-08-01"), "{found:?}");
        assert!(
            has("K002", "item.pension: block from 2025-01-01 has no valid_to"),
            "{found:?}"
        );
        assert!(has("K005", "base.si has no source"), "{found:?}");
        assert!(has("K006", "floor 5000 is above cap 4000"), "{found:?}");
        assert!(
            has("K006", "item.pension (from 2025-01-01): a rate is outside"),
            "{found:?}"
        );
        assert!(has("K008", "base scheme `nope`"), "{found:?}");
        assert!(has("K007", "no `base.si` rule in force for 2024-12"), "{found:?}");
    }
}
