//! Interned names: the few strings every result repeats (SI item keys and
//! labels) are stored once for the life of the process, so a result holds
//! a pointer instead of its own copy. Only rule-file names are interned, a
//! bounded set.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use crate::i18n::Text;

type Table = Mutex<HashMap<(String, String), &'static Text>>;

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| Mutex::new(HashMap::new()))
}

/// The one shared copy of `text`.
pub fn text(text: &Text) -> &'static Text {
    let key = (text.zh.clone(), text.en.clone());
    let mut table = table().lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    table.entry(key).or_insert_with(|| Box::leak(Box::new(text.clone())))
}

/// The one shared copy of `s`.
pub fn str(s: &str) -> &'static str {
    text(&Text::new(s, "")).zh.as_str()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_same_text_is_stored_once() {
        let a = super::str("pension");
        let b = super::str(&String::from("pension"));
        assert!(std::ptr::eq(a, b));
        assert_eq!(a, "pension");
    }
}
