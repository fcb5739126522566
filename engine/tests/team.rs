//! Users, sessions, keys and secrets against a real SQLite file in a temp dir.

use std::{
    io::Write,
    path::Path,
    sync::{Arc, Mutex},
};

use chrono::{DateTime, Duration, Utc};
use domain::{KeyForm, KeyId, Role, UserId};
use engine::{
    Config, Store,
    auth::{self, LoginError, SessionSettings},
    secrets::{RotationLimit, Secrets, SecretsError, rotate_master_key},
    store::{audit::AuditActor, keys, users::User},
    team::{self, Actor, KeyInput, NewUser, TeamError},
};
use secrecy::{ExposeSecret, SecretString};
use tempfile::TempDir;

const MARKER: &str = "MARKER-sk-live-7f3a9c2e51d04b8e";
const PASSWORD: &str = "correct horse battery staple";

fn now() -> DateTime<Utc> {
    "2026-12-01T08:00:00Z".parse().expect("date")
}

fn config(dir: &TempDir) -> Config {
    Config {
        data_dir: dir.path().to_path_buf(),
        ..Config::default()
    }
}

async fn open(dir: &TempDir) -> (Store, Secrets) {
    let config = config(dir);
    let store = Store::open(&config).await.expect("store");
    let secrets = Secrets::load(&config, &store).await.expect("secrets");
    (store, secrets)
}

fn secret(text: &str) -> SecretString {
    SecretString::from(text.to_owned())
}

fn key_input(vendor: &str, label: &str, secret_text: &str) -> KeyInput {
    KeyInput {
        form: KeyForm {
            vendor: vendor.into(),
            label: label.into(),
            owner_tag: "team-ocr".into(),
            base_url: "http://127.0.0.1:4010".into(),
            monthly_limit: "25000".into(),
            poll_interval_minutes: String::new(),
        },
        secret: secret(secret_text),
    }
}

async fn add_user(store: &Store, email: &str, role: Role) -> User {
    let id = team::create_user(
        store,
        &Actor::Cli,
        NewUser {
            email: email.into(),
            role,
            password: secret(PASSWORD),
        },
        now(),
    )
    .await
    .expect("user");
    engine::store::users::get(store.pool(), id)
        .await
        .expect("get")
        .expect("exists")
}

async fn stored_secret(
    store: &Store,
    secrets: &Secrets,
    id: KeyId,
) -> Result<String, SecretsError> {
    let row = keys::get_sealed(store.pool(), id)
        .await
        .expect("query")
        .expect("row");
    let sealed = row.sealed.expect("sealed");
    secrets
        .open(id, row.row.key_version, &sealed)
        .map(|s| s.expose_secret().to_owned())
}

/// Every byte of the database, WAL included, after a checkpoint.
async fn database_bytes(store: &Store, dir: &Path) -> Vec<u8> {
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(store.pool())
        .await
        .expect("checkpoint");
    let mut bytes = std::fs::read(dir.join("quotaboard.db")).expect("db");
    if let Ok(wal) = std::fs::read(dir.join("quotaboard.db-wal")) {
        bytes.extend(wal);
    }
    bytes
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[tokio::test]
async fn database_holds_no_plaintext_secret_and_list_is_masked() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (store, secrets) = open(&dir).await;
    let id = team::create_key(
        &store,
        &secrets,
        &Actor::Cli,
        key_input("structocr", "main", MARKER),
        now(),
    )
    .await
    .expect("create");
    assert_eq!(
        stored_secret(&store, &secrets, id).await.expect("opens"),
        MARKER
    );

    let bytes = database_bytes(&store, dir.path()).await;
    assert!(
        !contains(&bytes, MARKER),
        "plaintext secret in the database file"
    );
    // The hint is the only part stored in clear, by design.
    assert!(contains(&bytes, "4b8e"));
    // A dump-like read of every text and blob column.
    let dump: Vec<(String,)> = sqlx::query_as(
        "SELECT quote(id) || quote(vendor) || quote(label) || quote(secret_ciphertext) || quote(secret_nonce) || \
         quote(secret_hint) || quote(master_key_id) FROM api_keys UNION ALL SELECT detail FROM audit_log",
    )
    .fetch_all(store.pool())
    .await
    .expect("dump");
    for (line,) in &dump {
        assert!(!line.contains(MARKER), "{line}");
        assert!(!line.to_uppercase().contains(&hex(MARKER)), "{line}");
    }

    let list = team::list_keys(&store, &Actor::Cli).await.expect("list");
    assert_eq!(list.len(), 1);
    assert_eq!(
        list[0].secret.as_ref().expect("masked").to_string(),
        "••••4b8e"
    );
    assert!(!format!("{list:?}").contains(MARKER));
}

fn hex(text: &str) -> String {
    text.bytes().map(|b| format!("{b:02X}")).collect()
}

#[tokio::test]
async fn a_ciphertext_swapped_between_rows_does_not_open() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (store, secrets) = open(&dir).await;
    let a = team::create_key(
        &store,
        &secrets,
        &Actor::Cli,
        key_input("structocr", "a", "secret-aaaaaaaaaaaa"),
        now(),
    )
    .await
    .expect("a");
    let b = team::create_key(
        &store,
        &secrets,
        &Actor::Cli,
        key_input("structocr", "b", "secret-bbbbbbbbbbbb"),
        now(),
    )
    .await
    .expect("b");
    sqlx::query(
        "UPDATE api_keys SET secret_ciphertext = (SELECT secret_ciphertext FROM api_keys WHERE id = ?), \
         secret_nonce = (SELECT secret_nonce FROM api_keys WHERE id = ?) WHERE id = ?",
    )
    .bind(a.0)
    .bind(a.0)
    .bind(b.0)
    .execute(store.pool())
    .await
    .expect("swap");
    let error = stored_secret(&store, &secrets, b)
        .await
        .expect_err("must not open");
    assert!(matches!(error, SecretsError::Undecryptable { key_id } if key_id == b));
    assert!(error.to_string().contains("cannot be decrypted"), "{error}");
    let error = team::key_credential(&store, &secrets, &Actor::Cli, b)
        .await
        .expect_err("credential fails");
    assert!(error.to_string().contains("cannot be decrypted"), "{error}");
    // The other row is untouched.
    assert_eq!(
        stored_secret(&store, &secrets, a).await.expect("a opens"),
        "secret-aaaaaaaaaaaa"
    );
}

#[tokio::test]
async fn a_replaced_secret_gets_a_new_version_and_old_ciphertext_stops_opening() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (store, secrets) = open(&dir).await;
    let id = team::create_key(
        &store,
        &secrets,
        &Actor::Cli,
        key_input("structocr", "a", "first-secret-1111"),
        now(),
    )
    .await
    .expect("a");
    let old = keys::get_sealed(store.pool(), id)
        .await
        .expect("q")
        .expect("row");
    team::update_key(
        &store,
        &secrets,
        &Actor::Cli,
        id,
        key_input("structocr", "a2", "second-secret-2222"),
        now(),
    )
    .await
    .expect("update");
    assert_eq!(
        stored_secret(&store, &secrets, id).await.expect("opens"),
        "second-secret-2222"
    );
    let new = keys::get_sealed(store.pool(), id)
        .await
        .expect("q")
        .expect("row");
    assert_eq!(new.row.key_version, 2);
    assert!(secrets.open(id, 2, &old.sealed.expect("sealed")).is_err());
    // A blank secret on edit keeps the stored one.
    team::update_key(
        &store,
        &secrets,
        &Actor::Cli,
        id,
        key_input("structocr", "a3", ""),
        now(),
    )
    .await
    .expect("update");
    assert_eq!(
        stored_secret(&store, &secrets, id).await.expect("opens"),
        "second-secret-2222"
    );
}

#[tokio::test]
async fn wrong_master_key_is_a_clear_error_and_changes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    {
        let (store, secrets) = open(&dir).await;
        team::create_key(
            &store,
            &secrets,
            &Actor::Cli,
            key_input("structocr", "main", MARKER),
            now(),
        )
        .await
        .expect("create");
        store.close().await;
    }
    let db = dir.path().join("quotaboard.db");
    let before = std::fs::read(&db).expect("db");
    let mtime = std::fs::metadata(&db)
        .expect("meta")
        .modified()
        .expect("mtime");
    let key_before = std::fs::read(dir.path().join("master.key")).expect("key");

    let wrong = Config {
        master_key: Some(engine::config::MasterKeyText(secret(
            "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
        ))),
        ..config(&dir)
    };
    let store = Store::open(&wrong).await.expect("store opens");
    let error = Secrets::load(&wrong, &store).await.expect_err("wrong key");
    store.close().await;
    let text = error.to_string();
    assert!(
        text.contains("the master key does not match this database"),
        "{text}"
    );
    assert!(text.contains("QUOTABOARD_MASTER_KEY"), "{text}");

    // A damaged key file: the error names the file.
    std::fs::write(dir.path().join("master.key"), b"not a key\n").expect("write");
    let store = Store::open(&config(&dir)).await.expect("store opens");
    let error = Secrets::load(&config(&dir), &store)
        .await
        .expect_err("bad file");
    store.close().await;
    assert!(error.to_string().contains("master.key"), "{error}");
    std::fs::write(dir.path().join("master.key"), &key_before).expect("restore");

    assert_eq!(
        std::fs::read(&db).expect("db"),
        before,
        "database bytes changed"
    );
    assert_eq!(
        std::fs::metadata(&db)
            .expect("meta")
            .modified()
            .expect("mtime"),
        mtime
    );
}

#[tokio::test]
async fn master_key_file_is_private_and_a_missing_file_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let (store, _) = open(&dir).await;
    let mode = std::fs::metadata(dir.path().join("master.key"))
        .expect("key file")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    std::fs::remove_file(dir.path().join("master.key")).expect("rm");
    let error = Secrets::load(&config(&dir), &store)
        .await
        .expect_err("missing");
    assert!(
        matches!(error, SecretsError::KeyFileMissing { .. }),
        "{error}"
    );
    assert!(
        !dir.path().join("master.key").exists(),
        "must not regenerate"
    );
}

#[tokio::test]
async fn rotation_keeps_every_key_readable_and_resumes_after_interruption() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (store, secrets) = open(&dir).await;
    let mut ids = Vec::new();
    for n in 0..5 {
        let text = format!("rotating-secret-{n:04}");
        ids.push(
            team::create_key(
                &store,
                &secrets,
                &Actor::Cli,
                key_input("structocr", &format!("k{n}"), &text),
                now(),
            )
            .await
            .expect("create"),
        );
    }
    let old_id = secrets.primary_id().to_owned();
    let cfg = config(&dir);

    // Interrupted after two rows: master.key.next exists, rows are mixed.
    let report = rotate_master_key(
        &cfg,
        &store,
        AuditActor::Cli,
        RotationLimit::StopAfterRows(2),
    )
    .await
    .expect("partial");
    assert!(!report.finished);
    assert_eq!(report.resealed, 2);
    assert!(dir.path().join("master.key.next").exists());
    // A restart in between still opens every key (both keys are loaded).
    let mid = Secrets::load(&cfg, &store)
        .await
        .expect("mid-rotation load");
    assert_eq!(mid.primary_id(), old_id);
    for (n, id) in ids.iter().enumerate() {
        assert_eq!(
            stored_secret(&store, &mid, *id).await.expect("opens"),
            format!("rotating-secret-{n:04}")
        );
    }
    // A key added mid-rotation is sealed with the old key and picked up too.
    let late = team::create_key(
        &store,
        &mid,
        &Actor::Cli,
        key_input("structocr", "late", "late-secret-000000"),
        now(),
    )
    .await
    .expect("late");
    ids.push(late);

    let report = rotate_master_key(&cfg, &store, AuditActor::Cli, RotationLimit::Unlimited)
        .await
        .expect("resumed");
    assert!(report.finished);
    assert_eq!(report.resealed, 4);
    assert!(!dir.path().join("master.key.next").exists());
    let after = Secrets::load(&cfg, &store)
        .await
        .expect("load after rotation");
    assert_eq!(after.primary_id(), report.new_key_id);
    assert_ne!(after.primary_id(), old_id);
    for id in &ids {
        stored_secret(&store, &after, *id)
            .await
            .expect("opens under the new key");
    }
    let in_use = keys::master_key_ids_in_use(store.pool())
        .await
        .expect("ids");
    assert_eq!(in_use, vec![report.new_key_id.clone()]);
    // The old key alone no longer matches.
    assert!(Secrets::load(&cfg, &store).await.is_ok());
}

#[tokio::test]
async fn rotation_interrupted_after_the_check_value_finishes_on_the_next_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (store, secrets) = open(&dir).await;
    let id = team::create_key(
        &store,
        &secrets,
        &Actor::Cli,
        key_input("structocr", "a", "crash-secret-0000"),
        now(),
    )
    .await
    .expect("create");
    let cfg = config(&dir);
    rotate_master_key(&cfg, &store, AuditActor::Cli, RotationLimit::Unlimited)
        .await
        .expect("rotate");
    // Simulate a crash between the check-value update and the rename: put the old
    // key file back and the new one under .next.
    let new_key = std::fs::read(dir.path().join("master.key")).expect("new");
    std::fs::write(dir.path().join("master.key.next"), &new_key).expect("next");
    // What master.key holds then (the old key) no longer matters: every row and
    // the check value are already under the new key.
    std::fs::write(
        dir.path().join("master.key"),
        b"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n",
    )
    .expect("old");
    let mid = Secrets::load(&cfg, &store).await.expect("loads via .next");
    stored_secret(&store, &mid, id).await.expect("opens");
    let report = rotate_master_key(&cfg, &store, AuditActor::Cli, RotationLimit::Unlimited)
        .await
        .expect("finish");
    assert!(report.finished);
    assert_eq!(report.resealed, 0);
    assert_eq!(
        std::fs::read(dir.path().join("master.key")).expect("key"),
        new_key
    );
    assert!(!dir.path().join("master.key.next").exists());
}

fn env_keys(current: &str, next: Option<&str>, dir: &TempDir) -> Config {
    Config {
        master_key: Some(engine::config::MasterKeyText(secret(current))),
        master_key_next: next.map(|n| engine::config::MasterKeyText(secret(n))),
        ..config(dir)
    }
}

#[tokio::test]
async fn rotation_with_environment_keys_moves_every_secret_to_the_next_key() {
    const OLD: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    const NEW: &str = "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=";
    let dir = tempfile::tempdir().expect("tempdir");
    let old_only = env_keys(OLD, None, &dir);
    let store = Store::open(&old_only).await.expect("store");
    let secrets = Secrets::load(&old_only, &store).await.expect("secrets");
    let mut ids = Vec::new();
    for n in 0..4 {
        ids.push(
            team::create_key(
                &store,
                &secrets,
                &Actor::Cli,
                key_input("structocr", &format!("k{n}"), &format!("env-secret-{n:04}")),
                now(),
            )
            .await
            .expect("create"),
        );
    }

    // Without the next key there is nothing to rotate to: a clear error, no change.
    let error = rotate_master_key(&old_only, &store, AuditActor::Cli, RotationLimit::Unlimited)
        .await
        .expect_err("needs the next key");
    assert!(
        matches!(error, SecretsError::RotationNeedsNextKey),
        "{error}"
    );
    assert!(error.to_string().contains("QUOTABOARD_MASTER_KEY_NEXT"));
    assert!(!error.to_string().contains(OLD));

    // Interrupted half way: the server loads both keys and opens every secret.
    let both = env_keys(OLD, Some(NEW), &dir);
    let report = rotate_master_key(
        &both,
        &store,
        AuditActor::Cli,
        RotationLimit::StopAfterRows(2),
    )
    .await
    .expect("partial");
    assert!(!report.finished && report.from_environment);
    let mid = Secrets::load(&both, &store)
        .await
        .expect("mid-rotation load");
    for (n, id) in ids.iter().enumerate() {
        assert_eq!(
            stored_secret(&store, &mid, *id).await.expect("opens"),
            format!("env-secret-{n:04}")
        );
    }
    // The old key alone can no longer open the moved rows, and says which key to add.
    let error = Secrets::load(&old_only, &store)
        .await
        .expect_err("half moved");
    assert!(
        error.to_string().contains("QUOTABOARD_MASTER_KEY_NEXT"),
        "{error}"
    );

    let report = rotate_master_key(&both, &store, AuditActor::Cli, RotationLimit::Unlimited)
        .await
        .expect("resumed");
    assert!(report.finished);
    assert_eq!(report.resealed, 2);
    // No key file appears: the keys live in the environment.
    assert!(!dir.path().join("master.key").exists());
    assert!(!dir.path().join("master.key.next").exists());

    // Both variables still set (before the operator swaps them): the new key seals.
    let after = Secrets::load(&both, &store).await.expect("both set");
    assert_eq!(after.primary_id(), report.new_key_id);
    // The new key alone, as QUOTABOARD_MASTER_KEY: every secret opens.
    let new_only = env_keys(NEW, None, &dir);
    let swapped = Secrets::load(&new_only, &store)
        .await
        .expect("new key alone");
    for (n, id) in ids.iter().enumerate() {
        assert_eq!(
            stored_secret(&store, &swapped, *id).await.expect("opens"),
            format!("env-secret-{n:04}")
        );
    }
    // The old key alone is now the wrong key.
    let error = Secrets::load(&old_only, &store).await.expect_err("old key");
    assert!(
        matches!(error, SecretsError::WrongMasterKey { .. }),
        "{error}"
    );
    let in_use = keys::master_key_ids_in_use(store.pool())
        .await
        .expect("ids");
    assert_eq!(in_use, vec![report.new_key_id.clone()]);
}

#[tokio::test]
async fn the_eleventh_failed_login_is_refused_even_with_the_right_password() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (store, _) = open(&dir).await;
    add_user(&store, "ada@example.com", Role::Admin).await;
    let settings = SessionSettings::default();
    for n in 0..10 {
        let error = auth::login(
            &store,
            &settings,
            "ada@example.com",
            secret("wrong password!!"),
            "10.0.0.1",
            now() + Duration::seconds(n),
        )
        .await
        .expect_err("wrong password");
        assert!(matches!(error, LoginError::InvalidCredentials));
    }
    let error = auth::login(
        &store,
        &settings,
        "ADA@example.com",
        secret(PASSWORD),
        "10.0.0.2",
        now() + Duration::seconds(20),
    )
    .await
    .expect_err("locked");
    let LoginError::TooManyAttempts { retry_after } = &error else {
        panic!("expected TooManyAttempts, got {error:?}");
    };
    assert!(*retry_after > Duration::zero() && *retry_after <= Duration::minutes(5));
    assert!(
        error.to_string().contains("too many failed logins"),
        "{error}"
    );
    // After the window the right password works again.
    auth::login(
        &store,
        &settings,
        "ada@example.com",
        secret(PASSWORD),
        "10.0.0.2",
        now() + Duration::minutes(6),
    )
    .await
    .expect("window passed");
}

#[tokio::test]
async fn one_address_failing_across_many_accounts_is_limited_too() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (store, _) = open(&dir).await;
    add_user(&store, "bob@example.com", Role::Viewer).await;
    let settings = SessionSettings::default();
    for n in 0..10 {
        let email = format!("user{n}@example.com");
        let error = auth::login(
            &store,
            &settings,
            &email,
            secret("whatever-password"),
            "203.0.113.9",
            now(),
        )
        .await
        .expect_err("unknown");
        // Unknown accounts get exactly the wrong-password answer.
        assert_eq!(error.to_string(), "wrong e-mail address or password");
    }
    let error = auth::login(
        &store,
        &settings,
        "bob@example.com",
        secret(PASSWORD),
        "203.0.113.9",
        now(),
    )
    .await
    .expect_err("address locked");
    assert!(matches!(error, LoginError::TooManyAttempts { .. }));
    // Another address is not affected.
    auth::login(
        &store,
        &settings,
        "bob@example.com",
        secret(PASSWORD),
        "198.51.100.1",
        now(),
    )
    .await
    .expect("other address");
}

#[tokio::test]
async fn a_session_is_written_at_most_once_a_minute_not_on_every_request() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (store, _) = open(&dir).await;
    add_user(&store, "eve@example.com", Role::Editor).await;
    let settings = SessionSettings {
        idle: Duration::minutes(30),
        absolute: Duration::hours(2),
    };
    let (_, token) = auth::login(
        &store,
        &settings,
        "eve@example.com",
        secret(PASSWORD),
        "10.0.0.1",
        now(),
    )
    .await
    .expect("login");
    let last_seen = || async {
        sqlx::query_scalar::<_, String>("SELECT last_seen_at FROM sessions")
            .fetch_one(store.pool())
            .await
            .expect("last seen")
    };
    let at_login = last_seen().await;
    let seen = |at| auth::session_user(&store, &settings, &token, at);

    // Requests within the minute read the session and leave it as it was.
    for seconds in [1, 30, 59] {
        let user = seen(now() + Duration::seconds(seconds)).await.expect("q");
        assert!(user.is_some(), "{seconds} s");
        assert_eq!(last_seen().await, at_login, "{seconds} s");
    }
    // After it, one request moves it, so being active still keeps the session alive.
    assert!(
        seen(now() + Duration::seconds(61))
            .await
            .expect("q")
            .is_some()
    );
    assert_eq!(last_seen().await, "2026-12-01T08:01:01.000Z");
    assert!(
        seen(now() + Duration::minutes(30))
            .await
            .expect("q")
            .is_some()
    );
    assert!(
        seen(now() + Duration::minutes(59))
            .await
            .expect("q")
            .is_some()
    );
    // Idle for longer than 30 minutes since the last write ends it.
    assert!(
        seen(now() + Duration::minutes(90))
            .await
            .expect("q")
            .is_none()
    );
}

#[tokio::test]
async fn sessions_expire_end_at_logout_are_new_per_login_and_die_with_the_user() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (store, _) = open(&dir).await;
    let admin = add_user(&store, "admin@example.com", Role::Admin).await;
    let user = add_user(&store, "eve@example.com", Role::Editor).await;
    let settings = SessionSettings {
        idle: Duration::minutes(30),
        absolute: Duration::hours(2),
    };
    let login = |at| {
        auth::login(
            &store,
            &settings,
            "eve@example.com",
            secret(PASSWORD),
            "10.0.0.1",
            at,
        )
    };

    let (_, first) = login(now()).await.expect("login");
    let (_, second) = login(now()).await.expect("login again");
    assert_ne!(
        first.cookie_value(),
        second.cookie_value(),
        "new token per login"
    );
    assert!(!format!("{first:?}").contains(first.cookie_value()));
    let seen = auth::session_user(&store, &settings, &first, now() + Duration::minutes(20))
        .await
        .expect("q");
    assert_eq!(seen.map(|u| u.id), Some(user.id));
    // Active every 20 minutes keeps it alive, but not past the absolute limit.
    for m in [40, 60, 80, 100] {
        assert!(
            auth::session_user(&store, &settings, &first, now() + Duration::minutes(m))
                .await
                .expect("q")
                .is_some(),
            "{m}"
        );
    }
    assert!(
        auth::session_user(&store, &settings, &first, now() + Duration::minutes(121))
            .await
            .expect("q")
            .is_none()
    );
    // Idle for longer than 30 minutes ends it.
    assert!(
        auth::session_user(&store, &settings, &second, now() + Duration::minutes(31))
            .await
            .expect("q")
            .is_none()
    );

    let (_, third) = login(now()).await.expect("login");
    assert!(auth::logout(&store, &third).await.expect("logout"));
    assert!(
        auth::session_user(&store, &settings, &third, now())
            .await
            .expect("q")
            .is_none()
    );

    let (_, fourth) = login(now()).await.expect("login");
    team::set_user_disabled(&store, &Actor::User(admin), user.id, true, now())
        .await
        .expect("disable");
    assert!(
        auth::session_user(&store, &settings, &fourth, now())
            .await
            .expect("q")
            .is_none()
    );
    let error = login(now()).await.expect_err("disabled cannot log in");
    assert!(matches!(error, LoginError::InvalidCredentials));
    // Nothing in the database is the token itself.
    let bytes = database_bytes(&store, dir.path()).await;
    assert!(!contains(&bytes, fourth.cookie_value()));
}

#[tokio::test]
async fn the_last_enabled_admin_stays_and_roles_are_enforced() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (store, secrets) = open(&dir).await;
    let admin = add_user(&store, "admin@example.com", Role::Admin).await;
    let viewer = add_user(&store, "viewer@example.com", Role::Viewer).await;
    let editor = add_user(&store, "editor@example.com", Role::Editor).await;
    let as_admin = Actor::User(admin.clone());

    let error = team::change_role(&store, &as_admin, admin.id, Role::Editor, now())
        .await
        .expect_err("last admin");
    assert!(matches!(error, TeamError::LastAdmin));
    let error = team::set_user_disabled(&store, &as_admin, admin.id, true, now())
        .await
        .expect_err("last admin");
    assert!(matches!(error, TeamError::LastAdmin));
    team::change_role(&store, &as_admin, editor.id, Role::Admin, now())
        .await
        .expect("promote");
    team::change_role(&store, &as_admin, admin.id, Role::Viewer, now())
        .await
        .expect("now allowed");

    let as_viewer = Actor::User(viewer.clone());
    let error = team::create_key(
        &store,
        &secrets,
        &as_viewer,
        key_input("structocr", "x", MARKER),
        now(),
    )
    .await
    .expect_err("viewer cannot add keys");
    assert!(matches!(error, TeamError::Forbidden(_)), "{error}");
    assert!(team::list_keys(&store, &as_viewer).await.is_ok());
    let as_editor = Actor::User(
        engine::store::users::get(store.pool(), UserId(editor.id.0))
            .await
            .expect("q")
            .expect("user"),
    );
    // (now an admin) may do everything; a fresh editor may manage keys but not users
    let plain_editor = add_user(&store, "plain@example.com", Role::Editor).await;
    let as_plain = Actor::User(plain_editor);
    team::create_key(
        &store,
        &secrets,
        &as_plain,
        key_input("structocr", "x", MARKER),
        now(),
    )
    .await
    .expect("editor adds keys");
    assert!(matches!(
        team::list_users(&store, &as_plain).await,
        Err(TeamError::Forbidden(_))
    ));
    assert!(team::list_users(&store, &as_editor).await.is_ok());
    assert!(auth::require_role(&viewer, Role::Editor).is_err());
    assert!(auth::require_role(&viewer, Role::Viewer).is_ok());
}

#[tokio::test]
async fn bad_forms_are_refused_by_field_and_duplicates_are_conflicts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (store, secrets) = open(&dir).await;
    let bad = KeyInput {
        form: KeyForm {
            vendor: "structocr".into(),
            label: "".into(),
            owner_tag: "".into(),
            base_url: "ftp://x".into(),
            monthly_limit: "0".into(),
            poll_interval_minutes: String::new(),
        },
        secret: secret(""),
    };
    let error = team::create_key(&store, &secrets, &Actor::Cli, bad, now())
        .await
        .expect_err("invalid");
    let fields = error.field_errors().expect("field errors");
    for field in ["label", "base_url", "monthly_limit", "secret"] {
        assert!(fields.get(field).is_some(), "{field}: {fields}");
    }
    assert_eq!(
        team::list_keys(&store, &Actor::Cli)
            .await
            .expect("list")
            .len(),
        0
    );

    team::create_key(
        &store,
        &secrets,
        &Actor::Cli,
        key_input("structocr", "Main", MARKER),
        now(),
    )
    .await
    .expect("first");
    let error = team::create_key(
        &store,
        &secrets,
        &Actor::Cli,
        key_input("structocr", "main", "another-secret-1"),
        now(),
    )
    .await
    .expect_err("duplicate label");
    assert!(
        matches!(error, TeamError::Conflict { field: "label", .. }),
        "{error}"
    );
    // Same label for another vendor is fine.
    team::create_key(
        &store,
        &secrets,
        &Actor::Cli,
        key_input("ocr-space", "main", "another-secret-1"),
        now(),
    )
    .await
    .expect("other vendor");

    add_user(&store, "dup@example.com", Role::Viewer).await;
    let error = team::create_user(
        &store,
        &Actor::Cli,
        NewUser {
            email: "DUP@example.com".into(),
            role: Role::Viewer,
            password: secret(PASSWORD),
        },
        now(),
    )
    .await
    .expect_err("duplicate email");
    assert!(
        matches!(error, TeamError::Conflict { field: "email", .. }),
        "{error}"
    );
}

#[tokio::test]
async fn every_change_is_audited_and_enabled_credentials_skip_disabled_keys() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (store, secrets) = open(&dir).await;
    let a = team::create_key(
        &store,
        &secrets,
        &Actor::Cli,
        key_input("structocr", "a", MARKER),
        now(),
    )
    .await
    .expect("a");
    let b = team::create_key(
        &store,
        &secrets,
        &Actor::Cli,
        key_input("platerecognizer-sdk", "sdk", ""),
        now(),
    )
    .await
    .expect("b");
    team::set_key_enabled(&store, &Actor::Cli, a, false, now())
        .await
        .expect("disable");
    let creds = team::enabled_credentials(&store, &secrets)
        .await
        .expect("creds");
    assert_eq!(creds.len(), 1);
    assert_eq!(creds[0].0, b);
    let cred = creds[0].1.as_ref().expect("sdk credential");
    assert_eq!(cred.base_url().as_str(), "http://127.0.0.1:4010/");
    team::delete_key(&store, &Actor::Cli, a, now())
        .await
        .expect("delete");
    let log = engine::store::audit::recent(store.pool(), 50)
        .await
        .expect("audit");
    let actions: Vec<&str> = log.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        ["key.deleted", "key.disabled", "key.created", "key.created"]
    );
    assert!(log.iter().all(|e| !e.detail.contains(MARKER)));
    assert!(log.iter().all(|e| e.actor_kind == "cli"));
}

/// A `MakeWriter` into a shared buffer.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

#[tokio::test]
async fn no_secret_or_password_reaches_a_log_line_an_error_or_debug_output() {
    let logs = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(logs.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let dir = tempfile::tempdir().expect("tempdir");
    let (store, secrets) = open(&dir).await;
    let admin = add_user(&store, "admin@example.com", Role::Admin).await;
    let id = team::create_key(
        &store,
        &secrets,
        &Actor::User(admin.clone()),
        key_input("structocr", "a", MARKER),
        now(),
    )
    .await
    .expect("create");
    let mut debug = Vec::new();
    let error = team::create_key(
        &store,
        &secrets,
        &Actor::Cli,
        key_input("structocr", "a", MARKER),
        now(),
    )
    .await
    .expect_err("duplicate");
    debug.push(format!("{error} {error:?}"));
    let error = team::create_key(
        &store,
        &secrets,
        &Actor::Cli,
        key_input("structocr", "b", &format!("{MARKER} x")),
        now(),
    )
    .await
    .expect_err("space in key");
    debug.push(format!("{error} {error:?}"));
    let cred = team::key_credential(&store, &secrets, &Actor::Cli, id)
        .await
        .expect("cred");
    debug.push(format!("{cred:?} {secrets:?}"));
    let settings = SessionSettings::default();
    let (user, token) = auth::login(
        &store,
        &settings,
        "admin@example.com",
        secret(PASSWORD),
        "10.0.0.1",
        now(),
    )
    .await
    .expect("login");
    debug.push(format!("{user:?} {token:?}"));
    let error = auth::login(
        &store,
        &settings,
        "admin@example.com",
        secret("wrong-password-xyz"),
        "10.0.0.1",
        now(),
    )
    .await
    .expect_err("wrong");
    debug.push(format!("{error} {error:?}"));
    let error = team::create_user(
        &store,
        &Actor::Cli,
        NewUser {
            email: "x@example.com".into(),
            role: Role::Viewer,
            password: secret("short"),
        },
        now(),
    )
    .await
    .expect_err("short password");
    debug.push(format!("{error} {error:?}"));

    let logs = String::from_utf8(logs.0.lock().expect("lock").clone()).expect("utf8");
    assert!(logs.contains("key created"), "capture works: {logs}");
    for text in debug.iter().chain(std::iter::once(&logs)) {
        for secret_text in [MARKER, PASSWORD, "wrong-password-xyz", token.cookie_value()] {
            assert!(
                !text.contains(secret_text),
                "{secret_text} leaked in: {text}"
            );
        }
    }
}
