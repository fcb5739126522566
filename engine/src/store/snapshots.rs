//! `snapshots` (one row per key per poll) and `key_latest` (the newest poll of each
//! key in full). Written in batches, one transaction per batch.

use chrono::{DateTime, Utc};
use domain::{KeyId, UsageReading};
use serde_json::Value;
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};

use super::time::ts;

/// Rows per multi-row INSERT: well under SQLite's bound-parameter limit.
const ROWS_PER_STATEMENT: usize = 500;

/// What one poll of one key produced, ready to store.
#[derive(Debug, Clone, PartialEq)]
pub struct NewSnapshot {
    pub key_id: KeyId,
    pub polled_at: DateTime<Utc>,
    pub duration_ms: i64,
    pub attempts: i64,
    pub outcome: Outcome,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Ok {
        reading: Box<UsageReading>,
        raw_reply: Value,
    },
    Error {
        kind: String,
        message: String,
    },
    /// No request was sent (the vendor asked us to wait).
    Skipped {
        kind: String,
        message: String,
    },
}

impl Outcome {
    fn label(&self) -> &'static str {
        match self {
            Self::Ok { .. } => "ok",
            Self::Error { .. } => "error",
            Self::Skipped { .. } => "skipped",
        }
    }

    fn error(&self) -> (Option<&str>, Option<&str>) {
        match self {
            Self::Ok { .. } => (None, None),
            Self::Error { kind, message } | Self::Skipped { kind, message } => {
                (Some(kind), Some(message))
            }
        }
    }
}

/// Stores a batch of polls: every snapshot row plus each key's latest state, all or
/// nothing. The caller owns the transaction so a crash mid-batch stores none of it.
pub async fn insert_batch(
    tx: &mut SqliteConnection,
    snapshots: &[NewSnapshot],
) -> Result<(), sqlx::Error> {
    for chunk in snapshots.chunks(ROWS_PER_STATEMENT) {
        insert_rows(tx, chunk).await?;
        upsert_latest(tx, chunk).await?;
    }
    Ok(())
}

async fn insert_rows(tx: &mut SqliteConnection, chunk: &[NewSnapshot]) -> Result<(), sqlx::Error> {
    let mut insert = QueryBuilder::<Sqlite>::new(
        "INSERT INTO snapshots (key_id, polled_at, duration_ms, attempts, outcome, scope, \
         used, usage_limit, remaining, period_start, resets_on, as_of, error_kind, error_message) ",
    );
    insert.push_values(chunk, |mut row, snapshot| {
        let reading = match &snapshot.outcome {
            Outcome::Ok { reading, .. } => Some(reading.as_ref()),
            _ => None,
        };
        let (error_kind, error_message) = snapshot.outcome.error();
        row.push_bind(snapshot.key_id.0)
            .push_bind(ts(snapshot.polled_at))
            .push_bind(snapshot.duration_ms)
            .push_bind(snapshot.attempts)
            .push_bind(snapshot.outcome.label())
            .push_bind(reading.map(|r| scope_label(r.scope)))
            .push_bind(
                reading
                    .and_then(|r| r.used)
                    .map(|f| saturating_i64(f.value)),
            )
            .push_bind(
                reading
                    .and_then(|r| r.limit)
                    .map(|f| saturating_i64(f.value)),
            )
            .push_bind(reading.and_then(|r| r.remaining).map(|f| f.value))
            .push_bind(reading.and_then(|r| r.period_start).map(|f| ts(f.value)))
            .push_bind(reading.and_then(|r| r.resets_on).map(|f| ts(f.value)))
            .push_bind(reading.map(|r| ts(r.as_of)))
            .push_bind(error_kind.map(str::to_owned))
            .push_bind(error_message.map(str::to_owned));
    });
    insert.build().execute(tx).await?;
    Ok(())
}

async fn upsert_latest(
    tx: &mut SqliteConnection,
    chunk: &[NewSnapshot],
) -> Result<(), sqlx::Error> {
    let mut rows = Vec::with_capacity(chunk.len());
    for snapshot in chunk {
        let (reading, raw_reply) = match &snapshot.outcome {
            Outcome::Ok { reading, raw_reply } => (
                Some(
                    serde_json::to_string(reading.as_ref())
                        .map_err(|error| sqlx::Error::Encode(Box::new(error)))?,
                ),
                Some(raw_reply.to_string()),
            ),
            _ => (None, None),
        };
        rows.push((snapshot, reading, raw_reply));
    }
    let mut upsert = QueryBuilder::<Sqlite>::new(
        "INSERT INTO key_latest (key_id, polled_at, outcome, reading, reading_at, raw_reply, \
         error_kind, error_message, failures) ",
    );
    upsert.push_values(rows, |mut row, (snapshot, reading, raw_reply)| {
        let polled_at = ts(snapshot.polled_at);
        let (error_kind, error_message) = snapshot.outcome.error();
        let ok = matches!(snapshot.outcome, Outcome::Ok { .. });
        row.push_bind(snapshot.key_id.0)
            .push_bind(polled_at.clone())
            .push_bind(snapshot.outcome.label())
            .push_bind(reading)
            .push_bind(ok.then_some(polled_at))
            .push_bind(raw_reply)
            .push_bind(error_kind.map(str::to_owned))
            .push_bind(error_message.map(str::to_owned))
            .push_bind(i64::from(!ok));
    });
    // A failure keeps the last good reading and reply and extends the streak; a
    // success resets it.
    upsert.push(
        " ON CONFLICT (key_id) DO UPDATE SET polled_at = excluded.polled_at, \
         outcome = excluded.outcome, \
         reading = COALESCE(excluded.reading, key_latest.reading), \
         reading_at = COALESCE(excluded.reading_at, key_latest.reading_at), \
         raw_reply = COALESCE(excluded.raw_reply, key_latest.raw_reply), \
         error_kind = excluded.error_kind, error_message = excluded.error_message, \
         failures = CASE WHEN excluded.outcome = 'ok' THEN 0 ELSE key_latest.failures + 1 END",
    );
    upsert.build().execute(tx).await?;
    Ok(())
}

/// The newest state of one key, as the dashboard and the CLI show it.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct LatestRow {
    pub key_id: i64,
    pub polled_at: DateTime<Utc>,
    pub outcome: String,
    pub reading: Option<String>,
    pub reading_at: Option<DateTime<Utc>>,
    pub raw_reply: Option<String>,
    pub error_kind: Option<String>,
    pub error_message: Option<String>,
    pub failures: i64,
}

impl LatestRow {
    pub fn reading(&self) -> Option<UsageReading> {
        self.reading
            .as_deref()
            .and_then(|json| serde_json::from_str(json).ok())
    }

    /// The vendor's last good reply (secrets removed), indented for reading.
    pub fn raw_reply_pretty(&self) -> Option<String> {
        self.raw_reply
            .as_deref()
            .and_then(|raw| serde_json::from_str::<Value>(raw).ok())
            .and_then(|value| serde_json::to_string_pretty(&value).ok())
    }
}

pub async fn latest_for_all(
    executor: impl sqlx::SqliteExecutor<'_>,
) -> Result<Vec<LatestRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT key_id, polled_at, outcome, reading, reading_at, raw_reply, error_kind, \
         error_message, failures FROM key_latest ORDER BY key_id",
    )
    .fetch_all(executor)
    .await
}

/// The newest state of one key, if it was ever polled.
pub async fn latest_for(
    executor: impl sqlx::SqliteExecutor<'_>,
    key_id: KeyId,
) -> Result<Option<LatestRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT key_id, polled_at, outcome, reading, reading_at, raw_reply, error_kind, \
         error_message, failures FROM key_latest WHERE key_id = ?",
    )
    .bind(key_id.0)
    .fetch_optional(executor)
    .await
}

/// How each key's latest poll went, without its reading: for the Keys page.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct LastCheck {
    pub key_id: i64,
    pub polled_at: DateTime<Utc>,
    /// `ok`, `error` or `skipped`.
    pub outcome: String,
    pub error_message: Option<String>,
}

pub async fn last_checks(
    executor: impl sqlx::SqliteExecutor<'_>,
) -> Result<Vec<LastCheck>, sqlx::Error> {
    sqlx::query_as("SELECT key_id, polled_at, outcome, error_message FROM key_latest")
        .fetch_all(executor)
        .await
}

/// When each key was last polled, for deciding which keys are due.
pub async fn last_polled(
    executor: impl sqlx::SqliteExecutor<'_>,
) -> Result<Vec<(i64, DateTime<Utc>)>, sqlx::Error> {
    sqlx::query_as("SELECT key_id, polled_at FROM key_latest")
        .fetch_all(executor)
        .await
}

/// A key's snapshots in a time range, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SnapshotRow {
    pub polled_at: DateTime<Utc>,
    pub outcome: String,
    pub used: Option<i64>,
    pub usage_limit: Option<i64>,
    pub remaining: Option<i64>,
    pub error_kind: Option<String>,
}

pub async fn history(
    executor: impl sqlx::SqliteExecutor<'_>,
    key_id: KeyId,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<SnapshotRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT polled_at, outcome, used, usage_limit, remaining, error_kind FROM snapshots \
         WHERE key_id = ? AND polled_at >= ? AND polled_at < ? ORDER BY polled_at",
    )
    .bind(key_id.0)
    .bind(ts(from))
    .bind(ts(to))
    .fetch_all(executor)
    .await
}

fn scope_label(scope: domain::Scope) -> &'static str {
    match scope {
        domain::Scope::Key => "key",
        domain::Scope::Account => "account",
    }
}

/// SQLite integers are signed 64-bit; no vendor count comes near the top of `u64`.
fn saturating_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

/// A key's raw snapshots in `[from, to)` with the figures charts need, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RawPoint {
    pub polled_at: DateTime<Utc>,
    pub outcome: String,
    pub used: Option<i64>,
    pub usage_limit: Option<i64>,
    pub remaining: Option<i64>,
    pub period_start: Option<DateTime<Utc>>,
}

pub async fn raw_points(
    executor: impl sqlx::SqliteExecutor<'_>,
    key_id: KeyId,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<RawPoint>, sqlx::Error> {
    sqlx::query_as(
        "SELECT polled_at, outcome, used, usage_limit, remaining, period_start FROM snapshots \
         WHERE key_id = ? AND polled_at >= ? AND polled_at < ? ORDER BY polled_at, id",
    )
    .bind(key_id.0)
    .bind(ts(from))
    .bind(ts(to))
    .fetch_all(executor)
    .await
}
