//! "Verify now" on the Keys page over real HTTP: the vendor (the simulator) is asked
//! once, the answer is shown in plain words and stored, so the row's last poll and
//! next poll follow; without JavaScript the form post lands back on the page.

mod dashboard;
mod helpers;

use app::api::keys::VerifyKey;
use dashboard::{call, seeded_app};
use helpers::{post_form_from_page, redirect_location};
use leptos::server_fn::ServerFn;
use reqwest::StatusCode;
use serde_json::Value;

/// The Keys page's `<tr>` of key `id`.
fn key_row(html: &str, id: i64) -> &str {
    let marker = format!("data-key-id=\"{id}\"");
    let at = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no row for key {id} in {html}"));
    let start = html[..at].rfind("<tr").expect("row start");
    let end = at + html[at..].find("</tr>").expect("row end");
    &html[start..end]
}

#[tokio::test]
async fn an_editor_verifies_keys_and_sees_the_answer_in_plain_words() {
    let team = seeded_app().await;
    let good = team
        .add_key("structocr", "Invoices", "verify-good-key-7001", "", "")
        .await;
    let refused = team
        .add_key("platerecognizer", "Gate", "invalid-verify-key-7002", "", "")
        .await;
    let editor = team.user("editor@example.com", "editor").await;

    let (_, before) = team.get("/keys", Some(&editor)).await;
    let row = key_row(&before, good.0);
    assert!(row.contains("never polled"), "{row}");
    assert!(row.contains("Verify now"), "{row}");
    // Never polled: due at the scheduler's next tick, a date and time.
    assert!(row.contains("Next: 20"), "{row}");

    let response = call(
        &team.app,
        VerifyKey::PATH,
        Some(&editor),
        &[("id", &good.0.to_string())],
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let answer: Value = response.json().await.expect("json");
    assert_eq!(answer["key_id"], good.0);
    assert_eq!(answer["check"]["ok"], true, "{answer}");
    let text = answer["check"]["text"].as_str().expect("text");
    assert!(text.starts_with("the vendor answered: "), "{text}");

    let response = call(
        &team.app,
        VerifyKey::PATH,
        Some(&editor),
        &[("id", &refused.0.to_string())],
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let body = response.text().await.expect("body");
    let answer: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(answer["check"]["ok"], false, "{answer}");
    let text = answer["check"]["text"].as_str().expect("text");
    assert!(text.contains("rejected the key"), "{text}");
    assert!(!body.contains("invalid-verify-key-7002"), "{body}");

    // Stored like any poll: the rows say how the last poll went and when the next is.
    let (_, after) = team.get("/keys", Some(&editor)).await;
    let row = key_row(&after, good.0);
    assert!(row.contains("Last poll"), "{row}");
    assert!(row.contains("<strong>ok</strong>"), "{row}");
    assert!(row.contains("Next: 20"), "{row}");
    let row = key_row(&after, refused.0);
    assert!(row.contains("<strong>failed</strong>"), "{row}");
    assert!(row.contains("rejected the key"), "{row}");
    assert!(!after.contains("invalid-verify-key-7002"));
}

#[tokio::test]
async fn without_javascript_the_form_post_returns_to_the_keys_page_with_the_result() {
    let team = seeded_app().await;
    let key = team
        .add_key("structocr", "Invoices", "verify-nojs-key-7003", "", "")
        .await;
    // A plain HTML form post: no JSON accepted, back to where it came from.
    let id = key.0.to_string();
    let response = post_form_from_page(
        &team.app,
        VerifyKey::PATH,
        "/keys",
        Some(&team.admin),
        &[("id", id.as_str())],
    )
    .await;
    // Back to the Keys page, which says beside the key what the vendor answered.
    let location = redirect_location(&response);
    assert_eq!(location.path(), "/keys", "{location}");
    assert_eq!(location.query(), Some(format!("verified={id}").as_str()));
    let (_, html) = team
        .get(
            &format!("/keys?{}", location.query().unwrap_or_default()),
            Some(&team.admin),
        )
        .await;
    let row = key_row(&html, key.0);
    let result = row
        .split("class=\"verify-result\"")
        .nth(1)
        .unwrap_or_else(|| panic!("the verified row shows the answer: {row}"));
    assert!(result.contains("Verified "), "{result}");
    assert!(result.contains("<strong>ok</strong>"), "{result}");
    // Only that row.
    let (_, plain) = team.get("/keys", Some(&team.admin)).await;
    assert!(!plain.contains("verify-result"), "{plain}");
}

#[tokio::test]
async fn viewers_may_not_verify_and_unknown_keys_are_not_found() {
    let team = seeded_app().await;
    let key = team
        .add_key("structocr", "Invoices", "verify-viewer-key-7004", "", "")
        .await;
    let viewer = team.user("viewer@example.com", "viewer").await;
    let response = call(
        &team.app,
        VerifyKey::PATH,
        Some(&viewer),
        &[("id", &key.0.to_string())],
    )
    .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let (_, html) = team.get("/keys", Some(&viewer)).await;
    assert!(!html.contains(VerifyKey::PATH), "{html}");
    assert!(key_row(&html, key.0).contains("never polled"));

    let response = call(
        &team.app,
        VerifyKey::PATH,
        Some(&team.admin),
        &[("id", "9999")],
    )
    .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let body = response.text().await.expect("body");
    assert!(body.contains("9999"), "{body}");
}
