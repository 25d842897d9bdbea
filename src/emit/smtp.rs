//! Hands payslip e-mails to the company's relay with `lettre`: plain SMTP,
//! STARTTLS or implicit TLS (rustls; a company CA from `ca_file`), AUTH
//! with a password from the environment, a timeout at every step, one
//! pooled connection. The relay is tried once before the first message, so
//! a wrong host, certificate or password stops the batch before anything
//! is sent ([`Error::Mail`]); after that, a recipient or message the relay
//! refuses is reported and the rest are still sent, and a lost connection
//! stops the batch with what was sent already recorded by the caller.

use std::path::Path;
use std::time::Duration;

use lettre::address::{Address, Envelope};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::{SmtpTransport, Transport};

use crate::error::{Error, Result};
use crate::workspace::{MailSecurity, Smtp};

/// What became of one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    Sent,
    /// The relay refused the recipient or the message: its reply.
    Refused(String),
}

fn mail_error(relay: &Smtp, zh: &str, detail: impl std::fmt::Display) -> Error {
    Error::Mail {
        server: format!("{}:{}", relay.host, relay.port),
        reason: format!("{zh} ({detail})"),
    }
}

/// What went wrong talking to the relay, in the clerk's words first.
fn describe(relay: &Smtp, e: &lettre::transport::smtp::Error) -> Error {
    // rustls reports a certificate it does not trust as a network error.
    let tls = e.is_tls() || e.to_string().contains("certificate");
    let zh = if tls {
        "TLS 加密连接失败: 检查 security 设置与证书 (ca_file)"
    } else if e.is_timeout() {
        "邮件服务器无响应 (超时)"
    } else if e.is_permanent() || e.is_transient() {
        "邮件服务器拒绝: 检查账号、密码与发件地址"
    } else {
        "无法连接邮件服务器"
    };
    mail_error(relay, zh, e)
}

/// The transport for `relay`, the password read from `password_env`, a
/// `ca_file` read relative to `root`.
fn transport(relay: &Smtp, root: &Path) -> Result<SmtpTransport> {
    let tls = match relay.security() {
        MailSecurity::None => Tls::None,
        security => {
            let mut params = TlsParameters::builder(relay.host.clone());
            if let Some(file) = &relay.ca_file {
                let path = root.join(file);
                let pem = std::fs::read(&path).map_err(|e| mail_error(relay, "读不到 ca_file 证书文件", e))?;
                let cert = Certificate::from_pem(&pem).map_err(|e| mail_error(relay, "ca_file 不是 PEM 证书", e))?;
                params = params.add_root_certificate(cert);
            }
            let params = params
                .build_rustls()
                .map_err(|e| mail_error(relay, "TLS 设置无效", e))?;
            match security {
                MailSecurity::Tls => Tls::Wrapper(params),
                _ => Tls::Required(params),
            }
        }
    };
    let mut builder = SmtpTransport::builder_dangerous(relay.host.as_str())
        .port(relay.port)
        .tls(tls)
        .hello_name(ClientId::Domain("paybatch".into()))
        .timeout(Some(Duration::from_secs(relay.timeout_seconds.max(1))));
    if let Some(user) = &relay.username {
        if relay.security() == MailSecurity::None {
            return Err(mail_error(
                relay,
                "不在未加密的连接上发送密码: 把 security 设为 \"starttls\" 或 \"tls\"",
                format!("refusing to send {user}'s password unencrypted; set security = \"starttls\" or \"tls\""),
            ));
        }
        let var = relay.password_env.as_deref().unwrap_or("PAYBATCH_SMTP_PASSWORD");
        let password = std::env::var(var).map_err(|_| {
            mail_error(
                relay,
                &format!("环境变量 {var} 中没有邮件密码"),
                format!("set {var} to the password of {user}"),
            )
        })?;
        builder = builder.credentials(Credentials::new(user.clone(), password));
    }
    Ok(builder.build())
}

/// Sends each `(recipient, message)`, telling `on_each(index, delivery)`
/// as each is done (so that the caller records it before the next);
/// returns how many were sent.
pub fn send(
    relay: &Smtp,
    root: &Path,
    from: &str,
    messages: &[(String, Vec<u8>)],
    mut on_each: impl FnMut(usize, &Delivery) -> Result<()>,
) -> Result<usize> {
    let sender: Address = from.parse().map_err(|e| {
        mail_error(
            relay,
            &format!("发件地址 `{from}` 无效 (paybatch.toml 的 [payslips] from)"),
            e,
        )
    })?;
    let mailer = transport(relay, root)?;
    // Connect, encrypt and log in once before the first message.
    if !mailer.test_connection().map_err(|e| describe(relay, &e))? {
        return Err(mail_error(
            relay,
            "邮件服务器连接后无响应",
            "the relay did not answer NOOP",
        ));
    }
    let mut sent = 0;
    for (i, (to, message)) in messages.iter().enumerate() {
        let delivery = match to.parse::<Address>() {
            Err(e) => Delivery::Refused(format!("收件地址无效 (invalid address): {e}")),
            Ok(rcpt) => {
                let envelope =
                    Envelope::new(Some(sender.clone()), vec![rcpt]).map_err(|e| mail_error(relay, "信封无效", e))?;
                match mailer.send_raw(&envelope, message) {
                    Ok(_) => Delivery::Sent,
                    // The relay answered no for this message: the rest go on.
                    Err(e) if e.is_permanent() || e.is_transient() => Delivery::Refused(e.to_string()),
                    Err(e) => return Err(describe(relay, &e)),
                }
            }
        };
        if delivery == Delivery::Sent {
            sent += 1;
        }
        on_each(i, &delivery)?;
    }
    Ok(sent)
}
