//! The overview page over real HTTP, rendered without JavaScript: keys polled from
//! the simulator through the real poll cycle, then filtered and sorted by the URL.

mod dashboard;
mod helpers;

use dashboard::{labels_in_order, row_of, seeded_app};
use reqwest::StatusCode;

const SECRET_MARKER: &str = "MARKERsecret0123456789";

async fn team_with_keys() -> dashboard::Seeded {
    let team = seeded_app().await;
    team.add_key(
        "platerecognizer",
        "Gate North",
        &format!("gate-north-{SECRET_MARKER}"),
        "parking",
        "",
    )
    .await;
    team.add_key(
        "platerecognizer",
        "Gate South",
        "near-limit-gate-south",
        "parking",
        "",
    )
    .await;
    team.add_key("structocr", "Invoices", "fault-500-invoices", "finance", "")
        .await;
    team.add_key(
        "ocr-space",
        "Receipts",
        "invalid-receipts-key",
        "finance",
        "25000",
    )
    .await;
    let old = team
        .add_key("structocr", "Old archive", "old-archive-key", "", "")
        .await;
    team.disable(old).await;
    team.poll_all().await;
    team
}

#[tokio::test]
async fn every_key_shows_its_figures_status_forecast_and_last_error() {
    let team = team_with_keys().await;
    let (status, html) = team.get("/", Some(&team.admin)).await;
    assert_eq!(status, StatusCode::OK);

    let north = row_of(&html, "Gate North");
    assert!(north.contains("data-status=\"ok\""), "{north}");
    assert!(north.contains("Plate Recognizer Cloud"), "{north}");
    assert!(north.contains("parking"), "{north}");
    assert!(north.contains("role=\"meter\""), "a usage bar: {north}");
    assert!(
        north.contains("min ago") || north.contains("just now"),
        "{north}"
    );
    // One reading is too few for a trend, and it says so.
    assert!(north.contains("too few readings yet"), "{north}");

    let south = row_of(&html, "Gate South");
    assert!(
        south.contains("data-status=\"critical\"") || south.contains("data-status=\"warning\""),
        "93-99 % used: {south}"
    );

    let invoices = row_of(&html, "Invoices");
    assert!(invoices.contains("data-status=\"error\""), "{invoices}");
    assert!(
        invoices.contains("server error"),
        "the error in words: {invoices}"
    );

    let receipts = row_of(&html, "Receipts");
    assert!(
        receipts.contains("data-status=\"unverified\""),
        "{receipts}"
    );
    assert!(
        receipts.contains("as of "),
        "OCR.space says which day: {receipts}"
    );

    let archive = row_of(&html, "Old archive");
    assert!(archive.contains("data-status=\"disabled\""), "{archive}");
    assert!(archive.contains("no figures yet"), "{archive}");

    // Totals per vendor at the top.
    assert!(html.contains("aria-label=\"Totals per vendor\""), "{html}");
    assert!(html.contains("data-vendor=\"platerecognizer\""), "{html}");
    // Never a secret.
    assert!(
        !html.contains(SECRET_MARKER),
        "a secret leaked into the page"
    );
}

#[tokio::test]
async fn filters_and_sort_live_in_the_url() {
    let team = team_with_keys().await;
    let page = |query: &'static str| {
        let team = &team;
        async move {
            let (status, html) = team.get(&format!("/{query}"), Some(&team.admin)).await;
            assert_eq!(status, StatusCode::OK, "{query}");
            html
        }
    };

    let html = page("?vendor=platerecognizer").await;
    assert_eq!(labels_in_order(&html), ["Gate South", "Gate North"]);
    assert!(html.contains("2 of 5 rows match the filters"), "{html}");

    assert_eq!(labels_in_order(&page("?status=error").await), ["Invoices"]);
    assert_eq!(
        labels_in_order(&page("?owner=finance&sort=label").await),
        ["Invoices", "Receipts"]
    );

    let by_label = page("?sort=label").await;
    assert_eq!(
        labels_in_order(&by_label),
        [
            "Gate North",
            "Gate South",
            "Invoices",
            "Old archive",
            "Receipts"
        ]
    );
    // The active header links to the other direction, keeping the filters.
    assert!(
        by_label.contains("href=\"/?sort=label&amp;dir=desc\""),
        "{by_label}"
    );
    let descending = page("?sort=label&dir=desc").await;
    assert_eq!(
        labels_in_order(&descending),
        [
            "Receipts",
            "Old archive",
            "Invoices",
            "Gate South",
            "Gate North"
        ]
    );
    let filtered = page("?vendor=structocr&sort=label").await;
    assert!(
        filtered.contains("href=\"/?vendor=structocr&amp;sort=label&amp;dir=desc\""),
        "{filtered}"
    );
    // The filter form shows the current choice.
    assert!(
        filtered.contains("<option value=\"structocr\" selected"),
        "{filtered}"
    );

    // A link with nonsense in it still shows everything and says what it ignored.
    let odd = page("?vendor=acme&sort=colour").await;
    assert_eq!(labels_in_order(&odd).len(), 5);
    assert!(odd.contains("Ignored in the link"), "{odd}");
}

#[tokio::test]
async fn viewers_see_the_overview_and_visitors_are_sent_to_login() {
    let team = team_with_keys().await;
    let viewer = team.user("viewer@example.com", "viewer").await;
    let (status, html) = team.get("/", Some(&viewer)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(labels_in_order(&html).len(), 5);

    let (status, _) = team.get("/", None).await;
    assert_eq!(status, StatusCode::FOUND);
    let response = team
        .app
        .client
        .get(team.app.url("/"))
        .header("Accept", "text/html")
        .send()
        .await
        .expect("get");
    assert_eq!(response.headers()["location"], "/login");
}

#[tokio::test]
async fn a_team_without_keys_is_told_how_to_start() {
    let team = seeded_app().await;
    let (status, html) = team.get("/", Some(&team.admin)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("No keys yet."), "{html}");
}
