//! The findings engine: runs every validation rule over every row of the
//! period's input set. One bad row never stops the others; findings come
//! out sorted by file, sheet, row, column and code.

use std::cell::Cell;
use std::collections::HashMap;

use rayon::prelude::*;

pub use crate::finding::{Finding, FindingJson, Tally};

use crate::i18n::Text;
use crate::ingest::grid::Origin;
use crate::ingest::inputs::InputSet;
use crate::ingest::keys::{Column, FirstRows, IndexedColumn, KeyIndex};
use crate::ingest::table::{Record, Table, Value};
use crate::model::{FastHash, Period, ids};
use crate::rules::RuleSet;
use crate::rules::social::DeclaredBase;
use crate::rules::validation::{Check, Condition, IdKind, Rule};
use rust_decimal::Decimal;

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
    validate_indexing(rules, inputs, period, false).0
}

/// [`validate`], and the reference columns its exists-in checks indexed,
/// for the calculation to take over (`InputSet::keep_indexes`).
/// `earlier_in_ledger`: earlier months of the year have results in the
/// ledger (their figures carry over; an opening file need not cover all).
pub fn validate_indexing(
    rules: &RuleSet,
    inputs: &InputSet,
    period: Period,
    earlier_in_ledger: bool,
) -> (Vec<Finding>, Vec<IndexedColumn>) {
    // Rules are independent: the cross-table ones run side by side with
    // indexing the reference columns and the tables' row passes, and the
    // findings are sorted afterwards, so their order does not depend on
    // timing. A uniqueness rule over a reference column reads its index.
    let wanted = reference_fields(rules, inputs);
    let on_reference = |rule: &Rule| {
        matches!(rule.check, Check::Unique)
            && rule.when.is_none()
            && wanted.contains(&(rule.input.as_str(), rule.field.as_str()))
    };
    let (mut out, (rows, references)) = rayon::join(
        || {
            rules
                .validation
                .par_iter()
                .filter(|rule| !on_reference(rule))
                .filter(|rule| !(earlier_in_ledger && matches!(rule.check, Check::CoversEmployed { .. })))
                .flat_map_iter(|rule| check_across(rule, inputs, period))
                .collect::<Vec<Finding>>()
        },
        || {
            let references = References::of(&wanted, inputs);
            let mut out = Vec::new();
            for rule in rules.validation.iter().filter(|rule| on_reference(rule)) {
                if let Some(reference) = references.get(&rule.input, &rule.field) {
                    check_unique_indexed(rule, reference, &mut out);
                }
            }
            out.par_extend(
                inputs
                    .tables()
                    .par_iter()
                    .flat_map_iter(|table| check_rows(rules, table, &references, period)),
            );
            (out, references)
        },
    );
    out.extend(rows);
    out.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    out.dedup();
    (out, references.into_indexed())
}

/// Whether `rule` reads `table`.
fn reads(rule: &Rule, table: &Table) -> bool {
    rule.input == "*" || table.kind == rule.input
}

/// A rule that spans tables or looks at a table's header rather than its
/// rows: missing columns, and uniqueness over every table of the kind.
fn check_across(rule: &Rule, inputs: &InputSet, period: Period) -> Vec<Finding> {
    let mut out = Vec::new();
    match &rule.check {
        Check::CoversEmployed { input, field } => check_covers_employed(rule, input, field, inputs, period, &mut out),
        Check::Column => {
            for table in inputs.tables().iter().filter(|t| reads(rule, t)) {
                check_columns(rule, table, &mut out);
            }
        }
        Check::Unique => check_unique(rule, inputs, &mut out),
        Check::OneKey { key } => check_one_key(rule, key, inputs, &mut out),
        _ => {}
    }
    out
}

/// The fields of `table` a rule checks (`*`: all of them).
fn fields_of(rule: &Rule, table: &Table) -> Vec<usize> {
    if rule.field == "*" {
        (0..table.schema.fields.len()).collect()
    } else {
        table.field(&rule.field).into_iter().collect()
    }
}

/// A rule's `when` condition with its field looked up once per table.
struct When<'a> {
    cond: &'a Condition,
    field: Option<usize>,
}

impl<'a> When<'a> {
    fn of(rule: &'a Rule, table: &Table) -> Option<When<'a>> {
        rule.when.as_ref().map(|cond| When {
            cond,
            field: table.field(&cond.field),
        })
    }
}

fn applies(record: &Record, when: Option<&When<'_>>) -> bool {
    let Some(When { cond, field }) = when else { return true };
    let value = record.at(*field);
    if value.is_empty() {
        return cond.blank_matches;
    }
    let text = value.text();
    cond.values.iter().any(|v| *v == *text)
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

/// The columns a table lacks: a finding for each field the rule names (or,
/// for `*`, each required field) that has no column.
fn check_columns(rule: &Rule, table: &Table, out: &mut Vec<Finding>) {
    for f in fields_of(rule, table) {
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
}

/// One rule made ready for one table's rows: what it needs looked up once
/// per table rather than once per row.
struct RowRule<'a> {
    rule: &'a Rule,
    /// The fields it checks that have a column (cells of a missing column
    /// are reported once, by the column rule).
    fields: Vec<usize>,
    when: Option<When<'a>>,
    prepared: Prepared<'a>,
}

impl<'a> RowRule<'a> {
    /// `None` when the rule does not check this table's rows.
    fn of(
        rules: &'a RuleSet,
        rule: &'a Rule,
        table: &Table,
        references: &'a References<'a>,
        period: Period,
    ) -> Option<RowRule<'a>> {
        if !reads(rule, table)
            || matches!(
                rule.check,
                Check::Column | Check::Unique | Check::OneKey { .. } | Check::CoversEmployed { .. }
            )
        {
            return None;
        }
        let reference = match &rule.check {
            // A missing reference file is reported once, as S012.
            Check::ExistsIn { input, field } => Some(references.get(input, field)?),
            Check::MatchesRef { input, key, .. } => Some(references.get(input, key)?),
            _ => None,
        };
        let bounds = match &rule.check {
            Check::BaseInBounds { scheme } => Some(BaseBounds::of(rules, scheme, period)),
            _ => None,
        };
        let mut fields = fields_of(rule, table);
        fields.retain(|&f| table.columns[f].is_some() && can_fail(&rule.check, &table.schema.fields[f]));
        Some(RowRule {
            rule,
            fields,
            when: When::of(rule, table),
            prepared: Prepared {
                later: match &rule.check {
                    Check::DateOrder { later } => table.field(later),
                    Check::NotAbove { other } => table.field(other),
                    Check::MatchesRef { key, .. } => table.field(key),
                    _ => None,
                },
                city: table.field("city"),
                item: table.field("item"),
                reference,
                bounds,
            },
        })
    }
}

/// Whether a check can fail on a column at all: a `*` rule visits only the
/// columns its check applies to (bounds: number columns with bounds; an ID
/// stored as a number: identifier columns; separators: number columns),
/// not every cell of every row.
fn can_fail(check: &Check, def: &crate::rules::schema::FieldDef) -> bool {
    use crate::ingest::grid::Unreadable;
    match check {
        Check::Bounds => def.is_numeric() && (def.min.is_some() || def.max.is_some() || def.item_bounds),
        Check::SoftBounds => def.is_numeric() && (def.warn_above.is_some() || def.item_bounds),
        Check::Unreadable(Unreadable::IdAsNumber) => def.ty == crate::rules::schema::FieldType::Id,
        Check::Unreadable(Unreadable::Separators) => def.is_numeric(),
        Check::DeductionCap => crate::rules::iit::ADDITIONAL_ITEMS.contains(&def.key.as_str()),
        _ => true,
    }
}

/// Every row rule over one table's rows, in one pass: each task takes a
/// run of rows and checks each row against every rule while it is in
/// cache (a pass per rule re-read a million rows 38 times).
fn check_rows(rules: &RuleSet, table: &Table, references: &References<'_>, period: Period) -> Vec<Finding> {
    let row_rules: Vec<RowRule<'_>> = rules
        .validation
        .iter()
        .filter_map(|rule| RowRule::of(rules, rule, table, references, period))
        .collect();
    if row_rules.is_empty() {
        return Vec::new();
    }
    table
        .records
        .par_chunks(RECORDS_PER_TASK)
        .flat_map_iter(|records| {
            let mut out = Vec::new();
            // The reference row each exists-in rule found last, in this task.
            let last_found: Vec<Cell<Option<u32>>> = row_rules.iter().map(|_| Cell::new(None)).collect();
            for record in records {
                // Most rows have no cell that failed to read: the rules that
                // only report such cells skip them at once.
                let odd = record
                    .values
                    .iter()
                    .any(|v| matches!(v, Value::Bad(_) | Value::Unreadable(_)));
                for (row_rule, last_found) in row_rules.iter().zip(&last_found) {
                    if !odd && matches!(row_rule.rule.check, Check::Type | Check::Unreadable(_)) {
                        continue;
                    }
                    if !applies(record, row_rule.when.as_ref()) {
                        continue;
                    }
                    let ctx = ValueCtx {
                        rules,
                        table,
                        record,
                        prepared: &row_rule.prepared,
                        last_found,
                        period,
                    };
                    for &f in &row_rule.fields {
                        if let Some(vars) = check_value(row_rule.rule, &ctx, f) {
                            out.push(finding(row_rule.rule, table, record, f, &vars));
                        }
                    }
                }
            }
            out
        })
        .collect()
}

/// Rows one task checks against every rule.
const RECORDS_PER_TASK: usize = 16_384;

/// What a rule needs from a table, looked up once per table rather than
/// once per row.
struct Prepared<'a> {
    /// The `later` field of a date-order check, the `other` of a
    /// not-above check, the `key` of a matches-ref check.
    later: Option<usize>,
    /// The pay item field (for bounds by item).
    item: Option<usize>,
    /// The city field (for base bounds).
    city: Option<usize>,
    /// The values an exists-in check accepts.
    reference: Option<&'a Reference<'a>>,
    bounds: Option<BaseBounds<'a>>,
}

/// The rows an exists-in check looks values up in.
struct Reference<'a> {
    column: Column<'a>,
    first: FirstRows,
}

impl Reference<'_> {
    /// Whether `text` is in the column; `last` is the row this task found
    /// last (see [`KeyIndex::find_near`]: any row with the text will do).
    fn contains(&self, text: &str, last: &Cell<Option<u32>>) -> bool {
        self.find(text, last).is_some()
    }

    /// The row holding `text` (see [`Reference::contains`]).
    fn find(&self, text: &str, last: &Cell<Option<u32>>) -> Option<u32> {
        let found = self.first.index.find_near(&self.column, text, last.get(), |_| true);
        if found.is_some() {
            last.set(found);
        }
        found
    }
}

/// The (input kind, field) columns exists-in rules look values up in, each
/// once, and only those of a kind the period has (a missing reference file
/// is reported once, as S012).
fn reference_fields<'a>(rules: &'a RuleSet, inputs: &InputSet) -> Vec<(&'a str, &'a str)> {
    let mut wanted: Vec<(&str, &str)> = rules
        .validation
        .iter()
        .filter_map(|rule| match &rule.check {
            Check::ExistsIn { input, field } => Some((input.as_str(), field.as_str())),
            Check::MatchesRef { input, key, .. } => Some((input.as_str(), key.as_str())),
            _ => None,
        })
        .filter(|(input, _)| inputs.of_kind(input).next().is_some())
        .collect();
    wanted.sort_unstable();
    wanted.dedup();
    wanted
}

/// The reference columns of every exists-in rule, each indexed once
/// however many rules look values up in it (attendance, variable pay and
/// deductions all check their employee IDs against the roster's).
struct References<'a> {
    /// (input kind, field) and its index; a few at most.
    by_field: Vec<((&'a str, &'a str), Reference<'a>)>,
}

impl<'a> References<'a> {
    fn of(wanted: &[(&'a str, &'a str)], inputs: &'a InputSet) -> References<'a> {
        let by_field = wanted
            .par_iter()
            .map(|&(input, field)| {
                let column = Column::new(inputs.of_kind(input), field);
                let first = FirstRows::of(&column);
                ((input, field), Reference { column, first })
            })
            .collect();
        References { by_field }
    }

    fn get(&self, input: &str, field: &str) -> Option<&Reference<'a>> {
        self.by_field
            .iter()
            .find(|((i, f), _)| *i == input && *f == field)
            .map(|(_, reference)| reference)
    }

    /// The indexes, without the borrowed columns.
    fn into_indexed(self) -> Vec<IndexedColumn> {
        self.by_field
            .into_iter()
            .map(|((kind, field), reference)| IndexedColumn {
                kind: kind.to_string(),
                field: field.to_string(),
                rows: reference.first,
            })
            .collect()
    }
}

/// Each city's declared-base bounds in force for the period, one pair per
/// item of the scheme the base is declared for.
struct BaseBounds<'a> {
    by_city: HashMap<&'a str, Vec<&'a crate::rules::social::BaseBounds>, FastHash>,
}

impl<'a> BaseBounds<'a> {
    fn of(rules: &'a RuleSet, scheme: &str, period: Period) -> BaseBounds<'a> {
        let declared = match scheme {
            "hf" => DeclaredBase::Hf,
            _ => DeclaredBase::Si,
        };
        let by_city = rules
            .cities
            .iter()
            .map(|city| {
                let bounds = city
                    .items_on(period.first_day())
                    .filter(|(i, _)| i.declared() == declared)
                    .filter_map(|(_, bounds)| bounds)
                    .collect();
                (city.city.as_str(), bounds)
            })
            .collect();
        BaseBounds { by_city }
    }
}

/// What a value check may look at besides the value.
struct ValueCtx<'a> {
    rules: &'a RuleSet,
    table: &'a Table,
    record: &'a Record,
    prepared: &'a Prepared<'a>,
    /// The reference row an exists-in check found last, in this task.
    last_found: &'a Cell<Option<u32>>,
    period: Period,
}

/// `Some(vars)` when the value fails the rule.
fn check_value(rule: &Rule, ctx: &ValueCtx<'_>, field: usize) -> Option<Vec<Var>> {
    let ValueCtx {
        rules,
        table,
        record,
        prepared,
        last_found,
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
                let [min, max] = bound_vars(*min, *max);
                vec![min, max]
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
                IdKind::ResidentId => ids::resident_id_for_filing(text).map(drop),
                IdKind::BankCard => ids::bank_card(text).map(drop),
                IdKind::Uscc => ids::uscc(text).map(drop),
            };
            result.err().map(|p| {
                tracing::debug!(rule = %rule.code, id = %ids::mask(text), problem = ?p, "identifier rejected");
                vec![var2("reason", p.describe(true), p.describe(false))]
            })
        }
        Check::DateOrder { .. } => {
            let first = value.as_date()?;
            let second = record.at(prepared.later).as_date()?;
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
            (!prepared.reference.as_ref()?.contains(&value.text(), last_found)).then(Vec::new)
        }
        Check::KnownCity => {
            let city = value.as_text()?;
            if rules.cities.iter().any(|c| c.city == city) {
                return None;
            }
            let known: Vec<&str> = rules.cities.iter().map(|c| c.city.as_str()).collect();
            Some(vec![var2("values", known.join("、"), known.join(", "))])
        }
        Check::BaseInBounds { .. } => {
            let base = value.as_number()?;
            let city_name = record.at(prepared.city).text();
            let bounds = prepared
                .bounds
                .as_ref()?
                .by_city
                .get(city_name.as_ref())?
                .iter()
                .find(|b| base < b.floor || base > b.cap)?;
            let applied = base.max(bounds.floor).min(bounds.cap);
            Some(vec![
                var("city", city_name),
                var("min", bounds.floor.normalize().to_string()),
                var("max", bounds.cap.normalize().to_string()),
                var("applied", applied.normalize().to_string()),
            ])
        }
        Check::Unreadable(reason) => matches!(value, Value::Unreadable(u) if u.1 == *reason).then(Vec::new),
        Check::Bounds => {
            let n = value.as_number()?;
            let (min, max, _) = bounds_of(rules, table, record, prepared, field);
            let outside = min.is_some_and(|m| n < m) || max.is_some_and(|m| n > m);
            outside.then(|| {
                let [min, max] = bound_vars(min, max);
                vec![min, max, item_var(record, prepared)]
            })
        }
        Check::SoftBounds => {
            let n = value.as_number()?;
            let (min, max, soft) = bounds_of(rules, table, record, prepared, field);
            // Outside the hard bounds is the bounds rule's finding alone.
            let inside = min.is_none_or(|m| n >= m) && max.is_none_or(|m| n <= m);
            let soft = soft?;
            (inside && n > soft).then(|| vec![var("max", soft.normalize().to_string()), item_var(record, prepared)])
        }
        Check::MatchesRef { field: ref_field, .. } => {
            if value.is_empty() {
                return None;
            }
            let key = record.at(prepared.later);
            if key.is_empty() {
                return None;
            }
            let reference = prepared.reference.as_ref()?;
            let (t, r, _) = reference.column.at(reference.find(&key.text(), last_found)?)?;
            let theirs = t.value(r, ref_field);
            if theirs.is_empty() || same_value(value, theirs) {
                return None;
            }
            let f = t.field(ref_field)?;
            Some(vec![
                var("ref_value", theirs.display()),
                var("ref", short_origin(&t.origin(r, f))),
                var("key", key.display()),
            ])
        }
        Check::DateWindow {
            not_before,
            months_after_period,
        } => {
            let d = value.as_date()?;
            let latest = months_after_period.map(|n| (0..n).fold(period, |p, _| p.next()).last_day());
            let early = not_before.is_some_and(|b| d < b);
            let late = latest.is_some_and(|l| d > l);
            (early || late).then(|| {
                vec![
                    var("min", not_before.map(|b| b.to_string()).unwrap_or_default()),
                    var("max", latest.map(|l| l.to_string()).unwrap_or_default()),
                ]
            })
        }
        Check::NotAbove { .. } => {
            let n = value.as_number()?;
            let other = record.at(prepared.later).as_number()?;
            (n > other).then(|| vec![var("other_value", other.normalize().to_string())])
        }
        Check::MonthsBeforePeriod => {
            let n = value.as_number()?;
            let most = Decimal::from(period.month() - 1);
            (n > most || n < Decimal::ZERO)
                .then(|| vec![var("max", most.to_string()), var("period", period.to_string())])
        }
        Check::EmployedSincePriorYear => {
            if value.as_bool() != Some(true) {
                return None;
            }
            let hired = table.value(record, "hire_date").as_date()?;
            let first = crate::model::Date::new(period.year() - 1, 1, 1)?;
            (!crate::rules::iit::sixty_k_eligible(hired, period))
                .then(|| vec![var("hire_date", hired.to_string()), var("since", first.to_string())])
        }
        Check::RateInBounds => {
            let own = value.as_number()?;
            let city_name = record.at(prepared.city).text();
            let city = rules.cities.iter().find(|c| c.city == city_name.as_ref())?;
            let choice = city
                .items_on(period.first_day())
                .find_map(|(item, _)| item.employee_chooses_rate.as_ref())?;
            let applied = choice.rate(Some(own));
            (applied != own).then(|| {
                vec![
                    var("city", city_name),
                    var("min", crate::model::percent(choice.min)),
                    var("max", crate::model::percent(choice.max)),
                    var("applied", crate::model::percent(applied)),
                ]
            })
        }
        Check::DeductionCap => {
            let amount = value.as_number()?;
            let item = crate::rules::iit::ADDITIONAL_ITEMS
                .iter()
                .position(|k| *k == table.schema.fields[field].key)?;
            // Per-child items need the count column in the schema.
            if matches!(item, 0 | 5) && table.field("children_count").is_none() {
                return None;
            }
            let standards = crate::rules::dated::in_force(&rules.iit.deductions.additional, period)?;
            let at = |key| table.value(record, key);
            let terms = crate::rules::iit::DeductionTerms {
                children: at("children_count").as_number(),
                infants: at("infant_count").as_number(),
                only_child: at("only_child").as_bool(),
            };
            // Without a city of work on the row, the highest rent tier: the
            // calculation holds the year to the roster city's.
            let city = at("work_city").as_text().filter(|c| !c.trim().is_empty());
            let cap = standards.cap(item, &terms, city)?;
            // A city of work in no rent list may belong to the unconfirmed
            // tier: up to it, the calculation's warning (C015) says so.
            let unlisted = city.and_then(|c| standards.rent_if_unlisted(c)).filter(|_| item == 3);
            let monthly = unlisted.map_or(cap.monthly, |u| u.max(cap.monthly));
            let most = monthly * Decimal::from(period.month()) + cap.once;
            (amount > most).then(|| {
                vec![
                    var("max", most.normalize().to_string()),
                    var("monthly", cap.monthly.normalize().to_string()),
                    var("months", period.month().to_string()),
                ]
            })
        }
        Check::Column | Check::Unique | Check::OneKey { .. } | Check::CoversEmployed { .. } => None,
    }
}

/// A number column's bounds for one row: the column's own, narrowed by
/// the row's pay item where the column says so (min, max, warn above).
fn bounds_of(
    rules: &RuleSet,
    table: &Table,
    record: &Record,
    prepared: &Prepared<'_>,
    field: usize,
) -> (Option<Decimal>, Option<Decimal>, Option<Decimal>) {
    let def = &table.schema.fields[field];
    let item = def
        .item_bounds
        .then(|| rules.payroll.item(&record.at(prepared.item).text()))
        .flatten();
    (
        def.min,
        item.and_then(|i| i.max).or(def.max),
        item.and_then(|i| i.warn_above).or(def.warn_above),
    )
}

/// The `{min}` and `{max}` placeholders of a range (∞ where open).
fn bound_vars(min: Option<Decimal>, max: Option<Decimal>) -> [Var; 2] {
    let shown = |b: Option<Decimal>, open: &str| b.map(|m| m.normalize().to_string()).unwrap_or_else(|| open.into());
    [var("min", shown(min, "-∞")), var("max", shown(max, "+∞"))]
}

/// The `{item}` placeholder: the row's pay item, if it has one.
fn item_var(record: &Record, prepared: &Prepared<'_>) -> Var {
    var("item", record.at(prepared.item).display())
}

/// Two cells that must agree: text compared as a clerk would (full-width
/// forms, spaces and letter case aside), anything else exactly.
fn same_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        // Most names are typed the same way: compared without a copy first.
        (Value::Text(x), Value::Text(y)) => x == y || comparable_text(x) == comparable_text(y),
        _ => a == b,
    }
}

fn comparable_text(s: &str) -> String {
    crate::ingest::normalize::half_width(s)
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '\u{200b}' | '\u{feff}'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// Every employee of `input`'s `field` column employed earlier in the
/// period's year (hired before the period, not gone before the year) must
/// have a row in the rule's input, when that input has rows: an opening
/// balance file that leaves someone out withholds their tax from zero.
fn check_covers_employed(
    rule: &Rule,
    input: &str,
    field: &str,
    inputs: &InputSet,
    period: Period,
    out: &mut Vec<Finding>,
) {
    let covered = unique_column(rule, inputs);
    if covered.rows() == 0 || period.month() == 1 {
        return;
    }
    let mut index = KeyIndex::with_capacity(covered.rows());
    for (p, _, record, f) in covered.iter() {
        let value = record.at(f);
        if !value.is_empty() {
            index.first(&value.text(), p, |q| covered.text(q));
        }
    }
    let year_start = Period::new(period.year(), 1).map(Period::first_day);
    for table in inputs.of_kind(input) {
        let (Some(f), hire, leave) = (table.field(field), table.field("hire_date"), table.field("leave_date")) else {
            continue;
        };
        for record in &table.records {
            let id = record.at(Some(f));
            let Some(hired) = record.at(hire).as_date() else {
                continue;
            };
            let gone_before = record.at(leave).as_date().zip(year_start).is_some_and(|(l, y)| l < y);
            if id.is_empty() || hired >= period.first_day() || gone_before {
                continue;
            }
            if index.find(&id.text(), |q| covered.text(q)).is_none() {
                out.push(finding(rule, table, record, f, &[var("hire_date", hired.to_string())]));
            }
        }
    }
}

/// Which tables of the rule's input a uniqueness rule reads, with its field.
fn unique_column<'a>(rule: &'a Rule, inputs: &'a InputSet) -> Column<'a> {
    Column::of(inputs.of_kind(&rule.input).filter_map(|t| {
        let f = t.field(&rule.field)?;
        t.columns[f].is_some().then_some((t, Some(f)))
    }))
}

fn check_unique(rule: &Rule, inputs: &InputSet, out: &mut Vec<Finding>) {
    // The first row holding each value; its origin is built only for a duplicate.
    let column = unique_column(rule, inputs);
    let key = |q| column.text(q);
    let mut first = KeyIndex::with_capacity(column.rows());
    for (table, f, start) in column.tables() {
        let when = When::of(rule, table);
        for (record, p) in table.records.iter().zip(start..) {
            let value = record.at(f);
            // A row the rule does not apply to never becomes a first row.
            if !applies(record, when.as_ref()) || value.is_empty() {
                continue;
            }
            if let Some(seen) = first.first(&value.text(), p, key)
                && let (Some((t, r, _)), Some(f)) = (column.at(seen), f)
            {
                let vars = [var("first", short_origin(&t.origin(r, f)))];
                out.push(finding(rule, table, record, f, &vars));
            }
        }
    }
}

/// [`check_unique`] for a rule without a condition over a reference
/// column, from the column's index: a row that is not its value's first
/// repeats it. The same findings, without indexing the column again.
fn check_unique_indexed(rule: &Rule, reference: &Reference<'_>, out: &mut Vec<Finding>) {
    let column = &reference.column;
    for (p, table, record, f) in column.iter() {
        let (Some(f), value) = (f, record.at(f)) else {
            continue;
        };
        if value.is_empty() || reference.first.is_first(p) {
            continue;
        }
        let seen = reference.first.index.find(&value.text(), |q| column.text(q));
        if let Some((t, r, _)) = seen.and_then(|q| column.at(q)) {
            let vars = [var("first", short_origin(&t.origin(r, f)))];
            out.push(finding(rule, table, record, f, &vars));
        }
    }
}

fn check_one_key(rule: &Rule, key_field: &str, inputs: &InputSet, out: &mut Vec<Finding>) {
    let column = Column::of(
        inputs
            .of_kind(&rule.input)
            .filter(|t| t.field(key_field).is_some())
            .map(|t| (t, t.field(&rule.field))),
    );
    // The first row holding each value: its key is the value's owner.
    let mut first = KeyIndex::with_capacity(column.rows());
    for (p, table, record, f) in column.iter() {
        let value = record.at(f);
        let owner = table.value(record, key_field).text();
        if value.is_empty() || owner.is_empty() {
            continue;
        }
        let Some(seen) = first.first(&value.text(), p, |q| column.text(q)) else {
            continue;
        };
        let Some((t, r, _)) = column.at(seen) else {
            continue;
        };
        let other = t.value(r, key_field).text();
        if other != owner
            && let Some(f) = f
        {
            let vars = [var("other", other.to_string()), var("key", owner)];
            out.push(finding(rule, table, record, f, &vars));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reference_finds_values_in_its_order_out_of_it_and_repeated() {
        let roster = crate::ingest::keys::tests::table(&["E1", "E2", "E2", "", "E3"]);
        let column = Column::new([&roster], "employee_id");
        let reference = Reference {
            first: FirstRows::of(&column),
            column,
        };
        let last = Cell::new(None);
        let values = ["E1", "E2", "E2", "E3", "E9", "", "E1", "E3", "E4", "", "E2"];
        let found = values.map(|v| reference.contains(v, &last));
        let expected = [true, true, true, true, false, false, true, true, false, false, true];
        assert_eq!(found, expected);
        // After E2's second row the next row is blank: a blank is still no match.
        let last = Cell::new(Some(2));
        assert!(!reference.contains("", &last));
    }

    /// A uniqueness rule over a reference column reads the column's index
    /// and finds the repeats the rule's own pass finds, across tables.
    #[test]
    fn a_unique_check_from_the_index_finds_the_same_repeats() {
        use crate::ingest::keys::tests::table;
        let inputs = InputSet::new(
            Period::new(2026, 1).unwrap_or_else(|| panic!()),
            Default::default(),
            vec![table(&["E1", "E2", "", "E1", "E2"]), table(&["", "E3", "E1", "E3"])],
        );
        let rule = Rule {
            code: "R002".into(),
            input: "roster".into(),
            field: "employee_id".into(),
            check: Check::Unique,
            severity: crate::rules::validation::Severity::Error,
            message: Text::new("{value} {first}", "{value} {first}"),
            hint: Text::new("", ""),
            when: None,
            file: "r.toml".into(),
        };
        let (mut own, mut indexed) = (Vec::new(), Vec::new());
        check_unique(&rule, &inputs, &mut own);
        let references = References::of(&[("roster", "employee_id")], &inputs);
        let reference = references.get("roster", "employee_id").unwrap_or_else(|| panic!());
        check_unique_indexed(&rule, reference, &mut indexed);
        let shown = |f: &[Finding]| {
            f.iter()
                .map(|f| format!("{:?} {}", f.row, f.message.en))
                .collect::<Vec<_>>()
        };
        assert_eq!(shown(&indexed), shown(&own));
        assert_eq!(indexed.len(), 4, "{:?}", shown(&indexed));
    }
}
