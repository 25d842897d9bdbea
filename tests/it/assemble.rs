//! Joining the roster with the side tables: which roster rows are paid, in
//! which order, and that each row's lines, attendance and leave date reach
//! its month.

use std::collections::HashMap;

use paybatch::calc::compute_period;
use paybatch::pipeline::check_period;
use paybatch::workspace::Workspace;
use rust_decimal_macros::dec;

use crate::calc_sta::test_workspace;
use crate::util::tempdir;

#[test]
fn roster_rows_paid_once_in_order_with_their_lines() {
    let dir = tempdir();
    let root = dir.path();
    test_workspace(root);
    let inputs = root.join("inputs/2026-03");
    std::fs::create_dir_all(&inputs).unwrap();
    let write = |name: &str, text: &str| std::fs::write(inputs.join(name), text).unwrap();
    write(
        "花名册.csv",
        "工号,姓名,参保城市,入职日期,基本工资,社保基数,公积金基数\n\
         P4,丁,测试市,2020-01-01,8000,8000,8000\n\
         P1,甲,测试市,2020-01-01,10000,10000,10000\n\
         P1,甲二,测试市,2020-01-01,99999,99999,99999\n\
         P2,乙,测试市,,10000,10000,10000\n\
         P3,丙,测试市,2026-04-01,10000,10000,10000\n\
         ,无号,测试市,2020-01-01,10000,10000,10000\n\
         P5,戊,测试市,2020-01-01,10000,10000,10000\n\
         P6,己,测试市,2020-01-01,10000,10000,10000\n",
    );
    write(
        "变动项.csv",
        "工号,姓名,项目,金额\nP1,甲,餐补,300\nP6,己,餐补,100\nP1,甲,餐补,200\n",
    );
    write("考勤.csv", "工号,姓名,事假天数\nP6,己,2\nP1,甲,1\nP1,甲,5\n");
    // Rows of one ID add up, item by item; P9 is not on the roster.
    write(
        "专项附加扣除.csv",
        "工号,姓名,子女教育,赡养老人\nP6,己,1000,0\nP9,无,5000,5000\nP1,甲,2000,1500\nP6,己,1000,1000.5\n",
    );
    write(
        "离职名单.csv",
        "工号,姓名,离职日期\nP5,戊,2026-02-27\nP6,己,2026-03-20\n",
    );
    let ws = Workspace::open(root).unwrap();
    let rules = ws.rules().unwrap();
    let period = "2026-03".parse().unwrap();
    let (inputs, _) = check_period(&ws, &rules, period).unwrap();
    let result = compute_period(&rules, inputs, period, &HashMap::new(), &Default::default(), None);

    // Roster order; the repeat of P1, the row without a hire date and the
    // row without an ID are skipped; P3 (hired after the period) and P5
    // (left before it) are not employed.
    let ids: Vec<&str> = result.employees.iter().map(|r| r.employee_id.as_str()).collect();
    assert_eq!(ids, ["P4", "P1", "P6"]);
    let p1 = &result.employees[1];
    assert_eq!((p1.name.as_str(), p1.base_salary.get()), ("甲", dec!(10000)));
    // Both of P1's lines, once each; the first attendance row of an ID counts.
    assert_eq!(p1.allowance.get(), dec!(500));
    assert_eq!(p1.attendance.get().unpaid_leave_days, dec!(1));
    assert_eq!(result.employees[0].attendance.get().unpaid_leave_days, dec!(0));
    // Special additional deductions (children's education, elderly support).
    let deductions = |r: &paybatch::calc::employee::EmployeeResult| (r.additional[0].get(), r.additional[4].get());
    assert_eq!(deductions(p1), (dec!(2000), dec!(1500)));
    assert_eq!(deductions(&result.employees[0]), (dec!(0), dec!(0)));
    assert_eq!(deductions(&result.employees[2]), (dec!(2000), dec!(1000.5)));
    // P6 takes its leave date from the leavers list and is prorated.
    let p6 = &result.employees[2];
    assert_eq!(p6.leave_date.map(|d| d.to_string()).as_deref(), Some("2026-03-20"));
    assert_eq!(p6.allowance.get(), dec!(100));
    assert_eq!(p6.attendance.get().unpaid_leave_days, dec!(2));
    assert!(p6.base_pay.get() < dec!(10000), "{}", p6.base_pay.get());
    let not_employed: Vec<&str> = result
        .findings
        .iter()
        .filter(|f| f.code == "C005")
        .map(|f| f.field.as_str())
        .collect();
    assert_eq!(not_employed, ["P3", "P5"]);
}
