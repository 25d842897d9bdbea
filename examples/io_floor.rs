//! The I/O floor for the scale benchmark: the time to read a workspace's
//! input files with calamine/csv and to write the same output files (as
//! produced by `paybatch run`) with rust_xlsxwriter, doing nothing else.
//!
//! Usage: io_floor <workspace> <period>   → prints "read_s write_s"

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use calamine::{Data, Reader, open_workbook_auto};
use rust_xlsxwriter::Workbook;

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            files(&p, out);
        } else {
            out.push(p);
        }
    }
}

fn read_inputs(dir: &Path) -> Duration {
    let mut all = Vec::new();
    files(dir, &mut all);
    let started = Instant::now();
    let mut cells = 0usize;
    for p in all {
        if p.extension().is_some_and(|e| e == "csv") {
            let bytes = std::fs::read(&p).unwrap_or_default();
            let mut r = csv::ReaderBuilder::new()
                .has_headers(false)
                .from_reader(bytes.as_slice());
            for rec in r.records().flatten() {
                cells += rec.len();
            }
        } else if let Ok(mut wb) = open_workbook_auto(&p) {
            for name in wb.sheet_names() {
                if let Ok(range) = wb.worksheet_range(&name) {
                    cells += range.get_size().0 * range.get_size().1;
                }
            }
        }
    }
    std::hint::black_box(cells);
    started.elapsed()
}

fn write_outputs(dir: &Path, scratch: &Path) -> Duration {
    let mut all = Vec::new();
    files(dir, &mut all);
    let mut spent = Duration::ZERO;
    for (i, p) in all.iter().enumerate() {
        let target = scratch.join(format!("out{i}"));
        if p.extension().is_some_and(|e| e == "xlsx") {
            // Load the cells first (not timed), then time writing them.
            let Ok(mut wb) = open_workbook_auto(p) else { continue };
            let sheets: Vec<(String, calamine::Range<Data>)> = wb
                .sheet_names()
                .into_iter()
                .filter_map(|n| wb.worksheet_range(&n).ok().map(|r| (n, r)))
                .collect();
            let started = Instant::now();
            let mut out = Workbook::new();
            for (name, range) in &sheets {
                let ws = out.add_worksheet();
                let _ = ws.set_name(name);
                for (r, row) in range.rows().enumerate() {
                    for (c, cell) in row.iter().enumerate() {
                        let (r, c) = (r as u32, c as u16);
                        let _ = match cell {
                            Data::Float(f) => ws.write_number(r, c, *f).map(|_| ()),
                            Data::Int(n) => ws.write_number(r, c, *n as f64).map(|_| ()),
                            Data::String(s) => ws.write_string(r, c, s).map(|_| ()),
                            Data::Empty => Ok(()),
                            other => ws.write_string(r, c, other.to_string()).map(|_| ()),
                        };
                    }
                }
            }
            let _ = out.save(&target);
            spent += started.elapsed();
        } else {
            let bytes = std::fs::read(p).unwrap_or_default();
            let started = Instant::now();
            let _ = std::fs::write(&target, &bytes);
            spent += started.elapsed();
        }
    }
    spent
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(ws), Some(period)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: io_floor <workspace> <period>");
        std::process::exit(2);
    };
    let ws = Path::new(ws);
    let read = read_inputs(&ws.join("inputs").join(period));
    let state = std::fs::read_to_string(ws.join("ledger").join(period).join("state.json")).unwrap_or_default();
    let dir = state
        .split('"')
        .skip_while(|s| *s != "dir")
        .nth(2)
        .map(|d| ws.join("ledger").join(period).join(d))
        .unwrap_or_default();
    let scratch = std::env::temp_dir().join(format!("io-floor-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&scratch);
    let write = write_outputs(&dir, &scratch);
    let _ = std::fs::remove_dir_all(&scratch);
    println!("{:.3} {:.3}", read.as_secs_f64(), write.as_secs_f64());
}
