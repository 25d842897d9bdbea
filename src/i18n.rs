//! Language of user-facing text. Chinese is the default; `--lang en` switches.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    Zh,
    En,
}

/// Text in both languages, as rule files carry it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Text {
    #[serde(default)]
    pub zh: String,
    #[serde(default)]
    pub en: String,
}

impl Text {
    pub fn new(zh: impl Into<String>, en: impl Into<String>) -> Self {
        Text {
            zh: zh.into(),
            en: en.into(),
        }
    }

    /// The text in `lang`, falling back to the other language when empty.
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh if !self.zh.is_empty() => &self.zh,
            Lang::En if !self.en.is_empty() => &self.en,
            Lang::Zh => &self.en,
            Lang::En => &self.zh,
        }
    }

    /// Builds both languages from one function of `zh` (true for Chinese),
    /// so a message with many values is written once.
    pub fn each(f: impl Fn(bool) -> String) -> Self {
        Text {
            zh: f(true),
            en: f(false),
        }
    }

    /// Replaces `{name}` placeholders in both languages.
    pub fn fill(&self, vars: &[(&str, &str)]) -> Text {
        let sub = |s: &str| {
            vars.iter()
                .fold(s.to_string(), |acc, (k, v)| acc.replace(&format!("{{{k}}}"), v))
        };
        Text {
            zh: sub(&self.zh),
            en: sub(&self.en),
        }
    }
}
