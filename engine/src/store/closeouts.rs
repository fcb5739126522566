//! `period_closeouts`: a closed billing period's final figures, as the vendor
//! reported them after it ended (OCR.space's `startDate=lastMonth`).

use chrono::{DateTime, Utc};
use domain::KeyId;
use serde_json::Value;
use sqlx::{QueryBuilder, Sqlite, SqliteConnection, SqliteExecutor};

use super::time::ts;

#[derive(Debug, Clone, PartialEq)]
pub struct NewCloseout {
    pub key_id: KeyId,
    pub period_start: DateTime<Utc>,
    pub period_end: DateTime<Utc>,
    pub used: i64,
    pub limit: Option<i64>,
    pub fetched_at: DateTime<Utc>,
    pub raw_reply: Value,
}

/// Stores close-outs; a later fetch of the same key and period replaces the earlier
/// one (the vendor may still have been counting the period's last day).
pub async fn upsert(tx: &mut SqliteConnection, rows: &[NewCloseout]) -> Result<(), sqlx::Error> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut insert = QueryBuilder::<Sqlite>::new(
        "INSERT INTO period_closeouts (key_id, period_start, period_end, used, usage_limit, \
         fetched_at, raw_reply) ",
    );
    insert.push_values(rows, |mut row, closeout| {
        row.push_bind(closeout.key_id.0)
            .push_bind(ts(closeout.period_start))
            .push_bind(ts(closeout.period_end))
            .push_bind(closeout.used)
            .push_bind(closeout.limit)
            .push_bind(ts(closeout.fetched_at))
            .push_bind(closeout.raw_reply.to_string());
    });
    insert.push(
        " ON CONFLICT (key_id, period_start) DO UPDATE SET period_end = excluded.period_end, \
         used = excluded.used, usage_limit = excluded.usage_limit, \
         fetched_at = excluded.fetched_at, raw_reply = excluded.raw_reply \
         WHERE excluded.fetched_at >= period_closeouts.fetched_at",
    );
    insert.build().execute(tx).await?;
    Ok(())
}

/// The keys that have a close-out for the period starting at `period_start`.
pub async fn keys_closed(
    db: impl SqliteExecutor<'_>,
    period_start: DateTime<Utc>,
) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT key_id FROM period_closeouts WHERE period_start = ?")
        .bind(ts(period_start))
        .fetch_all(db)
        .await
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CloseoutRow {
    pub period_start: DateTime<Utc>,
    pub period_end: DateTime<Utc>,
    pub used: i64,
    pub usage_limit: Option<i64>,
    pub fetched_at: DateTime<Utc>,
}

/// A key's close-outs, newest period first.
pub async fn for_key(
    db: impl SqliteExecutor<'_>,
    key_id: KeyId,
    limit: i64,
) -> Result<Vec<CloseoutRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT period_start, period_end, used, usage_limit, fetched_at FROM period_closeouts \
         WHERE key_id = ? ORDER BY period_start DESC LIMIT ?",
    )
    .bind(key_id.0)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// Retention: close-outs of periods that ended before `before` (kept as long as the
/// daily rollups, whose range they complete). The number deleted.
pub async fn delete_before(
    executor: impl SqliteExecutor<'_>,
    before: DateTime<Utc>,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query("DELETE FROM period_closeouts WHERE period_end < ?")
        .bind(ts(before))
        .execute(executor)
        .await?;
    Ok(done.rows_affected())
}
