//! A key's history as a chart (`GET /keys/{id}/chart.svg?kind=…&range=…`) and as
//! CSV (`GET /keys/{id}/usage.csv?range=…`), for any signed-in user. Plain routes,
//! not server functions: an `<img>` and a download link fetch them.

use axum::{
    Extension,
    extract::{Path, Query, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use chrono::Utc;
use domain::{HistoryRange, KeyId, Role};
use engine::{
    auth::CurrentUser,
    charts::{self, ChartKind, Palette},
    history::{self, History},
    team::{self, Actor, TeamError},
};
use serde::Deserialize;
use std::fmt::Write as _;

use super::AppState;

#[derive(Debug, Deserialize)]
pub struct ChartQuery {
    kind: Option<String>,
    range: Option<String>,
    theme: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct CsvQuery {
    range: Option<String>,
}

/// Why a request gets no chart or CSV, in plain words: never a database or vendor
/// message (those go to the log).
#[derive(Debug)]
pub enum Refusal {
    BadRequest(String),
    NotFound(i64),
    Forbidden,
    Internal,
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let (status, message) = match self {
            Self::BadRequest(message) => (StatusCode::BAD_REQUEST, message),
            Self::NotFound(id) => (
                StatusCode::NOT_FOUND,
                format!("there is no key with id {id}"),
            ),
            Self::Forbidden => (StatusCode::FORBIDDEN, "not allowed".to_owned()),
            Self::Internal => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "something went wrong on the server; please try again".to_owned(),
            ),
        };
        text(status, &message)
    }
}

fn text(status: StatusCode, message: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("{message}\n"),
    )
        .into_response()
}

fn parse_range(range: Option<&str>) -> Result<HistoryRange, Refusal> {
    range.map_or(Ok(HistoryRange::default()), |text| {
        text.parse()
            .map_err(|e: domain::UnknownRange| Refusal::BadRequest(e.to_string()))
    })
}

fn viewer(user: &CurrentUser) -> Option<Actor> {
    let user = user.0.clone()?;
    let actor = Actor::User(user);
    actor.require(Role::Viewer).is_ok().then_some(actor)
}

fn team_error(error: TeamError, id: i64) -> Refusal {
    match error {
        TeamError::NotFound { .. } => Refusal::NotFound(id),
        TeamError::Forbidden(_) => Refusal::Forbidden,
        other => internal(&other, id),
    }
}

fn internal(error: &dyn std::fmt::Display, id: i64) -> Refusal {
    tracing::error!(key_id = id, %error, "key history failed");
    Refusal::Internal
}

/// The theme: `?theme=` when given (the page passes its current one), else the
/// theme cookie, else light.
fn palette(theme: Option<&str>, headers: &HeaderMap) -> Palette {
    let from_cookie = || {
        headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .any(|cookie| app::theme::Theme::from_cookie_header(cookie) == app::theme::Theme::Dark)
    };
    let dark = match theme {
        Some("dark") => true,
        Some(_) => false,
        None => from_cookie(),
    };
    if dark { Palette::DARK } else { Palette::LIGHT }
}

#[tracing::instrument(name = "key_chart", skip_all, fields(key_id = id))]
pub async fn chart_svg(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Path(id): Path<i64>,
    Query(query): Query<ChartQuery>,
    headers: HeaderMap,
) -> Response {
    let Some(actor) = viewer(&user) else {
        return text(StatusCode::UNAUTHORIZED, "please sign in first");
    };
    let kind = match query.kind.as_deref().map(ChartKind::parse) {
        None => ChartKind::Usage,
        Some(Some(kind)) => kind,
        Some(None) => {
            return Refusal::BadRequest(
                "unknown chart kind: use usage, remaining or consumption".to_owned(),
            )
            .into_response();
        }
    };
    let range = match parse_range(query.range.as_deref()) {
        Ok(range) => range,
        Err(refusal) => return refusal.into_response(),
    };
    let data = match chart_data(&state, &actor, KeyId(id), kind, range).await {
        Ok(data) => data,
        Err(refusal) => return refusal.into_response(),
    };
    match charts::render(&data, &palette(query.theme.as_deref(), &headers)) {
        Ok(svg) => (
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("image/svg+xml"),
                ),
                // Per user and changing with every poll: not for shared caches.
                (
                    header::CACHE_CONTROL,
                    HeaderValue::from_static("private, max-age=60"),
                ),
            ],
            svg,
        )
            .into_response(),
        Err(error) => internal(&error, id).into_response(),
    }
}

pub async fn chart_data(
    state: &AppState,
    actor: &Actor,
    id: KeyId,
    kind: ChartKind,
    range: HistoryRange,
) -> Result<charts::ChartData, Refusal> {
    let key = team::key_summary(&state.store, actor, id)
        .await
        .map_err(|e| team_error(e, id.0))?;
    let unit = charts::unit(key.vendor);
    let tz = engine::display::team_time_zone(&state.store)
        .await
        .map_err(|e| internal(&e, id.0))?;
    let now = Utc::now();
    let read = |from, to| history::history_between(&state.store, id, from, to, &state.retention);
    Ok(match kind {
        ChartKind::Usage => {
            let latest = engine::store::snapshots::latest_for(state.store.pool(), id)
                .await
                .map_err(|e| internal(&e, id.0))?
                .and_then(|row| row.reading());
            let period = latest
                .as_ref()
                .and_then(|r| Some((r.period_start?.value, r.resets_on?.value)))
                .filter(|(start, _)| *start <= now);
            match period {
                Some(period) => {
                    let history = read(period.0, now).await.map_err(|e| internal(&e, id.0))?;
                    charts::usage_chart(&history, period, &key.label, unit, tz)
                }
                // No billing period known (yet): usage over the chosen range.
                None => {
                    let history: History = read(now - range.span(), now)
                        .await
                        .map_err(|e| internal(&e, id.0))?;
                    charts::usage_chart(&history, (history.from, history.to), &key.label, unit, tz)
                }
            }
        }
        ChartKind::Remaining => {
            let history = read(now - range.span(), now)
                .await
                .map_err(|e| internal(&e, id.0))?;
            charts::remaining_chart(&history, &key.label, unit, tz)
        }
        ChartKind::Consumption => {
            let history = read(now - range.span(), now)
                .await
                .map_err(|e| internal(&e, id.0))?;
            charts::consumption_chart(&history, &key.label, unit, tz)
        }
    })
}

#[tracing::instrument(name = "key_usage_csv", skip_all, fields(key_id = id))]
pub async fn usage_csv(
    State(state): State<AppState>,
    Extension(user): Extension<CurrentUser>,
    Path(id): Path<i64>,
    Query(query): Query<CsvQuery>,
) -> Response {
    let Some(actor) = viewer(&user) else {
        return Redirect::to("/login").into_response();
    };
    let range = match parse_range(query.range.as_deref()) {
        Ok(range) => range,
        Err(refusal) => return refusal.into_response(),
    };
    if let Err(error) = team::key_summary(&state.store, &actor, KeyId(id)).await {
        return team_error(error, id).into_response();
    }
    let history = match history::history(
        &state.store,
        KeyId(id),
        range,
        &state.retention,
        Utc::now(),
    )
    .await
    {
        Ok(history) => history,
        Err(error) => return internal(&error, id).into_response(),
    };
    let disposition = format!("attachment; filename=\"key-{id}-usage-{range}.csv\"");
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/csv; charset=utf-8"),
            ),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&disposition)
                    .unwrap_or_else(|_| HeaderValue::from_static("attachment")),
            ),
        ],
        csv(&history),
    )
        .into_response()
}

/// One row per point; empty cells for figures that are unknown.
pub fn csv(history: &History) -> String {
    let mut out = String::from(
        "time_utc,resolution,used,used_min,used_max,remaining,remaining_min,remaining_max,\
         limit,period_start_utc,polls,ok,errors,skipped\n",
    );
    let cell = |value: Option<i64>| value.map(|v| v.to_string()).unwrap_or_default();
    for p in &history.points {
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
            p.at.format("%Y-%m-%dT%H:%M:%SZ"),
            history.resolution.as_str(),
            cell(p.used),
            cell(p.used_min),
            cell(p.used_max),
            cell(p.remaining),
            cell(p.remaining_min),
            cell(p.remaining_max),
            cell(p.limit),
            p.period_start
                .map(|s| s.format("%Y-%m-%dT%H:%M:%SZ").to_string())
                .unwrap_or_default(),
            p.polls,
            p.ok,
            p.errors,
            p.skipped
        );
    }
    out
}
