//! One employee's month as the calculation sees it, assembled from the
//! period's input tables (roster joined with attendance, variable pay,
//! special additional deductions and opening balances by employee ID).

use std::collections::HashMap;

use rayon::prelude::*;

use rust_decimal::Decimal;

use super::iit::Ytd;
use crate::ingest::grid::Origin;
use crate::ingest::inputs::InputSet;
use crate::ingest::keys::{Column, FirstRows, KeyIndex};
use crate::ingest::table::{Record, Table, Value};
use crate::model::{Date, FastHash, Figure, Period, Str, Sym};

pub use crate::rules::iit::ADDITIONAL_ITEMS;

/// Hours and days from the attendance sheet: as `Decimal` for the
/// calculation, as [`Figure`] (8 bytes each) in a kept result.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Attendance<N = Decimal> {
    pub unpaid_leave_days: N,
    pub sick_leave_days: N,
    pub ot_workday_hours: N,
    pub ot_restday_hours: N,
    pub ot_holiday_hours: N,
}

impl<N: Copy> Attendance<N> {
    /// The five figures, in sheet order.
    pub fn values(&self) -> [N; 5] {
        [
            self.unpaid_leave_days,
            self.sick_leave_days,
            self.ot_workday_hours,
            self.ot_restday_hours,
            self.ot_holiday_hours,
        ]
    }

    fn from_values(
        [
            unpaid_leave_days,
            sick_leave_days,
            ot_workday_hours,
            ot_restday_hours,
            ot_holiday_hours,
        ]: [N; 5],
    ) -> Self {
        Attendance {
            unpaid_leave_days,
            sick_leave_days,
            ot_workday_hours,
            ot_restday_hours,
            ot_holiday_hours,
        }
    }
}

impl Attendance {
    /// The figures in 8 bytes each, or `None` when one is too large.
    pub fn kept(&self) -> Option<Attendance<Figure>> {
        Figure::all(self.values()).map(Attendance::from_values)
    }
}

impl Attendance<Figure> {
    /// The figures back, exactly as they were.
    pub fn get(&self) -> Attendance {
        Attendance::from_values(self.values().map(Figure::get))
    }
}

/// One variable-pay line: 64 bytes (a million employees have about 1.25
/// million lines).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VarLine {
    /// The item's name (a few dozen distinct ones).
    pub item: Sym,
    pub amount: Decimal,
    /// The period the amount belongs to, for retro pay (补发/补扣).
    pub belongs_to: Option<Period>,
    pub origin: LineAt,
}

/// Where a variable-pay line is: file, sheet and 0-based row, shown like
/// an [`Origin`] without a column (`变动项.xlsx!Sheet1!2`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineAt {
    pub file: Sym,
    pub sheet: Sym,
    pub row: u32,
}

impl std::fmt::Display for LineAt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}!{}!{}", self.file, self.sheet, u64::from(self.row) + 1)
    }
}

/// Everything the calculation needs for one employee-month.
#[derive(Debug, Clone)]
pub struct EmployeeMonth {
    pub employee_id: Str,
    pub name: Str,
    pub id_type: Sym,
    pub id_number: Str,
    pub phone: Str,
    pub email: Str,
    pub department: Sym,
    pub cost_center: Sym,
    pub city: Sym,
    pub bank_name: Sym,
    pub bank_card: Str,
    pub hire_date: Date,
    pub leave_date: Option<Date>,
    pub base_salary: Decimal,
    pub si_base: Option<Decimal>,
    pub hf_base: Option<Decimal>,
    pub hf_rate: Option<Decimal>,
    pub first_job_this_year: bool,
    pub prior_year_le_60k: bool,
    pub attendance: Attendance,
    pub lines: Vec<VarLine>,
    /// This month's special additional deductions, by [`ADDITIONAL_ITEMS`].
    pub additional: [Decimal; 7],
    /// What the deductions file declares beyond the amounts (children,
    /// only child, city of work), when it declares anything.
    pub deduction_terms: Option<Box<Terms>>,
    /// Cumulative figures to the previous month (ledger or opening file).
    pub prior: Option<Box<Ytd>>,
    /// The separate annual-bonus method was used earlier this tax year.
    pub separate_bonus_used: bool,
    /// The employee's own annual-bonus policy (roster 年终奖计税方式);
    /// none: the workspace default.
    pub bonus_policy: Option<crate::rules::iit::BonusPolicy>,
    /// Where the roster row is.
    pub origin: Origin,
}

fn num_at(r: &Record, field: Option<usize>) -> Decimal {
    r.at(field).as_number().unwrap_or_default()
}

fn text_at(r: &Record, field: Option<usize>) -> Str {
    Str::from(r.at(field).text())
}

/// A field's text, moved out of a record the caller is done with.
fn take_at(r: &mut Record, field: Option<usize>) -> Str {
    let slot = field.and_then(|i| r.values.get_mut(i));
    match slot.map(|v| std::mem::replace(v, Value::Empty)) {
        Some(Value::Text(s)) => s,
        Some(other) => Str::from(other.display()),
        None => Str::default(),
    }
}

/// An empty map with room for `n` employees.
fn sized<V>(n: usize) -> HashMap<Str, V, FastHash> {
    HashMap::with_capacity_and_hasher(n, FastHash::default())
}

/// Looks up the fields of `keys` in a table once, for reading row after row.
fn fields<const N: usize>(table: &Table, keys: [&str; N]) -> [Option<usize>; N] {
    keys.map(|k| table.field(k))
}

fn num(table: &Table, r: &Record, key: &str) -> Decimal {
    num_at(r, table.field(key))
}

fn text(table: &Table, r: &Record, key: &str) -> Str {
    text_at(r, table.field(key))
}

/// Opening balances (期初累计) by employee ID.
fn opening_balances(tables: &[Table]) -> HashMap<Str, Ytd, FastHash> {
    let mut out = HashMap::default();
    for t in tables {
        for r in &t.records {
            let ytd = Ytd {
                months: u32::try_from(num(t, r, "months")).unwrap_or(0),
                income: num(t, r, "income"),
                tax_free: num(t, r, "tax_free"),
                basic: num(t, r, "basic_deduction"),
                special: num(t, r, "special_deduction"),
                additional: num(t, r, "additional_deduction"),
                other: num(t, r, "other_deduction"),
                tax_withheld: num(t, r, "tax_paid"),
                // Only 个人养老金 has a year's cap that earlier months count
                // against; the other items' totals are in `additional`.
                additional_items: {
                    let mut items = [Decimal::ZERO; 7];
                    items[6] = num(t, r, "private_pension");
                    items
                },
            };
            out.insert(text(t, r, "employee_id"), ytd);
        }
    }
    out
}

fn rows(tables: &[Table]) -> usize {
    tables.iter().map(|t| t.records.len()).sum()
}

// Each side table lands in the roster row its employee ID names (the
// first row of that ID with a hire date; rows of unknown IDs are left
// out: validation reports them); every field is looked up once per table,
// then read by index row by row. Each table's records are freed as they
// are read.

/// Where an employee's data goes: the roster position of their ID, the
/// first row of that ID with a hire date.
struct RosterRows<'c> {
    column: &'c Column<'c>,
    index: KeyIndex,
    /// Whether each position is its ID's row.
    is_row: Vec<bool>,
}

impl<'c> RosterRows<'c> {
    /// The rows of the roster's employee IDs (`column`). `indexed`, the
    /// index validation built of the same column, is taken over when every
    /// row with an ID has a hire date: then an ID's first row is its row.
    fn of(column: &'c Column<'c>, fields: &[RosterFields], indexed: Option<FirstRows>) -> RosterRows<'c> {
        let dated = || {
            column.tables().zip(fields).all(|((t, id, _), f)| {
                t.records
                    .par_iter()
                    .all(|r| r.at(id).text().is_empty() || r.at(f.hire).as_date().is_some())
            })
        };
        if let Some(first) = indexed.filter(|first| first.rows() == column.rows())
            && dated()
        {
            let (index, is_row) = first.into_parts();
            return RosterRows { column, index, is_row };
        }
        let mut index = KeyIndex::with_capacity(column.rows());
        let mut is_row = vec![false; column.rows()];
        for ((t, id, start), f) in column.tables().zip(fields) {
            for (r, p) in t.records.iter().zip(start..) {
                let key = r.at(id).text();
                if !key.is_empty()
                    && r.at(f.hire).as_date().is_some()
                    && index.first(&key, p, |q| column.text(q)).is_none()
                {
                    is_row[p as usize] = true;
                }
            }
        }
        RosterRows { column, index, is_row }
    }

    fn is_row(&self, p: u32) -> bool {
        self.is_row.get(p as usize).copied().unwrap_or(false)
    }

    /// A reader of IDs in file order (see [`Cursor`]).
    fn cursor(&self) -> Cursor<'_, 'c> {
        Cursor { rows: self, last: None }
    }
}

/// Finds the roster rows of IDs read in file order, trying the row found
/// last and the next one before the index ([`KeyIndex::find_near`]); a
/// guess counts only at an ID's own row, so the answer is the index's.
struct Cursor<'r, 'c> {
    rows: &'r RosterRows<'c>,
    last: Option<u32>,
}

impl Cursor<'_, '_> {
    fn row_of(&mut self, id: &str) -> Option<u32> {
        let rows = self.rows;
        let found = rows.index.find_near(rows.column, id, self.last, |p| rows.is_row(p));
        if found.is_some() {
            self.last = found;
        }
        found
    }
}

/// Each table with its records, each dropped once read.
fn drain(tables: Vec<Table>, mut each: impl FnMut(&Table, std::vec::IntoIter<Record>)) {
    for mut t in tables {
        let records = std::mem::take(&mut t.records);
        each(&t, records.into_iter());
    }
}

/// Attendance by roster position (the first row of an ID counts). Kept in
/// 8 bytes a figure: nearly every employee has a row. Every typed number
/// fits ([`crate::ingest::table::convert`] refuses wider ones).
fn attendance_by_row(tables: Vec<Table>, positions: usize, roster: &RosterRows<'_>) -> Vec<Attendance<Figure>> {
    let mut attendance = vec![Attendance::<Figure>::default(); positions];
    let mut seen = vec![false; positions];
    drain(tables, |t, records| {
        let [id, unpaid, sick, workday, restday, holiday] = fields(
            t,
            [
                "employee_id",
                "unpaid_leave_days",
                "sick_leave_days",
                "ot_workday_hours",
                "ot_restday_hours",
                "ot_holiday_hours",
            ],
        );
        let mut ids = roster.cursor();
        for r in records {
            let Some(p) = ids.row_of(&r.at(id).text()).map(|p| p as usize) else {
                continue;
            };
            if !std::mem::replace(&mut seen[p], true) {
                let read = Attendance::from_values([unpaid, sick, workday, restday, holiday].map(|f| num_at(&r, f)));
                attendance[p] = read.kept().unwrap_or_default();
            }
        }
    });
    attendance
}

/// Variable-pay lines by roster position, in file order.
fn lines_by_row(tables: Vec<Table>, positions: usize, roster: &RosterRows<'_>) -> Vec<Vec<VarLine>> {
    let mut lines: Vec<Vec<VarLine>> = std::iter::repeat_with(Vec::new).take(positions).collect();
    drain(tables, |t, records| {
        let [id, item, amount, belongs_to] = fields(t, ["employee_id", "item", "amount", "belongs_to"]);
        let (file, sheet) = (Sym::new(&t.file), Sym::new(&t.sheet));
        let mut ids = roster.cursor();
        for r in records {
            let Some(of_id) = ids.row_of(&r.at(id).text()).and_then(|p| lines.get_mut(p as usize)) else {
                continue;
            };
            // Most employees have one or two lines: grow from one, not
            // from `Vec`'s minimum of four.
            if of_id.len() == of_id.capacity() {
                of_id.reserve_exact(of_id.len().max(1));
            }
            of_id.push(VarLine {
                item: Sym::new(&r.at(item).text()),
                amount: num_at(&r, amount),
                belongs_to: r.at(belongs_to).as_period(),
                origin: LineAt {
                    file,
                    sheet,
                    row: u32::try_from(r.row).unwrap_or(u32::MAX),
                },
            });
        }
    });
    lines
}

/// Special additional deductions: every row of a roster employee, by
/// roster position (a month adds its rows up). 64 bytes a row in
/// [`Figure`]s, about a third of a map of decimal sums.
struct Deductions {
    /// Sorted by position; rows of one position in file order.
    rows: Vec<(u32, [Figure; 7])>,
    /// Rows with a number too wide for a [`Figure`] (typed input never has
    /// one: `convert` refuses them), kept whole.
    wide: Vec<(u32, [Decimal; 7])>,
    /// The few rows that declare terms, by position (merged field by field).
    terms: HashMap<u32, Terms, FastHash>,
}

/// What the deductions file declares about the caps (children, infants,
/// only child) and where the employee mainly works (the rent tier).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Terms {
    pub declared: crate::rules::iit::DeductionTerms,
    pub work_city: Option<Str>,
}

impl Deductions {
    /// The sums of the rows at roster position `p`.
    fn at(&self, p: u32) -> [Decimal; 7] {
        fn rows_at<T>(rows: &[(u32, T)], p: u32) -> impl Iterator<Item = &T> {
            let start = rows.partition_point(|(q, _)| *q < p);
            rows[start..].iter().take_while(move |(q, _)| *q == p).map(|(_, v)| v)
        }
        let mut sum = [Decimal::ZERO; 7];
        for items in rows_at(&self.rows, p) {
            for (s, v) in sum.iter_mut().zip(items) {
                *s += v.get();
            }
        }
        for items in rows_at(&self.wide, p) {
            for (s, v) in sum.iter_mut().zip(items) {
                *s += *v;
            }
        }
        sum
    }

    /// The terms declared for roster position `p`.
    fn terms_at(&self, p: u32) -> Option<Box<Terms>> {
        self.terms.get(&p).cloned().map(Box::new)
    }
}

/// Special additional deductions by roster position.
fn deductions_by_row(tables: Vec<Table>, roster: &RosterRows<'_>) -> Deductions {
    let mut out = Deductions {
        rows: Vec::with_capacity(rows(&tables)),
        wide: Vec::new(),
        terms: HashMap::default(),
    };
    drain(tables, |t, records| {
        let id = t.field("employee_id");
        let items = ADDITIONAL_ITEMS.map(|k| t.field(k));
        let [children, infants, only_child, work_city] =
            fields(t, ["children_count", "infant_count", "only_child", "work_city"]);
        let declares = children.or(infants).or(only_child).or(work_city).is_some();
        let mut ids = roster.cursor();
        for r in records {
            let Some(p) = ids.row_of(&r.at(id).text()) else {
                continue;
            };
            if declares {
                let terms = Terms {
                    declared: crate::rules::iit::DeductionTerms {
                        children: r.at(children).as_number(),
                        infants: r.at(infants).as_number(),
                        only_child: r.at(only_child).as_bool(),
                    },
                    work_city: r
                        .at(work_city)
                        .as_text()
                        .filter(|c| !c.trim().is_empty())
                        .map(Str::from),
                };
                if terms != Terms::default() {
                    // Rows of one employee add up: a later row fills in what
                    // it states, the rest of the earlier one stays.
                    let kept = out.terms.entry(p).or_default();
                    let d = &mut kept.declared;
                    d.children = terms.declared.children.or(d.children);
                    d.infants = terms.declared.infants.or(d.infants);
                    d.only_child = terms.declared.only_child.or(d.only_child);
                    kept.work_city = terms.work_city.or(kept.work_city.take());
                }
            }
            let amounts = items.map(|f| num_at(&r, f));
            match Figure::all(amounts) {
                Some(kept) => out.rows.push((p, kept)),
                None => out.wide.push((p, amounts)),
            }
        }
    });
    // Stable: an employee's rows stay in file order.
    out.rows.sort_by_key(|(p, _)| *p);
    out.wide.sort_by_key(|(p, _)| *p);
    out
}

/// Leave dates from the leavers list by employee ID (the last row counts).
fn leave_dates_by_id(tables: Vec<Table>) -> HashMap<Str, Date, FastHash> {
    let mut leavers = sized(rows(&tables));
    for t in &tables {
        let [id, leave_date] = fields(t, ["employee_id", "leave_date"]);
        for r in &t.records {
            if let Some(d) = r.at(leave_date).as_date() {
                leavers.insert(text_at(r, id), d);
            }
        }
    }
    leavers
}

/// What the sequential pass over the roster knows of a row before its
/// month is built: enough to decide whether the row is on the payroll.
pub struct Head<'a> {
    pub employee_id: &'a str,
    pub name: &'a str,
    pub hire_date: Date,
    pub leave_date: Option<Date>,
    table: &'a Table,
    row: usize,
}

impl Head<'_> {
    /// Where the roster row is.
    pub fn origin(&self) -> Origin {
        self.table.row_origin(self.row, None)
    }
}

/// Where each roster field a month is built from sits in a table's
/// records, looked up once per table.
struct RosterFields {
    id: Option<usize>,
    hire: Option<usize>,
    leave: Option<usize>,
    name: Option<usize>,
    id_type: Option<usize>,
    id_number: Option<usize>,
    phone: Option<usize>,
    email: Option<usize>,
    department: Option<usize>,
    cost_center: Option<usize>,
    city: Option<usize>,
    bank_name: Option<usize>,
    bank_card: Option<usize>,
    base_salary: Option<usize>,
    si_base: Option<usize>,
    hf_base: Option<usize>,
    hf_rate: Option<usize>,
    first_job_this_year: Option<usize>,
    prior_year_le_60k: Option<usize>,
    bonus_policy: Option<usize>,
}

impl RosterFields {
    fn of(t: &Table) -> Self {
        let f = |key: &str| t.field(key);
        RosterFields {
            id: f("employee_id"),
            hire: f("hire_date"),
            leave: f("leave_date"),
            name: f("name"),
            id_type: f("id_type"),
            id_number: f("id_number"),
            phone: f("phone"),
            email: f("email"),
            department: f("department"),
            cost_center: f("cost_center"),
            city: f("city"),
            bank_name: f("bank_name"),
            bank_card: f("bank_card"),
            base_salary: f("base_salary"),
            si_base: f("si_base"),
            hf_base: f("hf_base"),
            hf_rate: f("hf_rate"),
            first_job_this_year: f("first_job_this_year"),
            prior_year_le_60k: f("prior_year_le_60k"),
            bonus_policy: f("bonus_policy"),
        }
    }

    /// A row's leave date: its own, else the leavers list's.
    fn leave_date(&self, r: &Record, id: &str, leavers: &HashMap<Str, Date, FastHash>) -> Option<Date> {
        r.at(self.leave).as_date().or_else(|| leavers.get(id).copied())
    }

    /// The month of a kept roster record; its text fields move out of it.
    fn month(&self, t: &Table, mut r: Record, taken: Taken, sides: &Sides) -> EmployeeMonth {
        let leave_date = self.leave_date(&r, &r.at(self.id).text(), &sides.leavers);
        let id = take_at(&mut r, self.id);
        let number = |f: Option<usize>| r.at(f).as_number();
        let flag = |f: Option<usize>| r.at(f).as_bool().unwrap_or(false);
        let (base_salary, si_base, hf_base, hf_rate) = (
            number(self.base_salary).unwrap_or_default(),
            number(self.si_base),
            number(self.hf_base),
            number(self.hf_rate),
        );
        let (hire_date, first_job_this_year, prior_year_le_60k) = (
            r.at(self.hire).as_date().unwrap_or_default(),
            flag(self.first_job_this_year),
            flag(self.prior_year_le_60k),
        );
        let bonus_policy = crate::rules::iit::BonusPolicy::from_label(&r.at(self.bonus_policy).text());
        let origin = t.row_origin(r.row, None);
        let sym = |f: Option<usize>| Sym::new(&r.at(f).text());
        let id_type = match sym(self.id_type) {
            none if none.is_empty() => Sym::new("居民身份证"),
            given => given,
        };
        let (department, cost_center, city, bank_name) = (
            sym(self.department),
            sym(self.cost_center),
            sym(self.city),
            sym(self.bank_name),
        );
        let mut take = |f: Option<usize>| take_at(&mut r, f);
        EmployeeMonth {
            name: take(self.name),
            id_type,
            id_number: take(self.id_number),
            phone: take(self.phone),
            email: take(self.email),
            department,
            cost_center,
            city,
            bank_name,
            bank_card: take(self.bank_card),
            hire_date,
            leave_date,
            base_salary,
            si_base,
            hf_base,
            hf_rate,
            first_job_this_year,
            prior_year_le_60k,
            bonus_policy,
            attendance: taken.attendance.get(),
            lines: taken.lines,
            additional: sides.additional.at(taken.position),
            deduction_terms: sides.additional.terms_at(taken.position),
            prior: sides.opening.get(id.as_str()).copied().map(Box::new),
            separate_bonus_used: false,
            origin,
            employee_id: id,
        }
    }
}

/// What a kept roster record brings from the side tables.
struct Taken {
    /// The record's roster position.
    position: u32,
    lines: Vec<VarLine>,
    attendance: Attendance<Figure>,
}

/// The side tables a month reads by roster position or employee ID, on
/// all cores.
struct Sides {
    additional: Deductions,
    leavers: HashMap<Str, Date, FastHash>,
    opening: HashMap<Str, Ytd, FastHash>,
}

/// Takes the first `n` items out of `items` (no copy when that is all).
fn first_n<T>(items: &mut Vec<T>, n: usize) -> Vec<T> {
    let rest = items.split_off(n.min(items.len()));
    std::mem::replace(items, rest)
}

/// Keeps the items whose flag is set; `flags` lines up with `items`.
fn keep_flagged<T>(items: &mut Vec<T>, flags: &[bool]) {
    let mut flag = flags.iter();
    items.retain(|_| flag.next().copied().unwrap_or(false));
}

/// Joins the input tables into employee-months, in roster order, and maps
/// each month through `build` on all cores; the months are never all held
/// at once, and the roster shrinks as the results grow.
///
/// Rows without an employee ID or hire date, and repeats of an ID, are
/// skipped (validation reports them); `keep` sees every other row, in
/// order, and drops it by returning false. Each input table is freed once
/// folded in.
pub fn assemble<R: Send>(
    mut inputs: InputSet,
    mut keep: impl FnMut(&Head<'_>) -> bool,
    build: impl Fn(EmployeeMonth) -> R + Sync,
) -> Vec<R> {
    let started = std::time::Instant::now();
    let roster_ids = inputs.take_index("roster", "employee_id");
    let (rosters, attendance_tables, variable_tables, deduction_tables, leaver_tables, opening_tables) = (
        inputs.take_kind("roster"),
        inputs.take_kind("attendance"),
        inputs.take_kind("variable"),
        inputs.take_kind("deductions"),
        inputs.take_kind("leavers"),
        inputs.take_kind("opening"),
    );
    let fields: Vec<RosterFields> = rosters.iter().map(RosterFields::of).collect();
    let column = Column::of(rosters.iter().zip(&fields).map(|(t, f)| (t, f.id)));
    let positions = column.rows();
    let rows = RosterRows::of(&column, &fields, roster_ids);
    // The side tables are independent: each lands by roster position on
    // its own core, and is freed as it is read. Variable pay, the longest
    // (a line list per employee), starts at once; the others follow on the
    // other core, about as long together.
    let (mut lines, (mut attendance, (additional, (leavers, opening)))) = rayon::join(
        || lines_by_row(variable_tables, positions, &rows),
        || {
            rayon::join(
                || attendance_by_row(attendance_tables, positions, &rows),
                || {
                    rayon::join(
                        || deductions_by_row(deduction_tables, &rows),
                        || {
                            rayon::join(
                                || leave_dates_by_id(leaver_tables),
                                || opening_balances(&opening_tables),
                            )
                        },
                    )
                },
            )
        },
    );
    tracing::debug!(
        seconds = started.elapsed().as_secs_f64(),
        rss_mb = crate::diag::rss_mb(),
        "side tables by roster row"
    );
    // In order, on one core: which rows are paid.
    let mut kept = vec![false; positions];
    for ((t, _, start), f) in column.tables().zip(&fields) {
        for (r, p) in t.records.iter().zip(start..) {
            // Its ID's row (so with an ID and a hire date), or not paid.
            let (true, Some(hire_date)) = (rows.is_row(p), r.at(f.hire).as_date()) else {
                continue;
            };
            let id = r.at(f.id).text();
            let head = Head {
                employee_id: &id,
                name: &r.at(f.name).text(),
                hire_date,
                leave_date: f.leave_date(r, &id, &leavers),
                table: t,
                row: r.row,
            };
            kept[p as usize] = keep(&head);
        }
    }
    drop(rows);
    keep_flagged(&mut attendance, &kept);
    keep_flagged(&mut lines, &kept);
    let mut positions: Vec<u32> = (0u32..).zip(&kept).filter(|(_, k)| **k).map(|(p, _)| p).collect();
    tracing::debug!(
        seconds = started.elapsed().as_secs_f64(),
        rows = positions.len(),
        rss_mb = crate::diag::rss_mb(),
        "roster rows on the payroll"
    );
    let sides = Sides {
        additional,
        leavers,
        opening,
    };
    // On all cores: each record becomes its month, then `build`'s result;
    // the collect writes straight into the final buffer.
    let mut out: Vec<R> = Vec::new();
    let mut start = 0;
    for (mut t, f) in rosters.into_iter().zip(&fields) {
        let mut records = std::mem::take(&mut t.records);
        let end = start + records.len();
        keep_flagged(&mut records, &kept[start..end]);
        start = end;
        // This table's share of the kept rows' side data (all of it when
        // there is one roster table).
        let n = records.len();
        let taken = first_n(&mut positions, n)
            .into_par_iter()
            .zip(first_n(&mut attendance, n))
            .zip(first_n(&mut lines, n))
            .map(|((position, attendance), lines)| Taken {
                position,
                lines,
                attendance,
            });
        let (t, f, sides, build) = (&t, f, &sides, &build);
        let part: Vec<R> = records
            .into_par_iter()
            .zip(taken)
            .map(|(r, taken)| build(f.month(t, r, taken, sides)))
            .collect();
        if out.is_empty() {
            out = part;
        } else {
            out.extend(part);
        }
    }
    out
}

impl EmployeeMonth {
    /// A minimal employee-month: everything else blank or zero. For tests,
    /// benches and generators.
    pub fn new(employee_id: &str, city: &str, hire_date: Date, base_salary: Decimal) -> Self {
        EmployeeMonth {
            employee_id: employee_id.into(),
            name: employee_id.into(),
            id_type: "居民身份证".into(),
            id_number: Str::default(),
            phone: Str::default(),
            email: Str::default(),
            department: Sym::default(),
            cost_center: Sym::default(),
            city: city.into(),
            bank_name: Sym::default(),
            bank_card: Str::default(),
            hire_date,
            leave_date: None,
            base_salary,
            si_base: None,
            hf_base: None,
            hf_rate: None,
            first_job_this_year: false,
            prior_year_le_60k: false,
            attendance: Attendance::default(),
            lines: Vec::new(),
            additional: [Decimal::ZERO; 7],
            deduction_terms: None,
            prior: None,
            separate_bonus_used: false,
            bonus_policy: None,
            origin: Origin {
                file: "花名册.xlsx".into(),
                sheet: "Sheet1".into(),
                row: 1,
                col: None,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::schema::{FieldDef, FieldType, InputSchema};

    /// A roster of (employee ID, has a hire date) rows.
    fn roster(rows: &[(&str, bool)]) -> Table {
        let field = |key: &str, ty| FieldDef::new(key, crate::i18n::Text::new(key, key), ty);
        let hired = Date::new(2024, 3, 1).map_or(Value::Empty, Value::Date);
        Table {
            kind: "roster".into(),
            schema: InputSchema {
                kind: "roster".into(),
                parts: false,
                label: crate::i18n::Text::new("花名册", "roster"),
                file_hints: Vec::new(),
                required: true,
                fields: vec![field("employee_id", FieldType::Id), field("hire_date", FieldType::Date)],
            },
            file: "花名册.csv".into(),
            sheet: "花名册".into(),
            header_row: 1,
            columns: vec![Some(0), Some(1)],
            records: rows
                .iter()
                .enumerate()
                .map(|(i, (id, has_hire))| Record {
                    row: i + 2,
                    values: Box::new([
                        if id.is_empty() {
                            Value::Empty
                        } else {
                            Value::Text((*id).into())
                        },
                        if *has_hire { hired.clone() } else { Value::Empty },
                    ]),
                })
                .collect(),
        }
    }

    #[test]
    fn the_cursor_finds_each_ids_row_as_the_index_does_in_any_order() {
        // E2 twice (its first row counts), E3 first without a hire date.
        let t = roster(&[
            ("E1", true),
            ("E2", true),
            ("E2", true),
            ("E3", false),
            ("E3", true),
            ("", true),
            ("E4", true),
        ]);
        let column = Column::of([(&t, t.field("employee_id"))]);
        let rows = RosterRows::of(&column, &[RosterFields::of(&t)], None);
        let is_row: Vec<bool> = (0..8).map(|p| rows.is_row(p)).collect();
        assert_eq!(is_row, [true, true, false, false, true, false, true, false]);

        let mut in_order = rows.cursor();
        let found = ["E1", "E2", "E2", "E3", "E4", "E9", ""].map(|id| in_order.row_of(id));
        assert_eq!(found, [Some(0), Some(1), Some(1), Some(4), Some(6), None, None]);

        let index = |id: &str| rows.index.find(id, |p| column.text(p));
        let mut shuffled = rows.cursor();
        for id in ["E4", "E3", "E1", "E1", "E9", "", "E2", "E3", "E2", "E4"] {
            assert_eq!(shuffled.row_of(id), index(id), "{id}");
        }
    }

    /// Validation's index of the roster's IDs is taken over when every row
    /// with an ID has a hire date, and names the rows building one would.
    #[test]
    fn validations_index_is_taken_over_where_it_names_the_same_rows() {
        let rows_of = |r: &RosterRows<'_>, n: usize| (0..n as u32 + 1).map(|p| r.is_row(p)).collect::<Vec<_>>();
        let check = |rows: &[(&str, bool)]| {
            let t = roster(rows);
            let column = Column::of([(&t, t.field("employee_id"))]);
            let fields = [RosterFields::of(&t)];
            let built = RosterRows::of(&column, &fields, None);
            let taken = RosterRows::of(&column, &fields, Some(FirstRows::of(&column)));
            assert_eq!(rows_of(&taken, rows.len()), rows_of(&built, rows.len()));
            for id in ["E1", "E2", "E3", "E9", ""] {
                assert_eq!(taken.cursor().row_of(id), built.cursor().row_of(id), "{id}");
            }
        };
        check(&[("E1", true), ("E2", true), ("E2", true), ("", false), ("E3", true)]);
        // E3's first row has no hire date, so its second row is its row:
        // the index is built afresh.
        check(&[("E1", true), ("E3", false), ("E3", true), ("", true)]);

        // The index given is the one used: one of other IDs shows through.
        let t = roster(&[("E1", true), ("E2", true)]);
        let other = roster(&[("E2", true), ("E2", true)]);
        let (column, other_column) = (
            Column::of([(&t, t.field("employee_id"))]),
            Column::of([(&other, other.field("employee_id"))]),
        );
        let taken = RosterRows::of(&column, &[RosterFields::of(&t)], Some(FirstRows::of(&other_column)));
        assert_eq!(rows_of(&taken, 2), [true, false, false]);
    }
}
