//! Rows in flat buffers, as they pass from the reading thread to typing:
//! either cells (workbooks) or the text of CSV fields, laid one row after
//! the other, with each row's 0-based index and where it ends. The
//! reader's batches and the rows waiting to be typed are both kept this
//! way, so that their buffers are reused batch after batch instead of a
//! vector being allocated per row, and a CSV field is never made a cell:
//! its text is typed where it lies.

use rayon::prelude::*;

use super::grid::{Cell, field_cell};

/// Rows of one kind: cells, or CSV text (a batch never mixes them).
#[derive(Default)]
pub struct RowBatch {
    /// Each row's index and where it ends in `cells` (or in `ends`).
    rows: Vec<(usize, usize)>,
    cells: Vec<Cell>,
    /// CSV rows: every field's text back to back...
    text: String,
    /// ...and where each field ends in it. A CSV record has at least one
    /// field, so a batch of text rows never has this empty.
    ends: Vec<usize>,
}

/// One row of a batch, to take (cells are moved out) or to read.
pub enum RowRef<'a> {
    Cells(&'a mut [Cell]),
    Text(TextRow<'a>),
}

/// One row of a batch, to read.
#[derive(Clone, Copy)]
pub enum RowView<'a> {
    Cells(&'a [Cell]),
    Text(TextRow<'a>),
}

/// A CSV row's fields: `text[start..]`, cut at `ends`.
#[derive(Clone, Copy)]
pub struct TextRow<'a> {
    text: &'a str,
    start: usize,
    ends: &'a [usize],
}

impl<'a> TextRow<'a> {
    /// Field `i` (`None` past the row's end).
    pub fn field(&self, i: usize) -> Option<&'a str> {
        let end = *self.ends.get(i)?;
        let start = i.checked_sub(1).map_or(self.start, |p| self.ends[p]);
        self.text.get(start..end)
    }

    pub fn fields(&self) -> impl Iterator<Item = &'a str> + '_ {
        (0..self.ends.len()).filter_map(|i| self.field(i))
    }

    /// How many fields the row has.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether the row has no field (a CSV record always has one).
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// All the row's fields' text back to back (no delimiters): one
    /// stretch to scan for a character at once.
    pub fn joined(&self) -> &'a str {
        let end = self.ends.last().copied().unwrap_or(self.start);
        self.text.get(self.start..end).unwrap_or_default()
    }

    /// The row as cells ([`field_cell`]).
    pub fn cells(&self) -> Vec<Cell> {
        self.fields().map(field_cell).collect()
    }
}

impl RowBatch {
    /// Adds row `r`, moving its cells out of `row` (they are left empty).
    pub fn push(&mut self, r: usize, row: &mut [Cell]) {
        self.cells.extend(row.iter_mut().map(std::mem::take));
        self.rows.push((r, self.cells.len()));
    }

    /// Adds row `r` of CSV fields.
    pub fn push_record(&mut self, r: usize, record: &csv::StringRecord) {
        let base = self.text.len();
        self.text.push_str(record.as_slice());
        self.ends
            .extend((0..record.len()).filter_map(|i| record.range(i)).map(|f| base + f.end));
        self.rows.push((r, self.ends.len()));
    }

    /// Adds row `r`, a copy of another batch's text row.
    pub fn push_text(&mut self, r: usize, row: TextRow<'_>) {
        let base = self.text.len();
        let from = row.start;
        let to = row.ends.last().copied().unwrap_or(from);
        self.text.push_str(row.text.get(from..to).unwrap_or_default());
        self.ends.extend(row.ends.iter().map(|e| base + (e - from)));
        self.rows.push((r, self.ends.len()));
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Whether the rows are CSV text (an empty batch is neither).
    pub fn is_text(&self) -> bool {
        !self.ends.is_empty()
    }

    /// Where row `i` starts: its first cell, or its first field's end.
    fn start(&self, i: usize) -> usize {
        i.checked_sub(1).map_or(0, |p| self.rows[p].1)
    }

    fn text_row(&self, i: usize) -> TextRow<'_> {
        let (start, end) = (self.start(i), self.rows[i].1);
        TextRow {
            text: &self.text,
            start: start.checked_sub(1).map_or(0, |p| self.ends[p]),
            ends: &self.ends[start..end],
        }
    }

    /// Each row's index and contents, in order, for the caller to take.
    pub fn for_each_row(&mut self, mut each: impl FnMut(usize, RowRef<'_>)) {
        if self.is_text() {
            for i in 0..self.rows.len() {
                each(self.rows[i].0, RowRef::Text(self.text_row(i)));
            }
            return;
        }
        let mut start = 0;
        for &(r, end) in &self.rows {
            each(r, RowRef::Cells(&mut self.cells[start..end]));
            start = end;
        }
    }

    /// Each row's index and contents, in order, on all cores.
    pub fn par_rows(&self) -> impl IndexedParallelIterator<Item = (usize, RowView<'_>)> + '_ {
        let text = self.is_text();
        (0..self.rows.len()).into_par_iter().map(move |i| {
            let view = if text {
                RowView::Text(self.text_row(i))
            } else {
                RowView::Cells(&self.cells[self.start(i)..self.rows[i].1])
            };
            (self.rows[i].0, view)
        })
    }

    /// Empties the rows, keeping the buffers' capacity.
    pub fn clear(&mut self) {
        self.rows.clear();
        self.cells.clear();
        self.text.clear();
        self.ends.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(fields: &[&str]) -> csv::StringRecord {
        csv::StringRecord::from(fields.to_vec())
    }

    /// Text rows read back field by field, in order, also when copied into
    /// another batch, and a field past a row's end is `None`.
    #[test]
    fn text_rows_keep_their_fields() {
        let mut batch = RowBatch::default();
        batch.push_record(3, &record(&["E1", "", "张三"]));
        batch.push_record(5, &record(&["E2", "8000.00"]));
        let mut copy = RowBatch::default();
        batch.for_each_row(|r, row| {
            if let RowRef::Text(t) = row {
                copy.push_text(r + 10, t);
            }
        });
        for (b, first) in [(&batch, 3), (&copy, 13)] {
            assert!(b.is_text());
            let rows: Vec<(usize, Vec<String>, Option<String>)> = b
                .par_rows()
                .map(|(r, v)| match v {
                    RowView::Text(t) => (
                        r,
                        t.fields().map(str::to_string).collect(),
                        t.field(2).map(str::to_string),
                    ),
                    RowView::Cells(_) => (r, Vec::new(), None),
                })
                .collect();
            assert_eq!(
                rows,
                vec![
                    (first, vec!["E1".into(), "".into(), "张三".into()], Some("张三".into())),
                    (first + 2, vec!["E2".into(), "8000.00".into()], None),
                ]
            );
        }
        let cells = copy.text_row(0).cells();
        assert_eq!(
            cells,
            vec![Cell::Text("E1".into()), Cell::Empty, Cell::Text("张三".into())]
        );
    }

    /// Cell rows are taken in order and left empty behind.
    #[test]
    fn cell_rows_are_moved_out() {
        let mut batch = RowBatch::default();
        let mut row = vec![Cell::Text("a".into()), Cell::Empty];
        batch.push(0, &mut row);
        assert_eq!(row, vec![Cell::Empty, Cell::Empty]);
        batch.push(1, &mut []);
        assert!(!batch.is_text());
        let mut seen = Vec::new();
        batch.for_each_row(|r, row| {
            if let RowRef::Cells(cells) = row {
                seen.push((r, cells.len()));
            }
        });
        assert_eq!(seen, vec![(0, 2), (1, 0)]);
        batch.clear();
        assert!(batch.is_empty());
    }
}
