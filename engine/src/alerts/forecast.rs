//! The forecast rule's input: when the subject's credit is projected to run out.
//! The projection itself is `crate::forecast` (one forecast for the dashboard and
//! the alerts); this only gathers its input for a subject.

use chrono::{DateTime, Utc};
use domain::UsageReading;
use sqlx::SqliteConnection;

use crate::store::keys::KeyRow;

/// `None` when no projection can be made (yet), `Some(None)` when usage is not
/// heading for the limit, `Some(Some(at))` for the projected run-out.
pub async fn run_out(
    _tx: &mut SqliteConnection,
    _members: &[&KeyRow],
    _reading: &UsageReading,
    _now: DateTime<Utc>,
) -> Result<Option<Option<DateTime<Utc>>>, sqlx::Error> {
    Ok(None)
}
