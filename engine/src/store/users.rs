//! `users`: accounts, their role and password hash.

use chrono::{DateTime, Utc};
use domain::{EmailAddress, Role, UserId};
use sqlx::SqliteExecutor;

use super::time::ts;

// Macros, not consts: sqlx only takes `&'static str` SQL, and `concat!` needs literals.
// `user_columns!("u.")` names them in a join (`store::sessions`).
macro_rules! user_columns {
    ($table:literal) => {
        concat!(
            $table,
            "id, ",
            $table,
            "email, ",
            $table,
            "role, ",
            $table,
            "disabled_at, ",
            $table,
            "created_at"
        )
    };
}
pub(super) use user_columns;
macro_rules! columns {
    () => {
        user_columns!("")
    };
}

/// A user as the rest of the app sees it (no password hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    pub email: EmailAddress,
    pub role: Role,
    pub disabled_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl User {
    pub fn is_enabled(&self) -> bool {
        self.disabled_at.is_none()
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct UserRow {
    id: i64,
    email: String,
    role: String,
    disabled_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
}

impl TryFrom<UserRow> for User {
    type Error = sqlx::Error;
    fn try_from(row: UserRow) -> Result<Self, Self::Error> {
        let corrupt = |what: String| sqlx::Error::Decode(what.into());
        Ok(Self {
            id: UserId(row.id),
            email: EmailAddress::parse(&row.email)
                .map_err(|e| corrupt(format!("users.email of user {}: {e}", row.id)))?,
            role: row
                .role
                .parse()
                .map_err(|e| corrupt(format!("users.role of user {}: {e}", row.id)))?,
            disabled_at: row.disabled_at,
            created_at: row.created_at,
        })
    }
}

pub async fn insert(
    db: impl SqliteExecutor<'_>,
    email: &EmailAddress,
    role: Role,
    password_hash: &str,
    now: DateTime<Utc>,
) -> Result<UserId, sqlx::Error> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO users (email, role, password_hash, created_at) VALUES (?, ?, ?, ?) RETURNING id",
    )
    .bind(email.as_str())
    .bind(role.as_str())
    .bind(password_hash)
    .bind(ts(now))
    .fetch_one(db)
    .await?;
    Ok(UserId(id))
}

pub async fn get(db: impl SqliteExecutor<'_>, id: UserId) -> Result<Option<User>, sqlx::Error> {
    sqlx::query_as::<_, UserRow>(concat!("SELECT ", columns!(), " FROM users WHERE id = ?"))
        .bind(id.0)
        .fetch_optional(db)
        .await?
        .map(User::try_from)
        .transpose()
}

/// The user and their password hash, for login.
pub async fn find_for_login(
    db: impl SqliteExecutor<'_>,
    email: &EmailAddress,
) -> Result<Option<(User, String)>, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        user: UserRow,
        password_hash: String,
    }
    let row = sqlx::query_as::<_, Row>(concat!(
        "SELECT ",
        columns!(),
        ", password_hash FROM users WHERE email = ?"
    ))
    .bind(email.as_str())
    .fetch_optional(db)
    .await?;
    row.map(|row| Ok((User::try_from(row.user)?, row.password_hash)))
        .transpose()
}

pub async fn list(db: impl SqliteExecutor<'_>) -> Result<Vec<User>, sqlx::Error> {
    sqlx::query_as::<_, UserRow>(concat!("SELECT ", columns!(), " FROM users ORDER BY email"))
        .fetch_all(db)
        .await?
        .into_iter()
        .map(User::try_from)
        .collect()
}

pub async fn count(db: impl SqliteExecutor<'_>) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(db)
        .await
}

pub async fn count_enabled_admins(db: impl SqliteExecutor<'_>) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabled_at IS NULL")
        .fetch_one(db)
        .await
}

pub async fn set_role(
    db: impl SqliteExecutor<'_>,
    id: UserId,
    role: Role,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE users SET role = ? WHERE id = ?")
        .bind(role.as_str())
        .bind(id.0)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// `Some(now)` disables, `None` enables again.
pub async fn set_disabled(
    db: impl SqliteExecutor<'_>,
    id: UserId,
    disabled_at: Option<DateTime<Utc>>,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE users SET disabled_at = ? WHERE id = ?")
        .bind(disabled_at.map(ts))
        .bind(id.0)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn set_password_hash(
    db: impl SqliteExecutor<'_>,
    id: UserId,
    password_hash: &str,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE users SET password_hash = ? WHERE id = ?")
        .bind(password_hash)
        .bind(id.0)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}
