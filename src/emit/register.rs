//! The payroll register (工资表) xlsx: one row per employee, one column per
//! component, a subtotal per department and a grand total; frozen header,
//! money formats, widths that fit Chinese text. Deterministic bytes.

use std::collections::BTreeMap;

use rust_xlsxwriter::{Format, Workbook};

use super::xlsx::{ExactSum, Number, column_width, err, header_format, money_format, parts, text_width, workbook};
use crate::calc::columns::{MoneyColumn, PAY_COLUMNS, TAIL_COLUMNS, si_items, si_slots_with};
use crate::calc::employee::EmployeeResult;
use crate::error::Result;
use crate::model::{Figure, Period};

/// `rules/templates/register.toml`.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegisterLayout {
    pub source: String,
    pub columns: Vec<String>,
    pub subtotal_by: String,
    #[serde(default)]
    pub sheet_by: String,
}

impl RegisterLayout {
    /// Every column key and grouping field must be known.
    pub fn check(&self, file: &str) -> Result<()> {
        let bad = |what: String| crate::Error::Rule {
            file: file.into(),
            message: what,
        };
        for c in &self.columns {
            if c != "si_items" && !PAY_COLUMNS.iter().chain(TAIL_COLUMNS).any(|m| m.key == c) {
                return Err(bad(format!("unknown register column `{c}`")));
            }
        }
        for g in [&self.subtotal_by, &self.sheet_by] {
            if !matches!(g.as_str(), "" | "department" | "cost_center" | "city") {
                return Err(bad(format!(
                    "cannot group by `{g}`; use department, cost_center or city"
                )));
            }
        }
        Ok(())
    }
}

fn group_of<'r>(r: &'r EmployeeResult, by: &str) -> &'r str {
    match by {
        "cost_center" => &r.cost_center,
        "city" => &r.city,
        "department" => &r.department,
        _ => "",
    }
}

/// What one money column of the register shows.
enum Getter {
    Pay(&'static MoneyColumn),
    /// An SI/HF item by slot; `pick` 0 = base, 1 = employee, 2 = employer.
    Si {
        slot: usize,
        pick: usize,
    },
}

/// The register's money columns, resolved once for the whole register.
struct MoneyColumns {
    heads: Vec<String>,
    getters: Vec<Getter>,
    /// The SI/HF item keys, in slot order.
    items: Vec<String>,
}

impl MoneyColumns {
    fn of(layout: &RegisterLayout, results: &[EmployeeResult]) -> MoneyColumns {
        let mut cols = MoneyColumns {
            heads: Vec::new(),
            getters: Vec::new(),
            items: Vec::new(),
        };
        for key in &layout.columns {
            if key == "si_items" {
                for (item, label) in si_items(results) {
                    let slot = cols.items.len();
                    for (suffix, pick) in [("基数", 0usize), ("个人", 1), ("单位", 2)] {
                        cols.heads.push(format!("{label}{suffix}"));
                        cols.getters.push(Getter::Si { slot, pick });
                    }
                    cols.items.push(item);
                }
            } else if let Some(c) = PAY_COLUMNS.iter().chain(TAIL_COLUMNS).find(|c| c.key == key) {
                let column: &'static MoneyColumn = c;
                cols.heads.push(column.zh.to_string());
                cols.getters.push(Getter::Pay(column));
            }
        }
        cols
    }

    /// One employee's money cells, in column order, into `out`.
    fn values(&self, r: &EmployeeResult, si: &mut Vec<Option<[Number; 3]>>, out: &mut Vec<Number>) {
        si_slots_with(r, &self.items, si, Number::of_si_line);
        out.clear();
        out.extend(self.getters.iter().map(|g| match g {
            Getter::Pay(c) => Number::of_column(c, r),
            Getter::Si { slot, pick } => si[*slot].map_or(Number::Figure(Figure::ZERO), |v| v[*pick]),
        }));
    }
}

/// Employees on one register sheet; the rest of Excel's 1,048,576 rows is
/// left for titles, subtotals and totals.
const SHEET_EMPLOYEES: usize = 1_000_000;

/// Renders the register for a period: one sheet, or one per pay group.
pub fn register_xlsx(
    layout: &RegisterLayout,
    company: &str,
    period: Period,
    results: &[EmployeeResult],
) -> Result<Workbook> {
    register_xlsx_split(layout, company, period, results, SHEET_EMPLOYEES)
}

/// The register with at most `per_sheet` employees on a sheet.
pub fn register_xlsx_split(
    layout: &RegisterLayout,
    company: &str,
    period: Period,
    results: &[EmployeeResult],
    per_sheet: usize,
) -> Result<Workbook> {
    let e = err("register.xlsx");
    let mut wb = workbook();
    let cols = MoneyColumns::of(layout, results);
    let mut sheets: BTreeMap<&str, Vec<&EmployeeResult>> = BTreeMap::new();
    for r in results {
        sheets.entry(group_of(r, &layout.sheet_by)).or_default().push(r);
    }
    if sheets.is_empty() {
        sheets.insert("", Vec::new());
    }
    for (group, members) in sheets {
        // Excel holds 1,048,576 rows a sheet: beyond a million employees a
        // group continues on a sheet named "<group> (2)", each with its totals.
        for (part, chunk) in parts(&members, per_sheet).into_iter().enumerate() {
            let ws = wb.add_worksheet_with_constant_memory().map_err(&e)?;
            let name = if layout.sheet_by.is_empty() {
                "工资表".to_string()
            } else {
                let clean: String = group.chars().filter(|c| !"[]:*?/\\".contains(*c)).take(28).collect();
                if clean.is_empty() { "(空)".to_string() } else { clean }
            };
            let name = if part == 0 {
                name
            } else {
                format!("{name} ({})", part + 1)
            };
            ws.set_name(&name).map_err(&e)?;
            write_sheet(ws, layout, &cols, company, period, chunk)?;
        }
    }
    Ok(wb)
}

fn write_sheet(
    ws: &mut rust_xlsxwriter::Worksheet,
    layout: &RegisterLayout,
    cols: &MoneyColumns,
    company: &str,
    period: Period,
    results: &[&EmployeeResult],
) -> Result<()> {
    let e = err("register.xlsx");
    let head = header_format();
    let money = money_format();
    let bold_money = money_format().set_bold();
    let bold = Format::new().set_bold();
    ws.write_with_format(
        0,
        0,
        format!("{company} {}年{}月 工资表", period.year(), period.month()),
        &bold,
    )
    .map_err(&e)?;

    let text_cols = ["工号", "姓名", "部门", "成本中心", "参保城市", "计薪天数"];
    let header_row = 1u32;
    let mut widths: Vec<u32> = Vec::new();
    for (c, h) in text_cols
        .iter()
        .copied()
        .chain(cols.heads.iter().map(String::as_str))
        .enumerate()
    {
        ws.write_with_format(header_row, c as u16, h, &head).map_err(&e)?;
        widths.push(text_width(h).max(10));
    }

    let mut by_group: BTreeMap<&str, Vec<&EmployeeResult>> = BTreeMap::new();
    for r in results {
        by_group.entry(group_of(r, &layout.subtotal_by)).or_default().push(r);
    }
    let mut row = header_row;
    let first_money = text_cols.len() as u16;
    // Money cells take their format from the column: rust_xlsxwriter hashes
    // a cell's `Format` on every write, a column's once.
    for i in 0..cols.getters.len() {
        ws.set_column_format(first_money + i as u16, &money).map_err(&e)?;
    }
    let write_sums = |ws: &mut rust_xlsxwriter::Worksheet, row: u32, label: &str, count: usize, sums: &[ExactSum]| {
        ws.write_with_format(row, 0, label, &bold).map_err(&e)?;
        ws.write_with_format(row, 5, count as u32, &bold).map_err(&e)?;
        for (i, sum) in sums.iter().enumerate() {
            ws.write_with_format(row, first_money + i as u16, sum.excel(), &bold_money)
                .map_err(&e)?;
        }
        Ok::<(), crate::Error>(())
    };
    let (mut si, mut values) = (Vec::new(), Vec::new());
    let mut total = vec![ExactSum::default(); cols.getters.len()];
    for (group, mut list) in by_group {
        list.sort_by(|a, b| a.employee_id.cmp(&b.employee_id));
        let mut subtotal = vec![ExactSum::default(); cols.getters.len()];
        for r in &list {
            row += 1;
            let texts: [&str; 5] = [&r.employee_id, &r.name, &r.department, &r.cost_center, &r.city];
            for (c, t) in texts.iter().enumerate() {
                ws.write(row, c as u16, *t).map_err(&e)?;
                widths[c] = widths[c].max(text_width(t));
            }
            ws.write(row, 5, r.days_employed).map_err(&e)?;
            cols.values(r, &mut si, &mut values);
            for (i, v) in values.iter().enumerate() {
                ws.write(row, first_money + i as u16, v.excel()).map_err(&e)?;
                subtotal[i].add(*v);
            }
        }
        for (t, s) in total.iter_mut().zip(&subtotal) {
            t.merge(s);
        }
        if !layout.subtotal_by.is_empty() {
            row += 1;
            let label = format!("{} 小计", if group.is_empty() { "(未填)" } else { group });
            write_sums(ws, row, &label, list.len(), &subtotal)?;
        }
    }
    row += 1;
    write_sums(ws, row, "合计", results.len(), &total)?;
    for (c, w) in widths.iter().enumerate() {
        ws.set_column_width(c as u16, column_width(*w, 8, 40)).map_err(&e)?;
    }
    ws.set_freeze_panes(header_row + 1, 2).map_err(&e)?;
    Ok(())
}
