//! The team's time zone: set by an admin (audited), refused to others and for
//! unknown names, and used for the dates on the overview.

mod dashboard;
mod helpers;

use app::api::settings::SetTeamTimeZone;
use dashboard::{call, row_of, seeded_app};
use leptos::server_fn::ServerFn;
use reqwest::StatusCode;

#[tokio::test]
async fn an_admin_sets_the_time_zone_and_dates_follow_it() {
    let team = seeded_app().await;
    team.add_key("platerecognizer", "Gate North", "gate-north-key", "", "")
        .await;
    team.poll_all().await;

    let (_, before) = team.get("/", Some(&team.admin)).await;
    assert!(before.contains("dates in UTC"), "{before}");
    let api: serde_json::Value = team
        .app
        .client
        .get(team.app.url("/api/v1/keys"))
        .header("Cookie", &team.admin)
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    // Plate Recognizer resets at midnight UTC: the day before in Los Angeles.
    let reset: chrono::DateTime<chrono::Utc> = api["keys"][0]["resets_on"]
        .as_str()
        .expect("resets_on")
        .parse()
        .expect("date");
    let utc_day = reset.format("%Y-%m-%d").to_string();
    let la_day = (reset - chrono::TimeDelta::hours(12))
        .format("%Y-%m-%d")
        .to_string();
    assert!(
        row_of(&before, "Gate North").contains(&format!("<td class=\"resets-on\">{utc_day}</td>"))
    );

    let response = call(
        &team.app,
        SetTeamTimeZone::PATH,
        Some(&team.admin),
        &[("time_zone", "America/Los_Angeles")],
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let (_, after) = team.get("/", Some(&team.admin)).await;
    assert!(after.contains("dates in America/Los_Angeles"), "{after}");
    let row = row_of(&after, "Gate North");
    assert!(
        row.contains(&format!("<td class=\"resets-on\">{la_day}</td>")),
        "{row}"
    );
    // The settings page shows the choice; the audit log has it.
    let (_, settings) = team.get("/settings", Some(&team.admin)).await;
    assert!(
        settings.contains("<option value=\"America/Los_Angeles\" selected"),
        "{settings}"
    );
    let detail: String =
        sqlx::query_scalar("SELECT detail FROM audit_log WHERE action = 'settings.time_zone'")
            .fetch_one(team.store.pool())
            .await
            .expect("audited");
    assert!(
        detail.contains("\"from\":\"UTC\"") && detail.contains("America/Los_Angeles"),
        "{detail}"
    );
}

#[tokio::test]
async fn unknown_zones_and_non_admins_are_refused() {
    let team = seeded_app().await;
    let response = call(
        &team.app,
        SetTeamTimeZone::PATH,
        Some(&team.admin),
        &[("time_zone", "Mars/Olympus")],
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = response.text().await.expect("body");
    assert!(
        body.contains("unknown time zone") && body.contains("Mars/Olympus"),
        "{body}"
    );

    let editor = team.user("editor@example.com", "editor").await;
    let response = call(
        &team.app,
        SetTeamTimeZone::PATH,
        Some(&editor),
        &[("time_zone", "Europe/Berlin")],
    )
    .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);

    let stored: Option<String> =
        sqlx::query_scalar("SELECT value FROM instance_settings WHERE name = 'time_zone'")
            .fetch_optional(team.store.pool())
            .await
            .expect("query");
    assert_eq!(stored, None, "nothing was stored");
    let (_, html) = team.get("/", Some(&team.admin)).await;
    assert!(html.contains("dates in UTC"), "{html}");
}
