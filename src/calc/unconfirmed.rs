//! Figures a month was computed on that no official text confirms yet
//! (`unconfirmed = true` in a city file): one warning per figure (C017),
//! with how many of the month's employees it touched, so the clerk learns
//! that the month rests on an assumption. `rules check` lists the same
//! figures for any period.

use std::collections::HashMap;

use super::employee::EmployeeResult;
use crate::i18n::Text;
use crate::model::{Period, percent};
use crate::rules::RuleSet;
use crate::rules::validation::Severity;
use crate::validate::Finding;

/// The warnings for the unconfirmed figures `employees` were computed on.
pub fn used(rules: &RuleSet, period: Period, employees: &[EmployeeResult]) -> Vec<Finding> {
    let mut per_city: HashMap<&str, usize> = HashMap::new();
    for r in employees {
        *per_city.entry(r.city.as_str()).or_default() += 1;
    }
    let day = period.first_day();
    let mut out = Vec::new();
    for city in &rules.cities {
        let Some(&n) = per_city.get(city.city.as_str()) else {
            continue;
        };
        let mut figures: Vec<(String, (String, String), &str)> = Vec::new();
        let mut schemes_seen = Vec::new();
        for (item, bounds) in city.items_on(day) {
            if item.unconfirmed {
                figures.push((
                    format!("item.{}", item.key),
                    (
                        format!(
                            "{} 费率 (单位 {} / 个人 {})",
                            item.label.zh,
                            percent(item.employer_rate),
                            percent(item.employee_rate)
                        ),
                        format!(
                            "{} rates (employer {} / employee {})",
                            item.label.en,
                            percent(item.employer_rate),
                            percent(item.employee_rate)
                        ),
                    ),
                    item.source.as_str(),
                ));
            }
            if let Some(b) = bounds.filter(|b| b.unconfirmed && !schemes_seen.contains(&b.scheme.as_str())) {
                schemes_seen.push(b.scheme.as_str());
                let range = format!("{}–{}", b.floor.normalize(), b.cap.normalize());
                figures.push((
                    format!("base.{}", b.scheme),
                    (
                        format!("{} 基数上下限 {range}", scheme_zh(&b.scheme)),
                        format!("{} base bounds {range}", scheme_en(&b.scheme)),
                    ),
                    b.source.as_str(),
                ));
            }
        }
        if let Some(w) = crate::rules::dated::in_force(&city.minimum_wage, period).filter(|w| w.unconfirmed) {
            figures.push((
                "minimum_wage".into(),
                (
                    format!("最低工资 {}", w.monthly.normalize()),
                    format!("minimum wage {}", w.monthly.normalize()),
                ),
                w.source.as_str(),
            ));
        }
        for (field, (zh, en), source) in figures {
            out.push(Finding::about(
                "C017",
                Severity::Warning,
                &city.file,
                &field,
                Text::new(
                    format!("{}: {zh} 未经官方文件确认, 本月 {n} 人按此计算", city.city),
                    format!(
                        "{}: {en} is not confirmed by an official text; {n} employees this month were computed on it",
                        city.city
                    ),
                ),
                Text::new(
                    format!(
                        "核实后在 {} 中改正并删去 unconfirmed = true (现有来源: {source})",
                        city.file
                    ),
                    format!(
                        "check it, correct {} and remove unconfirmed = true (source so far: {source})",
                        city.file
                    ),
                ),
            ));
        }
    }
    out
}

fn scheme_zh(scheme: &str) -> &str {
    match scheme {
        "si" => "社保",
        "hf" => "公积金",
        "medical" => "医保",
        other => other,
    }
}

fn scheme_en(scheme: &str) -> &str {
    match scheme {
        "si" => "SI",
        "hf" => "housing fund",
        other => other,
    }
}
