//! Social insurance and housing fund rules (`rules/social/<city>.toml`):
//! dated floor/cap per scheme, dated items with employer and employee rates,
//! fixed add-ons and per-item rounding, and the city's minimum wage.

use rust_decimal::Decimal;
use serde::Deserialize;

use crate::i18n::Text;
use crate::impl_dated;
use crate::model::{Date, Rounding};
use crate::rules::dated::Dated;

/// Floor and cap of one scheme's contribution base.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BaseBounds {
    pub scheme: String,
    pub valid_from: Date,
    #[serde(default)]
    pub valid_to: Option<Date>,
    pub floor: Decimal,
    pub cap: Decimal,
    /// When the notice was published (often months after `valid_from`).
    #[serde(default)]
    pub published: Option<Date>,
    #[serde(default)]
    pub unconfirmed: bool,
    #[serde(default)]
    pub source: String,
}

/// A rate the employee picks within bounds (housing fund).
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateChoice {
    pub min: Decimal,
    pub max: Decimal,
    pub default: Decimal,
}

impl RateChoice {
    /// The rate for an employee's own choice (None: the default), kept
    /// within `[min, max]`.
    pub fn rate(&self, own: Option<Decimal>) -> Decimal {
        own.unwrap_or(self.default).max(self.min).min(self.max)
    }
}

/// Which declared base an item starts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeclaredBase {
    /// The roster's 社保基数.
    Si,
    /// The roster's 公积金基数.
    Hf,
}

/// One contribution item (pension, medical, …) for a date range.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Item {
    pub key: String,
    pub label: Text,
    /// The base scheme whose floor/cap applies.
    pub scheme: String,
    pub valid_from: Date,
    #[serde(default)]
    pub valid_to: Option<Date>,
    #[serde(default)]
    pub employer_rate: Decimal,
    #[serde(default)]
    pub employee_rate: Decimal,
    /// Same rate both sides, chosen per employee (housing fund).
    #[serde(default)]
    pub employee_chooses_rate: Option<RateChoice>,
    #[serde(default)]
    pub employer_fixed: Decimal,
    #[serde(default)]
    pub employee_fixed: Decimal,
    #[serde(default)]
    pub rounding: Rounding,
    /// Which declared base; default `hf` for scheme `hf`, else `si`.
    #[serde(default)]
    pub declared_base: Option<DeclaredBase>,
    #[serde(default)]
    pub unconfirmed: bool,
    #[serde(default)]
    pub source: String,
}

impl Item {
    pub fn declared(&self) -> DeclaredBase {
        self.declared_base.unwrap_or(if self.scheme == "hf" {
            DeclaredBase::Hf
        } else {
            DeclaredBase::Si
        })
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MinimumWage {
    pub valid_from: Date,
    #[serde(default)]
    pub valid_to: Option<Date>,
    pub monthly: Decimal,
    #[serde(default)]
    pub unconfirmed: bool,
    #[serde(default)]
    pub source: String,
}

impl_dated!(BaseBounds, Item, MinimumWage);

/// One city's file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CityRules {
    /// The city as written in the roster's 参保城市 column.
    pub city: String,
    pub source: String,
    #[serde(rename = "base")]
    pub bases: Vec<BaseBounds>,
    #[serde(rename = "item")]
    pub items: Vec<Item>,
    #[serde(default)]
    pub minimum_wage: Vec<MinimumWage>,
    /// File it was read from (set on load).
    #[serde(skip)]
    pub file: String,
}

impl CityRules {
    /// The items in force on `day`, each with the latest base bounds of its
    /// scheme in force that day (None: no base in force for the scheme).
    pub fn items_on(&self, day: Date) -> impl Iterator<Item = (&Item, Option<&BaseBounds>)> {
        self.items.iter().filter(move |i| i.in_force_on(day)).map(move |i| {
            let bounds = self
                .bases
                .iter()
                .rev()
                .find(|b| b.scheme == i.scheme && b.in_force_on(day));
            (i, bounds)
        })
    }

    /// Item keys in first-seen order.
    pub fn item_keys(&self) -> Vec<&str> {
        let mut keys: Vec<&str> = Vec::new();
        for i in &self.items {
            if !keys.contains(&i.key.as_str()) {
                keys.push(&i.key);
            }
        }
        keys
    }
}

#[cfg(test)]
mod tests {
    use super::RateChoice;
    use rust_decimal_macros::dec;

    #[test]
    fn a_chosen_rate_stays_within_bounds_and_defaults() {
        let choice = RateChoice {
            min: dec!(0.05),
            max: dec!(0.12),
            default: dec!(0.12),
        };
        assert_eq!(choice.rate(None), dec!(0.12));
        assert_eq!(choice.rate(Some(dec!(0.07))), dec!(0.07));
        assert_eq!(choice.rate(Some(dec!(0.20))), dec!(0.12));
        assert_eq!(choice.rate(Some(dec!(0.01))), dec!(0.05));
        // A default outside the bounds is itself kept within them.
        let odd = RateChoice {
            default: dec!(0.30),
            ..choice
        };
        assert_eq!(odd.rate(None), dec!(0.12));
    }
}
