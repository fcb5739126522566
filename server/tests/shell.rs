//! The server-rendered shell, health check and theme form, over real HTTP.

mod helpers;

use helpers::{post_form_from_page, redirect_location, spawn_app};
use reqwest::StatusCode;

#[tokio::test]
async fn healthz_reports_a_live_migrated_database() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(app.url("/healthz"))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::OK);
    let body: serde_json::Value = response.json().await.expect("json");
    assert_eq!(body["status"], "ok");
    assert_eq!(body["database"]["ok"], true);
    assert_eq!(body["database"]["journal_mode"], "wal");
    assert!(
        body["database"]["schema_version"]
            .as_i64()
            .expect("version")
            > 0
    );
    assert!(app.data_dir.path().join("quotaboard.db").is_file());
}

#[tokio::test]
async fn every_section_is_server_rendered_with_navigation_and_its_own_title() {
    let app = spawn_app().await;
    // The overview needs a session: a browser is sent to the login page
    // (tests/overview.rs covers the signed-in page).
    let response = app
        .client
        .get(app.url("/"))
        .header("Accept", "text/html")
        .send()
        .await
        .expect("get");
    assert_eq!(response.status(), StatusCode::FOUND);
    assert_eq!(response.headers()["location"], "/login");
    for (path, title) in [("/login", "Sign in"), ("/setup", "Setup")] {
        let (status, html) = app.get_html(path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(
            html.contains(&format!("<title>{title} · Quotaboard</title>")),
            "{path}: {html}"
        );
        for link in ["href=\"/keys\"", "href=\"/alerts\"", "href=\"/team\""] {
            assert!(html.contains(link), "{path} lacks {link}");
        }
        assert!(html.contains(&format!("<h1>{title}</h1>")), "{path}");
        // The hydration script is part of the served page.
        assert!(html.contains("/pkg/quotaboard.js"), "{path}");
    }
}

#[tokio::test]
async fn current_page_is_marked_in_the_navigation() {
    let app = spawn_app().await;
    let (_, html) = app.get_html("/").await;
    assert!(
        html.contains(r#"<a href="/" aria-current="page">"#),
        "{html}"
    );
    assert!(!html.contains(r#"<a href="/keys" aria-current="page">"#));
}

#[tokio::test]
async fn unknown_path_is_a_404_page() {
    let app = spawn_app().await;
    let (status, html) = app.get_html("/no/such/page").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(html.contains("Page not found"));
    assert!(html.contains("<title>Not found · Quotaboard</title>"));
}

#[tokio::test]
async fn theme_form_works_without_javascript_and_the_cookie_drives_the_render() {
    let app = spawn_app().await;
    let (_, html) = app.get_html("/").await;
    assert!(html.contains(r#"data-theme="light""#));
    let action = extract_attr(&html, "form", "action").expect("theme form action");

    // What a browser sends for a plain form post: it accepts HTML and names the page.
    let response = post_form_from_page(&app, &action, "/", None, &[("theme", "dark")]).await;
    // Back to the page the form was on (Leptos appends an empty query for error info).
    let location = redirect_location(&response);
    assert_eq!(location.path(), "/");
    let cookie = response.headers()["set-cookie"].to_str().expect("cookie");
    assert!(cookie.starts_with("qb_theme=dark;"), "{cookie}");
    assert!(cookie.contains("Path=/"));

    let dark = app.page_with_cookie("/", "qb_theme=dark").await;
    assert!(dark.contains(r#"data-theme="dark""#));
    // The toggle now offers the other theme.
    assert!(dark.contains(r#"name="theme" value="light""#));
}

#[tokio::test]
async fn theme_form_rejects_an_unknown_theme() {
    let app = spawn_app().await;
    let (_, html) = app.get_html("/").await;
    let action = extract_attr(&html, "form", "action").expect("theme form action");
    let response = app
        .client
        .post(app.url(&action))
        .header("Accept", "application/json")
        .form(&[("theme", "neon")])
        .send()
        .await
        .expect("post");
    assert!(response.status().is_client_error() || response.status().is_server_error());
    assert!(response.headers().get("set-cookie").is_none());
}

/// The value of `attr` on the first `<tag ...>` in `html`.
fn extract_attr(html: &str, tag: &str, attr: &str) -> Option<String> {
    let start = html.find(&format!("<{tag} "))?;
    let element = &html[start..start + html[start..].find('>')?];
    let needle = format!("{attr}=\"");
    let value_start = element.find(&needle)? + needle.len();
    let value_len = element[value_start..].find('"')?;
    Some(element[value_start..value_start + value_len].to_owned())
}
