//! `quotaboard simulate` as a developer runs it: it announces its address, answers
//! like the vendors, and stops on SIGTERM.

use std::{
    io::{BufRead, BufReader},
    process::{Command, Stdio},
    time::{Duration, Instant},
};

const BIN: &str = env!("CARGO_BIN_EXE_quotaboard");

#[test]
fn simulate_serves_the_vendor_apis_until_sigterm() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut child = Command::new(BIN)
        .args(["simulate", "--addr", "127.0.0.1:0"])
        .current_dir(dir.path())
        .env("QUOTABOARD_LOG", "info")
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
    let listening = lines
        .by_ref()
        .map_while(Result::ok)
        .find(|line| line.contains("simulator listening on http://"))
        .expect("simulator announces its address");
    let url = listening
        .split("listening on ")
        .nth(1)
        .expect("url")
        .trim()
        .to_owned();

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let (status, body) = runtime.block_on(async {
        let response = reqwest::Client::new()
            .get(format!("{url}/v1/statistics/"))
            .header("Authorization", "Token some-key")
            .send()
            .await
            .expect("request");
        (response.status(), response.text().await.expect("body"))
    });
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"total_calls\":"), "{body}");

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    let deadline = Instant::now() + Duration::from_secs(15);
    let exit = loop {
        if let Some(exit) = child.try_wait().expect("wait") {
            break exit;
        }
        assert!(Instant::now() < deadline, "simulator did not stop");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(exit.success(), "{exit:?}");
}
