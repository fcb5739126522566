//! Plate Recognizer on-premise SDK `GET /info/`, no authentication.
//!
//! One port serves many SDK "instances": the license key goes in the path, so an
//! instance's base URL is `http://ADDR/sdk/<license>` and its info is
//! `/sdk/<license>/info/`. The bare `/info/` is an instance with license
//! `SIMULATED-SDK`. The license picks the behaviour (`fault-…`, `near-limit…`).

use axum::{
    extract::{Path, State},
    http::{HeaderValue, StatusCode},
    response::Response,
};
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{
    bytes_of, json,
    plate_recognizer::{Detail, calls_and_limit, server_error, throttled},
    with_retry_after,
};
use crate::{
    SharedState,
    faults::{self, retry_at},
    keys::{Behaviour, Fault, behaviour},
    usage::calendar_month,
};

pub const DEFAULT_LICENSE: &str = "SIMULATED-SDK";

#[derive(Serialize)]
struct Info {
    version: &'static str,
    license_key: String,
    total_calls: u64,
    usage: Usage,
    webhooks: Vec<serde_json::Value>,
}

#[derive(Serialize)]
struct Usage {
    calls: u64,
}

pub async fn default_info(state: State<SharedState>) -> Response {
    info(state, Path(DEFAULT_LICENSE.to_owned())).await
}

pub async fn info(State(state): State<SharedState>, Path(license): Path<String>) -> Response {
    let now = state.clock.now();
    let info = model(&license, now);
    match behaviour(&license) {
        Behaviour::Invalid | Behaviour::NoAccount => json(
            StatusCode::FORBIDDEN,
            &Detail {
                detail: "Invalid license key.",
            },
        ),
        Behaviour::Fault(Fault::Timeout) => faults::never().await,
        Behaviour::Fault(Fault::Slow) => faults::dribble(bytes_of(&info)),
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
                "version": info.version,
                "license_key": info.license_key,
                "total_calls": info.total_calls,
                "usage": {"requests": info.usage.calls},
                "webhooks": [],
            }),
        ),
        Behaviour::Normal | Behaviour::NearLimit => json(StatusCode::OK, &info),
    }
}

fn model(license: &str, now: DateTime<Utc>) -> Info {
    let period = calendar_month(now);
    let (calls, total_calls) =
        calls_and_limit(license, period.start, now, &[2_500, 10_000, 50_000]);
    Info {
        version: "1.3.8",
        license_key: license.to_owned(),
        total_calls,
        usage: Usage { calls },
        webhooks: Vec::new(),
    }
}
