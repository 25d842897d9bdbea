//! IIT rule files (`rules/iit/*.toml`): annual and monthly rate tables,
//! deduction standards, the annual-bonus separate-taxation window.

use rust_decimal::Decimal;
use serde::Deserialize;

use crate::impl_dated;
use crate::model::{Date, Period};

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
    /// 赡养老人 for someone who is not an only child: the most one
    /// sibling's share may be. Absent: `elderly_support` alone.
    #[serde(default)]
    pub elderly_support_sibling_share: Option<Decimal>,
    /// 继续教育: once, in the year a vocational certificate is obtained,
    /// on top of the monthly degree-education standard.
    #[serde(default)]
    pub continuing_education_certificate: Option<Decimal>,
    /// 住房租金 by the city where one mainly works: the first tier that
    /// lists the city, else the first tier without cities. None at all:
    /// `housing_rent` everywhere.
    #[serde(default)]
    pub housing_rent_tier: Vec<RentTier>,
}

/// One tier of the rent standard.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RentTier {
    pub monthly: Decimal,
    /// The cities of the tier; empty: every city no other tier lists.
    #[serde(default)]
    pub cities: Vec<String>,
    /// The list is not confirmed against an official text.
    #[serde(default)]
    pub unconfirmed: bool,
    #[serde(default)]
    pub source: String,
}

/// What an employee declared about a special additional deduction beyond
/// its amount (the deductions file's optional columns 子女人数, 婴幼儿人数,
/// 是否独生子女). Blank: one child, one infant, an only child.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeductionTerms {
    pub children: Option<Decimal>,
    pub infants: Option<Decimal>,
    pub only_child: Option<bool>,
}

/// The special additional deduction items, in the order of the
/// deductions file's import columns (and of every per-item array).
pub const ADDITIONAL_ITEMS: [&str; 7] = [
    "children_education",
    "continuing_education",
    "housing_loan",
    "housing_rent",
    "elderly_support",
    "infant_care",
    "private_pension",
];

/// How much of one item may be deducted up to a month: `monthly` for
/// each month employed here this year, plus `once` (the certificate).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ItemCap {
    pub monthly: Decimal,
    pub once: Decimal,
}

impl ItemCap {
    /// The most that may be deducted through `months` months.
    pub fn to_date(self, months: u32) -> Decimal {
        self.monthly * Decimal::from(months) + self.once
    }
}

impl AdditionalStandards {
    /// The rent standard where one mainly works (`None`: the city is not
    /// known, the highest tier). `北京市` is `北京`.
    pub fn rent_in(&self, city: Option<&str>) -> Decimal {
        let tier = match city {
            None => self.housing_rent_tier.iter().max_by_key(|t| t.monthly),
            Some(c) => self
                .listing(c)
                .or_else(|| self.housing_rent_tier.iter().find(|t| t.cities.is_empty())),
        };
        tier.map_or(self.housing_rent, |t| t.monthly)
    }

    /// For a city no tier lists while some tier's list is unconfirmed:
    /// the most that list would allow (an amount up to it is a warning,
    /// as the city may belong there).
    pub fn rent_if_unlisted(&self, city: &str) -> Option<Decimal> {
        if self.listing(city).is_some() {
            return None;
        }
        self.housing_rent_tier
            .iter()
            .filter(|t| t.unconfirmed)
            .map(|t| t.monthly)
            .max()
    }

    fn listing(&self, city: &str) -> Option<&RentTier> {
        let city = city_name(city);
        self.housing_rent_tier
            .iter()
            .find(|t| t.cities.iter().any(|x| x == city))
    }

    /// The cap of item `i` of [`ADDITIONAL_ITEMS`] under `terms`, for
    /// someone who mainly works in `city` (`None`: not known); `None` for
    /// 个人养老金 (a year's cap on amounts paid, not a monthly standard).
    pub fn cap(&self, i: usize, terms: &DeductionTerms, city: Option<&str>) -> Option<ItemCap> {
        let monthly = |m: Decimal| ItemCap {
            monthly: m,
            once: Decimal::ZERO,
        };
        let per = |n: Option<Decimal>| n.unwrap_or(Decimal::ONE);
        Some(match ADDITIONAL_ITEMS.get(i).copied()? {
            "children_education" => monthly(self.children_education * per(terms.children)),
            "infant_care" => monthly(self.infant_care * per(terms.infants)),
            "elderly_support" => monthly(match (terms.only_child, self.elderly_support_sibling_share) {
                (Some(false), Some(share)) => share,
                _ => self.elderly_support,
            }),
            // Without the certificate amount (rule sets before it) the
            // item is not held to a standard it does not state.
            "continuing_education" => ItemCap {
                monthly: self.continuing_education,
                once: self.continuing_education_certificate?,
            },
            "housing_loan" => monthly(self.housing_loan),
            "housing_rent" => monthly(self.rent_in(city)),
            _ => return None,
        })
    }
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

/// The city in an address as a clerk writes it: `北京市朝阳区`, `广东省深圳市`
/// and `新疆维吾尔自治区乌鲁木齐市` are `北京`, `深圳` and `乌鲁木齐`.
pub fn city_name(text: &str) -> &str {
    let mut city = text.trim();
    for province in ["自治区", "省"] {
        if let Some((_, rest)) = city.split_once(province) {
            city = rest;
        }
    }
    city.split_once('市').map_or(city, |(name, _)| name).trim()
}

/// Whether someone hired on `hire_date` can have been withheld for by
/// this employer in every month of the tax year before `period`'s: hired
/// on or before its first day.
pub fn sixty_k_eligible(hire_date: Date, period: Period) -> bool {
    Date::new(period.year() - 1, 1, 1).is_some_and(|first| hire_date <= first)
}

#[cfg(test)]
mod tests {
    use super::city_name;

    #[test]
    fn a_city_is_found_in_an_address() {
        assert_eq!(city_name("北京"), "北京");
        assert_eq!(city_name("北京市朝阳区"), "北京");
        assert_eq!(city_name("广东省深圳市"), "深圳");
        assert_eq!(city_name("深圳市南山区"), "深圳");
        assert_eq!(city_name("新疆维吾尔自治区乌鲁木齐市"), "乌鲁木齐");
        assert_eq!(city_name(" 杭州 "), "杭州");
    }
}
