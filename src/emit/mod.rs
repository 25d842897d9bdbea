//! Output writers. This module owns how files are written: deterministic
//! xlsx workbooks and atomic file replacement.

pub mod atomic;
pub mod register;
pub mod xlsx;
