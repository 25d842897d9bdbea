//! The chain of months in a tax year: each sealed month records which
//! version of each earlier month its year-to-date figures came from. A
//! month whose earlier month was reopened or resealed since is stale: its
//! withholding rests on figures that are no longer the ledger's.

use serde::{Deserialize, Serialize};

use super::seal::{self, read_manifest};
use super::state::{self, Status};
use crate::error::Result;
use crate::i18n::Text;
use crate::model::Period;
use crate::rules::validation::Severity;
use crate::validate::Finding;
use crate::workspace::Workspace;

/// An earlier month as a sealed month used it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriorMonth {
    pub period: String,
    /// Sealed version, or none when it was an unsealed draft (allowed
    /// with `--allow-unsealed-prior` only).
    pub version: Option<u32>,
    pub manifest_sha256: Option<String>,
}

/// The earlier months as they stand now, for a manifest.
pub fn prior_months(ws: &Workspace, used: &[Period]) -> Result<Vec<PriorMonth>> {
    used.iter()
        .map(|&p| {
            let st = state::read(ws, p)?;
            let closed = st.filter(|s| s.status == Status::Closed);
            Ok(PriorMonth {
                period: p.to_string(),
                version: closed.as_ref().and_then(|s| s.version),
                manifest_sha256: closed.and_then(|s| s.manifest_sha256),
            })
        })
        .collect()
}

/// Why a sealed month is stale: the earlier month it used and the version
/// it used of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stale {
    pub earlier: String,
    /// The earlier month had no results when this one was sealed.
    pub unused: bool,
    pub used_version: Option<u32>,
    /// The earlier month's version now (none: reopened, a draft).
    pub now_version: Option<u32>,
}

/// Whether a closed period is stale (`None` for a period that is not
/// closed, or whose earlier months are as it used them).
pub fn stale(ws: &Workspace, period: Period) -> Result<Option<Stale>> {
    let Some(st) = state::read(ws, period)?.filter(|s| s.status == Status::Closed) else {
        return Ok(None);
    };
    let Some(dir) = st.dir else { return Ok(None) };
    let manifest = read_manifest(&ws.ledger_dir(period).join(dir))?;
    // An earlier month that has results now but was not used (closed, or
    // run, after this one was sealed): its figures are missing here.
    for m in 1..period.month() {
        let Some(p) = Period::new(period.year(), m) else {
            continue;
        };
        let used = manifest.prior.iter().any(|x| x.period == p.to_string());
        if !used && state::outputs_dir(ws, p)?.is_some() {
            return Ok(Some(Stale {
                earlier: p.to_string(),
                unused: true,
                used_version: None,
                now_version: state::read(ws, p)?.and_then(|s| s.version),
            }));
        }
    }
    for prior in &manifest.prior {
        let Ok(p) = prior.period.parse::<Period>() else {
            continue;
        };
        let now = state::read(ws, p)?;
        let now_closed = now.filter(|s| s.status == Status::Closed);
        let same = now_closed
            .as_ref()
            .is_some_and(|s| s.manifest_sha256 == prior.manifest_sha256 && prior.manifest_sha256.is_some());
        if !same {
            return Ok(Some(Stale {
                earlier: prior.period.clone(),
                unused: false,
                used_version: prior.version,
                now_version: now_closed.and_then(|s| s.version),
            }));
        }
    }
    Ok(None)
}

/// A finding about a month of the year chain, on the ledger folder.
fn chain_finding(code: &str, severity: Severity, period: Period, message: Text, hint: Text) -> Finding {
    Finding::about(code, severity, &format!("ledger/{period}"), "", message, hint)
}

/// What keeps `period` from being run (or, `for_close`, sealed) on top of
/// its earlier months: a month reopened and not closed again (Y001), a
/// stale month (Y002), and for a close a month never closed (Y003).
pub fn earlier_blockers(ws: &Workspace, period: Period, for_close: bool) -> Result<Vec<Finding>> {
    let mut out = Vec::new();
    for m in 1..period.month() {
        let Some(p) = Period::new(period.year(), m) else {
            continue;
        };
        let Some(st) = state::read(ws, p)? else {
            continue;
        };
        let reopened = st.status == Status::Draft && !seal::sealed_versions(ws, p).is_empty();
        if reopened {
            out.push(chain_finding(
                "Y001",
                Severity::Error,
                p,
                Text::new(
                    format!("{p} 已重新打开, 尚未再次关账: {period} 的累计个税会建立在未封存的数字上"),
                    format!("{p} was reopened and is not closed again: {period}'s cumulative tax would rest on unsealed figures"),
                ),
                Text::new(
                    format!("先运行并关账 {p} (paybatch run/close --period {p}), 再处理 {period}; 确需如此可加 --allow-unsealed-prior (记入日志)"),
                    format!("run and close {p} first, then {period}; if you must, add --allow-unsealed-prior (it is logged)"),
                ),
            ));
        } else if st.status == Status::Draft && for_close {
            out.push(chain_finding(
                "Y003",
                Severity::Error,
                p,
                Text::new(
                    format!("{p} 还没有关账, 不能先封存 {period}"),
                    format!("{p} is not closed yet; {period} cannot be sealed before it"),
                ),
                Text::new(
                    format!("按月份顺序关账: 先 paybatch close --period {p}; 确需如此可加 --allow-unsealed-prior (记入日志)"),
                    format!("close the months in order: paybatch close --period {p} first; if you must, add --allow-unsealed-prior (it is logged)"),
                ),
            ));
        } else if let Some(s) = stale(ws, p)? {
            out.push(stale_finding("Y002", Severity::Error, p, &s));
        }
    }
    Ok(out)
}

/// A stale month as a finding.
pub fn stale_finding(code: &str, severity: Severity, period: Period, s: &Stale) -> Finding {
    let message = if s.unused {
        Text::new(
            format!(
                "{period} 已过期: 封存时 {} 还没有计算结果, 现在有了, 累计个税未计入它",
                s.earlier
            ),
            format!(
                "{period} is stale: {} had no results when it was sealed and has them now; its figures are not in the cumulative tax",
                s.earlier
            ),
        )
    } else {
        let used = s.used_version.map_or("草稿".to_string(), |v| format!("第 {v} 版"));
        let used_en = s.used_version.map_or("a draft".to_string(), |v| format!("version {v}"));
        let now = s
            .now_version
            .map_or("已重新打开".to_string(), |v| format!("现为第 {v} 版"));
        let now_en = s
            .now_version
            .map_or("reopened now".to_string(), |v| format!("now version {v}"));
        Text::new(
            format!(
                "{period} 已过期: 它使用了 {} 的{used}, 而 {} {now}",
                s.earlier, s.earlier
            ),
            format!(
                "{period} is stale: it used {used_en} of {}, which is {now_en}",
                s.earlier
            ),
        )
    };
    chain_finding(
        code,
        severity,
        period,
        message,
        Text::new(
            format!(
                "paybatch reopen --period {period} --reason \"{} 已更正\", 然后重新 run 和 close",
                s.earlier
            ),
            format!(
                "paybatch reopen --period {period} --reason \"{} corrected\", then run and close it again",
                s.earlier
            ),
        ),
    )
}

/// The later closed months of `period`'s year that are stale now (after
/// `period` was resealed or reopened), as warnings for the close output.
pub fn later_stale(ws: &Workspace, period: Period) -> Result<Vec<Finding>> {
    let mut out = Vec::new();
    for m in period.month() + 1..=12 {
        let Some(p) = Period::new(period.year(), m) else {
            continue;
        };
        if let Some(s) = stale(ws, p)? {
            out.push(stale_finding("Y004", Severity::Warning, p, &s));
        }
    }
    Ok(out)
}
