//! The I/O floor for the scale benchmark: the time to read a workspace's
//! input files with calamine/csv and to write the same output files (as
//! produced by `paybatch run`) with rust_xlsxwriter, doing nothing else.
//!
//! Usage: io_floor <workspace> <period> [repeat] [paybatch]
//!   → prints "read_1thread write_1thread read_all_cores write_all_cores" (seconds)
//! With `repeat` > 1 the all-cores read and write run that many times each
//! and their medians are printed (the one-core figures are run once).
//! Given the paybatch binary, each repeat first times `paybatch run` of the
//! period from scratch, and three more figures follow: the median run, the
//! median of each run's ratio to the floor timed right after it, and the
//! same ratio of CPU time (user + system). Dirty pages are flushed
//! (`sync`, untimed) before each timed half, so neither pays for the
//! other's writeback.
//! With IO_FLOOR_PER_FILE set, each output file and its write time go to
//! stderr, to set against `paybatch -vv run`'s per-output times;
//! IO_FLOOR_ALL_CORES_ONLY skips the one-core figures (printed as 0).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use calamine::{Data, Reader, open_workbook_auto};
use rayon::prelude::*;
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

fn read_one(p: &Path) -> usize {
    let mut cells = 0usize;
    if p.extension().is_some_and(|e| e == "csv") {
        let bytes = std::fs::read(p).unwrap_or_default();
        let mut r = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(bytes.as_slice());
        for rec in r.records().flatten() {
            cells += rec.len();
        }
    } else if let Ok(mut wb) = open_workbook_auto(p) {
        for name in wb.sheet_names() {
            if let Ok(range) = wb.worksheet_range(&name) {
                cells += range.get_size().0 * range.get_size().1;
            }
        }
    }
    cells
}

/// Reads every input file; `parallel` spreads the files over all cores.
fn read_inputs(dir: &Path, parallel: bool) -> Duration {
    let mut all = Vec::new();
    files(dir, &mut all);
    let started = Instant::now();
    let cells: usize = if parallel {
        all.par_iter().map(|p| read_one(p)).sum()
    } else {
        all.iter().map(|p| read_one(p)).sum()
    };
    std::hint::black_box(cells);
    started.elapsed()
}

/// An output file loaded for rewriting (loading is not timed).
enum Loaded {
    Sheets(Vec<(String, calamine::Range<Data>)>),
    Bytes(Vec<u8>),
}

/// Each output loaded, with its size in bytes.
fn load_outputs(dir: &Path) -> Vec<(Loaded, u64)> {
    let mut all = Vec::new();
    files(dir, &mut all);
    all.sort();
    if std::env::var_os("IO_FLOOR_PER_FILE").is_some() {
        for (i, p) in all.iter().enumerate() {
            eprintln!("file {i} {}", p.display());
        }
    }
    all.iter()
        .map(|p| {
            let bytes = std::fs::metadata(p).map(|m| m.len()).unwrap_or_default();
            let loaded = if p.extension().is_some_and(|e| e == "xlsx") {
                let sheets = open_workbook_auto(p)
                    .map(|mut wb| {
                        wb.sheet_names()
                            .into_iter()
                            .filter_map(|n| wb.worksheet_range(&n).ok().map(|r| (n, r)))
                            .collect()
                    })
                    .unwrap_or_default();
                Loaded::Sheets(sheets)
            } else {
                Loaded::Bytes(std::fs::read(p).unwrap_or_default())
            };
            (loaded, bytes)
        })
        .collect()
}

/// Writes one output the way paybatch does: xlsx with rust_xlsxwriter in
/// constant-memory mode, other files as bytes.
fn write_one(loaded: &Loaded, target: &Path) {
    match loaded {
        Loaded::Sheets(sheets) => {
            let mut out = Workbook::new();
            // The same zip level paybatch writes with.
            out.set_zip_compression_level(paybatch::emit::xlsx::ZIP_LEVEL);
            for (name, range) in sheets {
                let Ok(ws) = out.add_worksheet_with_constant_memory() else {
                    return;
                };
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
            let _ = out.save(target);
        }
        Loaded::Bytes(bytes) => {
            let _ = std::fs::write(target, bytes);
        }
    }
}

/// Writes every output again; `parallel` spreads the files over all cores,
/// the largest first (paybatch's own scheduler, weighed by file size), so
/// that the floor's cores finish together as paybatch's do.
fn write_outputs(loaded: &[(Loaded, u64)], scratch: &Path, parallel: bool) -> Duration {
    let started = Instant::now();
    let job = |i: usize| {
        let t = Instant::now();
        write_one(&loaded[i].0, &scratch.join(format!("out{i}")));
        if std::env::var_os("IO_FLOOR_PER_FILE").is_some() {
            eprintln!("write {i} {:.3}", t.elapsed().as_secs_f64());
        }
    };
    if parallel {
        let sizes: Vec<u64> = loaded.iter().map(|(_, bytes)| *bytes).collect();
        paybatch::pipeline::heaviest_first(&sizes, job);
    } else {
        (0..loaded.len()).for_each(job);
    }
    started.elapsed()
}

/// This process's CPU time so far (user + system), from /proc/self/stat.
fn cpu_time() -> Duration {
    stat_ticks(11)
}

/// The CPU time of this process's waited-for children (user + system).
fn children_cpu_time() -> Duration {
    stat_ticks(13)
}

/// Two clock-tick fields of /proc/self/stat, summed, from the `skip`th
/// field after the command name.
fn stat_ticks(skip: usize) -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name's closing parenthesis: utime is the
    // 12th and stime the 13th of them, in clock ticks (100 per second).
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or_default();
    let ticks: u64 = rest
        .split_whitespace()
        .skip(skip)
        .take(2)
        .filter_map(|t| t.parse::<u64>().ok())
        .sum();
    Duration::from_millis(ticks * 10)
}

/// The middle value (the upper one of an even count).
fn median(mut runs: Vec<Duration>) -> Duration {
    runs.sort();
    runs.get(runs.len() / 2).copied().unwrap_or_default()
}

/// One `paybatch run` of the period from scratch: wall time and CPU time.
fn time_run(paybatch: &str, ws: &Path, period: &str) -> (Duration, Duration) {
    let _ = std::fs::remove_dir_all(ws.join("ledger").join(period));
    let (started, cpu) = (Instant::now(), children_cpu_time());
    let status = std::process::Command::new(paybatch)
        .args(["-q", "-w"])
        .arg(ws)
        .args(["run", "-p", period])
        .status();
    let took = (started.elapsed(), children_cpu_time() - cpu);
    if !status.as_ref().is_ok_and(|s| s.success()) {
        eprintln!("io_floor: {paybatch} run failed: {status:?}");
    }
    took
}

/// Flushes every dirty page to disk, untimed: the floor does not fsync
/// what it writes, so without this its writeback would land on the run
/// timed after it (and the run's on the floor).
fn settle() {
    let _ = std::process::Command::new("sync").status();
}

/// The median of the ratios.
fn median_ratio(mut ratios: Vec<f64>) -> f64 {
    ratios.sort_by(f64::total_cmp);
    ratios.get(ratios.len() / 2).copied().unwrap_or_default()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(ws), Some(period)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: io_floor <workspace> <period> [repeat] [paybatch]");
        std::process::exit(2);
    };
    let repeat: usize = args.get(3).and_then(|r| r.parse().ok()).unwrap_or(1).max(1);
    let paybatch = args.get(4);
    let ws = Path::new(ws);
    let inputs = ws.join("inputs").join(period);
    let state = std::fs::read_to_string(ws.join("ledger").join(period).join("state.json")).unwrap_or_default();
    let dir = state
        .split('"')
        .skip_while(|s| *s != "dir")
        .nth(2)
        .map(|d| ws.join("ledger").join(period).join(d))
        .unwrap_or_default();
    let scratch = std::env::temp_dir().join(format!("io-floor-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&scratch);
    let loaded = load_outputs(&dir);
    // IO_FLOOR_ALL_CORES_ONLY: skip the one-core figures (printed as 0).
    let (read_seq, write_seq) = if std::env::var_os("IO_FLOOR_ALL_CORES_ONLY").is_some() {
        (Duration::ZERO, Duration::ZERO)
    } else {
        (read_inputs(&inputs, false), write_outputs(&loaded, &scratch, false))
    };
    // Each repeat: paybatch's run (when given), then the floor right after
    // it, so that a drift in the machine's speed touches both alike; the
    // ratios are the medians of the pairs' ratios, of wall time and of CPU
    // time (user + system, all threads).
    let (mut reads, mut writes, mut runs) = (Vec::new(), Vec::new(), Vec::new());
    let (mut ratios, mut cpu_ratios) = (Vec::new(), Vec::new());
    for _ in 0..repeat {
        settle();
        let run = paybatch.map(|p| time_run(p, ws, period));
        settle();
        let cpu = cpu_time();
        let (read, write) = (read_inputs(&inputs, true), write_outputs(&loaded, &scratch, true));
        let floor_cpu = cpu_time() - cpu;
        if let Some((run, run_cpu)) = run {
            eprintln!(
                "io_floor: run {:.2} s (cpu {:.2} s), floor {:.2} s (cpu {:.2} s)",
                run.as_secs_f64(),
                run_cpu.as_secs_f64(),
                (read + write).as_secs_f64(),
                floor_cpu.as_secs_f64()
            );
            ratios.push(run.div_duration_f64(read + write));
            cpu_ratios.push(run_cpu.div_duration_f64(floor_cpu));
            runs.push(run);
        }
        reads.push(read);
        writes.push(write);
    }
    let _ = std::fs::remove_dir_all(&scratch);
    print!(
        "{:.3} {:.3} {:.3} {:.3}",
        read_seq.as_secs_f64(),
        write_seq.as_secs_f64(),
        median(reads).as_secs_f64(),
        median(writes).as_secs_f64()
    );
    if paybatch.is_some() {
        print!(
            " {:.3} {:.3} {:.3}",
            median(runs).as_secs_f64(),
            median_ratio(ratios),
            median_ratio(cpu_ratios)
        );
    }
    println!();
}
