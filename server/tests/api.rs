//! Data out over real HTTP: the JSON API and the CSV export, by session and by
//! personal API token (created, used, revoked, audited; wrong tokens refused).

mod dashboard;
mod helpers;

use app::api::{
    auth::Login,
    profile::{CreateApiToken, RevokeApiToken},
};
use dashboard::{PASSWORD, Seeded, call, seeded_app};
use leptos::server_fn::ServerFn;
use reqwest::StatusCode;
use serde_json::Value;

async fn team() -> Seeded {
    let team = seeded_app().await;
    team.add_key(
        "platerecognizer",
        "Gate North",
        "gate-north-key",
        "parking",
        "",
    )
    .await;
    team.add_key("structocr", "Invoices", "fault-500-invoices", "finance", "")
        .await;
    team.add_key(
        "ocr-space",
        "=HYPERLINK(\"http://evil\")",
        "demo-ocr-key",
        "finance",
        "300000",
    )
    .await;
    team.poll_all().await;
    team.poll_all().await;
    team
}

async fn get(team: &Seeded, path: &str, auth: Auth<'_>) -> reqwest::Response {
    let mut request = team.app.client.get(team.app.url(path));
    request = match auth {
        Auth::Cookie(cookie) => request.header("Cookie", cookie),
        Auth::Bearer(token) => request.bearer_auth(token),
        Auth::Header(value) => request.header("Authorization", value),
        Auth::None => request,
    };
    request.send().await.expect("get")
}

#[derive(Clone, Copy)]
enum Auth<'a> {
    Cookie(&'a str),
    Bearer(&'a str),
    Header(&'a str),
    None,
}

async fn json(response: reqwest::Response, expected: StatusCode) -> Value {
    assert_eq!(response.status(), expected);
    response.json().await.expect("json")
}

async fn create_token(team: &Seeded, cookie: &str, name: &str) -> String {
    let response = call(
        &team.app,
        CreateApiToken::PATH,
        Some(cookie),
        &[("name", name)],
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.expect("json");
    body["token"].as_str().expect("token").to_owned()
}

#[tokio::test]
async fn a_personal_token_reads_the_api_until_it_is_revoked() {
    let team = team().await;
    let viewer = team.user("viewer@example.com", "viewer").await;
    let token = create_token(&team, &viewer, "grafana").await;
    assert!(token.starts_with("qb_") && token.len() == 46, "{token}");

    let body = json(
        get(&team, "/api/v1/keys", Auth::Bearer(&token)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(body["keys"].as_array().expect("keys").len(), 3);

    // Only a hash is stored; the list shows a prefix; the audit log names the token
    // without its value.
    let stored: Vec<Vec<u8>> = sqlx::query_scalar("SELECT token_hash FROM api_tokens")
        .fetch_all(team.store.pool())
        .await
        .expect("hashes");
    assert_eq!(stored.len(), 1);
    assert!(
        !stored[0]
            .windows(8)
            .any(|w| token.as_bytes().windows(8).any(|t| t == w))
    );
    let (_, profile) = team.get("/profile", Some(&viewer)).await;
    assert!(profile.contains(&format!("{}…", &token[..7])), "{profile}");
    assert!(!profile.contains(&token), "the token is shown only once");
    let audit: Vec<(String, String)> =
        sqlx::query_as("SELECT action, detail FROM audit_log WHERE action LIKE 'api_token.%'")
            .fetch_all(team.store.pool())
            .await
            .expect("audit");
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].0, "api_token.create");
    assert!(audit[0].1.contains("grafana") && !audit[0].1.contains(&token[3..]));

    // Wrong, malformed and missing tokens are refused, with a reason and the scheme.
    let mut wrong = token.clone();
    wrong.replace_range(10..11, if &token[10..11] == "A" { "B" } else { "A" });
    for auth in [
        Auth::Bearer(&wrong),
        Auth::Bearer("qb_short"),
        Auth::Header("Basic dXNlcjpwYXNz"),
        Auth::None,
    ] {
        let response = get(&team, "/api/v1/keys", auth).await;
        assert_eq!(
            response.headers()["www-authenticate"],
            "Bearer realm=\"quotaboard\""
        );
        let body = json(response, StatusCode::UNAUTHORIZED).await;
        assert!(
            body["error"].as_str().is_some_and(|e| !e.is_empty()),
            "{body}"
        );
    }
    // A bad token is refused even next to a good session cookie.
    let response = team
        .app
        .client
        .get(team.app.url("/api/v1/keys"))
        .header("Cookie", &viewer)
        .bearer_auth(&wrong)
        .send()
        .await
        .expect("get");
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);

    // Someone else cannot revoke it; its owner can, and it stops working.
    let id: i64 = sqlx::query_scalar("SELECT id FROM api_tokens")
        .fetch_one(team.store.pool())
        .await
        .expect("id");
    let response = call(
        &team.app,
        RevokeApiToken::PATH,
        Some(&team.admin),
        &[("id", &id.to_string())],
    )
    .await;
    assert!(!response.status().is_success());
    assert_eq!(
        get(&team, "/api/v1/keys", Auth::Bearer(&token))
            .await
            .status(),
        StatusCode::OK
    );
    let response = call(
        &team.app,
        RevokeApiToken::PATH,
        Some(&viewer),
        &[("id", &id.to_string())],
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        get(&team, "/api/v1/keys", Auth::Bearer(&token))
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    let revoked: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'api_token.revoke'")
            .fetch_one(team.store.pool())
            .await
            .expect("audit");
    assert_eq!(revoked, 1);
}

#[tokio::test]
async fn a_token_needs_a_name() {
    let team = seeded_app().await;
    let response = call(
        &team.app,
        CreateApiToken::PATH,
        Some(&team.admin),
        &[("name", "  ")],
    )
    .await;
    assert!(!response.status().is_success());
    let body = response.text().await.expect("body");
    assert!(body.contains("give the token a name"), "{body}");
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM api_tokens")
        .fetch_one(team.store.pool())
        .await
        .expect("count");
    assert_eq!(count, 0);
}

#[tokio::test]
async fn the_keys_api_gives_latest_readings_status_and_forecast_with_the_overview_filters() {
    let team = team().await;
    let body = json(
        get(&team, "/api/v1/keys?sort=label", Auth::Cookie(&team.admin)).await,
        StatusCode::OK,
    )
    .await;
    let keys = body["keys"].as_array().expect("keys");
    let by_label = |label: &str| {
        keys.iter()
            .find(|k| k["label"] == label)
            .unwrap_or_else(|| panic!("{label} in {body}"))
            .clone()
    };
    let gate = by_label("Gate North");
    assert_eq!(gate["kind"], "key");
    assert_eq!(gate["vendor"], "platerecognizer");
    assert_eq!(gate["status"], "ok");
    assert_eq!(gate["owner_tag"], "parking");
    let (used, limit, remaining) = (
        gate["used"].as_i64().expect("used"),
        gate["limit"].as_i64().expect("limit"),
        gate["remaining"].as_i64().expect("remaining"),
    );
    assert_eq!(limit - used, remaining);
    // Two readings: too few for a trend, and it says why.
    assert_eq!(gate["forecast"]["kind"], "unknown");
    assert_eq!(gate["forecast"]["value"], "too_few_readings");
    assert!(gate["polled_at"].is_string() && gate["as_of"].is_string());
    let failing = by_label("Invoices");
    assert_eq!(failing["status"], "error");
    assert!(
        failing["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("server error"))
    );
    assert_eq!(failing["failures"], 2);
    assert!(failing["used"].is_null());

    let parking = json(
        get(
            &team,
            "/api/v1/keys?owner=parking",
            Auth::Cookie(&team.admin),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(parking["keys"].as_array().map(Vec::len), Some(1));
    let body = json(
        get(
            &team,
            "/api/v1/keys?status=broken",
            Auth::Cookie(&team.admin),
        )
        .await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert!(
        body["error"]
            .as_str()
            .is_some_and(|e| e.contains("status \"broken\"")),
        "{body}"
    );
}

#[tokio::test]
async fn one_keys_history_comes_by_range_and_bad_requests_say_why() {
    let team = team().await;
    let keys = json(
        get(&team, "/api/v1/keys?sort=label", Auth::Cookie(&team.admin)).await,
        StatusCode::OK,
    )
    .await;
    let id = keys["keys"][1]["id"].as_i64().expect("id");
    assert_eq!(keys["keys"][1]["label"], "Gate North");

    let body = json(
        get(
            &team,
            &format!("/api/v1/keys/{id}/history?range=24h"),
            Auth::Cookie(&team.admin),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(body["resolution"], "raw");
    assert_eq!(body["range"], "24h");
    let points = body["points"].as_array().expect("points");
    assert_eq!(points.len(), 2, "two polls: {body}");
    assert_eq!(points[0]["ok"], 1);
    assert!(points[1]["used"].as_i64() >= points[0]["used"].as_i64());
    // Default range: 7 days.
    let week = json(
        get(
            &team,
            &format!("/api/v1/keys/{id}/history"),
            Auth::Cookie(&team.admin),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(week["range"], "7d");

    let missing = json(
        get(&team, "/api/v1/keys/999/history", Auth::Cookie(&team.admin)).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_eq!(missing["error"], "there is no key with id 999");
    let bad_range = json(
        get(
            &team,
            &format!("/api/v1/keys/{id}/history?range=2w"),
            Auth::Cookie(&team.admin),
        )
        .await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert!(
        bad_range["error"]
            .as_str()
            .is_some_and(|e| e.contains("2w")),
        "{bad_range}"
    );
    json(
        get(&team, "/api/v1/keys/abc/history", Auth::Cookie(&team.admin)).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    json(
        get(&team, &format!("/api/v1/keys/{id}/history"), Auth::None).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
}

#[tokio::test]
async fn the_team_csv_has_one_line_per_row_matching_the_api() {
    let team = team().await;
    let token = create_token(&team, &team.admin, "spreadsheet").await;
    let response = get(&team, "/usage.csv?sort=label", Auth::Bearer(&token)).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"],
        "text/csv; charset=utf-8"
    );
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .expect("ascii")
            .starts_with("attachment; filename=\"quotaboard-usage-")
    );
    let csv = response.text().await.expect("body");
    let lines: Vec<&str> = csv.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), 4, "{csv}");
    assert!(
        lines[0].starts_with(
            "kind,key_id,account,vendor,label,owner_tag,enabled,status,used,limit,remaining"
        ),
        "{csv}"
    );
    // A label that looks like a formula is defused (and quoted: it has quotes).
    assert!(
        lines[1].contains("\"'=HYPERLINK(\"\"http://evil\"\")\""),
        "{}",
        lines[1]
    );

    let api = json(
        get(&team, "/api/v1/keys?sort=label", Auth::Bearer(&token)).await,
        StatusCode::OK,
    )
    .await;
    let gate = &api["keys"][1];
    let fields: Vec<&str> = lines[2].split(',').collect();
    assert_eq!(fields[4], "Gate North");
    assert_eq!(fields[7], "ok");
    assert_eq!(fields[8], gate["used"].as_i64().expect("used").to_string());
    assert_eq!(
        fields[9],
        gate["limit"].as_i64().expect("limit").to_string()
    );
    assert!(lines[3].contains(",error,"), "{}", lines[3]);

    // The session works too, filters apply, and no secret is in it.
    let response = get(
        &team,
        "/usage.csv?vendor=structocr",
        Auth::Cookie(&team.admin),
    )
    .await;
    let csv = response.text().await.expect("body");
    assert_eq!(csv.split("\r\n").filter(|l| !l.is_empty()).count(), 2);
    assert!(!csv.contains("fault-500-invoices"));
    assert_eq!(
        get(&team, "/usage.csv", Auth::None).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

/// A form post as a browser without JavaScript sends it.
async fn form_post(
    team: &Seeded,
    path: &str,
    cookie: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    helpers::post_form_from_page(&team.app, path, "/profile", Some(cookie), form).await
}

async fn profile_page(team: &Seeded, cookie: &str) -> (Option<String>, String) {
    let response = team
        .app
        .client
        .get(team.app.url("/profile"))
        .header("Accept", "text/html")
        .header("Cookie", cookie)
        .send()
        .await
        .expect("get");
    assert_eq!(response.status(), StatusCode::OK);
    let cache = response
        .headers()
        .get("cache-control")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    (cache, response.text().await.expect("body"))
}

fn shown_token(html: &str) -> Option<String> {
    let start = html.find("id=\"new-token-value\">")? + "id=\"new-token-value\">".len();
    let end = html[start..].find('<')?;
    Some(html[start..start + end].to_owned())
}

#[tokio::test]
async fn without_javascript_a_new_token_is_shown_once_after_the_redirect() {
    let team = team().await;
    let viewer = team.user("viewer@example.com", "viewer").await;

    // The post answers with a redirect to /profile and no token in it.
    let response = form_post(
        &team,
        CreateApiToken::PATH,
        &viewer,
        &[("name", "cron job")],
    )
    .await;
    assert_eq!(response.status(), StatusCode::FOUND);
    assert_eq!(
        response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok()),
        Some("/profile")
    );
    assert_eq!(
        response
            .headers()
            .get("cache-control")
            .and_then(|v| v.to_str().ok()),
        Some("no-store")
    );
    let body = response.text().await.expect("body");
    assert!(!body.contains("qb_"), "{body}");

    // Another session of the same user does not get it.
    let second = call(
        &team.app,
        Login::PATH,
        None,
        &[("email", "viewer@example.com"), ("password", PASSWORD)],
    )
    .await;
    let (_, other) = profile_page(&team, &helpers::session_pair(&second)).await;
    assert!(shown_token(&other).is_none(), "{other}");

    // The page after the redirect shows it, and says not to keep the page.
    let (cache, page) = profile_page(&team, &viewer).await;
    assert_eq!(cache.as_deref(), Some("no-store"));
    let token = shown_token(&page).expect("the new token is shown");
    assert!(token.starts_with("qb_") && token.len() == 46, "{token}");
    assert!(page.contains("cron job"), "{page}");
    // It is the real token: it reads the API.
    let body = json(
        get(&team, "/api/v1/keys", Auth::Bearer(&token)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(body["keys"].as_array().expect("keys").len(), 3);

    // Once: a reload no longer has it.
    let (cache, again) = profile_page(&team, &viewer).await;
    assert_eq!(cache.as_deref(), Some("no-store"));
    assert!(!again.contains(&token), "shown only once");
    assert!(again.contains(&format!("{}…", &token[..7])), "{again}");

    // Revoking without JavaScript redirects back, and the token stops working.
    let id: i64 = sqlx::query_scalar("SELECT id FROM api_tokens")
        .fetch_one(team.store.pool())
        .await
        .expect("id");
    let response = form_post(
        &team,
        RevokeApiToken::PATH,
        &viewer,
        &[("id", &id.to_string())],
    )
    .await;
    assert_eq!(response.status(), StatusCode::FOUND);
    let response = get(&team, "/api/v1/keys", Auth::Bearer(&token)).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let (_, page) = profile_page(&team, &viewer).await;
    assert!(page.contains("revoked"), "{page}");

    // A refused name loses nothing and shows nothing.
    let response = form_post(&team, CreateApiToken::PATH, &viewer, &[("name", "")]).await;
    assert_eq!(response.status(), StatusCode::FOUND);
    let (_, page) = profile_page(&team, &viewer).await;
    assert!(shown_token(&page).is_none(), "{page}");
}

#[tokio::test]
async fn with_javascript_the_answer_carries_the_token_and_nothing_waits() {
    let team = team().await;
    let viewer = team.user("viewer@example.com", "viewer").await;
    let response = call(
        &team.app,
        CreateApiToken::PATH,
        Some(&viewer),
        &[("name", "script")],
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response
            .headers()
            .get("cache-control")
            .and_then(|v| v.to_str().ok()),
        Some("no-store")
    );
    let body: Value = response.json().await.expect("json");
    let token = body["token"].as_str().expect("token").to_owned();
    let (_, page) = profile_page(&team, &viewer).await;
    assert!(shown_token(&page).is_none(), "{page}");
    assert!(!page.contains(&token));
}
