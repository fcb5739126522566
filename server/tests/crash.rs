//! `kill -9` in the middle of a poll: the database stays consistent and every batch is
//! stored whole or not at all.

use std::{
    process::{Command, Stdio},
    time::Duration,
};

use chrono::Utc;
use domain::KeyForm;
use engine::{
    Config, Store,
    secrets::Secrets,
    team::{self, Actor, KeyInput},
};
use secrecy::SecretString;

const BIN: &str = env!("CARGO_BIN_EXE_quotaboard");
const KEYS: i64 = 2_500;

#[test]
fn kill_9_mid_poll_leaves_whole_batches_and_a_sound_database() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let dir = tempfile::tempdir().expect("tempdir");
    let config = Config {
        data_dir: dir.path().join("data"),
        ..Config::default()
    };
    let sim = runtime
        .block_on(simulator::spawn(simulator::SimulatorOptions {
            latency: Duration::from_millis(5),
            ..simulator::SimulatorOptions::default()
        }))
        .expect("simulator");
    runtime.block_on(async {
        let store = Store::open(&config).await.expect("store");
        let secrets = Secrets::load(&config, &store).await.expect("secrets");
        for i in 0..KEYS {
            let input = KeyInput {
                form: KeyForm {
                    vendor: "platerecognizer-sdk".into(),
                    label: format!("camera {i}"),
                    owner_tag: String::new(),
                    base_url: sim.sdk_base_url(&format!("license-{i}")),
                    monthly_limit: String::new(),
                    poll_interval_minutes: String::new(),
                },
                secret: SecretString::from(String::new()),
            };
            team::create_key(&store, &secrets, &Actor::Cli, input, Utc::now())
                .await
                .expect("key");
        }
        store.close().await;
    });

    // Transactions hold 1,000 rows: whatever survives is a sum of whole batches.
    let whole_batches = [0, 1_000, 2_000, KEYS];
    let mut stored_before = 0;
    for delay_ms in [150, 400, 700] {
        let mut child = Command::new(BIN)
            .args(["poll", "--once"])
            .current_dir(dir.path())
            .env("QUOTABOARD_DATA_DIR", dir.path().join("data"))
            .env("QUOTABOARD_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn");
        std::thread::sleep(Duration::from_millis(delay_ms));
        let _ = Command::new("kill")
            .args(["-KILL", &child.id().to_string()])
            .status();
        let _ = child.wait();

        runtime.block_on(async {
            let url = format!(
                "sqlite://{}",
                dir.path().join("data/quotaboard.db").display()
            );
            let pool = sqlx::SqlitePool::connect(&url).await.expect("reopen");
            let integrity: String = sqlx::query_scalar("PRAGMA integrity_check")
                .fetch_one(&pool)
                .await
                .expect("integrity");
            assert_eq!(integrity, "ok");
            let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM snapshots")
                .fetch_one(&pool)
                .await
                .expect("count");
            let this_run = total - stored_before;
            assert!(
                whole_batches.contains(&this_run),
                "killed after {delay_ms} ms: {this_run} rows is not whole batches"
            );
            let orphans: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM snapshots s LEFT JOIN key_latest l ON l.key_id = s.key_id \
                 WHERE l.key_id IS NULL",
            )
            .fetch_one(&pool)
            .await
            .expect("orphans");
            assert_eq!(orphans, 0, "snapshot and latest state are stored together");
            stored_before = total;
            pool.close().await;
        });
    }
}
