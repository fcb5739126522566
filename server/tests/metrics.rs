//! `GET /metrics` over real HTTP: the exposition parses line by line, carries the
//! per-key gauges (never a secret) and the poll counters after a real poll, and asks
//! for the token when one is configured.

mod dashboard;
mod helpers;

use std::{collections::BTreeMap, time::Duration};

use app::api::polling::{PollNow, PollProgress};
use dashboard::{call, seeded_app};
use engine::config::MetricsToken;
use leptos::server_fn::ServerFn;
use quotaboard::startup::Application;
use reqwest::StatusCode;
use secrecy::SecretString;

/// One sample: metric name, labels, value.
type Sample = (String, BTreeMap<String, String>, f64);

/// A strict reader of the text exposition: every line must be a `# HELP`, `# TYPE`,
/// `# UNIT` or `# EOF` comment or a well-formed sample; the last line is `# EOF`.
fn parse(text: &str) -> Result<Vec<Sample>, String> {
    let mut samples = Vec::new();
    let lines: Vec<&str> = text.lines().collect();
    if lines.last() != Some(&"# EOF") {
        return Err("the exposition does not end with # EOF".into());
    }
    let name_ok = |name: &str| {
        !name.is_empty()
            && name.chars().enumerate().all(|(i, c)| {
                c.is_ascii_alphabetic() || c == '_' || c == ':' || (i > 0 && c.is_ascii_digit())
            })
    };
    for line in &lines[..lines.len() - 1] {
        if let Some(comment) = line.strip_prefix("# ") {
            let mut parts = comment.splitn(3, ' ');
            let (kind, name) = (
                parts.next().unwrap_or_default(),
                parts.next().unwrap_or_default(),
            );
            if !matches!(kind, "HELP" | "TYPE" | "UNIT") || !name_ok(name) {
                return Err(format!("bad comment line: {line}"));
            }
            if kind == "TYPE"
                && !matches!(
                    parts.next(),
                    Some(
                        "counter"
                            | "gauge"
                            | "histogram"
                            | "info"
                            | "stateset"
                            | "unknown"
                            | "summary"
                    )
                )
            {
                return Err(format!("bad type: {line}"));
            }
            continue;
        }
        let (series, value) = line
            .rsplit_once(' ')
            .ok_or_else(|| format!("no value: {line}"))?;
        let value: f64 = match value {
            "+Inf" => f64::INFINITY,
            v => v.parse().map_err(|_| format!("bad value: {line}"))?,
        };
        let (name, labels) = match series.split_once('{') {
            Some((name, rest)) => (
                name,
                rest.strip_suffix('}')
                    .ok_or_else(|| format!("unclosed labels: {line}"))?,
            ),
            None => (series, ""),
        };
        if !name_ok(name) {
            return Err(format!("bad metric name: {line}"));
        }
        let mut map = BTreeMap::new();
        let mut rest = labels;
        while !rest.is_empty() {
            let (key, after) = rest
                .split_once("=\"")
                .ok_or_else(|| format!("bad label: {line}"))?;
            let mut value = String::new();
            let mut chars = after.char_indices();
            let end = loop {
                match chars.next() {
                    Some((_, '\\')) => {
                        let (_, escaped) =
                            chars.next().ok_or_else(|| format!("bad escape: {line}"))?;
                        value.push(match escaped {
                            'n' => '\n',
                            other => other,
                        });
                    }
                    Some((i, '"')) => break i,
                    Some((_, c)) => value.push(c),
                    None => return Err(format!("unterminated label value: {line}")),
                }
            };
            if !name_ok(key) {
                return Err(format!("bad label name: {line}"));
            }
            map.insert(key.to_owned(), value);
            rest = after[end + 1..]
                .strip_prefix(',')
                .unwrap_or(&after[end + 1..]);
        }
        samples.push((name.to_owned(), map, value));
    }
    Ok(samples)
}

fn value(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    samples
        .iter()
        .find(|(n, l, _)| {
            n == name
                && labels
                    .iter()
                    .all(|(k, v)| l.get(*k).map(String::as_str) == Some(*v))
        })
        .map(|(_, _, v)| *v)
}

#[test]
fn the_reader_rejects_broken_expositions() {
    assert!(parse("a_total 1\n# EOF").is_ok());
    assert!(parse("a_total 1\n").is_err(), "no EOF");
    assert!(parse("a-b 1\n# EOF").is_err());
    assert!(parse("a{x=\"1\" 1\n# EOF").is_err());
    assert!(parse("a 1x\n# EOF").is_err());
    assert!(parse("# TYPE a widget\n# EOF").is_err());
}

#[tokio::test]
async fn metrics_expose_key_gauges_and_poll_counters_and_parse() {
    let team = seeded_app().await;
    let gate = team
        .add_key(
            "platerecognizer",
            "Gate \"North\"",
            "gate-north-SECRETMARKER",
            "",
            "",
        )
        .await;
    team.add_key("structocr", "Invoices", "fault-500-invoices", "", "")
        .await;
    let response = call(&team.app, PollNow::PATH, Some(&team.admin), &[]).await;
    assert_eq!(response.status(), StatusCode::OK);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        let state: serde_json::Value = call(&team.app, PollProgress::PATH, Some(&team.admin), &[])
            .await
            .json()
            .await
            .expect("json");
        if state["running"] == false {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "poll never finished"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let response = team
        .app
        .client
        .get(team.app.url("/metrics"))
        .send()
        .await
        .expect("get");
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("application/openmetrics-text")
    );
    let text = response.text().await.expect("body");
    assert!(!text.contains("SECRETMARKER"), "a secret in the metrics");
    let samples = parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));

    let id = gate.0.to_string();
    let key = [
        ("key_id", id.as_str()),
        ("vendor", "platerecognizer"),
        ("label", "Gate \"North\""),
    ];
    let used = value(&samples, "quotaboard_key_used", &key).expect("used gauge");
    let limit = value(&samples, "quotaboard_key_limit", &key).expect("limit gauge");
    let remaining = value(&samples, "quotaboard_key_remaining", &key).expect("remaining gauge");
    assert!(limit > 0.0);
    assert!(
        (limit - used - remaining).abs() < f64::EPSILON,
        "{used} {limit} {remaining}"
    );
    assert_eq!(
        value(
            &samples,
            "quotaboard_key_failures",
            &[("label", "Invoices")]
        ),
        Some(1.0)
    );
    assert_eq!(
        value(&samples, "quotaboard_key_used", &[("label", "Invoices")]),
        None,
        "no figures, no gauge"
    );

    assert_eq!(
        value(
            &samples,
            "quotaboard_polls_total",
            &[("vendor", "platerecognizer"), ("outcome", "ok")]
        ),
        Some(1.0)
    );
    assert_eq!(
        value(
            &samples,
            "quotaboard_polls_total",
            &[("vendor", "structocr"), ("outcome", "error")]
        ),
        Some(1.0)
    );
    assert_eq!(
        value(&samples, "quotaboard_poll_cycles_total", &[]),
        Some(1.0)
    );
    assert_eq!(
        value(
            &samples,
            "quotaboard_poll_duration_seconds_count",
            &[("vendor", "platerecognizer")]
        ),
        Some(1.0)
    );
    assert_eq!(
        value(
            &samples,
            "quotaboard_poll_duration_seconds_bucket",
            &[("vendor", "platerecognizer"), ("le", "+Inf")]
        ),
        Some(1.0)
    );
}

#[tokio::test]
async fn a_configured_token_is_required() {
    let data_dir = tempfile::tempdir().expect("tempdir");
    let token = "metrics-token-0123456789";
    let config = engine::Config {
        metrics_token: Some(MetricsToken(SecretString::from(token.to_owned()))),
        ..helpers::test_config(&data_dir)
    };
    let app = Application::build(config).await.expect("app");
    let url = format!("http://{}/metrics", app.local_addr());
    tokio::spawn(app.run_until_stopped(std::future::pending()));
    let client = reqwest::Client::new();

    for bad in [None, Some("metrics-token-012345678"), Some("wrong")] {
        let mut request = client.get(&url);
        if let Some(bad) = bad {
            request = request.bearer_auth(bad);
        }
        let response = request.send().await.expect("get");
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{bad:?}");
        assert!(response.headers().contains_key("www-authenticate"));
        assert!(!response.text().await.expect("body").contains(token));
    }
    let response = client
        .get(&url)
        .bearer_auth(token)
        .send()
        .await
        .expect("get");
    assert_eq!(response.status(), StatusCode::OK);
    parse(&response.text().await.expect("body")).expect("parses");
}
