//! A minimal SMTP client for handing payslip e-mails to an internal relay
//! (plain SMTP, no authentication): EHLO, MAIL FROM, RCPT TO, DATA, QUIT.
//! A recipient the relay refuses is reported and the rest are still sent;
//! a failure of the connection stops the batch ([`Error::Mail`]).

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::time::Duration;

use crate::error::{Error, Result};

fn io_err(host: &str, e: std::io::Error) -> Error {
    Error::Mail {
        server: host.into(),
        reason: format!("连接中断 (connection failed): {e}"),
    }
}

fn protocol(host: &str, step: &str, reply: &str) -> Error {
    Error::Mail {
        server: host.into(),
        reason: format!("{step}: 服务器拒绝 (refused) `{}`", reply.trim()),
    }
}

/// What became of one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    Sent,
    /// The relay refused the recipient or the message: its reply.
    Refused(String),
}

/// Reads one (possibly multi-line) reply; returns its text.
fn reply(reader: &mut BufReader<TcpStream>, host: &str) -> Result<String> {
    let mut all = String::new();
    loop {
        let mut line = String::new();
        let n = reader.read_line(&mut line).map_err(|e| io_err(host, e))?;
        if n == 0 {
            return Err(protocol(host, "read", "connection closed"));
        }
        all.push_str(&line);
        // "250-..." continues, "250 ..." ends.
        if line.as_bytes().get(3) != Some(&b'-') {
            return Ok(all);
        }
    }
}

fn expect(reader: &mut BufReader<TcpStream>, host: &str, step: &str, code: &str) -> Result<()> {
    let r = reply(reader, host)?;
    if r.starts_with(code) {
        Ok(())
    } else {
        Err(protocol(host, step, &r))
    }
}

/// Sends each `(recipient, message)` over one connection, telling
/// `on_each(index, delivery)` as each is done (so that the caller records
/// it before the next); returns how many were sent.
pub fn send(
    host: &str,
    port: u16,
    from: &str,
    messages: &[(String, Vec<u8>)],
    mut on_each: impl FnMut(usize, &Delivery) -> Result<()>,
) -> Result<usize> {
    let addr = format!("{host}:{port}");
    let stream = TcpStream::connect(&addr).map_err(|e| io_err(&addr, e))?;
    stream.set_read_timeout(Some(Duration::from_secs(30))).ok();
    stream.set_write_timeout(Some(Duration::from_secs(30))).ok();
    let mut writer = stream.try_clone().map_err(|e| io_err(&addr, e))?;
    let mut reader = BufReader::new(stream);
    let say = |w: &mut TcpStream, line: &str| {
        w.write_all(format!("{line}\r\n").as_bytes())
            .map_err(|e| io_err(&addr, e))
    };
    expect(&mut reader, &addr, "greeting", "220")?;
    say(&mut writer, "EHLO paybatch")?;
    expect(&mut reader, &addr, "EHLO", "250")?;
    let mut sent = 0;
    for (i, (to, msg)) in messages.iter().enumerate() {
        say(&mut writer, &format!("MAIL FROM:<{from}>"))?;
        expect(&mut reader, &addr, "MAIL FROM", "250")?;
        say(&mut writer, &format!("RCPT TO:<{to}>"))?;
        let r = reply(&mut reader, &addr)?;
        if !r.starts_with("25") {
            // This recipient only: reset the transaction and go on.
            say(&mut writer, "RSET")?;
            let _ = reply(&mut reader, &addr)?;
            on_each(i, &Delivery::Refused(r.trim().to_string()))?;
            continue;
        }
        say(&mut writer, "DATA")?;
        expect(&mut reader, &addr, "DATA", "354")?;
        // Dot-stuffing: a line starting with "." gets another.
        let text = String::from_utf8_lossy(msg);
        for line in text.split("\r\n") {
            if line.starts_with('.') {
                say(&mut writer, &format!(".{line}"))?;
            } else {
                say(&mut writer, line)?;
            }
        }
        say(&mut writer, ".")?;
        let r = reply(&mut reader, &addr)?;
        if r.starts_with("250") {
            sent += 1;
            on_each(i, &Delivery::Sent)?;
        } else {
            on_each(i, &Delivery::Refused(r.trim().to_string()))?;
        }
    }
    say(&mut writer, "QUIT")?;
    let _ = reply(&mut reader, &addr);
    Ok(sent)
}
