//! The real binary as an operator runs it: start-up errors and graceful shutdown.

use std::{
    io::{BufRead, BufReader},
    process::{Command, Stdio},
    time::{Duration, Instant},
};

const BIN: &str = env!("CARGO_BIN_EXE_quotaboard");

#[test]
fn bad_setting_stops_start_up_with_an_error_naming_the_variable() {
    let dir = tempfile::tempdir().expect("tempdir");
    let output = Command::new(BIN)
        .current_dir(dir.path())
        .env("QUOTABOARD_LISTEN_ADDR", "not-an-address")
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("QUOTABOARD_LISTEN_ADDR"), "{stderr}");
    // Nothing was created: a configuration error touches no data.
    assert!(!dir.path().join("data").exists());
}

#[test]
fn sigterm_shuts_down_gracefully_with_exit_code_zero() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut child = Command::new(BIN)
        .current_dir(dir.path())
        .env("QUOTABOARD_LISTEN_ADDR", "127.0.0.1:0")
        .env("QUOTABOARD_LOG", "info")
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
    let listening = lines
        .by_ref()
        .map_while(Result::ok)
        .find(|line| line.contains("listening on http://"))
        .expect("server announces its address");
    let url = listening
        .split("listening on ")
        .nth(1)
        .expect("url")
        .trim()
        .to_owned();

    let health = reqwest::blocking_get(&format!("{url}/healthz"));
    assert!(health.contains("\"ok\":true"), "{health}");

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(15);
    let exit = loop {
        if let Some(exit) = child.try_wait().expect("wait") {
            break exit;
        }
        assert!(
            Instant::now() < deadline,
            "server did not stop after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(exit.success(), "{exit:?}");
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    assert!(
        rest.iter().any(|l| l.contains("received SIGTERM")),
        "{rest:?}"
    );
    assert!(dir.path().join("data/quotaboard.db").is_file());
}

mod reqwest {
    /// A tiny blocking GET over a fresh runtime, to keep this test synchronous.
    pub fn blocking_get(url: &str) -> String {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(async {
            ::reqwest::get(url)
                .await
                .expect("request")
                .text()
                .await
                .expect("body")
        })
    }
}
