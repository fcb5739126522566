//! Login, the Keys and Team server functions and pages, over real HTTP: cookies,
//! role guards, cross-site refusal, masked secrets, field errors.

mod helpers;

use app::api::{
    auth::{Login, SetupAdmin},
    keys::{AddKey, UpdateKey},
    team::AddUser,
};
use helpers::{TestApp, call, post_form_from_page, redirect_location, session_pair, spawn_app};
use leptos::server_fn::ServerFn;
use reqwest::{Response, StatusCode};

const ADMIN: &str = "admin@example.com";
const PASSWORD: &str = "correct horse battery";
const MARKER: &str = "MARKER-secret-0123456789wxyz";

/// `name=value` of the response's session cookie.
fn session_cookie(response: &Response) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("qb_session="))
        .map(str::to_owned)
}

async fn setup_admin(app: &TestApp) -> String {
    helpers::sign_up_admin(app, ADMIN, PASSWORD).await
}

async fn login(app: &TestApp, email: &str, password: &str) -> Response {
    call(
        app,
        Login::PATH,
        None,
        &[("email", email), ("password", password)],
    )
    .await
}

fn key_form<'a>(label: &'a str, secret: &'a str, limit: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("vendor", "ocr-space"),
        ("label", label),
        ("secret", secret),
        ("base_url", ""),
        ("monthly_limit", limit),
        ("owner_tag", "team-ocr"),
    ]
}

async fn keys_html(app: &TestApp, cookie: &str) -> String {
    let response = app
        .client
        .get(app.url("/keys"))
        .header("Cookie", cookie)
        .send()
        .await
        .expect("get");
    assert_eq!(response.status(), StatusCode::OK);
    response.text().await.expect("body")
}

async fn viewer_cookie(app: &TestApp, admin: &str) -> String {
    let response = call(
        app,
        AddUser::PATH,
        Some(admin),
        &[
            ("email", "viewer@example.com"),
            ("role", "viewer"),
            ("password", PASSWORD),
        ],
    )
    .await;
    assert!(response.status().is_success(), "{}", response.status());
    let response = login(app, "viewer@example.com", PASSWORD).await;
    session_pair(&response)
}

#[tokio::test]
async fn login_sets_a_strict_http_only_cookie_with_a_new_session_each_time() {
    let app = spawn_app().await;
    setup_admin(&app).await;

    let mut tokens = Vec::new();
    for _ in 0..2 {
        let response = login(&app, ADMIN, PASSWORD).await;
        assert!(response.status().is_success(), "{}", response.status());
        let cookie = session_cookie(&response).expect("cookie");
        for part in ["HttpOnly", "SameSite=Strict", "Path=/"] {
            assert!(cookie.contains(part), "{cookie}");
        }
        tokens.push(session_pair(&response));
    }
    assert_ne!(tokens[0], tokens[1]);

    // The header names who is signed in.
    let html = keys_html(&app, &tokens[1]).await;
    assert!(html.contains(ADMIN), "{html}");

    // Wrong password and unknown account read the same.
    for (email, password) in [
        (ADMIN, "wrong password!!"),
        ("nobody@example.com", PASSWORD),
    ] {
        let response = login(&app, email, password).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert!(session_cookie(&response).is_none());
        let body = response.text().await.expect("body");
        assert!(body.contains("wrong e-mail address or password"), "{body}");
    }
}

#[tokio::test]
async fn a_second_setup_is_refused() {
    let app = spawn_app().await;
    setup_admin(&app).await;
    let response = call(
        &app,
        SetupAdmin::PATH,
        None,
        &[("email", "mallory@example.com"), ("password", PASSWORD)],
    )
    .await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    assert!(session_cookie(&response).is_none());
    let (_, html) = app.get_html("/setup").await;
    assert!(html.contains("Setup is done"), "{html}");
}

#[tokio::test]
async fn visitors_are_sent_to_the_login_page() {
    let app = spawn_app().await;
    assert!(app.data_dir.path().join("quotaboard.db").is_file());
    for path in ["/keys", "/team", "/audit"] {
        let response = app
            .client
            .get(app.url(path))
            .header("Accept", "text/html")
            .send()
            .await
            .expect("get");
        assert_eq!(response.status(), StatusCode::FOUND, "{path}");
        assert_eq!(response.headers()["location"], "/login", "{path}");
    }
    // And a server function called without a session says so.
    let response = call(&app, AddKey::PATH, None, &key_form("x", MARKER, "5")).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_forged_add_key_request_from_a_viewer_is_refused_and_stores_nothing() {
    let app = spawn_app().await;
    let admin = setup_admin(&app).await;
    let viewer = viewer_cookie(&app, &admin).await;

    let response = call(
        &app,
        AddKey::PATH,
        Some(&viewer),
        &key_form("Forged", MARKER, "100"),
    )
    .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let body = response.text().await.expect("body");
    assert!(body.contains("Forbidden"), "{body}");

    let html = keys_html(&app, &admin).await;
    assert!(!html.contains("Forged"));
    assert!(html.contains("No keys yet."), "{html}");
    // The viewer's page has no edit controls.
    let html = keys_html(&app, &viewer).await;
    assert!(!html.contains("add-key-form"));
    assert!(!html.contains(">Delete<"));
}

#[tokio::test]
async fn a_cross_site_add_key_post_is_refused_and_stores_nothing() {
    let app = spawn_app().await;
    let admin = setup_admin(&app).await;
    let response = app
        .client
        .post(app.url(AddKey::PATH))
        .header("Accept", "text/html")
        .header("Cookie", &admin)
        .header("Sec-Fetch-Site", "cross-site")
        .form(&key_form("Cross", MARKER, "100"))
        .send()
        .await
        .expect("post");
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(!keys_html(&app, &admin).await.contains("Cross"));
}

#[tokio::test]
async fn the_keys_page_shows_only_the_masked_secret() {
    let app = spawn_app().await;
    let admin = setup_admin(&app).await;
    let response = call(
        &app,
        AddKey::PATH,
        Some(&admin),
        &key_form("Main OCR", MARKER, "25000"),
    )
    .await;
    assert!(response.status().is_success(), "{}", response.status());
    assert!(!response.text().await.expect("body").contains(MARKER));

    let html = keys_html(&app, &admin).await;
    assert!(html.contains("Main OCR"));
    assert!(html.contains("••••wxyz"), "{html}");
    assert!(!html.contains(MARKER));
    assert!(!html.contains("0123456789"));
    // Editors see the controls, and the page says what deleting does.
    assert!(html.contains("add-key-form"));
    assert!(html.contains("removes it and its usage history"));
}

#[tokio::test]
async fn bad_key_form_values_return_field_errors_and_store_nothing() {
    let app = spawn_app().await;
    let admin = setup_admin(&app).await;

    // As the hydrated app calls it.
    let response = call(
        &app,
        AddKey::PATH,
        Some(&admin),
        &key_form("", MARKER, "zero"),
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: serde_json::Value = response.json().await.expect("json");
    let errors = &body["Invalid"]["errors"];
    assert!(errors["label"].is_string(), "{body}");
    assert!(errors["monthly_limit"].is_string(), "{body}");
    assert!(!body.to_string().contains(MARKER));

    // As a plain form post without JavaScript: back to the page with the error.
    let response = post_form_from_page(
        &app,
        AddKey::PATH,
        "/keys",
        Some(&admin),
        &key_form("Typed label", MARKER, "zero"),
    )
    .await;
    assert_eq!(response.status(), StatusCode::FOUND);
    let location = redirect_location(&response).to_string();
    assert!(location.contains("__err="), "{location}");
    assert!(!location.contains(MARKER));
    let response = app
        .client
        .get(&location)
        .header("Cookie", &admin)
        .send()
        .await
        .expect("get");
    let html = response.text().await.expect("body");
    assert!(html.contains("class=\"field-error\""), "{html}");
    assert!(html.contains("data-field=\"monthly_limit\""), "{html}");
    // What was typed is kept, except the secret.
    assert!(html.contains("value=\"Typed label\""), "{html}");
    assert!(!html.contains(MARKER));
    assert!(html.contains("No keys yet."));
}

#[tokio::test]
async fn before_setup_the_login_page_sends_visitors_to_setup() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(app.url("/login"))
        .header("Accept", "text/html")
        .send()
        .await
        .expect("get");
    assert_eq!(response.status(), StatusCode::FOUND);
    assert_eq!(response.headers()["location"], "/setup");
    setup_admin(&app).await;
    let (status, html) = app.get_html("/login").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("login-form"));
}

#[tokio::test]
async fn editing_a_key_keeps_its_secret_unless_a_new_one_is_typed_and_is_audited() {
    let app = spawn_app().await;
    let admin = setup_admin(&app).await;
    let response = call(
        &app,
        AddKey::PATH,
        Some(&admin),
        &key_form("Old", MARKER, "100"),
    )
    .await;
    assert!(response.status().is_success());
    let html = keys_html(&app, &admin).await;
    let id = html
        .split("data-key-id=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("key id")
        .to_owned();

    let edit = |secret: &'static str, label: &'static str| {
        let id = id.clone();
        let admin = admin.clone();
        let app = &app;
        async move {
            call(
                app,
                UpdateKey::PATH,
                Some(&admin),
                &[
                    ("id", id.as_str()),
                    ("label", label),
                    ("secret", secret),
                    ("base_url", ""),
                    ("monthly_limit", "200"),
                    ("owner_tag", ""),
                ],
            )
            .await
        }
    };
    assert!(edit("", "Renamed").await.status().is_success());
    let html = keys_html(&app, &admin).await;
    assert!(
        html.contains("Renamed") && html.contains("••••wxyz"),
        "{html}"
    );
    assert!(
        edit("another-secret-9876", "Renamed")
            .await
            .status()
            .is_success()
    );
    assert!(keys_html(&app, &admin).await.contains("••••9876"));

    let response = app
        .client
        .get(app.url("/audit"))
        .header("Cookie", &admin)
        .send()
        .await
        .expect("get");
    let html = response.text().await.expect("body");
    for action in ["key.created", "key.updated", "user.setup_admin"] {
        assert!(html.contains(action), "{action}: {html}");
    }
    assert!(!html.contains(MARKER) && !html.contains("another-secret"));
}

#[tokio::test]
async fn a_key_s_poll_interval_is_edited_with_validation() {
    let app = spawn_app().await;
    let admin = setup_admin(&app).await;
    let response = call(
        &app,
        AddKey::PATH,
        Some(&admin),
        &key_form("Timed", MARKER, "100"),
    )
    .await;
    assert!(response.status().is_success());
    let html = keys_html(&app, &admin).await;
    let id = html
        .split("data-key-id=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("key id")
        .to_owned();
    let edit = |interval: &'static str| {
        let id = id.clone();
        let admin = admin.clone();
        let app = &app;
        async move {
            call(
                app,
                UpdateKey::PATH,
                Some(&admin),
                &[
                    ("id", id.as_str()),
                    ("label", "Timed"),
                    ("secret", ""),
                    ("base_url", ""),
                    ("monthly_limit", "100"),
                    ("owner_tag", ""),
                    ("poll_interval_minutes", interval),
                ],
            )
            .await
        }
    };
    let edit_page = || async {
        app.client
            .get(app.url(&format!("/keys/{id}/edit")))
            .header("Cookie", &admin)
            .send()
            .await
            .expect("get")
            .text()
            .await
            .expect("body")
    };
    for bad in ["0", "ten", "50000"] {
        let response = edit(bad).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        let body = response.text().await.expect("body");
        assert!(body.contains("poll_interval_minutes"), "{body}");
    }
    let html = edit_page().await;
    assert!(html.contains("name=\"poll_interval_minutes\""), "{html}");
    assert!(
        !html.contains("value=\"0\""),
        "a refused value is not stored"
    );
    assert!(edit("90").await.status().is_success());
    assert!(edit_page().await.contains("value=\"90\""));
    assert!(edit("").await.status().is_success());
    assert!(
        !edit_page().await.contains("value=\"90\""),
        "blank is the default again"
    );
}
