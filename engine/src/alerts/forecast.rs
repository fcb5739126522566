//! The forecast rule's input: when the subject's credit is projected to run out,
//! from the forecast the poll cycle just stored (`crate::forecast`, one forecast for
//! the dashboard and the alerts).

use chrono::{DateTime, Utc};
use domain::{Forecast, UsageReading};
use sqlx::SqliteConnection;

use crate::{forecast, store::forecasts};

/// `None` when no honest projection exists (too few readings, stale), `Some(None)`
/// when usage is not heading for the limit before the reset, `Some(Some(at))` for the
/// projected run-out (now, when nothing is left).
pub async fn run_out(
    tx: &mut SqliteConnection,
    key_id: i64,
    reading: &UsageReading,
    now: DateTime<Utc>,
) -> Result<Option<Option<DateTime<Utc>>>, sqlx::Error> {
    let stored: Option<(String,)> =
        sqlx::query_as("SELECT forecast FROM key_forecasts WHERE key_id = ?")
            .bind(key_id)
            .fetch_optional(&mut *tx)
            .await?;
    let Some(stored) = stored.and_then(|(json,)| forecasts::parse(&json)) else {
        return Ok(None);
    };
    Ok(
        match forecast::as_seen(stored, reading.vendor, Some(reading.as_of), now) {
            Forecast::RunsOutOn(at) => Some(Some(at)),
            Forecast::Exhausted => Some(Some(now)),
            Forecast::LastsUntilReset(_) | Forecast::NotRunningOut => Some(None),
            Forecast::Unknown(_) => None,
        },
    )
}
