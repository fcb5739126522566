//! `quotaboard demo` as a newcomer runs it: the real binary, the in-process simulator,
//! demo keys polled at once.

use std::{
    io::{BufRead, BufReader},
    process::{Command, Stdio},
};

const BIN: &str = env!("CARGO_BIN_EXE_quotaboard");

#[test]
fn demo_mode_seeds_keys_polls_them_and_serves() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("demo-data");
    let mut child = Command::new(BIN)
        .args(["demo", "--simulator-addr", "127.0.0.1:0", "--data-dir"])
        .arg(&data)
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
        .expect("the demo serves");
    assert!(listening.contains("127.0.0.1:"));
    // Keep reading: a closed pipe would fail the server's later log lines.
    let rest = std::thread::spawn(move || lines.map_while(Result::ok).collect::<Vec<_>>());
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let exit = child.wait().expect("wait");
    let rest = rest.join().expect("log reader");
    assert!(exit.success(), "{exit:?}: {rest:?}");

    // What the demo stored, read with sqlx: nothing outside the test is needed.
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let url = format!("sqlite://{}", data.join("quotaboard.db").display());
        let pool = sqlx::SqlitePool::connect(&url).await.expect("open demo db");
        let keys: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM api_keys")
            .fetch_one(&pool)
            .await
            .expect("keys");
        assert_eq!(keys, 7);
        let outcomes: Vec<(String, i64)> =
            sqlx::query_as("SELECT outcome, COUNT(*) FROM snapshots GROUP BY outcome ORDER BY outcome")
                .fetch_all(&pool)
                .await
                .expect("snapshots");
        assert_eq!(outcomes, vec![("error".to_owned(), 1), ("ok".to_owned(), 6)]);
        // The keys meant to be close to their limit are: the demo shows a firing alert.
        let near: Vec<(String, i64, i64)> = sqlx::query_as(
            "SELECT k.label, s.used, s.usage_limit FROM snapshots s JOIN api_keys k ON k.id = s.key_id \
             WHERE s.outcome = 'ok' AND s.used * 100 >= s.usage_limit * 90",
        )
        .fetch_all(&pool)
        .await
        .expect("near limit");
        let labels: Vec<&str> = near.iter().map(|(label, _, _)| label.as_str()).collect();
        assert!(labels.contains(&"Receipts OCR"), "{near:?}");
        assert!(labels.contains(&"Car park north"), "{near:?}");
        // The stored secrets are encrypted: no demo key in clear.
        let plain: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM api_keys WHERE CAST(secret_ciphertext AS TEXT) LIKE '%demo-%'",
        )
        .fetch_one(&pool)
        .await
        .expect("ciphertext");
        assert_eq!(plain, 0);
    });
}
