//! Output writers. This module owns how files are written: deterministic
//! xlsx workbooks, outputs streamed into a staging folder and hashed on the
//! way ([`sink`]), and atomic file replacement.

pub mod atomic;
pub mod fields;
pub mod journal;
pub mod payslip;
pub mod register;
pub mod reread;
pub mod sink;
pub mod smtp;
pub mod template;
pub mod xlsx;
