//! One integration-test binary (fast to link): CLI tests, identifier
//! vectors, reader robustness.

// Tests may unwrap: a failed unwrap is a failed test, with its line.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod assemble;
mod bad_input;
mod calc_props;
mod calc_rules;
pub mod calc_sta;
mod deduction_caps;
mod hostile;
mod identifiers;
mod input_structure;
mod input_trust;
mod layers;
pub mod ledger_chain;
pub mod ledger_cli;
mod mail_sink;
mod mail_tls;
mod outputs;
mod readers_fuzz;
mod reconcile_cli;
mod run_cli;
mod scale;
pub mod tax_year;
pub mod tax_year_random;
mod util;
mod validate_cli;
