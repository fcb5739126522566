//! `audit_log`: who did what to which key or user. Written in the same transaction
//! as the change it records; `detail` never holds a secret.

use chrono::{DateTime, Utc};
use domain::UserId;
use serde_json::Value;
use sqlx::SqliteExecutor;

use super::time::ts;

/// Who made a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditActor {
    User(UserId),
    Cli,
    System,
}

impl AuditActor {
    fn parts(self) -> (Option<i64>, &'static str) {
        match self {
            Self::User(id) => (Some(id.0), "user"),
            Self::Cli => (None, "cli"),
            Self::System => (None, "system"),
        }
    }
}

/// What a change was made to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    Key(i64),
    User(i64),
    Instance,
}

impl Subject {
    fn parts(self) -> (&'static str, Option<i64>) {
        match self {
            Self::Key(id) => ("key", Some(id)),
            Self::User(id) => ("user", Some(id)),
            Self::Instance => ("instance", None),
        }
    }
}

pub async fn record(
    db: impl SqliteExecutor<'_>,
    now: DateTime<Utc>,
    actor: AuditActor,
    action: &str,
    subject: Subject,
    detail: Value,
) -> Result<(), sqlx::Error> {
    let (actor_user_id, actor_kind) = actor.parts();
    let (subject_kind, subject_id) = subject.parts();
    sqlx::query(
        "INSERT INTO audit_log (at, actor_user_id, actor_kind, action, subject_kind, subject_id, detail) \
         VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(ts(now))
    .bind(actor_user_id)
    .bind(actor_kind)
    .bind(action)
    .bind(subject_kind)
    .bind(subject_id)
    .bind(detail.to_string())
    .execute(db)
    .await?;
    Ok(())
}

/// One audit row as the Audit page shows it (newest first from `recent`).
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor_user_id: Option<i64>,
    /// `user`, `cli` or `system`.
    pub actor_kind: String,
    /// The actor's e-mail address when the user still exists.
    pub actor_email: Option<String>,
    pub action: String,
    pub subject_kind: String,
    pub subject_id: Option<i64>,
    /// JSON text.
    pub detail: String,
}

pub async fn recent(
    db: impl SqliteExecutor<'_>,
    limit: i64,
) -> Result<Vec<AuditEntry>, sqlx::Error> {
    sqlx::query_as(
        "SELECT a.id, a.at, a.actor_user_id, a.actor_kind, u.email AS actor_email, a.action, \
                a.subject_kind, a.subject_id, a.detail \
         FROM audit_log a LEFT JOIN users u ON u.id = a.actor_user_id \
         ORDER BY a.id DESC LIMIT ?",
    )
    .bind(limit)
    .fetch_all(db)
    .await
}
