//! The scale generator: a realistic workspace of N employees for one period
//! (four cities, joiners and leavers, attendance, variable pay, special
//! deductions, optionally a share of rows with realistic mistakes), as CSV
//! or xlsx, deterministic from a seed. Rows are written as they are made,
//! so memory does not grow with N.

use std::io::Write;
use std::path::Path;

use rust_xlsxwriter::Workbook;

use super::people::{Rng, make_card, make_resident_id};
use crate::error::{Error, Result};
use crate::model::{Date, Period};

/// Output format of the generated inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum GenFormat {
    Csv,
    Xlsx,
    /// Text columns in a Parquet file (a warehouse export).
    Parquet,
}

/// What to generate.
#[derive(Debug, Clone, Copy)]
pub struct GenOptions {
    pub employees: usize,
    pub period: Period,
    pub format: GenFormat,
    pub seed: u64,
    /// Percent of roster rows with a realistic mistake (0 for clean data).
    pub error_percent: u32,
}

const CITIES: [(&str, &str, i64, i64); 4] = [
    // city, region code, SI floor, SI cap (2025-07 → 2026-06 where known)
    ("北京", "110105", 7162, 35811),
    ("上海", "310104", 7460, 37302),
    ("广州", "440106", 6236, 27549),
    ("杭州", "330106", 4986, 25299),
];
const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明", "超",
];
const DEPTS: &[(&str, &str)] = &[
    ("销售部", "CC100"),
    ("研发部", "CC200"),
    ("财务部", "CC300"),
    ("运营部", "CC500"),
];

/// A row sink: CSV text, a constant-memory xlsx sheet, or Parquet columns
/// (gathered, written on finish).
enum Sink {
    Csv(std::io::BufWriter<std::fs::File>, std::path::PathBuf),
    Xlsx(Box<XlsxSink>),
    Parquet(Vec<Vec<String>>, std::path::PathBuf),
}

/// A constant-memory workbook that continues on Sheet2, Sheet3, … (header
/// repeated) when a sheet reaches Excel's row limit.
struct XlsxSink {
    wb: Workbook,
    /// Next row on the current sheet.
    row: u32,
    sheets: usize,
    header: Vec<String>,
    path: std::path::PathBuf,
}

impl XlsxSink {
    fn new_sheet(&mut self) -> Result<()> {
        self.sheets += 1;
        let name = format!("Sheet{}", self.sheets);
        self.wb
            .add_worksheet_with_constant_memory()
            .and_then(|ws| ws.set_name(name).map(|_| ()))
            .map_err(crate::emit::xlsx::err("gen"))?;
        self.row = 0;
        let header = self.header.clone();
        self.write(&header)
    }

    fn write(&mut self, cells: &[String]) -> Result<()> {
        let e = crate::emit::xlsx::err("gen");
        let ws = self.wb.worksheet_from_index(self.sheets - 1).map_err(&e)?;
        for (c, v) in cells.iter().enumerate() {
            if v.is_empty() {
                continue;
            }
            // Numbers as numbers, as HR exports have them (long digit
            // strings such as card numbers stay text).
            let numeric = v.len() < 15 && (!v.starts_with('0') || v == "0" || v.contains('.'));
            match v.parse::<f64>() {
                Ok(n) if numeric => ws.write_number(self.row, c as u16, n).map_err(&e)?,
                _ => ws.write_string(self.row, c as u16, v).map_err(&e)?,
            };
        }
        self.row += 1;
        Ok(())
    }
}

impl Sink {
    fn new(dir: &Path, stem: &str, format: GenFormat, header: &[&str]) -> Result<Sink> {
        let mut sink = match format {
            GenFormat::Csv => {
                let path = dir.join(format!("{stem}.csv"));
                let file = std::fs::File::create(&path).map_err(|e| Error::io(&path, e))?;
                Sink::Csv(std::io::BufWriter::with_capacity(1 << 20, file), path)
            }
            GenFormat::Xlsx => {
                let mut sink = XlsxSink {
                    wb: crate::emit::xlsx::workbook(),
                    row: 0,
                    sheets: 0,
                    header: header.iter().map(|h| (*h).to_string()).collect(),
                    path: dir.join(format!("{stem}.xlsx")),
                };
                // The header goes on every sheet, written by new_sheet.
                sink.new_sheet()?;
                return Ok(Sink::Xlsx(Box::new(sink)));
            }
            GenFormat::Parquet => Sink::Parquet(Vec::new(), dir.join(format!("{stem}.parquet"))),
        };
        sink.row(&header.iter().map(|h| (*h).to_string()).collect::<Vec<_>>())?;
        Ok(sink)
    }

    fn row(&mut self, cells: &[String]) -> Result<()> {
        match self {
            Sink::Csv(w, path) => {
                let line = cells
                    .iter()
                    .map(|c| {
                        if c.contains([',', '"']) {
                            format!("\"{}\"", c.replace('"', "\"\""))
                        } else {
                            c.clone()
                        }
                    })
                    .collect::<Vec<_>>()
                    .join(",");
                writeln!(w, "{line}").map_err(|e| Error::io(path.as_path(), e))
            }
            Sink::Xlsx(x) => {
                if x.row as usize >= crate::emit::xlsx::EXCEL_MAX_ROWS {
                    x.new_sheet()?;
                }
                x.write(cells)
            }
            Sink::Parquet(columns, _) => {
                columns.resize_with(columns.len().max(cells.len()), Vec::new);
                for (column, v) in columns.iter_mut().zip(cells) {
                    column.push(v.clone());
                }
                Ok(())
            }
        }
    }

    fn finish(self) -> Result<()> {
        match self {
            Sink::Csv(mut w, path) => w.flush().map_err(|e| Error::io(path.as_path(), e)),
            Sink::Xlsx(mut x) => x.wb.save(&x.path).map_err(crate::emit::xlsx::err("gen")),
            Sink::Parquet(columns, path) => {
                use polars::prelude::{Column, DataFrame, ParquetWriter};
                let failed = |e: polars::prelude::PolarsError| Error::Output {
                    file: path.display().to_string(),
                    reason: e.to_string(),
                };
                let height = columns.first().map_or(0, |c| c.len().saturating_sub(1));
                let columns: Vec<Column> = columns
                    .into_iter()
                    .map(|c| {
                        let name = c.first().cloned().unwrap_or_default();
                        Column::new(name.into(), c.into_iter().skip(1).collect::<Vec<String>>())
                    })
                    .collect();
                let mut df = DataFrame::new(height, columns).map_err(failed)?;
                let file = std::fs::File::create(&path).map_err(|e| Error::io(path.as_path(), e))?;
                ParquetWriter::new(file).finish(&mut df).map_err(failed)?;
                Ok(())
            }
        }
    }
}

/// Writes `paybatch.toml`, the rules and `inputs/<period>/` for N employees.
/// Returns the number of roster rows with planted mistakes.
pub fn generate(root: &Path, opts: &GenOptions) -> Result<usize> {
    super::write_skeleton(root)?;
    let config = root.join("paybatch.toml");
    let mut text = std::fs::read_to_string(&config).map_err(|e| Error::io(&config, e))?;
    // At scale, one e-mail file per employee is not wanted by default.
    text = text.replace("[payslips]\n", "[payslips]\neml = false\n");
    crate::emit::atomic::write(&config, text.as_bytes())?;
    let period = opts.period;
    let dir = root.join("inputs").join(period.to_string());
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    let f = opts.format;
    let mut roster = Sink::new(
        &dir,
        "花名册",
        f,
        &[
            "工号",
            "姓名",
            "证件类型",
            "证件号码",
            "手机号码",
            "部门",
            "成本中心",
            "参保城市",
            "入职日期",
            "离职日期",
            "基本工资",
            "开户银行",
            "银行卡号",
            "社保基数",
            "公积金基数",
            "公积金比例",
        ],
    )?;
    let mut attendance = Sink::new(
        &dir,
        "考勤",
        f,
        &[
            "工号",
            "姓名",
            "事假天数",
            "病假天数",
            "工作日加班小时",
            "休息日加班小时",
        ],
    )?;
    let mut variable = Sink::new(&dir, "变动项", f, &["工号", "姓名", "项目", "金额"])?;
    let mut deductions = Sink::new(
        &dir,
        "专项附加扣除",
        f,
        &["工号", "姓名", "子女教育", "赡养老人", "住房贷款利息", "住房租金"],
    )?;
    let mut joiners = Sink::new(&dir, "入职名单", f, &["工号", "姓名", "入职日期"])?;
    let mut leavers = Sink::new(&dir, "离职名单", f, &["工号", "姓名", "离职日期"])?;
    let mut rng = Rng::new(opts.seed);
    let mut planted = 0;
    let first = period.first_day();
    for i in 0..opts.employees {
        let id = format!("G{:07}", i + 1);
        let name = format!("{}{}{}", rng.pick(SURNAMES), rng.pick(GIVEN), rng.pick(GIVEN));
        let (city, region, floor, cap) = CITIES[i % CITIES.len()];
        let (dept, cc) = *rng.pick(DEPTS);
        // Unique ID numbers: the index picks the birth day and the sequence.
        let day0 = Date::new(1965, 1, 1).unwrap_or(Date::EPOCH).days_since_epoch();
        let birth = Date::from_days_since_epoch(day0 + (i as i64 / 1000) % 13_000).unwrap_or(Date::EPOCH);
        let mut id_number = make_resident_id(region, birth, i as i64 % 1000);
        let mut card = make_card("622202", &mut rng);
        let base = rng.range(60, 500) * 100;
        let si_base = base.clamp(floor, cap);
        let roll = rng.range(0, 99);
        let hire = if roll < 2 {
            Date::new(period.year(), period.month(), rng.range(2, 9) as u32)
        } else {
            Date::new(
                rng.range(2010, period.year() as i64 - 1) as i32,
                rng.range(1, 12) as u32,
                rng.range(1, 28) as u32,
            )
        }
        .unwrap_or(first);
        let leave = (roll >= 98)
            .then(|| Date::new(period.year(), period.month(), rng.range(20, 28) as u32))
            .flatten();
        let mut base_text = base.to_string();
        if opts.error_percent > 0 && rng.range(0, 99) < i64::from(opts.error_percent) {
            planted += 1;
            match rng.range(0, 3) {
                0 => id_number.replace_range(17..18, if id_number.ends_with('1') { "2" } else { "1" }),
                1 => card.replace_range(18..19, if card.ends_with('1') { "2" } else { "1" }),
                2 => base_text = "待定".into(),
                _ => id_number.truncate(16),
            }
        }
        roster.row(&[
            id.clone(),
            name.clone(),
            "居民身份证".into(),
            id_number,
            format!("13{:09}", rng.next_u64() % 1_000_000_000),
            dept.into(),
            cc.into(),
            city.into(),
            hire.to_string(),
            leave.map(|d| d.to_string()).unwrap_or_default(),
            base_text,
            "中国工商银行".into(),
            card,
            si_base.to_string(),
            si_base.to_string(),
            if city == "上海" { "7%".into() } else { "12%".into() },
        ])?;
        if hire.period() == period {
            joiners.row(&[id.clone(), name.clone(), hire.to_string()])?;
        }
        if let Some(l) = leave {
            leavers.row(&[id.clone(), name.clone(), l.to_string()])?;
        }
        let r = rng.range(0, 99);
        attendance.row(&[
            id.clone(),
            name.clone(),
            (if r < 5 { 1 } else { 0 }).to_string(),
            (if r >= 95 { 2 } else { 0 }).to_string(),
            (if r % 4 == 0 { r % 20 } else { 0 }).to_string(),
            (if r % 7 == 0 { 8 } else { 0 }).to_string(),
        ])?;
        variable.row(&[id.clone(), name.clone(), "餐补".into(), "500".into()])?;
        if dept == "销售部" {
            variable.row(&[
                id.clone(),
                name.clone(),
                "提成".into(),
                (rng.range(0, 8000)).to_string(),
            ])?;
        }
        if r < 40 {
            let child = if r < 20 { 2000 } else { 0 };
            let elderly = if r % 3 == 0 { 3000 } else { 0 };
            let (loan, rent) = if r % 2 == 0 { (1000, 0) } else { (0, 1500) };
            deductions.row(&[
                id.clone(),
                name,
                child.to_string(),
                elderly.to_string(),
                loan.to_string(),
                rent.to_string(),
            ])?;
        }
    }
    for sink in [roster, attendance, variable, deductions, joiners, leavers] {
        sink.finish()?;
    }
    Ok(planted)
}
