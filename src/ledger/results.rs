//! `results.csv`: one row per employee, one column per figure, machine
//! keys in the header, money with exactly two decimals. Same results, same
//! bytes. The YTD columns are what the next month reads back.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::str::FromStr;

use rust_decimal::Decimal;

use crate::calc::columns::{PAY_COLUMNS, TAIL_COLUMNS, si_items, si_slots};
use crate::calc::employee::EmployeeResult;
use crate::calc::iit::Ytd;
use crate::calc::input::ADDITIONAL_ITEMS;
use crate::error::{Error, Result};
use crate::model::money::FIXED2_BYTES;
use crate::model::{Figure, Money, Str, Sym};
use compact_str::ToCompactString;

pub const RESULTS_FILE: &str = "results.csv";

/// The leading text columns of `results.csv` that identify an employee.
pub const IDENTITY_COLUMNS: [&str; 11] = [
    "employee_id",
    "name",
    "id_type",
    "id_number",
    "department",
    "cost_center",
    "city",
    "bank_name",
    "bank_card",
    "hire_date",
    "leave_date",
];

const YTD_COLUMNS: [&str; 8] = [
    "ytd_months",
    "ytd_income",
    "ytd_tax_free",
    "ytd_basic",
    "ytd_special",
    "ytd_additional",
    "ytd_other",
    "ytd_tax_withheld",
];

/// One CSV row being built as bytes, as the csv crate writes it (fields
/// quoted only when they must be, LF at the end), without its per-field
/// bookkeeping: amounts and numbers, which never need quotes, are copied
/// straight in. A million-row results file spent half its time in the
/// crate's record and quoting machinery.
/// Bytes of rows a [`Line`] holds before writing them.
const ROWS_WRITTEN_AT: usize = 1 << 20;

struct Line {
    /// The rows ended and not yet written, then the row being made.
    bytes: Vec<u8>,
    /// No field yet: the next one takes no separator.
    first: bool,
}

impl Line {
    fn new() -> Line {
        Line {
            bytes: Vec::new(),
            first: true,
        }
    }

    fn separator(&mut self) {
        if !self.first {
            self.bytes.push(b',');
        }
        self.first = false;
    }

    /// A field that cannot hold a comma, a quote or a line break.
    fn plain(&mut self, field: &[u8]) {
        self.separator();
        self.bytes.extend_from_slice(field);
    }

    /// Any text: quoted, with its quotes doubled, when it holds a comma, a
    /// quote or a line break (the csv crate's `QuoteStyle::Necessary`).
    fn text(&mut self, field: &str) {
        self.separator();
        if field.bytes().any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r')) {
            self.bytes.push(b'"');
            for b in field.bytes() {
                if b == b'"' {
                    self.bytes.push(b'"');
                }
                self.bytes.push(b);
            }
            self.bytes.push(b'"');
        } else {
            self.bytes.extend_from_slice(field.as_bytes());
        }
    }

    /// An amount as fixed-2 text (`1234.50`).
    fn money(&mut self, v: Decimal) {
        let mut buf = [0u8; FIXED2_BYTES];
        self.plain(Money::new(v).fixed2_bytes(&mut buf));
    }

    /// Ends the row; the rows go out a megabyte at a time, in one write
    /// each that a `BufWriter` passes on without copying.
    fn end_row(&mut self, out: &mut impl std::io::Write) -> Result<()> {
        self.bytes.push(b'\n');
        self.first = true;
        if self.bytes.len() >= ROWS_WRITTEN_AT {
            self.flush(out)?;
        }
        Ok(())
    }

    /// Writes the rows held.
    fn flush(&mut self, out: &mut impl std::io::Write) -> Result<()> {
        out.write_all(&self.bytes).map_err(csv_err)?;
        self.bytes.clear();
        Ok(())
    }
}

fn csv_err(e: impl std::fmt::Display) -> Error {
    Error::Output {
        file: RESULTS_FILE.into(),
        reason: e.to_string(),
    }
}

/// Pushes the YTD columns of one employee, in `YTD_COLUMNS` then
/// `ytd_<item>` order.
fn push_ytd(row: &mut Line, y: &Ytd) {
    row.plain(y.months.to_compact_string().as_bytes());
    for v in [
        y.income,
        y.tax_free,
        y.basic,
        y.special,
        y.additional,
        y.other,
        y.tax_withheld,
    ] {
        row.money(v);
    }
    for v in &y.additional_items {
        row.money(*v);
    }
}

/// Renders the results table as CSV bytes (UTF-8, LF).
pub fn to_csv(results: &[EmployeeResult]) -> Result<Vec<u8>> {
    write_csv(results, Vec::new())
}

/// Writes the results table as CSV (UTF-8, LF) into `out`, row by row.
pub fn write_csv<W: std::io::Write>(results: &[EmployeeResult], out: W) -> Result<W> {
    let items = si_items(results);
    let mut header: Vec<String> = IDENTITY_COLUMNS
        .iter()
        .chain(&[
            "days_employed",
            "att_unpaid_leave_days",
            "att_sick_leave_days",
            "att_ot_workday_hours",
            "att_ot_restday_hours",
            "att_ot_holiday_hours",
        ])
        .map(|s| (*s).to_string())
        .collect();
    header.extend(PAY_COLUMNS.iter().map(|c| c.key.to_string()));
    for (key, _) in &items {
        for part in ["base", "employee", "employer"] {
            header.push(format!("si_{key}_{part}"));
        }
    }
    header.extend(TAIL_COLUMNS.iter().map(|c| c.key.to_string()));
    header.push("tax_free".into());
    header.push("bonus_method".into());
    header.push("basic_rule".into());
    header.push(SEPARATE_USED.into());
    header.extend(ADDITIONAL_ITEMS.iter().map(|k| format!("add_{k}")));
    header.extend(YTD_COLUMNS.iter().map(|s| (*s).to_string()));
    header.extend(ADDITIONAL_ITEMS.iter().map(|k| format!("ytd_{k}")));

    let mut out = out;
    let mut row = Line::new();
    header.iter().for_each(|h| row.text(h));
    row.end_row(&mut out)?;
    let keys: Vec<&str> = items.iter().map(|(k, _)| k.as_str()).collect();
    let mut slots = Vec::new();
    for r in results {
        let texts: [&str; 9] = [
            &r.employee_id,
            &r.name,
            &r.id_type,
            &r.id_number,
            &r.department,
            &r.cost_center,
            &r.city,
            &r.bank_name,
            &r.bank_card,
        ];
        texts.iter().for_each(|t| row.text(t));
        row.plain(r.hire_date.to_compact_string().as_bytes());
        row.plain(
            r.leave_date
                .map(|d| d.to_compact_string())
                .unwrap_or_default()
                .as_bytes(),
        );
        row.plain(r.days_employed.to_compact_string().as_bytes());
        for d in r.attendance.values().map(Figure::get) {
            // Most are zero: skip the general decimal formatting for them.
            if d.is_zero() {
                row.plain(b"0");
            } else {
                row.plain(d.normalize().to_compact_string().as_bytes());
            }
        }
        PAY_COLUMNS.iter().for_each(|c| row.money((c.get)(r)));
        si_slots(r, &keys, &mut slots);
        for slot in &slots {
            slot.unwrap_or_default().into_iter().for_each(|v| row.money(v));
        }
        TAIL_COLUMNS.iter().for_each(|c| row.money((c.get)(r)));
        row.money(r.tax_free.get());
        row.plain(match &r.annual_bonus {
            Some(b) if b.separate => b"separate",
            Some(_) => b"merged",
            None => b"",
        });
        row.plain(r.basic_rule.key().as_bytes());
        row.plain(if r.separate_bonus_used { b"1" } else { b"0" });
        r.additional.iter().for_each(|v| row.money(v.get()));
        push_ytd(&mut row, &r.ytd.get());
        row.end_row(&mut out)?;
    }
    row.flush(&mut out)?;
    Ok(out)
}

/// Reads each employee's year-to-date figures back from a results file.
/// Year-to-date figures by employee, and the employees who used the
/// separate method for the annual bonus in the file's months (results:
/// `bonus_method = separate`; a sealed `ytd.csv`: `separate_bonus_used = 1`).
pub fn read_ytd(path: &Path) -> Result<(HashMap<String, Ytd>, BTreeSet<String>)> {
    let file = path.display().to_string();
    let bad = |reason: String| Error::Ledger(format!("{file}: {reason}"));
    let mut reader = csv::Reader::from_path(path).map_err(|e| bad(e.to_string()))?;
    let header = reader.headers().map_err(|e| bad(e.to_string()))?.clone();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| bad(format!("column `{name}` is missing")))
    };
    let id_col = col("employee_id")?;
    let method_col = header.iter().position(|h| h == "bonus_method");
    let used_col = header.iter().position(|h| h == SEPARATE_USED);
    let mut separate = BTreeSet::new();
    let ytd_cols: Vec<usize> = YTD_COLUMNS.iter().map(|c| col(c)).collect::<Result<_>>()?;
    let item_cols: Vec<usize> = ADDITIONAL_ITEMS
        .iter()
        .map(|k| col(&format!("ytd_{k}")))
        .collect::<Result<_>>()?;
    let mut out = HashMap::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| bad(e.to_string()))?;
        let dec = |c: usize| {
            Decimal::from_str(record.get(c).unwrap_or("")).map_err(|_| bad(format!("row {}: not a number", i + 2)))
        };
        let mut items = [Decimal::ZERO; 7];
        for (slot, c) in items.iter_mut().zip(&item_cols) {
            *slot = dec(*c)?;
        }
        let ytd = Ytd {
            months: record.get(ytd_cols[0]).and_then(|s| s.parse().ok()).unwrap_or(0),
            income: dec(ytd_cols[1])?,
            tax_free: dec(ytd_cols[2])?,
            basic: dec(ytd_cols[3])?,
            special: dec(ytd_cols[4])?,
            additional: dec(ytd_cols[5])?,
            other: dec(ytd_cols[6])?,
            tax_withheld: dec(ytd_cols[7])?,
            additional_items: items,
        };
        let id = record.get(id_col).unwrap_or("").to_string();
        let used = method_col.and_then(|c| record.get(c)) == Some("separate")
            || used_col.and_then(|c| record.get(c)) == Some("1");
        if used {
            separate.insert(id.clone());
        }
        out.insert(id, ytd);
    }
    Ok((out, separate))
}

/// The `ytd.csv` and `results.csv` column saying the separate method was
/// used this year.
const SEPARATE_USED: &str = "separate_bonus_used";

/// The year-to-date figures a period started from, sorted by employee ID
/// (sealed with the period so an audit does not depend on later changes to
/// earlier periods). Readable by [`read_ytd`].
pub fn ytd_to_csv(prior: &HashMap<String, Ytd>, separate: &BTreeSet<String>) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    let mut header = vec!["employee_id".to_string()];
    header.extend(YTD_COLUMNS.iter().map(|s| (*s).to_string()));
    header.extend(ADDITIONAL_ITEMS.iter().map(|k| format!("ytd_{k}")));
    header.push(SEPARATE_USED.into());
    let mut row = Line::new();
    header.iter().for_each(|h| row.text(h));
    row.end_row(&mut out)?;
    let mut ids: Vec<&String> = prior.keys().collect();
    ids.sort();
    for id in ids {
        row.text(id);
        push_ytd(&mut row, &prior[id]);
        row.plain(if separate.contains(id) { b"1" } else { b"0" });
        row.end_row(&mut out)?;
    }
    row.flush(&mut out)?;
    Ok(out)
}

/// One changed figure between two results files.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Change {
    pub employee_id: String,
    pub column: String,
    pub before: String,
    pub after: String,
}

/// Rows of a results file keyed by employee ID (first column).
type Rows = std::collections::BTreeMap<String, Vec<String>>;

fn rows_by_id(bytes: &[u8]) -> Result<(Vec<String>, Rows)> {
    let mut reader = csv::Reader::from_reader(bytes);
    let header: Vec<String> = reader.headers().map_err(csv_err)?.iter().map(String::from).collect();
    let mut rows = std::collections::BTreeMap::new();
    for r in reader.records() {
        let r = r.map_err(csv_err)?;
        let fields: Vec<String> = r.iter().map(String::from).collect();
        rows.insert(fields.first().cloned().unwrap_or_default(), fields);
    }
    Ok((header, rows))
}

/// Every figure that differs, per employee and column (an employee present
/// on one side only shows as `employee_id` changing from/to blank).
pub fn diff(before: &[u8], after: &[u8]) -> Result<Vec<Change>> {
    let (h1, r1) = rows_by_id(before)?;
    let (h2, r2) = rows_by_id(after)?;
    let mut ids: Vec<&String> = r1.keys().chain(r2.keys()).collect();
    ids.sort();
    ids.dedup();
    let mut columns: Vec<&String> = h1.iter().collect();
    columns.extend(h2.iter().filter(|c| !h1.contains(c)));
    let mut out = Vec::new();
    for id in ids {
        let get = |h: &[String], rows: &Rows, col: &str| {
            let i = h.iter().position(|c| c == col)?;
            rows.get(id.as_str()).and_then(|r| r.get(i).cloned())
        };
        for col in &columns {
            let a = get(&h1, &r1, col).unwrap_or_default();
            let b = get(&h2, &r2, col).unwrap_or_default();
            if a != b {
                out.push(Change {
                    employee_id: id.clone(),
                    column: (*col).clone(),
                    before: a,
                    after: b,
                });
            }
        }
    }
    Ok(out)
}

/// The columns `after` has and `before` does not (a results file sealed
/// by an earlier paybatch lacks the columns added since).
pub fn added_columns(before: &[u8], after: &[u8]) -> Result<Vec<String>> {
    let (h1, _) = rows_by_id(before)?;
    let (h2, _) = rows_by_id(after)?;
    Ok(h2.into_iter().filter(|c| !h1.contains(c)).collect())
}

/// One money column of a results file, by employee ID (missing → skipped).
pub fn read_column(bytes: &[u8], column: &str) -> Result<HashMap<String, Decimal>> {
    let (header, rows) = rows_by_id(bytes)?;
    let Some(i) = header.iter().position(|h| h == column) else {
        return Ok(HashMap::new());
    };
    Ok(rows
        .into_iter()
        .filter_map(|(id, row)| Some((id, Decimal::from_str(row.get(i)?).ok()?)))
        .collect())
}

/// Employee → amount as a two-column CSV sorted by ID.
pub fn amounts_to_csv(column: &str, values: &HashMap<String, Decimal>) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["employee_id", column]).map_err(csv_err)?;
    let mut ids: Vec<&String> = values.keys().collect();
    ids.sort();
    for id in ids {
        w.write_record([id.as_str(), &Money::new(values[id]).to_fixed2_str()])
            .map_err(csv_err)?;
    }
    w.into_inner().map_err(csv_err)
}

/// Rebuilds the identity and money columns of each employee from a results
/// file (enough to render upload templates again, e.g. a re-payment file).
pub fn read_employees(bytes: &[u8]) -> Result<Vec<EmployeeResult>> {
    let mut reader = csv::Reader::from_reader(bytes);
    let header: Vec<String> = reader.headers().map_err(csv_err)?.iter().map(String::from).collect();
    let mut out = Vec::new();
    for rec in reader.records() {
        let rec = rec.map_err(csv_err)?;
        let get = |name: &str| {
            Str::from(
                header
                    .iter()
                    .position(|h| h == name)
                    .and_then(|i| rec.get(i))
                    .unwrap_or(""),
            )
        };
        let dec = |name: &str| {
            Decimal::from_str(&get(name))
                .ok()
                .and_then(Figure::of)
                .unwrap_or_default()
        };
        let mut r = EmployeeResult {
            employee_id: get("employee_id"),
            name: get("name"),
            id_type: Sym::new(&get("id_type")),
            id_number: get("id_number"),
            department: Sym::new(&get("department")),
            cost_center: Sym::new(&get("cost_center")),
            city: Sym::new(&get("city")),
            bank_name: Sym::new(&get("bank_name")),
            bank_card: get("bank_card"),
            hire_date: get("hire_date").parse().unwrap_or_default(),
            leave_date: get("leave_date").parse().ok(),
            ..EmployeeResult::default()
        };
        r.base_salary = dec("base_salary");
        r.base_pay = dec("base_pay");
        r.gross = dec("gross");
        r.total_pay = dec("total_pay");
        r.si_employee = dec("si_employee");
        r.si_employer = dec("si_employer");
        r.iit = dec("iit");
        r.bonus_tax = dec("bonus_tax");
        r.net = dec("net");
        r.employer_cost = dec("employer_cost");
        out.push(r);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    /// The csv crate's bytes for one record.
    fn by_csv_crate(fields: &[&str]) -> Vec<u8> {
        let mut w = csv::Writer::from_writer(Vec::new());
        let _ = w.write_record(fields);
        w.into_inner().unwrap_or_default()
    }

    #[test]
    fn lines_are_the_bytes_the_csv_crate_writes() {
        let texts = [
            "E0001",
            "张三",
            "",
            "a,b",
            "say \"hi\"",
            "two\nlines",
            "cr\r",
            " padded ",
            "\"",
            "'single'",
            "tab\there",
        ];
        let mut line = Line::new();
        texts.iter().for_each(|t| line.text(t));
        line.money(dec!(-1234.5));
        line.plain(b"2026-01-31");
        let mut out = Vec::new();
        assert!(line.end_row(&mut out).is_ok());
        assert!(out.is_empty(), "rows wait for a megabyte");
        assert!(line.flush(&mut out).is_ok());
        let mut expected: Vec<&str> = texts.to_vec();
        expected.extend(["-1234.50", "2026-01-31"]);
        assert_eq!(
            String::from_utf8_lossy(&out),
            String::from_utf8_lossy(&by_csv_crate(&expected))
        );
        // A second line starts afresh, without a leading separator.
        line.text("x");
        let mut out = Vec::new();
        assert!(line.end_row(&mut out).is_ok());
        assert!(line.flush(&mut out).is_ok());
        assert_eq!(out, b"x\n");
        // Rows past the threshold go out together, whole.
        let row = "y".repeat(1000);
        let mut out = Vec::new();
        for _ in 0..ROWS_WRITTEN_AT / 1000 {
            line.text(&row);
            assert!(line.end_row(&mut out).is_ok());
        }
        assert_eq!(out.len(), ROWS_WRITTEN_AT / 1001 * 1001 + 1001);
        assert!(out.ends_with(b"y\n"));
    }
}
