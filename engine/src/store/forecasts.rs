//! `key_forecasts`: each key's run-out forecast, and the readings it is made from.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use domain::{Forecast, KeyId};
use sqlx::{QueryBuilder, Sqlite, SqliteConnection, SqliteExecutor};

use super::time::ts;
use crate::forecast::UsagePoint;

const ROWS_PER_STATEMENT: usize = 500;

/// Each key's good readings since its own `since` (its period start): the moment
/// each describes (`as_of`, which for OCR.space is the end of yesterday) and the count
/// used, oldest first. One query for the whole list (the keys and their start times
/// travel as one JSON parameter), not one per key: the writer calls this for every
/// stored batch, and a query per key cost more than the batch's insert.
pub async fn period_usage(
    executor: impl SqliteExecutor<'_>,
    keys: &[(KeyId, DateTime<Utc>)],
) -> Result<HashMap<KeyId, Vec<UsagePoint>>, sqlx::Error> {
    if keys.is_empty() {
        return Ok(HashMap::new());
    }
    let wanted = serde_json::to_string(
        &keys
            .iter()
            .map(|(key, since)| (key.0, ts(*since)))
            .collect::<Vec<_>>(),
    )
    .map_err(|error| sqlx::Error::Encode(Box::new(error)))?;
    let rows: Vec<(i64, DateTime<Utc>, i64)> = sqlx::query_as(
        "SELECT s.key_id, s.as_of, s.used \
         FROM json_each(?) AS w \
         JOIN snapshots AS s ON s.key_id = w.value ->> 0 AND s.polled_at >= w.value ->> 1 \
         WHERE s.outcome = 'ok' AND s.used IS NOT NULL AND s.as_of IS NOT NULL \
         ORDER BY s.key_id, s.polled_at",
    )
    .bind(wanted)
    .fetch_all(executor)
    .await?;
    let mut points: HashMap<KeyId, Vec<UsagePoint>> = HashMap::with_capacity(keys.len());
    for (key, at, used) in rows {
        points.entry(KeyId(key)).or_default().push(UsagePoint {
            at,
            // The table's CHECK keeps `used` non-negative.
            used: u64::try_from(used).unwrap_or_default(),
        });
    }
    Ok(points)
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
