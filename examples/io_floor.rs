//! The I/O floor for the scale benchmark: the time to read a workspace's
//! input files with calamine/csv and to write the same output files (as
//! produced by `paybatch run`) with rust_xlsxwriter, doing nothing else.
//! The same files: each xlsx cell's value and format, and each column's
//! width and format, read back from paybatch's output (IO_FLOOR_NO_STYLES
//! writes the values alone, as the floor did up to stop 18).
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
//! IO_FLOOR_ALL_CORES_ONLY skips the one-core figures (printed as 0);
//! IO_FLOOR_KEEP leaves the floor's files in place, to compare.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use calamine::{Data, HorizontalAlignment, Reader, Style, Xlsx, open_workbook_auto};
use rayon::prelude::*;
use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook};

/// The allocator paybatch runs on, with the same 10 ms purge delay (see
/// `paybatch::allocator`): rust_xlsxwriter allocates as much in the floor as in the
/// run, and the calamine ranges freed after loading go back to the OS
/// instead of staying resident beside the run being timed.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
    Book(Vec<Sheet>),
    Bytes(Vec<u8>),
}

/// One output sheet as the floor writes it again: its values, each cell's
/// format and its column layout, so that the floor writes the same file,
/// formats included, and pays rust_xlsxwriter's per-cell format lookups as
/// paybatch does. Merged cells and frozen panes are left out (a few calls a
/// sheet).
struct Sheet {
    name: String,
    values: Values,
    /// The style id of each cell of `values`, row by row (0: none).
    styles: Vec<u32>,
    /// The formats by style id (index 0: the default, never written).
    formats: std::sync::Arc<Vec<Format>>,
    /// `<col>` elements: first and last column (0-based), width, style id.
    columns: Vec<(u16, u16, f64, u32)>,
}

/// A sheet's values as the floor keeps them between repeats: 16 bytes a
/// cell, the text in one pool. Up to stop 19 the floor kept calamine's
/// `Range<Data>` (32 bytes a cell and a heap string for each text): 7.7 GB
/// for the 1M outputs, held while paybatch's run was timed beside it, and
/// with that much memory taken the run spent 5–8 s more in the kernel
/// (page-cache writeback of its 7 GB of temporary XML; sys 10.2 s alone,
/// 15.8–18.1 s beside a process holding 7.7 GB).
struct Values {
    top: u32,
    left: u32,
    width: usize,
    /// Row by row, `width` cells a row.
    cells: Vec<Value>,
    /// The text of every `Value::Text` (a sheet's text is below 4 GiB).
    text: String,
}

#[derive(Clone, Copy)]
enum Value {
    Empty,
    Number(f64),
    /// Start and length in `Values::text`.
    Text(u32, u32),
}

impl Values {
    fn of(range: &calamine::Range<Data>) -> Values {
        let (top, left) = range.start().unwrap_or_default();
        let mut values = Values {
            top,
            left,
            width: range.width(),
            cells: Vec::with_capacity(range.width() * range.height()),
            text: String::new(),
        };
        for cell in range.cells().map(|(_, _, d)| d) {
            let value = match cell {
                Data::Empty => Value::Empty,
                Data::Float(n) => Value::Number(*n),
                Data::Int(n) => Value::Number(*n as f64),
                Data::String(s) => values.keep(s),
                other => values.keep(&other.to_string()),
            };
            values.cells.push(value);
        }
        values
    }

    fn keep(&mut self, s: &str) -> Value {
        let start = self.text.len() as u32;
        self.text.push_str(s);
        Value::Text(start, s.len() as u32)
    }

    fn text(&self, start: u32, len: u32) -> &str {
        self.text
            .get(start as usize..(start + len) as usize)
            .unwrap_or_default()
    }
}

/// IO_FLOOR_NO_STYLES: the floor of stops 12–18, values only.
fn with_styles() -> bool {
    std::env::var_os("IO_FLOOR_NO_STYLES").is_none()
}

/// The rust_xlsxwriter format closest to a cell style read by calamine:
/// number format, bold, italic, fill, borders and horizontal alignment,
/// which is what paybatch's outputs use.
fn format_of(style: &Style) -> Format {
    let mut f = Format::new();
    if let Some(n) = &style.number_format
        && !n.format_code.is_empty()
        && n.format_code != "General"
    {
        f = f.set_num_format(&n.format_code);
    }
    if let Some(font) = &style.font {
        if font.is_bold() {
            f = f.set_bold();
        }
        if font.is_italic() {
            f = f.set_italic();
        }
    }
    if let Some(c) = style.fill.as_ref().and_then(|fill| fill.foreground_color) {
        f = f.set_background_color(c.to_argb() & 0x00FF_FFFF);
    }
    if style.borders.as_ref().is_some_and(|b| b.has_visible_borders()) {
        f = f.set_border(FormatBorder::Thin);
    }
    if let Some(a) = &style.alignment {
        f = match a.horizontal {
            HorizontalAlignment::Center => f.set_align(FormatAlign::Center),
            HorizontalAlignment::Right => f.set_align(FormatAlign::Right),
            HorizontalAlignment::Left => f.set_align(FormatAlign::Left),
            _ => f,
        };
    }
    f
}

/// The value of attribute `name` in the attributes of one XML tag.
fn xml_attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let at = tag.find(&format!(" {name}=\""))? + name.len() + 3;
    tag[at..].split('"').next()
}

/// The `<col>` elements of a sheet's XML: (first, last, width, style).
fn columns_of(xml: &str) -> Vec<(u16, u16, f64, u32)> {
    let Some(cols) = xml.split("<cols>").nth(1).and_then(|c| c.split("</cols>").next()) else {
        return Vec::new();
    };
    cols.split("<col ")
        .skip(1)
        .filter_map(|tag| {
            // The first attribute follows "<col ": give it its space back.
            let tag = format!(" {tag}");
            let n = |name| xml_attr(&tag, name).and_then(|v| v.parse::<f64>().ok());
            let (min, max) = (n("min")? as u16, n("max")? as u16);
            Some((
                min.saturating_sub(1),
                max.saturating_sub(1),
                n("width").unwrap_or(8.43),
                n("style").unwrap_or(0.0) as u32,
            ))
        })
        .collect()
}

/// The XML of sheet `i` (rust_xlsxwriter names them sheet1.xml, … in order),
/// up to its cell data: where the `<cols>` are.
fn sheet_head(zip: &mut zip::ZipArchive<std::fs::File>, i: usize) -> String {
    let Ok(mut part) = zip.by_name(&format!("xl/worksheets/sheet{}.xml", i + 1)) else {
        return String::new();
    };
    let mut head = Vec::new();
    let mut buf = vec![0u8; 1 << 16];
    while let Ok(n) = std::io::Read::read(&mut part, &mut buf) {
        head.extend_from_slice(&buf[..n]);
        if n == 0 || head.windows(10).any(|w| w == b"<sheetData") {
            break;
        }
    }
    String::from_utf8_lossy(&head).into_owned()
}

/// An xlsx output's sheets, with their formats unless IO_FLOOR_NO_STYLES.
fn load_book(p: &Path) -> Vec<Sheet> {
    let Ok(mut wb) = calamine::open_workbook::<Xlsx<_>, _>(p) else {
        return Vec::new();
    };
    let mut zip = std::fs::File::open(p).ok().and_then(|f| zip::ZipArchive::new(f).ok());
    let mut sheets = Vec::new();
    let mut formats = std::sync::Arc::new(Vec::new());
    for (i, name) in wb.sheet_names().into_iter().enumerate() {
        let Ok(values) = wb.worksheet_range(&name) else {
            continue;
        };
        let (mut styles, mut columns) = (Vec::new(), Vec::new());
        if with_styles() {
            let (height, width) = values.get_size();
            let (top, left) = values.start().unwrap_or_default();
            styles = vec![0u32; height * width];
            if let Ok(mut cells) = wb.worksheet_cells_reader(&name) {
                if formats.is_empty() {
                    formats = std::sync::Arc::new(cells.styles().iter().map(format_of).collect());
                }
                while let Ok(Some((row, col, id))) = cells.next_style_id() {
                    let (r, c) = (row.wrapping_sub(top) as usize, col.wrapping_sub(left) as usize);
                    if r < height && c < width {
                        styles[r * width + c] = id as u32;
                    }
                }
            }
            columns = zip.as_mut().map(|z| columns_of(&sheet_head(z, i))).unwrap_or_default();
        }
        sheets.push(Sheet {
            name,
            values: Values::of(&values),
            styles,
            formats: formats.clone(),
            columns,
        });
    }
    sheets
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
    all.par_iter()
        .map(|p| {
            let bytes = std::fs::metadata(p).map(|m| m.len()).unwrap_or_default();
            let loaded = if p.extension().is_some_and(|e| e == "xlsx") {
                Loaded::Book(load_book(p))
            } else {
                Loaded::Bytes(std::fs::read(p).unwrap_or_default())
            };
            (loaded, bytes)
        })
        .collect()
}

/// Writes one sheet as paybatch does: column formats before the rows (so
/// that a cell in such a column, written without a format, takes the
/// column's, and rust_xlsxwriter looks that up for each cell), then each
/// row's values, then each run of cells in the row that share another
/// format, with one `set_range_format` (rust_xlsxwriter hashes a `Format`
/// each time it is given one, so this is the fewest hashes), then the
/// column widths.
fn write_sheet(ws: &mut rust_xlsxwriter::Worksheet, sheet: &Sheet) {
    let _ = ws.set_name(&sheet.name);
    let mut column_style = Vec::new();
    for &(first, last, _, style) in &sheet.columns {
        for c in first..=last.min(first.saturating_add(1000)) {
            if let Some(format) = sheet.formats.get(style as usize).filter(|_| style > 0) {
                let _ = ws.set_column_format(c, format);
            }
            if column_style.len() <= usize::from(c) {
                column_style.resize(usize::from(c) + 1, 0);
            }
            column_style[usize::from(c)] = style;
        }
    }
    let Values { top, left, width, .. } = sheet.values;
    for (r, row) in sheet.values.cells.chunks(width.max(1)).enumerate() {
        let at_row = top + r as u32;
        let col = |c: usize| (left as usize + c) as u16;
        for (c, cell) in row.iter().enumerate() {
            let _ = match *cell {
                Value::Empty => Ok(()),
                Value::Number(n) => ws.write_number(at_row, col(c), n).map(|_| ()),
                Value::Text(start, len) => ws
                    .write_string(at_row, col(c), sheet.values.text(start, len))
                    .map(|_| ()),
            };
        }
        let styles = sheet.styles.get(r * width..(r + 1) * width).unwrap_or_default();
        let mut c = 0;
        while c < styles.len() {
            let style = styles[c];
            let own = column_style.get(usize::from(col(c))).copied().unwrap_or(0);
            let mut last = c;
            while styles.get(last + 1) == Some(&style) {
                last += 1;
            }
            if let Some(format) = sheet.formats.get(style as usize).filter(|_| style > 0 && style != own) {
                let _ = ws.set_range_format(at_row, col(c), at_row, col(last), format);
            }
            c = last + 1;
        }
    }
    for &(first, last, width, _) in &sheet.columns {
        for c in first..=last.min(first.saturating_add(1000)) {
            let _ = ws.set_column_width(c, width_set(width));
        }
    }
}

/// The width paybatch set for a column stored as `stored`: the file holds
/// it plus Excel's padding (5 pixels, 0.7109375 characters at the default
/// font).
#[allow(clippy::float_arithmetic)] // a column width, not money
fn width_set(stored: f64) -> f64 {
    (stored - 0.710_937_5).max(0.0)
}

/// Writes one output the way paybatch does: xlsx with rust_xlsxwriter in
/// constant-memory mode, other files as bytes.
fn write_one(loaded: &Loaded, target: &Path) {
    match loaded {
        Loaded::Book(sheets) => {
            let mut out = Workbook::new();
            // The same zip level paybatch writes with.
            out.set_zip_compression_level(paybatch::emit::xlsx::ZIP_LEVEL);
            for sheet in sheets {
                let Ok(ws) = out.add_worksheet_with_constant_memory() else {
                    return;
                };
                write_sheet(ws, sheet);
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
    paybatch::allocator::set_purge_delay();
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
        eprintln!(
            "io_floor: floor {:.2} s (cpu {:.2} s)",
            (read + write).as_secs_f64(),
            floor_cpu.as_secs_f64()
        );
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
    // IO_FLOOR_KEEP: leave the floor's files, to compare them with paybatch's.
    if std::env::var_os("IO_FLOOR_KEEP").is_some() {
        eprintln!("io_floor: files kept in {}", scratch.display());
    } else {
        let _ = std::fs::remove_dir_all(&scratch);
    }
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
