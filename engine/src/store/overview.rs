//! The overview's one read: every key with its newest poll and forecast, in a single
//! query (no per-key round trips, however many keys there are), and the version that
//! says whether the rows read last are still current.

use chrono::{DateTime, Utc};
use sqlx::SqliteExecutor;

/// A key joined with `key_latest` and `key_forecasts`; the poll columns are `None`
/// for a key never polled.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct OverviewDbRow {
    pub id: i64,
    pub vendor: String,
    pub label: String,
    pub owner_tag: Option<String>,
    pub enabled: bool,
    pub account_ref: Option<String>,
    pub polled_at: Option<DateTime<Utc>>,
    pub outcome: Option<String>,
    pub reading: Option<String>,
    pub reading_at: Option<DateTime<Utc>>,
    pub error_kind: Option<String>,
    pub error_message: Option<String>,
    pub failures: Option<i64>,
    pub forecast: Option<String>,
}

/// Moves on every change to what the overview shows (triggers on `api_keys`,
/// `key_latest`, `key_forecasts` and `alert_states`; migration `overview_version`).
pub async fn version(executor: impl SqliteExecutor<'_>) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT version FROM overview_version WHERE id = 1")
        .fetch_one(executor)
        .await
}

pub async fn rows(executor: impl SqliteExecutor<'_>) -> Result<Vec<OverviewDbRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT k.id, k.vendor, k.label, k.owner_tag, k.enabled, k.account_ref, \
         l.polled_at, l.outcome, l.reading, l.reading_at, l.error_kind, l.error_message, \
         l.failures, f.forecast \
         FROM api_keys k \
         LEFT JOIN key_latest l ON l.key_id = k.id \
         LEFT JOIN key_forecasts f ON f.key_id = k.id \
         ORDER BY k.id",
    )
    .fetch_all(executor)
    .await
}
