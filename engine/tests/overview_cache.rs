//! The overview's rows kept in memory between requests: built once per change to the
//! database, never stale after one, whichever connection pool wrote it.

use chrono::{DateTime, TimeDelta, Utc};
use domain::{
    Figure, KeyForm, KeyId, KeyStatus, OverviewQuery, PlateRecognizerCloudDetails, Scope,
    UsageReading, Vendor, VendorDetails,
};
use engine::{
    Config, Store,
    alerts::{self, AlertSettings},
    overview::{self, StatusThresholds},
    secrets::Secrets,
    store::snapshots::{NewSnapshot, Outcome, insert_batch},
    team::{self, Actor, KeyInput},
};
use secrecy::SecretString;
use tempfile::TempDir;

async fn open(dir: &TempDir) -> (Store, Secrets) {
    let config = Config {
        data_dir: dir.path().to_path_buf(),
        ..Config::default()
    };
    let store = Store::open(&config).await.expect("store");
    let secrets = Secrets::load(&config, &store).await.expect("secrets");
    (store, secrets)
}

fn reading(used: u64, at: DateTime<Utc>) -> UsageReading {
    UsageReading {
        vendor: Vendor::PlateRecognizerCloud,
        scope: Scope::Key,
        used: Some(Figure::vendor(used)),
        limit: Some(Figure::vendor(1_000)),
        remaining: Some(Figure::inferred(1_000 - i64::try_from(used).expect("fits"))),
        period_start: None,
        resets_on: None,
        as_of: at,
        unknown_fields: vec![],
        details: VendorDetails::PlateRecognizerCloud(PlateRecognizerCloudDetails {
            month: None,
            year: None,
        }),
    }
}

async fn store_poll(store: &Store, key: KeyId, used: u64, at: DateTime<Utc>) {
    let mut tx = store.pool().begin().await.expect("tx");
    insert_batch(
        &mut tx,
        &[NewSnapshot {
            key_id: key,
            polled_at: at,
            duration_ms: 10,
            attempts: 1,
            outcome: Outcome::Ok {
                reading: Box::new(reading(used, at)),
                raw_reply: serde_json::json!({}),
            },
        }],
    )
    .await
    .expect("insert");
    tx.commit().await.expect("commit");
}

/// A Plate Recognizer key labelled "Gate", created at `at`.
async fn add_gate(store: &Store, secrets: &Secrets, at: DateTime<Utc>) -> KeyId {
    team::create_key(
        store,
        secrets,
        &Actor::Cli,
        KeyInput {
            form: KeyForm {
                vendor: "platerecognizer".into(),
                label: "Gate".into(),
                ..KeyForm::default()
            },
            secret: SecretString::from("gate-secret-0123456789".to_owned()),
        },
        at,
    )
    .await
    .expect("key")
}

async fn rows(store: &Store, now: DateTime<Utc>) -> Vec<overview::OverviewRow> {
    overview::load(
        store,
        &OverviewQuery::default(),
        &StatusThresholds::default(),
        now,
    )
    .await
    .expect("overview")
    .rows
}

#[tokio::test]
async fn rows_are_built_once_per_change_and_every_change_shows() {
    let dir = TempDir::new().expect("tempdir");
    let (server, secrets) = open(&dir).await;
    // Another pool on the same file: what `poll --once` in another process writes with.
    let (other, _) = open(&dir).await;
    let now = Utc::now();
    let key = add_gate(&other, &secrets, now).await;
    let cache = server.overview_cache();

    let first = rows(&server, now).await;
    assert_eq!(first[0].status, KeyStatus::Unverified);
    assert_eq!(rows(&server, now).await, first);
    assert_eq!(cache.builds(), 1, "a second request reuses the rows");

    store_poll(&other, key, 900, now).await;
    let polled = rows(&server, now).await;
    assert_eq!(polled[0].used, Some(900));
    assert_eq!(polled[0].status, KeyStatus::Warning);
    assert_eq!(cache.builds(), 2);

    // An alert state is a change too.
    alerts::evaluate(&other, &AlertSettings::default(), &[key], now)
        .await
        .expect("evaluated");
    let alerting = rows(&server, now).await;
    assert_eq!(alerting[0].alerts.len(), 1, "{alerting:?}");
    assert_eq!(alerting[0].alerts[0].text, "80 % used");
    assert_eq!(cache.builds(), 3);
    rows(&server, now).await;
    assert_eq!(cache.builds(), 3);

    team::set_key_enabled(&other, &Actor::Cli, key, false, now)
        .await
        .expect("disabled");
    assert_eq!(rows(&server, now).await[0].status, KeyStatus::Disabled);
    team::delete_key(&other, &Actor::Cli, key, now)
        .await
        .expect("deleted");
    assert!(rows(&server, now).await.is_empty());
    assert_eq!(cache.builds(), 5);
}

#[tokio::test]
async fn a_forecast_turns_stale_with_the_clock_not_with_a_rebuild() {
    let dir = TempDir::new().expect("tempdir");
    let (store, secrets) = open(&dir).await;
    let then = Utc::now() - TimeDelta::hours(1);
    let key = add_gate(&store, &secrets, then).await;
    store_poll(&store, key, 100, then).await;
    engine::forecast::refresh(&store, &[(key, &reading(100, then))], then)
        .await
        .expect("forecast");
    let fresh = rows(&store, then).await;
    assert!(
        !matches!(
            fresh[0].forecast,
            domain::Forecast::Unknown(domain::ForecastUnknown::Stale)
        ),
        "{:?}",
        fresh[0].forecast
    );
    let later = rows(&store, then + TimeDelta::days(2)).await;
    assert_eq!(
        later[0].forecast,
        domain::Forecast::Unknown(domain::ForecastUnknown::Stale)
    );
    assert_eq!(
        store.overview_cache().builds(),
        1,
        "same rows, aged per request"
    );
}
