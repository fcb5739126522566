//! Plate Recognizer cloud `GET /v1/statistics/` (`Authorization: Token KEY`). Each
//! key has a billing day (1–28) derived from it; its counter resets there, as the
//! document's example does on the 14th.

use axum::{
    extract::State,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use chrono::{DateTime, Datelike, Utc};
use serde::Serialize;

use super::{bytes_of, json, with_retry_after};
use crate::{
    SharedState,
    faults::{self, retry_at},
    keys::{Behaviour, Fault, behaviour, pick, seed},
    usage::{billing_month, grown},
};

#[derive(Serialize)]
pub(crate) struct Statistics {
    usage: Usage,
    total_calls: u64,
}

#[derive(Serialize)]
struct Usage {
    month: u32,
    calls: u64,
    year: i32,
    resets_on: String,
}

#[derive(Serialize)]
pub(crate) struct Detail {
    pub detail: &'static str,
}

#[derive(Serialize)]
struct Throttled {
    detail: &'static str,
    status_code: u16,
}

pub async fn statistics(State(state): State<SharedState>, headers: HeaderMap) -> Response {
    let Some(key) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Token "))
    else {
        return json(
            StatusCode::UNAUTHORIZED,
            &Detail {
                detail: "Authentication credentials were not provided.",
            },
        );
    };
    let now = state.clock.now();
    let statistics = model(key, now);
    match behaviour(key) {
        Behaviour::Invalid | Behaviour::NoAccount => json(
            StatusCode::FORBIDDEN,
            &Detail {
                detail: "Invalid token.",
            },
        ),
        Behaviour::Fault(Fault::Timeout) => faults::never().await,
        Behaviour::Fault(Fault::Slow) => faults::dribble(bytes_of(&statistics)),
        Behaviour::Fault(Fault::Garbage) => faults::garbage(),
        Behaviour::Fault(Fault::Huge) => faults::huge(),
        Behaviour::Fault(Fault::RateLimited) => {
            with_retry_after(throttled(), HeaderValue::from_static("1"))
        }
        Behaviour::Fault(Fault::RateLimitedUntil) => with_retry_after(throttled(), retry_at(now)),
        Behaviour::Fault(Fault::ServerError) => server_error(),
        Behaviour::Fault(Fault::Drift) => json(
            StatusCode::OK,
            &serde_json::json!({
                "usage": {
                    "month": statistics.usage.month,
                    "call_count": statistics.usage.calls,
                    "year": statistics.usage.year,
                    "resets_on": statistics.usage.resets_on,
                },
                "max_calls": statistics.total_calls,
            }),
        ),
        Behaviour::Normal | Behaviour::NearLimit => json(StatusCode::OK, &statistics),
    }
}

/// Django REST framework's throttling reply, as the vendor's FAQ quotes it.
pub(crate) fn throttled() -> Response {
    json(
        StatusCode::TOO_MANY_REQUESTS,
        &Throttled {
            detail: "Request was throttled. Expected available in 1 second.",
            status_code: 429,
        },
    )
}

/// Django's stock 500 page.
pub(crate) fn server_error() -> Response {
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        [(header::CONTENT_TYPE, "text/html")],
        "\n<!doctype html>\n<html lang=\"en\">\n<head>\n  <title>Server Error (500)</title>\n</head>\n<body>\n  <h1>Server Error (500)</h1><p></p>\n</body>\n</html>\n",
    )
        .into_response()
}

/// The key's plan and usage now; also used by the SDK with a calendar-month period.
pub(crate) fn calls_and_limit(
    key: &str,
    from: DateTime<Utc>,
    now: DateTime<Utc>,
    plans: &[u64],
) -> (u64, u64) {
    let seed = seed(key);
    let total_calls = pick(seed, 1, plans);
    let calls = match behaviour(key) {
        Behaviour::NearLimit => (total_calls * 93 / 100
            + grown(seed, from, now, total_calls / 300))
        .min(total_calls * 99 / 100),
        _ => grown(seed, from, now, total_calls / pick(seed, 2, &[40, 60, 90])),
    };
    (calls, total_calls)
}

fn model(key: &str, now: DateTime<Utc>) -> Statistics {
    let billing_day = u32::try_from(seed(key) % 28).unwrap_or(0) + 1;
    let period = billing_month(now, billing_day);
    let (calls, total_calls) =
        calls_and_limit(key, period.start, now, &[2_500, 10_000, 25_000, 50_000]);
    Statistics {
        usage: Usage {
            month: now.month(),
            calls,
            year: now.year(),
            resets_on: period.end.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        },
        total_calls,
    }
}
