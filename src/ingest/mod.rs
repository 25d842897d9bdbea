//! Reading clerks' spreadsheets: xlsx/xls/ods and CSV (UTF-8, BOM, GBK),
//! header detection by alias, tolerant value parsing, and the origin
//! (file, sheet, row, column) of every value.

pub mod batch;
pub mod grid;
pub mod inputs;
pub mod keys;
pub mod limits;
pub mod listing;
pub mod normalize;
pub mod parquet;
pub mod structure;
pub mod table;
