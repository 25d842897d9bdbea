//! Payslips: one workbook of 工资条 (a header and a value row per employee)
//! and one HTML e-mail (.eml, UTF-8) per employee with an address. ID and
//! bank numbers are masked. The e-mail's Date and Message-ID derive from the
//! period, so the same results give the same bytes.

use rust_decimal::Decimal;
use rust_xlsxwriter::{Format, Workbook};

use super::fields::Context;
use super::xlsx::{EXCEL_MAX_ROWS, column_width, err, excel_number, header_format, parts, workbook};
use crate::calc::employee::EmployeeResult;
use crate::error::Result;
use crate::model::ids::mask;
use crate::model::{Date, Money};

/// The payslip lines: label and amount (deductions as positive amounts).
pub fn lines(r: &EmployeeResult) -> [(&'static str, Decimal); PAYSLIP_LINES] {
    let bonus = r.annual_bonus.as_ref().map_or(Decimal::ZERO, |b| b.amount);
    [
        ("基本工资", r.base_pay.get()),
        ("津贴补贴", r.allowance.get()),
        ("加班工资", r.overtime.get()),
        ("提成/奖励", r.commission.get()),
        ("奖金", r.bonus.get()),
        ("全年一次性奖金", bonus),
        ("补发", r.retro.get()),
        (
            "考勤扣款",
            r.unpaid_leave_deduction.get() + r.sick_leave_deduction.get(),
        ),
        ("税前扣款", r.pre_tax_deduction.get()),
        ("应发合计", r.total_pay.get()),
        ("社保公积金(个人)", r.si_employee.get()),
        ("个人所得税", r.iit.get() + r.bonus_tax.get()),
        ("税后扣款", r.post_tax_deduction.get() + r.damage_deduction.get()),
        ("实发工资", r.net.get()),
    ]
}

/// The payslip workbook.
pub fn payslips_workbook(results: &[EmployeeResult], ctx: &Context<'_>) -> Result<Workbook> {
    payslips_workbook_split(results, ctx, EXCEL_MAX_ROWS / ROWS_PER_SLIP)
}

/// Money lines on a payslip.
pub const PAYSLIP_LINES: usize = 14;

/// Columns of a payslip: two fixed text columns (ID and bank card), then
/// one per money line.
const PAYSLIP_COLUMNS: u16 = 2 + PAYSLIP_LINES as u16;

/// The payslip workbook with at most `per_sheet` payslips on a sheet.
pub fn payslips_workbook_split(results: &[EmployeeResult], ctx: &Context<'_>, per_sheet: usize) -> Result<Workbook> {
    let e = err("payslips.xlsx");
    let mut wb = workbook();
    let head = header_format();
    let money = Format::new().set_num_format("#,##0.00");
    let bold = Format::new().set_bold();
    let title = format!("{} {}工资条", ctx.config.company.name, ctx.fill("{period_cn}"));
    // Four rows per employee; a sheet holds at most Excel's 1,048,576 rows,
    // so large batches continue on 工资条 (2), (3), …
    for (n, chunk) in parts(results, per_sheet).into_iter().enumerate() {
        let ws = wb.add_worksheet_with_constant_memory().map_err(&e)?;
        let name = if n == 0 {
            "工资条".to_string()
        } else {
            format!("工资条 ({})", n + 1)
        };
        ws.set_name(name).map_err(&e)?;
        // Money cells take their format from the column (the fixed text
        // columns come first): rust_xlsxwriter hashes a cell's `Format` on
        // every write, a column's once.
        for c in 2..PAYSLIP_COLUMNS {
            ws.set_column_format(c, &money).map_err(&e)?;
        }
        let mut row = 0u32;
        for r in chunk {
            ws.write_with_format(row, 0, format!("{title}  {} {}", r.employee_id, r.name), &bold)
                .map_err(&e)?;
            row += 1;
            let ls = lines(r);
            let fixed = [("证件号码", mask(&r.id_number)), ("银行卡号", mask(&r.bank_card))];
            // The labels, then their format on the whole run at once:
            // rust_xlsxwriter hashes a `Format` each time it is given one,
            // and 16 hashes a payslip were a third of the workbook's time.
            let labels = fixed
                .iter()
                .map(|(label, _)| *label)
                .chain(ls.iter().map(|(label, _)| *label));
            for (col, label) in (0u16..).zip(labels) {
                ws.write(row, col, label).map_err(&e)?;
            }
            ws.set_range_format(row, 0, row, PAYSLIP_COLUMNS - 1, &head)
                .map_err(&e)?;
            row += 1;
            for (i, (_, value)) in fixed.iter().enumerate() {
                ws.write(row, i as u16, value.as_str()).map_err(&e)?;
            }
            for (i, (_, value)) in ls.iter().enumerate() {
                ws.write(row, (i + fixed.len()) as u16, excel_number(*value))
                    .map_err(&e)?;
            }
            row += 2;
        }
        for c in 0..PAYSLIP_COLUMNS {
            ws.set_column_width(c, column_width(14, 8, 40)).map_err(&e)?;
        }
    }
    Ok(wb)
}

/// Rows one payslip takes: title, labels, values, a blank line.
const ROWS_PER_SLIP: usize = 4;

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 (RFC 4648) with padding.
pub fn base64(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(B64[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// RFC 2822 date of the pay day, 09:00 China time.
fn mail_date(ctx: &Context<'_>) -> String {
    let p = ctx.period;
    let day = ctx.config.company.pay_day.unwrap_or(p.days()).min(p.days());
    let d = Date::new(p.year(), p.month(), day).unwrap_or(p.first_day());
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!(
        "{}, {:02} {} {} 09:00:00 +0800",
        DAYS[d.weekday() as usize],
        d.day(),
        MONTHS[(d.month() - 1) as usize],
        d.year()
    )
}

/// Whether `email` is one plain address: no line breaks (a header
/// injection), no spaces, commas or semicolons (a second recipient), one
/// `@` with a dotted domain.
pub fn is_one_address(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    let plain = |s: &str| {
        !s.is_empty()
            && !s
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || ",;<>\"@()[]\\".contains(c))
    };
    plain(local) && plain(domain) && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.')
}

/// One payslip e-mail (None without an address, or with anything but one
/// plain address: the roster check reports it, R024).
pub fn eml(r: &EmployeeResult, ctx: &Context<'_>) -> Option<Vec<u8>> {
    if !is_one_address(&r.email) {
        return None;
    }
    let subject = format!("{} {}工资条", ctx.config.company.name, ctx.fill("{period_cn}"));
    let mut html = format!(
        "<html><body><h3>{}</h3><p>{} {} &nbsp; 证件号码 {} &nbsp; 银行卡号 {}</p><table border=\"1\" cellspacing=\"0\" cellpadding=\"4\">",
        html_escape(&subject),
        html_escape(&r.employee_id),
        html_escape(&r.name),
        mask(&r.id_number),
        mask(&r.bank_card)
    );
    for (label, value) in lines(r) {
        html.push_str(&format!(
            "<tr><td>{label}</td><td align=\"right\">{}</td></tr>",
            Money::new(value).to_fixed2()
        ));
    }
    html.push_str("</table></body></html>");
    let body = base64(html.as_bytes());
    let mut msg = String::new();
    msg.push_str(&format!("From: {}\r\n", ctx.config.payslips.from));
    msg.push_str(&format!("To: {}\r\n", r.email));
    msg.push_str(&format!("Subject: =?UTF-8?B?{}?=\r\n", base64(subject.as_bytes())));
    msg.push_str(&format!("Date: {}\r\n", mail_date(ctx)));
    msg.push_str(&format!(
        "Message-ID: <payslip-{}-{}@paybatch>\r\n",
        ctx.period, r.employee_id
    ));
    msg.push_str(
        "MIME-Version: 1.0\r\nContent-Type: text/html; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n",
    );
    for chunk in body.as_bytes().chunks(76) {
        msg.push_str(&String::from_utf8_lossy(chunk));
        msg.push_str("\r\n");
    }
    Some(msg.into_bytes())
}

#[cfg(test)]
mod tests {
    use super::base64;

    #[test]
    fn base64_vectors() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64("工资".as_bytes()), "5bel6LWE");
    }
}
