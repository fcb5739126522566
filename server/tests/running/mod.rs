//! Runs the real `quotaboard` binary as an operator would, and stops it with SIGTERM.

use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, ExitStatus, Stdio},
    thread::JoinHandle,
    time::{Duration, Instant},
};

pub const BIN: &str = env!("CARGO_BIN_EXE_quotaboard");

pub struct Running {
    child: Child,
    /// The address the process announced (`… listening on http://…`).
    pub url: String,
    log: JoinHandle<Vec<String>>,
}

/// Starts `command` and waits until it announces where it listens.
pub fn start(mut command: Command) -> Running {
    let mut child = command.stderr(Stdio::piped()).spawn().expect("spawn");
    let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
    let line = lines
        .by_ref()
        .map_while(Result::ok)
        .find(|line| line.contains("listening on http://"))
        .expect("the process announces its address");
    let url = line
        .split("listening on ")
        .nth(1)
        .expect("url")
        .trim()
        .to_owned();
    // Keep reading: a closed pipe would fail the process's later log lines.
    let log = std::thread::spawn(move || lines.map_while(Result::ok).collect());
    Running { child, url, log }
}

impl Running {
    /// Sends SIGTERM and waits (15 s at most); returns the exit status and the log
    /// lines written after the announcement.
    pub fn stop(mut self) -> (ExitStatus, Vec<String>) {
        let killed = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill");
        assert!(killed.success());
        let deadline = Instant::now() + Duration::from_secs(15);
        let exit = loop {
            if let Some(exit) = self.child.try_wait().expect("wait") {
                break exit;
            }
            assert!(Instant::now() < deadline, "did not stop after SIGTERM");
            std::thread::sleep(Duration::from_millis(50));
        };
        (exit, self.log.join().expect("log reader"))
    }
}

/// A GET over a fresh runtime, to keep these tests synchronous.
pub fn get(url: &str, headers: &[(&str, &str)]) -> (u16, String) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let mut request = reqwest::Client::new().get(url);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request.send().await.expect("request");
        let status = response.status().as_u16();
        (status, response.text().await.expect("body"))
    })
}
