//! The findings engine: runs every validation rule over every row of the
//! period's input set. One bad row never stops the others; findings come
//! out sorted by file, sheet, row, column and code.

mod finding;

use std::collections::{HashMap, HashSet};

use rayon::prelude::*;

pub use finding::{Finding, FindingJson, Tally};

use crate::i18n::Text;
use crate::ingest::grid::Origin;
use crate::ingest::inputs::InputSet;
use crate::ingest::table::{Record, Table, Value};
use crate::model::{Period, ids};
use crate::rules::RuleSet;
use crate::rules::dated::{Dated, in_force};
use crate::rules::social::DeclaredBase;
use crate::rules::validation::{Check, Condition, IdKind, Rule};

/// A placeholder value in both languages.
struct Var {
    name: &'static str,
    zh: String,
    en: String,
}

fn var(name: &'static str, value: impl Into<String>) -> Var {
    let value = value.into();
    Var {
        name,
        zh: value.clone(),
        en: value,
    }
}

fn var2(name: &'static str, zh: impl Into<String>, en: impl Into<String>) -> Var {
    Var {
        name,
        zh: zh.into(),
        en: en.into(),
    }
}

fn fill(text: &Text, vars: &[Var]) -> Text {
    let mut out = text.clone();
    for v in vars {
        let key = format!("{{{}}}", v.name);
        out.zh = out.zh.replace(&key, &v.zh);
        out.en = out.en.replace(&key, &v.en);
    }
    out
}

fn short_origin(o: &Origin) -> String {
    format!("{}!{}", o.sheet, o.a1())
}

/// Runs `rules.validation` over `inputs` for `period`.
pub fn validate(rules: &RuleSet, inputs: &InputSet, period: Period) -> Vec<Finding> {
    // Rules are independent: they run side by side, and the findings are
    // sorted afterwards, so their order does not depend on timing.
    let mut out: Vec<Finding> = rules
        .validation
        .par_iter()
        .flat_map_iter(|rule| check_rule(rules, rule, inputs, period))
        .collect();
    out.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    out.dedup();
    out
}

/// One rule over every table it names.
fn check_rule(rules: &RuleSet, rule: &Rule, inputs: &InputSet, period: Period) -> Vec<Finding> {
    let mut out = Vec::new();
    for table in inputs
        .tables
        .iter()
        .filter(|t| rule.input == "*" || t.kind == rule.input)
    {
        let fields: Vec<usize> = if rule.field == "*" {
            (0..table.schema.fields.len()).collect()
        } else {
            table.field(&rule.field).into_iter().collect()
        };
        check_table(rules, rule, table, &fields, inputs, period, &mut out);
    }
    // Uniqueness spans every table of the kind.
    match &rule.check {
        Check::Unique => check_unique(rule, inputs, &mut out),
        Check::OneKey { key } => check_one_key(rule, key, inputs, &mut out),
        _ => {}
    }
    out
}

fn applies(table: &Table, record: &Record, when: Option<&Condition>) -> bool {
    let Some(cond) = when else { return true };
    let value = table.value(record, &cond.field);
    if value.is_empty() {
        return cond.blank_matches;
    }
    let text = value.display();
    cond.values.contains(&text)
}

fn finding(rule: &Rule, table: &Table, record: &Record, field: usize, vars: &[Var]) -> Finding {
    let origin = table.origin(record, field);
    let def = &table.schema.fields[field];
    let value = record.values.get(field).map(Value::display).unwrap_or_default();
    let mut all = vec![var("value", value.clone()), var2("field", &def.label.zh, &def.label.en)];
    all.extend(vars.iter().map(|v| var2(v.name, &v.zh, &v.en)));
    Finding {
        code: rule.code.clone(),
        severity: rule.severity,
        file: origin.file.to_string(),
        sheet: origin.sheet.to_string(),
        row: Some(origin.row),
        col: origin.col,
        field: def.key.clone(),
        value,
        message: fill(&rule.message, &all),
        hint: fill(&rule.hint, &all),
    }
}

fn check_table(
    rules: &RuleSet,
    rule: &Rule,
    table: &Table,
    fields: &[usize],
    inputs: &InputSet,
    period: Period,
    out: &mut Vec<Finding>,
) {
    if let Check::Column = rule.check {
        for &f in fields {
            let def = &table.schema.fields[f];
            if (rule.field != "*" || def.required) && table.columns[f].is_none() {
                let vars = [
                    var2("field", &def.label.zh, &def.label.en),
                    var2("aliases", def.aliases.join("、"), def.aliases.join(", ")),
                ];
                out.push(Finding {
                    code: rule.code.clone(),
                    severity: rule.severity,
                    file: table.file.to_string(),
                    sheet: table.sheet.to_string(),
                    row: Some(table.header_row),
                    col: None,
                    field: def.key.clone(),
                    value: String::new(),
                    message: fill(&rule.message, &vars),
                    hint: fill(&rule.hint, &vars),
                });
            }
        }
        return;
    }
    let reference: Option<HashSet<String>> = match &rule.check {
        Check::ExistsIn { input, field } => {
            let refs: Vec<&Table> = inputs.of_kind(input).collect();
            if refs.is_empty() {
                // A missing reference file is reported once, as S012.
                return;
            }
            Some(
                refs.iter()
                    .flat_map(|t| t.records.iter().map(|r| t.value(r, field).display()))
                    .collect(),
            )
        }
        _ => None,
    };
    for record in &table.records {
        if !applies(table, record, rule.when.as_ref()) {
            continue;
        }
        for &f in fields {
            // Cells of a missing column are reported once, by the column rule.
            if table.columns[f].is_none() {
                continue;
            }
            let ctx = ValueCtx {
                rules,
                table,
                record,
                reference: reference.as_ref(),
                period,
            };
            if let Some(vars) = check_value(rule, &ctx, f) {
                out.push(finding(rule, table, record, f, &vars));
            }
        }
    }
}

/// What a value check may look at besides the value.
struct ValueCtx<'a> {
    rules: &'a RuleSet,
    table: &'a Table,
    record: &'a Record,
    reference: Option<&'a HashSet<String>>,
    period: Period,
}

/// `Some(vars)` when the value fails the rule.
fn check_value(rule: &Rule, ctx: &ValueCtx<'_>, field: usize) -> Option<Vec<Var>> {
    let ValueCtx {
        rules,
        table,
        record,
        reference,
        period,
    } = *ctx;
    let value = record.values.get(field)?;
    match &rule.check {
        Check::Type => {
            let ty = table.schema.fields[field].ty;
            matches!(value, Value::Bad(_)).then(|| vec![var2("type", ty.label(true), ty.label(false))])
        }
        Check::Required => value.is_empty().then(Vec::new),
        Check::Range { min, max } => {
            let n = value.as_number()?;
            let below = min.is_some_and(|m| n < m);
            let above = max.is_some_and(|m| n > m);
            (below || above).then(|| {
                vec![
                    var(
                        "min",
                        min.map(|m| m.normalize().to_string()).unwrap_or_else(|| "-∞".into()),
                    ),
                    var(
                        "max",
                        max.map(|m| m.normalize().to_string()).unwrap_or_else(|| "+∞".into()),
                    ),
                ]
            })
        }
        Check::Regex(re) => {
            let text = value.as_text()?;
            (!re.is_match(text)).then(Vec::new)
        }
        Check::OneOf(values) => {
            let text = value.as_text()?;
            (!values.iter().any(|v| v == text)).then(|| vec![var2("values", values.join("、"), values.join(", "))])
        }
        Check::Identifier(kind) => {
            let text = value.as_text()?;
            let result = match kind {
                IdKind::ResidentId => ids::resident_id(text).map(drop),
                IdKind::BankCard => ids::bank_card(text).map(drop),
                IdKind::Uscc => ids::uscc(text).map(drop),
            };
            result.err().map(|p| {
                tracing::debug!(rule = %rule.code, id = %ids::mask(text), problem = ?p, "identifier rejected");
                vec![var2("reason", p.describe(true), p.describe(false))]
            })
        }
        Check::DateOrder { later } => {
            let first = value.as_date()?;
            let second = table.value(record, later).as_date()?;
            (second < first).then(|| vec![var("later_value", second.to_string())])
        }
        Check::InPeriod => {
            let d = value.as_date()?;
            (d.period() != period).then(|| vec![var("period", period.to_string())])
        }
        Check::ExistsIn { .. } => {
            if value.is_empty() {
                return None;
            }
            (!reference?.contains(&value.display())).then(Vec::new)
        }
        Check::KnownCity => {
            let city = value.as_text()?;
            let known: Vec<&str> = rules.cities.iter().map(|c| c.city.as_str()).collect();
            (!known.contains(&city)).then(|| vec![var2("values", known.join("、"), known.join(", "))])
        }
        Check::BaseInBounds { scheme } => {
            let base = value.as_number()?;
            let city_name = table.value(record, "city").display();
            let city = rules.city(&city_name)?;
            let declared = match scheme.as_str() {
                "hf" => DeclaredBase::Hf,
                _ => DeclaredBase::Si,
            };
            let bounds = city
                .items
                .iter()
                .filter(|i| i.declared() == declared && i.in_force_on(period.first_day()))
                .filter_map(|i| {
                    let same: Vec<_> = city.bases.iter().filter(|b| b.scheme == i.scheme).cloned().collect();
                    in_force(&same, period).cloned()
                })
                .find(|b| base < b.floor || base > b.cap)?;
            let applied = base.max(bounds.floor).min(bounds.cap);
            Some(vec![
                var("city", city_name),
                var("min", bounds.floor.normalize().to_string()),
                var("max", bounds.cap.normalize().to_string()),
                var("applied", applied.normalize().to_string()),
            ])
        }
        Check::Column | Check::Unique | Check::OneKey { .. } => None,
    }
}

fn check_unique(rule: &Rule, inputs: &InputSet, out: &mut Vec<Finding>) {
    let mut first: HashMap<String, Origin> = HashMap::new();
    for table in inputs.of_kind(&rule.input) {
        let Some(f) = table.field(&rule.field) else {
            continue;
        };
        if table.columns[f].is_none() {
            continue;
        }
        for record in &table.records {
            if !applies(table, record, rule.when.as_ref()) || record.values[f].is_empty() {
                continue;
            }
            let key = record.values[f].display();
            match first.get(&key) {
                Some(origin) => {
                    let vars = [var("first", short_origin(origin))];
                    out.push(finding(rule, table, record, f, &vars));
                }
                None => {
                    first.insert(key, table.origin(record, f));
                }
            }
        }
    }
}

fn check_one_key(rule: &Rule, key_field: &str, inputs: &InputSet, out: &mut Vec<Finding>) {
    let mut first: HashMap<String, String> = HashMap::new();
    for table in inputs.of_kind(&rule.input) {
        let (Some(f), Some(k)) = (table.field(&rule.field), table.field(key_field)) else {
            continue;
        };
        for record in &table.records {
            let value = &record.values[f];
            let key = record.values[k].display();
            if value.is_empty() || key.is_empty() {
                continue;
            }
            match first.get(&value.display()) {
                Some(other) if *other != key => {
                    let vars = [var("other", other.clone()), var("key", key)];
                    out.push(finding(rule, table, record, f, &vars));
                }
                Some(_) => {}
                None => {
                    first.insert(value.display(), key);
                }
            }
        }
    }
}

/// Reads a period's inputs and runs every rule: structural findings from
/// reading plus rule findings, sorted.
pub fn check_period(
    ws: &crate::workspace::Workspace,
    rules: &RuleSet,
    period: Period,
) -> crate::Result<(InputSet, Vec<Finding>)> {
    let started = std::time::Instant::now();
    let (inputs, mut findings) = crate::ingest::inputs::load(ws, rules, period)?;
    tracing::debug!(seconds = started.elapsed().as_secs_f64(), "read inputs");
    let started = std::time::Instant::now();
    findings.extend(validate(rules, &inputs, period));
    tracing::debug!(seconds = started.elapsed().as_secs_f64(), "validated inputs");
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    Ok((inputs, findings))
}
