//! Data out: the JSON API under `/api/v1/` and the whole-team CSV. Read-only, for
//! any signed-in user: by session cookie (the browser) or by a personal API token
//! (`Authorization: Bearer qb_…`, created on the profile page).

use axum::{
    Json, Router,
    extract::{FromRequestParts, Path, Query, State},
    http::{HeaderValue, StatusCode, header, request::Parts},
    response::{IntoResponse, Response},
    routing::get,
};
use chrono::{DateTime, Utc};
use domain::{Forecast, HistoryRange, KeyId, KeyStatus, OverviewQuery, Scope, Severity, Vendor};
use engine::{
    Store,
    auth::{
        CurrentUser,
        api_token::{self, ApiToken},
    },
    history,
    overview::{self, Overview, OverviewRow, RowSubject, StatusThresholds},
    store::{keys, users::User},
};
use serde::Serialize;
use serde_json::json;

use super::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/keys", get(list_keys))
        .route("/api/v1/keys/{id}/history", get(key_history))
        .route("/usage.csv", get(usage_csv))
}

/// A failure as the API answers it: a status and `{"error": "..."}` in plain words.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    message: String,
}

impl ApiError {
    fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }

    fn internal(error: &sqlx::Error) -> Self {
        tracing::error!(%error, "API request failed");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "something went wrong on the server; please try again",
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(json!({ "error": self.message }))).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"quotaboard\""),
            );
        }
        response
    }
}

/// The user a request acts for. A bearer token, when sent, must be valid, whatever
/// cookie comes with it; otherwise the session.
pub struct ApiUser(pub User);

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if let Some(value) = parts.headers.get(header::AUTHORIZATION) {
            let refused = || {
                ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "the API token is not valid (revoked, mistyped, or its user is disabled)",
                )
            };
            let token = value
                .to_str()
                .ok()
                .and_then(|v| v.strip_prefix("Bearer "))
                .and_then(|v| ApiToken::parse(v.trim()))
                .ok_or_else(refused)?;
            return match api_token::authenticate(&state.store, &token, Utc::now()).await {
                Ok(Some(user)) => Ok(Self(user)),
                Ok(None) => {
                    tracing::warn!("refused an API request with an unknown or revoked token");
                    Err(refused())
                }
                Err(error) => Err(ApiError::internal(&error)),
            };
        }
        match parts.extensions.get::<CurrentUser>() {
            Some(CurrentUser(Some(user))) => Ok(Self(user.clone())),
            _ => Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "sign in, or send a personal API token: Authorization: Bearer qb_… (create one on your profile page)",
            )),
        }
    }
}

/// The overview's filters and sort, from the query string; anything not understood
/// is a 400 naming it, not silently ignored.
fn overview_query(pairs: &[(String, String)]) -> Result<OverviewQuery, ApiError> {
    let (query, ignored) =
        OverviewQuery::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    if ignored.is_empty() {
        Ok(query)
    } else {
        Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("not understood: {}", ignored.join(", ")),
        ))
    }
}

async fn load(store: &Store, pairs: &[(String, String)]) -> Result<Overview, ApiError> {
    let query = overview_query(pairs)?;
    overview::load(store, &query, &StatusThresholds::default(), Utc::now())
        .await
        .map_err(|e| ApiError::internal(&e))
}

#[derive(Debug, Serialize)]
struct KeyJson {
    /// `key`, or `pool` for a StructOCR account shared by several keys.
    kind: &'static str,
    id: Option<i64>,
    /// The pool's account (also on the keys inside a pool).
    account: Option<String>,
    vendor: Vendor,
    label: String,
    owner_tag: Option<String>,
    enabled: bool,
    status: KeyStatus,
    scope: Option<Scope>,
    used: Option<u64>,
    limit: Option<u64>,
    remaining: Option<i64>,
    /// Share of the limit used, e.g. `"12.34"`.
    used_percent: Option<String>,
    resets_on: Option<DateTime<Utc>>,
    forecast: Forecast,
    as_of: Option<DateTime<Utc>>,
    polled_at: Option<DateTime<Utc>>,
    last_error: Option<String>,
    failures: i64,
    /// Alerts firing on this key or pool, most severe first.
    alerts: Vec<AlertJson>,
}

#[derive(Debug, Serialize)]
struct AlertJson {
    severity: Severity,
    /// The rule's step that was crossed, in words: `95 % used`.
    rule: String,
    /// The figure when it was last judged: `412 calls left (4 %)`.
    summary: String,
    since: DateTime<Utc>,
}

impl From<OverviewRow> for KeyJson {
    fn from(row: OverviewRow) -> Self {
        let (kind, id, account) = match row.subject {
            RowSubject::Key(id) => ("key", Some(id.0), row.pool),
            RowSubject::Pool { account, .. } => ("pool", None, Some(account)),
        };
        Self {
            kind,
            id,
            account,
            vendor: row.vendor,
            label: row.label,
            owner_tag: row.owner_tag,
            enabled: row.enabled,
            status: row.status,
            scope: row.scope,
            used: row.used,
            limit: row.limit,
            remaining: row.remaining,
            used_percent: row
                .used_percent
                .map(|p| format!("{}.{:02}", p.hundredths / 100, p.hundredths % 100)),
            resets_on: row.resets_on,
            forecast: row.forecast,
            as_of: row.as_of,
            polled_at: row.polled_at,
            last_error: row.last_error,
            failures: row.failures,
            alerts: row
                .alerts
                .into_iter()
                .map(|alert| AlertJson {
                    severity: alert.severity,
                    rule: alert.text,
                    summary: alert.summary,
                    since: alert.since,
                })
                .collect(),
        }
    }
}

/// `GET /api/v1/keys`: every key (and pool) with its latest reading, status and
/// forecast; the overview's `vendor`, `status`, `owner`, `sort`, `dir` apply.
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
async fn list_keys(
    ApiUser(user): ApiUser,
    State(store): State<Store>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    #[derive(Serialize)]
    struct KeysJson {
        generated_at: DateTime<Utc>,
        keys: Vec<KeyJson>,
    }
    let overview = load(&store, &pairs).await?;
    // Serialised straight from the structs: a `json!` value tree of 1,000 keys costs
    // more than the rest of the request.
    Ok(Json(KeysJson {
        generated_at: Utc::now(),
        keys: overview.rows.into_iter().map(KeyJson::from).collect(),
    })
    .into_response())
}

#[derive(Debug, Serialize)]
struct PointJson {
    at: DateTime<Utc>,
    used: Option<i64>,
    used_min: Option<i64>,
    used_max: Option<i64>,
    remaining: Option<i64>,
    limit: Option<i64>,
    polls: i64,
    ok: i64,
    errors: i64,
    skipped: i64,
}

/// `GET /api/v1/keys/{id}/history?range=7d`: the key's history over the last 24h,
/// 7d (default), 30d, 90d or 1y: raw polls for short ranges, hourly or daily
/// rollups for longer ones (`resolution` says which).
#[tracing::instrument(skip_all, fields(user_id = %user.id, key_id = id))]
async fn key_history(
    ApiUser(user): ApiUser,
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let id: i64 = id.parse().map_err(|_| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("{id:?} is not a key id (a number)"),
        )
    })?;
    let mut range = HistoryRange::default();
    for (name, value) in &pairs {
        match name.as_str() {
            "range" => {
                range = value.parse().map_err(|e: domain::UnknownRange| {
                    ApiError::new(StatusCode::BAD_REQUEST, e.to_string())
                })?;
            }
            other => {
                return Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    format!("not understood: {other:?} (only `range`)"),
                ));
            }
        }
    }
    let key = keys::get(state.store.pool(), KeyId(id))
        .await
        .map_err(|e| ApiError::internal(&e))?
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                format!("there is no key with id {id}"),
            )
        })?;
    let history = history::history(&state.store, KeyId(id), range, &state.retention, Utc::now())
        .await
        .map_err(|e| ApiError::internal(&e))?;
    let points: Vec<PointJson> = history
        .points
        .into_iter()
        .map(|p| PointJson {
            at: p.at,
            used: p.used,
            used_min: p.used_min,
            used_max: p.used_max,
            remaining: p.remaining,
            limit: p.limit,
            polls: p.polls,
            ok: p.ok,
            errors: p.errors,
            skipped: p.skipped,
        })
        .collect();
    Ok(Json(json!({
        "key_id": id,
        "label": key.label,
        "vendor": key.vendor,
        "range": range.slug(),
        "resolution": history.resolution.as_str(),
        "from": history.from,
        "to": history.to,
        "points": points,
    }))
    .into_response())
}

/// `GET /usage.csv`: the whole team's usage, one line per overview row (same
/// filters as the overview and `/api/v1/keys`).
#[tracing::instrument(skip_all, fields(user_id = %user.id))]
async fn usage_csv(
    ApiUser(user): ApiUser,
    State(store): State<Store>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Response, ApiError> {
    let overview = load(&store, &pairs).await?;
    let body = engine::export::overview_csv(&overview);
    let filename = format!("quotaboard-usage-{}.csv", Utc::now().format("%Y-%m-%d"));
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        body,
    )
        .into_response())
}
