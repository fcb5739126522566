//! `account_readings`: a StructOCR account's credit, stored once per account and
//! stored batch however many of its keys were polled, and linked from their snapshots.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use domain::{KeyId, StructOcrAccount, UsageReading, Vendor, VendorDetails};
use sqlx::{SqliteConnection, SqliteExecutor};

use super::{
    snapshots::{NewSnapshot, Outcome},
    time::ts,
};

/// One stored account reading.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AccountReading {
    pub id: i64,
    pub vendor: String,
    pub account: String,
    pub as_of: DateTime<Utc>,
    pub credits_total: i64,
    pub credits_used: i64,
    pub credits_remaining: i64,
    pub credits_this_period: Option<i64>,
    pub requests_this_period: Option<i64>,
}

/// The account a key's figures belong to: its pool, or the key alone.
pub fn account_of(key: KeyId, account_ref: Option<&str>) -> String {
    account_ref.map_or_else(|| format!("key:{}", key.0), str::to_owned)
}

/// Stores the account figures of this batch's good StructOCR replies, one row per
/// account (the newest reply's figures), and links each key's snapshot to it. Runs
/// in the batch's transaction, after `snapshots::insert_batch`.
pub async fn record(tx: &mut SqliteConnection, rows: &[NewSnapshot]) -> Result<(), sqlx::Error> {
    let replies: Vec<(&NewSnapshot, &UsageReading, &StructOcrAccount)> = rows
        .iter()
        .filter_map(|row| match &row.outcome {
            Outcome::Ok { reading, .. } => match &reading.details {
                VendorDetails::StructOcr(details) => {
                    Some((row, reading.as_ref(), &details.account))
                }
                _ => None,
            },
            _ => None,
        })
        .collect();
    if replies.is_empty() {
        return Ok(());
    }
    let ids = json_list(
        replies
            .iter()
            .map(|(row, ..)| serde_json::json!(row.key_id.0)),
    )?;
    let pools: BTreeMap<i64, Option<String>> = sqlx::query_as(
        "SELECT id, account_ref FROM api_keys WHERE id IN (SELECT value FROM json_each(?))",
    )
    .bind(ids)
    .fetch_all(&mut *tx)
    .await?
    .into_iter()
    .collect();

    let mut accounts: BTreeMap<String, Vec<(&NewSnapshot, &UsageReading, &StructOcrAccount)>> =
        BTreeMap::new();
    for reply in replies {
        let key = reply.0.key_id;
        let pool = pools.get(&key.0).and_then(Option::as_deref);
        accounts
            .entry(account_of(key, pool))
            .or_default()
            .push(reply);
    }
    for (account, replies) in accounts {
        let Some((_, reading, figures)) =
            replies.iter().max_by_key(|(_, reading, _)| reading.as_of)
        else {
            continue;
        };
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO account_readings (vendor, account, as_of, credits_total, credits_used, \
             credits_remaining, credits_this_period, requests_this_period) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(Vendor::StructOcr.slug())
        .bind(&account)
        .bind(ts(reading.as_of))
        .bind(saturating(figures.credits_total))
        .bind(saturating(figures.credits_used))
        .bind(figures.credits_remaining)
        .bind(figures.credits_this_period.map(saturating))
        .bind(figures.requests_this_period.map(saturating))
        .fetch_one(&mut *tx)
        .await?;
        let polls = json_list(
            replies
                .iter()
                .map(|(row, ..)| serde_json::json!([row.key_id.0, ts(row.polled_at)])),
        )?;
        sqlx::query(
            "UPDATE snapshots SET account_reading_id = ?1 WHERE (key_id, polled_at) IN \
             (SELECT value ->> 0, value ->> 1 FROM json_each(?2))",
        )
        .bind(id)
        .bind(polls)
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}

/// An account's readings since `since`, oldest first.
pub async fn history(
    executor: impl SqliteExecutor<'_>,
    vendor: Vendor,
    account: &str,
    since: DateTime<Utc>,
) -> Result<Vec<AccountReading>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, vendor, account, as_of, credits_total, credits_used, credits_remaining, \
         credits_this_period, requests_this_period FROM account_readings \
         WHERE vendor = ? AND account = ? AND as_of >= ? ORDER BY as_of",
    )
    .bind(vendor.slug())
    .bind(account)
    .bind(ts(since))
    .fetch_all(executor)
    .await
}

/// Retention: readings older than `before`, at most `limit` of them (their
/// snapshots' links become NULL). The number deleted.
pub async fn delete_before(
    executor: impl SqliteExecutor<'_>,
    before: DateTime<Utc>,
    limit: i64,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "DELETE FROM account_readings WHERE id IN \
         (SELECT id FROM account_readings WHERE as_of < ? LIMIT ?)",
    )
    .bind(ts(before))
    .bind(limit)
    .execute(executor)
    .await?;
    Ok(done.rows_affected())
}

fn saturating(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

fn json_list(items: impl Iterator<Item = serde_json::Value>) -> Result<String, sqlx::Error> {
    serde_json::to_string(&items.collect::<Vec<_>>())
        .map_err(|error| sqlx::Error::Encode(Box::new(error)))
}
