//! Payslips to a relay that wants encryption and a login: STARTTLS and
//! implicit TLS against the local sink (a company CA given as `ca_file`),
//! AUTH with the password from the environment; a wrong password, an
//! unknown CA or a missing password stop the batch before anything is sent.

use std::path::Path;

use crate::mail_sink::{Relay, Security, Sink};
use crate::util::{fixture, paybatch, stderr, tempdir};

/// A demo workspace with January run, the CA copied in, and the relay
/// setting `smtp` (TOML inline table body) in paybatch.toml.
fn workspace(smtp: &str) -> tempfile::TempDir {
    let dir = tempdir();
    paybatch::demo::write_workspace(dir.path()).unwrap();
    let out = crate::util::pb(dir.path(), &["run", "-p", "2026-01"]);
    assert_eq!(out.status.code(), Some(0));
    std::fs::copy(fixture("tls/ca.pem"), dir.path().join("relay-ca.pem")).unwrap();
    set_relay(dir.path(), smtp);
    dir
}

fn set_relay(root: &Path, smtp: &str) {
    let cfg = root.join("paybatch.toml");
    let text = std::fs::read_to_string(&cfg).unwrap_or_default();
    let start = text
        .find("# smtp = {")
        .or_else(|| text.find("smtp = {"))
        .unwrap_or_else(|| panic!("no smtp line"));
    let end = start + text[start..].find('\n').unwrap_or(0);
    let text = format!("{}smtp = {{ {smtp} }}{}", &text[..start], &text[end..]);
    std::fs::write(&cfg, text).unwrap();
}

fn send(root: &Path, password: Option<&str>) -> std::process::Output {
    let mut cmd = paybatch();
    cmd.args(["payslips", "-p", "2026-01", "--send", "--format", "json", "-w"])
        .arg(root)
        .env_remove("PAYSLIP_RELAY_PASSWORD");
    if let Some(p) = password {
        cmd.env("PAYSLIP_RELAY_PASSWORD", p);
    }
    cmd.output().unwrap()
}

fn sent(out: &std::process::Output) -> serde_json::Value {
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(out)));
    doc["sent"].clone()
}

const LOGIN: Option<(&str, &str)> = Some(("payroll@example.com", "s3cret"));

fn relay_line(port: u16, security: &str, ca: bool) -> String {
    format!(
        "host = \"localhost\", port = {port}, security = \"{security}\", username = \"payroll@example.com\", password_env = \"PAYSLIP_RELAY_PASSWORD\"{}",
        if ca { ", ca_file = \"relay-ca.pem\"" } else { "" }
    )
}

#[test]
fn starttls_with_a_login_sends_every_payslip_encrypted() {
    let sink = Sink::start(Relay {
        security: Security::Starttls,
        refuse: &[],
        login: LOGIN,
    });
    let dir = workspace(&relay_line(sink.port, "starttls", true));
    let out = send(dir.path(), Some("s3cret"));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(sent(&out), 56);
    let got = sink.finish();
    assert_eq!(got.len(), 56);
    assert!(got.iter().all(|m| m.tls), "every message over TLS");
    assert!(got.iter().all(|m| m.user.as_deref() == Some("payroll@example.com")));
    assert!(got[0].data.contains("To: e0001@example.com"), "{}", got[0].data);
}

#[test]
fn implicit_tls_sends_and_a_refused_recipient_does_not_stop_the_rest() {
    let sink = Sink::start(Relay {
        security: Security::Tls,
        refuse: &["e0002@example.com"],
        login: LOGIN,
    });
    let dir = workspace(&relay_line(sink.port, "tls", true));
    let out = send(dir.path(), Some("s3cret"));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(sent(&out), 55);
    let got = sink.finish();
    assert_eq!(got.len(), 55);
    assert!(got.iter().all(|m| m.tls && m.to != "e0002@example.com"));
}

#[test]
fn a_wrong_password_an_unknown_ca_or_no_password_sends_nothing() {
    let sink = Sink::start(Relay {
        security: Security::Starttls,
        refuse: &[],
        login: LOGIN,
    });
    let dir = workspace(&relay_line(sink.port, "starttls", true));
    // The wrong password: refused at login, before any message.
    let out = send(dir.path(), Some("guess"));
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains("邮件服务器"), "{}", stderr(&out));
    // No password in the environment.
    let out = send(dir.path(), None);
    assert_eq!(out.status.code(), Some(3));
    assert!(stderr(&out).contains("PAYSLIP_RELAY_PASSWORD"), "{}", stderr(&out));
    // The company CA not given: the certificate is not trusted.
    set_relay(dir.path(), &relay_line(sink.port, "starttls", false));
    let out = send(dir.path(), Some("s3cret"));
    assert_eq!(out.status.code(), Some(3));
    assert!(stderr(&out).contains("TLS"), "{}", stderr(&out));
    // A login over a plain connection: the password is not sent at all.
    set_relay(dir.path(), &relay_line(sink.port, "none", false));
    let out = send(dir.path(), Some("s3cret"));
    assert_eq!(out.status.code(), Some(3));
    assert!(stderr(&out).contains("未加密"), "{}", stderr(&out));
    assert!(sink.finish().is_empty(), "nothing was sent");
}
