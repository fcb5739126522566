//! `instance_settings`: one text value per name.

use chrono::{DateTime, Utc};
use sqlx::SqliteExecutor;

use super::time::ts;

/// Fingerprint of the master key every secret is sealed with (see `engine::secrets`).
pub const MASTER_KEY_CHECK: &str = "master_key_check";

/// The team's time zone, an IANA name (`Europe/Berlin`); UTC when absent.
pub const TIME_ZONE: &str = "time_zone";

pub async fn get(db: impl SqliteExecutor<'_>, name: &str) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT value FROM instance_settings WHERE name = ?")
        .bind(name)
        .fetch_optional(db)
        .await
}

pub async fn set(
    db: impl SqliteExecutor<'_>,
    name: &str,
    value: &str,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO instance_settings (name, value, updated_at) VALUES (?, ?, ?) \
         ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
    )
    .bind(name)
    .bind(value)
    .bind(ts(now))
    .execute(db)
    .await?;
    Ok(())
}
