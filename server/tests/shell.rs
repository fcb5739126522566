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

#[tokio::test]
async fn pages_are_compressed_for_browsers_that_ask_and_plain_for_others() {
    let app = spawn_app().await;
    let plain = raw_get(&app, "/setup", None).await;
    assert!(!plain.head.contains("content-encoding"), "{}", plain.head);
    assert!(plain.body.starts_with(b"<!DOCTYPE html>"));

    let gzipped = raw_get(&app, "/setup", Some("gzip")).await;
    assert!(
        gzipped.head.contains("content-encoding: gzip"),
        "{}",
        gzipped.head
    );
    assert!(
        gzipped.body.starts_with(&[0x1f, 0x8b]),
        "gzip's magic number"
    );
    assert!(gzipped.body.len() * 2 < plain.body.len());

    let brotli = raw_get(&app, "/setup", Some("br;q=1.0, gzip;q=0.5")).await;
    assert!(
        brotli.head.contains("content-encoding: br"),
        "{}",
        brotli.head
    );
    assert!(brotli.body.len() * 2 < plain.body.len());
}

struct RawResponse {
    /// The status line and headers, lower-cased.
    head: String,
    /// The body as sent (still compressed, chunk framing removed).
    body: Vec<u8>,
}

/// A GET written by hand over TCP, so that no client adds or undoes an encoding.
async fn raw_get(app: &helpers::TestApp, path: &str, encoding: Option<&str>) -> RawResponse {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let mut stream = tokio::net::TcpStream::connect(app.addr)
        .await
        .expect("connect");
    let encoding = encoding.map_or(String::new(), |e| format!("Accept-Encoding: {e}\r\n"));
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {}\r\nAccept: text/html\r\n{encoding}Connection: close\r\n\r\n",
        app.addr
    );
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.expect("read");
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("end of head");
    let head = String::from_utf8_lossy(&raw[..split]).to_lowercase();
    let mut rest = &raw[split + 4..];
    let body = if head.contains("transfer-encoding: chunked") {
        let mut body = Vec::new();
        loop {
            let line_end = rest
                .windows(2)
                .position(|w| w == b"\r\n")
                .expect("chunk size");
            let size =
                usize::from_str_radix(std::str::from_utf8(&rest[..line_end]).expect("hex"), 16)
                    .expect("chunk size");
            rest = &rest[line_end + 2..];
            if size == 0 {
                break body;
            }
            body.extend_from_slice(&rest[..size]);
            rest = &rest[size + 2..];
        }
    } else {
        rest.to_vec()
    };
    RawResponse { head, body }
}
