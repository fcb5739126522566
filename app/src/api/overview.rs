//! The overview: every key's figures, status and forecast, filtered and sorted as the
//! URL says. The server draws it as HTML (dates and numbers in the team's time zone);
//! the browser only puts that HTML in place (`LiveOverview`).

#[cfg(feature = "ssr")]
use domain::{KeyStatus, Severity};
#[cfg(feature = "ssr")]
use domain::{OverviewQuery, Vendor};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::recent::{DrawnFrom, Recent};
use crate::{errors::AppError, server_html::ServerHtml};

/// The overview's URL parameters as typed; bad ones are ignored and named on the page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct OverviewParams {
    pub vendor: String,
    pub status: String,
    pub owner: String,
    pub sort: String,
    pub dir: String,
}

/// One row as the server draws it (the browser gets the HTML, not this).
#[cfg(feature = "ssr")]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverviewRowView {
    /// `None` for a StructOCR account pool row.
    pub key_id: Option<i64>,
    /// For a pool row, its account; for a key in a pool, the pool's account.
    pub account: Option<String>,
    pub is_pool: bool,
    pub vendor: Vendor,
    pub label: String,
    pub owner_tag: Option<String>,
    pub used: String,
    pub limit: String,
    pub remaining: String,
    /// Share of the limit used, in hundredths of a percent, for the bar.
    pub used_hundredths: Option<u32>,
    pub used_percent: String,
    pub resets_on: String,
    pub forecast: String,
    /// `runs_out_on`, `lasts_until_reset`, ... for styling.
    pub forecast_kind: String,
    pub status: KeyStatus,
    pub data_age: String,
    /// The exact time of the figures, for a tooltip.
    pub data_time: String,
    pub last_error: Option<String>,
    /// When it was last polled (RFC 3339, UTC), for scripts and tests.
    pub polled_at: Option<String>,
    /// Alerts firing on this row, most severe first.
    pub alerts: Vec<RowAlertView>,
}

/// A firing alert on an overview row: `critical: 95 % used`.
#[cfg(feature = "ssr")]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowAlertView {
    pub severity: Severity,
    /// The rule's step that was crossed, in words.
    pub text: String,
    /// The figure when it was last judged and since when it fires, for a tooltip.
    pub detail: String,
}

#[cfg(feature = "ssr")]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VendorTotalView {
    pub vendor: Vendor,
    pub rows: usize,
    pub used: String,
    pub limit: String,
    pub remaining: String,
    pub critical: usize,
    pub warning: usize,
    pub error: usize,
}

#[cfg(feature = "ssr")]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverviewData {
    /// How many rows match.
    pub shown: usize,
    /// Their HTML, in order (`<tr>`s).
    pub rows_html: String,
    pub totals: Vec<VendorTotalView>,
    pub owners: Vec<String>,
    /// The view as the server understood the URL.
    pub query: OverviewQuery,
    /// Parts of the URL that were not understood and so ignored.
    pub ignored: Vec<String>,
    /// Rows before filtering.
    pub all_rows: usize,
    /// Whether the signed-in user may poll now (editors and admins).
    pub can_poll: bool,
    pub time_zone: String,
    pub rendered_at: String,
}

/// The overview as the URL's query asks for it (each parameter as typed; bad ones
/// are ignored and named on the page), drawn as HTML: totals, filters and rows.
#[server(endpoint = "overview")]
pub async fn overview(
    vendor: String,
    status: String,
    owner: String,
    sort: String,
    dir: String,
) -> Result<ServerHtml, AppError> {
    let actor = crate::errors::require(domain::Role::Viewer)?;
    let can_poll = actor.require(domain::Role::Editor).is_ok();
    let store = expect_context::<engine::Store>();
    let drawn = expect_context::<DrawnOverviews>();
    let now = chrono::Utc::now();
    let tz = engine::display::team_time_zone(&store).await?;
    let snapshot =
        engine::overview::snapshot(&store, &engine::overview::StatusThresholds::default()).await?;
    let rows_key = RowsKey {
        version: snapshot.version(),
        can_poll,
        time_zone: tz,
        minute: now.timestamp().div_euclid(60),
    };
    let key = DrawnKey {
        rows: rows_key,
        params: [vendor, status, owner, sort, dir],
    };
    if let Some(html) = drawn.page(&key) {
        return Ok(html);
    }
    let [vendor, status, owner, sort, dir] = &key.params;
    let (query, ignored) = OverviewQuery::from_pairs([
        ("vendor", vendor.as_str()),
        ("status", status.as_str()),
        ("owner", owner.as_str()),
        ("sort", sort.as_str()),
        ("dir", dir.as_str()),
    ]);
    let overview = engine::overview::view(&snapshot, &query, now);
    let rows_html = drawn.rows(&key.rows, &overview.rows, |row| {
        crate::components::overview_table::draw_row(
            server::row_view(row.clone(), tz, now),
            can_poll,
        )
    });
    let data = server::view(overview, rows_html, query, ignored, can_poll, tz, now);
    let html = crate::components::overview_body::draw(data);
    drawn.put_page(key, html.clone());
    Ok(html)
}

/// The overview drawn lately: whole pages by what they were drawn from, and each
/// row's HTML. An open overview asks again every 30 seconds, a team has several
/// open, and a thousand rows take milliseconds to draw: the same view of the same
/// data within the same minute (ages are shown in minutes) is drawn once, and a
/// row looks the same in every sort and filter, so another view of the same data
/// only puts the rows it already has in another order. Anything that changes a row
/// moves `overview_version`, which is part of both keys.
#[cfg(feature = "ssr")]
#[derive(Clone)]
pub struct DrawnOverviews {
    pages: std::sync::Arc<Recent<DrawnKey, ServerHtml>>,
    rows: std::sync::Arc<Recent<RowsKey, DrawnRows>>,
}

/// Everything a row's HTML depends on besides the row.
#[cfg(feature = "ssr")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RowsKey {
    version: i64,
    can_poll: bool,
    time_zone: chrono_tz::Tz,
    minute: i64,
}

#[cfg(feature = "ssr")]
#[derive(Debug, PartialEq, Eq)]
pub struct DrawnKey {
    rows: RowsKey,
    /// The URL's parameters as typed (the ignored ones are named on the page).
    params: [String; 5],
}

#[cfg(feature = "ssr")]
type DrawnRows = std::collections::HashMap<engine::overview::RowSubject, String>;

#[cfg(feature = "ssr")]
impl Default for DrawnOverviews {
    fn default() -> Self {
        Self {
            pages: std::sync::Arc::new(Recent::new(Self::PAGES_KEPT)),
            rows: std::sync::Arc::new(Recent::new(Self::ROWS_KEPT)),
        }
    }
}

#[cfg(feature = "ssr")]
impl DrawnOverviews {
    /// Pages kept: the usual one and a few filtered ones (about 1 MB each at a
    /// thousand keys).
    const PAGES_KEPT: usize = 4;
    /// Sets of rows kept: one for viewers and one for editors (their rows have a
    /// "Poll now" button).
    const ROWS_KEPT: usize = 2;

    fn page(&self, key: &DrawnKey) -> Option<ServerHtml> {
        self.pages.get(key)
    }

    fn put_page(&self, key: DrawnKey, html: ServerHtml) {
        self.pages.put(key, html);
    }

    /// The rows' HTML in the order given, drawing (with `draw`) only those not
    /// drawn yet for `key`. Holds the rows' lock while drawing: a second view asked
    /// for meanwhile waits rather than drawing the same rows again.
    fn rows(
        &self,
        key: &RowsKey,
        rows: &[engine::overview::OverviewRow],
        mut draw: impl FnMut(&engine::overview::OverviewRow) -> String,
    ) -> String {
        self.rows.with(*key, DrawnRows::new, |drawn| {
            let mut html = String::new();
            for row in rows {
                match drawn.get(&row.subject) {
                    Some(row_html) => html.push_str(row_html),
                    None => {
                        let row_html = draw(row);
                        html.push_str(&row_html);
                        drawn.insert(row.subject.clone(), row_html);
                    }
                }
            }
            html
        })
    }
}

#[cfg(feature = "ssr")]
impl DrawnFrom for RowsKey {
    fn is_current_with(&self, newer: &RowsKey) -> bool {
        self.version == newer.version && self.minute == newer.minute
    }
}

#[cfg(feature = "ssr")]
impl DrawnFrom for DrawnKey {
    fn is_current_with(&self, newer: &DrawnKey) -> bool {
        self.rows.is_current_with(&newer.rows)
    }
}

#[cfg(feature = "ssr")]
mod server {
    use chrono::{DateTime, Utc};
    use chrono_tz::Tz;
    use domain::OverviewQuery;
    use engine::{
        display,
        overview::{Overview, OverviewRow, RowAlert, RowSubject, VendorTotal},
    };

    use super::{OverviewData, OverviewRowView, RowAlertView, VendorTotalView};

    const NONE: &str = "—";

    pub fn view(
        overview: Overview,
        rows_html: String,
        query: OverviewQuery,
        ignored: Vec<String>,
        can_poll: bool,
        tz: Tz,
        now: DateTime<Utc>,
    ) -> OverviewData {
        OverviewData {
            shown: overview.rows.len(),
            rows_html,
            totals: overview.totals.into_iter().filter_map(total_view).collect(),
            owners: overview.owners,
            query,
            ignored,
            all_rows: overview.all_rows,
            can_poll,
            time_zone: tz.name().to_owned(),
            rendered_at: display::date_time(now, tz),
        }
    }

    fn number(value: Option<i128>) -> String {
        value.map_or_else(|| NONE.to_owned(), display::count)
    }

    pub fn row_view(row: OverviewRow, tz: Tz, now: DateTime<Utc>) -> OverviewRowView {
        let (is_pool, account) = match &row.subject {
            RowSubject::Pool { account, .. } => (true, Some(account.clone())),
            RowSubject::Key(_) => (false, row.pool.clone()),
        };
        let forecast = match row.forecast.date() {
            Some(at) => format!("{} {}", row.forecast.phrase(), display::date(at, tz)),
            None => row.forecast.phrase().to_owned(),
        };
        let forecast_kind = row.forecast.kind().to_owned();
        OverviewRowView {
            key_id: row.key_id().map(|id| id.0),
            account,
            is_pool,
            vendor: row.vendor,
            label: row.label,
            owner_tag: row.owner_tag,
            used: number(row.used.map(i128::from)),
            limit: number(row.limit.map(i128::from)),
            remaining: number(row.remaining.map(i128::from)),
            used_hundredths: row.used_percent.map(|p| p.hundredths),
            used_percent: row
                .used_percent
                .map_or_else(|| NONE.to_owned(), |p| format!("{}%", p.hundredths / 100)),
            resets_on: row
                .resets_on
                .map_or_else(|| "never".to_owned(), |at| display::date(at, tz)),
            forecast,
            forecast_kind,
            status: row.status,
            data_age: row.as_of.map_or_else(
                || "no figures yet".to_owned(),
                |as_of| display::data_age(row.vendor, as_of, now, tz),
            ),
            data_time: row
                .as_of
                .map(|at| display::date_time(at, tz))
                .unwrap_or_default(),
            last_error: row.last_error,
            polled_at: row
                .polled_at
                .map(|at| at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)),
            alerts: row
                .alerts
                .into_iter()
                .map(|alert| alert_view(alert, tz))
                .collect(),
        }
    }

    fn alert_view(alert: RowAlert, tz: Tz) -> RowAlertView {
        RowAlertView {
            severity: alert.severity,
            detail: format!(
                "{} · firing since {}",
                alert.summary,
                display::date_time(alert.since, tz)
            ),
            text: alert.text,
        }
    }

    fn total_view(total: VendorTotal) -> Option<VendorTotalView> {
        Some(VendorTotalView {
            vendor: total.vendor?,
            rows: total.rows,
            used: display::count(i128::from(total.used)),
            limit: display::count(i128::from(total.limit)),
            remaining: display::count(i128::from(total.remaining)),
            critical: total.critical,
            warning: total.warning,
            error: total.error,
        })
    }
}
