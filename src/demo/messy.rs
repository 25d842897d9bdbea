//! The messy workspace: a month of inputs with deliberate, documented
//! problems (and some oddities that must be accepted). Tests snapshot its
//! findings; `paybatch demo --messy` shows what a clerk would see.

use std::path::Path;

use rust_decimal::Decimal;

use super::people::{Rng, make_card, make_resident_id};
use super::sheet::{CsvEncoding, Sheet, write_csv_encoded, write_xlsx};
use crate::error::Result;
use crate::ingest::grid::Cell;
use crate::model::{Date, Period};

/// The period the messy inputs are for.
pub fn period() -> Period {
    Period::new(2026, 3).unwrap_or_else(|| super::demo_periods()[0])
}

fn t(s: &str) -> Cell {
    Cell::Text(s.into())
}
fn n(v: i64) -> Cell {
    Cell::Number(Decimal::from(v))
}
fn d(y: i32, m: u32, day: u32) -> Cell {
    Date::new(y, m, day).map_or(Cell::Empty, Cell::Date)
}

/// Writes the messy workspace into `root` (config, rules, inputs/2026-03).
pub fn write(root: &Path) -> Result<()> {
    super::write_skeleton(root)?;
    let dir = root.join("inputs").join(period().to_string());
    let mut rng = Rng::new(7);
    let birth = |y, m, day| Date::new(y, m, day).unwrap_or(Date::EPOCH);
    let good_id = |seq| make_resident_id("110105", birth(1988, 6, 15), seq);
    let card = |rng: &mut Rng| make_card("622202", rng);

    let mut rows: Vec<Vec<Cell>> = Vec::new();
    let person = |id: &str,
                  name: &str,
                  id_type: &str,
                  id_no: String,
                  phone: &str,
                  city: &str,
                  hire: Cell,
                  leave: Cell,
                  base: Cell,
                  bank: String,
                  hf_rate: &str| {
        vec![
            t(id),
            t(name),
            t(id_type),
            t(&id_no),
            t(phone),
            t("研发部"),
            t(city),
            hire,
            leave,
            base,
            t("中国工商银行"),
            t(&bank),
            n(12000),
            t(hf_rate),
        ]
    };
    // Row 4: clean.
    rows.push(person(
        "M001",
        "张伟",
        "居民身份证",
        good_id(1),
        "13800138000",
        "北京",
        d(2020, 3, 1),
        Cell::Empty,
        n(12000),
        card(&mut rng),
        "12%",
    ));
    // Row 5: ID check character wrong (…0021 should end in X).
    rows.push(person(
        "M002",
        "李娜",
        "居民身份证",
        "110105194912310021".into(),
        "13800138001",
        "北京",
        d(2019, 1, 1),
        Cell::Empty,
        n(15000),
        card(&mut rng),
        "12%",
    ));
    // Row 6: ID with a birth date that does not exist (1949-02-30), check char correct.
    rows.push(person(
        "M003",
        "王芳",
        "居民身份证",
        "110105194902300020".into(),
        "13800138002",
        "上海",
        d(2021, 7, 1),
        Cell::Empty,
        n(9000),
        card(&mut rng),
        "7%",
    ));
    // Row 7: bank card fails Luhn.
    rows.push(person(
        "M004",
        "刘洋",
        "居民身份证",
        good_id(4),
        "13800138003",
        "上海",
        d(2022, 2, 1),
        Cell::Empty,
        n(11000),
        "6222020200112233447".into(),
        "7%",
    ));
    // Row 8: duplicate employee ID M001 (different person).
    rows.push(person(
        "M001",
        "陈静",
        "居民身份证",
        good_id(5),
        "13800138004",
        "北京",
        d(2023, 4, 1),
        Cell::Empty,
        n(10000),
        card(&mut rng),
        "12%",
    ));
    // Row 9: full-width digits and separators in base salary: accepted, no finding.
    rows.push(person(
        "M006",
        "杨磊",
        "居民身份证",
        good_id(6),
        "13800138005",
        "北京",
        d(2018, 9, 1),
        Cell::Empty,
        t("１２，０００"),
        card(&mut rng),
        "12%",
    ));
    // Row 10: leave date before hire date.
    rows.push(person(
        "M007",
        "赵敏",
        "居民身份证",
        good_id(7),
        "13800138006",
        "北京",
        d(2025, 6, 1),
        d(2025, 5, 31),
        n(8000),
        card(&mut rng),
        "12%",
    ));
    // Row 11: same ID number as M006 under another employee ID.
    rows.push(person(
        "M008",
        "杨磊",
        "居民身份证",
        good_id(6),
        "13800138007",
        "北京",
        d(2024, 1, 1),
        Cell::Empty,
        n(9500),
        card(&mut rng),
        "12%",
    ));
    // Row 12: city with no social-insurance rules.
    rows.push(person(
        "M009",
        "黄强",
        "居民身份证",
        good_id(9),
        "13800138008",
        "深圳",
        d(2020, 5, 1),
        Cell::Empty,
        n(13000),
        card(&mut rng),
        "12%",
    ));
    // Row 13: housing-fund rate above 12%.
    rows.push(person(
        "M010",
        "周杰",
        "居民身份证",
        good_id(10),
        "13800138009",
        "北京",
        d(2020, 5, 1),
        Cell::Empty,
        n(13000),
        card(&mut rng),
        "15%",
    ));
    // Row 14: phone number malformed (warning).
    rows.push(person(
        "M011",
        "吴涛",
        "居民身份证",
        good_id(11),
        "1380013",
        "上海",
        d(2020, 5, 1),
        Cell::Empty,
        n(13000),
        card(&mut rng),
        "7%",
    ));
    // Row 15: name blank.
    rows.push(person(
        "M012",
        "",
        "居民身份证",
        good_id(12),
        "13800138011",
        "上海",
        d(2020, 5, 1),
        Cell::Empty,
        n(13000),
        card(&mut rng),
        "7%",
    ));
    // Row 16: hire date that does not exist, written as text.
    rows.push(person(
        "M013",
        "徐明",
        "居民身份证",
        good_id(13),
        "13800138012",
        "上海",
        t("2026-02-30"),
        Cell::Empty,
        n(13000),
        card(&mut rng),
        "7%",
    ));
    // Row 17: ID type the tax client does not know.
    rows.push(person(
        "M014",
        "孙超",
        "军官证",
        "军字第123456号".into(),
        "13800138013",
        "北京",
        d(2020, 5, 1),
        Cell::Empty,
        n(13000),
        card(&mut rng),
        "12%",
    ));
    // Row 18: lower-case x and trailing spaces: accepted, no finding.
    rows.push(person(
        "M015",
        "胡霞",
        "居民身份证",
        "11010519491231002x  ".into(),
        "13800138014",
        "北京",
        t("2026年3月2日"),
        Cell::Empty,
        t(" 15,000.00 "),
        card(&mut rng),
        "0.12",
    ));
    // Row 19: bank card blank.
    rows.push(person(
        "M016",
        "朱平",
        "居民身份证",
        good_id(16),
        "13800138015",
        "北京",
        d(2020, 5, 1),
        Cell::Empty,
        n(13000),
        String::new(),
        "12%",
    ));

    let header = [
        "工号",
        "姓名",
        "证件类型",
        "身份证号码",
        "手机号",
        "部门",
        "参保城市",
        "入职日期",
        "离职日期",
        "基本工资",
        "开户行",
        "银行卡号",
        "社保基数",
        "公积金比例",
    ];
    // Two merged title rows above the header (header on row 3).
    let sheet = Sheet::new("在职", &header, rows)
        .with_title("某某集团 2026年3月 员工花名册")
        .with_title("填表说明: 金额单位为元, 日期格式 2026-03-01");
    write_xlsx(&dir.join("花名册.xlsx"), &[sheet])?;

    // Attendance as GBK CSV (what older HR systems export).
    let attendance = vec![
        vec![t("M001"), t("张伟"), n(0), n(0), n(10)],
        vec![t("M099"), t("无名"), n(0), n(0), n(0)],
        vec![t("M002"), t("李娜"), n(40), n(0), n(0)],
        vec![t("M004"), t("刘洋"), n(0), n(1), t("abc")],
        vec![t("M004"), t("刘洋"), n(1), n(0), n(0)],
    ];
    write_csv_encoded(
        &dir.join("考勤.csv"),
        &["工号", "姓名", "事假天数", "病假天数", "工作日加班小时"],
        &attendance,
        CsvEncoding::Gbk,
    )?;

    let variable = vec![
        vec![t("M001"), t("张伟"), t("餐补"), n(500)],
        vec![t("M404"), t("不存在"), t("餐补"), n(500)],
        vec![t("M002"), t("李娜"), t("加班费"), n(300)],
        vec![t("M004"), t("刘洋"), t("提成"), Cell::Empty],
    ];
    write_xlsx(
        &dir.join("变动项.xlsx"),
        &[Sheet::new("Sheet1", &["工号", "姓名", "项目", "金额"], variable)],
    )?;

    // Deductions without the 工号 column.
    let deductions = vec![vec![t("张伟"), n(2000), n(1000)]];
    write_xlsx(
        &dir.join("专项附加扣除.xlsx"),
        &[Sheet::new("Sheet1", &["姓名", "子女教育", "住房贷款利息"], deductions)],
    )?;

    let leavers = vec![
        vec![t("M007"), t("赵敏"), Cell::Empty],
        vec![t("M777"), t("路人"), d(2026, 3, 10)],
    ];
    write_xlsx(
        &dir.join("离职名单.xlsx"),
        &[Sheet::new("离职", &["工号", "姓名", "离职日期"], leavers)],
    )?;
    let joiners = vec![
        vec![t("M015"), t("胡霞"), d(2026, 3, 2)],
        vec![t("M888"), t("新人"), d(2026, 3, 9)],
    ];
    write_xlsx(
        &dir.join("入职名单.xlsx"),
        &[Sheet::new("入职", &["工号", "姓名", "入职日期"], joiners)],
    )?;
    crate::emit::atomic::write(&dir.join("说明.txt"), "这不是输入文件".as_bytes())?;
    Ok(())
}
