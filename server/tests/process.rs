//! The real binary as an operator runs it: start-up errors and graceful shutdown.

mod running;

use std::process::Command;

use running::{BIN, get, start};

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
    let mut command = Command::new(BIN);
    command
        .current_dir(dir.path())
        .env("QUOTABOARD_LISTEN_ADDR", "127.0.0.1:0")
        .env("QUOTABOARD_LOG", "info");
    let server = start(command);

    let (status, health) = get(&format!("{}/healthz", server.url), &[]);
    assert_eq!(status, 200);
    assert!(health.contains("\"ok\":true"), "{health}");

    let (exit, log) = server.stop();
    assert!(exit.success(), "{exit:?}");
    assert!(
        log.iter().any(|l| l.contains("received SIGTERM")),
        "{log:?}"
    );
    assert!(dir.path().join("data/quotaboard.db").is_file());
}
