//! One key's page: its latest reading, its vendor's last reply (secrets removed) and
//! its closed periods. The charts themselves are SVG routes (`/keys/{id}/chart.svg`).

use domain::Vendor;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::errors::AppError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyPageData {
    pub id: i64,
    pub label: String,
    pub vendor: Vendor,
    pub owner_tag: Option<String>,
    pub enabled: bool,
    /// What the figures count: conversions, credits, calls.
    pub unit: String,
    pub latest: Option<LatestView>,
    /// The vendor's last good reply, pretty-printed, secrets removed.
    pub raw_reply: Option<String>,
    pub closeouts: Vec<CloseoutView>,
    pub can_edit: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LatestView {
    /// When the key was last polled (UTC, `2026-11-23 14:05`).
    pub polled_at: String,
    /// `ok`, `error` or `skipped`.
    pub outcome: String,
    pub used: Option<u64>,
    pub limit: Option<u64>,
    pub remaining: Option<i64>,
    /// What moment the figures describe (OCR.space: the end of yesterday).
    pub as_of: Option<String>,
    pub resets_on: Option<String>,
    /// The last poll's error, in words.
    pub error: Option<String>,
    pub failures: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CloseoutView {
    /// `November 2026`.
    pub period: String,
    pub used: i64,
    pub limit: Option<i64>,
}

#[server]
pub async fn key_overview(id: i64) -> Result<KeyPageData, AppError> {
    use engine::store::{closeouts, snapshots};

    let actor = crate::errors::require(domain::Role::Viewer)?;
    let can_edit = actor.require(domain::Role::Editor).is_ok();
    let store = expect_context::<engine::Store>();
    let key = engine::team::key_summary(&store, &actor, domain::KeyId(id)).await?;
    let latest = snapshots::latest_for(store.pool(), key.id).await?;
    let closeouts = closeouts::for_key(store.pool(), key.id, 12).await?;
    let when = |at: chrono::DateTime<chrono::Utc>| at.format("%-d %b %Y %H:%M UTC").to_string();
    let day = |at: chrono::DateTime<chrono::Utc>| at.format("%-d %b %Y").to_string();
    let raw_reply = latest.as_ref().and_then(|row| row.raw_reply_pretty());
    let latest = latest.map(|row| {
        let reading = row.reading();
        LatestView {
            polled_at: when(row.polled_at),
            outcome: row.outcome.clone(),
            used: reading.as_ref().and_then(|r| r.used).map(|f| f.value),
            limit: reading.as_ref().and_then(|r| r.limit).map(|f| f.value),
            remaining: reading.as_ref().and_then(|r| r.remaining).map(|f| f.value),
            as_of: reading.as_ref().map(|r| when(r.as_of)),
            resets_on: reading
                .as_ref()
                .and_then(|r| r.resets_on)
                .map(|f| day(f.value)),
            error: row.error_message.clone(),
            failures: row.failures,
        }
    });
    Ok(KeyPageData {
        id: key.id.0,
        label: key.label,
        vendor: key.vendor,
        owner_tag: key.owner_tag,
        enabled: key.enabled,
        unit: engine::charts::unit(key.vendor).to_owned(),
        latest,
        raw_reply,
        closeouts: closeouts
            .into_iter()
            .map(|c| CloseoutView {
                period: c.period_start.format("%B %Y").to_string(),
                used: c.used,
                limit: c.usage_limit,
            })
            .collect(),
        can_edit,
    })
}
