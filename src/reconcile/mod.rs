//! Reconciliation: the checks a payroll manager signs off on and the
//! matching after the money has moved. Period-over-period variance with
//! causes, bank return vs what was paid, the bureau's bill vs computed
//! contributions, total payroll vs budget. Joins run in polars over
//! integer fen; the report is one xlsx (summary + a sheet per check) or JSON.

pub mod bank_return;
pub mod budget;
pub mod bureau;
pub mod frame;
pub mod report;
pub mod variance;

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::ingest::grid::Grid;
use crate::ingest::inputs::read_file;
use crate::ingest::normalize::header_key;

/// How to read one bank's result file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReturnLayout {
    pub name: String,
    /// The upload template it answers.
    pub answers: String,
    pub account: Vec<String>,
    pub name_column: Vec<String>,
    pub amount: Vec<String>,
    pub status: Vec<String>,
    pub reason: Vec<String>,
    pub success: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BankReturns {
    pub source: String,
    #[serde(rename = "layout")]
    pub layouts: Vec<ReturnLayout>,
}

/// How to read the bureau's bill.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BureauBill {
    pub source: String,
    pub id_number: Vec<String>,
    pub name_column: Vec<String>,
    pub item: Vec<String>,
    pub base: Vec<String>,
    pub employer: Vec<String>,
    pub employee: Vec<String>,
    pub items: BTreeMap<String, String>,
}

/// A read sheet: for each wanted column its values by data row, plus
/// where the rows are (for messages).
pub struct Picked {
    pub grid: Grid,
    pub header_row: usize,
    /// Data rows (0-based grid rows) in order.
    pub rows: Vec<usize>,
    /// Wanted column → grid column.
    pub cols: BTreeMap<String, usize>,
}

impl Picked {
    pub fn get(&self, row: usize, col: &str) -> String {
        self.cols
            .get(col)
            .map(|c| self.grid.cell(row, *c).display().trim().to_string())
            .unwrap_or_default()
    }
}

/// Reads a return or bill file and finds the wanted columns by alias.
/// `required` columns must be present.
pub fn pick(path: &Path, wanted: &[(&str, &[String])], required: &[&str]) -> Result<Picked> {
    let display = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let grids = read_file(path, &display)?;
    let find_cols = |row: &[crate::ingest::grid::Cell]| -> BTreeMap<String, usize> {
        let mut cols = BTreeMap::new();
        for (key, aliases) in wanted {
            let keys: Vec<String> = aliases.iter().map(|a| header_key(a)).collect();
            if let Some(c) = row.iter().position(|cell| keys.contains(&header_key(&cell.display()))) {
                cols.insert((*key).to_string(), c);
            }
        }
        cols
    };
    for grid in grids {
        let best = grid
            .rows
            .iter()
            .take(30)
            .enumerate()
            .map(|(i, row)| (i, find_cols(row)))
            .max_by_key(|(i, cols)| (cols.len(), std::cmp::Reverse(*i)));
        let Some((header_row, cols)) = best else { continue };
        if required.iter().all(|r| cols.contains_key(*r)) {
            let rows = (header_row + 1..grid.rows.len())
                .filter(|r| grid.rows[*r].iter().any(|c| !c.is_empty()))
                .collect();
            return Ok(Picked {
                grid,
                header_row,
                rows,
                cols,
            });
        }
    }
    Err(Error::Workbook {
        file: display,
        reason: format!("找不到所需的列 / required columns not found: {}", required.join(", ")),
    })
}
