//! Team settings (admins): the time zone every date is shown in.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::errors::AppError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeZoneView {
    /// The IANA name in force (`UTC` until set).
    pub current: String,
    /// Every IANA name this build knows, for the picker.
    pub choices: Vec<String>,
    /// Now, in that time zone, so the admin sees what it means.
    pub now: String,
}

#[server(endpoint = "team_time_zone")]
pub async fn team_time_zone() -> Result<TimeZoneView, AppError> {
    crate::errors::require(domain::Role::Admin)?;
    let store = expect_context::<engine::Store>();
    let tz = engine::display::team_time_zone(&store).await?;
    let mut choices: Vec<String> = chrono_tz::TZ_VARIANTS
        .iter()
        .map(|tz| tz.name().to_owned())
        .collect();
    choices.sort();
    Ok(TimeZoneView {
        current: tz.name().to_owned(),
        choices,
        now: engine::display::date_time(chrono::Utc::now(), tz),
    })
}

#[server(endpoint = "set_team_time_zone")]
pub async fn set_team_time_zone(time_zone: String) -> Result<(), AppError> {
    let actor = crate::errors::require(domain::Role::Admin)?;
    let store = expect_context::<engine::Store>();
    engine::team::settings::set_time_zone(&store, &actor, &time_zone, chrono::Utc::now())
        .await
        .map_err(|e| crate::errors::from_team(e, &[("time_zone", &time_zone)]))?;
    Ok(())
}
