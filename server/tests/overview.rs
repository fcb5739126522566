//! The overview page over real HTTP, rendered without JavaScript: keys polled from
//! the simulator through the real poll cycle, then filtered and sorted by the URL.

mod dashboard;
mod helpers;

use chrono::Utc;
use dashboard::{labels_in_order, row_of, seeded_app};
use domain::KeyForm;
use engine::team::{self, Actor, KeyInput};
use leptos::server_fn::ServerFn;
use reqwest::StatusCode;
use secrecy::SecretString;

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
async fn the_overview_is_sent_as_html_only_not_again_as_hydration_data() {
    let team = team_with_keys().await;
    let (_, html) = team.get("/", Some(&team.admin)).await;
    assert!(row_of(&html, "Gate North").contains("data-status=\"ok\""));
    // The only island on the overview is handed the URL's parameters, and its data
    // for hydration leaves the HTML out: the browser keeps what the server drew.
    let island = html
        .split("<leptos-island")
        .find(|island| island.contains("data-component=\"LiveOverview"))
        .expect("the live overview is an island");
    let props = island
        .split("data-props=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("its props");
    assert!(props.contains("vendor"), "{props}");
    let scripts: Vec<&str> = html
        .split("<script")
        .skip(1)
        .map(|rest| rest.split("</script>").next().unwrap_or_default())
        .collect();
    for label in [
        "Gate North",
        "Gate South",
        "Invoices",
        "Receipts",
        "Plate Recognizer",
    ] {
        assert!(
            scripts
                .iter()
                .chain([&props])
                .all(|data| !data.contains(label)),
            "{label} is sent twice: {scripts:?} {props}"
        );
    }
}

#[tokio::test]
async fn a_label_with_markup_is_shown_as_text_in_the_page_and_in_a_refresh() {
    let team = seeded_app().await;
    team.add_key(
        "platerecognizer",
        "<img src=x onerror=alert(1)> & co",
        "markup-label-key",
        "<script>x</script>",
        "",
    )
    .await;
    let escaped = "&lt;img src=x onerror=alert(1)&gt; &amp; co";
    let (_, html) = team.get("/", Some(&team.admin)).await;
    assert!(html.contains(escaped), "{html}");
    assert!(!html.contains("<img src=x"), "{html}");
    assert!(!html.contains("<script>x</script>"), "{html}");

    // The refresh with JavaScript puts the server's rows into the page as HTML:
    // they must be escaped there too.
    let response = helpers::call(
        &team.app,
        app::api::overview::Overview::PATH,
        Some(&team.admin),
        &[
            ("vendor", ""),
            ("status", ""),
            ("owner", ""),
            ("sort", ""),
            ("dir", ""),
        ],
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: String = response
        .json()
        .await
        .expect("the overview as an HTML string");
    assert!(body.contains(escaped), "{body}");
    assert!(!body.contains("<img src=x"), "{body}");
    assert!(!body.contains("<script>"), "{body}");
    assert_eq!(body.matches("<tr ").count(), 1, "one row: {body}");
}

#[tokio::test]
async fn a_firing_alert_shows_on_its_row_linking_to_the_alerts_page_and_nowhere_else() {
    let team = team_with_keys().await;
    let (_, before) = team.get("/", Some(&team.admin)).await;
    assert!(
        !row_of(&before, "Gate South").contains("class=\"row-alert "),
        "nothing fires before the rules are judged"
    );
    team.evaluate_alerts().await;
    let (status, html) = team.get("/", Some(&team.admin)).await;
    assert_eq!(status, StatusCode::OK);

    // 93-99 % used against the default 80 %/95 % rule: warning or critical, named by
    // the step crossed, linking to the Alerts page; its row's status agrees.
    let south = row_of(&html, "Gate South");
    let at = south
        .find("class=\"row-alert alert-")
        .unwrap_or_else(|| panic!("a firing alert on the near-limit row: {south}"));
    let link = &south[south[..at].rfind("<a ").expect("link start")..];
    let link = &link[..link.find("</a>").expect("link end")];
    assert!(link.contains("href=\"/alerts\""), "{link}");
    assert!(
        link.contains("calls left"),
        "the figure in the tooltip: {link}"
    );
    let text = text_of(link);
    let severity = match text.as_str() {
        "warning: 80 % used" => "warning",
        "critical: 95 % used" => "critical",
        other => panic!("{other:?}: {south}"),
    };
    assert!(
        south.contains(&format!("data-status=\"{severity}\"")),
        "{south}"
    );

    // The healthy key and the disabled one show none.
    for healthy in ["Gate North", "Old archive"] {
        let row = row_of(&html, healthy);
        assert!(!row.contains("class=\"row-alert "), "{healthy}: {row}");
    }
    // The status filter keeps the alerting row.
    let (_, filtered) = team
        .get(&format!("/?status={severity}"), Some(&team.admin))
        .await;
    assert!(row_of(&filtered, "Gate South").contains("class=\"row-alert "));
    assert!(!filtered.contains(">Gate North<"));
    assert!(!html.contains(SECRET_MARKER));

    // The JSON API carries the same alerts.
    let (status, body) = team.get("/api/v1/keys", Some(&team.admin)).await;
    assert_eq!(status, StatusCode::OK);
    let json: serde_json::Value = serde_json::from_str(&body).expect("json");
    let keys = json["keys"].as_array().expect("keys");
    let by_label = |label: &str| {
        keys.iter()
            .find(|k| k["label"] == label)
            .unwrap_or_else(|| panic!("{label} in {body}"))
    };
    let alerts = by_label("Gate South")["alerts"].as_array().expect("alerts");
    assert_eq!(alerts.len(), 1, "{body}");
    assert_eq!(alerts[0]["severity"], severity);
    assert!(
        by_label("Gate North")["alerts"]
            .as_array()
            .expect("alerts")
            .is_empty()
    );
}

/// The server keeps the overview's rows in memory between requests; every change is
/// on the very next page. The changes go through a second connection pool on the
/// same database file (as `quotaboard poll --once` or the CLI in another process
/// would), so nothing in the server's own code paths tells it.
#[tokio::test]
async fn a_poll_an_edit_a_disable_and_a_delete_each_show_on_the_next_overview() {
    let team = seeded_app().await;
    let north = team
        .add_key("platerecognizer", "Gate North", "gate-north-key", "", "")
        .await;
    let south = team
        .add_key("platerecognizer", "Gate South", "gate-south-key", "", "")
        .await;
    let page = || async { team.get("/?sort=label", Some(&team.admin)).await.1 };

    let first = page().await;
    assert!(row_of(&first, "Gate North").contains("no figures yet"));

    // A poll.
    team.poll_all().await;
    let polled = page().await;
    let row = row_of(&polled, "Gate North");
    assert!(row.contains("data-polled-at=\"20"), "{row}");
    assert!(!row.contains("no figures yet"), "{row}");
    let polled_at = |html: &str, label: &str| {
        let row = row_of(html, label).to_owned();
        row.split("data-polled-at=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .map(str::to_owned)
            .unwrap_or_else(|| panic!("no poll time: {row}"))
    };
    let before = polled_at(&polled, "Gate South");
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    team.poll_all().await;
    assert_ne!(
        polled_at(&page().await, "Gate South"),
        before,
        "a second poll"
    );

    // An edit.
    team::update_key(
        &team.store,
        &team.secrets,
        &Actor::Cli,
        north,
        KeyInput {
            form: KeyForm {
                vendor: "platerecognizer".into(),
                label: "Gate North (renamed)".into(),
                owner_tag: "parking".into(),
                base_url: team.sim.base_url(),
                monthly_limit: String::new(),
                poll_interval_minutes: String::new(),
            },
            secret: SecretString::from(String::new()),
        },
        Utc::now(),
    )
    .await
    .expect("edited");
    let edited = page().await;
    assert!(!edited.contains(">Gate North<"), "old label gone");
    assert!(row_of(&edited, "Gate North (renamed)").contains("parking"));
    // Rows are kept drawn apart from pages: a view first asked for now, after the
    // change, shows the new row too, not the one drawn for the views before it.
    let (_, other_view) = team.get("/?sort=owner", Some(&team.admin)).await;
    assert!(!other_view.contains(">Gate North<"), "{other_view}");
    assert!(row_of(&other_view, "Gate North (renamed)").contains("parking"));

    // A disable.
    team.disable(south).await;
    assert!(row_of(&page().await, "Gate South").contains("data-status=\"disabled\""));

    // A delete.
    team::delete_key(&team.store, &Actor::Cli, south, Utc::now())
        .await
        .expect("deleted");
    let deleted = page().await;
    assert!(!deleted.contains("Gate South"), "deleted key gone");
    assert_eq!(labels_in_order(&deleted), ["Gate North (renamed)"]);
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
    // The admin's view, drawn first, has a "Poll now" per key; the viewer's, of the
    // same rows in the same minute, must not reuse it.
    let (_, admins) = team.get("/", Some(&team.admin)).await;
    assert!(admins.contains("poll-key-form"), "{admins}");
    let (status, html) = team.get("/", Some(&viewer)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(labels_in_order(&html).len(), 5);
    assert!(!html.contains("poll-key-form"), "{html}");

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

/// The text of an HTML fragment, tags (and the renderer's `<!>` markers) left out.
fn text_of(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for ch in html.chars() {
        match ch {
            '<' => in_tag = true,
            '>' => in_tag = false,
            ch if !in_tag => out.push(ch),
            _ => {}
        }
    }
    out
}
