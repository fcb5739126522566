//! `sessions` (by token hash) and `login_attempts` (for rate limiting).

use chrono::{DateTime, Utc};
use domain::UserId;
use sqlx::{SqliteExecutor, SqlitePool};

use super::{
    time::ts,
    users::{User, UserRow, user_columns},
};

pub async fn insert(
    db: impl SqliteExecutor<'_>,
    token_hash: &[u8],
    user_id: UserId,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, created_at, expires_at, last_seen_at) \
         VALUES (?, ?, ?, ?, ?)",
    )
    .bind(token_hash)
    .bind(user_id.0)
    .bind(ts(now))
    .bind(ts(expires_at))
    .bind(ts(now))
    .execute(db)
    .await?;
    Ok(())
}

/// How stale `last_seen_at` may get before a request writes it again. Writing it on
/// every request made every page load a write transaction, one at a time on
/// SQLite's single writer; the idle timeout is measured in hours, so a minute's
/// slack in it is invisible.
pub const TOUCH_EVERY: chrono::TimeDelta = chrono::TimeDelta::minutes(1);

/// The user of a live session: not past its absolute expiry and seen after
/// `idle_since`. Refreshes `last_seen_at` when it is older than [`TOUCH_EVERY`].
/// The session and its user are read in one query: every request asks this.
pub async fn live_user(
    db: &SqlitePool,
    token_hash: &[u8],
    now: DateTime<Utc>,
    idle_since: DateTime<Utc>,
) -> Result<Option<User>, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        user: UserRow,
        last_seen_at: String,
    }
    let live: Option<Row> = sqlx::query_as(concat!(
        "SELECT ",
        user_columns!("u."),
        ", s.last_seen_at FROM sessions s JOIN users u ON u.id = s.user_id \
         WHERE s.token_hash = ? AND s.expires_at > ? AND s.last_seen_at > ?",
    ))
    .bind(token_hash)
    .bind(ts(now))
    .bind(ts(idle_since))
    .fetch_optional(db)
    .await?;
    let Some(Row { user, last_seen_at }) = live else {
        return Ok(None);
    };
    if last_seen_at < ts(now - TOUCH_EVERY) {
        sqlx::query(
            "UPDATE sessions SET last_seen_at = ? WHERE token_hash = ? AND last_seen_at < ?",
        )
        .bind(ts(now))
        .bind(token_hash)
        .bind(ts(now))
        .execute(db)
        .await?;
    }
    User::try_from(user).map(Some)
}

pub async fn delete(db: impl SqliteExecutor<'_>, token_hash: &[u8]) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM sessions WHERE token_hash = ?")
        .bind(token_hash)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn delete_for_user(
    db: impl SqliteExecutor<'_>,
    user_id: UserId,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query("DELETE FROM sessions WHERE user_id = ?")
        .bind(user_id.0)
        .execute(db)
        .await?;
    Ok(done.rows_affected())
}

pub async fn delete_expired(
    db: impl SqliteExecutor<'_>,
    now: DateTime<Utc>,
    idle_since: DateTime<Utc>,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query("DELETE FROM sessions WHERE expires_at <= ? OR last_seen_at <= ?")
        .bind(ts(now))
        .bind(ts(idle_since))
        .execute(db)
        .await?;
    Ok(done.rows_affected())
}

pub async fn record_attempt(
    db: impl SqliteExecutor<'_>,
    email: &str,
    ip: &str,
    now: DateTime<Utc>,
    success: bool,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO login_attempts (email, ip, at, success) VALUES (?, ?, ?, ?)")
        .bind(email)
        .bind(ip)
        .bind(ts(now))
        .bind(success)
        .execute(db)
        .await?;
    Ok(())
}

/// Failed attempts since `since` for this account and for this address, with the
/// oldest of each (when the window frees up).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RecentFailures {
    pub by_email: i64,
    pub oldest_by_email: Option<DateTime<Utc>>,
    pub by_ip: i64,
    pub oldest_by_ip: Option<DateTime<Utc>>,
}

pub async fn recent_failures(
    db: &mut sqlx::SqliteConnection,
    email: &str,
    ip: &str,
    since: DateTime<Utc>,
) -> Result<RecentFailures, sqlx::Error> {
    let (by_email, oldest_by_email): (i64, Option<DateTime<Utc>>) = sqlx::query_as(
        "SELECT COUNT(*), MIN(at) FROM login_attempts WHERE email = ? AND at > ? AND success = 0",
    )
    .bind(email)
    .bind(ts(since))
    .fetch_one(&mut *db)
    .await?;
    let (by_ip, oldest_by_ip): (i64, Option<DateTime<Utc>>) = sqlx::query_as(
        "SELECT COUNT(*), MIN(at) FROM login_attempts WHERE ip = ? AND at > ? AND success = 0",
    )
    .bind(ip)
    .bind(ts(since))
    .fetch_one(&mut *db)
    .await?;
    Ok(RecentFailures {
        by_email,
        oldest_by_email,
        by_ip,
        oldest_by_ip,
    })
}

/// Attempts older than `before` no longer count for anything.
pub async fn prune_attempts(
    db: impl SqliteExecutor<'_>,
    before: DateTime<Utc>,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query("DELETE FROM login_attempts WHERE at <= ?")
        .bind(ts(before))
        .execute(db)
        .await?;
    Ok(done.rows_affected())
}
