//! Starts the real application for a test: port 0, a fresh SQLite file in a temp dir.

// Every test binary compiles this module and uses a different part of it.
#![allow(dead_code)]

use std::net::SocketAddr;

use app::api::auth::SetupAdmin;
use engine::Config;
use leptos::server_fn::ServerFn;
use quotaboard::startup::Application;
use tempfile::TempDir;

pub struct TestApp {
    pub addr: SocketAddr,
    pub client: reqwest::Client,
    // Kept so the directory (and database) lives as long as the app.
    pub data_dir: TempDir,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub async fn get_html(&self, path: &str) -> (reqwest::StatusCode, String) {
        let response = self
            .client
            .get(self.url(path))
            .send()
            .await
            .expect("request");
        let status = response.status();
        (status, response.text().await.expect("body"))
    }

    /// A page as a browser asks for it (`Accept: text/html`) with this `Cookie`
    /// header, whatever its status.
    pub async fn page_with_cookie(&self, path: &str, cookie: &str) -> String {
        self.client
            .get(self.url(path))
            .header("Cookie", cookie)
            .header("Accept", "text/html")
            .send()
            .await
            .expect("request")
            .text()
            .await
            .expect("body")
    }
}

/// Posts a server function's form the way the hydrated app does (JSON answer).
pub async fn call(
    app: &TestApp,
    path: &str,
    cookie: Option<&str>,
    form: &[(&str, &str)],
) -> reqwest::Response {
    let mut request = app
        .client
        .post(app.url(path))
        .header("Accept", "application/json")
        .form(form);
    if let Some(cookie) = cookie {
        request = request.header("Cookie", cookie);
    }
    request.send().await.expect("post")
}

/// Posts a form the way a browser without JavaScript does: it accepts HTML and names
/// the page the form is on (`from`), where the server sends it back.
pub async fn post_form_from_page<F: serde::Serialize + ?Sized>(
    app: &TestApp,
    path: &str,
    from: &str,
    cookie: Option<&str>,
    form: &F,
) -> reqwest::Response {
    let mut request = app
        .client
        .post(app.url(path))
        .header("Accept", "text/html,application/xhtml+xml,*/*;q=0.8")
        .header("Referer", app.url(from))
        .form(form);
    if let Some(cookie) = cookie {
        request = request.header("Cookie", cookie);
    }
    request.send().await.expect("post")
}

/// Where a redirect sends the browser.
pub fn redirect_location(response: &reqwest::Response) -> reqwest::Url {
    assert!(
        response.status().is_redirection(),
        "not a redirect: {}",
        response.status()
    );
    let location = response.headers()["location"].to_str().expect("location");
    // Absolute (back to the page the form was on) or relative (a server function's
    // own redirect).
    response.url().join(location).expect("a location")
}

/// Creates the first admin on the setup page; their session cookie pair.
pub async fn sign_up_admin(app: &TestApp, email: &str, password: &str) -> String {
    let response = call(
        app,
        SetupAdmin::PATH,
        None,
        &[("email", email), ("password", password)],
    )
    .await;
    assert!(response.status().is_success(), "{}", response.status());
    session_pair(&response)
}

/// `qb_session=…` of the response's session cookie, ready for a `Cookie` header.
pub fn session_pair(response: &reqwest::Response) -> String {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("qb_session="))
        .and_then(|v| v.split(';').next())
        .expect("a session cookie")
        .to_owned()
}

pub fn test_config(data_dir: &TempDir) -> Config {
    Config {
        listen_addr: "127.0.0.1:0".parse().expect("addr"),
        data_dir: data_dir.path().to_path_buf(),
        ..Config::default()
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// `spawn_app` with settings changed from the test defaults.
pub async fn spawn_app_with(configure: impl FnOnce(&mut Config)) -> TestApp {
    let data_dir = tempfile::tempdir().expect("tempdir");
    let mut config = test_config(&data_dir);
    configure(&mut config);
    let app = Application::build(config).await.expect("app builds");
    let addr = app.local_addr();
    tokio::spawn(app.run_until_stopped(std::future::pending()));
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    TestApp {
        addr,
        client,
        data_dir,
    }
}
