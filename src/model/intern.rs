//! Interned strings: the few strings every result repeats are stored once
//! for the life of the process, so a result holds one pointer instead of
//! its own copy. Two kinds: rule-file names (SI item keys and labels,
//! [`Name`]) and the identity texts employees share ([`Sym`]: ID type,
//! department, cost centre, city, bank).

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::sync::{Mutex, OnceLock};

use super::{FastHash, Str};
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

/// A text many employees share (ID type, department, cost centre, city,
/// bank), stored once: 8 bytes in a result instead of a 24-byte copy. Each
/// distinct text is kept for the life of the process, with an entry in the
/// shared table and in each thread's cache: a roster has a few thousand of
/// them at most (a column of all-different texts would cost a few times
/// what copies do). Compares, hashes and prints as its text.
#[derive(Clone, Copy)]
pub struct Sym(&'static Str);

static EMPTY: Str = Str::const_new("");

type SymTable = Mutex<HashMap<&'static str, &'static Str, FastHash>>;

fn sym_table() -> &'static SymTable {
    static TABLE: OnceLock<SymTable> = OnceLock::new();
    TABLE.get_or_init(|| Mutex::new(HashMap::default()))
}

thread_local! {
    /// Each thread's copy of the table's entries it has met: the shared
    /// table is locked once per distinct text and thread, not per row.
    static SEEN: RefCell<HashMap<&'static str, &'static Str, FastHash>> = RefCell::new(HashMap::default());
}

impl Sym {
    /// The one shared copy of `text`.
    pub fn new(text: &str) -> Sym {
        if text.is_empty() {
            return Sym(&EMPTY);
        }
        SEEN.with(|seen| {
            if let Some(&s) = seen.borrow().get(text) {
                return Sym(s);
            }
            let shared = {
                let mut table = sym_table().lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                match table.get(text) {
                    Some(&s) => s,
                    None => {
                        let leaked: &'static Str = Box::leak(Box::new(Str::from(text)));
                        table.insert(leaked.as_str(), leaked);
                        leaked
                    }
                }
            };
            seen.borrow_mut().insert(shared.as_str(), shared);
            Sym(shared)
        })
    }

    pub fn as_str(&self) -> &'static str {
        self.0.as_str()
    }
}

impl Default for Sym {
    fn default() -> Self {
        Sym(&EMPTY)
    }
}

impl std::ops::Deref for Sym {
    type Target = str;
    fn deref(&self) -> &str {
        self.0.as_str()
    }
}

impl AsRef<str> for Sym {
    fn as_ref(&self) -> &str {
        self.0.as_str()
    }
}

impl PartialEq for Sym {
    fn eq(&self, other: &Sym) -> bool {
        std::ptr::eq(self.0, other.0) || self.0 == other.0
    }
}

impl Eq for Sym {}

impl PartialEq<str> for Sym {
    fn eq(&self, other: &str) -> bool {
        self.0.as_str() == other
    }
}

impl PartialEq<&str> for Sym {
    fn eq(&self, other: &&str) -> bool {
        self.0.as_str() == *other
    }
}

impl std::hash::Hash for Sym {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.as_str().hash(state);
    }
}

impl From<&str> for Sym {
    fn from(text: &str) -> Sym {
        Sym::new(text)
    }
}

impl fmt::Display for Sym {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl fmt::Debug for Sym {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.0.as_str(), f)
    }
}

impl serde::Serialize for Sym {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.0)
    }
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

    #[test]
    fn a_sym_is_stored_once_and_reads_as_its_text() {
        use super::Sym;
        assert_eq!(std::mem::size_of::<Sym>(), 8);
        let a = Sym::new("研发部");
        let b = std::thread::spawn(|| Sym::new(&String::from("研发部")))
            .join()
            .unwrap_or_else(|_| panic!("thread"));
        assert!(std::ptr::eq(a.as_str(), b.as_str()), "one copy across threads");
        assert_eq!(a, b);
        assert_eq!(a, "研发部");
        assert_ne!(a, Sym::new("财务部"));
        assert_eq!(Sym::new(""), Sym::default());
        assert_eq!(format!("{a}|{a:?}"), "研发部|\"研发部\"");
        assert_eq!(serde_json::to_string(&a).ok().as_deref(), Some("\"研发部\""));
    }
}
