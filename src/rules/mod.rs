//! Rule files: the built-in defaults embedded in the binary, loading a
//! workspace's `rules/` folder, and strict parsing with file/line errors.

pub mod check;
pub mod dated;
pub mod expr;
pub mod iit;
pub mod payroll;
pub mod schema;
pub mod social;
pub mod template;
pub mod validation;

use std::collections::BTreeMap;
use std::path::Path;

use serde::de::DeserializeOwned;

use crate::error::{Error, Result};
use iit::IitRules;
use payroll::PayrollRules;
use schema::{InputSchema, InputsFile};
use social::CityRules;
use validation::{Check, Rule};

/// The built-in rule files, by path relative to `rules/` (every file under
/// `rules/`, embedded by `build.rs`).
pub const BUILTIN: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/builtin_rules.rs"));

/// Rule files as text, keyed by relative path (`validation/roster.toml`).
#[derive(Debug, Clone, Default)]
pub struct RuleFiles {
    pub files: BTreeMap<String, String>,
}

impl RuleFiles {
    pub fn builtin() -> Self {
        RuleFiles {
            files: BUILTIN
                .iter()
                .map(|(p, t)| ((*p).to_string(), (*t).to_string()))
                .collect(),
        }
    }

    /// Reads every `*.toml` under `dir`; falls back to the built-ins when
    /// the folder does not exist.
    pub fn from_dir(dir: &Path) -> Result<Self> {
        if !dir.is_dir() {
            return Ok(RuleFiles::builtin());
        }
        let mut files = BTreeMap::new();
        collect_toml(dir, dir, &mut files)?;
        Ok(RuleFiles { files })
    }

    /// Parses one file strictly into `T`.
    fn parse<T: DeserializeOwned>(&self, path: &str) -> Result<T> {
        let text = self.get(path)?;
        toml::from_str(text).map_err(|e| Error::toml(&format!("rules/{path}"), text, &e))
    }

    fn get(&self, path: &str) -> Result<&str> {
        self.files.get(path).map(String::as_str).ok_or_else(|| Error::Config {
            file: format!("rules/{path}"),
            line: 0,
            message: "file is missing (run `paybatch init` to restore the defaults)".into(),
        })
    }

    /// Paths under a folder, sorted.
    pub fn under<'a>(&'a self, folder: &'a str) -> impl Iterator<Item = (&'a String, &'a String)> + 'a {
        self.files.iter().filter(move |(p, _)| p.starts_with(folder))
    }
}

fn collect_toml(root: &Path, dir: &Path, out: &mut BTreeMap<String, String>) -> Result<()> {
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    let mut paths: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            collect_toml(root, &path, out)?;
        } else if path.extension().is_some_and(|e| e == "toml") {
            let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
            let rel = path
                .strip_prefix(root)
                .map(|p| p.to_string_lossy().replace('\\', "/"))
                .unwrap_or_default();
            out.insert(rel, text);
        }
    }
    Ok(())
}

/// The rule folders a workspace must have (each with at least one file).
pub const REQUIRED_RULE_SETS: [&str; 4] = ["validation/", "social/", "iit/", "payroll/"];

/// Every rule paybatch runs with, parsed and cross-checked.
#[derive(Debug, Clone)]
pub struct RuleSet {
    pub inputs: Vec<InputSchema>,
    pub validation: Vec<Rule>,
    pub iit: IitRules,
    pub cities: Vec<CityRules>,
    pub payroll: PayrollRules,
    pub templates: Vec<template::Template>,
    pub journal: crate::emit::journal::JournalRules,
    pub register: crate::emit::register::RegisterLayout,
    pub bank_returns: crate::reconcile::BankReturns,
    pub bureau_bill: crate::reconcile::BureauBill,
}

impl RuleSet {
    pub fn load(files: &RuleFiles) -> Result<RuleSet> {
        // Without one of these a month would run with checks or figures
        // silently missing.
        for folder in REQUIRED_RULE_SETS {
            if files.under(folder).next().is_none() {
                return Err(Error::RulesMissing {
                    folder: folder.trim_end_matches('/').into(),
                });
            }
        }
        let inputs: InputsFile = files.parse("inputs.toml")?;
        let mut validation = Vec::new();
        for (path, text) in files.under("validation/") {
            validation.extend(validation::parse_file(&format!("rules/{path}"), text)?);
        }
        let iit = IitRules {
            rates: files.parse("iit/rates.toml")?,
            deductions: files.parse("iit/deductions.toml")?,
            bonus: files.parse("iit/bonus.toml")?,
            settlement: match files.files.contains_key("iit/settlement.toml") {
                true => Some(files.parse("iit/settlement.toml")?),
                false => None,
            },
        };
        let mut cities = Vec::new();
        for (path, _) in files.under("social/") {
            let mut city: CityRules = files.parse(path)?;
            city.file = format!("rules/{path}");
            cities.push(city);
        }
        let payroll_path = "payroll/components.toml";
        let payroll = payroll::parse(&format!("rules/{payroll_path}"), files.get(payroll_path)?)?;
        let journal_path = "templates/journal.toml";
        let journal = files.parse(journal_path)?;
        let register_path = "templates/register.toml";
        let register: crate::emit::register::RegisterLayout = files.parse(register_path)?;
        register.check(&format!("rules/{register_path}"))?;
        let mut templates = Vec::new();
        for (path, _) in files.under("templates/") {
            if path == journal_path || path == register_path {
                continue;
            }
            let mut t: template::Template = files.parse(path)?;
            t.file = format!("rules/{path}");
            for c in t
                .columns
                .iter()
                .chain(t.header_line.iter().chain(&t.trailer_line).flat_map(|l| &l.segments))
            {
                if let Some(f) = &c.field
                    && !crate::emit::fields::is_known(f)
                {
                    return Err(Error::Rule {
                        file: t.file.clone(),
                        message: format!("column `{}` names unknown field `{f}`", c.header),
                    });
                }
            }
            templates.push(t);
        }
        let set = RuleSet {
            inputs: inputs.inputs,
            validation,
            iit,
            cities,
            payroll,
            templates,
            journal,
            register,
            bank_returns: files.parse("reconcile/bank_returns.toml")?,
            bureau_bill: files.parse("reconcile/bureau_bill.toml")?,
        };
        set.cross_check()?;
        Ok(set)
    }

    pub fn builtin() -> Result<RuleSet> {
        RuleSet::load(&RuleFiles::builtin())
    }

    /// The social-insurance rules of a city (as written in the roster).
    pub fn city(&self, name: &str) -> Option<&CityRules> {
        self.cities.iter().find(|c| c.city == name)
    }

    pub fn schema(&self, kind: &str) -> Option<&InputSchema> {
        self.inputs.iter().find(|s| s.kind == kind)
    }

    /// Every input and field a rule names must exist; every number column
    /// has bounds; the checks that catch unreadable cells are there.
    fn cross_check(&self) -> Result<()> {
        for schema in &self.inputs {
            for f in schema.fields.iter().filter(|f| f.is_numeric()) {
                if f.min.is_none() || f.max.is_none() {
                    return Err(Error::Rule {
                        file: "rules/inputs.toml".into(),
                        message: format!(
                            "number column `{}` of input `{}` needs both `min` and `max` (its bounds and sign)",
                            f.key, schema.kind
                        ),
                    });
                }
            }
        }
        type Has = fn(&Check) -> bool;
        let has: [(Has, &str); 4] = [
            (|c| matches!(c, Check::Type), "type"),
            (|c| matches!(c, Check::Column), "column"),
            (|c| matches!(c, Check::Bounds), "bounds"),
            (|c| matches!(c, Check::Unreadable(_)), "unreadable"),
        ];
        for (check, what) in has {
            if !self
                .validation
                .iter()
                .any(|r| check(&r.check) && r.severity == validation::Severity::Error)
            {
                return Err(Error::Rule {
                    file: "rules/validation/".into(),
                    message: format!(
                        "no error rule with `check = \"{what}\"`: without it bad cells would pass unreported (see the built-in structure.toml)"
                    ),
                });
            }
        }
        for rule in &self.validation {
            let bad = |what: String| Error::Rule {
                file: rule.file.clone(),
                message: format!("rule {}: {what}", rule.code),
            };
            let field_exists = |input: &str, field: &str| -> Result<()> {
                if input == "*"
                    && field == "*"
                    && matches!(
                        rule.check,
                        Check::Type | Check::Column | Check::Unreadable(_) | Check::Bounds | Check::SoftBounds
                    )
                {
                    return Ok(());
                }
                let schema = self
                    .schema(input)
                    .ok_or_else(|| bad(format!("unknown input `{input}`")))?;
                if field != "*" && schema.field_index(field).is_none() {
                    let known: Vec<&str> = schema.fields.iter().map(|f| f.key.as_str()).collect();
                    return Err(bad(format!(
                        "input `{input}` has no field `{field}`; fields: {}",
                        known.join(", ")
                    )));
                }
                Ok(())
            };
            field_exists(&rule.input, &rule.field)?;
            if let Some(cond) = &rule.when {
                field_exists(&rule.input, &cond.field)?;
            }
            match &rule.check {
                Check::DateOrder { later } => field_exists(&rule.input, later)?,
                Check::OneKey { key } => field_exists(&rule.input, key)?,
                Check::ExistsIn { input, field } => field_exists(input, field)?,
                _ => {}
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_rules_load() {
        let set = RuleSet::builtin().unwrap();
        assert!(set.schema("roster").is_some());
        assert!(set.validation.len() >= 15);
    }

    #[test]
    fn typo_names_file_and_line() {
        let mut files = RuleFiles::builtin();
        files.files.insert(
            "validation/extra.toml".into(),
            "[[rule]]\ncode = \"X1\"\ninput = \"roster\"\nfield = \"name\"\ncheck = \"required\"\nseverity = \"error\"\nmesage = { zh = \"x\" }\n".into(),
        );
        let err = RuleSet::load(&files).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.starts_with("rules/validation/extra.toml:7:"), "{err}");
        assert!(err.contains("mesage"), "{err}");
    }
}
