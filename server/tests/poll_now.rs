//! "Poll now" over real HTTP: editors start it, everyone signed in sees its progress,
//! the overview shows the new figures afterwards; viewers and unknown keys are refused.

mod dashboard;
mod helpers;

use std::time::Duration;

use app::api::polling::{PollNow, PollProgress};
use dashboard::{call, row_of, seeded_app};
use helpers::{post_form_from_page, redirect_location};
use leptos::server_fn::ServerFn;
use reqwest::StatusCode;
use serde_json::Value;

async fn progress(team: &dashboard::Seeded, cookie: &str) -> Value {
    let response = call(&team.app, PollProgress::PATH, Some(cookie), &[]).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.expect("json")
}

async fn wait_until_done(team: &dashboard::Seeded, cookie: &str) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        let state = progress(team, cookie).await;
        if state["running"] == false && state["any"] == true {
            return state;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "never finished: {state}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn an_editor_polls_one_key_and_the_overview_shows_it() {
    let team = seeded_app().await;
    let gate = team
        .add_key(
            "platerecognizer",
            "Gate North",
            "gate-north-key",
            "parking",
            "",
        )
        .await;
    team.add_key("structocr", "Invoices", "fault-500-invoices", "", "")
        .await;
    let editor = team.user("editor@example.com", "editor").await;

    let (_, before) = team.get("/", Some(&editor)).await;
    assert!(row_of(&before, "Gate North").contains("no figures yet"));

    let id = gate.0.to_string();
    let response = call(
        &team.app,
        PollNow::PATH,
        Some(&editor),
        &[("key_id", id.as_str())],
    )
    .await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "{}",
        response.text().await.unwrap_or_default()
    );
    let state = wait_until_done(&team, &editor).await;
    assert_eq!(state["what"], format!("key {id}"));
    assert_eq!(state["started_by"], "editor@example.com");
    assert_eq!(state["total"], 1);
    assert_eq!(state["ok"], 1);
    assert_eq!(state["done"][0]["label"], format!("#{id} Gate North"));

    let (_, after) = team.get("/", Some(&editor)).await;
    let row = row_of(&after, "Gate North");
    assert!(row.contains("data-status=\"ok\""), "{row}");
    assert!(row.contains("data-polled-at=\"20"), "{row}");
    // Only that key was polled.
    assert!(row_of(&after, "Invoices").contains("no figures yet"));
}

#[tokio::test]
async fn a_rows_poll_now_is_a_plain_form_that_works_without_javascript() {
    let team = seeded_app().await;
    let gate = team
        .add_key("platerecognizer", "Gate North", "gate-north-key", "", "")
        .await;
    let editor = team.user("editor@example.com", "editor").await;
    let (_, before) = team.get("/", Some(&editor)).await;
    let row = row_of(&before, "Gate North");
    assert!(row.contains("no figures yet"), "{row}");
    assert!(
        row.contains(&format!("method=\"post\" action=\"{}\"", PollNow::PATH)),
        "{row}"
    );
    let id = gate.0.to_string();
    assert!(
        row.contains(&format!("name=\"key_id\" value=\"{id}\"")),
        "{row}"
    );

    let response = post_form_from_page(
        &team.app,
        PollNow::PATH,
        "/",
        Some(&editor),
        &[("key_id", id.as_str())],
    )
    .await;
    let back = redirect_location(&response);
    assert_eq!(back.path(), "/", "back on the overview: {back}");
    wait_until_done(&team, &editor).await;
    let (_, after) = team.get("/", Some(&editor)).await;
    assert!(row_of(&after, "Gate North").contains("data-status=\"ok\""));
}

#[tokio::test]
async fn poll_all_reports_which_keys_failed() {
    let team = seeded_app().await;
    team.add_key("platerecognizer", "Gate North", "gate-north-key", "", "")
        .await;
    team.add_key("structocr", "Invoices", "fault-500-invoices", "", "")
        .await;
    let response = call(&team.app, PollNow::PATH, Some(&team.admin), &[]).await;
    assert_eq!(response.status(), StatusCode::OK);
    let state = wait_until_done(&team, &team.admin).await;
    assert_eq!(state["what"], "all");
    assert_eq!(
        (state["ok"].as_u64(), state["failed"].as_u64()),
        (Some(1), Some(1))
    );
    let failed = state["done"]
        .as_array()
        .expect("lines")
        .iter()
        .find(|line| line["outcome"] == "error")
        .expect("a failed line");
    assert!(
        failed["label"]
            .as_str()
            .is_some_and(|l| l.ends_with(" Invoices")),
        "{failed}"
    );
    assert!(
        failed["summary"]
            .as_str()
            .is_some_and(|s| s.contains("server error")),
        "{failed}"
    );

    // The page itself (no JavaScript) shows the last poll's result.
    let (_, html) = team.get("/", Some(&team.admin)).await;
    assert!(html.contains("1 ok, 1 failed"), "{html}");
}

#[tokio::test]
async fn viewers_may_not_poll_and_unknown_keys_are_refused() {
    let team = seeded_app().await;
    team.add_key("platerecognizer", "Gate North", "gate-north-key", "", "")
        .await;
    let viewer = team.user("viewer@example.com", "viewer").await;
    let response = call(&team.app, PollNow::PATH, Some(&viewer), &[]).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    // The viewer's page has no poll buttons.
    let (_, html) = team.get("/", Some(&viewer)).await;
    assert!(!html.contains("Poll all now"), "{html}");
    assert!(!html.contains("poll-key"), "{html}");

    let response = call(
        &team.app,
        PollNow::PATH,
        Some(&team.admin),
        &[("key_id", "999")],
    )
    .await;
    let body = response.text().await.expect("body");
    assert!(body.contains("there is no key with id 999"), "{body}");
    assert_eq!(
        progress(&team, &team.admin).await["any"],
        false,
        "nothing was started"
    );
}
