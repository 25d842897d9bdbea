//! A minimal SMTP client for handing payslip e-mails to an internal relay
//! (plain SMTP, no authentication): EHLO, MAIL FROM, RCPT TO, DATA, QUIT.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::time::Duration;

use crate::error::{Error, Result};

fn io_err(host: &str, e: std::io::Error) -> Error {
    Error::io(format!("smtp://{host}"), e)
}

fn protocol(host: &str, step: &str, reply: &str) -> Error {
    Error::Workbook {
        file: format!("smtp://{host}"),
        reason: format!("{step}: unexpected reply `{}`", reply.trim()),
    }
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

/// Sends each `(recipient, message)` over one connection.
pub fn send(host: &str, port: u16, from: &str, messages: &[(String, Vec<u8>)]) -> Result<usize> {
    let addr = format!("{host}:{port}");
    let stream = TcpStream::connect(&addr).map_err(|e| io_err(&addr, e))?;
    stream.set_read_timeout(Some(Duration::from_secs(30))).ok();
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
    for (to, msg) in messages {
        say(&mut writer, &format!("MAIL FROM:<{from}>"))?;
        expect(&mut reader, &addr, "MAIL FROM", "250")?;
        say(&mut writer, &format!("RCPT TO:<{to}>"))?;
        expect(&mut reader, &addr, "RCPT TO", "25")?;
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
        expect(&mut reader, &addr, "end of DATA", "250")?;
        sent += 1;
    }
    say(&mut writer, "QUIT")?;
    let _ = reply(&mut reader, &addr);
    Ok(sent)
}
