//! One employee-month, start to finish: days employed and proration,
//! attendance deductions, overtime, variable pay, company formulas, gross,
//! SI/HF, cumulative IIT, annual bonus, net pay and employer cost.

use rust_decimal::Decimal;
use serde::Serialize;

use super::context::PeriodRules;
use super::fixed::{self, Fen, Scaled};
use super::iit::{self, BasicFlags, MonthIncome, Ytd, YtdFigures};
use super::input::EmployeeMonth;
use super::trace::{Trace, TraceLine};
use crate::i18n::Text;
use crate::model::{Date, Figure, Period, Rounding, Str, Sym, intern};
use crate::rules::payroll::{FORMULA_VARIABLES, ItemKind, MONTH_VARIABLES, ProrationMethod};
use crate::rules::social::DeclaredBase;
use crate::rules::validation::Severity;
use crate::validate::Finding;

/// One SI/HF item for one employee: the applied base and the two shares.
/// Every item rounds to fen, jiao or yuan, so the shares are whole fen; the
/// rates are in the trace (`explain`) and the rule file. Kept this small
/// because every employee holds several.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiLine {
    pub name: &'static intern::Name,
    pub base: Figure,
    pub employer: Fen,
    pub employee: Fen,
}

impl SiLine {
    pub fn key(&self) -> &'static str {
        &self.name.key
    }

    pub fn label(&self) -> &'static Text {
        &self.name.label
    }
}

impl Serialize for SiLine {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut line = s.serialize_struct("SiLine", 5)?;
        line.serialize_field("key", self.key())?;
        line.serialize_field("label", self.label())?;
        line.serialize_field("base", &self.base.get())?;
        line.serialize_field("employer", &self.employer.dec())?;
        line.serialize_field("employee", &self.employee.dec())?;
        line.end()
    }
}

/// How the annual bonus was taxed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BonusResult {
    pub amount: Decimal,
    pub separate_tax: Decimal,
    /// Extra wage tax this month if the bonus were merged.
    pub merged_tax: Decimal,
    pub separate: bool,
    pub tax: Decimal,
}

/// What a result carries besides its figures: its findings and, when
/// asked for, the explain trace. Boxed, so that a result with neither (nearly
/// every one) spends 8 bytes on them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Notes {
    pub findings: Vec<Finding>,
    pub trace: Vec<TraceLine>,
}

/// Every figure of one employee-month.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct EmployeeResult {
    pub employee_id: Str,
    pub name: Str,
    pub id_type: Sym,
    pub id_number: Str,
    pub department: Sym,
    pub cost_center: Sym,
    pub city: Sym,
    pub bank_name: Sym,
    pub bank_card: Str,
    pub phone: Str,
    pub email: Str,
    pub hire_date: Date,
    pub leave_date: Option<Date>,
    pub days_employed: u32,
    /// How 累计减除费用 was counted (the 60k rule's evidence).
    pub basic_rule: super::iit::BasicRule,
    /// The separate annual-bonus method was used this tax year, this
    /// month included (the ledger carries it to the next month).
    pub separate_bonus_used: bool,
    /// The month's attendance as read (for variance attribution).
    pub attendance: crate::calc::input::Attendance<Figure>,
    pub base_salary: Figure,
    pub base_pay: Figure,
    pub unpaid_leave_deduction: Figure,
    pub sick_leave_deduction: Figure,
    pub overtime: Figure,
    /// Totals by variable-pay kind (formula results included).
    pub allowance: Figure,
    pub commission: Figure,
    pub bonus: Figure,
    pub retro: Figure,
    pub pre_tax_deduction: Figure,
    /// 应发工资: taxable wage income of the month (annual bonus excluded).
    pub gross: Figure,
    pub tax_free: Figure,
    pub annual_bonus: Option<Box<BonusResult>>,
    /// 应发合计 = gross + annual bonus.
    pub total_pay: Figure,
    pub si: Box<[SiLine]>,
    pub si_employee: Figure,
    pub si_employer: Figure,
    /// This month's special additional deductions by item.
    pub additional: [Figure; 7],
    /// Wage IIT withheld this month.
    pub iit: Figure,
    pub bonus_tax: Figure,
    pub post_tax_deduction: Figure,
    pub damage_deduction: Figure,
    /// 实发工资.
    pub net: Figure,
    pub employer_cost: Figure,
    pub ytd: YtdFigures,
    /// Findings and the explain trace, which few results have.
    #[serde(skip)]
    pub notes: Option<Box<Notes>>,
}

impl EmployeeResult {
    /// What the calculation found about this employee.
    pub fn findings(&self) -> &[Finding] {
        self.notes.as_deref().map_or(&[], |n| &n.findings)
    }

    /// Adds a finding about this employee-month.
    pub fn note(&mut self, finding: Finding) {
        self.notes
            .get_or_insert_with(|| {
                Box::new(Notes {
                    findings: Vec::new(),
                    trace: Vec::new(),
                })
            })
            .findings
            .push(finding);
    }

    /// How each figure was computed (only when tracing was asked for).
    pub fn trace(&self) -> &[TraceLine] {
        self.notes.as_deref().map_or(&[], |n| &n.trace)
    }
}

/// Rounds to the fen, half up (四舍五入): the rounding of every amount
/// the month computes; both kernel paths use it.
pub(super) fn fen(v: Decimal) -> Decimal {
    Rounding::FEN_HALF_UP.apply(v)
}

fn weekdays_between(from: Date, to: Date) -> u32 {
    let mut n = 0;
    let mut d = from.days_since_epoch();
    while d <= to.days_since_epoch() {
        if (d + 3).rem_euclid(7) < 5 {
            n += 1;
        }
        d += 1;
    }
    n
}

/// Employment within the period: first and last day, or None.
fn employed_span(e: &EmployeeMonth, period: Period) -> Option<(Date, Date)> {
    let start = e.hire_date.max(period.first_day());
    let end = e.leave_date.map_or(period.last_day(), |l| l.min(period.last_day()));
    (start <= end).then_some((start, end))
}

pub(super) fn finding(e: &EmployeeMonth, code: &str, severity: Severity, message: Text, hint: Text) -> Finding {
    Finding {
        code: code.into(),
        severity,
        file: e.origin.file.to_string(),
        sheet: e.origin.sheet.to_string(),
        row: Some(e.origin.row),
        col: None,
        field: e.employee_id.to_string(),
        value: String::new(),
        message,
        hint,
    }
}

/// A figure too large to keep exactly: an SI/HF share (or their sum) past
/// whole fen in 64 bits, or a result amount past [`Figure`]'s range. No
/// real payroll comes near either, so the input is wrong; the figure is
/// left out (zero) and the error blocks the batch, rather than a figure
/// carried inexactly.
fn too_large(e: &EmployeeMonth, item: &str, amount: Decimal) -> Finding {
    finding(
        e,
        "C007",
        Severity::Error,
        Text::new(
            format!("{} {} 的{item} {amount} 超出可计算范围, 未计入", e.employee_id, e.name),
            format!(
                "{} {}: {item} {amount} is out of range; not included",
                e.employee_id, e.name
            ),
        ),
        Text::new(
            "核对该员工的金额、基数和比例",
            "check the employee's amounts, bases and rates",
        ),
    )
}

/// The month's variable pay: totals by item kind (the company formulas'
/// results included) and the tax-free part of the lines. A formula that
/// fails is a finding and adds nothing. `full_month` (the fast path's
/// months only) lets a formula that reads only the calendar and leave days
/// take its value for the period ([`PeriodRules::full_month_formulas`])
/// when the leave days are a plain 0; the reference path always evaluates,
/// so the fast path's proptest checks those values too.
pub(super) fn variable_pay(
    e: &EmployeeMonth,
    pr: &PeriodRules<'_>,
    days_employed: u32,
    full_month: bool,
    t: &mut Trace,
    findings: &mut Vec<Finding>,
) -> ([Decimal; ItemKind::ALL.len()], Decimal) {
    let pay = pr.payroll;
    let pay_file = pay.file.as_str();
    let att = &e.attendance;
    let mut kinds = [Decimal::ZERO; ItemKind::ALL.len()];
    let mut tax_free = Decimal::ZERO;
    for line in &e.lines {
        let Some(def) = pay.item(&line.item) else { continue };
        kinds[def.kind as usize] += line.amount;
        if def.tax_free {
            tax_free += line.amount;
        }
        t.add(|| {
            let mut tl = TraceLine::new(
                format!("line.{}", def.kind.key()),
                Text::new(line.item.to_string(), line.item.to_string()),
                line.amount,
            )
            .formula(format!("变动项 {} ({})", line.origin, def.kind.key()))
            .rule(format!("{pay_file}#item.{}", line.item));
            if let Some(p) = line.belongs_to {
                tl = tl.input("belongs_to", p);
            }
            tl
        });
    }
    // The formula variables in `FORMULA_VARIABLES` order; the item-kind
    // totals are refreshed before each formula.
    let mut slots = [Decimal::ZERO; FORMULA_VARIABLES.len()];
    if !pay.formulas.is_empty() {
        slots[..MONTH_VARIABLES].copy_from_slice(&[
            e.base_salary,
            Decimal::from(pr.period.days()),
            Decimal::from(pr.weekdays),
            Decimal::from(days_employed),
            att.unpaid_leave_days,
            att.sick_leave_days,
            att.ot_workday_hours,
            att.ot_restday_hours,
            att.ot_holiday_hours,
        ]);
    }
    let per_period =
        full_month && fixed::is_plain_zero(att.unpaid_leave_days) && fixed::is_plain_zero(att.sick_leave_days);
    for (formula, period_value) in pay.formulas.iter().zip(&pr.full_month_formulas) {
        slots[MONTH_VARIABLES..].copy_from_slice(&kinds);
        let evaluated = match period_value {
            Some(v) if per_period => Ok(*v),
            _ => formula.expr.eval_slots(&slots),
        };
        match evaluated {
            Ok(raw) => {
                let value = fen(raw);
                kinds[formula.kind as usize] += value;
                t.add(|| {
                    let mut used = Vec::new();
                    formula.expr.variables(&mut used);
                    let mut tl = TraceLine::new(
                        format!("formula.{}", formula.name),
                        Text::new(formula.name.clone(), formula.name.clone()),
                        value,
                    )
                    .formula(formula.source_text.clone())
                    .rule(format!("{}:{}", formula.file, formula.line))
                    .rounded(raw, Rounding::FEN_HALF_UP);
                    for v in used {
                        let val = FORMULA_VARIABLES
                            .iter()
                            .position(|n| *n == v)
                            .map(|i| slots[i].to_string())
                            .unwrap_or_default();
                        tl = tl.input(&v, val);
                    }
                    tl
                });
            }
            Err(err) => findings.push(finding(
                e,
                "C001",
                Severity::Error,
                Text::new(
                    format!(
                        "公式「{}」({}:{}) 无法计算: {err}",
                        formula.name, formula.file, formula.line
                    ),
                    format!(
                        "formula `{}` ({}:{}) failed: {err}",
                        formula.name, formula.file, formula.line
                    ),
                ),
                Text::new("请修改规则文件中的公式", "fix the formula in the rule file"),
            )),
        }
    }
    (kinds, tax_free)
}

/// Computes one employee-month. `prior` is the year so far (None in
/// January or for a first month with this employer).
pub fn compute(e: &EmployeeMonth, pr: &PeriodRules<'_>, prior: Option<&Ytd>, trace_on: bool) -> EmployeeResult {
    compute_owned(e.clone(), pr, prior, trace_on)
}

/// [`compute`] for a month the caller no longer needs: its identity
/// strings move into the result instead of being copied.
pub fn compute_owned(e: EmployeeMonth, pr: &PeriodRules<'_>, prior: Option<&Ytd>, trace_on: bool) -> EmployeeResult {
    let mut r = compute_figures(&e, pr, prior, trace_on);
    r.employee_id = e.employee_id;
    r.name = e.name;
    r.id_type = e.id_type;
    r.id_number = e.id_number;
    r.department = e.department;
    r.cost_center = e.cost_center;
    r.city = e.city;
    r.bank_name = e.bank_name;
    r.bank_card = e.bank_card;
    r.phone = e.phone;
    r.email = e.email;
    r
}

/// Every figure of one employee-month: the calculation kernel. The
/// result's identity strings are left empty ([`compute_owned`] fills them).
/// The common month takes the whole-fen fast path (`calc::fast`); a
/// traced month and every other month take the reference path.
pub fn compute_figures(e: &EmployeeMonth, pr: &PeriodRules<'_>, prior: Option<&Ytd>, trace_on: bool) -> EmployeeResult {
    if !trace_on && let Some(r) = super::fast::compute(e, pr, prior) {
        return r;
    }
    compute_reference(e, pr, prior, trace_on)
}

/// [`compute_figures`] on the reference path: every month, in `Decimal`
/// with the integer shortcuts of [`fixed`], and the trace when asked for.
pub(super) fn compute_reference(
    e: &EmployeeMonth,
    pr: &PeriodRules<'_>,
    prior: Option<&Ytd>,
    trace_on: bool,
) -> EmployeeResult {
    let mut t = Trace::new(trace_on);
    let mut findings = Vec::new();
    let period = pr.period;
    let pay = pr.payroll;
    let pay_file = pay.file.as_str();
    let base = e.base_salary;

    // ── days employed and base pay ──────────────────────────────────────
    let span = employed_span(e, period);
    let full_month = span.is_some_and(|(s, end)| s == period.first_day() && end == period.last_day());
    let (days_employed, weekdays_employed) = match span {
        _ if full_month => (period.days(), pr.weekdays),
        Some((s, end)) => (
            u32::try_from(s.days_until(end) + 1).unwrap_or(0),
            weekdays_between(s, end),
        ),
        None => (0, 0),
    };
    let month_days = Decimal::from(period.days());
    // Days a daily wage divides the month into, per method.
    let per_day = |method: ProrationMethod| match method {
        ProrationMethod::CalendarDays => month_days,
        ProrationMethod::PayDays => pay.pay_days.monthly,
        ProrationMethod::WorkingDays => pr.weekdays_divisor,
    };
    // `base × count ÷ days`, multiplied first so the one division is the
    // last step before rounding (a midpoint stays a midpoint); zero counts
    // cost nothing.
    let prorate = |count: Decimal, days: Decimal| {
        if count.is_zero() {
            Decimal::ZERO
        } else {
            base * count / days
        }
    };
    let method = pay.proration.method;
    let base_raw = if full_month {
        base
    } else {
        match method {
            ProrationMethod::PayDays => prorate(Decimal::from(weekdays_employed), per_day(method)).min(base),
            ProrationMethod::CalendarDays => prorate(Decimal::from(days_employed), per_day(method)),
            ProrationMethod::WorkingDays => prorate(Decimal::from(weekdays_employed), per_day(method)),
        }
    };
    let base_pay = fen(base_raw);
    t.add(|| {
        TraceLine::new("base_pay", Text::new("基本工资(折算)", "Base pay (prorated)"), base_pay)
            .formula(if full_month {
                "整月: 基本工资".to_string()
            } else {
                format!("{method:?}: 基本工资 × 在职天数折算")
            })
            .input("base_salary", base)
            .input("days_employed", days_employed)
            .input("weekdays_employed", weekdays_employed)
            .input("days_in_month", period.days())
            .input("weekdays_in_month", pr.weekdays)
            .rule(format!("{pay_file}#proration.method"))
            .rounded(base_raw, Rounding::FEN_HALF_UP)
    });

    // ── attendance deductions ───────────────────────────────────────────
    let att = e.attendance;
    let leave_days = per_day(pay.proration.unpaid_leave_per_day);
    let unpaid_raw = prorate(att.unpaid_leave_days, leave_days);
    // No leave and a base pay that is not negative: nothing to deduct.
    let unpaid = if unpaid_raw.is_zero() && base_pay.is_sign_positive() {
        Decimal::ZERO
    } else {
        fen(unpaid_raw).min(base_pay)
    };
    t.add(|| {
        TraceLine::new(
            "unpaid_leave_deduction",
            Text::new("事假扣款", "Unpaid leave deduction"),
            unpaid,
        )
        .formula("基本工资 × 事假天数 ÷ 计薪天数 (不超过折算后基本工资)")
        .input("daily_wage", base / leave_days)
        .input("unpaid_leave_days", att.unpaid_leave_days)
        .rule(format!("{pay_file}#proration.unpaid_leave_per_day"))
        .rounded(unpaid_raw, Rounding::FEN_HALF_UP)
    });
    let city = pr.cities.get(e.city.as_str());
    let min_wage = city.and_then(|c| c.minimum_wage);
    let sick_raw = prorate(att.sick_leave_days * pr.sick_unpaid_share, leave_days);
    let sick_room = match min_wage {
        Some(mw) if !sick_raw.is_zero() => (base_pay - unpaid - pay.sick_pay.floor_share * mw).max(Decimal::ZERO),
        _ => sick_raw,
    };
    let sick = if sick_raw.is_zero() {
        Decimal::ZERO
    } else {
        fen(sick_raw.min(sick_room))
    };
    t.add(|| {
        TraceLine::new(
            "sick_leave_deduction",
            Text::new("病假扣款", "Sick leave deduction"),
            sick,
        )
        .formula("基本工资 × 病假天数 × (1 − 病假工资比例) ÷ 计薪天数, 且当月工资不低于最低工资 × 下限比例")
        .input("daily_wage", base / leave_days)
        .input("sick_leave_days", att.sick_leave_days)
        .input("paid_share", pay.sick_pay.paid_share)
        .input("minimum_wage", min_wage.map_or("-".to_string(), |m| m.to_string()))
        .input("floor_share", pay.sick_pay.floor_share)
        .rule(format!("{pay_file}#sick_pay"))
        .rounded(sick_raw.min(sick_room), Rounding::FEN_HALF_UP)
    });

    // ── overtime ────────────────────────────────────────────────────────
    let ot = &pay.overtime;
    let ot_hours =
        att.ot_workday_hours * ot.workday + att.ot_restday_hours * ot.restday + att.ot_holiday_hours * ot.holiday;
    let overtime = if ot_hours.is_zero() {
        Decimal::ZERO
    } else {
        fixed::share(base, ot_hours, pr.hourly_divisor)
    };
    t.add(|| {
        TraceLine::new("overtime", Text::new("加班工资", "Overtime pay"), overtime)
            .formula(format!(
                "基本工资 × (工作日小时 × {} + 休息日小时 × {} + 节假日小时 × {}) ÷ {}",
                ot.workday,
                ot.restday,
                ot.holiday,
                pr.hourly_divisor.normalize(),
            ))
            .input("base_salary", base)
            .input("ot_workday_hours", att.ot_workday_hours)
            .input("ot_restday_hours", att.ot_restday_hours)
            .input("ot_holiday_hours", att.ot_holiday_hours)
            .rule(format!("{pay_file}#overtime"))
            .rounded(prorate(ot_hours, pr.hourly_divisor), Rounding::FEN_HALF_UP)
    });

    // ── variable pay and formulas ───────────────────────────────────────
    let (kinds, tax_free) = variable_pay(e, pr, days_employed, false, &mut t, &mut findings);
    let kind = |k: ItemKind| fen(kinds[k as usize]);
    let (allowance, commission, bonus, retro) = (
        kind(ItemKind::Allowance),
        kind(ItemKind::Commission),
        kind(ItemKind::Bonus),
        kind(ItemKind::Retro),
    );
    let pre_tax = kind(ItemKind::PreTaxDeduction);
    let annual_bonus_amount = kind(ItemKind::AnnualBonus);
    let damage = kind(ItemKind::DamageDeduction);
    let post_tax = kind(ItemKind::PostTaxDeduction);

    let gross = fixed::total([
        base_pay, -unpaid, -sick, overtime, allowance, commission, bonus, retro, -pre_tax,
    ]);
    t.add(|| {
        TraceLine::new("gross", Text::new("应发工资", "Gross pay"), gross)
            .formula("基本工资 − 事假扣款 − 病假扣款 + 加班工资 + 津贴 + 提成 + 奖金 + 补发 − 税前扣款")
            .input("base_pay", base_pay)
            .input("unpaid_leave_deduction", unpaid)
            .input("sick_leave_deduction", sick)
            .input("overtime", overtime)
            .input("allowance", allowance)
            .input("commission", commission)
            .input("bonus", bonus)
            .input("retro", retro)
            .input("pre_tax_deduction", pre_tax)
    });

    // ── social insurance and housing fund ───────────────────────────────
    let mut si = Vec::with_capacity(city.map_or(0, |c| c.items.len()));
    // Employer and employee totals: every line is whole fen.
    let mut fen_totals = (Fen::ZERO, Fen::ZERO);
    match city {
        None => findings.push(finding(
            e,
            "C002",
            Severity::Error,
            Text::new(
                format!("参保城市「{}」没有社保规则, 未计算社保公积金", e.city),
                format!("no social-insurance rules for city `{}`; SI/HF not computed", e.city),
            ),
            Text::new("在 rules/social/ 中新增该城市", "add the city under rules/social/"),
        )),
        Some(c) => {
            for ci in &c.items {
                let item = ci.item;
                let Some(bounds) = ci.bounds else {
                    findings.push(finding(
                        e,
                        "C003",
                        Severity::Error,
                        Text::new(
                            format!("{} {} 在 {period} 没有生效的缴费基数上下限", c.city, item.scheme),
                            format!("{}: no `{}` base bounds in force for {period}", c.city, item.scheme),
                        ),
                        Text::new("运行 paybatch rules check 查看", "run `paybatch rules check`"),
                    ));
                    continue;
                };
                let declared = match ci.declared {
                    DeclaredBase::Si => e.si_base,
                    DeclaredBase::Hf => e.hf_base.or(e.si_base),
                }
                .unwrap_or(base);
                let (er_rate, ee_rate, scaled) = match (&item.employee_chooses_rate, e.hf_rate) {
                    (Some(choice), Some(own)) => {
                        let r = choice.rate(Some(own));
                        (r, r, None)
                    }
                    _ => (ci.rates.0, ci.rates.1, ci.scaled),
                };
                let whole_fen = || {
                    let rates = scaled.or_else(|| Scaled::of(er_rate).zip(Scaled::of(ee_rate)))?;
                    ci.fen?
                        .contributions(Fen::of(declared)?, rates.0, rates.1, item.rounding)
                };
                let (applied, employer, employee) = match whole_fen() {
                    Some((applied, employer, employee)) => (applied.dec(), employer, employee),
                    None => {
                        // A base or rate with more places than fen: the same
                        // figures in `Decimal`; the shares are still rounded
                        // to fen or coarser, so they are whole fen unless
                        // absurdly large.
                        let applied = declared.max(bounds.floor).min(bounds.cap);
                        let share = |rate: Decimal, fixed: Decimal| item.rounding.apply(applied * rate + fixed);
                        let (er, ee) = (share(er_rate, item.employer_fixed), share(ee_rate, item.employee_fixed));
                        let Some([employer, employee]) = Fen::all([er, ee]) else {
                            findings.push(too_large(e, item.label.zh.as_str(), er.max(ee)));
                            continue;
                        };
                        (applied, employer, employee)
                    }
                };
                let totals = fen_totals
                    .0
                    .checked_add(employer)
                    .zip(fen_totals.1.checked_add(employee));
                let (Some(kept_base), Some(totals)) = (Figure::of(applied), totals) else {
                    let largest = applied.max(employer.dec()).max(employee.dec());
                    findings.push(too_large(e, item.label.zh.as_str(), largest));
                    continue;
                };
                fen_totals = totals;
                if t.on() {
                    let rule = || format!("{}#item.{} (valid_from {})", c.file, item.key, item.valid_from);
                    t.add(|| {
                        TraceLine::new(
                            format!("si.{}.base", item.key),
                            Text::new(format!("{}基数", item.label.zh), format!("{} base", item.label.en)),
                            applied,
                        )
                        .formula("申报基数限制在 [下限, 上限] 内")
                        .input("declared", declared)
                        .input("floor", bounds.floor)
                        .input("cap", bounds.cap)
                        .rule(format!(
                            "{}#base.{} (valid_from {})",
                            c.file, bounds.scheme, bounds.valid_from
                        ))
                    });
                    for (side, rate, fixed, value) in [
                        ("employee", ee_rate, item.employee_fixed, employee),
                        ("employer", er_rate, item.employer_fixed, employer),
                    ] {
                        t.add(|| {
                            let (zh, en) = if side == "employee" {
                                ("个人", "employee")
                            } else {
                                ("单位", "employer")
                            };
                            TraceLine::new(
                                format!("si.{}.{side}", item.key),
                                Text::new(format!("{}{zh}", item.label.zh), format!("{} ({en})", item.label.en)),
                                value.dec(),
                            )
                            .formula("基数 × 费率 + 固定金额")
                            .input("base", applied)
                            .input("rate", rate)
                            .input("fixed", fixed)
                            .rule(rule())
                            .rounded(applied * rate + fixed, item.rounding)
                        });
                    }
                }
                si.push(SiLine {
                    name: ci.name,
                    base: kept_base,
                    employer,
                    employee,
                });
            }
        }
    }
    let (si_employer, si_employee) = (fen_totals.0.dec(), fen_totals.1.dec());

    // ── IIT: cumulative withholding and the annual bonus ────────────────
    let prior = prior.copied().unwrap_or_default();
    let additional = fixed::total(e.additional);
    let flags = BasicFlags::of(e.first_job_this_year, e.prior_year_le_60k, e.hire_date, pr.period);
    let month_income = MonthIncome {
        month: period.month(),
        income: gross,
        tax_free,
        special: si_employee,
        additional,
        other: Decimal::ZERO,
    };
    let (mut iit_tax, mut ytd, mut bonus_result, mut bonus_tax) = (Decimal::ZERO, prior, None, Decimal::ZERO);
    match &pr.annual {
        Some(tax) => {
            let w = iit::withhold(tax, flags, &prior, &month_income);
            let mut chosen = w;
            if annual_bonus_amount > Decimal::ZERO {
                let merged = iit::withhold(
                    tax,
                    flags,
                    &prior,
                    &MonthIncome {
                        income: gross + annual_bonus_amount,
                        ..month_income
                    },
                );
                let merged_extra = merged.this_month - w.this_month;
                let (sep_tax, _, _) = pr.monthly.map_or((Decimal::ZERO, Decimal::ZERO, Decimal::ZERO), |m| {
                    iit::bonus_separate_tax(m, annual_bonus_amount)
                });
                let window_ok = pr.bonus_separate_allowed && pr.monthly.is_some();
                // The separate method is once a tax year (国税发〔2005〕9号 art. 3).
                let separate_ok = window_ok && !e.separate_bonus_used;
                let policy = e.bonus_policy.unwrap_or(pr.bonus_policy);
                let separate = iit::choose_bonus(policy, separate_ok, sep_tax, merged_extra);
                if window_ok && e.separate_bonus_used {
                    findings.push(finding(
                        e,
                        "C013",
                        Severity::Warning,
                        Text::new(
                            format!(
                                "{} {} 本年已有一笔全年一次性奖金单独计税, 本期奖金 {annual_bonus_amount} 并入当月工资薪金计税",
                                e.employee_id, e.name
                            ),
                            format!(
                                "{} {} already had an annual bonus taxed separately this year; this bonus of {annual_bonus_amount} is taxed with the month's wages",
                                e.employee_id, e.name
                            ),
                        ),
                        Text::new(
                            "单独计税每人每个纳税年度只能用一次 (国税发〔2005〕9号第三条, 财税〔2018〕164号); 无需处理",
                            "the separate method is once per employee per tax year (国税发〔2005〕9号 art. 3); nothing to do",
                        ),
                    ));
                }
                if separate {
                    bonus_tax = sep_tax;
                } else {
                    chosen = merged;
                }
                let br = BonusResult {
                    amount: annual_bonus_amount,
                    separate_tax: sep_tax,
                    merged_tax: merged_extra,
                    separate,
                    tax: if separate { sep_tax } else { merged_extra },
                };
                t.add(|| {
                    TraceLine::new(
                        "annual_bonus_tax",
                        Text::new("全年一次性奖金个税", "Annual bonus tax"),
                        br.tax,
                    )
                    .formula(if separate {
                        "单独计税: 奖金 × 税率 − 速算扣除数 (按奖金 ÷ 12 查月度税率表)"
                    } else {
                        "并入当月工资按累计预扣法计税"
                    })
                    .input("bonus", annual_bonus_amount)
                    .input("separate_tax", sep_tax)
                    .input("merged_tax", merged_extra)
                    .input("policy", format!("{policy:?}"))
                    .input("separate_allowed", separate_ok)
                    .input("separate_used_this_year", e.separate_bonus_used)
                    .rule("rules/iit/bonus.toml#policy.default; rules/iit/rates.toml#monthly")
                });
                bonus_result = Some(Box::new(br));
            }
            iit_tax = chosen.this_month;
            ytd = chosen.ytd;
            let c = chosen;
            t.add(|| {
                TraceLine::new(
                    "iit",
                    Text::new("本期预扣个税(工资)", "IIT withheld (wages)"),
                    c.this_month,
                )
                .formula("累计应纳税额 − 累计已预扣税额 (不小于0); 累计应纳税额 = 应纳税所得额 × 税率 − 速算扣除数")
                .input("cumulative_income", c.ytd.income)
                .input("cumulative_tax_free", c.ytd.tax_free)
                .input("cumulative_basic_deduction", c.ytd.basic)
                .input("cumulative_special_deduction", c.ytd.special)
                .input("cumulative_additional_deduction", c.ytd.additional)
                .input("cumulative_other_deduction", c.ytd.other)
                .input("taxable", c.taxable)
                .input("rate", c.rate)
                .input("quick_deduction", c.quick_deduction)
                .input("cumulative_tax", c.cumulative_tax)
                .input("prior_withheld", prior.tax_withheld)
                .input("months", c.ytd.months)
                // What decided the basic deduction (STA 2020 No. 13 and No. 19).
                .input("hire_date", e.hire_date.to_string())
                .input("first_job_this_year", e.first_job_this_year)
                .input("prior_year_le_60k_flag", e.prior_year_le_60k)
                .input("prior_year_le_60k_applied", flags.prior_year_le_60k)
                .rule("rules/iit/rates.toml#annual; rules/iit/deductions.toml#basic")
                .rounded_on_the_way(
                    "cumulative_tax",
                    c.taxable * c.rate - c.quick_deduction,
                    c.cumulative_tax,
                    Rounding::FEN_HALF_UP,
                )
            });
        }
        None => findings.push(finding(
            e,
            "C004",
            Severity::Error,
            Text::new(
                format!("{period} 没有生效的个税税率表或减除费用"),
                format!("no IIT tables in force for {period}"),
            ),
            Text::new("运行 paybatch rules check 查看", "run `paybatch rules check`"),
        )),
    }
    for (slot, add) in ytd.additional_items.iter_mut().zip(e.additional) {
        if !add.is_zero() {
            *slot += add;
        }
    }
    // A separately taxed bonus has its own tax (`bonus_tax`); a merged
    // bonus's tax is inside `iit_tax`.
    let total_pay = fixed::total([gross, annual_bonus_amount]);
    let net = fixed::total([total_pay, -si_employee, -iit_tax, -bonus_tax, -post_tax, -damage]);
    let employer_cost = fixed::total([total_pay, si_employer]);
    t.add(|| {
        TraceLine::new("net", Text::new("实发工资", "Net pay"), net)
            .formula("应发合计 − 社保公积金个人部分 − 个税 − 年终奖个税 − 税后扣款 − 赔偿扣款")
            .input("total_pay", total_pay)
            .input("si_employee", si_employee)
            .input("iit", iit_tax)
            .input("bonus_tax", bonus_tax)
            .input("post_tax_deduction", post_tax)
            .input("damage_deduction", damage)
    });

    // ── findings that must not pass silently ────────────────────────────
    if net < Decimal::ZERO {
        findings.push(finding(
            e,
            "C010",
            Severity::Error,
            Text::new(
                format!("{} {} 实发工资为负数 ({net})", e.employee_id, e.name),
                format!("{} {}: net pay is negative ({net})", e.employee_id, e.name),
            ),
            Text::new(
                "核对扣款项, 或改为下月扣回",
                "check the deductions or recover them next month",
            ),
        ));
    }
    if let Some(mw) = min_wage
        && full_month
        && att.unpaid_leave_days.is_zero()
        && att.sick_leave_days.is_zero()
        && gross < mw
    {
        findings.push(finding(
            e,
            "C011",
            Severity::Warning,
            Text::new(
                format!(
                    "{} {} 整月出勤, 应发工资 {gross} 低于{}最低工资 {mw}",
                    e.employee_id, e.name, e.city
                ),
                format!(
                    "{} {}: full month, gross {gross} is below {}'s minimum wage {mw}",
                    e.employee_id, e.name, e.city
                ),
            ),
            Text::new("核对基本工资", "check the base salary"),
        ));
    }
    // Only a deduction is checked against its cap (a zero one never exceeds it).
    let damage_cap = if damage > Decimal::ZERO {
        fen(gross * pay.deductions.damage_cap_share)
    } else {
        Decimal::ZERO
    };
    if damage > damage_cap {
        findings.push(finding(
            e,
            "C012",
            Severity::Error,
            Text::new(
                format!(
                    "{} {} 赔偿扣款 {damage} 超过当月工资的 20% ({damage_cap})",
                    e.employee_id, e.name
                ),
                format!(
                    "{} {}: damage deduction {damage} exceeds 20% of the wage ({damage_cap})",
                    e.employee_id, e.name
                ),
            ),
            Text::new(
                "工资支付暂行规定第十六条: 每月扣除不得超过 20%",
                "at most 20% a month may be deducted",
            ),
        ));
    }

    // Every amount is kept in 8 bytes; one too large for that is an error
    // (no real payroll comes near it), never a figure cut short.
    let (kept_ytd, kept_attendance) = (ytd.kept(), att.kept());
    let mut unfit: Option<(&str, Decimal)> = match (kept_ytd, kept_attendance) {
        (None, _) => Some(("累计收入", ytd.income)),
        (_, None) => Some(("考勤", att.values().into_iter().max().unwrap_or_default())),
        _ => None,
    };
    let mut keep = |what: &'static str, amount: Decimal| {
        Figure::of(amount).unwrap_or_else(|| {
            unfit.get_or_insert((what, amount));
            Figure::ZERO
        })
    };
    let separate_bonus_used = e.separate_bonus_used || bonus_result.as_ref().is_some_and(|b| b.separate);
    let mut r = EmployeeResult {
        hire_date: e.hire_date,
        leave_date: e.leave_date,
        days_employed,
        basic_rule: flags.rule(),
        separate_bonus_used,
        attendance: kept_attendance.unwrap_or_default(),
        base_salary: keep("基本工资", base),
        base_pay: keep("基本工资(折算)", base_pay),
        unpaid_leave_deduction: keep("事假扣款", unpaid),
        sick_leave_deduction: keep("病假扣款", sick),
        overtime: keep("加班工资", overtime),
        allowance: keep("津贴补贴", allowance),
        commission: keep("提成", commission),
        bonus: keep("奖金", bonus),
        retro: keep("补发补扣", retro),
        pre_tax_deduction: keep("税前扣款", pre_tax),
        gross: keep("应发工资", gross),
        tax_free: keep("免税收入", tax_free),
        annual_bonus: bonus_result,
        total_pay: keep("应发合计", total_pay),
        si: si.into_boxed_slice(),
        si_employee: keep("社保公积金个人部分", si_employee),
        si_employer: keep("社保公积金单位部分", si_employer),
        additional: e.additional.map(|a| keep("专项附加扣除", a)),
        iit: keep("个税", iit_tax),
        bonus_tax: keep("年终奖个税", bonus_tax),
        post_tax_deduction: keep("税后扣款", post_tax),
        damage_deduction: keep("赔偿扣款", damage),
        net: keep("实发工资", net),
        employer_cost: keep("单位成本", employer_cost),
        ytd: kept_ytd.unwrap_or_default(),
        notes: None,
        // Identity is filled in by the caller ([`compute_owned`]).
        employee_id: Str::default(),
        name: Str::default(),
        id_type: Sym::default(),
        id_number: Str::default(),
        department: Sym::default(),
        cost_center: Sym::default(),
        city: Sym::default(),
        bank_name: Sym::default(),
        bank_card: Str::default(),
        phone: Str::default(),
        email: Str::default(),
    };
    if let Some((what, amount)) = unfit {
        findings.push(too_large(e, what, amount));
    }
    if !findings.is_empty() || !t.lines.is_empty() {
        r.notes = Some(Box::new(Notes {
            findings,
            trace: t.lines,
        }));
    }
    r
}
