//! Team-wide settings an admin changes from the UI: the time zone dates are shown in.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use domain::{FieldError, FieldErrors, Role};
use serde_json::json;

use super::{Actor, TeamError};
use crate::{
    Store,
    store::{
        audit::{self, Subject},
        settings,
    },
};

/// Sets the team's time zone (admins only), audited. Stored times stay UTC; only
/// what is shown changes.
pub async fn set_time_zone(
    store: &Store,
    actor: &Actor,
    name: &str,
    now: DateTime<Utc>,
) -> Result<Tz, TeamError> {
    actor.require(Role::Admin)?;
    let name = name.trim();
    let tz: Tz = name.parse().map_err(|_| {
        let mut errors = FieldErrors::new();
        errors.push(FieldError::new(
            "time_zone",
            format!("unknown time zone {name:?}: pick an IANA name such as Europe/Berlin or America/New_York"),
        ));
        TeamError::Invalid(errors)
    })?;
    let mut tx = store.pool().begin().await?;
    let before = settings::get(&mut *tx, settings::TIME_ZONE).await?;
    settings::set(&mut *tx, settings::TIME_ZONE, tz.name(), now).await?;
    audit::record(
        &mut *tx,
        now,
        actor.audit(),
        "settings.time_zone",
        Subject::Instance,
        json!({ "from": before.unwrap_or_else(|| "UTC".to_owned()), "to": tz.name() }),
    )
    .await?;
    tx.commit().await?;
    Ok(tz)
}
