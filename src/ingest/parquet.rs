//! Parquet input for the largest batches (a data warehouse export instead of
//! a spreadsheet): the column names become row 1, every record a row below,
//! so the same header mapping, typing and validation apply as for xlsx/CSV.

use std::path::Path;

use polars::prelude::{AnyValue, ParquetReader, SerReader};
use rust_decimal::Decimal;

use super::grid::{Cell, Unreadable};
use super::normalize::decimal_from_cell_float;
use crate::error::{Error, Result};

fn cell(value: AnyValue<'_>) -> Cell {
    match value {
        AnyValue::Null => Cell::Empty,
        AnyValue::Boolean(b) => Cell::Bool(b),
        AnyValue::String(s) => Cell::Text(s.into()),
        AnyValue::StringOwned(s) => Cell::Text(s.as_str().into()),
        AnyValue::Int8(n) => Cell::Number(Decimal::from(n)),
        AnyValue::Int16(n) => Cell::Number(Decimal::from(n)),
        AnyValue::Int32(n) => Cell::Number(Decimal::from(n)),
        AnyValue::Int64(n) => Cell::Number(Decimal::from(n)),
        AnyValue::UInt8(n) => Cell::Number(Decimal::from(n)),
        AnyValue::UInt16(n) => Cell::Number(Decimal::from(n)),
        AnyValue::UInt32(n) => Cell::Number(Decimal::from(n)),
        AnyValue::UInt64(n) => Cell::Number(Decimal::from(n)),
        // Binary floats are read like Excel's: the shortest decimal that
        // round-trips (0.1 stays 0.1).
        AnyValue::Float32(f) => {
            decimal_from_cell_float(f64::from(f)).map_or(Cell::Unreadable(Unreadable::NotFinite), Cell::Number)
        }
        AnyValue::Float64(f) => {
            decimal_from_cell_float(f).map_or(Cell::Unreadable(Unreadable::NotFinite), Cell::Number)
        }
        // Dates, decimals and the rest as their text (dates print as 2026-01-31).
        other => Cell::Text(other.to_string().into()),
    }
}

/// Streams a Parquet file's rows to `on_row(row, cells)`: row 0 holds the
/// column names.
pub fn stream_parquet(path: &Path, file: &str, mut on_row: impl FnMut(usize, &mut [Cell]) -> Result<()>) -> Result<()> {
    let workbook_error = |reason: String| Error::Workbook {
        file: file.into(),
        reason,
    };
    let handle = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let df = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| ParquetReader::new(handle).finish()))
        .map_err(|_| workbook_error("文件已损坏 (corrupt Parquet file)".into()))?
        .map_err(|e| workbook_error(e.to_string()))?;
    let mut row: Vec<Cell> = df
        .get_column_names()
        .iter()
        .map(|n| Cell::Text(n.as_str().into()))
        .collect();
    on_row(0, &mut row)?;
    let columns = df.columns();
    for i in 0..df.height() {
        row.clear();
        row.extend(columns.iter().map(|c| c.get(i).map_or(Cell::Empty, cell)));
        on_row(i + 1, &mut row)?;
    }
    Ok(())
}
