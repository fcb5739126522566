//! Team and key management through the real binary (CLI) and the running server
//! (cross-site guard).

mod helpers;

use std::{
    io::Write,
    path::Path,
    process::{Command, Output, Stdio},
};

use helpers::spawn_app;
use reqwest::StatusCode;

const BIN: &str = env!("CARGO_BIN_EXE_quotaboard");
const MARKER: &str = "MARKER-cli-secret-9d8c7b6a5f4e";
const PASSWORD: &str = "a long admin passphrase";
/// `key add` of a StructOCR key labelled `a`, its secret on stdin.
const ADD_STRUCTOCR_KEY: [&str; 7] = [
    "key",
    "add",
    "--vendor",
    "structocr",
    "--label",
    "a",
    "--secret-stdin",
];

/// Runs the binary in `dir` with `stdin` piped in.
fn run(dir: &Path, args: &[&str], stdin: &str, env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(BIN);
    command
        .args(args)
        .current_dir(dir)
        .env("QUOTABOARD_DATA_DIR", dir.join("data"))
        .env("QUOTABOARD_LOG", "debug")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (name, value) in env {
        command.env(name, value);
    }
    let mut child = command.spawn().expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    child.wait_with_output().expect("wait")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[test]
fn cli_adds_users_and_keys_from_stdin_and_lists_keys_masked() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = run(
        dir.path(),
        &[
            "user",
            "add",
            "--email",
            "Admin@Example.com",
            "--role",
            "admin",
            "--password-stdin",
        ],
        &format!("{PASSWORD}\n"),
        &[],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("admin@example.com (admin)"));

    let out = run(dir.path(), &["user", "list"], "", &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("admin@example.com\tadmin\tenabled"));

    let out = run(
        dir.path(),
        &[
            "key",
            "add",
            "--vendor",
            "ocr-space",
            "--label",
            "Main OCR",
            "--secret-stdin",
            "--limit",
            "25,000",
            "--owner",
            "team-ocr",
        ],
        &format!("{MARKER}\n"),
        &[],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let logs = format!("{}{}", text(&out.stdout), text(&out.stderr));

    let out = run(dir.path(), &["key", "list"], "", &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let list = text(&out.stdout);
    assert!(
        list.contains("ocr-space\tMain OCR\t••••5f4e\tteam-ocr\tenabled"),
        "{list}"
    );
    assert!(!list.contains(MARKER), "{list}");
    for output in [&logs, &list, &text(&out.stderr)] {
        assert!(!output.contains(MARKER), "{output}");
        assert!(!output.contains(PASSWORD), "{output}");
    }

    // Bad input: a clear error per flag and a non-zero exit; nothing stored.
    let out = run(
        dir.path(),
        &[
            "key",
            "add",
            "--vendor",
            "acme",
            "--label",
            "",
            "--secret-stdin",
            "--limit",
            "0",
        ],
        "",
        &[],
    );
    assert!(!out.status.success());
    let error = text(&out.stderr);
    for flag in ["--vendor", "--label", "--limit"] {
        assert!(error.contains(flag), "{error}");
    }
    let out = run(
        dir.path(),
        &[
            "user",
            "add",
            "--email",
            "admin@example.com",
            "--role",
            "viewer",
            "--password-stdin",
        ],
        &format!("{PASSWORD}\n"),
        &[],
    );
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("exists already"),
        "{}",
        text(&out.stderr)
    );

    // The database file holds no plaintext secret or password.
    let mut bytes = std::fs::read(dir.path().join("data/quotaboard.db")).expect("db");
    if let Ok(wal) = std::fs::read(dir.path().join("data/quotaboard.db-wal")) {
        bytes.extend(wal);
    }
    assert!(!contains(&bytes, MARKER));
    assert!(!contains(&bytes, PASSWORD));
}

#[test]
fn rotate_master_key_keeps_keys_usable_through_the_cli() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = run(dir.path(), &ADD_STRUCTOCR_KEY, MARKER, &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let before = std::fs::read(dir.path().join("data/master.key")).expect("key");
    let out = run(dir.path(), &["rotate-master-key"], "", &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("1 secret(s) re-encrypted"),
        "{}",
        text(&out.stdout)
    );
    assert_ne!(
        std::fs::read(dir.path().join("data/master.key")).expect("key"),
        before
    );
    let out = run(dir.path(), &["key", "list"], "", &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
}

#[test]
fn rotate_master_key_with_environment_keys_through_the_cli() {
    const OLD: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    const NEW: &str = "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=";
    let dir = tempfile::tempdir().expect("tempdir");
    let out = run(
        dir.path(),
        &ADD_STRUCTOCR_KEY,
        MARKER,
        &[("QUOTABOARD_MASTER_KEY", OLD)],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    // Without QUOTABOARD_MASTER_KEY_NEXT it says what to set.
    let out = run(
        dir.path(),
        &["rotate-master-key"],
        "",
        &[("QUOTABOARD_MASTER_KEY", OLD)],
    );
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("QUOTABOARD_MASTER_KEY_NEXT"),
        "{}",
        text(&out.stderr)
    );
    let out = run(
        dir.path(),
        &["rotate-master-key"],
        "",
        &[
            ("QUOTABOARD_MASTER_KEY", OLD),
            ("QUOTABOARD_MASTER_KEY_NEXT", NEW),
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let said = text(&out.stdout);
    assert!(said.contains("1 secret(s) re-encrypted"), "{said}");
    assert!(said.contains("set QUOTABOARD_MASTER_KEY"), "{said}");
    assert!(!said.contains(OLD) && !said.contains(NEW), "{said}");
    assert!(!dir.path().join("data/master.key").exists());
    // After the swap the new key alone reads the key.
    let out = run(
        dir.path(),
        &["key", "list"],
        "",
        &[("QUOTABOARD_MASTER_KEY", NEW)],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains(&MARKER[MARKER.len() - 4..]));
    let out = run(
        dir.path(),
        &["key", "list"],
        "",
        &[("QUOTABOARD_MASTER_KEY", OLD)],
    );
    assert!(!out.status.success());
}

#[test]
fn serving_with_a_wrong_master_key_stops_with_a_clear_error_and_touches_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = run(dir.path(), &ADD_STRUCTOCR_KEY, MARKER, &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let db = dir.path().join("data/quotaboard.db");
    let before = std::fs::read(&db).expect("db");
    let mtime = std::fs::metadata(&db)
        .expect("meta")
        .modified()
        .expect("mtime");

    let out = run(
        dir.path(),
        &["serve"],
        "",
        &[
            (
                "QUOTABOARD_MASTER_KEY",
                "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
            ),
            ("QUOTABOARD_LISTEN_ADDR", "127.0.0.1:0"),
        ],
    );
    assert!(!out.status.success());
    let error = text(&out.stderr);
    assert!(
        error.contains("the master key does not match this database"),
        "{error}"
    );
    assert!(error.contains("QUOTABOARD_MASTER_KEY"), "{error}");
    assert!(
        !error.contains("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="),
        "{error}"
    );
    assert_eq!(std::fs::read(&db).expect("db"), before);
    assert_eq!(
        std::fs::metadata(&db)
            .expect("meta")
            .modified()
            .expect("mtime"),
        mtime
    );

    // A key that is not 32 bytes is a configuration error naming the variable.
    let out = run(
        dir.path(),
        &["serve"],
        "",
        &[("QUOTABOARD_MASTER_KEY", "c2hvcnQ=")],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("QUOTABOARD_MASTER_KEY"));
}

/// The theme form's server function action, from the rendered page.
async fn theme_action(app: &helpers::TestApp) -> String {
    let (_, html) = app.get_html("/login").await;
    let start = html.find("<form ").expect("form");
    let element = &html[start..];
    let value = &element[element.find("action=\"").expect("action") + 8..];
    value[..value.find('"').expect("quote")].to_owned()
}

#[tokio::test]
async fn cross_site_posts_are_refused_and_same_origin_posts_pass() {
    let app = spawn_app().await;
    let action = theme_action(&app).await;
    let host = app.addr.to_string();
    let post = |headers: Vec<(&'static str, String)>| {
        let mut request = app
            .client
            .post(app.url(&action))
            .header("Accept", "text/html")
            .header("Referer", app.url("/keys"))
            .form(&[("theme", "dark")]);
        for (name, value) in headers {
            request = request.header(name, value);
        }
        request.send()
    };

    for headers in [
        vec![("Sec-Fetch-Site", "cross-site".to_owned())],
        vec![("Sec-Fetch-Site", "same-site".to_owned())],
        vec![("Origin", "http://evil.example".to_owned())],
        vec![("Origin", "null".to_owned())],
    ] {
        let response = post(headers.clone()).await.expect("post");
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{headers:?}");
        assert!(response.headers().get("set-cookie").is_none());
        let body = response.text().await.expect("body");
        assert!(body.contains("cross-site request refused"), "{body}");
    }

    for headers in [
        vec![("Sec-Fetch-Site", "same-origin".to_owned())],
        vec![("Origin", format!("http://{host}"))],
        vec![],
    ] {
        let response = post(headers.clone()).await.expect("post");
        assert!(
            response.status().is_redirection(),
            "{headers:?}: {}",
            response.status()
        );
        assert!(response.headers().get("set-cookie").is_some());
    }

    assert!(app.data_dir.path().join("master.key").is_file());
    // Reading is never blocked.
    let response = app
        .client
        .get(app.url("/login"))
        .header("Sec-Fetch-Site", "cross-site")
        .send()
        .await
        .expect("get");
    assert_eq!(response.status(), StatusCode::OK);
}

#[test]
fn poll_once_prints_a_summary_and_fails_only_when_it_cannot_run() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let sim = runtime
        .block_on(simulator::spawn(simulator::SimulatorOptions::default()))
        .expect("simulator");
    let dir = tempfile::tempdir().expect("tempdir");
    let base = sim.base_url();
    for (vendor, label, secret) in [
        ("structocr", "prod-eu", "healthy-structocr-cli"),
        ("platerecognizer", "gates", "invalid-pr-cli-key"),
    ] {
        let added = run(
            dir.path(),
            &[
                "key",
                "add",
                "--vendor",
                vendor,
                "--label",
                label,
                "--secret-stdin",
                "--base-url",
                &base,
            ],
            secret,
            &[],
        );
        assert!(added.status.success(), "{}", text(&added.stderr));
    }

    let polled = run(dir.path(), &["poll", "--once"], "", &[]);
    // A vendor rejecting a key is a result to report, not a failed command.
    assert!(polled.status.success(), "{}", text(&polled.stderr));
    let out = text(&polled.stdout);
    assert!(out.contains("2 keys: 1 ok, 1 failed, 0 skipped"), "{out}");
    assert!(out.contains("prod-eu"), "{out}");
    assert!(out.contains("the vendor rejected the key"), "{out}");
    for output in [&polled.stdout, &polled.stderr] {
        assert!(!contains(output, "healthy-structocr-cli"));
        assert!(!contains(output, "invalid-pr-cli-key"));
    }

    let one = run(dir.path(), &["poll", "--once", "--key", "1"], "", &[]);
    assert!(
        text(&one.stdout).contains("1 keys: 1 ok"),
        "{}",
        text(&one.stdout)
    );

    // The run itself cannot happen: the database path is unusable.
    let broken = run(
        dir.path(),
        &["poll", "--once"],
        "",
        &[(
            "QUOTABOARD_DATABASE_URL",
            "sqlite:///nonexistent-dir/x/quotaboard.db",
        )],
    );
    assert!(!broken.status.success());
    assert!(
        text(&broken.stderr).contains("opening the database"),
        "{}",
        text(&broken.stderr)
    );
}
