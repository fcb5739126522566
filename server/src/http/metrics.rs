//! `GET /metrics`: Prometheus' text exposition (OpenMetrics). Behind a bearer token
//! when `QUOTABOARD_METRICS_TOKEN` is set.

use axum::{
    extract::State,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};

use super::AppState;

const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

pub async fn metrics(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(expected) = &state.metrics_token {
        let presented = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        if !presented.is_some_and(|token| expected.matches(token.trim())) {
            let mut response = (
                StatusCode::UNAUTHORIZED,
                "metrics need the token configured in QUOTABOARD_METRICS_TOKEN: Authorization: Bearer <token>\n",
            )
                .into_response();
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"quotaboard-metrics\""),
            );
            return response;
        }
    }
    match engine::metrics::render(&state.store, state.polls.metrics()).await {
        Ok(text) => ([(header::CONTENT_TYPE, CONTENT_TYPE)], text).into_response(),
        Err(error) => {
            tracing::error!(%error, "metrics: database unavailable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "metrics unavailable: the database did not answer\n",
            )
                .into_response()
        }
    }
}
