//! The payroll register (工资表) xlsx: one row per employee, one column per
//! component, a subtotal per department and a grand total; frozen header,
//! money formats, widths that fit Chinese text. Deterministic bytes.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use rust_xlsxwriter::Format;

use super::xlsx::{column_width, err, excel_number, header_format, money_format, text_width, workbook};
use crate::calc::columns::{MoneyColumn, PAY_COLUMNS, TAIL_COLUMNS, si_items, si_values};
use crate::calc::employee::EmployeeResult;
use crate::error::Result;
use crate::model::Period;

type Getter = Box<dyn Fn(&EmployeeResult) -> Decimal>;

fn money_columns(results: &[EmployeeResult]) -> Vec<(String, Getter)> {
    let from = |c: &'static MoneyColumn| -> (String, Getter) { (c.zh.to_string(), Box::new(c.get)) };
    let mut cols: Vec<(String, Getter)> = PAY_COLUMNS.iter().map(from).collect();
    for (key, label) in si_items(results) {
        let k1 = key.clone();
        cols.push((
            format!("{label}基数"),
            Box::new(move |r: &EmployeeResult| si_values(r, &k1).0),
        ));
        let k2 = key.clone();
        cols.push((
            format!("{label}个人"),
            Box::new(move |r: &EmployeeResult| si_values(r, &k2).1),
        ));
        cols.push((
            format!("{label}单位"),
            Box::new(move |r: &EmployeeResult| si_values(r, &key).2),
        ));
    }
    cols.extend(TAIL_COLUMNS.iter().map(from));
    cols
}

/// Renders the register for a period.
pub fn register_xlsx(company: &str, period: Period, results: &[EmployeeResult]) -> Result<Vec<u8>> {
    let e = err("register.xlsx");
    let mut wb = workbook();
    let head = header_format();
    let money = money_format();
    let bold_money = money_format().set_bold();
    let bold = Format::new().set_bold();
    let ws = wb.add_worksheet();
    ws.set_name("工资表").map_err(&e)?;
    ws.write_with_format(
        0,
        0,
        format!("{company} {}年{}月 工资表", period.year(), period.month()),
        &bold,
    )
    .map_err(&e)?;

    let text_cols = ["工号", "姓名", "部门", "成本中心", "参保城市", "计薪天数"];
    let cols = money_columns(results);
    let header_row = 1u32;
    let mut widths: Vec<u32> = Vec::new();
    for (c, h) in text_cols
        .iter()
        .map(|s| (*s).to_string())
        .chain(cols.iter().map(|(h, _)| h.clone()))
        .enumerate()
    {
        ws.write_with_format(header_row, c as u16, h.as_str(), &head)
            .map_err(&e)?;
        widths.push(text_width(&h).max(10));
    }

    let mut by_dept: BTreeMap<&str, Vec<&EmployeeResult>> = BTreeMap::new();
    for r in results {
        by_dept.entry(r.department.as_str()).or_default().push(r);
    }
    let mut row = header_row;
    let first_money = text_cols.len() as u16;
    let write_sums =
        |ws: &mut rust_xlsxwriter::Worksheet, row: u32, label: &str, rs: &[&EmployeeResult]| -> Result<()> {
            ws.write_with_format(row, 0, label, &bold).map_err(&e)?;
            ws.write_with_format(row, 5, rs.len() as u32, &bold).map_err(&e)?;
            for (i, (_, get)) in cols.iter().enumerate() {
                let sum: Decimal = rs.iter().map(|r| get(r)).sum();
                ws.write_with_format(row, first_money + i as u16, excel_number(sum), &bold_money)
                    .map_err(&e)?;
            }
            Ok(())
        };
    for (dept, mut list) in by_dept {
        list.sort_by(|a, b| a.employee_id.cmp(&b.employee_id));
        for r in &list {
            row += 1;
            let texts = [&r.employee_id, &r.name, &r.department, &r.cost_center, &r.city];
            for (c, t) in texts.iter().enumerate() {
                ws.write(row, c as u16, t.as_str()).map_err(&e)?;
                widths[c] = widths[c].max(text_width(t));
            }
            ws.write(row, 5, r.days_employed).map_err(&e)?;
            for (i, (_, get)) in cols.iter().enumerate() {
                ws.write_with_format(row, first_money + i as u16, excel_number(get(r)), &money)
                    .map_err(&e)?;
            }
        }
        row += 1;
        let label = format!("{} 小计", if dept.is_empty() { "(无部门)" } else { dept });
        write_sums(ws, row, &label, &list)?;
    }
    row += 1;
    let all: Vec<&EmployeeResult> = results.iter().collect();
    write_sums(ws, row, "合计", &all)?;
    for (c, w) in widths.iter().enumerate() {
        ws.set_column_width(c as u16, column_width(*w, 8, 40)).map_err(&e)?;
    }
    ws.set_freeze_panes(header_row + 1, 2).map_err(&e)?;
    wb.save_to_buffer().map_err(&e)
}
