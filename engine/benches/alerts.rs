//! Alert evaluation cost per stored batch.
//!
//! `cargo bench -p engine --bench alerts -- [KEYS ...]` (default: 1000 10000). For
//! each key count: seeds that many Plate Recognizer cloud keys (each with the team's
//! three default rules) and one admin in a fresh SQLite file, stores one reading per
//! key at 85 % of its limit in batches of 1,000 (the poll cycle's batch size), then
//! times `evaluate` per batch twice: the first pass fires every key's 80 % rule
//! (a notification and an outbox row each, in the same transaction); the second, a
//! poll later, changes nothing (the steady state of a running install).

use std::time::Instant;

use chrono::{TimeDelta, TimeZone, Utc};
use domain::{
    Figure, KeyForm, KeyId, PlateRecognizerCloudDetails, Scope, UsageReading, Vendor, VendorDetails,
};
use engine::{
    Config, Store,
    alerts::{AlertSettings, evaluate},
    secrets::Secrets,
    store::snapshots::{NewSnapshot, Outcome, insert_batch},
    team::{self, Actor, KeyInput},
};
use secrecy::SecretString;

const BATCH: usize = 1_000;

#[tokio::main]
async fn main() {
    let counts: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|arg| arg.parse().ok())
        .collect();
    let counts = if counts.is_empty() {
        vec![1_000, 10_000]
    } else {
        counts
    };
    println!(
        "{:>7}  {:>12}  {:>12}  {:>12}  {:>12}",
        "keys", "firing pass", "keys/s", "steady pass", "keys/s"
    );
    for keys in counts {
        run(keys).await;
    }
}

fn reading(at: chrono::DateTime<Utc>) -> UsageReading {
    UsageReading {
        vendor: Vendor::PlateRecognizerCloud,
        scope: Scope::Key,
        used: Some(Figure::vendor(8_500)),
        limit: Some(Figure::vendor(10_000)),
        remaining: Some(Figure::inferred(1_500)),
        period_start: Some(Figure::inferred(
            Utc.with_ymd_and_hms(2026, 11, 14, 0, 0, 0)
                .single()
                .expect("t"),
        )),
        resets_on: Some(Figure::vendor(
            Utc.with_ymd_and_hms(2026, 12, 14, 0, 0, 0)
                .single()
                .expect("t"),
        )),
        as_of: at,
        unknown_fields: vec![],
        details: VendorDetails::PlateRecognizerCloud(PlateRecognizerCloudDetails {
            month: None,
            year: None,
        }),
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
    let now = Utc
        .with_ymd_and_hms(2026, 12, 10, 9, 0, 0)
        .single()
        .expect("t");
    team::create_first_admin(
        &store,
        "admin@example.test",
        SecretString::from("a long password here"),
        now,
    )
    .await
    .expect("admin");
    let mut ids = Vec::with_capacity(keys);
    for i in 0..keys {
        let input = KeyInput {
            form: KeyForm {
                vendor: "platerecognizer".into(),
                label: format!("gate {i}"),
                owner_tag: String::new(),
                base_url: String::new(),
                monthly_limit: String::new(),
                poll_interval_minutes: String::new(),
            },
            secret: SecretString::from(format!("bench-secret-{i:08}")),
        };
        ids.push(
            team::create_key(&store, &secrets, &Actor::Cli, input, now)
                .await
                .expect("seed key"),
        );
    }
    let settings = AlertSettings::default();
    let mut passes = Vec::new();
    for pass in 0..2 {
        let at = now + TimeDelta::minutes(15 * pass);
        let rows: Vec<NewSnapshot> = ids
            .iter()
            .map(|id: &KeyId| NewSnapshot {
                key_id: *id,
                polled_at: at,
                duration_ms: 50,
                attempts: 1,
                outcome: Outcome::Ok {
                    reading: Box::new(reading(at)),
                    raw_reply: serde_json::json!({}),
                },
            })
            .collect();
        for chunk in rows.chunks(BATCH) {
            let mut tx = store.pool().begin().await.expect("tx");
            insert_batch(&mut tx, chunk).await.expect("insert");
            tx.commit().await.expect("commit");
        }
        let started = Instant::now();
        let mut notifications = 0;
        for chunk in ids.chunks(BATCH) {
            notifications += evaluate(&store, &settings, chunk, at)
                .await
                .expect("evaluate")
                .notifications;
        }
        let wall = started.elapsed();
        let expected = if pass == 0 { keys } else { 0 };
        assert_eq!(notifications, expected, "pass {pass}");
        passes.push(wall);
    }
    println!(
        "{keys:>7}  {:>11.2}s  {:>12.0}  {:>11.2}s  {:>12.0}",
        passes[0].as_secs_f64(),
        keys as f64 / passes[0].as_secs_f64(),
        passes[1].as_secs_f64(),
        keys as f64 / passes[1].as_secs_f64(),
    );
}
