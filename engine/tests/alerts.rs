//! Alerts end to end: readings stored in a real SQLite file, rules evaluated, e-mail
//! queued in the outbox and delivered over loopback to a real SMTP server process
//! (aiosmtpd), read back from its Maildir.

mod smtp;

use std::time::Duration;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use domain::{
    Figure, KeyForm, KeyId, Percent, PlateRecognizerCloudDetails, Recipients, RuleKind, Scope,
    StructOcrAccount, StructOcrDetails, StructOcrKey, Threshold, UsageReading, Vendor,
    VendorDetails,
};
use engine::{
    Config, Store,
    alerts::{
        AlertSettings, Mailer, RetryBackoff, SmtpSecurity, SmtpSettings, deliver_due, evaluate,
    },
    secrets::Secrets,
    store::{
        alerts as alert_store, outbox,
        snapshots::{self, NewSnapshot, Outcome},
    },
    team::{self, Actor, KeyInput},
};
use secrecy::SecretString;
use smtp::{SmtpServer, free_port};
use tempfile::TempDir;

const ADMIN: &str = "admin@example.test";
const SECRET_PREFIX: &str = "sk-live-TOPSECRET-";

struct World {
    dir: TempDir,
    config: Config,
    store: Store,
    secrets: Secrets,
    settings: AlertSettings,
}

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 10, 9, 0, 0)
        .single()
        .expect("time")
}

async fn world() -> World {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = Config {
        data_dir: dir.path().to_path_buf(),
        ..Config::default()
    };
    let store = Store::open(&config).await.expect("store");
    let secrets = Secrets::load(&config, &store).await.expect("secrets");
    team::create_first_admin(
        &store,
        ADMIN,
        SecretString::from("a long enough password"),
        t0(),
    )
    .await
    .expect("admin");
    World {
        dir,
        config,
        store,
        secrets,
        settings: AlertSettings {
            base_url: "https://quota.example.test".to_owned(),
            ..AlertSettings::default()
        },
    }
}

impl World {
    async fn key(&self, vendor: &str, label: &str) -> KeyId {
        team::create_key(
            &self.store,
            &self.secrets,
            &Actor::Cli,
            KeyInput {
                form: KeyForm {
                    vendor: vendor.to_owned(),
                    label: label.to_owned(),
                    owner_tag: String::new(),
                    base_url: String::new(),
                    monthly_limit: String::new(),
                    poll_interval_minutes: String::new(),
                },
                secret: SecretString::from(format!("{SECRET_PREFIX}{}", label.replace(' ', "-"))),
            },
            t0(),
        )
        .await
        .expect("key")
    }

    async fn store_reading(&self, key: KeyId, reading: UsageReading) {
        self.store_outcome(
            key,
            reading.as_of,
            Outcome::Ok {
                reading: Box::new(reading),
                raw_reply: serde_json::json!({}),
            },
        )
        .await;
    }

    async fn store_outcome(&self, key: KeyId, at: DateTime<Utc>, outcome: Outcome) {
        let mut tx = self.store.pool().begin().await.expect("tx");
        snapshots::insert_batch(
            &mut tx,
            &[NewSnapshot {
                key_id: key,
                polled_at: at,
                duration_ms: 5,
                attempts: 1,
                outcome,
            }],
        )
        .await
        .expect("insert");
        tx.commit().await.expect("commit");
    }

    async fn evaluate(&self, keys: &[KeyId], now: DateTime<Utc>) -> usize {
        evaluate(&self.store, &self.settings, keys, now)
            .await
            .expect("evaluate")
            .notifications
    }

    async fn reopen(&mut self) {
        self.store.close().await;
        self.store = Store::open(&self.config).await.expect("reopen");
    }
}

fn mailer(port: u16) -> Mailer {
    Mailer::new(&SmtpSettings {
        host: "127.0.0.1".to_owned(),
        port,
        security: SmtpSecurity::None,
        user: None,
        password: None,
        from: "Quotaboard <quota@example.test>".to_owned(),
        timeout: Duration::from_secs(5),
    })
    .expect("mailer")
}

/// Plate Recognizer cloud: `used` of 10,000 calls this period, resetting on the 14th.
fn calls(used: u64, at: DateTime<Utc>) -> UsageReading {
    UsageReading {
        vendor: Vendor::PlateRecognizerCloud,
        scope: Scope::Key,
        used: Some(Figure::vendor(used)),
        limit: Some(Figure::vendor(10_000)),
        remaining: Some(Figure::inferred(10_000 - used as i64)),
        period_start: Some(Figure::inferred(
            Utc.with_ymd_and_hms(2026, 11, 14, 0, 0, 0)
                .single()
                .expect("t"),
        )),
        resets_on: Some(Figure::vendor(
            Utc.with_ymd_and_hms(2026, 12, 14, 0, 0, 0)
                .single()
                .expect("t"),
        )),
        as_of: at,
        unknown_fields: vec![],
        details: VendorDetails::PlateRecognizerCloud(PlateRecognizerCloudDetails {
            month: Some(11),
            year: Some(2026),
        }),
    }
}

/// A StructOCR account with `remaining` of 10,000 credits left.
fn credits(remaining: i64, at: DateTime<Utc>) -> UsageReading {
    let used = 10_000 - remaining;
    UsageReading {
        vendor: Vendor::StructOcr,
        scope: Scope::Account,
        used: Some(Figure::vendor(used as u64)),
        limit: Some(Figure::vendor(10_000)),
        remaining: Some(Figure::vendor(remaining)),
        period_start: None,
        resets_on: None,
        as_of: at,
        unknown_fields: vec![],
        details: VendorDetails::StructOcr(StructOcrDetails {
            period_start: None,
            period_end: None,
            account: StructOcrAccount {
                credits_total: 10_000,
                credits_used: used as u64,
                credits_remaining: remaining,
                credits_this_period: None,
                requests_this_period: None,
                error_rate: None,
                avg_latency_ms: None,
            },
            this_key: StructOcrKey {
                credits_used: None,
                requests: None,
                error_rate: None,
                avg_latency_ms: None,
            },
        }),
    }
}

async fn deliver(
    world: &World,
    mailer: &Mailer,
    now: DateTime<Utc>,
) -> engine::alerts::DeliveryReport {
    deliver_due(&world.store, mailer, RetryBackoff::default(), now)
        .await
        .expect("deliver")
}

#[tokio::test]
async fn threshold_crossing_sends_exactly_one_email_with_the_figure_and_no_secret() {
    let server = SmtpServer::start();
    let mailer = mailer(server.port);
    let world = world().await;
    let key = world.key("platerecognizer", "Parking gates").await;

    world.store_reading(key, calls(7_000, t0())).await;
    assert_eq!(world.evaluate(&[key], t0()).await, 0, "70 % is below 80 %");

    let later = t0() + TimeDelta::minutes(15);
    world.store_reading(key, calls(8_500, later)).await;
    assert_eq!(world.evaluate(&[key], later).await, 1);
    let report = deliver(&world, &mailer, later).await;
    assert_eq!(report.sent, 1);

    let mails = server.wait_for(1);
    assert_eq!(mails.len(), 1, "{mails:?}");
    let mail = &mails[0];
    assert_eq!(
        mail.subject,
        "Plate Recognizer Cloud · Parking gates: 1,500 calls left (15 %)"
    );
    assert!(mail.to.contains(ADMIN), "{}", mail.to);
    assert!(
        mail.text.contains("80 % used (critical at 95 %)"),
        "{}",
        mail.text
    );
    assert!(
        mail.text
            .contains(&format!("https://quota.example.test/keys/{}", key.0)),
        "{}",
        mail.text
    );
    assert!(
        mail.html
            .contains("<a href=\"https://quota.example.test/keys/"),
        "{}",
        mail.html
    );
    assert!(
        !mail.raw.contains(SECRET_PREFIX),
        "the secret leaked: {}",
        mail.raw
    );

    // The Alerts page's log: who was e-mailed, and that it went out.
    let deliveries = outbox::recent(world.store.pool(), 10).await.expect("log");
    assert_eq!(deliveries.len(), 1);
    assert_eq!(deliveries[0].status, "sent");
    assert_eq!(deliveries[0].to_addr, ADMIN);
}

#[tokio::test]
async fn still_firing_within_the_repeat_interval_sends_none_then_one_reminder() {
    let server = SmtpServer::start();
    let mailer = mailer(server.port);
    let world = world().await;
    let key = world.key("platerecognizer", "Gates").await;

    world.store_reading(key, calls(8_200, t0())).await;
    assert_eq!(world.evaluate(&[key], t0()).await, 1);
    for minutes in [15, 60, 6 * 60, 23 * 60] {
        let at = t0() + TimeDelta::minutes(minutes);
        world.store_reading(key, calls(8_300, at)).await;
        assert_eq!(world.evaluate(&[key], at).await, 0, "after {minutes} min");
    }
    deliver(&world, &mailer, t0() + TimeDelta::hours(23)).await;
    assert_eq!(server.wait_for(1).len(), 1);

    let day_later = t0() + TimeDelta::hours(24);
    world.store_reading(key, calls(8_400, day_later)).await;
    assert_eq!(
        world.evaluate(&[key], day_later).await,
        1,
        "the 24 h reminder"
    );
    deliver(&world, &mailer, day_later).await;
    let mails = server.wait_for(2);
    assert_eq!(mails.len(), 2);
    assert!(
        mails[1].subject.starts_with("Still firing: "),
        "{}",
        mails[1].subject
    );
}

#[tokio::test]
async fn escalation_sends_one_and_recovery_sends_one_resolved() {
    let server = SmtpServer::start();
    let mailer = mailer(server.port);
    let world = world().await;
    let key = world.key("platerecognizer", "Gates").await;

    world.store_reading(key, calls(8_100, t0())).await;
    assert_eq!(world.evaluate(&[key], t0()).await, 1);
    let t1 = t0() + TimeDelta::hours(1);
    world.store_reading(key, calls(9_600, t1)).await;
    assert_eq!(world.evaluate(&[key], t1).await, 1, "warning → critical");
    let t2 = t0() + TimeDelta::hours(2);
    world.store_reading(key, calls(4_000, t2)).await;
    assert_eq!(world.evaluate(&[key], t2).await, 1, "resolved");
    let t3 = t0() + TimeDelta::hours(3);
    world.store_reading(key, calls(4_100, t3)).await;
    assert_eq!(world.evaluate(&[key], t3).await, 0, "resolved only once");

    deliver(&world, &mailer, t3).await;
    let mails = server.wait_for(3);
    let subjects: Vec<&str> = mails.iter().map(|m| m.subject.as_str()).collect();
    assert_eq!(subjects.len(), 3, "{subjects:?}");
    assert!(
        subjects.iter().any(|s| s.starts_with("Critical: ")),
        "{subjects:?}"
    );
    assert!(
        subjects.contains(&"Resolved: Plate Recognizer Cloud · Gates: 6,000 calls left (60 %)"),
        "{subjects:?}"
    );
    let states = alert_store::firing(world.store.pool())
        .await
        .expect("states");
    assert!(states.is_empty(), "{states:?}");
}

#[tokio::test]
async fn a_period_reset_clears_the_alert_and_a_new_period_fires_anew() {
    let world = world().await;
    let key = world.key("platerecognizer", "Gates").await;
    world.store_reading(key, calls(9_000, t0())).await;
    assert_eq!(world.evaluate(&[key], t0()).await, 1);
    // Next period, already at 85 % again (a busy month): a new alert, not a repeat.
    let next = t0() + TimeDelta::days(30);
    let mut reading = calls(8_500, next);
    reading.period_start = Some(Figure::inferred(
        Utc.with_ymd_and_hms(2026, 12, 14, 0, 0, 0)
            .single()
            .expect("t"),
    ));
    world.store_reading(key, reading).await;
    assert_eq!(world.evaluate(&[key], next).await, 1);
    let log = alert_store::recent_notifications(world.store.pool(), 10)
        .await
        .expect("log");
    assert_eq!(log[0].event, "fired", "{log:?}");
}

#[tokio::test]
async fn smtp_down_then_up_delivers_everything_queued() {
    let port = free_port();
    let mailer = mailer(port);
    let world = world().await;
    let a = world.key("platerecognizer", "Gates A").await;
    let b = world.key("platerecognizer", "Gates B").await;
    world.store_reading(a, calls(9_000, t0())).await;
    world.store_reading(b, calls(9_900, t0())).await;
    assert_eq!(world.evaluate(&[a, b], t0()).await, 2);

    // Nobody listens: both stay queued with the error and a later retry time.
    let report = deliver(&world, &mailer, t0()).await;
    assert_eq!((report.sent, report.retrying), (0, 2), "{report:?}");
    for hour in 1..4 {
        // Hours of outage: each round backs off further and loses nothing.
        deliver(&world, &mailer, t0() + TimeDelta::hours(hour)).await;
    }
    let rows = outbox::recent(world.store.pool(), 10).await.expect("rows");
    assert!(
        rows.iter()
            .all(|r| r.status == "queued" && r.last_error.is_some()),
        "{rows:?}"
    );
    assert!(rows.iter().all(|r| r.attempts == 4), "{rows:?}");
    assert!(
        rows.iter()
            .all(|r| r.next_attempt_at > t0() + TimeDelta::hours(3)),
        "{rows:?}"
    );

    let server = SmtpServer::start_on(port);
    // Not due yet: backoff is respected.
    assert_eq!(
        deliver(&world, &mailer, t0() + TimeDelta::hours(3))
            .await
            .sent,
        0
    );
    let report = deliver(&world, &mailer, t0() + TimeDelta::hours(5)).await;
    assert_eq!(report.sent, 2, "{report:?}");
    assert_eq!(server.wait_for(2).len(), 2);
    let rows = outbox::recent(world.store.pool(), 10).await.expect("rows");
    assert!(rows.iter().all(|r| r.status == "sent"), "{rows:?}");
}

#[tokio::test]
async fn restart_mid_alert_resends_nothing_and_a_crash_mid_send_sends_at_most_once_more() {
    let server = SmtpServer::start();
    let mailer = mailer(server.port);
    let mut world = world().await;
    let key = world.key("platerecognizer", "Gates").await;
    world.store_reading(key, calls(8_800, t0())).await;
    assert_eq!(world.evaluate(&[key], t0()).await, 1);
    deliver(&world, &mailer, t0()).await;
    assert_eq!(server.wait_for(1).len(), 1);

    world.reopen().await;
    let t1 = t0() + TimeDelta::hours(2);
    world.store_reading(key, calls(8_900, t1)).await;
    assert_eq!(
        world.evaluate(&[key], t1).await,
        0,
        "the state survived the restart"
    );
    deliver(&world, &mailer, t1).await;

    // Became critical while "down": the first evaluation after it sends it.
    let t2 = t0() + TimeDelta::hours(3);
    world.store_reading(key, calls(9_700, t2)).await;
    assert_eq!(world.evaluate(&[key], t2).await, 1);
    // Crash between claiming the e-mail and marking it sent.
    let claimed = outbox::claim_due(world.store.pool(), t2, 10)
        .await
        .expect("claim");
    assert_eq!(claimed.len(), 1);
    world.reopen().await;
    assert_eq!(
        outbox::requeue_interrupted(world.store.pool())
            .await
            .expect("requeue"),
        1
    );
    deliver(&world, &mailer, t2).await;
    deliver(&world, &mailer, t2 + TimeDelta::hours(1)).await;
    let mails = server.wait_for(2);
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(server.messages().len(), 2, "{mails:?}");
}

#[tokio::test]
async fn pool_alert_replaces_the_per_key_alerts_of_one_structocr_account() {
    let server = SmtpServer::start();
    let mailer = mailer(server.port);
    let world = world().await;
    let prod = world.key("structocr", "prod-eu").await;
    let staging = world.key("structocr", "staging").await;
    let other = world.key("structocr", "other-team").await;
    sqlx::query("UPDATE api_keys SET account_ref = 'acme' WHERE id IN (?, ?)")
        .bind(prod.0)
        .bind(staging.0)
        .execute(world.store.pool())
        .await
        .expect("account");

    // Both keys report the same account figures: 412 of 10,000 credits left.
    world.store_reading(prod, credits(412, t0())).await;
    world.store_reading(staging, credits(412, t0())).await;
    world.store_reading(other, credits(9_000, t0())).await;
    assert_eq!(world.evaluate(&[prod, staging, other], t0()).await, 1);
    // Evaluating again from either key's batch adds nothing.
    assert_eq!(
        world
            .evaluate(&[staging], t0() + TimeDelta::minutes(15))
            .await,
        0
    );

    deliver(&world, &mailer, t0()).await;
    let mails = server.wait_for(1);
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(server.messages().len(), 1, "{mails:?}");
    assert_eq!(
        mails[0].subject,
        "Critical: StructOCR · account shared by prod-eu, staging: 412 credits left (4 %)"
    );
    let firing = alert_store::firing(world.store.pool())
        .await
        .expect("firing");
    assert_eq!(firing.len(), 1, "{firing:?}");
    assert_eq!(firing[0].subject, "account:structocr:acme");
}

#[tokio::test]
async fn a_refused_recipient_is_a_permanent_failure_and_the_others_still_get_it() {
    let server = SmtpServer::start();
    let mailer = mailer(server.port);
    let world = world().await;
    let key = world.key("platerecognizer", "Gates").await;
    // Only this key's own rule, to two extra addresses.
    sqlx::query("DELETE FROM alert_rules WHERE key_id = ?")
        .bind(key.0)
        .execute(world.store.pool())
        .await
        .expect("clear");
    alert_store::insert_rule(
        world.store.pool(),
        Some(key),
        &RuleKind::RemainingBelow(Threshold {
            warning: 2_000,
            critical: None,
        }),
        &Recipients {
            admins: false,
            users: vec![],
            emails: vec![
                domain::EmailAddress::parse("bounce-nobody@example.test").expect("email"),
                domain::EmailAddress::parse("ops@example.test").expect("email"),
            ],
        },
        t0(),
    )
    .await
    .expect("rule");
    world.store_reading(key, calls(8_500, t0())).await;
    assert_eq!(world.evaluate(&[key], t0()).await, 1);

    let report = deliver(&world, &mailer, t0()).await;
    assert_eq!((report.sent, report.failed), (1, 1), "{report:?}");
    // Not retried.
    let again = deliver(&world, &mailer, t0() + TimeDelta::days(1)).await;
    assert_eq!(again, Default::default());
    let rows = outbox::recent(world.store.pool(), 10).await.expect("rows");
    let failed = rows
        .iter()
        .find(|r| r.status == "failed")
        .expect("a failed row");
    assert_eq!(failed.to_addr, "bounce-nobody@example.test");
    assert!(
        failed
            .last_error
            .as_deref()
            .is_some_and(|e| e.contains("550")),
        "{failed:?}"
    );
    let mails = server.wait_for(1);
    assert_eq!(mails.len(), 1);
    assert!(mails[0].to.contains("ops@example.test"));
}

#[tokio::test]
async fn a_key_that_starts_failing_alerts_once_and_resolves_when_it_works_again() {
    let world = world().await;
    let key = world.key("platerecognizer", "Gates").await;
    world.store_reading(key, calls(1_000, t0())).await;
    assert_eq!(world.evaluate(&[key], t0()).await, 0);
    let rejected = || Outcome::Error {
        kind: "unauthorized".to_owned(),
        message: "Key rejected: Invalid token".to_owned(),
    };
    for hours in [1, 2, 30, 60] {
        let at = t0() + TimeDelta::hours(hours);
        world.store_outcome(key, at, rejected()).await;
        let expected = usize::from(hours == 1);
        assert_eq!(
            world.evaluate(&[key], at).await,
            expected,
            "after {hours} h"
        );
    }
    // A timeout says nothing about the key: the alert stays as it is.
    let at = t0() + TimeDelta::hours(61);
    world
        .store_outcome(
            key,
            at,
            Outcome::Error {
                kind: "timeout".to_owned(),
                message: "timed out".to_owned(),
            },
        )
        .await;
    assert_eq!(world.evaluate(&[key], at).await, 0);
    let at = t0() + TimeDelta::hours(62);
    world.store_reading(key, calls(1_100, at)).await;
    assert_eq!(world.evaluate(&[key], at).await, 1, "resolved");
    let log = alert_store::recent_notifications(world.store.pool(), 10)
        .await
        .expect("log");
    assert_eq!(log[0].event, "resolved");
    assert_eq!(log[1].event, "fired");
    assert!(log[1].summary.contains("key rejected"), "{log:?}");
    let _ = world.dir.path();
}

#[tokio::test]
async fn no_smtp_server_configured_keeps_everything_queued() {
    let world = world().await;
    let key = world.key("platerecognizer", "Gates").await;
    world.store_reading(key, calls(9_900, t0())).await;
    world.evaluate(&[key], t0()).await;
    let report = deliver(&world, &Mailer::disabled(), t0() + TimeDelta::days(3)).await;
    assert_eq!(report, Default::default());
    assert_eq!(
        outbox::waiting(world.store.pool()).await.expect("waiting"),
        1
    );
    let _ = Percent { hundredths: 1 };
}

/// Only `rule` on `key`, e-mailed to the admins.
async fn only_rule(world: &World, key: KeyId, rule: RuleKind) {
    sqlx::query("DELETE FROM alert_rules WHERE key_id = ?")
        .bind(key.0)
        .execute(world.store.pool())
        .await
        .expect("clear");
    alert_store::insert_rule(
        world.store.pool(),
        Some(key),
        &rule,
        &Recipients {
            admins: true,
            ..Recipients::default()
        },
        t0(),
    )
    .await
    .expect("rule");
}

/// Five hourly readings from 5,000 calls up by 100 an hour (50 h left at that pace),
/// stored and forecast as the poll cycle does, the period resetting at `resets_on`.
async fn steady_burn(world: &World, key: KeyId, resets_on: DateTime<Utc>) -> DateTime<Utc> {
    let mut last = t0();
    for hour in 0..5 {
        let at = t0() + TimeDelta::hours(hour);
        let mut reading = calls(5_000 + 100 * hour as u64, at);
        reading.resets_on = Some(Figure::vendor(resets_on));
        world.store_reading(key, reading.clone()).await;
        engine::forecast::refresh(&world.store, &[(key, &reading)], at)
            .await
            .expect("forecast");
        last = at;
    }
    last
}

#[tokio::test]
async fn forecast_rule_does_not_fire_when_the_reset_comes_first_and_fires_otherwise() {
    let world = world().await;
    let rule = RuleKind::Forecast { within_days: None };
    let resets_first = world.key("platerecognizer", "Resets tomorrow").await;
    let runs_out_first = world.key("platerecognizer", "Resets in ten days").await;
    only_rule(&world, resets_first, rule).await;
    only_rule(&world, runs_out_first, rule).await;

    let now = steady_burn(&world, resets_first, t0() + TimeDelta::hours(24)).await;
    assert_eq!(world.evaluate(&[resets_first], now).await, 0, "reset first");
    let now = steady_burn(&world, runs_out_first, t0() + TimeDelta::days(10)).await;
    assert_eq!(
        world.evaluate(&[runs_out_first], now).await,
        1,
        "runs out first"
    );

    let firing = alert_store::firing(world.store.pool())
        .await
        .expect("firing");
    assert_eq!(firing.len(), 1, "{firing:?}");
    assert_eq!(firing[0].subject_label, "Resets in ten days");
    assert!(
        firing[0].summary.starts_with("runs out around 2026-12-12"),
        "{firing:?}"
    );

    // "Within 1 day" on the same key: two days away is not within a day.
    only_rule(
        &world,
        runs_out_first,
        RuleKind::Forecast {
            within_days: Some(1),
        },
    )
    .await;
    assert_eq!(world.evaluate(&[runs_out_first], now).await, 0);
}

/// A rule deleted since the last evaluation takes its state with it (nothing stays
/// "firing" for a rule that is gone), while the other keys of the same batch keep
/// theirs.
#[tokio::test]
async fn a_deleted_rule_drops_its_state_and_leaves_the_others_alone() {
    let world = world().await;
    let north = world.key("platerecognizer", "North gate").await;
    let south = world.key("platerecognizer", "South gate").await;
    for key in [north, south] {
        world.store_reading(key, calls(8_500, t0())).await;
    }
    assert_eq!(world.evaluate(&[north, south], t0()).await, 2);
    let firing = |subject_key: KeyId| {
        let pool = world.store.pool().clone();
        async move {
            sqlx::query_scalar::<_, i64>(
                "SELECT COUNT(*) FROM alert_states WHERE key_id = ? AND level != 'ok'",
            )
            .bind(subject_key.0)
            .fetch_one(&pool)
            .await
            .expect("count")
        }
    };
    assert_eq!(firing(north).await, 1);
    assert_eq!(firing(south).await, 1);

    // North's percent rule goes; both keys are evaluated again in one batch.
    let rules = engine::store::alerts::list_rules(world.store.pool())
        .await
        .expect("rules");
    let percent_rule = rules
        .iter()
        .find(|r| r.key_id == Some(north.0) && r.kind.describe().contains("% used"))
        .expect("north's percent rule");
    engine::alerts::delete_rule(&world.store, &Actor::Cli, percent_rule.id, t0())
        .await
        .expect("deleted");
    let later = t0() + TimeDelta::minutes(15);
    for key in [north, south] {
        world.store_reading(key, calls(8_600, later)).await;
    }
    assert_eq!(
        world.evaluate(&[north, south], later).await,
        0,
        "nothing new"
    );
    assert_eq!(firing(north).await, 0, "the deleted rule's alert is gone");
    assert_eq!(firing(south).await, 1, "the other key still fires");
    let states: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM alert_states WHERE key_id = ?")
        .bind(south.0)
        .fetch_one(world.store.pool())
        .await
        .expect("count");
    assert!(states >= 1);
}
