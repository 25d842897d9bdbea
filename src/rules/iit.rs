//! IIT rule files (`rules/iit/*.toml`): annual and monthly rate tables,
//! deduction standards, the annual-bonus separate-taxation window.

use rust_decimal::Decimal;
use serde::Deserialize;

use crate::impl_dated;
use crate::model::Date;

/// One bracket: income up to `upto` (none for the top bracket).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Bracket {
    #[serde(default)]
    pub upto: Option<Decimal>,
    pub rate: Decimal,
    pub quick_deduction: Decimal,
}

/// A dated progressive table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateTable {
    pub valid_from: Date,
    #[serde(default)]
    pub valid_to: Option<Date>,
    #[serde(default)]
    pub source: String,
    pub brackets: Vec<Bracket>,
}

impl RateTable {
    /// The bracket for an amount (the first whose upper bound is ≥ it).
    pub fn bracket(&self, amount: Decimal) -> Option<&Bracket> {
        self.brackets
            .iter()
            .find(|b| b.upto.is_none_or(|u| amount <= u))
            .or_else(|| self.brackets.last())
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RatesFile {
    pub source: String,
    pub annual: Vec<RateTable>,
    pub monthly: Vec<RateTable>,
}

/// 基本减除费用.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BasicDeduction {
    pub valid_from: Date,
    #[serde(default)]
    pub valid_to: Option<Date>,
    pub monthly: Decimal,
    pub prior_year_low_income_annual: Decimal,
    #[serde(default)]
    pub source: String,
}

/// 专项附加扣除 monthly caps per item.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdditionalStandards {
    pub valid_from: Date,
    #[serde(default)]
    pub valid_to: Option<Date>,
    #[serde(default)]
    pub source: String,
    pub children_education: Decimal,
    pub infant_care: Decimal,
    pub elderly_support: Decimal,
    pub continuing_education: Decimal,
    pub housing_loan: Decimal,
    pub housing_rent: Decimal,
    pub private_pension: Decimal,
    /// 个人养老金: deductible as paid, up to this much in the tax year
    /// (whenever paid). Absent in rule files sealed before it: no cap.
    #[serde(default)]
    pub private_pension_annual: Option<Decimal>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeductionsFile {
    pub source: String,
    pub basic: Vec<BasicDeduction>,
    pub additional: Vec<AdditionalStandards>,
}

/// The window in which the annual bonus may be taxed separately.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BonusWindow {
    pub valid_from: Date,
    #[serde(default)]
    pub valid_to: Option<Date>,
    #[serde(default)]
    pub source: String,
}

/// Which treatment to apply to an annual bonus.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BonusPolicy {
    Cheaper,
    Separate,
    Merged,
}

impl BonusPolicy {
    /// The policy as a clerk writes it in the roster's 年终奖计税方式
    /// column: 单独计税, 并入综合所得, 择优 (or the English keys).
    pub fn from_label(text: &str) -> Option<BonusPolicy> {
        match text.trim() {
            "单独计税" | "separate" => Some(BonusPolicy::Separate),
            "并入综合所得" | "并入" | "merged" => Some(BonusPolicy::Merged),
            "择优" | "cheaper" => Some(BonusPolicy::Cheaper),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BonusPolicyBlock {
    pub default: BonusPolicy,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BonusFile {
    pub source: String,
    pub separate_taxation: Vec<BonusWindow>,
    pub policy: BonusPolicyBlock,
}

impl_dated!(RateTable, BasicDeduction, AdditionalStandards, BonusWindow);

/// `rules/iit/settlement.toml`: who must file the annual settlement.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettlementFile {
    pub source: String,
    /// Comprehensive income at most this: no filing needed.
    pub income_threshold: Decimal,
    /// Tax still to pay at most this: no filing needed.
    pub payment_threshold: Decimal,
}

/// All IIT rules.
#[derive(Debug, Clone)]
pub struct IitRules {
    pub rates: RatesFile,
    pub deductions: DeductionsFile,
    pub bonus: BonusFile,
    /// Absent in packages sealed before it existed.
    pub settlement: Option<SettlementFile>,
}
