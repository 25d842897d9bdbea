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
//! same ratio of CPU time (user + system), then of user time alone. Dirty pages are flushed
//! (`sync`, untimed) before each timed half, so neither pays for the
//! other's writeback. Each half's wall, CPU and system time go to stderr.
//! With IO_FLOOR_PER_FILE set, each output file and its write time go to
//! stderr, to set against `paybatch -vv run`'s per-output times;
//! IO_FLOOR_ALL_CORES_ONLY skips the one-core figures (printed as 0);
//! IO_FLOOR_KEEP leaves the floor's files in place, to compare.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use calamine::{DataRef, HorizontalAlignment, Reader, Style, Xlsx, open_workbook_auto};
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
    cells: Cells,
    /// The formats by style id (index 0: the default, never written).
    formats: std::sync::Arc<Vec<Format>>,
    /// `<col>` elements: first and last column (0-based), width, style id.
    columns: Vec<(u16, u16, f64, u32)>,
}

/// A sheet's cells as the floor keeps them: only the cells the file has (a
/// value or a style), 12 bytes each, row by row, each distinct text once
/// in a pool: 2.2 GB for the 1M outputs. The floor holds them while the
/// run of its pair is timed, and held memory slows page-cache writes on
/// this VM: beside a process holding 3 GB a 1M run took 17–18 s of system
/// time instead of 10–11.5. Beside these 2.2 GB it took 10.4–11 s in one
/// set of pairs and 13.3–14.8 s in the next, against the floor's own
/// 9.2–11.9 s (calamine's `Range<Data>`, kept up to stop 19, held 7.7 GB;
/// whole rectangles of 16-byte cells, stop 20, 4.3 GB).
#[derive(Default)]
struct Cells {
    /// Each row that has a cell: its row number and where its cells start
    /// in `cells` (they end where the next row's start).
    rows: Vec<(u32, u32)>,
    cells: Vec<Cell>,
    /// The distinct texts of the text cells.
    text: String,
    /// Where each distinct text is in `text` (only while loading).
    seen: std::collections::HashMap<String, u64>,
}

/// One cell: its column, its kind and style id packed in `tag` (the top
/// two bits: empty, number or text; the rest: the style id), and a number's
/// f64 bits or a text's place in the pool (start << 24 | length).
#[derive(Clone, Copy)]
#[repr(C, packed(4))]
struct Cell {
    payload: u64,
    col: u16,
    tag: u16,
}

/// A cell's value, as written.
enum Value<'a> {
    Empty,
    Number(f64),
    Text(&'a str),
}

const STYLE_BITS: u16 = (1 << 14) - 1;
const NUMBER: u16 = 1 << 14;
const TEXT: u16 = 2 << 14;
/// The longest text a cell keeps (a cell holds at most 32,767 characters).
const MAX_TEXT: usize = (1 << 24) - 1;

impl Cell {
    fn style(&self) -> u16 {
        self.tag & STYLE_BITS
    }
}

impl Cells {
    /// Reads a sheet's cells and style ids in one pass of calamine's cell
    /// reader (no `Range`, so no empty cells are ever held).
    fn read<RS: std::io::Read + std::io::Seek>(reader: &mut calamine::XlsxCellReader<'_, RS>, styles: bool) -> Cells {
        let mut cells = Cells::default();
        while let Ok(Some((cell, style))) = reader.next_cell_with_style_id() {
            let (row, col) = cell.get_position();
            let style = match u16::try_from(style) {
                Ok(id) if styles && id <= STYLE_BITS => id,
                _ => 0,
            };
            let (payload, kind) = match cell.get_value() {
                DataRef::Empty if style == 0 => continue,
                DataRef::Empty => (0, 0),
                DataRef::Float(n) => (n.to_bits(), NUMBER),
                DataRef::Int(n) => ((*n as f64).to_bits(), NUMBER),
                DataRef::DateTime(d) => (d.as_f64().to_bits(), NUMBER),
                DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => (cells.keep(s), TEXT),
                DataRef::SharedString(s) => (cells.keep(s), TEXT),
                DataRef::Bool(b) => (cells.keep(if *b { "TRUE" } else { "FALSE" }), TEXT),
                DataRef::Error(e) => (cells.keep(&e.to_string()), TEXT),
            };
            if cells.rows.last().is_none_or(|&(r, _)| r != row) {
                cells.rows.push((row, cells.cells.len() as u32));
            }
            let col = u16::try_from(col).unwrap_or(u16::MAX);
            cells.cells.push(Cell {
                payload,
                col,
                tag: kind | style,
            });
        }
        cells.seen = Default::default();
        cells.cells.shrink_to_fit();
        cells.rows.shrink_to_fit();
        cells.text.shrink_to_fit();
        cells
    }

    /// The place of `s` in the pool (start << 24 | length), kept once.
    fn keep(&mut self, s: &str) -> u64 {
        if let Some(&at) = self.seen.get(s) {
            return at;
        }
        let at = (self.text.len() as u64) << 24 | s.len().min(MAX_TEXT) as u64;
        self.text.push_str(s);
        self.seen.insert(s.to_owned(), at);
        at
    }

    /// Each row: its number and its cells.
    fn rows(&self) -> impl Iterator<Item = (u32, &[Cell])> {
        self.rows.iter().enumerate().map(|(i, &(row, start))| {
            let end = self.rows.get(i + 1).map_or(self.cells.len(), |&(_, e)| e as usize);
            (row, self.cells.get(start as usize..end).unwrap_or_default())
        })
    }

    fn value(&self, cell: &Cell) -> Value<'_> {
        let payload = cell.payload;
        match cell.tag & !STYLE_BITS {
            NUMBER => Value::Number(f64::from_bits(payload)),
            TEXT => {
                let (start, len) = ((payload >> 24) as usize, (payload & 0xFF_FFFF) as usize);
                Value::Text(self.text.get(start..start + len).unwrap_or_default())
            }
            _ => Value::Empty,
        }
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
        let Ok(mut reader) = wb.worksheet_cells_reader(&name) else {
            continue;
        };
        if with_styles() && formats.is_empty() {
            formats = std::sync::Arc::new(reader.styles().iter().map(format_of).collect());
        }
        let cells = Cells::read(&mut reader, with_styles());
        drop(reader);
        let columns = match zip.as_mut() {
            Some(z) if with_styles() => columns_of(&sheet_head(z, i)),
            _ => Vec::new(),
        };
        sheets.push(Sheet {
            name,
            cells,
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
    for (row, cells) in sheet.cells.rows() {
        for cell in cells {
            let _ = match sheet.cells.value(cell) {
                Value::Empty => Ok(()),
                Value::Number(n) => ws.write_number(row, cell.col, n).map(|_| ()),
                Value::Text(text) => ws.write_string(row, cell.col, text).map(|_| ()),
            };
        }
        let mut c = 0;
        while c < cells.len() {
            let (first, style) = (cells[c].col, cells[c].style());
            let own = column_style.get(usize::from(first)).copied().unwrap_or(0);
            let mut last = c;
            while cells
                .get(last + 1)
                .is_some_and(|next| next.style() == style && next.col == cells[last].col + 1)
            {
                last += 1;
            }
            let style = u32::from(style);
            if let Some(format) = sheet.formats.get(style as usize).filter(|_| style > 0 && style != own) {
                let _ = ws.set_range_format(row, first, row, cells[last].col, format);
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
    stat_ticks(11, 2)
}

/// This process's system CPU time so far.
fn sys_time() -> Duration {
    stat_ticks(12, 1)
}

/// The CPU time of this process's waited-for children (user + system).
fn children_cpu_time() -> Duration {
    stat_ticks(13, 2)
}

/// The system CPU time of this process's waited-for children.
fn children_sys_time() -> Duration {
    stat_ticks(14, 1)
}

/// `count` clock-tick fields of /proc/self/stat, summed, from the `skip`th
/// field after the command name.
fn stat_ticks(skip: usize, count: usize) -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name's closing parenthesis: utime is the
    // 12th and stime the 13th of them, in clock ticks (100 per second).
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or_default();
    let ticks: u64 = rest
        .split_whitespace()
        .skip(skip)
        .take(count)
        .filter_map(|t| t.parse::<u64>().ok())
        .sum();
    Duration::from_millis(ticks * 10)
}

/// This process's resident memory (VmRSS), in MiB: what the floor holds
/// beside the run timed in its pair.
fn resident_mib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
        .map_or(0, |kib| kib / 1024)
}

/// The middle value (the upper one of an even count).
fn median(mut runs: Vec<Duration>) -> Duration {
    runs.sort();
    runs.get(runs.len() / 2).copied().unwrap_or_default()
}

/// One timed half of a pair: wall time, CPU time (user + system, all
/// threads) and the system part of it.
#[derive(Clone, Copy)]
struct Timed {
    wall: Duration,
    cpu: Duration,
    sys: Duration,
}

impl Timed {
    /// User time: what the kernel's share (page-cache writes, which this
    /// VM's memory state makes vary by a third) does not touch.
    fn user(&self) -> Duration {
        self.cpu.saturating_sub(self.sys)
    }

    fn report(&self, what: &str) {
        eprintln!(
            "io_floor: {what} {:.2} s (cpu {:.2} s, of which sys {:.2} s)",
            self.wall.as_secs_f64(),
            self.cpu.as_secs_f64(),
            self.sys.as_secs_f64()
        );
    }
}

/// One `paybatch run` of the period from scratch.
fn time_run(paybatch: &str, ws: &Path, period: &str) -> Timed {
    let _ = std::fs::remove_dir_all(ws.join("ledger").join(period));
    let (started, cpu, sys) = (Instant::now(), children_cpu_time(), children_sys_time());
    let status = std::process::Command::new(paybatch)
        .args(["-q", "-w"])
        .arg(ws)
        .args(["run", "-p", period])
        .status();
    let run = Timed {
        wall: started.elapsed(),
        cpu: children_cpu_time() - cpu,
        sys: children_sys_time() - sys,
    };
    run.report("run");
    if !status.as_ref().is_ok_and(|s| s.success()) {
        eprintln!("io_floor: {paybatch} run failed: {status:?}");
    }
    run
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
    floor(Path::new(ws), period, repeat, args.get(4).map(String::as_str));
}

/// Loads the outputs (untimed), times the one-core read and write (unless
/// IO_FLOOR_ALL_CORES_ONLY), then `repeat` all-cores floors, and prints
/// "read_1 write_1 read write": the medians of the all-cores read and write.
/// Given paybatch, each floor is paired with a run timed just before it,
/// while the floor's outputs stay loaded, and three more figures follow
/// (see [`Pairs::print`]).
fn floor(ws: &Path, period: &str, repeat: usize, paybatch: Option<&str>) {
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
    eprintln!("io_floor: outputs loaded, {} MiB resident", resident_mib());
    // IO_FLOOR_ALL_CORES_ONLY: skip the one-core figures (printed as 0).
    let (read_seq, write_seq) = if std::env::var_os("IO_FLOOR_ALL_CORES_ONLY").is_some() {
        (Duration::ZERO, Duration::ZERO)
    } else {
        (read_inputs(&inputs, false), write_outputs(&loaded, &scratch, false))
    };
    let (mut reads, mut writes) = (Vec::new(), Vec::new());
    let mut pairs = Pairs::default();
    for _ in 0..repeat {
        let run = paybatch.map(|paybatch| {
            settle();
            time_run(paybatch, ws, period)
        });
        settle();
        let (cpu, sys) = (cpu_time(), sys_time());
        let (read, write) = (read_inputs(&inputs, true), write_outputs(&loaded, &scratch, true));
        let floor = Timed {
            wall: read + write,
            cpu: cpu_time() - cpu,
            sys: sys_time() - sys,
        };
        floor.report("floor");
        if let Some(run) = run {
            pairs.add(run, floor);
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
        median(writes).as_secs_f64(),
    );
    if paybatch.is_some() {
        pairs.print();
    }
    println!();
}

/// The pairs of a run and its floor so far.
#[derive(Default)]
struct Pairs {
    runs: Vec<Duration>,
    ratios: Vec<f64>,
    cpu_ratios: Vec<f64>,
    user_ratios: Vec<f64>,
}

impl Pairs {
    fn add(&mut self, run: Timed, floor: Timed) {
        eprintln!(
            "io_floor: run {:.2} s (cpu {:.2} s), floor {:.2} s (cpu {:.2} s)",
            run.wall.as_secs_f64(),
            run.cpu.as_secs_f64(),
            floor.wall.as_secs_f64(),
            floor.cpu.as_secs_f64()
        );
        self.ratios.push(run.wall.div_duration_f64(floor.wall));
        self.cpu_ratios.push(run.cpu.div_duration_f64(floor.cpu));
        self.user_ratios.push(run.user().div_duration_f64(floor.user()));
        self.runs.push(run.wall);
    }

    /// " run ratio cpu_ratio user_ratio": the median run and the medians of
    /// the pairs' ratios of wall, CPU and user time.
    fn print(self) {
        print!(
            " {:.3} {:.3} {:.3} {:.3}",
            median(self.runs).as_secs_f64(),
            median_ratio(self.ratios),
            median_ratio(self.cpu_ratios),
            median_ratio(self.user_ratios)
        );
    }
}
