//! OCR.space `POST /conversions` (header `apikey`; optional form-data
//! `startDate=lastMonth`). Counts run from the 1st to the end of yesterday; an invalid
//! key gets zeros, as the real API does. Keys starting `legacy-` get the documented
//! `Engine1`/`Engine2`/`Total` spelling, all others the live `count_*` one.

use axum::{
    extract::{FromRequest, Multipart, Request, State},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{bytes_of, json, with_retry_after};
use crate::{
    SharedState,
    faults::{self, retry_at},
    keys::{Behaviour, Fault, behaviour, pick, seed},
    usage::{calendar_month, grown, one_day},
};

/// The PRO plan's monthly conversions; the reply itself never says it.
pub const ASSUMED_MONTHLY_LIMIT: u64 = 300_000;
const THROTTLE_TEXT: &str =
    "You may only perform this action upto maximum 600 number of times within 60 seconds";

#[derive(Serialize)]
struct Counts {
    count_total: u64,
    count_engine1: u64,
    count_engine2: u64,
    count_engine3: u64,
}

#[derive(Serialize)]
struct DocumentedCounts {
    #[serde(rename = "Engine1")]
    engine1: u64,
    #[serde(rename = "Engine2")]
    engine2: u64,
    #[serde(rename = "Total")]
    total: u64,
}

#[derive(Serialize)]
struct DriftedCounts {
    conversions: DriftedInner,
}

#[derive(Serialize)]
struct DriftedInner {
    all: u64,
    engine_1: u64,
    engine_2: u64,
}

pub async fn conversions(State(state): State<SharedState>, request: Request) -> Response {
    let key = request
        .headers()
        .get("apikey")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let last_month = asks_for_last_month(request, &state).await;
    let now = state.clock.now();
    let total = match behaviour(&key) {
        _ if key.is_empty() => 0,
        Behaviour::Invalid => 0,
        behaviour => total(&key, behaviour, now, last_month),
    };
    let seed = seed(&key);
    let engine3 = total / 20;
    let engine2 = total * pick(seed, 2, &[30, 35, 40, 45]) / 100;
    let counts = Counts {
        count_total: total,
        count_engine1: total - engine2 - engine3,
        count_engine2: engine2,
        count_engine3: engine3,
    };
    match behaviour(&key) {
        Behaviour::Fault(Fault::Timeout) => faults::never().await,
        Behaviour::Fault(Fault::Slow) => faults::dribble(bytes_of(&counts)),
        Behaviour::Fault(Fault::Garbage) => faults::garbage(),
        Behaviour::Fault(Fault::Huge) => faults::huge(),
        // OCR.space throttles with a 403 and a sentence, not a 429.
        Behaviour::Fault(Fault::RateLimited) => {
            (StatusCode::FORBIDDEN, THROTTLE_TEXT).into_response()
        }
        Behaviour::Fault(Fault::RateLimitedUntil) => with_retry_after(
            (StatusCode::TOO_MANY_REQUESTS, THROTTLE_TEXT).into_response(),
            retry_at(now),
        ),
        Behaviour::Fault(Fault::ServerError) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            [(header::CONTENT_TYPE, "text/html")],
            "<h1>Server Error</h1>",
        )
            .into_response(),
        Behaviour::Fault(Fault::Drift) => json(
            StatusCode::OK,
            &DriftedCounts {
                conversions: DriftedInner {
                    all: total,
                    engine_1: total - engine2,
                    engine_2: engine2,
                },
            },
        ),
        _ if key.starts_with("legacy-") => json(
            StatusCode::OK,
            &DocumentedCounts {
                engine1: total - engine2,
                engine2,
                total,
            },
        ),
        _ => json(StatusCode::OK, &counts),
    }
}

fn total(key: &str, behaviour: Behaviour, now: DateTime<Utc>, last_month: bool) -> u64 {
    let seed = seed(key);
    let this_month = calendar_month(now);
    let (from, until) = if last_month {
        (
            calendar_month(this_month.start - one_day()).start,
            this_month.start,
        )
    } else {
        // Updated once a day: the figures stop at the end of yesterday.
        (
            this_month.start,
            now.date_naive().and_time(chrono::NaiveTime::MIN).and_utc(),
        )
    };
    if behaviour == Behaviour::NearLimit {
        let near = ASSUMED_MONTHLY_LIMIT * 93 / 100 + grown(seed, from, until, 300);
        return near.min(ASSUMED_MONTHLY_LIMIT * 99 / 100);
    }
    let per_day = pick(seed, 1, &[800, 2_000, 4_500, 7_000]);
    grown(seed, from, until, per_day)
}

/// `startDate=lastMonth` in a form-data body; the name is case-sensitive.
async fn asks_for_last_month(request: Request, state: &SharedState) -> bool {
    let is_form = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("multipart/form-data"));
    if !is_form {
        return false;
    }
    let Ok(mut form) = Multipart::from_request(request, state).await else {
        return false;
    };
    while let Ok(Some(field)) = form.next_field().await {
        if field.name() == Some("startDate") {
            return field.text().await.is_ok_and(|value| value == "lastMonth");
        }
    }
    false
}
