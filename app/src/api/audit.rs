//! The audit log (admins only).

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::errors::AppError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditView {
    /// In the team's time zone, with its abbreviation.
    pub at: String,
    pub who: String,
    pub action: String,
    pub subject: String,
    pub detail: String,
}

#[server(endpoint = "recent_audit")]
pub async fn recent_audit() -> Result<Vec<AuditView>, AppError> {
    crate::errors::require(domain::Role::Admin)?;
    let store = expect_context::<engine::Store>();
    let rows = engine::store::audit::recent(store.pool(), 200).await?;
    let tz = engine::display::team_time_zone(&store).await?;
    Ok(rows
        .into_iter()
        .map(|row| AuditView {
            at: engine::display::date_time(row.at, tz),
            who: match (row.actor_kind.as_str(), row.actor_email, row.actor_user_id) {
                ("user", Some(email), _) => email,
                ("user", None, Some(id)) => format!("user {id} (deleted)"),
                (kind, _, _) => kind.to_owned(),
            },
            action: row.action,
            subject: match row.subject_id {
                Some(id) => format!("{} {id}", row.subject_kind),
                None => row.subject_kind,
            },
            detail: row.detail,
        })
        .collect())
}
