//! Rollups and retention on a real SQLite file: hourly and daily rows checked against
//! the raw snapshots they summarise, idempotence, atomic chunks, retention by age,
//! and the range reader choosing rollups for long ranges.

use std::collections::BTreeMap;

use chrono::{DateTime, TimeDelta, Utc};
use domain::{
    Figure, HistoryRange, KeyForm, KeyId, OcrSpaceDetails, Scope, UsageReading, Vendor,
    VendorDetails,
};
use engine::{
    Config, Store,
    history::{self, Resolution, Retention},
    secrets::Secrets,
    store::{
        rollups,
        snapshots::{NewSnapshot, Outcome, insert_batch},
    },
    team::{self, Actor, KeyInput},
};
use secrecy::SecretString;
use tempfile::TempDir;

struct World {
    _dir: TempDir,
    store: Store,
    secrets: Secrets,
}

async fn world() -> World {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = Config {
        data_dir: dir.path().to_path_buf(),
        ..Config::default()
    };
    let store = Store::open(&config).await.expect("store");
    let secrets = Secrets::load(&config, &store).await.expect("secrets");
    World {
        _dir: dir,
        store,
        secrets,
    }
}

fn at(text: &str) -> DateTime<Utc> {
    text.parse().expect("timestamp")
}

impl World {
    async fn key(&self, label: &str) -> KeyId {
        let input = KeyInput {
            form: KeyForm {
                vendor: "ocr-space".into(),
                label: label.into(),
                monthly_limit: "1000".into(),
                ..KeyForm::default()
            },
            secret: SecretString::from("test-ocr-key-0001".to_owned()),
        };
        team::create_key(&self.store, &self.secrets, &Actor::Cli, input, Utc::now())
            .await
            .expect("key")
    }

    async fn store_rows(&self, rows: &[NewSnapshot]) {
        let mut tx = self.store.pool().begin().await.expect("tx");
        insert_batch(&mut tx, rows).await.expect("insert");
        tx.commit().await.expect("commit");
    }

    async fn rollup_table(&self) -> Vec<(i64, String, String, String)> {
        sqlx::query_as(
            "SELECT key_id, grain, bucket_start, json_array(polls, ok_count, error_count, \
             skipped_count, used_min, used_max, used_last, remaining_min, remaining_max, \
             remaining_last, usage_limit_last, period_start_last, last_ok_at) \
             FROM snapshot_rollups ORDER BY key_id, grain, bucket_start",
        )
        .fetch_all(self.store.pool())
        .await
        .expect("rollups")
    }

    async fn count(&self, sql: &'static str) -> i64 {
        sqlx::query_scalar(sql)
            .fetch_one(self.store.pool())
            .await
            .expect("count")
    }
}

fn ok(key: KeyId, polled_at: DateTime<Utc>, used: u64) -> NewSnapshot {
    let limit = 1_000;
    let reading = UsageReading {
        vendor: Vendor::OcrSpace,
        scope: Scope::Key,
        used: Some(Figure::vendor(used)),
        limit: Some(Figure::configured(limit)),
        remaining: Some(Figure::inferred(limit as i64 - used as i64)),
        period_start: Some(Figure::inferred(at("2026-06-01T00:00:00Z"))),
        resets_on: Some(Figure::inferred(at("2026-07-01T00:00:00Z"))),
        as_of: polled_at,
        unknown_fields: Vec::new(),
        details: VendorDetails::OcrSpace(OcrSpaceDetails {
            engine1: None,
            engine2: None,
            engine3: None,
            total: Some(used),
            unverified: false,
            last_month: false,
        }),
    };
    NewSnapshot {
        key_id: key,
        polled_at,
        duration_ms: 40,
        attempts: 1,
        outcome: Outcome::Ok {
            reading: Box::new(reading),
            raw_reply: serde_json::json!({ "count_total": used }),
        },
    }
}

fn failed(key: KeyId, polled_at: DateTime<Utc>, skipped: bool) -> NewSnapshot {
    let (kind, message) = ("timeout".to_owned(), "no answer".to_owned());
    NewSnapshot {
        key_id: key,
        polled_at,
        duration_ms: 20_000,
        attempts: 3,
        outcome: if skipped {
            Outcome::Skipped { kind, message }
        } else {
            Outcome::Error { kind, message }
        },
    }
}

/// Two keys, every 10 minutes over two days, with failures sprinkled in and usage
/// that grows unevenly (so min, max and last differ).
fn two_days(a: KeyId, b: KeyId) -> Vec<NewSnapshot> {
    let start = at("2026-06-10T00:00:00Z");
    let mut rows = Vec::new();
    for step in 0..(2 * 24 * 6) {
        let when = start + TimeDelta::minutes(10 * step) + TimeDelta::seconds(step % 7);
        let step_u = u64::try_from(step).expect("positive");
        rows.push(match step % 9 {
            4 => failed(a, when, false),
            7 => failed(a, when, true),
            _ => ok(a, when, 3 * step_u + step_u % 5),
        });
        rows.push(if step % 13 == 0 {
            failed(b, when, false)
        } else {
            ok(b, when, 500 - step_u / 2)
        });
    }
    rows
}

#[derive(Debug, Default, PartialEq, Eq)]
struct Expected {
    polls: i64,
    ok: i64,
    errors: i64,
    skipped: i64,
    used_min: Option<i64>,
    used_max: Option<i64>,
    used_last: Option<i64>,
    remaining_min: Option<i64>,
    remaining_max: Option<i64>,
    remaining_last: Option<i64>,
}

/// The rollup computed in Rust straight from the raw rows, bucketed by `width`.
fn expected(rows: &[NewSnapshot], key: KeyId, width: i64) -> BTreeMap<i64, Expected> {
    let mut out: BTreeMap<i64, Expected> = BTreeMap::new();
    for row in rows.iter().filter(|r| r.key_id == key) {
        let bucket = row.polled_at.timestamp().div_euclid(width) * width;
        let e = out.entry(bucket).or_default();
        e.polls += 1;
        match &row.outcome {
            Outcome::Ok { reading, .. } => {
                e.ok += 1;
                let used = reading.used.map(|f| f.value as i64);
                let remaining = reading.remaining.map(|f| f.value);
                e.used_min = e.used_min.min(used).or(used);
                e.used_max = e.used_max.max(used);
                e.remaining_min = e.remaining_min.min(remaining).or(remaining);
                e.remaining_max = e.remaining_max.max(remaining);
                // Rows are in time order: the last good one wins.
                e.used_last = used;
                e.remaining_last = remaining;
            }
            Outcome::Error { .. } => e.errors += 1,
            Outcome::Skipped { .. } => e.skipped += 1,
        }
    }
    out
}

async fn actual(w: &World, key: KeyId, grain: rollups::Grain) -> BTreeMap<i64, Expected> {
    rollups::read(
        w.store.pool(),
        key,
        grain,
        at("2000-01-01T00:00:00Z"),
        at("2100-01-01T00:00:00Z"),
    )
    .await
    .expect("read")
    .into_iter()
    .map(|r| {
        (
            r.bucket_start.timestamp(),
            Expected {
                polls: r.polls,
                ok: r.ok_count,
                errors: r.error_count,
                skipped: r.skipped_count,
                used_min: r.used_min,
                used_max: r.used_max,
                used_last: r.used_last,
                remaining_min: r.remaining_min,
                remaining_max: r.remaining_max,
                remaining_last: r.remaining_last,
            },
        )
    })
    .collect()
}

#[tokio::test]
async fn hourly_and_daily_rollups_match_the_raw_snapshots() {
    let w = world().await;
    let (a, b) = (w.key("a").await, w.key("b").await);
    let rows = two_days(a, b);
    // Stored in several batches, rolled up in between, so later snapshots land in
    // buckets that already have a rollup row.
    let (first, rest) = rows.split_at(301);
    w.store_rows(first).await;
    history::roll_up(&w.store).await.expect("first roll-up");
    w.store_rows(rest).await;
    let report = history::roll_up(&w.store).await.expect("second roll-up");
    assert!(report.snapshots_rolled_up > 0);

    for key in [a, b] {
        let hours = actual(&w, key, rollups::Grain::Hour).await;
        assert_eq!(hours.len(), 48);
        assert_eq!(hours, expected(&rows, key, 3_600), "hourly rows of {key}");
        let days = actual(&w, key, rollups::Grain::Day).await;
        assert_eq!(days.len(), 2);
        assert_eq!(days, expected(&rows, key, 86_400), "daily rows of {key}");
    }
    // A bucket whose newest poll failed still reports its newest good reading.
    let hours = actual(&w, a, rollups::Grain::Hour).await;
    assert!(
        hours
            .values()
            .any(|h| h.errors > 0 && h.used_last.is_some())
    );
}

#[tokio::test]
async fn rolling_up_again_or_from_scratch_gives_the_same_rows() {
    let w = world().await;
    let (a, b) = (w.key("a").await, w.key("b").await);
    w.store_rows(&two_days(a, b)).await;
    history::roll_up(&w.store).await.expect("roll-up");
    let once = w.rollup_table().await;
    assert_eq!(once.len(), 2 * (48 + 2));

    let again = history::roll_up(&w.store).await.expect("again");
    assert_eq!(again.snapshots_rolled_up, 0, "nothing new, nothing read");
    assert_eq!(w.rollup_table().await, once);

    // As after a lost progress mark: every bucket recomputed, same result.
    rollups::set_progress(w.store.pool(), 0)
        .await
        .expect("reset");
    history::roll_up(&w.store).await.expect("from scratch");
    assert_eq!(w.rollup_table().await, once);
}

#[tokio::test]
async fn a_failing_chunk_leaves_neither_rollups_nor_progress_behind() {
    let w = world().await;
    let (a, b) = (w.key("a").await, w.key("b").await);
    w.store_rows(&two_days(a, b)).await;
    // The daily step fails after the hourly step has written its rows.
    sqlx::query(
        "CREATE TRIGGER fail_daily BEFORE INSERT ON snapshot_rollups WHEN NEW.grain = 'day' \
         BEGIN SELECT RAISE(ABORT, 'disk full'); END",
    )
    .execute(w.store.pool())
    .await
    .expect("trigger");
    history::roll_up(&w.store)
        .await
        .expect_err("the chunk fails");
    assert_eq!(w.count("SELECT COUNT(*) FROM snapshot_rollups").await, 0);
    assert_eq!(
        rollups::progress(w.store.pool()).await.expect("progress"),
        0
    );

    sqlx::query("DROP TRIGGER fail_daily")
        .execute(w.store.pool())
        .await
        .expect("drop");
    history::roll_up(&w.store).await.expect("retry");
    assert_eq!(
        w.count("SELECT COUNT(*) FROM snapshot_rollups").await,
        2 * (48 + 2)
    );
}

#[tokio::test]
async fn retention_deletes_only_what_is_older_and_never_unrolled_snapshots() {
    let w = world().await;
    let key = w.key("a").await;
    let now = at("2026-06-30T12:00:00Z");
    let retention = Retention::default();
    // Raw: 8 days and 6 days old.
    let old_raw = ok(key, now - TimeDelta::days(8), 1);
    let kept_raw = ok(key, now - TimeDelta::days(6), 2);
    w.store_rows(&[old_raw.clone(), kept_raw.clone()]).await;

    // Not rolled up yet: nothing raw may go.
    let report = history::apply_retention(&w.store, &retention, now)
        .await
        .expect("retention");
    assert_eq!(report.raw_deleted, 0);
    assert_eq!(w.count("SELECT COUNT(*) FROM snapshots").await, 2);

    history::roll_up(&w.store).await.expect("roll-up");
    // Rollup rows past their retention, written as if from long ago.
    for (grain, bucket) in [
        ("hour", "2026-03-31T11:00:00.000Z"), // 91 days: gone
        ("hour", "2026-04-02T12:00:00.000Z"), // 89 days: kept
        ("day", "2024-06-29T00:00:00.000Z"),  // 2 years and a day: gone
        ("day", "2024-07-02T00:00:00.000Z"),  // under 2 years: kept
    ] {
        sqlx::query(
            "INSERT INTO snapshot_rollups (key_id, grain, bucket_start, polls, ok_count, \
             error_count, skipped_count) VALUES (?, ?, ?, 1, 1, 0, 0)",
        )
        .bind(key.0)
        .bind(grain)
        .bind(bucket)
        .execute(w.store.pool())
        .await
        .expect("old rollup");
    }
    let report = history::maintain(&w.store, &retention, now)
        .await
        .expect("maintain");
    assert_eq!(
        (
            report.raw_deleted,
            report.hourly_deleted,
            report.daily_deleted
        ),
        (1, 1, 1)
    );
    let left: Vec<String> = sqlx::query_scalar("SELECT polled_at FROM snapshots")
        .fetch_all(w.store.pool())
        .await
        .expect("left");
    assert_eq!(left, vec![engine::store::time::ts(kept_raw.polled_at)]);
    let buckets: Vec<String> = sqlx::query_scalar(
        "SELECT grain || ' ' || bucket_start FROM snapshot_rollups \
         WHERE bucket_start < '2026-06-01' ORDER BY 1",
    )
    .fetch_all(w.store.pool())
    .await
    .expect("buckets");
    assert_eq!(
        buckets,
        vec![
            "day 2024-07-02T00:00:00.000Z".to_owned(),
            "hour 2026-04-02T12:00:00.000Z".to_owned(),
        ]
    );
    // The deleted raw snapshot's rollups stay: the history outlives the raw rows.
    let hour_of_old = history::bucket_of(old_raw.polled_at, rollups::Grain::Hour);
    let rows = rollups::read(
        w.store.pool(),
        key,
        rollups::Grain::Hour,
        hour_of_old,
        hour_of_old + TimeDelta::hours(1),
    )
    .await
    .expect("read");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].used_last, Some(1));

    // Month close-outs last as long as the daily history: May 2024 is past two
    // years, July 2024 is not.
    let closeout = |start: &str, end: &str| engine::store::closeouts::NewCloseout {
        key_id: key,
        period_start: at(start),
        period_end: at(end),
        used: 500,
        limit: Some(1000),
        fetched_at: at(end),
        raw_reply: serde_json::json!({}),
    };
    let mut tx = w.store.pool().begin().await.expect("tx");
    engine::store::closeouts::upsert(
        &mut tx,
        &[
            closeout("2024-05-01T00:00:00Z", "2024-05-31T23:59:59Z"),
            closeout("2024-07-01T00:00:00Z", "2024-07-31T23:59:59Z"),
        ],
    )
    .await
    .expect("close-outs");
    tx.commit().await.expect("commit");
    let report = history::apply_retention(&w.store, &retention, now)
        .await
        .expect("retention");
    assert_eq!(report.closeouts_deleted, 1);
    let left: Vec<String> = sqlx::query_scalar("SELECT period_start FROM period_closeouts")
        .fetch_all(w.store.pool())
        .await
        .expect("left");
    assert_eq!(left, vec!["2024-07-01T00:00:00.000Z".to_owned()]);
}

#[tokio::test]
async fn a_one_year_chart_reads_only_daily_rollups_and_a_day_reads_raw() {
    let w = world().await;
    let key = w.key("a").await;
    let now = at("2026-06-30T12:00:00Z");
    // Rolled up: one snapshot a day for 400 days.
    let rolled: Vec<NewSnapshot> = (0..400)
        .map(|day| ok(key, now - TimeDelta::days(day) - TimeDelta::minutes(5), 7))
        .collect();
    w.store_rows(&rolled).await;
    history::roll_up(&w.store).await.expect("roll-up");
    // Raw only (not rolled up yet), with a figure no rollup has.
    w.store_rows(&[ok(key, now - TimeDelta::minutes(1), 999)])
        .await;
    let retention = Retention::default();

    let year = history::history(&w.store, key, HistoryRange::Year, &retention, now)
        .await
        .expect("year");
    assert_eq!(year.resolution, Resolution::Day);
    assert!(
        (365..=366).contains(&year.points.len()),
        "{}",
        year.points.len()
    );
    assert!(
        year.points.iter().all(|p| p.used == Some(7)),
        "only rollups read"
    );

    let quarter = history::history(&w.store, key, HistoryRange::Quarter, &retention, now)
        .await
        .expect("quarter");
    assert_eq!(quarter.resolution, Resolution::Day);
    assert!(quarter.points.len() <= 91);

    let week = history::history(&w.store, key, HistoryRange::Week, &retention, now)
        .await
        .expect("week");
    assert_eq!(week.resolution, Resolution::Hour);
    assert!(week.points.iter().all(|p| p.used == Some(7)));

    let day = history::history(&w.store, key, HistoryRange::Day, &retention, now)
        .await
        .expect("day");
    assert_eq!(day.resolution, Resolution::Raw);
    assert_eq!(
        day.points.last().and_then(|p| p.used),
        Some(999),
        "a day reads raw snapshots, newest included"
    );
}
