//! Interned names: the few strings every result repeats (SI item keys and
//! labels) are stored once for the life of the process, so a result holds
//! one pointer instead of its own copy. Only rule-file names are interned, a
//! bounded set.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use crate::i18n::Text;

/// A rule item's key and label, stored once: every SI line points at one.
#[derive(Debug, PartialEq, Eq)]
pub struct Name {
    pub key: String,
    pub label: Text,
}

type Table = Mutex<HashMap<(String, String, String), &'static Name>>;

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| Mutex::new(HashMap::new()))
}

/// The one shared copy of the name `key` labelled `label`.
pub fn name(key: &str, label: &Text) -> &'static Name {
    let id = (key.to_string(), label.zh.clone(), label.en.clone());
    let mut table = table().lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    table.entry(id).or_insert_with(|| {
        Box::leak(Box::new(Name {
            key: key.to_string(),
            label: label.clone(),
        }))
    })
}

#[cfg(test)]
mod tests {
    use crate::i18n::Text;

    #[test]
    fn the_same_name_is_stored_once() {
        let label = Text::new("养老保险", "Pension");
        let a = super::name("pension", &label);
        let b = super::name(&String::from("pension"), &label.clone());
        assert!(std::ptr::eq(a, b));
        assert_eq!(a.key, "pension");
        let other = super::name("pension", &Text::new("养老", "Pension"));
        assert!(!std::ptr::eq(a, other), "a different label is a different name");
    }
}
