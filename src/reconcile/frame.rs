//! Results as polars frames: text columns stay text, money becomes integer
//! fen (i64) so joins and sums are exact (never f64, never polars rounding).

use std::str::FromStr;

use polars::prelude::*;
use rust_decimal::Decimal;

use crate::error::{Error, Result};

/// Columns of `results.csv` kept as text: the identity columns, the
/// annual-bonus method and the basic-deduction evidence; everything else
/// is money or a count.
fn is_text(column: &str) -> bool {
    crate::ledger::results::IDENTITY_COLUMNS.contains(&column)
        || ["bonus_method", "basic_rule", "separate_bonus_used"].contains(&column)
}

/// A failure building a frame from an input file (a bank return, a
/// bureau bill): named as that file's problem.
pub fn polars_err(file: &str) -> impl Fn(PolarsError) -> Error + '_ {
    move |e| Error::Workbook {
        file: file.into(),
        reason: e.to_string(),
    }
}

/// A failure building a frame from a ledger file: the ledger's problem,
/// not the clerk's spreadsheet.
pub fn ledger_polars_err(file: &str) -> impl Fn(PolarsError) -> Error + '_ {
    move |e| Error::Ledger(format!("{file}: {e}"))
}

/// Decimal text → fen; `None` for blanks and non-numbers.
pub fn to_fen(s: &str) -> Option<i64> {
    let d = Decimal::from_str(s.trim()).ok()?;
    crate::model::Money::new(d).to_fen()
}

/// Fen → Decimal yuan.
pub fn yuan(fen: i64) -> Decimal {
    Decimal::new(fen, 2)
}

/// Reads a results CSV into a frame (text + i64 fen columns).
pub fn results_frame(bytes: &[u8], file: &str) -> Result<DataFrame> {
    let mut reader = csv::Reader::from_reader(bytes);
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| Error::Ledger(format!("{file}: {e}")))?
        .iter()
        .map(String::from)
        .collect();
    let mut cols: Vec<Vec<String>> = vec![Vec::new(); header.len()];
    for rec in reader.records() {
        let rec = rec.map_err(|e| Error::Ledger(format!("{file}: {e}")))?;
        for (i, v) in rec.iter().enumerate().take(header.len()) {
            cols[i].push(v.to_string());
        }
    }
    let height = cols.first().map_or(0, Vec::len);
    let columns: Vec<Column> = header
        .iter()
        .zip(cols)
        .map(|(h, values)| {
            if is_text(h) {
                Column::new(h.as_str().into(), values)
            } else {
                let fen: Vec<Option<i64>> = values.iter().map(|v| to_fen(v)).collect();
                Column::new(h.as_str().into(), fen)
            }
        })
        .collect();
    DataFrame::new(height, columns).map_err(polars_err(file))
}

/// Full outer join on `key`, coalescing the key; right-hand columns get `suffix`.
pub fn full_join(left: &DataFrame, right: &DataFrame, key: &str, suffix: &str) -> Result<DataFrame> {
    left.join(
        right,
        [key],
        [key],
        JoinArgs::new(JoinType::Full)
            .with_coalesce(JoinCoalesce::CoalesceColumns)
            .with_suffix(Some(suffix.into())),
        None,
    )
    .map_err(polars_err("join"))
}

/// A column's fen values by row (missing column → all None).
pub fn fen_column(df: &DataFrame, name: &str) -> Vec<Option<i64>> {
    df.column(name)
        .ok()
        .and_then(|c| c.i64().ok().map(|ca| ca.iter().collect()))
        .unwrap_or_else(|| vec![None; df.height()])
}

/// A column's text values by row.
pub fn text_column(df: &DataFrame, name: &str) -> Vec<Option<String>> {
    df.column(name)
        .ok()
        .and_then(|c| c.str().ok().map(|ca| ca.iter().map(|v| v.map(String::from)).collect()))
        .unwrap_or_else(|| vec![None; df.height()])
}

/// Column names of a frame.
pub fn names(df: &DataFrame) -> Vec<String> {
    df.get_column_names().iter().map(|s| s.to_string()).collect()
}
