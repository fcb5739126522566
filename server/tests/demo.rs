//! `quotaboard demo` as a newcomer runs it: the real binary, the in-process simulator,
//! demo keys polled at once.

mod running;

use std::process::Command;

use running::{BIN, get, start};

#[test]
fn demo_mode_seeds_keys_polls_them_and_serves() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("demo-data");
    let mut command = Command::new(BIN);
    command
        .args(["demo", "--simulator-addr", "127.0.0.1:0", "--data-dir"])
        .arg(&data)
        .current_dir(dir.path())
        .env("QUOTABOARD_LISTEN_ADDR", "127.0.0.1:0")
        .env("QUOTABOARD_LOG", "info");
    let demo = start(command);
    assert!(demo.url.starts_with("http://127.0.0.1:"));
    // The overview needs a session; the login page is open.
    let (status, page) = get(&format!("{}/login", demo.url), &[]);
    assert_eq!(status, 200);
    assert!(page.contains("Quotaboard"));
    let (exit, log) = demo.stop();
    assert!(exit.success(), "{exit:?}: {log:?}");

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
        // ...and the alerts fired on them out of the box, with e-mail to the demo admin
        // waiting in the outbox (the demo has no SMTP server).
        let firing: Vec<(String, String)> = sqlx::query_as(
            "SELECT subject_label, level FROM alert_states WHERE level != 'ok' ORDER BY subject_label",
        )
        .fetch_all(&pool)
        .await
        .expect("alert states");
        let firing_labels: Vec<&str> = firing.iter().map(|(label, _)| label.as_str()).collect();
        assert!(firing_labels.contains(&"Receipts OCR"), "{firing:?}");
        assert!(firing_labels.contains(&"Car park north"), "{firing:?}");
        let queued: Vec<(String, String)> =
            sqlx::query_as("SELECT to_addr, status FROM email_outbox WHERE purpose = 'alert'")
                .fetch_all(&pool)
                .await
                .expect("outbox");
        assert!(!queued.is_empty(), "no alert e-mail queued");
        assert!(
            queued
                .iter()
                .all(|(to, status)| to == "demo@quotaboard.example" && status == "queued"),
            "{queued:?}"
        );
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
