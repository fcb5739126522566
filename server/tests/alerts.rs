//! The Alerts page and its server functions over real HTTP: rules edited with and
//! without JavaScript, field errors, role guards, the test e-mail queued.

mod helpers;

use app::api::{
    alerts::{DeleteAlertRule, SaveAlertRule, SendTestEmail, SetKeyAccount},
    auth::Login,
    keys::AddKey,
    team::AddUser,
};
use helpers::{TestApp, call, post_form_from_page, redirect_location, session_pair, spawn_app};
use leptos::server_fn::ServerFn;
use reqwest::StatusCode;

const ADMIN: &str = "admin@example.com";
const PASSWORD: &str = "correct horse battery";
const MARKER: &str = "MARKER-secret-0123456789wxyz";

async fn setup(app: &TestApp) -> String {
    let admin = helpers::sign_up_admin(app, ADMIN, PASSWORD).await;
    let response = call(
        app,
        AddKey::PATH,
        Some(&admin),
        &[
            ("vendor", "platerecognizer"),
            ("label", "Parking gates"),
            ("secret", MARKER),
            ("base_url", ""),
            ("monthly_limit", ""),
            ("owner_tag", ""),
        ],
    )
    .await;
    assert!(response.status().is_success(), "{}", response.status());
    admin
}

async fn page(app: &TestApp, cookie: &str, path: &str) -> String {
    let response = app
        .client
        .get(app.url(path))
        .header("Cookie", cookie)
        .send()
        .await
        .expect("get");
    assert_eq!(response.status(), StatusCode::OK);
    response.text().await.expect("body")
}

#[tokio::test]
async fn a_new_key_gets_the_team_defaults_and_the_page_lists_them_without_secrets() {
    let app = spawn_app().await;
    let admin = setup(&app).await;
    let html = page(&app, &admin, "/alerts").await;
    assert!(html.contains("Team defaults"), "{html}");
    assert!(html.contains("Parking gates"), "{html}");
    // The defaults, copied to the new key: shown twice (defaults, then the key).
    assert_eq!(
        html.matches("class=\"rule-text\">80 % used (critical at 95 %)<")
            .count(),
        2,
        "{html}"
    );
    assert!(html.contains("Nothing is firing."), "{html}");
    assert!(html.contains("No SMTP server is configured"), "{html}");
    assert!(html.contains("/settings#email-settings"), "{html}");
    assert!(!html.contains(MARKER));
    // The test e-mail lives on the Settings page, beside the mail status.
    let settings = page(&app, &admin, "/settings").await;
    assert!(settings.contains("Send test email"), "{settings}");
    assert!(
        settings.contains("No SMTP server is configured"),
        "{settings}"
    );
    let keys = page(&app, &admin, "/keys").await;
    assert!(keys.contains("<th>Alert</th>"), "{keys}");
}

#[tokio::test]
async fn rules_are_added_with_field_errors_first_and_deleted() {
    let app = spawn_app().await;
    let admin = setup(&app).await;

    let bad = [
        ("form_id", "new-key-1"),
        ("id", ""),
        ("key_id", "1"),
        ("rule[kind]", "remaining_below"),
        ("rule[warning]", "lots"),
        ("rule[critical]", ""),
        ("rule[within_days]", ""),
        ("rule[emails]", "ops@example.com, nope"),
    ];
    let response = call(&app, SaveAlertRule::PATH, Some(&admin), &bad).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: serde_json::Value = response.json().await.expect("json");
    let errors = &body["Invalid"]["errors"];
    assert!(
        errors["warning"]
            .as_str()
            .is_some_and(|m| m.contains("lots")),
        "{body}"
    );
    assert!(
        errors["emails"]
            .as_str()
            .is_some_and(|m| m.contains("nope")),
        "{body}"
    );

    // Without JavaScript: back to the page, the error beside the field, typed values kept.
    let response =
        post_form_from_page(&app, SaveAlertRule::PATH, "/alerts", Some(&admin), &bad).await;
    assert_eq!(response.status(), StatusCode::FOUND);
    let location = redirect_location(&response).to_string();
    let html = app
        .client
        .get(&location)
        .header("Cookie", &admin)
        .send()
        .await
        .expect("get")
        .text()
        .await
        .expect("body");
    assert!(html.contains("data-field=\"warning\""), "{html}");
    assert!(html.contains("value=\"lots\""), "{html}");

    let good = [
        ("form_id", "new-key-1"),
        ("id", ""),
        ("key_id", "1"),
        ("rule[kind]", "remaining_below"),
        ("rule[warning]", "5,000"),
        ("rule[critical]", "1000"),
        ("rule[within_days]", ""),
        ("rule[users][0]", "1"),
        ("rule[emails]", "ops@example.com"),
    ];
    let response = call(&app, SaveAlertRule::PATH, Some(&admin), &good).await;
    assert!(response.status().is_success(), "{}", response.status());
    let html = page(&app, &admin, "/alerts").await;
    assert!(
        html.contains("fewer than 5,000 left (critical below 1,000)"),
        "{html}"
    );
    assert!(
        html.contains("admin@example.com, ops@example.com"),
        "{html}"
    );

    let id: i64 = html
        .split("data-rule-id=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next()?.parse().ok())
        .max()
        .expect("a rule id");
    let response = call(
        &app,
        DeleteAlertRule::PATH,
        Some(&admin),
        &[("id", &id.to_string())],
    )
    .await;
    assert!(response.status().is_success(), "{}", response.status());
    let html = page(&app, &admin, "/alerts").await;
    assert!(!html.contains("fewer than 5,000 left"), "{html}");
}

#[tokio::test]
async fn viewers_see_the_page_but_cannot_change_rules_or_send_test_mail() {
    let app = spawn_app().await;
    let admin = setup(&app).await;
    let response = call(
        &app,
        AddUser::PATH,
        Some(&admin),
        &[
            ("email", "viewer@example.com"),
            ("role", "viewer"),
            ("password", PASSWORD),
        ],
    )
    .await;
    assert!(response.status().is_success());
    let viewer = session_pair(
        &call(
            &app,
            Login::PATH,
            None,
            &[("email", "viewer@example.com"), ("password", PASSWORD)],
        )
        .await,
    );
    let html = page(&app, &viewer, "/alerts").await;
    assert!(html.contains("80 % used"), "{html}");
    assert!(!html.contains("Add a rule"), "{html}");
    assert!(!html.contains("Send test email"), "{html}");
    assert!(!html.contains("/settings#email-settings"), "{html}");
    let settings = app.page_with_cookie("/settings", &viewer).await;
    assert!(settings.contains("only admins"), "{settings}");
    assert!(!settings.contains("Send test email"), "{settings}");
    let response = call(
        &app,
        SaveAlertRule::PATH,
        Some(&viewer),
        &[
            ("form_id", "x"),
            ("id", ""),
            ("key_id", ""),
            ("rule[kind]", "key_failing"),
            ("rule[admins]", "on"),
        ],
    )
    .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let response = call(&app, SendTestEmail::PATH, Some(&viewer), &[]).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_test_email_is_queued_and_shown_as_waiting_without_smtp() {
    let app = spawn_app().await;
    let admin = setup(&app).await;
    let response = call(&app, SendTestEmail::PATH, Some(&admin), &[]).await;
    assert!(response.status().is_success(), "{}", response.status());
    let html = page(&app, &admin, "/alerts").await;
    assert!(html.contains("1 e-mail(s) wait in the outbox"), "{html}");
    let html = page(&app, &admin, "/settings").await;
    assert!(html.contains("1 e-mail(s) wait in the outbox"), "{html}");
    assert!(html.contains("admin@example.com: queued"), "{html}");
    // The row itself, in the app's database file.
    let url = format!(
        "sqlite://{}",
        app.data_dir.path().join("quotaboard.db").display()
    );
    let pool = sqlx::SqlitePool::connect(&url).await.expect("open db");
    let rows: Vec<(String, String, String)> =
        sqlx::query_as("SELECT purpose, to_addr, status FROM email_outbox")
            .fetch_all(&pool)
            .await
            .expect("outbox");
    assert_eq!(
        rows,
        vec![("test".to_owned(), ADMIN.to_owned(), "queued".to_owned())]
    );
}

#[tokio::test]
async fn visitors_are_sent_to_the_login_page() {
    let app = spawn_app().await;
    // Not a browser (no Accept: text/html): the page's data call says 401, and
    // nothing of the alerts is in the answer.
    let (status, html) = app.get_html("/alerts").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(!html.contains("Firing now"), "{html}");
    let response = app
        .client
        .get(app.url("/alerts"))
        .header("Accept", "text/html")
        .send()
        .await
        .expect("get");
    assert_eq!(response.status(), StatusCode::FOUND);
    assert_eq!(response.headers()["location"], "/login");
    let response = call(&app, SendTestEmail::PATH, None, &[]).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn structocr_keys_are_put_into_an_account_pool_and_other_vendors_are_refused() {
    let app = spawn_app().await;
    let admin = setup(&app).await;
    let response = call(
        &app,
        AddKey::PATH,
        Some(&admin),
        &[
            ("vendor", "structocr"),
            ("label", "prod-eu"),
            ("secret", "structocr-secret-0123456789"),
            ("base_url", ""),
            ("monthly_limit", ""),
            ("owner_tag", ""),
        ],
    )
    .await;
    assert!(response.status().is_success(), "{}", response.status());
    let response = call(
        &app,
        SetKeyAccount::PATH,
        Some(&admin),
        &[("key_id", "2"), ("account", "acme")],
    )
    .await;
    assert!(response.status().is_success(), "{}", response.status());
    let html = page(&app, &admin, "/alerts").await;
    assert!(
        html.contains("name=\"account\" size=\"20\" value=\"acme\""),
        "{html}"
    );

    // Key 1 is Plate Recognizer: it has no shared account.
    let response = call(
        &app,
        SetKeyAccount::PATH,
        Some(&admin),
        &[("key_id", "1"), ("account", "acme")],
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: serde_json::Value = response.json().await.expect("json");
    assert!(
        body["Invalid"]["errors"]["account"]
            .as_str()
            .is_some_and(|m| m.contains("only StructOCR")),
        "{body}"
    );
}
