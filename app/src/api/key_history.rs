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
    let actor = crate::errors::require(domain::Role::Viewer)?;
    let can_edit = actor.require(domain::Role::Editor).is_ok();
    // Every context is read before the first await: under concurrent load
    // (`bench/dashboard`) a read after an await sometimes found no context and
    // panicked, the fetch being polled when its reactive owner was already gone.
    let store = expect_context::<engine::Store>();
    let polls = expect_context::<engine::poller::PollService>();
    let drawn = expect_context::<DrawnKeyPages>();
    let now = chrono::Utc::now();
    // Read before the data, so what is kept under a version is never older than it.
    let version = engine::store::overview::version(store.pool()).await?;
    let drawn_key = KeyPageKey {
        id,
        version,
        can_edit,
        minute: now.timestamp().div_euclid(60),
    };
    if let Some(page) = drawn.0.get(&drawn_key) {
        return Ok(page);
    }
    let page = load(&store, &polls, &actor, id, can_edit, now).await?;
    drawn.0.put(drawn_key, page.clone());
    Ok(page)
}

/// Key pages asked for lately. A page is mostly opened again and again while
/// someone watches a key, or by a dashboard screen; its data changes with a poll,
/// which moves `overview_version` (as do a new close-out and the team's time zone).
#[cfg(feature = "ssr")]
#[derive(Clone)]
pub struct DrawnKeyPages(std::sync::Arc<super::recent::Recent<KeyPageKey, KeyPageData>>);

#[cfg(feature = "ssr")]
impl Default for DrawnKeyPages {
    fn default() -> Self {
        Self(std::sync::Arc::new(super::recent::Recent::new(32)))
    }
}

/// Everything a key page's data depends on.
#[cfg(feature = "ssr")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyPageKey {
    id: i64,
    version: i64,
    can_edit: bool,
    /// Ages and the next poll are shown in minutes.
    minute: i64,
}

#[cfg(feature = "ssr")]
impl super::recent::DrawnFrom for KeyPageKey {
    fn is_current_with(&self, newer: &Self) -> bool {
        self.version == newer.version && self.minute == newer.minute
    }
}

#[cfg(feature = "ssr")]
async fn load(
    store: &engine::Store,
    polls: &engine::poller::PollService,
    actor: &engine::team::Actor,
    id: i64,
    can_edit: bool,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<KeyPageData, AppError> {
    use engine::{
        display,
        store::{closeouts, forecasts, snapshots},
    };

    let key = engine::team::key_summary(store, actor, domain::KeyId(id)).await?;
    let tz = display::team_time_zone(store).await?;
    let unit = engine::charts::unit(key.vendor);
    // One connection for the key's own rows: one pool round trip, not three.
    let mut conn = store.pool().acquire().await?;
    let latest = snapshots::latest_for(&mut *conn, key.id).await?;
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
    let forecast = forecasts::for_key(&mut *conn, key.id).await?.map(|stored| {
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
    let closeouts = closeouts::for_key(&mut *conn, key.id, 12)
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
