//! The ledger: one folder per period under `ledger/`, holding the draft or
//! sealed results. This module owns reading and writing those files and
//! the year-to-date figures earlier periods hand to the next.

pub mod audit;
pub mod chain;
pub mod commit;
pub mod failpoint;
pub mod lock;
pub mod log;
pub mod repair;
pub mod results;
pub mod seal;
pub mod settle;
pub mod state;

use std::collections::HashMap;

use crate::calc::iit::Ytd;
use crate::error::Result;
use crate::model::Period;
use crate::workspace::Workspace;

/// What the earlier periods of a tax year hand to the next.
#[derive(Debug, Clone, Default)]
pub struct PriorYear {
    /// Cumulative IIT figures per employee (the latest period an employee
    /// appears in wins).
    pub ytd: HashMap<String, Ytd>,
    /// The periods read.
    pub used: Vec<Period>,
    /// Employees whose annual bonus was taxed separately in one of them:
    /// the method is once a tax year (国税发〔2005〕9号 art. 3).
    pub separate_bonus_used: std::collections::BTreeSet<String>,
}

/// Cumulative IIT figures per employee from the earlier periods of the same
/// tax year (the current draft or sealed outputs of each), the periods
/// they came from, and who used the separate bonus method in them.
pub fn prior_ytd(ws: &Workspace, period: Period) -> Result<PriorYear> {
    let mut out = HashMap::new();
    let mut used = Vec::new();
    let mut separate = std::collections::BTreeSet::new();
    for m in 1..period.month() {
        let Some(p) = Period::new(period.year(), m) else {
            continue;
        };
        let Some(dir) = state::outputs_dir(ws, p)? else {
            continue;
        };
        let path = dir.join(results::RESULTS_FILE);
        if path.is_file() {
            let (ytd, sep) = results::read_ytd(&path)?;
            out.extend(ytd);
            separate.extend(sep);
            used.push(p);
        }
    }
    Ok(PriorYear {
        ytd: out,
        used,
        separate_bonus_used: separate,
    })
}

/// Each employee's SI base in the previous period (any tax year), for the
/// base-change declaration.
pub fn previous_si_base(ws: &Workspace, period: Period) -> Result<HashMap<String, rust_decimal::Decimal>> {
    let Some(dir) = state::outputs_dir(ws, period.previous())? else {
        return Ok(HashMap::new());
    };
    let path = dir.join(results::RESULTS_FILE);
    match std::fs::read(&path) {
        Ok(bytes) => results::read_column(&bytes, "si_pension_base"),
        Err(_) => Ok(HashMap::new()),
    }
}
