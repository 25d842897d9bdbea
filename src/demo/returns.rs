//! Sample files that come back after payday, built from a period's results
//! with documented plants: a bank return (one failure, one amount
//! mismatch, one unknown account, one line missing) and a bureau bill (one
//! person missing, one extra, one base and one amount different).

use std::path::{Path, PathBuf};

use rust_decimal::Decimal;

use super::sheet::{Sheet, write_xlsx};
use crate::error::Result;
use crate::ingest::grid::Cell;
use crate::ledger::results::read_employees;
use crate::model::Money;

fn t(s: &str) -> Cell {
    Cell::Text(s.into())
}

fn money(d: Decimal) -> Cell {
    Cell::Number(Money::new(d).round(crate::model::Rounding::FEN_HALF_UP).get())
}

/// What was planted, for tests and the demo's printout.
#[derive(Debug, Clone, Default)]
pub struct Plants {
    pub failed: String,
    pub amount_mismatch: String,
    pub unknown_account: String,
    pub not_returned: String,
    pub bill_missing: String,
    pub bill_extra_id: String,
    pub base_differs: String,
    pub amount_differs: String,
}

/// Writes `returns/<period>/招行回盘.xlsx` and `社保核定单.xlsx` from the
/// period's results CSV; returns their paths and what was planted.
pub fn write(root: &Path, period: &str, results_csv: &[u8]) -> Result<(PathBuf, PathBuf, Plants)> {
    let dir = root.join("returns").join(period);
    let people = read_employees(results_csv)?;
    let results = crate::reconcile::frame::results_frame(results_csv, "results.csv")?;
    let mut plants = Plants::default();
    let paid: Vec<_> = people.iter().filter(|p| p.net.get() > Decimal::ZERO).collect();

    let mut rows = Vec::new();
    for (i, p) in paid.iter().enumerate() {
        let (mut amount, mut status, mut reason) = (p.net.get(), "成功", "");
        match i {
            1 => {
                status = "失败";
                reason = "账户已冻结";
                plants.failed = p.employee_id.to_string();
            }
            2 => {
                amount -= Decimal::ONE;
                plants.amount_mismatch = p.employee_id.to_string();
            }
            3 => {
                plants.not_returned = p.employee_id.to_string();
                continue;
            }
            _ => {}
        }
        rows.push(vec![t(&p.bank_card), t(&p.name), money(amount), t(status), t(reason)]);
    }
    plants.unknown_account = "6222020200112233446".into();
    rows.push(vec![
        t("6222020200112233446"),
        t("不认识"),
        money(Decimal::from(100)),
        t("成功"),
        t(""),
    ]);
    let bank = dir.join("招行回盘.xlsx");
    write_xlsx(
        &bank,
        &[
            Sheet::new("代发结果", &["账号", "户名", "金额", "状态", "失败原因"], rows)
                .with_title("招商银行 代发结果明细"),
        ],
    )?;

    // The bureau bill: one row per person per SI item (no housing fund).
    let items = [
        ("pension", "基本养老保险"),
        ("medical", "基本医疗保险"),
        ("unemployment", "失业保险"),
        ("work_injury", "工伤保险"),
    ];
    let col = |n: &str| crate::reconcile::frame::fen_column(&results, n);
    let ids = crate::reconcile::frame::text_column(&results, "id_number");
    let mut bill = Vec::new();
    for (i, p) in people.iter().enumerate() {
        if i == 5 {
            plants.bill_missing = p.employee_id.to_string();
            continue;
        }
        for (key, label) in items {
            let base = col(&format!("si_{key}_base"))[i].unwrap_or(0);
            let mut er = col(&format!("si_{key}_employer"))[i].unwrap_or(0);
            let ee = col(&format!("si_{key}_employee"))[i].unwrap_or(0);
            if er == 0 && ee == 0 {
                continue;
            }
            let mut base_billed = base;
            if i == 6 && key == "pension" {
                base_billed += 10_000; // 100 yuan higher
                plants.base_differs = p.employee_id.to_string();
            }
            if i == 7 && key == "medical" {
                er += 100; // 1 yuan more
                plants.amount_differs = p.employee_id.to_string();
            }
            bill.push(vec![
                t(ids[i].as_deref().unwrap_or("")),
                t(&p.name),
                t(label),
                money(Decimal::new(base_billed, 2)),
                money(Decimal::new(er, 2)),
                money(Decimal::new(ee, 2)),
            ]);
        }
    }
    plants.bill_extra_id = "110105199001010011".into();
    bill.push(vec![
        t("110105199001010011"),
        t("外来人"),
        t("基本养老保险"),
        money(Decimal::from(8000)),
        money(Decimal::from(1280)),
        money(Decimal::from(640)),
    ]);
    let bureau = dir.join("社保核定单.xlsx");
    write_xlsx(
        &bureau,
        &[Sheet::new(
            "核定明细",
            &["证件号码", "姓名", "险种", "缴费基数", "单位缴费", "个人缴费"],
            bill,
        )],
    )?;
    Ok((bank, bureau, plants))
}
