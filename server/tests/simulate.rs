//! `quotaboard simulate` as a developer runs it: it announces its address, answers
//! like the vendors, and stops on SIGTERM.

mod running;

use std::process::Command;

use running::{BIN, get, start};

#[test]
fn simulate_serves_the_vendor_apis_until_sigterm() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut command = Command::new(BIN);
    command
        .args(["simulate", "--addr", "127.0.0.1:0"])
        .current_dir(dir.path())
        .env("QUOTABOARD_LOG", "info");
    let simulator = start(command);

    let (status, body) = get(
        &format!("{}/v1/statistics/", simulator.url),
        &[("Authorization", "Token some-key")],
    );
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"total_calls\":"), "{body}");

    let (exit, _) = simulator.stop();
    assert!(exit.success(), "{exit:?}");
}
