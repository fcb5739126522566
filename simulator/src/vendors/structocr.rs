//! StructOCR `GET /v1/account/balance` (header `x-api-key`), shaped exactly like the
//! document's example: `period`, `account` (all-time, shared by the account's keys),
//! `this_key` (this calendar month), and its 401/404/500 bodies.

use axum::{
    extract::State,
    http::{HeaderMap, HeaderValue, StatusCode},
    response::Response,
};
use chrono::{DateTime, TimeDelta, Utc};
use serde::Serialize;

use super::{bytes_of, error_rate, json, with_retry_after};
use crate::{
    SharedState,
    faults::{self, retry_at},
    keys::{Behaviour, Fault, behaviour, mix, pick, seed},
    usage::{calendar_month, grown},
};

#[derive(Serialize)]
struct Balance {
    period: Period,
    account: Account,
    this_key: ThisKey,
}

#[derive(Serialize)]
struct Period {
    start: String,
    end: String,
}

#[derive(Serialize)]
struct Account {
    credits_total: u64,
    credits_used: u64,
    credits_remaining: i64,
    credits_this_period: u64,
    requests_this_period: u64,
    error_rate: String,
    avg_latency_ms: u64,
}

#[derive(Serialize)]
struct ThisKey {
    credits_used: u64,
    requests: u64,
    error_rate: String,
    avg_latency_ms: u64,
}

#[derive(Serialize)]
struct Error {
    error: &'static str,
}

pub async fn balance(State(state): State<SharedState>, headers: HeaderMap) -> Response {
    let Some(key) = headers.get("x-api-key").and_then(|v| v.to_str().ok()) else {
        return error(StatusCode::UNAUTHORIZED, "Missing x-api-key header");
    };
    let now = state.clock.now();
    let balance = model(key, now);
    match behaviour(key) {
        Behaviour::Invalid => error(StatusCode::UNAUTHORIZED, "Invalid or inactive API key"),
        Behaviour::NoAccount => error(StatusCode::NOT_FOUND, "Account not found"),
        Behaviour::Fault(Fault::Timeout) => faults::never().await,
        Behaviour::Fault(Fault::Slow) => faults::dribble(bytes_of(&balance)),
        Behaviour::Fault(Fault::Garbage) => faults::garbage(),
        Behaviour::Fault(Fault::Huge) => faults::huge(),
        // The balance endpoint documents no 429; this is its OCR endpoints' reply.
        Behaviour::Fault(Fault::RateLimited) => with_retry_after(
            error(StatusCode::TOO_MANY_REQUESTS, "QUOTA_EXCEEDED"),
            HeaderValue::from_static("2"),
        ),
        Behaviour::Fault(Fault::RateLimitedUntil) => with_retry_after(
            error(StatusCode::TOO_MANY_REQUESTS, "QUOTA_EXCEEDED"),
            retry_at(now),
        ),
        Behaviour::Fault(Fault::ServerError) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Failed to fetch usage data",
        ),
        Behaviour::Fault(Fault::Drift) => json(StatusCode::OK, &drifted(balance)),
        Behaviour::Normal | Behaviour::NearLimit => json(StatusCode::OK, &balance),
    }
}

fn error(status: StatusCode, message: &'static str) -> Response {
    json(status, &Error { error: message })
}

fn model(key: &str, now: DateTime<Utc>) -> Balance {
    let seed = seed(key);
    let period = calendar_month(now);
    let plan = pick(seed, 1, &[10_000, 50_569, 100_000, 250_000]);
    let key_per_day = plan / pick(seed, 2, &[200, 300, 500, 1_000]);
    let others_per_day = key_per_day * pick(seed, 3, &[0, 1, 2]);
    let key_credits = grown(seed, period.start, now, key_per_day);
    let account_credits = key_credits + grown(seed ^ 0xacc0, period.start, now, others_per_day);
    let credits_used = match behaviour(key) {
        // About 5 % left, shrinking through the month.
        Behaviour::NearLimit => (plan * 95 / 100 + account_credits / 10).min(plan - 10),
        _ => mix(seed ^ 4) % (plan / 4) + account_credits,
    };
    let requests_share = pick(seed, 5, &[55, 70, 85, 100]);
    let millis = "%Y-%m-%dT%H:%M:%S%.3fZ";
    Balance {
        period: Period {
            start: period.start.format(millis).to_string(),
            // The document's period ends one second before the next one starts.
            end: (period.end - TimeDelta::seconds(1))
                .format(millis)
                .to_string(),
        },
        account: Account {
            credits_total: plan,
            credits_used,
            credits_remaining: i64::try_from(plan).unwrap_or(i64::MAX)
                - i64::try_from(credits_used).unwrap_or(i64::MAX),
            credits_this_period: account_credits,
            requests_this_period: account_credits * requests_share / 100,
            error_rate: error_rate(seed ^ 6),
            avg_latency_ms: 1_500 + mix(seed ^ 7) % 2_000,
        },
        this_key: ThisKey {
            credits_used: key_credits,
            requests: key_credits * requests_share / 100,
            error_rate: error_rate(seed ^ 8),
            avg_latency_ms: 1_500 + mix(seed ^ 9) % 2_000,
        },
    }
}

/// `fault-drift`: `credits_remaining` → `credits_left`, `this_key.credits_used` →
/// `credits_consumed`.
fn drifted(balance: Balance) -> serde_json::Value {
    let mut value = serde_json::to_value(balance).unwrap_or_default();
    for (block, old, new) in [
        ("account", "credits_remaining", "credits_left"),
        ("this_key", "credits_used", "credits_consumed"),
    ] {
        if let Some(object) = value.get_mut(block).and_then(|v| v.as_object_mut())
            && let Some(moved) = object.remove(old)
        {
            object.insert(new.to_owned(), moved);
        }
    }
    value
}
