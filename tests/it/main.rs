//! One integration-test binary (fast to link): CLI tests, identifier
//! vectors, reader robustness.

mod bad_input;
mod identifiers;
mod readers_fuzz;
mod util;
mod validate_cli;
