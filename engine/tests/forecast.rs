//! Forecasts worked out from snapshots stored through the real write path, in a real
//! SQLite file.

use chrono::{DateTime, TimeDelta, Utc};
use domain::{
    Figure, Forecast, ForecastUnknown, KeyForm, KeyId, PlateRecognizerCloudDetails, Scope,
    UsageReading, Vendor, VendorDetails,
};
use engine::{
    Config, Store, forecast,
    secrets::Secrets,
    store::snapshots::{self, NewSnapshot, Outcome},
    team::{self, Actor, KeyInput},
};
use secrecy::SecretString;
use tempfile::TempDir;

async fn store_with_key() -> (TempDir, Store, KeyId) {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = Config {
        data_dir: dir.path().to_path_buf(),
        ..Config::default()
    };
    let store = Store::open(&config).await.expect("store");
    let secrets = Secrets::load(&config, &store).await.expect("secrets");
    let input = KeyInput {
        form: KeyForm {
            vendor: "platerecognizer".into(),
            label: "gates".into(),
            owner_tag: String::new(),
            base_url: String::new(),
            monthly_limit: String::new(),
            poll_interval_minutes: String::new(),
        },
        secret: SecretString::from("a-plate-recognizer-key".to_owned()),
    };
    let key = team::create_key(&store, &secrets, &Actor::Cli, input, Utc::now())
        .await
        .expect("key");
    (dir, store, key)
}

fn reading(
    used: u64,
    limit: u64,
    start: DateTime<Utc>,
    reset: DateTime<Utc>,
    at: DateTime<Utc>,
) -> UsageReading {
    UsageReading {
        vendor: Vendor::PlateRecognizerCloud,
        scope: Scope::Key,
        used: Some(Figure::vendor(used)),
        limit: Some(Figure::vendor(limit)),
        remaining: Some(Figure::inferred(i64::try_from(limit - used).expect("fits"))),
        period_start: Some(Figure::inferred(start)),
        resets_on: Some(Figure::vendor(reset)),
        as_of: at,
        unknown_fields: vec![],
        details: VendorDetails::PlateRecognizerCloud(PlateRecognizerCloudDetails {
            month: None,
            year: None,
        }),
    }
}

async fn store_polls(store: &Store, rows: &[NewSnapshot]) {
    let mut tx = store.pool().begin().await.expect("tx");
    snapshots::insert_batch(&mut tx, rows)
        .await
        .expect("insert");
    tx.commit().await.expect("commit");
}

async fn stored_forecast(store: &Store, key: KeyId) -> Option<Forecast> {
    let json: Option<String> =
        sqlx::query_scalar("SELECT forecast FROM key_forecasts WHERE key_id = ?")
            .bind(key.0)
            .fetch_optional(store.pool())
            .await
            .expect("query");
    json.as_deref().and_then(engine::store::forecasts::parse)
}

#[tokio::test]
async fn a_steady_burn_of_this_period_is_stored_as_a_run_out_date() {
    let (_dir, store, key) = store_with_key().await;
    let now = Utc::now();
    let start = now - TimeDelta::days(3);
    let reset = now + TimeDelta::days(27);
    // The previous period (a steep burn) must not count: only this period's 100/hour.
    let mut rows: Vec<NewSnapshot> = (0..24)
        .map(|h| {
            let at = start - TimeDelta::hours(24 - h);
            NewSnapshot {
                key_id: key,
                polled_at: at,
                duration_ms: 5,
                attempts: 1,
                outcome: Outcome::Ok {
                    reading: Box::new(reading(
                        u64::try_from(h).expect("small") * 5_000,
                        200_000,
                        start - TimeDelta::days(30),
                        start,
                        at,
                    )),
                    raw_reply: serde_json::json!({}),
                },
            }
        })
        .collect();
    // A failure in between is no reading.
    rows.push(NewSnapshot {
        key_id: key,
        polled_at: start + TimeDelta::minutes(30),
        duration_ms: 5,
        attempts: 3,
        outcome: Outcome::Error {
            kind: "timeout".into(),
            message: "no answer in 10 s".into(),
        },
    });
    for h in 0..=72 {
        let at = start + TimeDelta::hours(h);
        rows.push(NewSnapshot {
            key_id: key,
            polled_at: at,
            duration_ms: 5,
            attempts: 1,
            outcome: Outcome::Ok {
                reading: Box::new(reading(
                    u64::try_from(h).expect("small") * 100,
                    10_000,
                    start,
                    reset,
                    at,
                )),
                raw_reply: serde_json::json!({}),
            },
        });
    }
    store_polls(&store, &rows).await;
    let newest = reading(7_200, 10_000, start, reset, start + TimeDelta::hours(72));
    forecast::refresh(&store, &[(key, &newest)], now)
        .await
        .expect("refresh");
    // 7,200 used, 2,800 left at 100 an hour: 28 hours after the newest reading.
    let expected = start + TimeDelta::hours(72 + 28);
    match stored_forecast(&store, key).await {
        Some(Forecast::RunsOutOn(at)) => {
            assert!(
                (at - expected).num_seconds().abs() <= 1,
                "{at} vs {expected}"
            );
        }
        other => panic!("expected a run-out date, got {other:?}"),
    }
}

#[tokio::test]
async fn a_new_key_with_one_reading_has_no_forecast_yet() {
    let (_dir, store, key) = store_with_key().await;
    let now = Utc::now();
    let first = reading(
        10,
        10_000,
        now - TimeDelta::days(1),
        now + TimeDelta::days(29),
        now,
    );
    store_polls(
        &store,
        &[NewSnapshot {
            key_id: key,
            polled_at: now,
            duration_ms: 5,
            attempts: 1,
            outcome: Outcome::Ok {
                reading: Box::new(first.clone()),
                raw_reply: serde_json::json!({}),
            },
        }],
    )
    .await;
    forecast::refresh(&store, &[(key, &first)], now)
        .await
        .expect("refresh");
    assert_eq!(
        stored_forecast(&store, key).await,
        Some(Forecast::Unknown(ForecastUnknown::TooFewReadings))
    );
    // Seen a day later without a new good reading, it is stale whatever it said.
    assert_eq!(
        forecast::as_seen(
            Forecast::RunsOutOn(now),
            Vendor::PlateRecognizerCloud,
            Some(now),
            now + TimeDelta::days(1)
        ),
        Forecast::Unknown(ForecastUnknown::Stale)
    );
}

/// One batched read serves many keys: each key gets only its own readings, from its
/// own period start (a key whose period started later ignores its older readings).
#[tokio::test]
async fn many_keys_refreshed_together_each_use_only_their_own_period() {
    let (dir, store, fast) = store_with_key().await;
    let config = Config {
        data_dir: dir.path().to_path_buf(),
        ..Config::default()
    };
    let secrets = Secrets::load(&config, &store).await.expect("secrets");
    let slow = team::create_key(
        &store,
        &secrets,
        &Actor::Cli,
        KeyInput {
            form: KeyForm {
                vendor: "platerecognizer".into(),
                label: "slow gates".into(),
                owner_tag: String::new(),
                base_url: String::new(),
                monthly_limit: String::new(),
                poll_interval_minutes: String::new(),
            },
            secret: SecretString::from("another-plate-key".to_owned()),
        },
        Utc::now(),
    )
    .await
    .expect("key");
    let now = Utc::now();
    let fast_start = now - TimeDelta::days(2);
    // The slow key's period started a day later; its readings before that burned fast.
    let slow_start = now - TimeDelta::days(1);
    let reset = now + TimeDelta::days(28);
    let mut rows = Vec::new();
    for h in 0..=48 {
        let at = fast_start + TimeDelta::hours(h);
        let hours = u64::try_from(h).expect("small");
        let ok = |key, used, start| NewSnapshot {
            key_id: key,
            polled_at: at,
            duration_ms: 5,
            attempts: 1,
            outcome: Outcome::Ok {
                reading: Box::new(reading(used, 100_000, start, reset, at)),
                raw_reply: serde_json::json!({}),
            },
        };
        rows.push(ok(fast, hours * 1_000, fast_start));
        let slow_used = if at < slow_start {
            hours * 2_000
        } else {
            hours.saturating_sub(24) * 10
        };
        rows.push(ok(slow, slow_used, slow_start));
    }
    store_polls(&store, &rows).await;
    let fast_newest = reading(48_000, 100_000, fast_start, reset, now);
    let slow_newest = reading(240, 100_000, slow_start, reset, now);
    forecast::refresh(&store, &[(fast, &fast_newest), (slow, &slow_newest)], now)
        .await
        .expect("refresh");
    // 52,000 left at 1,000 an hour: 52 hours.
    match stored_forecast(&store, fast).await {
        Some(Forecast::RunsOutOn(at)) => {
            let expected = fast_start + TimeDelta::hours(48 + 52);
            assert!(
                (at - expected).num_minutes().abs() <= 1,
                "{at} vs {expected}"
            );
        }
        other => panic!("fast: expected a run-out date, got {other:?}"),
    }
    // 10 an hour from its own period start: nowhere near running out before reset.
    assert_eq!(
        stored_forecast(&store, slow).await,
        Some(Forecast::LastsUntilReset(reset)),
        "neither the fast key's readings nor the slow key's last period may count"
    );
}
