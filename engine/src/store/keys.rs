//! `api_keys`: vendor keys, their settings and their sealed secret.

use chrono::{DateTime, Utc};
use domain::{KeyId, UserId};
use sqlx::SqliteExecutor;

use super::time::ts;
use crate::secrets::SealedSecret;

// Macros, not consts: sqlx only takes `&'static str` SQL, and `concat!` needs literals.
macro_rules! columns {
    () => {
        "id, vendor, label, owner_tag, base_url, monthly_limit, enabled, \
         key_version, secret_hint, account_ref, created_by, created_at, updated_at, \
         poll_interval_minutes, secret_ciphertext IS NOT NULL AS has_secret"
    };
}
macro_rules! sealed_columns {
    () => {
        "secret_ciphertext, secret_nonce, master_key_id"
    };
}

/// A key row without its secret.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct KeyRow {
    pub id: i64,
    pub vendor: String,
    pub label: String,
    pub owner_tag: Option<String>,
    pub base_url: Option<String>,
    pub monthly_limit: Option<i64>,
    pub enabled: bool,
    pub key_version: i64,
    pub secret_hint: Option<String>,
    pub account_ref: Option<String>,
    pub created_by: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub poll_interval_minutes: Option<i64>,
    pub has_secret: bool,
}

#[derive(sqlx::FromRow)]
struct SealedColumns {
    secret_ciphertext: Option<Vec<u8>>,
    secret_nonce: Option<Vec<u8>>,
    master_key_id: Option<String>,
}

impl SealedColumns {
    fn into_sealed(self) -> Option<SealedSecret> {
        match (
            self.secret_ciphertext,
            self.secret_nonce,
            self.master_key_id,
        ) {
            (Some(ciphertext), Some(nonce), Some(master_key_id)) => Some(SealedSecret {
                ciphertext,
                nonce,
                master_key_id,
            }),
            // The table's CHECK keeps the three together.
            _ => None,
        }
    }
}

/// A key row with its sealed secret (`None` for keys without one, like the SDK).
#[derive(Debug, Clone)]
pub struct SealedKeyRow {
    pub row: KeyRow,
    pub sealed: Option<SealedSecret>,
}

#[derive(sqlx::FromRow)]
struct SealedKeyRowRaw {
    #[sqlx(flatten)]
    row: KeyRow,
    #[sqlx(flatten)]
    sealed: SealedColumns,
}

impl From<SealedKeyRowRaw> for SealedKeyRow {
    fn from(raw: SealedKeyRowRaw) -> Self {
        Self {
            row: raw.row,
            sealed: raw.sealed.into_sealed(),
        }
    }
}

/// The fields of a key a person sets (everything but the secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeySettings<'a> {
    pub vendor: &'a str,
    pub label: &'a str,
    pub owner_tag: Option<&'a str>,
    pub base_url: Option<&'a str>,
    pub monthly_limit: Option<i64>,
    pub poll_interval_minutes: Option<i64>,
}

/// Inserts a key without its secret; `set_secret` seals it once the id is known
/// (the id is part of the ciphertext's associated data).
pub async fn insert(
    db: impl SqliteExecutor<'_>,
    settings: &KeySettings<'_>,
    created_by: Option<UserId>,
    now: DateTime<Utc>,
) -> Result<KeyId, sqlx::Error> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO api_keys (vendor, label, owner_tag, base_url, monthly_limit, poll_interval_minutes, created_by, created_at, updated_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(settings.vendor)
    .bind(settings.label)
    .bind(settings.owner_tag)
    .bind(settings.base_url)
    .bind(settings.monthly_limit)
    .bind(settings.poll_interval_minutes)
    .bind(created_by.map(|u| u.0))
    .bind(ts(now))
    .bind(ts(now))
    .fetch_one(db)
    .await?;
    Ok(KeyId(id))
}

/// Stores the secret sealed for `version` (which becomes the row's key_version).
pub async fn set_secret(
    db: impl SqliteExecutor<'_>,
    id: KeyId,
    version: i64,
    sealed: Option<&SealedSecret>,
    hint: Option<&str>,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE api_keys SET secret_ciphertext = ?, secret_nonce = ?, master_key_id = ?, \
         key_version = ?, secret_hint = ?, updated_at = ? WHERE id = ?",
    )
    .bind(sealed.map(|s| s.ciphertext.as_slice()))
    .bind(sealed.map(|s| s.nonce.as_slice()))
    .bind(sealed.map(|s| s.master_key_id.as_str()))
    .bind(version)
    .bind(hint)
    .bind(ts(now))
    .bind(id.0)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn update_settings(
    db: impl SqliteExecutor<'_>,
    id: KeyId,
    settings: &KeySettings<'_>,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE api_keys SET label = ?, owner_tag = ?, base_url = ?, monthly_limit = ?, \
         poll_interval_minutes = ?, updated_at = ? WHERE id = ? AND vendor = ?",
    )
    .bind(settings.label)
    .bind(settings.owner_tag)
    .bind(settings.base_url)
    .bind(settings.monthly_limit)
    .bind(settings.poll_interval_minutes)
    .bind(ts(now))
    .bind(id.0)
    .bind(settings.vendor)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn set_enabled(
    db: impl SqliteExecutor<'_>,
    id: KeyId,
    enabled: bool,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE api_keys SET enabled = ?, updated_at = ? WHERE id = ?")
        .bind(enabled)
        .bind(ts(now))
        .bind(id.0)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn delete(db: impl SqliteExecutor<'_>, id: KeyId) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("DELETE FROM api_keys WHERE id = ?")
        .bind(id.0)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn get(db: impl SqliteExecutor<'_>, id: KeyId) -> Result<Option<KeyRow>, sqlx::Error> {
    sqlx::query_as(concat!(
        "SELECT ",
        columns!(),
        " FROM api_keys WHERE id = ?"
    ))
    .bind(id.0)
    .fetch_optional(db)
    .await
}

pub async fn get_sealed(
    db: impl SqliteExecutor<'_>,
    id: KeyId,
) -> Result<Option<SealedKeyRow>, sqlx::Error> {
    let raw: Option<SealedKeyRowRaw> = sqlx::query_as(concat!(
        "SELECT ",
        columns!(),
        ", ",
        sealed_columns!(),
        " FROM api_keys WHERE id = ?"
    ))
    .bind(id.0)
    .fetch_optional(db)
    .await?;
    Ok(raw.map(SealedKeyRow::from))
}

pub async fn list(db: impl SqliteExecutor<'_>) -> Result<Vec<KeyRow>, sqlx::Error> {
    sqlx::query_as(concat!(
        "SELECT ",
        columns!(),
        " FROM api_keys ORDER BY vendor, label"
    ))
    .fetch_all(db)
    .await
}

pub async fn list_enabled_sealed(
    db: impl SqliteExecutor<'_>,
) -> Result<Vec<SealedKeyRow>, sqlx::Error> {
    let raw: Vec<SealedKeyRowRaw> = sqlx::query_as(concat!(
        "SELECT ",
        columns!(),
        ", ",
        sealed_columns!(),
        " FROM api_keys WHERE enabled = 1 ORDER BY id"
    ))
    .fetch_all(db)
    .await?;
    Ok(raw.into_iter().map(SealedKeyRow::from).collect())
}

/// An enabled key as a polling cycle reads it: sealed, with when it was last polled
/// (`None`: never).
#[derive(Debug, Clone)]
pub struct PollRow {
    pub key: SealedKeyRow,
    pub last_polled: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct PollRowRaw {
    #[sqlx(flatten)]
    key: SealedKeyRowRaw,
    last_polled: Option<DateTime<Utc>>,
}

/// How many keys are enabled: a polling cycle's size, known before any is read.
pub async fn count_enabled(db: impl SqliteExecutor<'_>) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM api_keys WHERE enabled = 1")
        .fetch_one(db)
        .await
}

/// One page of enabled keys for a polling cycle: up to `limit` keys with an id above
/// `after`, in id order, so the next page starts after this one's last id.
pub async fn enabled_page(
    db: impl SqliteExecutor<'_>,
    after: i64,
    limit: usize,
) -> Result<Vec<PollRow>, sqlx::Error> {
    let raw: Vec<PollRowRaw> = sqlx::query_as(concat!(
        "SELECT ",
        columns!(),
        ", ",
        sealed_columns!(),
        ", (SELECT polled_at FROM key_latest WHERE key_id = api_keys.id) AS last_polled \
         FROM api_keys WHERE enabled = 1 AND id > ? ORDER BY id LIMIT ?"
    ))
    .bind(after)
    .bind(i64::try_from(limit).unwrap_or(i64::MAX))
    .fetch_all(db)
    .await?;
    Ok(raw
        .into_iter()
        .map(|raw| PollRow {
            key: raw.key.into(),
            last_polled: raw.last_polled,
        })
        .collect())
}

/// Keys with their own poll interval (minutes), overriding the vendor's default.
pub async fn poll_interval_overrides(
    db: impl SqliteExecutor<'_>,
) -> Result<Vec<(i64, i64)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, poll_interval_minutes FROM api_keys WHERE poll_interval_minutes IS NOT NULL",
    )
    .fetch_all(db)
    .await
}

/// The next row whose secret is sealed with another master key than `target`.
pub async fn next_to_reseal(
    db: impl SqliteExecutor<'_>,
    target_master_key_id: &str,
) -> Result<Option<SealedKeyRow>, sqlx::Error> {
    let raw: Option<SealedKeyRowRaw> = sqlx::query_as(concat!(
        "SELECT ",
        columns!(),
        ", ",
        sealed_columns!(),
        " FROM api_keys \
         WHERE master_key_id IS NOT NULL AND master_key_id <> ? ORDER BY id LIMIT 1"
    ))
    .bind(target_master_key_id)
    .fetch_optional(db)
    .await?;
    Ok(raw.map(SealedKeyRow::from))
}

/// Replaces a row's ciphertext with one sealed under another master key, only if
/// it is still sealed under `previous_master_key_id` at `version` (a concurrent edit
/// wins; the rotation loop then finds the row again or finds it done).
pub async fn reseal(
    db: impl SqliteExecutor<'_>,
    id: KeyId,
    version: i64,
    previous_master_key_id: &str,
    sealed: &SealedSecret,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE api_keys SET secret_ciphertext = ?, secret_nonce = ?, master_key_id = ? \
         WHERE id = ? AND key_version = ? AND master_key_id = ?",
    )
    .bind(sealed.ciphertext.as_slice())
    .bind(sealed.nonce.as_slice())
    .bind(sealed.master_key_id.as_str())
    .bind(id.0)
    .bind(version)
    .bind(previous_master_key_id)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Fingerprints of every master key some secret is sealed with.
pub async fn master_key_ids_in_use(
    db: impl SqliteExecutor<'_>,
) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT DISTINCT master_key_id FROM api_keys WHERE master_key_id IS NOT NULL ORDER BY 1",
    )
    .fetch_all(db)
    .await
}

/// Puts a StructOCR key into an account pool (`None` takes it out).
pub async fn set_account_ref(
    db: impl SqliteExecutor<'_>,
    id: KeyId,
    account: Option<&str>,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let result = sqlx::query("UPDATE api_keys SET account_ref = ?, updated_at = ? WHERE id = ?")
        .bind(account)
        .bind(ts(now))
        .bind(id.0)
        .execute(db)
        .await?;
    Ok(result.rows_affected() == 1)
}
