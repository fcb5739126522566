//! Polling throughput against the vendor simulator over loopback HTTP.
//!
//! `QB_SIMULATOR_URL=http://127.0.0.1:4011 cargo bench -p engine --bench poll -- [KEYS ...]`
//! (default: 1000 10000), with `quotaboard simulate --addr 127.0.0.1:4011 --latency-ms 50`
//! running in its own process (`bench/poll` does both). Without `QB_SIMULATOR_URL` this
//! binary starts a copy of itself as the simulator (`simulator::run`, the code behind
//! `quotaboard simulate`), so the simulator never shares this process's memory.
//!
//! For each key count: seeds that many Plate Recognizer SDK keys in a fresh SQLite
//! file, runs one full cycle (`poll_cycle`, the scheduler's code path: fetch, check,
//! store) and prints wall time, keys/s, the ratio to the ideal
//! `keys × latency / concurrency`, snapshot rows written per second (a separate pass
//! over the same batch writer), and the peak RSS during the cycle (the peak is reset
//! after seeding, through `/proc/self/clear_refs`).

use std::time::{Duration, Instant};

use chrono::Utc;
use domain::{KeyForm, KeyId};
use engine::{
    Config, Store,
    poller::{Poller, PollerSettings, RetryPolicy, Selection, VendorLimits, poll_cycle},
    secrets::Secrets,
    store::snapshots::{NewSnapshot, Outcome, insert_batch},
    team::{self, Actor, KeyInput},
    vendors::{ClientSettings, VendorClient},
};
use secrecy::SecretString;
use simulator::SimulatorOptions;

const LATENCY: Duration = Duration::from_millis(50);
const CONCURRENCY: usize = 256;

#[tokio::main]
async fn main() {
    if std::env::args().nth(1).as_deref() == Some("--simulator-child") {
        return simulator_child().await;
    }
    let counts: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|arg| arg.parse().ok())
        .collect();
    let counts = if counts.is_empty() {
        vec![1_000, 10_000]
    } else {
        counts
    };
    println!("latency {LATENCY:?}, concurrency {CONCURRENCY}");
    println!(
        "{:>7}  {:>9}  {:>8}  {:>8}  {:>10}  {:>8}",
        "keys", "wall", "keys/s", "of ideal", "rows/s", "peak RSS"
    );
    for keys in counts {
        run(keys).await;
    }
}

async fn run(keys: usize) {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = Config {
        data_dir: dir.path().to_path_buf(),
        ..Config::default()
    };
    let store = Store::open(&config).await.expect("store");
    let secrets = Secrets::load(&config, &store).await.expect("secrets");
    let (url, _child) = match std::env::var("QB_SIMULATOR_URL") {
        Ok(url) => (url, None),
        Err(_) => {
            let (url, child) = spawn_simulator_child();
            (url, Some(child))
        }
    };
    let sdk_base_url = |license: &str| format!("{}/sdk/{license}", url.trim_end_matches('/'));
    for i in 0..keys {
        let input = KeyInput {
            form: KeyForm {
                vendor: "platerecognizer-sdk".into(),
                label: format!("camera {i}"),
                owner_tag: String::new(),
                base_url: sdk_base_url(&format!("license-{i}")),
                monthly_limit: String::new(),
                poll_interval_minutes: String::new(),
            },
            secret: SecretString::from(String::new()),
        };
        team::create_key(&store, &secrets, &Actor::Cli, input, Utc::now())
            .await
            .expect("seed key");
    }
    let client = VendorClient::new(ClientSettings::default()).expect("client");
    let poller = Poller::new(
        client,
        PollerSettings {
            concurrency: CONCURRENCY,
            retry: RetryPolicy::default(),
            limits: VendorLimits::unlimited(),
        },
    );

    reset_peak_rss();
    let started = Instant::now();
    let report = poll_cycle(&store, &secrets, &poller, &Selection::All)
        .await
        .expect("cycle");
    let wall = started.elapsed();
    let cycle_peak_kib = peak_rss_kib();
    assert_eq!(report.count("ok"), keys, "every key polled");

    let rows_per_second = write_rate(&store, keys).await;
    let ideal = LATENCY.as_secs_f64() * keys as f64 / CONCURRENCY as f64;
    println!(
        "{keys:>7}  {:>8.2}s  {:>8.0}  {:>7.0}%  {:>10.0}  {:>6} MB",
        wall.as_secs_f64(),
        keys as f64 / wall.as_secs_f64(),
        100.0 * ideal / wall.as_secs_f64(),
        rows_per_second,
        cycle_peak_kib / 1024
    );
}

/// The simulator in a child process: this binary again, with `--simulator-child`.
/// Killed when the returned guard drops.
fn spawn_simulator_child() -> (String, ChildGuard) {
    use std::io::BufRead;
    let exe = std::env::current_exe().expect("own path");
    let mut child = std::process::Command::new(exe)
        .arg("--simulator-child")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("simulator child");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    std::io::BufReader::new(stdout)
        .read_line(&mut line)
        .expect("simulator address");
    (line.trim().to_owned(), ChildGuard(child))
}

struct ChildGuard(std::process::Child);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Serves the simulator on a free port until killed; prints its base URL first.
async fn simulator_child() {
    let handle = simulator::spawn(SimulatorOptions {
        latency: LATENCY,
        ..SimulatorOptions::default()
    })
    .await
    .expect("simulator");
    println!("{}", handle.base_url());
    std::future::pending::<()>().await;
}

/// Rows per second through the same batched writer the cycle uses.
async fn write_rate(store: &Store, keys: usize) -> f64 {
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM api_keys")
        .fetch_all(store.pool())
        .await
        .expect("ids");
    let batch: Vec<NewSnapshot> = ids
        .iter()
        .cycle()
        .take(keys.max(10_000))
        .map(|id| NewSnapshot {
            key_id: KeyId(*id),
            polled_at: Utc::now(),
            duration_ms: 50,
            attempts: 1,
            outcome: Outcome::Error {
                kind: "timeout".into(),
                message: "the vendor did not answer within 20000 ms".into(),
            },
        })
        .collect();
    let started = Instant::now();
    for chunk in batch.chunks(1_000) {
        let mut tx = store.pool().begin().await.expect("tx");
        insert_batch(&mut tx, chunk).await.expect("insert");
        tx.commit().await.expect("commit");
    }
    batch.len() as f64 / started.elapsed().as_secs_f64()
}

/// Resets the peak RSS to the current RSS (Linux 4.0+), so the next reading is the
/// cycle's own peak, not seeding's.
fn reset_peak_rss() {
    if let Err(error) = std::fs::write("/proc/self/clear_refs", "5") {
        eprintln!("cannot reset the peak RSS ({error}); it includes seeding");
    }
}

/// Peak resident set size of this process (Linux `VmHWM`), in KiB.
fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|line| line.starts_with("VmHWM:"))
                .and_then(|line| line.split_whitespace().nth(1))
                .and_then(|kib| kib.parse().ok())
        })
        .unwrap_or(0)
}
