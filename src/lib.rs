//! paybatch: China monthly payroll and social-insurance batch, end to end.
//!
//! Pipeline: [`ingest`] → [`validate`] → calc → ledger → [`emit`] / reconcile.
//! Library modules never print or exit; `src/cli/` does.

pub mod allocator;
pub mod calc;
pub mod cli;
pub mod demo;
pub mod diag;
pub mod emit;
pub mod error;
pub mod finding;
pub mod i18n;
pub mod ingest;
pub mod ledger;
pub mod model;
pub mod pipeline;
pub mod reconcile;
pub mod report;
pub mod rules;
pub mod validate;
pub mod workspace;

pub use error::{Error, Result};
