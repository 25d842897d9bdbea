//! The clerk's workspace folder and its `paybatch.toml`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::i18n::Lang;
use crate::model::Period;
use crate::rules::{RuleFiles, RuleSet};

/// Where one kind of input lives, when file names alone do not tell.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct InputSource {
    /// File name inside `inputs/YYYY-MM/`.
    pub file: String,
    /// Sheet name; by default every sheet whose header matches.
    #[serde(default)]
    pub sheet: Option<String>,
}

/// The employer.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Company {
    pub name: String,
    /// 统一社会信用代码.
    #[serde(default)]
    pub uscc: String,
    /// Pay day of the month.
    #[serde(default)]
    pub pay_day: Option<u32>,
}

/// The company's paying bank account (for bank files).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Payer {
    #[serde(default)]
    pub account: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub bank: String,
    #[serde(default)]
    pub province: String,
    #[serde(default)]
    pub city: String,
}

/// An SMTP relay for sending payslips.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Smtp {
    pub host: String,
    #[serde(default = "default_smtp_port")]
    pub port: u16,
    /// `none`, `starttls` or `tls` (implicit); unset: `tls` on port 465,
    /// `starttls` on 587, `none` otherwise (an internal relay on 25).
    #[serde(default)]
    pub security: Option<MailSecurity>,
    /// The account to log in with (AUTH), if the relay wants one.
    #[serde(default)]
    pub username: Option<String>,
    /// The environment variable that holds the password (never the
    /// password itself in this file).
    #[serde(default)]
    pub password_env: Option<String>,
    /// A PEM file of the CA that signed the relay's certificate (a
    /// company CA), relative to the workspace; public CAs are built in.
    #[serde(default)]
    pub ca_file: Option<String>,
    /// Seconds to wait for the relay at each step.
    #[serde(default = "default_smtp_timeout")]
    pub timeout_seconds: u64,
}

/// How the connection to the relay is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MailSecurity {
    None,
    Starttls,
    Tls,
}

impl Smtp {
    /// The security in effect (the port's usual one when unset).
    pub fn security(&self) -> MailSecurity {
        self.security.unwrap_or(match self.port {
            465 => MailSecurity::Tls,
            587 => MailSecurity::Starttls,
            _ => MailSecurity::None,
        })
    }
}

fn default_smtp_port() -> u16 {
    25
}

fn default_smtp_timeout() -> u64 {
    30
}

fn yes() -> bool {
    true
}

/// Payslip e-mail settings.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Payslips {
    /// Sender address of payslip e-mails.
    #[serde(default)]
    pub from: String,
    /// Write one .eml per employee (turn off for very large runs).
    #[serde(default = "yes")]
    pub eml: bool,
    #[serde(default)]
    pub smtp: Option<Smtp>,
}

/// Reconciliation settings.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Reconcile {
    /// Flag employees whose net pay moved by more than this share.
    #[serde(default = "default_threshold")]
    pub net_change_threshold: rust_decimal::Decimal,
    /// Bureau amounts may differ by this many fen.
    #[serde(default)]
    pub bureau_tolerance_fen: i64,
}

fn default_threshold() -> rust_decimal::Decimal {
    rust_decimal::Decimal::new(2, 1)
}

impl Default for Reconcile {
    fn default() -> Self {
        Reconcile {
            net_change_threshold: default_threshold(),
            bureau_tolerance_fen: 0,
        }
    }
}

/// What the total-payroll cap (工资总额管控) measures.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BudgetMeasure {
    /// 应发合计 (gross pay incl. bonuses).
    #[default]
    TotalPay,
    /// Gross pay plus employer SI/HF.
    EmployerCost,
}

/// Annual budget per org unit.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Budget {
    /// `department` or `cost_center`.
    #[serde(default = "default_budget_by")]
    pub by: String,
    #[serde(default)]
    pub measure: BudgetMeasure,
    /// `warning` or `error` when the projection exceeds the budget.
    #[serde(default = "default_budget_severity")]
    pub severity: crate::rules::validation::Severity,
    /// Year → unit → annual budget (CNY).
    #[serde(default)]
    pub annual: BTreeMap<String, BTreeMap<String, rust_decimal::Decimal>>,
}

fn default_budget_by() -> String {
    "cost_center".into()
}

fn default_budget_severity() -> crate::rules::validation::Severity {
    crate::rules::validation::Severity::Warning
}

impl Default for Payslips {
    fn default() -> Self {
        Payslips {
            from: String::new(),
            eml: true,
            smtp: None,
        }
    }
}

/// `paybatch.toml`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub company: Company,
    #[serde(default)]
    pub payer: Payer,
    #[serde(default)]
    pub payslips: Payslips,
    #[serde(default)]
    pub reconcile: Reconcile,
    #[serde(default)]
    pub budget: Option<Budget>,
    /// Default language of messages (overridden by `--lang`).
    #[serde(default)]
    pub lang: Option<Lang>,
    /// Input file per kind (`roster`, `attendance`, …).
    #[serde(default)]
    pub inputs: BTreeMap<String, InputSource>,
    /// Ledger settings.
    #[serde(default)]
    pub ledger: LedgerConfig,
    /// How large and deep a file the readers accept.
    #[serde(default)]
    pub limits: Limits,
}

/// `[ledger]` in paybatch.toml.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LedgerConfig {
    /// Who closes and reopens periods from this workspace, recorded in
    /// the log (`--user` and `PAYBATCH_USER` come first; the OS account
    /// is the fallback, and marked so).
    pub user: Option<String>,
}

/// An opened workspace.
#[derive(Debug, Clone)]
pub struct Workspace {
    pub root: PathBuf,
    pub config: Config,
    /// Where the period folders of inputs are read from, when not
    /// `root/inputs` (a close reads the snapshot it seals).
    pub inputs_root: Option<PathBuf>,
}

/// The reading limits, `[limits]` in paybatch.toml. Every one is generous
/// by default; a site with bigger files raises it there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// The most one part of a workbook may inflate to (MB).
    pub part_mb: u64,
    /// The most all parts together may inflate to (MB).
    pub total_mb: u64,
    /// Past `ratio_from_mb`, a part may inflate at most this many times
    /// (real spreadsheets compress 5–30 times; bombs 100–1000 times).
    pub ratio: u64,
    pub ratio_from_mb: u64,
    /// The most shared strings a workbook may declare (ten times the
    /// distinct texts of a million-employee roster).
    pub declared_count: u64,
    /// The longest one CSV row may be (KB): a payroll row is a few hundred
    /// bytes; a 300 MB one-line file is not a table.
    pub csv_row_kb: u64,
}

impl Limits {
    pub const DEFAULT: Limits = Limits {
        part_mb: 4 << 10,
        total_mb: 12 << 10,
        ratio: 100,
        ratio_from_mb: 64,
        declared_count: 100_000_000,
        csv_row_kb: 4 << 10,
    };

    /// The longest CSV row, in bytes.
    pub fn csv_row_bytes(&self) -> usize {
        usize::try_from(self.csv_row_kb.saturating_mul(1024)).unwrap_or(usize::MAX)
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}

static LIMITS: std::sync::RwLock<Limits> = std::sync::RwLock::new(Limits::DEFAULT);

/// Sets the limits every reader applies from now on (the workspace's).
pub fn set_limits(limits: Limits) {
    if let Ok(mut l) = LIMITS.write() {
        *l = limits;
    }
}

/// The limits in force.
pub fn current_limits() -> Limits {
    LIMITS.read().map_or(Limits::DEFAULT, |l| *l)
}

pub const CONFIG_FILE: &str = "paybatch.toml";

impl Workspace {
    /// Opens `root`, which must hold a `paybatch.toml`.
    pub fn open(root: &Path) -> Result<Workspace> {
        let path = root.join(CONFIG_FILE);
        if !path.is_file() {
            return Err(Error::Usage(format!(
                "{} 不是 paybatch 工作区 (没有 {CONFIG_FILE}); 用 `paybatch init {}` 创建 / not a paybatch workspace",
                root.display(),
                root.display()
            )));
        }
        let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
        let config: Config = toml::from_str(&text).map_err(|e| Error::toml(CONFIG_FILE, &text, &e))?;
        // Every reader from now on applies this workspace's limits.
        set_limits(config.limits);
        Ok(Workspace {
            root: root.to_path_buf(),
            config,
            inputs_root: None,
        })
    }

    pub fn rules_dir(&self) -> PathBuf {
        self.root.join("rules")
    }

    pub fn inputs_dir(&self, period: Period) -> PathBuf {
        self.inputs_root
            .clone()
            .unwrap_or_else(|| self.root.join("inputs"))
            .join(period.to_string())
    }

    /// This workspace reading its inputs from `root/<period>/` instead.
    pub fn with_inputs_from(&self, root: &Path) -> Workspace {
        Workspace {
            inputs_root: Some(root.to_path_buf()),
            ..self.clone()
        }
    }

    pub fn ledger_dir(&self, period: Period) -> PathBuf {
        self.root.join("ledger").join(period.to_string())
    }

    /// The workspace's rule files (or the built-ins if it has none).
    pub fn rule_files(&self) -> Result<RuleFiles> {
        RuleFiles::from_dir(&self.rules_dir())
    }

    pub fn rules(&self) -> Result<RuleSet> {
        RuleSet::load(&self.rule_files()?)
    }
}
