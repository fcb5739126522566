//! One key's page: its latest reading and forecast, its vendor's last reply (secrets
//! removed) and its closed periods, formatted on the server in the team's time zone.
//! The charts themselves are SVG routes (`/keys/{id}/chart.svg`).

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
    /// When the key runs out at the current pace, in words.
    pub forecast: Option<String>,
    /// The vendor's last good reply, pretty-printed, secrets removed.
    pub raw_reply: Option<String>,
    /// `November 2026: 12,345 of 300,000 conversions`.
    pub closeouts: Vec<String>,
    /// When the scheduler polls it next, in words.
    pub next_poll: String,
    pub can_edit: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LatestView {
    /// `50,000 of 100,000 conversions used (50.0 %) · 50,000 remaining`.
    pub figures: String,
    /// `as of yesterday · resets 2026-12-01 · last polled 2026-11-23 14:05 UTC`.
    pub when: String,
    /// The last poll's failure in words, when it failed.
    pub failure: Option<String>,
}

#[server(endpoint = "key_overview")]
pub async fn key_overview(id: i64) -> Result<KeyPageData, AppError> {
    use engine::{
        display,
        store::{closeouts, forecasts, snapshots},
    };

    let actor = crate::errors::require(domain::Role::Viewer)?;
    let can_edit = actor.require(domain::Role::Editor).is_ok();
    let store = expect_context::<engine::Store>();
    // Every context is read before the first await: under concurrent load
    // (`bench/dashboard`) a read after an await sometimes found no context and
    // panicked, the fetch being polled when its reactive owner was already gone.
    let polls = expect_context::<engine::poller::PollService>();
    let key = engine::team::key_summary(&store, &actor, domain::KeyId(id)).await?;
    let tz = display::team_time_zone(&store).await?;
    let now = chrono::Utc::now();
    let unit = engine::charts::unit(key.vendor);
    let latest = snapshots::latest_for(store.pool(), key.id).await?;
    let next_poll = display::next_poll(
        polls.plan().next_poll(
            key.id,
            key.vendor,
            key.poll_interval_minutes.map(i64::from),
            key.enabled,
            latest.as_ref().map(|row| row.polled_at),
            now,
        ),
        tz,
    );
    let raw_reply = latest.as_ref().and_then(|row| row.raw_reply_pretty());
    let forecast = forecasts::for_key(store.pool(), key.id)
        .await?
        .map(|stored| {
            let reading_at = latest.as_ref().and_then(|row| row.reading_at);
            let seen = engine::forecast::as_seen(stored, key.vendor, reading_at, now);
            match seen.date() {
                Some(at) => format!("Forecast: {} on {}", seen.phrase(), display::date(at, tz)),
                None => format!("Forecast: {}", seen.phrase()),
            }
        });
    let latest = latest.map(|row| {
        let reading = row.reading();
        let count = |n: i128| display::count(n);
        let figures = match reading.as_ref().map(|r| (r.used, r.limit, r.remaining)) {
            Some((Some(used), Some(limit), remaining)) => {
                let percent = 100.0 * used.value as f64 / limit.value.max(1) as f64;
                let remaining = remaining
                    .map(|r| format!(" · {} remaining", count(r.value.into())))
                    .unwrap_or_default();
                format!(
                    "{} of {} {unit} used ({percent:.1} %){remaining}",
                    count(used.value.into()),
                    count(limit.value.into())
                )
            }
            Some((Some(used), None, _)) => {
                format!("{} {unit} used; no limit known", count(used.value.into()))
            }
            _ => "No usage figures yet.".to_owned(),
        };
        let mut when = Vec::new();
        if let Some(reading) = &reading {
            when.push(display::data_age(key.vendor, reading.as_of, now, tz));
            if let Some(resets) = reading.resets_on {
                when.push(format!("resets {}", display::date(resets.value, tz)));
            }
        }
        when.push(format!(
            "last polled {}",
            display::date_time(row.polled_at, tz)
        ));
        let failure = (row.outcome != "ok").then(|| {
            let streak = if row.failures > 1 {
                format!(" ({} polls in a row)", row.failures)
            } else {
                String::new()
            };
            format!(
                "The last poll failed{streak}: {}",
                row.error_message.clone().unwrap_or_default()
            )
        });
        LatestView {
            figures,
            when: when.join(" · "),
            failure,
        }
    });
    let closeouts = closeouts::for_key(store.pool(), key.id, 12)
        .await?
        .into_iter()
        .map(|c| {
            let limit = c
                .usage_limit
                .map(|l| format!(" of {}", display::count(l.into())))
                .unwrap_or_default();
            format!(
                "{}: {}{limit} {unit}",
                c.period_start.format("%B %Y"),
                display::count(c.used.into())
            )
        })
        .collect();
    Ok(KeyPageData {
        id: key.id.0,
        label: key.label,
        vendor: key.vendor,
        owner_tag: key.owner_tag,
        enabled: key.enabled,
        unit: unit.to_owned(),
        latest,
        forecast,
        raw_reply,
        closeouts,
        next_poll,
        can_edit,
    })
}
