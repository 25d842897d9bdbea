//! Row indexes by key text over the tables of an input kind (employee IDs,
//! ID numbers, any field a validation rule names). An index holds 4-byte
//! row positions and finds a key's text in the records themselves: a
//! million-row index takes about 10 MB, where a map of copied keys took
//! about 90.

use std::borrow::Cow;
use std::hash::BuildHasher;

use hashbrown::HashTable;
use hashbrown::hash_table::Entry;

use super::table::{Record, Table};
use crate::model::FastHash;

/// One field read across the tables of a kind, row by row: position `p`
/// is the `p`-th record counting through the tables in order. Positions
/// are `u32`: four billion records would take 96 GB before their cells.
pub struct Column<'a> {
    /// Each table with the field's index in it, and its first position.
    parts: Vec<(&'a Table, Option<usize>, u32)>,
    rows: u32,
}

impl<'a> Column<'a> {
    /// The field `key` of every table in `tables`.
    pub fn new(tables: impl IntoIterator<Item = &'a Table>, key: &str) -> Column<'a> {
        Column::of(tables.into_iter().map(|t| (t, t.field(key))))
    }

    /// Each table's own field.
    pub fn of(tables: impl IntoIterator<Item = (&'a Table, Option<usize>)>) -> Column<'a> {
        let mut rows = 0u32;
        let parts = tables
            .into_iter()
            .map(|(t, f)| {
                let first = rows;
                rows = rows.saturating_add(u32::try_from(t.records.len()).unwrap_or(u32::MAX));
                (t, f, first)
            })
            .collect();
        Column { parts, rows }
    }

    pub fn rows(&self) -> usize {
        self.rows as usize
    }

    /// Each table with the field's index in it and its first position.
    pub fn tables(&self) -> impl Iterator<Item = (&'a Table, Option<usize>, u32)> + '_ {
        self.parts.iter().copied()
    }

    /// Every position with its table, record and the field's index.
    pub fn iter(&self) -> impl Iterator<Item = (u32, &'a Table, &'a Record, Option<usize>)> + '_ {
        self.tables()
            .flat_map(|(t, f, first)| t.records.iter().zip(first..).map(move |(r, p)| (p, t, r, f)))
    }

    /// The table and record at a position.
    pub fn at(&self, p: u32) -> Option<(&'a Table, &'a Record, Option<usize>)> {
        let i = self.parts.partition_point(|&(_, _, first)| first <= p).checked_sub(1)?;
        let (t, f, first) = self.parts[i];
        t.records.get((p - first) as usize).map(|r| (t, r, f))
    }

    /// The field's text at a position (empty past the end).
    pub fn text(&self, p: u32) -> Cow<'a, str> {
        self.at(p).map_or(Cow::Borrowed(""), |(_, r, f)| r.at(f).text())
    }
}

/// Distinct key texts, each with one row position (the first one given).
#[derive(Clone)]
pub struct KeyIndex {
    positions: HashTable<u32>,
    hasher: FastHash,
}

impl KeyIndex {
    pub fn with_capacity(n: usize) -> KeyIndex {
        KeyIndex {
            positions: HashTable::with_capacity(n),
            hasher: FastHash::default(),
        }
    }

    /// Records `at` as the position of `key` unless the key has one
    /// already: then returns that one. `key_of` reads a position's key.
    pub fn first<'k>(&mut self, key: &str, at: u32, key_of: impl Fn(u32) -> Cow<'k, str>) -> Option<u32> {
        let hasher = &self.hasher;
        let hash = hasher.hash_one(key);
        match self
            .positions
            .entry(hash, |&p| key_of(p) == key, |&p| hasher.hash_one(&*key_of(p)))
        {
            Entry::Occupied(seen) => Some(*seen.get()),
            Entry::Vacant(slot) => {
                slot.insert(at);
                None
            }
        }
    }

    /// The position recorded for `key`.
    pub fn find<'k>(&self, key: &str, key_of: impl Fn(u32) -> Cow<'k, str>) -> Option<u32> {
        self.positions
            .find(self.hasher.hash_one(key), |&p| key_of(p) == key)
            .copied()
    }

    /// The position of `key` in `column`, trying the position found `last`
    /// and the next one before the index: lookups that follow the column's
    /// own order (a side table listing the roster's employees in turn) read
    /// the next record instead of hashing into a random one of a million.
    /// `accept` says where a matching text is the index's answer too (any
    /// position when only existence counts, a key's first one when its row
    /// does). A blank key is never indexed, so it is never found.
    pub fn find_near<'k>(
        &self,
        column: &Column<'k>,
        key: &str,
        last: Option<u32>,
        accept: impl Fn(u32) -> bool,
    ) -> Option<u32> {
        if key.is_empty() {
            return None;
        }
        last.into_iter()
            .flat_map(|p| [p, p.saturating_add(1)])
            .find(|&g| accept(g) && column.text(g) == key)
            .or_else(|| self.find(key, |p| column.text(p)))
    }

    pub fn len(&self) -> usize {
        self.positions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.positions.is_empty()
    }
}

/// The first position of each distinct non-empty text of a column, and
/// which positions those are: one pass gives a uniqueness check its
/// repeats (the rows that are not their text's first) and a lookup its
/// rows. Validation builds it for a reference column (the roster's
/// employee IDs) and the calculation takes it over ([`IndexedColumn`]).
#[derive(Clone)]
pub struct FirstRows {
    pub index: KeyIndex,
    firsts: Vec<bool>,
}

impl FirstRows {
    pub fn of(column: &Column<'_>) -> FirstRows {
        let mut index = KeyIndex::with_capacity(column.rows());
        let mut firsts = vec![false; column.rows()];
        for (p, _, r, f) in column.iter() {
            let key = r.at(f).text();
            if !key.is_empty() && index.first(&key, p, |q| column.text(q)).is_none() {
                firsts[p as usize] = true;
            }
        }
        FirstRows { index, firsts }
    }

    /// The positions the index covers (its column's rows).
    pub fn rows(&self) -> usize {
        self.firsts.len()
    }

    /// Whether `p` is the first position of its (non-empty) text.
    pub fn is_first(&self, p: u32) -> bool {
        self.firsts.get(p as usize).copied().unwrap_or(false)
    }

    pub fn into_parts(self) -> (KeyIndex, Vec<bool>) {
        (self.index, self.firsts)
    }
}

/// A column's [`FirstRows`], kept with the inputs by the validation that
/// built them, for a later step over the same tables to take over. Its
/// positions count through the tables of `kind` in the input set's order,
/// as [`Column::new`] does.
#[derive(Clone)]
pub struct IndexedColumn {
    pub kind: String,
    pub field: String,
    pub rows: FirstRows,
}

impl std::fmt::Debug for IndexedColumn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IndexedColumn")
            .field("kind", &self.kind)
            .field("field", &self.field)
            .field("rows", &self.rows.rows())
            .finish()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::ingest::table::Value;

    /// A roster with one employee ID column (blank for an empty string).
    pub(crate) fn table(ids: &[&str]) -> Table {
        let schema = crate::rules::schema::InputSchema {
            kind: "roster".into(),
            parts: false,
            label: crate::i18n::Text::new("花名册", "roster"),
            file_hints: Vec::new(),
            required: true,
            fields: vec![crate::rules::schema::FieldDef::new(
                "employee_id",
                crate::i18n::Text::new("工号", "ID"),
                crate::rules::schema::FieldType::Id,
            )],
        };
        Table {
            kind: "roster".into(),
            schema,
            file: "f.csv".into(),
            sheet: "f".into(),
            header_row: 0,
            columns: vec![Some(0)],
            records: ids
                .iter()
                .enumerate()
                .map(|(i, id)| Record {
                    row: i + 1,
                    values: Box::new([if id.is_empty() {
                        Value::Empty
                    } else {
                        Value::Text((*id).into())
                    }]),
                })
                .collect(),
        }
    }

    #[test]
    fn an_index_keeps_the_first_position_of_each_key_across_tables() {
        let (a, b) = (table(&["E1", "E2", "", "E1"]), table(&["E3", "E2"]));
        let column = Column::new([&a, &b], "employee_id");
        assert_eq!(column.rows(), 6);
        assert_eq!(column.text(4), "E3");
        assert_eq!(column.text(6), "");
        let first = FirstRows::of(&column);
        let index = &first.index;
        assert_eq!(index.len(), 3);
        let firsts: Vec<bool> = (0..6).map(|p| first.is_first(p)).collect();
        assert_eq!(firsts, [true, true, false, false, true, false]);
        assert_eq!(first.rows(), 6);
        let find = |k: &str| index.find(k, |p| column.text(p));
        assert_eq!(
            (find("E1"), find("E2"), find("E3"), find("E4"), find("")),
            (Some(0), Some(1), Some(4), None, None)
        );
        let (t, r, _) = column.at(5).unwrap_or_else(|| panic!("position 5"));
        assert_eq!((&*t.file, r.row), ("f.csv", 2));
    }

    #[test]
    fn first_reports_the_earlier_position() {
        let a = table(&["X", "Y", "X"]);
        let column = Column::new([&a], "employee_id");
        let mut index = KeyIndex::with_capacity(1);
        let key = |p| column.text(p);
        assert_eq!(index.first("X", 0, key), None);
        assert_eq!(index.first("Y", 1, key), None);
        assert_eq!(index.first("X", 2, key), Some(0));
        assert_eq!(index.len(), 2);
    }
}
