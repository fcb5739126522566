//! `key_forecasts`: each key's run-out forecast, and the readings it is made from.

use chrono::{DateTime, Utc};
use domain::{Forecast, KeyId};
use sqlx::{QueryBuilder, Sqlite, SqliteConnection, SqliteExecutor};

use super::time::ts;
use crate::forecast::UsagePoint;

const ROWS_PER_STATEMENT: usize = 500;

/// A key's good readings since `since` (the period start): the moment each describes
/// (`as_of`, which for OCR.space is the end of yesterday) and the count used.
pub async fn period_usage(
    executor: impl SqliteExecutor<'_>,
    key_id: KeyId,
    since: DateTime<Utc>,
) -> Result<Vec<UsagePoint>, sqlx::Error> {
    let rows: Vec<(DateTime<Utc>, i64)> = sqlx::query_as(
        "SELECT as_of, used FROM snapshots \
         WHERE key_id = ? AND polled_at >= ? AND outcome = 'ok' AND used IS NOT NULL \
         AND as_of IS NOT NULL ORDER BY polled_at",
    )
    .bind(key_id.0)
    .bind(ts(since))
    .fetch_all(executor)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(at, used)| UsagePoint {
            at,
            // The table's CHECK keeps `used` non-negative.
            used: u64::try_from(used).unwrap_or_default(),
        })
        .collect())
}

/// Replaces the forecasts of these keys.
pub async fn upsert(
    tx: &mut SqliteConnection,
    forecasts: &[(KeyId, Forecast)],
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    for chunk in forecasts.chunks(ROWS_PER_STATEMENT) {
        let mut rows = Vec::with_capacity(chunk.len());
        for (key, forecast) in chunk {
            let json = serde_json::to_string(forecast)
                .map_err(|error| sqlx::Error::Encode(Box::new(error)))?;
            rows.push((key.0, json));
        }
        let mut upsert = QueryBuilder::<Sqlite>::new(
            "INSERT INTO key_forecasts (key_id, computed_at, forecast) ",
        );
        let computed_at = ts(now);
        upsert.push_values(rows, |mut row, (key, json)| {
            row.push_bind(key)
                .push_bind(computed_at.clone())
                .push_bind(json);
        });
        upsert.push(
            " ON CONFLICT (key_id) DO UPDATE SET computed_at = excluded.computed_at, \
             forecast = excluded.forecast",
        );
        upsert.build().execute(&mut *tx).await?;
    }
    Ok(())
}

/// Parses a stored forecast; a row written by an older version that no longer parses
/// reads as no forecast rather than failing the page.
pub fn parse(json: &str) -> Option<Forecast> {
    serde_json::from_str(json).ok()
}

/// One key's stored forecast, if it has one.
pub async fn for_key(
    executor: impl SqliteExecutor<'_>,
    key_id: KeyId,
) -> Result<Option<Forecast>, sqlx::Error> {
    let json: Option<String> =
        sqlx::query_scalar("SELECT forecast FROM key_forecasts WHERE key_id = ?")
            .bind(key_id.0)
            .fetch_optional(executor)
            .await?;
    Ok(json.as_deref().and_then(parse))
}
