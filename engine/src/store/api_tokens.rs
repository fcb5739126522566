//! `api_tokens`: personal API tokens, stored as their SHA-256 only.

use chrono::{DateTime, Utc};
use domain::UserId;
use sqlx::SqliteExecutor;

use super::time::ts;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ApiTokenRow {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

pub async fn insert(
    db: impl SqliteExecutor<'_>,
    user: UserId,
    name: &str,
    hash: &[u8; 32],
    prefix: &str,
    now: DateTime<Utc>,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO api_tokens (user_id, name, token_hash, prefix, created_at) \
         VALUES (?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(user.0)
    .bind(name)
    .bind(hash.as_slice())
    .bind(prefix)
    .bind(ts(now))
    .fetch_one(db)
    .await
}

pub async fn list_for_user(
    db: impl SqliteExecutor<'_>,
    user: UserId,
) -> Result<Vec<ApiTokenRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, user_id, name, prefix, created_at, last_used_at, revoked_at \
         FROM api_tokens WHERE user_id = ? ORDER BY id DESC",
    )
    .bind(user.0)
    .fetch_all(db)
    .await
}

/// Revokes one of the user's own live tokens; `false` if there is no such token.
pub async fn revoke(
    db: impl SqliteExecutor<'_>,
    user: UserId,
    id: i64,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND user_id = ? AND revoked_at IS NULL",
    )
    .bind(ts(now))
    .bind(id)
    .bind(user.0)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The owner of a live token, marking it used. The mark is written at most once a
/// minute, so reading the API does not turn into a write per request.
pub async fn use_token(
    db: &sqlx::SqlitePool,
    hash: &[u8; 32],
    now: DateTime<Utc>,
) -> Result<Option<(i64, UserId)>, sqlx::Error> {
    let row: Option<(i64, i64, Option<DateTime<Utc>>)> = sqlx::query_as(
        "SELECT id, user_id, last_used_at FROM api_tokens \
         WHERE token_hash = ? AND revoked_at IS NULL",
    )
    .bind(hash.as_slice())
    .fetch_optional(db)
    .await?;
    let Some((id, user, last_used)) = row else {
        return Ok(None);
    };
    if last_used.is_none_or(|at| now - at >= chrono::TimeDelta::minutes(1)) {
        sqlx::query("UPDATE api_tokens SET last_used_at = ? WHERE id = ?")
            .bind(ts(now))
            .bind(id)
            .execute(db)
            .await?;
    }
    Ok(Some((id, UserId(user))))
}
