//! A real SMTP server for the tests: Debian's `python3-aiosmtpd` as a child process
//! on a loopback port, storing what it receives in a Maildir the test reads.
//! `/usr/bin/python3` explicitly: a pyenv Python first on PATH lacks the module.

#![allow(dead_code)]

use std::{
    net::{SocketAddr, TcpListener, TcpStream},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use tempfile::TempDir;

const PYTHON: &str = "/usr/bin/python3";

/// One e-mail as delivered.
#[derive(Debug, Clone)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// The whole message as received (headers and encoded parts).
    pub raw: String,
}

pub struct SmtpServer {
    child: Option<Child>,
    pub port: u16,
    pub maildir: TempDir,
}

/// A port nobody listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

impl SmtpServer {
    pub fn start() -> Self {
        Self::start_on(free_port())
    }

    /// Starts on a chosen port (a test can take the server down and up again).
    pub fn start_on(port: u16) -> Self {
        let maildir = tempfile::tempdir().expect("maildir");
        let mut server = Self {
            child: None,
            port,
            maildir,
        };
        server.up();
        server
    }

    pub fn up(&mut self) {
        assert!(self.child.is_none(), "already running");
        let handlers = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/smtp");
        let child = Command::new(PYTHON)
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{}", self.port))
            .args(["-c", "qb_smtp.RejectingMailbox"])
            .arg(self.maildir.path().join("mail"))
            .env("PYTHONPATH", handlers)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start {PYTHON} -m aiosmtpd (apt-get install python3-aiosmtpd): {e}")
            });
        self.child = Some(child);
        let addr = SocketAddr::from(([127, 0, 0, 1], self.port));
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
            if let Some(status) = self
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten())
            {
                panic!("aiosmtpd exited at start: {status}");
            }
            assert!(
                Instant::now() < deadline,
                "aiosmtpd did not start listening"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn down(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Every message received so far, oldest first.
    pub fn messages(&self) -> Vec<Mail> {
        let mut files: Vec<PathBuf> = ["new", "cur"]
            .iter()
            .filter_map(|sub| std::fs::read_dir(self.maildir.path().join("mail").join(sub)).ok())
            .flatten()
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .collect();
        // Maildir names start with the delivery time in seconds; then by mtime.
        files.sort_by_key(|p| {
            (
                std::fs::metadata(p).and_then(|m| m.modified()).ok(),
                p.clone(),
            )
        });
        files.iter().map(|path| parse(path)).collect()
    }

    /// Waits (briefly) until `n` messages arrived; the SMTP reply comes after the
    /// file is written, so this is normally immediate.
    pub fn wait_for(&self, n: usize) -> Vec<Mail> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let messages = self.messages();
            if messages.len() >= n || Instant::now() > deadline {
                return messages;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.down();
    }
}

fn parse(path: &Path) -> Mail {
    let raw = std::fs::read(path).expect("read mail");
    let parsed = mailparse::parse_mail(&raw).expect("parse mail");
    let header = |name: &str| {
        parsed
            .headers
            .iter()
            .find(|h| h.get_key().eq_ignore_ascii_case(name))
            .map(|h| h.get_value())
            .unwrap_or_default()
    };
    let mut text = String::new();
    let mut html = String::new();
    for part in parsed.parts() {
        match part.ctype.mimetype.as_str() {
            "text/plain" => text = part.get_body().expect("text body"),
            "text/html" => html = part.get_body().expect("html body"),
            _ => {}
        }
    }
    Mail {
        to: header("X-RcptTo"),
        subject: header("Subject"),
        text,
        html,
        raw: String::from_utf8_lossy(&raw).into_owned(),
    }
}
