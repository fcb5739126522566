//! Login over real HTTP: failed-login limits per client address (with and without a
//! trusted reverse proxy in front), the audit trail, and the pruning of expired
//! sessions.

mod helpers;

use app::api::auth::{Login, SetupAdmin};
use helpers::{TestApp, spawn_app, spawn_app_with};
use leptos::server_fn::ServerFn;
use reqwest::StatusCode;

const ADMIN: &str = "admin@example.com";
const PASSWORD: &str = "correct horse battery";

async fn post(app: &TestApp, path: &str, forwarded_for: &str, form: &[(&str, &str)]) -> StatusCode {
    app.client
        .post(app.url(path))
        .header("Accept", "application/json")
        .header("X-Forwarded-For", forwarded_for)
        .form(form)
        .send()
        .await
        .expect("post")
        .status()
}

/// Ten failed logins "from" `attacker`, each for a different unknown account, so
/// only the per-address counter can trip.
async fn fail_ten_logins(app: &TestApp, attacker: &str) {
    for n in 0..10 {
        let email = format!("nobody{n}@example.com");
        let status = post(
            app,
            Login::PATH,
            attacker,
            &[("email", &email), ("password", "guess")],
        )
        .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
}

async fn admin_login(app: &TestApp, forwarded_for: &str) -> StatusCode {
    post(
        app,
        Login::PATH,
        forwarded_for,
        &[("email", ADMIN), ("password", PASSWORD)],
    )
    .await
}

async fn with_admin(app: TestApp) -> TestApp {
    let status = post(
        &app,
        SetupAdmin::PATH,
        "192.0.2.1",
        &[("email", ADMIN), ("password", PASSWORD)],
    )
    .await;
    assert!(status.is_success(), "{status}");
    app
}

#[tokio::test]
async fn behind_a_trusted_proxy_one_attacker_does_not_lock_out_everyone() {
    let app = with_admin(
        spawn_app_with(|config| config.trusted_proxies = "127.0.0.1".parse().expect("proxies"))
            .await,
    )
    .await;
    fail_ten_logins(&app, "203.0.113.66").await;

    assert_eq!(
        admin_login(&app, "203.0.113.66").await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // A forged left-most hop does not help the attacker either: our proxy's
    // right-most entry is what counts.
    assert_eq!(
        admin_login(&app, "198.51.100.1, 203.0.113.66").await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // Everyone else still gets in.
    assert_eq!(admin_login(&app, "198.51.100.20").await, StatusCode::OK);
}

#[tokio::test]
async fn without_trusted_proxies_the_header_is_ignored() {
    let app = with_admin(spawn_app().await).await;
    fail_ten_logins(&app, "203.0.113.66").await;
    // Every request comes from 127.0.0.1: a different header is no way around the limit.
    assert_eq!(
        admin_login(&app, "198.51.100.20").await,
        StatusCode::TOO_MANY_REQUESTS
    );
}

async fn database(app: &TestApp) -> sqlx::SqlitePool {
    let url = format!(
        "sqlite://{}",
        app.data_dir.path().join("quotaboard.db").display()
    );
    sqlx::SqlitePool::connect(&url)
        .await
        .expect("open the test database")
}

#[tokio::test]
async fn logins_and_failed_logins_of_real_accounts_are_audited_without_the_password() {
    let app = with_admin(spawn_app().await).await;
    assert_eq!(admin_login(&app, "-").await, StatusCode::OK);
    let wrong = post(
        &app,
        Login::PATH,
        "-",
        &[("email", ADMIN), ("password", "hunter2-wrong")],
    )
    .await;
    assert_eq!(wrong, StatusCode::UNAUTHORIZED);
    // An unknown account leaves no audit row: there is nobody to tell.
    let unknown = post(
        &app,
        Login::PATH,
        "-",
        &[("email", "ghost@example.com"), ("password", "x")],
    )
    .await;
    assert_eq!(unknown, StatusCode::UNAUTHORIZED);

    let rows: Vec<(String, String, Option<i64>, String)> = sqlx::query_as(
        "SELECT action, actor_kind, subject_id, detail FROM audit_log \
         WHERE action LIKE 'login%' ORDER BY id",
    )
    .fetch_all(&database(&app).await)
    .await
    .expect("audit rows");
    let actions: Vec<(&str, &str)> = rows.iter().map(|r| (r.0.as_str(), r.1.as_str())).collect();
    // Setup signs the new admin in, then the explicit login, then the failure.
    assert_eq!(
        actions,
        [
            ("login", "user"),
            ("login", "user"),
            ("login_failed", "system")
        ]
    );
    assert!(rows.iter().all(|r| r.2 == Some(1)), "{rows:?}");
    assert!(rows.iter().all(|r| r.3.contains("127.0.0.1")), "{rows:?}");
    for row in &rows {
        assert!(
            !row.3.contains(PASSWORD) && !row.3.contains("hunter2"),
            "{row:?}"
        );
    }
}

#[tokio::test]
async fn the_prune_job_deletes_expired_sessions_and_keeps_live_ones() {
    let app = with_admin(
        spawn_app_with(|config| config.session_prune_schedule = "* * * * * *".to_owned()).await,
    )
    .await;
    assert_eq!(admin_login(&app, "-").await, StatusCode::OK);
    let db = database(&app).await;
    let count = async || -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM sessions")
            .fetch_one(&db)
            .await
            .expect("count")
    };
    // Setup and login each opened one.
    assert_eq!(count().await, 2);
    sqlx::query("UPDATE sessions SET expires_at = '2000-01-01T00:00:00.000Z' WHERE rowid = (SELECT MIN(rowid) FROM sessions)")
        .execute(&db)
        .await
        .expect("expire one session");

    // The job runs every second here; give it a few.
    for _ in 0..50 {
        if count().await == 1 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!(
        "the expired session was not pruned; {} sessions left",
        count().await
    );
}
