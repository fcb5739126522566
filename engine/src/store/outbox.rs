//! `email_outbox`: every e-mail is a row before it is sent.
//!
//! `queued` → `sending` (claimed by the worker, committed before the SMTP
//! conversation) → `sent`, or back to `queued` with a later `next_attempt_at` after a
//! transient failure, or `failed` for good (the server refused the address). A row
//! left in `sending` by a crash is queued again at start-up: at most one duplicate.

use chrono::{DateTime, Utc};
use sqlx::SqliteExecutor;

use super::time::ts;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEmail<'a> {
    pub notification_id: Option<i64>,
    pub purpose: &'static str,
    pub to: &'a str,
    pub subject: &'a str,
    pub body_text: &'a str,
    pub body_html: &'a str,
}

pub async fn enqueue(
    db: impl SqliteExecutor<'_>,
    email: &NewEmail<'_>,
    now: DateTime<Utc>,
) -> Result<i64, sqlx::Error> {
    let result = sqlx::query(
        "INSERT INTO email_outbox (notification_id, purpose, to_addr, subject, body_text, \
         body_html, status, attempts, next_attempt_at, created_at) \
         VALUES (?, ?, ?, ?, ?, ?, 'queued', 0, ?, ?)",
    )
    .bind(email.notification_id)
    .bind(email.purpose)
    .bind(email.to)
    .bind(email.subject)
    .bind(email.body_text)
    .bind(email.body_html)
    .bind(ts(now))
    .bind(ts(now))
    .execute(db)
    .await?;
    Ok(result.last_insert_rowid())
}

/// An e-mail the worker is about to send.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OutboxRow {
    pub id: i64,
    pub to_addr: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    pub attempts: i64,
}

/// Claims up to `limit` due rows: marks them `sending` and returns them.
pub async fn claim_due(
    db: impl SqliteExecutor<'_>,
    now: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<OutboxRow>, sqlx::Error> {
    sqlx::query_as(
        "UPDATE email_outbox SET status = 'sending', attempts = attempts + 1 \
         WHERE id IN (SELECT id FROM email_outbox WHERE status = 'queued' \
         AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?) \
         RETURNING id, to_addr, subject, body_text, body_html, attempts",
    )
    .bind(ts(now))
    .bind(limit)
    .fetch_all(db)
    .await
}

pub async fn mark_sent(
    db: impl SqliteExecutor<'_>,
    id: i64,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE email_outbox SET status = 'sent', sent_at = ?, last_error = NULL WHERE id = ?",
    )
    .bind(ts(now))
    .bind(id)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn mark_retry(
    db: impl SqliteExecutor<'_>,
    id: i64,
    next_attempt_at: DateTime<Utc>,
    error: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE email_outbox SET status = 'queued', next_attempt_at = ?, last_error = ? WHERE id = ?",
    )
    .bind(ts(next_attempt_at))
    .bind(error)
    .bind(id)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn mark_failed(
    db: impl SqliteExecutor<'_>,
    id: i64,
    error: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE email_outbox SET status = 'failed', last_error = ? WHERE id = ?")
        .bind(error)
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

/// After a crash: rows caught mid-send go back to the queue (sent at most once more).
pub async fn requeue_interrupted(db: impl SqliteExecutor<'_>) -> Result<u64, sqlx::Error> {
    let result = sqlx::query("UPDATE email_outbox SET status = 'queued' WHERE status = 'sending'")
        .execute(db)
        .await?;
    Ok(result.rows_affected())
}

/// When the next queued row is due, so the worker can sleep until then.
pub async fn next_due(db: impl SqliteExecutor<'_>) -> Result<Option<DateTime<Utc>>, sqlx::Error> {
    let row: Option<(DateTime<Utc>,)> = sqlx::query_as(
        "SELECT next_attempt_at FROM email_outbox WHERE status = 'queued' \
         ORDER BY next_attempt_at LIMIT 1",
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|(at,)| at))
}

/// One e-mail as the Alerts page shows its delivery.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DeliveryRow {
    pub id: i64,
    pub notification_id: Option<i64>,
    pub purpose: String,
    pub to_addr: String,
    pub subject: String,
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

pub async fn recent(
    db: impl SqliteExecutor<'_>,
    limit: i64,
) -> Result<Vec<DeliveryRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, notification_id, purpose, to_addr, subject, status, attempts, \
         next_attempt_at, last_error, created_at, sent_at FROM email_outbox \
         ORDER BY created_at DESC, id DESC LIMIT ?",
    )
    .bind(limit)
    .fetch_all(db)
    .await
}

/// How many e-mails are waiting (queued or mid-send).
pub async fn waiting(db: impl SqliteExecutor<'_>) -> Result<i64, sqlx::Error> {
    let (n,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM email_outbox WHERE status IN ('queued', 'sending')")
            .fetch_one(db)
            .await?;
    Ok(n)
}
