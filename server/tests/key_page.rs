//! The key page, its chart SVGs and its CSV export over real HTTP, on a database
//! holding real snapshots and rollups; and the poll interval on the edit page.

mod helpers;

use app::api::{
    auth::Login,
    keys::{AddKey, UpdateKey},
    settings::SetTeamTimeZone,
    team::AddUser,
};
use chrono::{TimeDelta, Utc};
use domain::{Figure, KeyId, OcrSpaceDetails, Scope, UsageReading, Vendor, VendorDetails};
use engine::{
    Store, history,
    store::snapshots::{NewSnapshot, Outcome, insert_batch},
};
use helpers::{TestApp, call, session_pair, spawn_app, test_config};
use leptos::server_fn::ServerFn;
use reqwest::{Response, StatusCode};

const ADMIN: &str = "admin@example.com";
const PASSWORD: &str = "correct horse battery";
const SECRET: &str = "MARKER-secret-0123456789wxyz";

async fn get(app: &TestApp, path: &str, cookie: Option<&str>) -> Response {
    // As a browser asks: pages then answer visitors with a redirect to /login.
    let mut request = app.client.get(app.url(path)).header("Accept", "text/html");
    if let Some(cookie) = cookie {
        request = request.header("Cookie", cookie);
    }
    request.send().await.expect("get")
}

struct Seeded {
    app: TestApp,
    admin: String,
    viewer: String,
    key: i64,
}

/// An admin, a viewer, one OCR.space key with a week of polls (rolled up) and a
/// fresh poll whose reply is the key's latest.
async fn seeded() -> Seeded {
    let app = spawn_app().await;
    let admin = helpers::sign_up_admin(&app, ADMIN, PASSWORD).await;
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
    let response = call(
        &app,
        Login::PATH,
        None,
        &[("email", "viewer@example.com"), ("password", PASSWORD)],
    )
    .await;
    let viewer = session_pair(&response);
    let response = call(
        &app,
        AddKey::PATH,
        Some(&admin),
        &[
            ("vendor", "ocr-space"),
            ("label", "Receipts & <Invoices>"),
            ("secret", SECRET),
            ("base_url", ""),
            ("monthly_limit", "100000"),
            ("owner_tag", "team-ocr"),
        ],
    )
    .await;
    assert!(response.status().is_success());

    // A second handle on the same SQLite file, as the poller would write it.
    let store = Store::open(&test_config(&app.data_dir))
        .await
        .expect("store");
    let key: i64 = sqlx::query_scalar("SELECT id FROM api_keys")
        .fetch_one(store.pool())
        .await
        .expect("key id");
    let now = Utc::now();
    let period_start = month_start(now);
    let rows: Vec<NewSnapshot> = (0..(7 * 24 * 4))
        .rev()
        .map(|quarter| {
            let at = now - TimeDelta::minutes(15 * quarter);
            let used = 50_000 - u64::try_from(quarter).expect("positive") * 10;
            snapshot(KeyId(key), at, used.max(1), period_start)
        })
        .collect();
    let mut tx = store.pool().begin().await.expect("tx");
    insert_batch(&mut tx, &rows).await.expect("insert");
    tx.commit().await.expect("commit");
    history::roll_up(&store).await.expect("roll-up");
    // As the poller does after storing a batch.
    let newest = rows.last().expect("rows");
    if let Outcome::Ok { reading, .. } = &newest.outcome {
        engine::forecast::refresh(&store, &[(KeyId(key), reading.as_ref())], now)
            .await
            .expect("forecast");
    }
    store.close().await;
    Seeded {
        app,
        admin,
        viewer,
        key,
    }
}

use chrono::Datelike as _;

/// Midnight UTC on the first of `now`'s month: where an OCR.space period starts.
fn month_start(now: chrono::DateTime<Utc>) -> chrono::DateTime<Utc> {
    now.date_naive()
        .with_day0(0)
        .expect("first")
        .and_hms_opt(0, 0, 0)
        .expect("midnight")
        .and_utc()
}

fn snapshot(
    key: KeyId,
    at: chrono::DateTime<Utc>,
    used: u64,
    period_start: chrono::DateTime<Utc>,
) -> NewSnapshot {
    let limit = 100_000;
    NewSnapshot {
        key_id: key,
        polled_at: at,
        duration_ms: 50,
        attempts: 1,
        outcome: Outcome::Ok {
            reading: Box::new(UsageReading {
                vendor: Vendor::OcrSpace,
                scope: Scope::Key,
                used: Some(Figure::vendor(used)),
                limit: Some(Figure::configured(limit)),
                remaining: Some(Figure::inferred(limit as i64 - used as i64)),
                period_start: Some(Figure::inferred(period_start)),
                resets_on: Some(Figure::inferred(
                    period_start
                        .checked_add_months(chrono::Months::new(1))
                        .expect("next month"),
                )),
                as_of: at,
                unknown_fields: Vec::new(),
                details: VendorDetails::OcrSpace(OcrSpaceDetails {
                    engine1: None,
                    engine2: None,
                    engine3: None,
                    total: Some(used),
                    unverified: false,
                    last_month: false,
                }),
            }),
            raw_reply: serde_json::json!({ "count_total": used, "count_engine1": used }),
        },
    }
}

#[tokio::test]
async fn the_key_page_shows_the_latest_reading_charts_csv_link_and_raw_reply() {
    let s = seeded().await;
    let response = get(&s.app, &format!("/keys/{}", s.key), Some(&s.viewer)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await.expect("body");
    assert!(html.contains("Receipts &amp; &lt;Invoices&gt;"), "{html}");
    assert!(
        html.contains("50,000 of 100,000 conversions used (50.0 %)"),
        "{html}"
    );
    for kind in ["usage", "remaining", "consumption"] {
        let src = format!(
            "/keys/{}/chart.svg?kind={kind}&amp;range=7d&amp;theme=light",
            s.key
        );
        assert!(html.contains(&src), "{src} in {html}");
    }
    assert!(html.contains(&format!("/keys/{}/usage.csv?range=7d", s.key)));
    assert!(html.contains("<details"));
    assert!(html.contains("count_engine1"));
    assert!(!html.contains(SECRET));
    // The next scheduled poll, a date and time in the team's time zone.
    assert!(html.contains("Next poll: 20"), "{html}");

    // The range lives in the URL.
    let html = get(
        &s.app,
        &format!("/keys/{}?range=1y", s.key),
        Some(&s.viewer),
    )
    .await
    .text()
    .await
    .expect("body");
    assert!(html.contains("kind=remaining&amp;range=1y"), "{html}");

    // The Keys page links each label to its page.
    let html = get(&s.app, "/keys", Some(&s.viewer))
        .await
        .text()
        .await
        .expect("body");
    assert!(
        html.contains(&format!("href=\"/keys/{}\"", s.key)),
        "{html}"
    );
}

#[tokio::test]
async fn visitors_are_sent_to_login_and_unknown_keys_are_not_found() {
    let s = seeded().await;
    let (status, _) = s.app.get_html(&format!("/keys/{}/chart.svg", s.key)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let response = get(&s.app, &format!("/keys/{}", s.key), None).await;
    assert_eq!(
        response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok()),
        Some("/login")
    );
    let response = get(&s.app, &format!("/keys/{}/chart.svg", s.key), None).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let response = get(&s.app, &format!("/keys/{}/usage.csv", s.key), None).await;
    assert!(response.status().is_redirection());

    let response = get(&s.app, "/keys/999/chart.svg", Some(&s.viewer)).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let response = get(&s.app, "/keys/999/usage.csv", Some(&s.viewer)).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let html = get(&s.app, "/keys/999", Some(&s.viewer))
        .await
        .text()
        .await
        .expect("body");
    assert!(html.contains("no key with id 999"), "{html}");
}

#[tokio::test]
async fn every_chart_is_bounded_valid_svg_with_a_title_and_description() {
    let s = seeded().await;
    for kind in ["usage", "remaining", "consumption"] {
        for range in ["24h", "7d", "30d", "90d", "1y"] {
            for theme in ["light", "dark"] {
                let path = format!(
                    "/keys/{}/chart.svg?kind={kind}&range={range}&theme={theme}",
                    s.key
                );
                let response = get(&s.app, &path, Some(&s.viewer)).await;
                assert_eq!(response.status(), StatusCode::OK, "{path}");
                assert_eq!(
                    response
                        .headers()
                        .get("content-type")
                        .and_then(|v| v.to_str().ok()),
                    Some("image/svg+xml")
                );
                let svg = response.text().await.expect("body");
                assert!(svg.len() <= 25 * 1024, "{path}: {} bytes", svg.len());
                let doc = roxmltree::Document::parse(&svg)
                    .unwrap_or_else(|e| panic!("{path}: not XML: {e}"));
                let root = doc.root_element();
                assert_eq!(root.tag_name().name(), "svg");
                let title = root
                    .children()
                    .find(|n| n.has_tag_name("title"))
                    .and_then(|n| n.text())
                    .expect("title");
                assert!(title.starts_with("Receipts & <Invoices>"), "{title}");
                let desc = root
                    .children()
                    .find(|n| n.has_tag_name("desc"))
                    .and_then(|n| n.text())
                    .expect("desc");
                assert!(desc.contains("(UTC)"), "{desc}");
                assert!(!svg.contains(SECRET));
            }
        }
    }
    let usage = get(
        &s.app,
        &format!("/keys/{}/chart.svg?kind=usage", s.key),
        Some(&s.admin),
    )
    .await
    .text()
    .await
    .expect("svg");
    assert!(
        usage.contains("50,000 of 100,000 conversions used"),
        "{usage}"
    );

    for bad in ["kind=pie", "range=2w"] {
        let response = get(
            &s.app,
            &format!("/keys/{}/chart.svg?{bad}", s.key),
            Some(&s.viewer),
        )
        .await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{bad}");
        let text = response.text().await.expect("body");
        assert!(text.contains("use"), "{text}");
    }
}

#[tokio::test]
async fn the_csv_has_one_row_per_point_of_the_range() {
    let s = seeded().await;
    let response = get(
        &s.app,
        &format!("/keys/{}/usage.csv?range=24h", s.key),
        Some(&s.viewer),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("text/csv; charset=utf-8")
    );
    let body = response.text().await.expect("csv");
    let mut lines = body.lines();
    assert!(
        lines
            .next()
            .expect("header")
            .starts_with("time_utc,resolution,used,")
    );
    let rows: Vec<&str> = lines.collect();
    // A poll every 15 minutes over 24 hours, read raw.
    assert!((95..=97).contains(&rows.len()), "{}", rows.len());
    assert!(rows.iter().all(|row| row.split(',').nth(1) == Some("raw")));
    assert!(rows.last().expect("row").contains(",50000,"));

    let body = get(
        &s.app,
        &format!("/keys/{}/usage.csv?range=1y", s.key),
        Some(&s.viewer),
    )
    .await
    .text()
    .await
    .expect("csv");
    let rows: Vec<&str> = body.lines().skip(1).collect();
    assert!((7..=9).contains(&rows.len()), "{body}");
    assert!(rows.iter().all(|row| row.split(',').nth(1) == Some("day")));

    let response = get(
        &s.app,
        &format!("/keys/{}/usage.csv?range=forever", s.key),
        Some(&s.viewer),
    )
    .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_poll_interval_is_edited_on_the_key_form_with_validation() {
    let s = seeded().await;
    let key = s.key.to_string();
    let edit = |interval: &'static str| {
        let key = key.clone();
        let admin = s.admin.clone();
        let app = &s.app;
        async move {
            call(
                app,
                UpdateKey::PATH,
                Some(&admin),
                &[
                    ("id", key.as_str()),
                    ("label", "Receipts"),
                    ("secret", ""),
                    ("base_url", ""),
                    ("monthly_limit", "100000"),
                    ("owner_tag", ""),
                    ("poll_interval_minutes", interval),
                ],
            )
            .await
        }
    };
    let stored = || async {
        let store = Store::open(&test_config(&s.app.data_dir))
            .await
            .expect("store");
        let value: Option<i64> = sqlx::query_scalar("SELECT poll_interval_minutes FROM api_keys")
            .fetch_one(store.pool())
            .await
            .expect("interval");
        store.close().await;
        value
    };
    for bad in ["0", "ten", "50000"] {
        let response = edit(bad).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        let body = response.text().await.expect("body");
        assert!(body.contains("poll_interval_minutes"), "{body}");
        assert_eq!(stored().await, None, "{bad} stored nothing");
    }
    assert!(edit("90").await.status().is_success());
    assert_eq!(stored().await, Some(90));
    let html = get(&s.app, &format!("/keys/{}/edit", s.key), Some(&s.admin))
        .await
        .text()
        .await
        .expect("body");
    assert!(html.contains("name=\"poll_interval_minutes\""), "{html}");
    assert!(html.contains("value=\"90\""), "{html}");
    assert!(edit("").await.status().is_success());
    assert_eq!(stored().await, None, "blank is the vendor's default again");
}

/// `(label, x)` of every x-axis time label (`HH:MM`) of a chart.
fn time_labels(svg: &str) -> Vec<(String, f64)> {
    let doc = roxmltree::Document::parse(svg).expect("svg");
    doc.descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| {
            let text = n.text()?.trim().to_owned();
            let is_time = text.len() == 5 && text.as_bytes()[2] == b':';
            let x: f64 = n.attribute("x")?.parse().ok()?;
            is_time.then_some((text, x))
        })
        .collect()
}

#[tokio::test]
async fn charts_are_labelled_in_the_team_time_zone() {
    let s = seeded().await;
    let path = format!("/keys/{}/chart.svg?kind=remaining&range=24h", s.key);
    let chart = |cookie: String| {
        let app = &s.app;
        let path = path.clone();
        async move {
            get(app, &path, Some(&cookie))
                .await
                .text()
                .await
                .expect("svg")
        }
    };
    let utc = chart(s.viewer.clone()).await;
    assert!(utc.contains("time (UTC)"), "{utc}");

    let response = call(
        &s.app,
        SetTeamTimeZone::PATH,
        Some(&s.admin),
        &[("time_zone", "Asia/Kolkata")],
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let before = Utc::now();
    let kolkata = chart(s.viewer.clone()).await;
    let after = Utc::now();

    // The axis and the text alternative name the zone and give local times.
    assert!(kolkata.contains("time (Asia/Kolkata)"), "{kolkata}");
    assert!(!kolkata.contains("(UTC)"), "{kolkata}");
    let local = |at: chrono::DateTime<Utc>| {
        at.with_timezone(&chrono_tz::Asia::Kolkata)
            .format("%-d %b %Y %H:%M")
            .to_string()
    };
    assert!(
        [before, after]
            .iter()
            .any(|at| kolkata.contains(&format!("to {} (Asia/Kolkata)", local(*at)))),
        "{kolkata}"
    );

    // Both charts show the same 24 hours and label local 00:00, 06:00, 12:00 and
    // 18:00; in Kolkata (UTC+05:30) each of those comes 5 h 30 min before the UTC one.
    let utc_labels = time_labels(&utc);
    let local_labels = time_labels(&kolkata);
    for labels in [&utc_labels, &local_labels] {
        let mut texts: Vec<&str> = labels.iter().map(|(t, _)| t.as_str()).collect();
        texts.sort_unstable();
        texts.dedup();
        assert_eq!(texts, ["00:00", "06:00", "12:00", "18:00"], "{labels:?}");
    }
    let x_of = |labels: &[(String, f64)], text: &str| {
        labels
            .iter()
            .find(|(t, _)| t == text)
            .map(|(_, x)| *x)
            .expect("label")
    };
    // Pixels per hour: neighbouring labels are six hours apart.
    let mut xs: Vec<f64> = utc_labels.iter().map(|(_, x)| *x).collect();
    xs.sort_by(f64::total_cmp);
    let per_hour = (xs[1] - xs[0]) / 6.0;
    assert!(per_hour > 1.0, "{utc_labels:?}");
    let x0 = x_of(&utc_labels, "00:00");
    let shift = (x0 - x_of(&local_labels, "00:00")) / per_hour;
    assert!(
        (shift.rem_euclid(24.0) - 5.5).abs() < 0.25,
        "local midnight is {shift} h before UTC midnight, not 5.5 h"
    );
}

/// The key page's data is kept between requests (`DrawnKeyPages`); asked again it
/// shows what changed meanwhile: a poll stored by another handle on the database (as
/// `quotaboard poll --once` would), a close-out, the team's time zone.
#[tokio::test]
async fn the_key_page_asked_again_shows_what_changed_meanwhile() {
    let s = seeded().await;
    let path = format!("/keys/{}", s.key);
    let page = || async {
        get(&s.app, &path, Some(&s.viewer))
            .await
            .text()
            .await
            .expect("body")
    };
    let first = page().await;
    assert!(
        first.contains("50,000 of 100,000 conversions used"),
        "{first}"
    );
    assert!(!first.contains("Closed periods"), "{first}");

    let store = Store::open(&test_config(&s.app.data_dir))
        .await
        .expect("store");
    let now = Utc::now();
    let this_month = month_start(now);
    let last_month = this_month - chrono::Months::new(1);
    let mut tx = store.pool().begin().await.expect("tx");
    insert_batch(&mut tx, &[snapshot(KeyId(s.key), now, 60_000, this_month)])
        .await
        .expect("poll");
    tx.commit().await.expect("commit");
    let polled = page().await;
    assert!(
        polled.contains("60,000 of 100,000 conversions used"),
        "{polled}"
    );

    let mut conn = store.pool().acquire().await.expect("connection");
    engine::store::closeouts::upsert(
        &mut conn,
        &[engine::store::closeouts::NewCloseout {
            key_id: KeyId(s.key),
            period_start: last_month,
            period_end: this_month,
            used: 12_345,
            limit: Some(100_000),
            fetched_at: now,
            raw_reply: serde_json::json!({}),
        }],
    )
    .await
    .expect("close-out");
    drop(conn);
    store.close().await;
    let closed = page().await;
    let line = format!(
        "{}: 12,345 of 100,000 conversions",
        last_month.format("%B %Y")
    );
    assert!(closed.contains(&line), "{line} in {closed}");

    assert!(
        closed.contains("last polled 20") && closed.contains(" UTC"),
        "{closed}"
    );
    let response = call(
        &s.app,
        SetTeamTimeZone::PATH,
        Some(&s.admin),
        &[("time_zone", "Asia/Tokyo")],
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let tokyo = page().await;
    assert!(tokyo.contains(" JST"), "{tokyo}");
    assert!(!tokyo.contains(" UTC"), "{tokyo}");
}
