//! The simulator over real HTTP, checked against the vendors' documents: paths,
//! headers, field names and order, status codes and error bodies.

use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};
use simulator::{ManualClock, SimulatorHandle, SimulatorOptions};

fn june_17() -> DateTime<Utc> {
    "2026-06-17T10:30:00Z".parse().expect("date")
}

async fn start(clock: ManualClock) -> SimulatorHandle {
    simulator::spawn(SimulatorOptions {
        clock: Arc::new(clock),
        ..SimulatorOptions::default()
    })
    .await
    .expect("starts")
}

async fn get(url: String, header: Option<(&str, &str)>) -> (u16, String) {
    let mut request = reqwest::Client::new().get(url);
    if let Some((name, value)) = header {
        request = request.header(name, value);
    }
    let response = request.send().await.expect("request");
    (
        response.status().as_u16(),
        response.text().await.expect("body"),
    )
}

#[tokio::test]
async fn structocr_matches_the_documented_shape_and_errors() {
    let sim = start(ManualClock::new(june_17())).await;
    let url = || format!("{}/v1/account/balance", sim.base_url());
    let (status, body) = get(url(), Some(("x-api-key", "abc"))).await;
    assert_eq!(status, 200);
    assert!(
        body.starts_with(r#"{"period":{"start":"2026-06-01T00:00:00.000Z","end":"2026-06-30T23:59:59.000Z"},"account":{"credits_total":"#),
        "{body}"
    );
    for field in [
        "credits_used",
        "credits_remaining",
        "credits_this_period",
        "requests_this_period",
        "error_rate",
        "avg_latency_ms",
        "\"this_key\":{\"credits_used\"",
        "requests",
    ] {
        assert!(body.contains(field), "{field}: {body}");
    }
    assert_eq!(
        get(url(), None).await,
        (401, r#"{"error":"Missing x-api-key header"}"#.into())
    );
    assert_eq!(
        get(url(), Some(("x-api-key", "invalid-1"))).await,
        (401, r#"{"error":"Invalid or inactive API key"}"#.into())
    );
    assert_eq!(
        get(url(), Some(("x-api-key", "noaccount-1"))).await,
        (404, r#"{"error":"Account not found"}"#.into())
    );
    assert_eq!(
        get(url(), Some(("x-api-key", "fault-500"))).await,
        (500, r#"{"error":"Failed to fetch usage data"}"#.into())
    );
}

#[tokio::test]
async fn plate_recognizer_matches_the_documented_shape_and_errors() {
    let sim = start(ManualClock::new(june_17())).await;
    let url = || format!("{}/v1/statistics/", sim.base_url());
    let (status, body) = get(url(), Some(("Authorization", "Token abc"))).await;
    assert_eq!(status, 200);
    let json: serde_json::Value = serde_json::from_str(&body).expect("json");
    assert!(
        body.starts_with(r#"{"usage":{"month":6,"calls":"#),
        "{body}"
    );
    assert!(json["total_calls"].is_u64());
    let resets_on = json["usage"]["resets_on"].as_str().expect("resets_on");
    assert!(resets_on.ends_with("T00:00:00Z"), "{resets_on}");
    let (status, body) = get(url(), Some(("Authorization", "Token fault-429"))).await;
    assert_eq!(
        (status, body.as_str()),
        (
            429,
            r#"{"detail":"Request was throttled. Expected available in 1 second.","status_code":429}"#
        )
    );
    assert_eq!(
        get(url(), Some(("Authorization", "Token invalid-x")))
            .await
            .0,
        403
    );
    assert_eq!(get(url(), None).await.0, 401);
}

#[tokio::test]
async fn sdk_instances_live_under_their_license_and_at_the_root() {
    let sim = start(ManualClock::new(june_17())).await;
    let (status, body) = get(format!("{}/info/", sim.base_url()), None).await;
    assert_eq!(status, 200);
    assert!(
        body.starts_with(r#"{"version":"1.3.8","license_key":"SIMULATED-SDK","total_calls":"#),
        "{body}"
    );
    assert!(body.ends_with(r#"},"webhooks":[]}"#), "{body}");
    let (status, body) = get(format!("{}/info/", sim.sdk_base_url("LIC-9")), None).await;
    assert_eq!(status, 200);
    assert!(body.contains(r#""license_key":"LIC-9""#), "{body}");
}

#[tokio::test]
async fn ocr_space_counts_stop_at_yesterday_and_reset_on_the_first() {
    let clock = ManualClock::new(june_17());
    let sim = start(clock.clone()).await;
    let total = || async {
        let response = reqwest::Client::new()
            .post(format!("{}/conversions", sim.base_url()))
            .header("apikey", "abc")
            .send()
            .await
            .expect("request");
        let json: serde_json::Value = response.json().await.expect("json");
        json["count_total"].as_u64().expect("count_total")
    };
    let morning = total().await;
    clock.advance(TimeDelta::hours(10));
    assert_eq!(total().await, morning, "updated once a day");
    clock.advance(TimeDelta::hours(4));
    assert!(
        total().await > morning,
        "a new day adds yesterday's conversions"
    );
    clock.set("2026-07-01T08:00:00Z".parse().expect("date"));
    assert_eq!(total().await, 0, "reset on the 1st");
}

#[tokio::test]
async fn usage_grows_with_time_and_differs_by_key() {
    let clock = ManualClock::new(june_17());
    let sim = start(clock.clone()).await;
    let calls = |key: &'static str| {
        let url = format!("{}/info/", sim.sdk_base_url(key));
        async move {
            let (_, body) = get(url, None).await;
            let json: serde_json::Value = serde_json::from_str(&body).expect("json");
            json["usage"]["calls"].as_u64().expect("calls")
        }
    };
    let first = calls("key-a").await;
    assert_eq!(calls("key-a").await, first, "deterministic");
    assert_ne!(calls("key-b").await, first, "seeded by key");
    clock.advance(TimeDelta::days(3));
    assert!(calls("key-a").await > first, "grows");
}

#[tokio::test]
async fn ocr_space_last_month_is_a_form_field() {
    let sim = start(ManualClock::new(june_17())).await;
    let post = |form: Option<reqwest::multipart::Form>| {
        let mut request = reqwest::Client::new()
            .post(format!("{}/conversions", sim.base_url()))
            .header("apikey", "abc");
        if let Some(form) = form {
            request = request.multipart(form);
        }
        async move {
            let json: serde_json::Value = request
                .send()
                .await
                .expect("request")
                .json()
                .await
                .expect("json");
            json["count_total"].as_u64().expect("total")
        }
    };
    let current = post(None).await;
    let last = post(Some(
        reqwest::multipart::Form::new().text("startDate", "lastMonth"),
    ))
    .await;
    let wrong_case = post(Some(
        reqwest::multipart::Form::new().text("startdate", "lastMonth"),
    ))
    .await;
    assert_ne!(last, current);
    assert_eq!(wrong_case, current, "startDate is case-sensitive");
}
