//! A local SMTP sink for the payslip-mail tests: any number of
//! connections on 127.0.0.1, plain, STARTTLS or implicit TLS (the test CA
//! in fixtures/tls), optional AUTH PLAIN, refusing some recipients; it
//! records what it accepted and how.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::util::fixture;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    None,
    Starttls,
    Tls,
}

/// How the sink behaves.
#[derive(Clone, Copy)]
pub struct Relay {
    pub security: Security,
    /// Recipients answered with 550.
    pub refuse: &'static [&'static str],
    /// The one account that may log in; none: no AUTH.
    pub login: Option<(&'static str, &'static str)>,
}

impl Relay {
    pub const PLAIN: Relay = Relay {
        security: Security::None,
        refuse: &[],
        login: None,
    };
}

/// One accepted message.
#[derive(Debug, Clone)]
pub struct Received {
    pub to: String,
    pub data: String,
    /// It came over TLS.
    pub tls: bool,
    /// The account that logged in, if any.
    pub user: Option<String>,
}

pub struct Sink {
    pub port: u16,
    stop: Arc<AtomicBool>,
    handle: JoinHandle<Vec<Received>>,
}

impl Sink {
    pub fn start(relay: Relay) -> Sink {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().map(|a| a.port()).unwrap_or(0);
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = Arc::clone(&stop);
        let handle = std::thread::spawn(move || {
            let mut out = Vec::new();
            while !stopping.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((tcp, _)) => {
                        let _ = tcp.set_nonblocking(false);
                        let _ = tcp.set_read_timeout(Some(Duration::from_secs(20)));
                        serve(tcp, relay, &mut out);
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
            out
        });
        Sink { port, stop, handle }
    }

    /// Everything accepted (call after the sending process has exited).
    pub fn finish(self) -> Vec<Received> {
        self.stop.store(true, Ordering::SeqCst);
        self.handle.join().unwrap_or_default()
    }
}

fn tls_config() -> Arc<rustls::ServerConfig> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(fixture("tls/relay.pem"))
        .unwrap()
        .map(|c| c.unwrap())
        .collect();
    let key = PrivateKeyDer::from_pem_file(fixture("tls/relay.key")).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap();
    Arc::new(config)
}

fn over_tls(tcp: TcpStream) -> rustls::StreamOwned<rustls::ServerConnection, TcpStream> {
    let conn = rustls::ServerConnection::new(tls_config()).unwrap();
    rustls::StreamOwned::new(conn, tcp)
}

fn serve(tcp: TcpStream, relay: Relay, out: &mut Vec<Received>) {
    match relay.security {
        Security::Tls => {
            session(over_tls(tcp), relay, true, true, out);
        }
        Security::None | Security::Starttls => {
            if let Some(tcp) = session(tcp, relay, false, true, out) {
                session(over_tls(tcp), relay, true, false, out);
            }
        }
    }
}

/// Speaks SMTP on `stream`; returns it when the client asked for STARTTLS.
fn session<S: Read + Write>(stream: S, relay: Relay, tls: bool, greet: bool, out: &mut Vec<Received>) -> Option<S> {
    let mut reader = BufReader::new(stream);
    let say = |r: &mut BufReader<S>, s: &str| {
        let _ = r.get_mut().write_all(format!("{s}\r\n").as_bytes());
        let _ = r.get_mut().flush();
    };
    if greet {
        say(&mut reader, "220 sink ready");
    }
    let (mut to, mut user) = (String::new(), None);
    let mut line = String::new();
    while reader.read_line(&mut line).unwrap_or(0) > 0 {
        let cmd = line.trim_end().to_string();
        line.clear();
        let verb = cmd.split(' ').next().unwrap_or("").to_ascii_uppercase();
        match verb.as_str() {
            "EHLO" | "HELO" => {
                let mut lines = vec!["250-sink".to_string()];
                if relay.security == Security::Starttls && !tls {
                    lines.push("250-STARTTLS".into());
                }
                if relay.login.is_some() {
                    lines.push("250-AUTH PLAIN".into());
                }
                lines.push("250 8BITMIME".into());
                say(&mut reader, &lines.join("\r\n"));
            }
            "STARTTLS" => {
                say(&mut reader, "220 go ahead");
                return Some(reader.into_inner());
            }
            "AUTH" => {
                let given = cmd.split(' ').nth(2).unwrap_or("");
                match relay.login {
                    Some((u, p)) if given == paybatch::emit::payslip::base64(format!("\0{u}\0{p}").as_bytes()) => {
                        user = Some(u.to_string());
                        say(&mut reader, "235 2.7.0 ok");
                    }
                    _ => say(&mut reader, "535 5.7.8 bad credentials"),
                }
            }
            "MAIL" if relay.login.is_some() && user.is_none() => say(&mut reader, "530 5.7.0 log in first"),
            "MAIL" | "RSET" | "NOOP" => say(&mut reader, "250 ok"),
            "RCPT" => {
                to = cmd
                    .split_once(':')
                    .map(|(_, a)| a.trim().trim_matches(['<', '>']).to_string())
                    .unwrap_or_default();
                if relay.refuse.contains(&to.as_str()) {
                    say(&mut reader, "550 5.1.1 no such user");
                } else {
                    say(&mut reader, "250 ok");
                }
            }
            "DATA" => {
                say(&mut reader, "354 go ahead");
                let mut data = String::new();
                loop {
                    let mut l = String::new();
                    if reader.read_line(&mut l).unwrap_or(0) == 0 || l.trim_end() == "." {
                        break;
                    }
                    data.push_str(&l);
                }
                out.push(Received {
                    to: to.clone(),
                    data,
                    tls,
                    user: user.clone(),
                });
                say(&mut reader, "250 queued");
            }
            "QUIT" => {
                say(&mut reader, "221 bye");
                return None;
            }
            _ => say(&mut reader, "502 not implemented"),
        }
    }
    None
}
