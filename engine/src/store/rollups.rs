//! `snapshot_rollups` (hourly and daily summaries of `snapshots`) and
//! `rollup_progress` (how far they have read). Set-based SQL: one statement rolls up
//! every bucket a range of new snapshot ids touched.

use chrono::{DateTime, Utc};
use domain::KeyId;
use sqlx::{SqliteConnection, SqliteExecutor};

use super::time::ts;

/// Hourly or daily (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grain {
    Hour,
    Day,
}

impl Grain {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Hour => "hour",
            Self::Day => "day",
        }
    }
}

/// Every snapshot with an id up to this one is in the rollups.
pub async fn progress(db: impl SqliteExecutor<'_>) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT last_snapshot_id FROM rollup_progress WHERE id = 1")
        .fetch_one(db)
        .await
}

pub async fn set_progress(db: impl SqliteExecutor<'_>, id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE rollup_progress SET last_snapshot_id = ? WHERE id = 1")
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

/// The end of the next chunk of at most `rows` snapshot ids after `after`, or `None`
/// when there is nothing new.
pub async fn next_chunk_end(
    db: &mut SqliteConnection,
    after: i64,
    rows: i64,
) -> Result<Option<i64>, sqlx::Error> {
    let full: Option<i64> =
        sqlx::query_scalar("SELECT id FROM snapshots WHERE id > ? ORDER BY id LIMIT 1 OFFSET ?")
            .bind(after)
            .bind(rows - 1)
            .fetch_optional(&mut *db)
            .await?;
    if full.is_some() {
        return Ok(full);
    }
    sqlx::query_scalar("SELECT MAX(id) FROM snapshots WHERE id > ?")
        .bind(after)
        .fetch_one(db)
        .await
}

/// Recomputes, from all their raw snapshots, the hourly rows of every (key, hour)
/// that a snapshot with an id in `(after, upto]` falls in. Returns the rows written.
pub async fn roll_up_hours(
    db: &mut SqliteConnection,
    after: i64,
    upto: i64,
) -> Result<u64, sqlx::Error> {
    // The hour is the timestamp's first 13 characters (`2026-12-01T08`); `:` and `;`
    // bracket every timestamp in it, so the join is an index range per bucket.
    let done = sqlx::query(
        "WITH dirty AS ( \
             SELECT DISTINCT key_id, substr(polled_at, 1, 13) AS hour FROM snapshots \
             WHERE id > ?1 AND id <= ?2 \
         ), \
         rows AS ( \
             SELECT s.key_id, d.hour, s.outcome, s.used, s.remaining, s.usage_limit, \
                    s.period_start, s.polled_at, \
                    ROW_NUMBER() OVER ( \
                        PARTITION BY s.key_id, d.hour, s.outcome = 'ok' \
                        ORDER BY s.polled_at DESC, s.id DESC) AS newest \
             FROM dirty d JOIN snapshots s ON s.key_id = d.key_id \
                 AND s.polled_at >= d.hour || ':' AND s.polled_at < d.hour || ';' \
         ) \
         INSERT INTO snapshot_rollups (key_id, grain, bucket_start, polls, ok_count, \
             error_count, skipped_count, used_min, used_max, used_last, remaining_min, \
             remaining_max, remaining_last, usage_limit_last, period_start_last, last_ok_at) \
         SELECT key_id, 'hour', hour || ':00:00.000Z', COUNT(*), \
             SUM(outcome = 'ok'), SUM(outcome = 'error'), SUM(outcome = 'skipped'), \
             MIN(used), MAX(used), \
             MAX(CASE WHEN outcome = 'ok' AND newest = 1 THEN used END), \
             MIN(remaining), MAX(remaining), \
             MAX(CASE WHEN outcome = 'ok' AND newest = 1 THEN remaining END), \
             MAX(CASE WHEN outcome = 'ok' AND newest = 1 THEN usage_limit END), \
             MAX(CASE WHEN outcome = 'ok' AND newest = 1 THEN period_start END), \
             MAX(CASE WHEN outcome = 'ok' THEN polled_at END) \
         FROM rows WHERE true GROUP BY key_id, hour \
         ON CONFLICT (key_id, grain, bucket_start) DO UPDATE SET \
             polls = excluded.polls, ok_count = excluded.ok_count, \
             error_count = excluded.error_count, skipped_count = excluded.skipped_count, \
             used_min = excluded.used_min, used_max = excluded.used_max, \
             used_last = excluded.used_last, remaining_min = excluded.remaining_min, \
             remaining_max = excluded.remaining_max, remaining_last = excluded.remaining_last, \
             usage_limit_last = excluded.usage_limit_last, \
             period_start_last = excluded.period_start_last, last_ok_at = excluded.last_ok_at",
    )
    .bind(after)
    .bind(upto)
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}

/// Recomputes, from their hourly rows, the daily rows of every (key, day) that a
/// snapshot with an id in `(after, upto]` falls in. Run after `roll_up_hours`.
pub async fn roll_up_days(
    db: &mut SqliteConnection,
    after: i64,
    upto: i64,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "WITH dirty AS ( \
             SELECT DISTINCT key_id, substr(polled_at, 1, 10) AS day FROM snapshots \
             WHERE id > ?1 AND id <= ?2 \
         ), \
         hours AS ( \
             SELECT r.*, d.day, \
                    ROW_NUMBER() OVER ( \
                        PARTITION BY r.key_id, d.day, r.ok_count > 0 \
                        ORDER BY r.bucket_start DESC) AS newest \
             FROM dirty d JOIN snapshot_rollups r ON r.key_id = d.key_id \
                 AND r.grain = 'hour' \
                 AND r.bucket_start >= d.day || 'T' AND r.bucket_start < d.day || 'U' \
         ) \
         INSERT INTO snapshot_rollups (key_id, grain, bucket_start, polls, ok_count, \
             error_count, skipped_count, used_min, used_max, used_last, remaining_min, \
             remaining_max, remaining_last, usage_limit_last, period_start_last, last_ok_at) \
         SELECT key_id, 'day', day || 'T00:00:00.000Z', SUM(polls), SUM(ok_count), \
             SUM(error_count), SUM(skipped_count), MIN(used_min), MAX(used_max), \
             MAX(CASE WHEN ok_count > 0 AND newest = 1 THEN used_last END), \
             MIN(remaining_min), MAX(remaining_max), \
             MAX(CASE WHEN ok_count > 0 AND newest = 1 THEN remaining_last END), \
             MAX(CASE WHEN ok_count > 0 AND newest = 1 THEN usage_limit_last END), \
             MAX(CASE WHEN ok_count > 0 AND newest = 1 THEN period_start_last END), \
             MAX(last_ok_at) \
         FROM hours WHERE true GROUP BY key_id, day \
         ON CONFLICT (key_id, grain, bucket_start) DO UPDATE SET \
             polls = excluded.polls, ok_count = excluded.ok_count, \
             error_count = excluded.error_count, skipped_count = excluded.skipped_count, \
             used_min = excluded.used_min, used_max = excluded.used_max, \
             used_last = excluded.used_last, remaining_min = excluded.remaining_min, \
             remaining_max = excluded.remaining_max, remaining_last = excluded.remaining_last, \
             usage_limit_last = excluded.usage_limit_last, \
             period_start_last = excluded.period_start_last, last_ok_at = excluded.last_ok_at",
    )
    .bind(after)
    .bind(upto)
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}

/// Deletes up to `limit` raw snapshots older than `before` that the rollups have
/// already read (id at most `rolled_up`). Never the newest row: SQLite would then
/// reuse ids and the rollups' progress mark would skip new snapshots.
pub async fn delete_raw(
    db: impl SqliteExecutor<'_>,
    before: DateTime<Utc>,
    rolled_up: i64,
    limit: i64,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "DELETE FROM snapshots WHERE id IN ( \
             SELECT id FROM snapshots WHERE polled_at < ?1 AND id <= ?2 \
                 AND id < (SELECT MAX(id) FROM snapshots) \
             LIMIT ?3)",
    )
    .bind(ts(before))
    .bind(rolled_up)
    .bind(limit)
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}

/// Deletes up to `limit` rollup rows of `grain` whose bucket started before `before`.
pub async fn delete_rollups(
    db: impl SqliteExecutor<'_>,
    grain: Grain,
    before: DateTime<Utc>,
    limit: i64,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "DELETE FROM snapshot_rollups WHERE (key_id, grain, bucket_start) IN ( \
             SELECT key_id, grain, bucket_start FROM snapshot_rollups \
             WHERE grain = ?1 AND bucket_start < ?2 LIMIT ?3)",
    )
    .bind(grain.as_str())
    .bind(ts(before))
    .bind(limit)
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}

/// One rollup row as charts read it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RollupRow {
    pub bucket_start: DateTime<Utc>,
    pub polls: i64,
    pub ok_count: i64,
    pub error_count: i64,
    pub skipped_count: i64,
    pub used_min: Option<i64>,
    pub used_max: Option<i64>,
    pub used_last: Option<i64>,
    pub remaining_min: Option<i64>,
    pub remaining_max: Option<i64>,
    pub remaining_last: Option<i64>,
    pub usage_limit_last: Option<i64>,
    pub period_start_last: Option<DateTime<Utc>>,
    pub last_ok_at: Option<DateTime<Utc>>,
}

/// A key's rollup rows of `grain` whose bucket starts in `[from, to)`, oldest first.
pub async fn read(
    db: impl SqliteExecutor<'_>,
    key_id: KeyId,
    grain: Grain,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<RollupRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT bucket_start, polls, ok_count, error_count, skipped_count, used_min, used_max, \
         used_last, remaining_min, remaining_max, remaining_last, usage_limit_last, \
         period_start_last, last_ok_at FROM snapshot_rollups \
         WHERE key_id = ? AND grain = ? AND bucket_start >= ? AND bucket_start < ? \
         ORDER BY bucket_start",
    )
    .bind(key_id.0)
    .bind(grain.as_str())
    .bind(ts(from))
    .bind(ts(to))
    .fetch_all(db)
    .await
}
