//! Deterministic sample data: the demo workspace (≈60 employees, Beijing and
//! Shanghai, 2026-01..2026-03) used by `demo`, `init` and the tests.
//! Same seed, same bytes.

pub mod generator;
pub mod messy;
pub mod people;
pub mod returns;
pub mod sheet;

use std::path::Path;

use rust_decimal::Decimal;

use crate::error::Result;
use crate::ingest::grid::Cell;
use crate::model::{Date, Period};
use crate::rules::BUILTIN;
use people::{Person, people};
use sheet::{Sheet, write_csv, write_xlsx};

/// The months the demo covers.
pub fn demo_periods() -> Vec<Period> {
    (1..=3).filter_map(|m| Period::new(2026, m)).collect()
}

/// The demo company's `paybatch.toml`.
pub const DEMO_CONFIG: &str = r#"# paybatch workspace settings
lang = "zh"

[company]
name = "示例科技有限公司"
uscc = "91110000600037341L"
pay_day = 10

# The account salaries are paid from (bank files).
[payer]
account = "0200001109000012345"
name = "示例科技有限公司"
bank = "中国工商银行北京分行营业部"
province = "北京"
city = "北京"

[payslips]
from = "payroll@example.com"
# smtp = { host = "127.0.0.1", port = 25 }   # to send with `paybatch payslips --send`
# A relay with TLS and a login (the password from the environment):
#   smtp = { host = "smtp.example.com", port = 587, security = "starttls", username = "payroll@example.com", password_env = "PAYSLIP_RELAY_PASSWORD" }

[reconcile]
net_change_threshold = 0.2   # flag |Δ net pay| above 20% of last month
bureau_tolerance_fen = 0

# Total-payroll cap (工资总额管控): annual budget per cost centre.
[budget]
by = "cost_center"
measure = "total_pay"
severity = "warning"

[budget.annual.2026]
CC100 = 6000000
CC200 = 5500000
CC300 = 5000000
CC400 = 4000000
CC500 = 5000000

# Map input files to kinds when their names do not say (optional):
# [inputs.roster]
# file = "员工信息表.xlsx"
# sheet = "在职"
"#;

/// Writes `paybatch.toml` and the built-in rule files into `root`.
pub fn write_skeleton(root: &Path) -> Result<()> {
    crate::emit::atomic::write(&root.join("paybatch.toml"), DEMO_CONFIG.as_bytes())?;
    for (path, text) in BUILTIN {
        crate::emit::atomic::write(&root.join("rules").join(path), text.as_bytes())?;
    }
    Ok(())
}

/// Writes a complete demo workspace: config, rules, three months of inputs.
pub fn write_workspace(root: &Path) -> Result<()> {
    write_skeleton(root)?;
    let staff = people(60);
    for period in demo_periods() {
        write_month(root, &staff, period)?;
    }
    Ok(())
}

fn text(s: impl Into<crate::model::Str>) -> Cell {
    Cell::Text(s.into())
}
fn num(n: Decimal) -> Cell {
    Cell::Number(n)
}
fn int(n: i64) -> Cell {
    Cell::Number(Decimal::from(n))
}
fn date(d: Option<Date>) -> Cell {
    d.map_or(Cell::Empty, Cell::Date)
}

/// Employees on the payroll in `period`: hired by its end, not gone before it.
fn on_payroll(p: &Person, period: Period) -> bool {
    p.hire_date <= period.last_day() && p.leave_date.is_none_or(|l| l >= period.first_day())
}

/// Writes `inputs/<period>/` for the demo staff.
pub fn write_month(root: &Path, staff: &[Person], period: Period) -> Result<()> {
    let dir = root.join("inputs").join(period.to_string());
    let active: Vec<&Person> = staff.iter().filter(|p| on_payroll(p, period)).collect();

    let roster_header = [
        "工号",
        "姓名",
        "证件类型",
        "证件号码",
        "手机号码",
        "电子邮箱",
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
        "年内首次就业",
        "上年收入不超6万",
    ];
    let roster_rows = active
        .iter()
        .map(|p| {
            vec![
                text(&p.id),
                text(&p.name),
                text("居民身份证"),
                text(&p.id_number),
                text(&p.phone),
                text(format!("{}@example.com", p.id.to_lowercase())),
                text(&p.department),
                text(&p.cost_center),
                text(&p.city),
                date(Some(p.hire_date)),
                date(p.leave_date),
                num(if p.seq == 3 && period.month() == 3 {
                    p.base_salary + Decimal::from(1000)
                } else {
                    p.base_salary
                }),
                text(&p.bank_name),
                text(&p.bank_card),
                num(p.si_base),
                num(p.si_base),
                num(p.hf_rate),
                text(if p.first_job_this_year { "是" } else { "否" }),
                text(if p.prior_year_le_60k { "是" } else { "否" }),
            ]
        })
        .collect();
    let title = format!("示例科技有限公司 {}年{}月 花名册", period.year(), period.month());
    write_xlsx(
        &dir.join("花名册.xlsx"),
        &[Sheet::new("在职", &roster_header, roster_rows).with_title(&title)],
    )?;

    let joiners: Vec<&&Person> = active.iter().filter(|p| p.hire_date.period() == period).collect();
    if !joiners.is_empty() {
        let rows = joiners
            .iter()
            .map(|p| vec![text(&p.id), text(&p.name), date(Some(p.hire_date))])
            .collect();
        write_xlsx(
            &dir.join("入职名单.xlsx"),
            &[Sheet::new("入职", &["工号", "姓名", "入职日期"], rows)],
        )?;
    }
    let leavers: Vec<&&Person> = active
        .iter()
        .filter(|p| p.leave_date.is_some_and(|d| d.period() == period))
        .collect();
    if !leavers.is_empty() {
        let rows = leavers
            .iter()
            .map(|p| vec![text(&p.id), text(&p.name), date(p.leave_date), text("个人原因")])
            .collect();
        write_xlsx(
            &dir.join("离职名单.xlsx"),
            &[Sheet::new("离职", &["工号", "姓名", "离职日期", "离职原因"], rows)],
        )?;
    }

    let m = i64::from(period.month());
    let attendance = active
        .iter()
        .map(|p| {
            let k = p.seq + m;
            vec![
                text(&p.id),
                text(&p.name),
                int(if k % 11 == 0 { 2 } else { 0 }),
                int(if k % 13 == 0 { 1 } else { 0 }),
                int(if k % 5 == 0 { 8 + (k % 3) * 4 } else { 0 }),
                int(if k % 7 == 0 { 8 } else { 0 }),
                int(if period.month() == 1 && k % 9 == 0 { 8 } else { 0 }),
            ]
        })
        .collect();
    write_csv(
        &dir.join("考勤.csv"),
        &[
            "工号",
            "姓名",
            "事假天数",
            "病假天数",
            "工作日加班小时",
            "休息日加班小时",
            "法定节假日加班小时",
        ],
        attendance,
    )?;

    let mut variable = Vec::new();
    for p in &active {
        let k = p.seq + m;
        variable.push(vec![
            text(&p.id),
            text(&p.name),
            text("餐补"),
            int(500),
            Cell::Empty,
            Cell::Empty,
        ]);
        if p.seq % 4 == 0 {
            variable.push(vec![
                text(&p.id),
                text(&p.name),
                text("岗位津贴"),
                int(800),
                Cell::Empty,
                Cell::Empty,
            ]);
        }
        if p.department == "销售部" {
            variable.push(vec![
                text(&p.id),
                text(&p.name),
                text("提成"),
                int(1000 + (k % 7) * 350),
                Cell::Empty,
                Cell::Empty,
            ]);
        }
        if period.month() == 1 && p.seq % 3 == 0 && p.hire_date.year() < 2026 {
            variable.push(vec![
                text(&p.id),
                text(&p.name),
                text("全年一次性奖金"),
                num(p.base_salary * Decimal::from(1 + p.seq % 3)),
                Cell::Empty,
                text("2025年度年终奖"),
            ]);
        }
        if period.month() == 3 && p.seq % 5 == 0 {
            variable.push(vec![
                text(&p.id),
                text(&p.name),
                text("绩效奖金"),
                int(2000 + (p.seq % 4) * 500),
                Cell::Empty,
                text("一季度绩效"),
            ]);
        }
        if period.month() == 3 && p.seq == 7 {
            variable.push(vec![
                text(&p.id),
                text(&p.name),
                text("补发工资"),
                int(1200),
                text("2026-01"),
                text("1月加班费漏发"),
            ]);
        }
    }
    write_xlsx(
        &dir.join("变动项.xlsx"),
        &[Sheet::new(
            "变动项",
            &["工号", "姓名", "项目", "金额", "所属期", "备注"],
            variable,
        )],
    )?;

    let deductions = active
        .iter()
        .filter(|p| p.seq % 2 == 0 || p.seq % 3 == 0)
        .map(|p| {
            let s = p.seq;
            let amt = |cond: bool, v: i64| if cond { int(v) } else { Cell::Empty };
            vec![
                text(&p.id),
                text(&p.name),
                amt(s % 2 == 0, if s % 4 == 0 { 4000 } else { 2000 }),
                amt(s % 10 == 0, 2000),
                amt(s % 3 == 0, if s % 6 == 0 { 3000 } else { 1500 }),
                amt(s % 17 == 0, 400),
                amt(s % 4 == 2, 1000),
                amt(s % 6 == 3, 1500),
                Cell::Empty,
                amt(s % 2 == 0, if s % 4 == 0 { 2 } else { 1 }),
            ]
        })
        .collect();
    write_xlsx(
        &dir.join("专项附加扣除.xlsx"),
        &[Sheet::new(
            "专项附加扣除",
            &[
                "工号",
                "姓名",
                "子女教育",
                "3岁以下婴幼儿照护",
                "赡养老人",
                "继续教育",
                "住房贷款利息",
                "住房租金",
                "个人养老金",
                "子女人数",
            ],
            deductions,
        )],
    )?;
    Ok(())
}

/// The demo staff (60 people).
pub fn sample_staff() -> Vec<Person> {
    people(60)
}
