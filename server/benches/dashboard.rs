//! The dashboard under load: `cargo bench -p quotaboard --bench dashboard -- [KEYS] [DAYS]`
//! (default 1000 keys, 90 days; `bench/dashboard` runs it).
//!
//! Seeds KEYS keys (nine in ten Plate Recognizer cloud, one in ten OCR.space; two in a
//! hundred failing at the end) with DAYS days of 15-minute snapshots through the real
//! write path (`insert_batch`, 1,000 rows a transaction, as the poll cycle does), then
//! rolls them up and applies retention (`engine::history::maintain`, as the history
//! job does), works out every forecast, and starts the real server on loopback with
//! polling and the history job off. Then `wrk` (Debian package `wrk`) measures, each
//! for 15 s with 2 threads and 8 connections: the overview page `/` (signed in; also
//! with 1 connection, and cycling through 24 views so that each is drawn afresh rather
//! than reused from the server's recently drawn pages), a
//! key's page `/keys/{id}` (signed in; its charts are separate requests; also cycling
//! through 100 keys, more than the server keeps drawn), three of its
//! charts as SVG (24 h usage from raw rows, 90 d remaining and 1 y daily use from
//! rollups), the JSON
//! API `/api/v1/keys` (API token), the CSV `/usage.csv`, one key's history
//! (`range=24h`, raw rows; `range=90d`, rollups) and `/metrics`. Prints p50/p95/p99
//! and requests per second for each, and the database size. `QB_BENCH_ONLY=page`
//! measures only the targets whose name contains "page".

use std::{
    process::Command,
    time::{Duration, Instant},
};

use chrono::{DateTime, Datelike, Months, TimeDelta, TimeZone, Utc};
use domain::{
    Figure, KeyForm, KeyId, OcrSpaceDetails, PlateRecognizerCloudDetails, Scope, UsageReading,
    Vendor, VendorDetails,
};
use engine::{
    Config, Store,
    auth::{self, SessionSettings},
    history::{Retention, maintain},
    store::snapshots::{NewSnapshot, Outcome, insert_batch},
    team::{self, Actor, KeyInput},
};
use quotaboard::startup::Application;
use secrecy::SecretString;

const EMAIL: &str = "bench@example.com";
const PASSWORD: &str = "bench-password-123";
const STEP_MINUTES: i64 = 15;

#[tokio::main]
async fn main() {
    let args: Vec<i64> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let keys = usize::try_from(args.first().copied().unwrap_or(1_000)).expect("key count");
    let days = args.get(1).copied().unwrap_or(90);

    // Seeding 90 days takes most of an hour; QB_BENCH_DATA_DIR keeps the seeded
    // database so that a changed server can be measured against the same data.
    let kept_dir = std::env::var_os("QB_BENCH_DATA_DIR").map(std::path::PathBuf::from);
    let temp_dir = tempfile::tempdir().expect("tempdir");
    let data_dir = kept_dir.unwrap_or_else(|| temp_dir.path().to_path_buf());
    std::fs::create_dir_all(&data_dir).expect("data dir");
    let config = Config {
        listen_addr: "127.0.0.1:0".parse().expect("addr"),
        data_dir: data_dir.clone(),
        poll_schedule: String::new(),
        rollup_schedule: String::new(),
        ..Config::default()
    };
    let store = Store::open(&config).await.expect("store");
    let marker = data_dir.join("bench-seed.txt");
    let seed = format!("{keys} keys, {days} days");
    let ids = match std::fs::read_to_string(&marker) {
        Ok(seeded) if seeded.starts_with(&seed) => {
            println!("reusing the database in {}: {seeded}", data_dir.display());
            seeded_keys(&store).await
        }
        _ => {
            let ids = seed_database(&config, &store, keys, days).await;
            std::fs::write(&marker, format!("{seed}, seeded at {}", Utc::now())).expect("marker");
            ids
        }
    };
    let db_bytes = std::fs::metadata(data_dir.join("quotaboard.db"))
        .map(|m| m.len())
        .unwrap_or(0);
    println!("database: {:.0} MB", db_bytes as f64 / 1e6);

    // Credentials for the load: a session cookie and an API token.
    let (user, session) = auth::login(
        &store,
        &SessionSettings::default(),
        EMAIL,
        SecretString::from(PASSWORD),
        "127.0.0.1",
        Utc::now(),
    )
    .await
    .expect("login");
    let (_, token) = auth::api_token::create(&store, &user, "bench", Utc::now())
        .await
        .expect("token");
    let cookie = format!("qb_session={}", session.cookie_value());
    let bearer = format!("Authorization: Bearer {}", token.reveal());
    store.close().await;

    let app = Application::build(config).await.expect("app");
    let base = format!("http://{}", app.local_addr());
    tokio::spawn(app.run_until_stopped(std::future::pending()));
    tokio::time::sleep(Duration::from_millis(300)).await;

    let cookie_header = format!("Cookie: {cookie}");
    let key = ids[0].0.0;
    // Twenty-four views of the overview (every sort, both ways): more than the server
    // keeps drawn, so asked in turn each one is drawn afresh.
    let every_view: Vec<String> = [
        "vendor",
        "label",
        "owner",
        "used",
        "limit",
        "remaining",
        "percent",
        "resets",
        "forecast",
        "status",
        "age",
        "vendor",
    ]
    .iter()
    .enumerate()
    .flat_map(|(i, sort)| {
        // The last one again with a filter, so all 24 differ.
        let filter = if i == 11 {
            "&vendor=platerecognizer"
        } else {
            ""
        };
        ["asc", "desc"].map(|dir| format!("/?sort={sort}&dir={dir}{filter}"))
    })
    .collect();
    // More keys than the server keeps drawn: each page is read from the database.
    let hundred_keys: Vec<String> = ids
        .iter()
        .take(100)
        .map(|(id, _)| format!("/keys/{}", id.0))
        .collect();
    let targets: Vec<Target> = vec![
        Target::new("overview /", &base, "/", &cookie_header),
        Target::new("overview / (1 conn.)", &base, "/", &cookie_header).connections(1),
        Target::new("overview, 24 views", &base, "/", &cookie_header).rotating(&every_view),
        Target::new("overview, 24 views (1 c.)", &base, "/", &cookie_header)
            .rotating(&every_view)
            .connections(1),
        Target::new(
            "overview, one vendor",
            &base,
            "/?vendor=ocr-space&sort=remaining",
            &cookie_header,
        ),
        Target::new(
            "key page /keys/{id}",
            &base,
            &format!("/keys/{key}"),
            &cookie_header,
        ),
        Target::new("key page, 100 keys", &base, "/", &cookie_header).rotating(&hundred_keys),
        Target::new(
            "chart SVG, usage 24 h",
            &base,
            &format!("/keys/{key}/chart.svg?kind=usage&range=24h"),
            &cookie_header,
        ),
        Target::new(
            "chart SVG, remaining 90 d",
            &base,
            &format!("/keys/{key}/chart.svg?kind=remaining&range=90d"),
            &cookie_header,
        ),
        Target::new(
            "chart SVG, daily use 1 y",
            &base,
            &format!("/keys/{key}/chart.svg?kind=consumption&range=1y"),
            &cookie_header,
        ),
        Target::new("/api/v1/keys", &base, "/api/v1/keys", &bearer),
        Target::new("/usage.csv", &base, "/usage.csv", &bearer),
        Target::new(
            "history 24h (raw)",
            &base,
            &format!("/api/v1/keys/{key}/history?range=24h"),
            &bearer,
        ),
        Target::new(
            "history 90d (rollups)",
            &base,
            &format!("/api/v1/keys/{key}/history?range=90d"),
            &bearer,
        ),
        Target::new("/metrics", &base, "/metrics", "X-Bench: 1"),
    ];
    println!(
        "\n{:<26} {:>9} {:>9} {:>9} {:>9} {:>10}",
        "target (8 connections)", "p50 ms", "p95 ms", "p99 ms", "req/s", "bytes/req"
    );
    // QB_BENCH_ONLY=key measures only the targets whose name contains "key": one
    // page under a profiler without waiting through the others.
    let only = std::env::var("QB_BENCH_ONLY").unwrap_or_default();
    for target in targets.iter().filter(|t| t.name.contains(only.as_str())) {
        if !target.measure(temp_dir.path()) {
            return;
        }
    }
}

/// One `wrk` run: 15 s, 2 threads, 8 connections unless said otherwise.
struct Target {
    name: &'static str,
    url: String,
    header: String,
    connections: u32,
    /// Paths asked for in turn instead of `url`'s.
    rotating: Vec<String>,
}

impl Target {
    fn new(name: &'static str, base: &str, path: &str, header: &str) -> Self {
        Self {
            name,
            url: format!("{base}{path}"),
            header: header.to_owned(),
            connections: 8,
            rotating: Vec::new(),
        }
    }

    fn connections(mut self, connections: u32) -> Self {
        self.connections = connections;
        self
    }

    fn rotating(mut self, paths: &[String]) -> Self {
        self.rotating = paths.to_vec();
        self
    }

    /// Runs wrk and prints a line; false when wrk is missing.
    fn measure(&self, dir: &std::path::Path) -> bool {
        let script = dir.join("wrk.lua");
        let mut lua = String::from(
            "done = function(summary, latency, requests)\n\
             io.write(string.format(\"RESULT %.2f %.2f %.2f %.1f %d %d\\n\", \
             latency:percentile(50) / 1000, latency:percentile(95) / 1000, \
             latency:percentile(99) / 1000, summary.requests / (summary.duration / 1e6), \
             summary.requests, summary.bytes / math.max(summary.requests, 1)))\n\
             end\n",
        );
        if !self.rotating.is_empty() {
            let paths: Vec<String> = self.rotating.iter().map(|p| format!("{p:?}")).collect();
            lua.push_str(&format!(
                "paths = {{{}}}\ncounter = 0\n\
                 request = function()\n\
                 counter = counter + 1\n\
                 return wrk.format(nil, paths[(counter % #paths) + 1])\n\
                 end\n",
                paths.join(", ")
            ));
        }
        std::fs::write(&script, lua).expect("script");
        let threads = self.connections.min(2).to_string();
        let output = Command::new("wrk")
            .args(["-t", &threads, "-c", &self.connections.to_string()])
            .args(["-d15s", "--timeout", "10s", "-s"])
            .arg(&script)
            .args(["-H", &self.header, &self.url])
            .output();
        let output = match output {
            Ok(output) => output,
            Err(error) => {
                println!("wrk not found ({error}): install it with `apt-get install wrk`");
                return false;
            }
        };
        let stdout = String::from_utf8_lossy(&output.stdout);
        let result = stdout.lines().find_map(|l| l.strip_prefix("RESULT "));
        let errors = stdout
            .lines()
            .find(|l| l.contains("Non-2xx") || l.contains("Socket errors"));
        let name = self.name;
        match result {
            Some(result) => {
                let f: Vec<&str> = result.split(' ').collect();
                println!(
                    "{name:<26} {:>9} {:>9} {:>9} {:>9} {:>10}{}",
                    f[0],
                    f[1],
                    f[2],
                    f[3],
                    f[5],
                    errors
                        .map(|e| format!("  ({})", e.trim()))
                        .unwrap_or_default()
                );
            }
            None => println!(
                "{name}: no result\n{stdout}{}",
                String::from_utf8_lossy(&output.stderr)
            ),
        }
        true
    }
}

/// The keys the benchmark seeded before, with whether each is an OCR.space key.
async fn seeded_keys(store: &Store) -> Vec<(KeyId, bool)> {
    let rows: Vec<(i64, String)> = sqlx::query_as("SELECT id, vendor FROM api_keys ORDER BY id")
        .fetch_all(store.pool())
        .await
        .expect("keys");
    rows.into_iter()
        .map(|(id, vendor)| (KeyId(id), vendor == "ocr-space"))
        .collect()
}

/// Creates the admin and KEYS keys and writes DAYS days of snapshots, rollups and
/// forecasts; returns the keys with whether each is an OCR.space key.
async fn seed_database(
    config: &Config,
    store: &Store,
    keys: usize,
    days: i64,
) -> Vec<(KeyId, bool)> {
    let secrets = engine::secrets::Secrets::load(config, store)
        .await
        .expect("secrets");
    let now = Utc::now();
    team::create_first_admin(store, EMAIL, SecretString::from(PASSWORD), now)
        .await
        .expect("admin");

    let started = Instant::now();
    let mut ids = Vec::with_capacity(keys);
    for i in 0..keys {
        let ocr = i % 10 == 9;
        let input = KeyInput {
            form: KeyForm {
                vendor: if ocr { "ocr-space" } else { "platerecognizer" }.into(),
                label: format!("Bench key {i:05}"),
                owner_tag: format!("team-{}", i % 7),
                base_url: "http://127.0.0.1:9".into(),
                monthly_limit: if ocr { "300000".into() } else { String::new() },
                poll_interval_minutes: String::new(),
            },
            secret: SecretString::from(format!("bench-secret-{i:05}-xxxxxxxx")),
        };
        ids.push((
            team::create_key(store, &secrets, &Actor::Cli, input, now)
                .await
                .expect("key"),
            ocr,
        ));
    }
    println!(
        "{keys} keys created in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    // Oldest first, one 15-minute slot of every key per transaction.
    let slots = days * 24 * 60 / STEP_MINUTES;
    let first = now - TimeDelta::minutes(slots * STEP_MINUTES);
    let started = Instant::now();
    let mut rows = 0_u64;
    for slot in 0..slots {
        let at = first + TimeDelta::minutes(slot * STEP_MINUTES);
        let last = slot == slots - 1;
        let batch: Vec<NewSnapshot> = ids
            .iter()
            .enumerate()
            .map(|(i, (id, ocr))| snapshot(*id, *ocr, i, at, last))
            .collect();
        let mut tx = store.pool().begin().await.expect("tx");
        insert_batch(&mut tx, &batch).await.expect("insert");
        tx.commit().await.expect("commit");
        rows += batch.len() as u64;
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{rows} snapshots written in {secs:.1} s ({:.0} rows/s)",
        rows as f64 / secs
    );

    let started = Instant::now();
    let report = maintain(store, &Retention::from_config(config), Utc::now())
        .await
        .expect("rollups");
    println!(
        "rollups and retention in {:.1} s: {report:?}",
        started.elapsed().as_secs_f64()
    );

    let started = Instant::now();
    let latest = engine::store::snapshots::latest_for_all(store.pool())
        .await
        .expect("latest");
    let readings: Vec<(KeyId, UsageReading)> = latest
        .iter()
        .filter_map(|row| row.reading().map(|r| (KeyId(row.key_id), r)))
        .collect();
    let refs: Vec<(KeyId, &UsageReading)> = readings.iter().map(|(id, r)| (*id, r)).collect();
    engine::forecast::refresh(store, &refs, Utc::now())
        .await
        .expect("forecasts");
    println!(
        "{} forecasts in {:.2} s",
        refs.len(),
        started.elapsed().as_secs_f64()
    );
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(store.pool())
        .await
        .expect("checkpoint");
    ids
}

/// Usage grows through each calendar month and starts over on the 1st; a few keys
/// fail at the end, so the overview has every kind of row.
fn snapshot(key: KeyId, ocr: bool, i: usize, at: DateTime<Utc>, last: bool) -> NewSnapshot {
    let month_start = Utc
        .with_ymd_and_hms(at.year(), at.month(), 1, 0, 0, 0)
        .single()
        .expect("month start");
    let next = month_start
        .checked_add_months(Months::new(1))
        .expect("next month");
    let limit: u64 = if ocr {
        300_000
    } else {
        2_500 * (1 + (i as u64 % 20))
    };
    let per_hour = limit as f64 / (24.0 * 30.0) * (0.3 + (i % 9) as f64 / 10.0);
    let hours = (at - month_start).num_minutes() as f64 / 60.0;
    let used = ((hours * per_hour) as u64).min(limit + limit / 10);
    if last && i % 50 == 7 {
        return NewSnapshot {
            key_id: key,
            polled_at: at,
            duration_ms: 20_000,
            attempts: 3,
            outcome: Outcome::Error {
                kind: "timeout".into(),
                message: "the vendor did not answer within 20000 ms".into(),
            },
        };
    }
    let (vendor, details) = if ocr {
        (
            Vendor::OcrSpace,
            VendorDetails::OcrSpace(OcrSpaceDetails {
                engine1: Some(used),
                engine2: Some(0),
                engine3: None,
                total: Some(used),
                unverified: used == 0,
                last_month: false,
            }),
        )
    } else {
        (
            Vendor::PlateRecognizerCloud,
            VendorDetails::PlateRecognizerCloud(PlateRecognizerCloudDetails {
                month: None,
                year: None,
            }),
        )
    };
    let reading = UsageReading {
        vendor,
        scope: Scope::Key,
        used: Some(Figure::vendor(used)),
        limit: Some(if ocr {
            Figure::configured(limit)
        } else {
            Figure::vendor(limit)
        }),
        remaining: Some(Figure::inferred(limit as i64 - used as i64)),
        period_start: Some(Figure::inferred(month_start)),
        resets_on: Some(Figure::inferred(next)),
        as_of: at,
        unknown_fields: vec![],
        details,
    };
    NewSnapshot {
        key_id: key,
        polled_at: at,
        duration_ms: 120,
        attempts: 1,
        outcome: Outcome::Ok {
            reading: Box::new(reading),
            raw_reply: serde_json::json!({ "usage": { "calls": used } }),
        },
    }
}
