//! Polling cycles end to end: keys stored (encrypted) in a real SQLite file, fetched
//! from the simulator over loopback, one snapshot per key per poll, failures included.

use std::time::Duration;

use chrono::{Datelike, TimeDelta, Utc};
use domain::{KeyForm, KeyId};
use engine::{
    Config, Store,
    poller::{
        PollIntervals, Poller, PollerSettings, RetryPolicy, Selection, VendorLimits, poll_cycle,
    },
    secrets::Secrets,
    store::snapshots,
    team::{self, Actor, KeyInput},
    vendors::{ClientSettings, VendorClient},
};
use secrecy::SecretString;
use simulator::{SimulatorHandle, SimulatorOptions};
use tempfile::TempDir;

struct World {
    _dir: TempDir,
    store: Store,
    secrets: Secrets,
    sim: SimulatorHandle,
    poller: Poller,
}

async fn world() -> World {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = Config {
        data_dir: dir.path().to_path_buf(),
        ..Config::default()
    };
    let store = Store::open(&config).await.expect("store");
    let secrets = Secrets::load(&config, &store).await.expect("secrets");
    let sim = simulator::spawn(SimulatorOptions::default())
        .await
        .expect("simulator");
    let client = VendorClient::new(ClientSettings {
        total_timeout: Duration::from_millis(500),
        ..ClientSettings::default()
    })
    .expect("client");
    let poller = Poller::new(
        client,
        PollerSettings {
            concurrency: 4,
            retry: RetryPolicy {
                max_attempts: 2,
                initial_backoff: Duration::from_millis(10),
                max_backoff: Duration::from_millis(20),
                max_retry_after: Duration::from_secs(2),
            },
            limits: VendorLimits::unlimited(),
        },
    );
    World {
        _dir: dir,
        store,
        secrets,
        sim,
        poller,
    }
}

impl World {
    async fn add_key(&self, vendor: &str, label: &str, secret: &str) -> KeyId {
        self.add_key_at(vendor, label, secret, &self.sim.base_url())
            .await
    }

    async fn add_key_at(&self, vendor: &str, label: &str, secret: &str, base_url: &str) -> KeyId {
        let input = KeyInput {
            form: KeyForm {
                vendor: vendor.into(),
                label: label.into(),
                owner_tag: String::new(),
                base_url: base_url.into(),
                monthly_limit: "300000".into(),
                poll_interval_minutes: String::new(),
            },
            secret: SecretString::from(secret.to_owned()),
        };
        team::create_key(&self.store, &self.secrets, &Actor::Cli, input, Utc::now())
            .await
            .expect("key stored")
    }

    /// `count` Plate Recognizer SDK keys ("camera 0", ...) at `sim`, in id order.
    async fn add_cameras(&self, sim: &SimulatorHandle, count: usize) -> Vec<KeyId> {
        let mut ids = Vec::with_capacity(count);
        for i in 0..count {
            let url = sim.sdk_base_url(&format!("license-{i}"));
            let id = self
                .add_key_at("platerecognizer-sdk", &format!("camera {i}"), "", &url)
                .await;
            ids.push(id);
        }
        ids
    }

    async fn cycle(&self, selection: &Selection) -> engine::poller::CycleReport {
        poll_cycle(&self.store, &self.secrets, &self.poller, selection)
            .await
            .expect("cycle runs")
    }

    async fn count(&self, sql: &'static str) -> i64 {
        sqlx::query_scalar(sql)
            .fetch_one(self.store.pool())
            .await
            .expect("count")
    }
}

#[tokio::test]
async fn every_key_gets_one_snapshot_per_poll_failures_included() {
    let w = world().await;
    let healthy = w
        .add_key("structocr", "prod", "healthy-structocr-key")
        .await;
    let rejected = w
        .add_key("platerecognizer", "gates", "invalid-pr-key-0001")
        .await;
    let garbage = w
        .add_key("ocr-space", "receipts", "fault-garbage-ocr-key")
        .await;

    let report = w.cycle(&Selection::All).await;
    assert_eq!(report.lines.len(), 3);
    assert_eq!(report.count("ok"), 1);
    assert_eq!(report.count("error"), 2);

    let rows = |id: KeyId| {
        let store = w.store.clone();
        async move {
            snapshots::history(
                store.pool(),
                id,
                Utc::now() - TimeDelta::hours(1),
                Utc::now() + TimeDelta::hours(1),
            )
            .await
            .expect("history")
        }
    };
    let ok = rows(healthy).await;
    assert_eq!(ok.len(), 1);
    assert_eq!(ok[0].outcome, "ok");
    let (used, limit, remaining) = (
        ok[0].used.expect("used"),
        ok[0].usage_limit.expect("limit"),
        ok[0].remaining.expect("remaining"),
    );
    assert_eq!(limit - used, remaining);

    let unauthorized = rows(rejected).await;
    assert_eq!(unauthorized[0].outcome, "error");
    assert_eq!(unauthorized[0].error_kind.as_deref(), Some("unauthorized"));
    assert_eq!(unauthorized[0].used, None);
    assert_eq!(
        rows(garbage).await[0].error_kind.as_deref(),
        Some("malformed")
    );

    // A second cycle adds a row per key and counts the failure streak.
    w.cycle(&Selection::All).await;
    assert_eq!(w.count("SELECT COUNT(*) FROM snapshots").await, 6);
    let latest = snapshots::latest_for_all(w.store.pool())
        .await
        .expect("latest");
    let streak = |id: KeyId| {
        latest
            .iter()
            .find(|row| row.key_id == id.0)
            .expect("row")
            .failures
    };
    assert_eq!(streak(healthy), 0);
    assert_eq!(streak(rejected), 2);
}

#[tokio::test]
async fn the_last_good_reading_survives_a_later_failure() {
    let w = world().await;
    let id = w.add_key("platerecognizer", "north", "healthy-north").await;
    w.cycle(&Selection::All).await;

    // The vendor becomes unreachable: point the key at a closed port.
    let closed = format!("http://127.0.0.1:{}", {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("port");
        listener.local_addr().expect("addr").port()
    });
    let input = KeyInput {
        form: KeyForm {
            vendor: "platerecognizer".into(),
            label: "north".into(),
            owner_tag: String::new(),
            base_url: closed,
            monthly_limit: String::new(),
            poll_interval_minutes: String::new(),
        },
        secret: SecretString::from(String::new()),
    };
    team::update_key(&w.store, &w.secrets, &Actor::Cli, id, input, Utc::now())
        .await
        .expect("updated");
    let report = w.cycle(&Selection::All).await;
    assert_eq!(report.lines[0].outcome, "error");

    let latest = snapshots::latest_for_all(w.store.pool())
        .await
        .expect("latest");
    let row = &latest[0];
    assert_eq!(row.outcome, "error");
    assert_eq!(row.error_kind.as_deref(), Some("connection"));
    let reading = row.reading().expect("the earlier reading is kept");
    assert!(reading.used.is_some());
    assert!(row.raw_reply.is_some());
}

#[tokio::test]
async fn only_due_keys_are_polled_by_the_scheduler() {
    let w = world().await;
    w.add_key("structocr", "a", "healthy-a").await;
    w.add_key("structocr", "b", "healthy-b").await;
    let every_15_minutes = PollIntervals {
        default: TimeDelta::minutes(15),
        ocr_space: TimeDelta::hours(6),
    };
    // Never polled: both are due, and counted as they are picked.
    let progress = engine::poller::Progress::default();
    let report = engine::poller::poll_cycle_with_progress(
        &w.store,
        &w.secrets,
        &w.poller,
        &Selection::Due(every_15_minutes.clone()),
        &progress,
    )
    .await
    .expect("cycle");
    assert_eq!(report.lines.len(), 2);
    assert_eq!(progress.snapshot().total, 2);
    // Just polled: neither is.
    assert!(
        w.cycle(&Selection::Due(every_15_minutes))
            .await
            .lines
            .is_empty()
    );
    assert_eq!(w.sim.traffic().requests().len(), 2);
    let always = PollIntervals {
        default: TimeDelta::zero(),
        ocr_space: TimeDelta::zero(),
    };
    assert_eq!(w.cycle(&Selection::Due(always)).await.lines.len(), 2);
}

#[tokio::test]
async fn disabled_keys_are_not_polled_and_deleting_a_key_removes_its_history() {
    let w = world().await;
    let kept = w.add_key("structocr", "kept", "healthy-kept").await;
    let off = w.add_key("structocr", "off", "healthy-off").await;
    team::set_key_enabled(&w.store, &Actor::Cli, off, false, Utc::now())
        .await
        .expect("disabled");
    let report = w.cycle(&Selection::All).await;
    assert_eq!(report.lines.len(), 1);
    assert_eq!(report.lines[0].key_id, kept);
    assert!(w.sim.traffic().requests_with("healthy-off").is_empty());

    team::delete_key(&w.store, &Actor::Cli, kept, Utc::now())
        .await
        .expect("deleted");
    assert_eq!(w.count("SELECT COUNT(*) FROM snapshots").await, 0);
    assert_eq!(w.count("SELECT COUNT(*) FROM key_latest").await, 0);
}

#[tokio::test]
async fn a_large_cycle_is_stored_in_full() {
    let w = world().await;
    w.add_cameras(&w.sim, 1_200).await;
    let report = w.cycle(&Selection::All).await;
    assert_eq!(report.count("ok"), 1_200);
    // More rows than one transaction holds: every batch committed.
    assert_eq!(
        w.count("SELECT COUNT(*) FROM snapshots WHERE outcome = 'ok'")
            .await,
        1_200
    );
    assert_eq!(w.count("SELECT COUNT(*) FROM key_latest").await, 1_200);
}

/// Keys are read a page at a time while the first ones are already being polled:
/// keys far down the list are polled and stored all the same, and a key whose secret
/// cannot be opened is stored as a failure without stopping the others.
#[tokio::test]
async fn keys_read_late_are_polled_and_an_unreadable_one_fails_alone() {
    let w = world().await;
    w.add_cameras(&w.sim, 520).await;
    let donor = w.add_key("structocr", "late 1", "healthy-late-one").await;
    let broken = w
        .add_key("structocr", "broken", "healthy-late-broken")
        .await;
    let last = w.add_key("structocr", "late 2", "healthy-late-two").await;
    // Another row's ciphertext: it no longer opens under this key's id.
    sqlx::query(
        "UPDATE api_keys SET secret_ciphertext = (SELECT secret_ciphertext FROM api_keys WHERE id = ?), \
         secret_nonce = (SELECT secret_nonce FROM api_keys WHERE id = ?) WHERE id = ?",
    )
    .bind(donor.0)
    .bind(donor.0)
    .bind(broken.0)
    .execute(w.store.pool())
    .await
    .expect("swap");

    let report = w.cycle(&Selection::All).await;
    assert_eq!(report.lines.len(), 523);
    assert_eq!(report.count("ok"), 522);
    let line = |id: KeyId| {
        report
            .lines
            .iter()
            .find(|line| line.key_id == id)
            .expect("a line for every key")
    };
    assert_eq!(line(broken).outcome, "error");
    assert_eq!(line(broken).attempts, 0);
    assert!(
        line(broken).summary.contains("cannot be decrypted"),
        "{}",
        line(broken).summary
    );
    assert!(!line(broken).summary.contains("healthy-late"));
    assert_eq!(line(last).outcome, "ok");
    // Nothing was sent for the broken key; the key after it was polled.
    assert!(
        w.sim
            .traffic()
            .requests_with("healthy-late-broken")
            .is_empty()
    );
    assert_eq!(w.sim.traffic().requests_with("healthy-late-two").len(), 1);
    assert_eq!(w.sim.traffic().requests().len(), 522);

    let kind: String = sqlx::query_scalar("SELECT error_kind FROM snapshots WHERE key_id = ?")
        .bind(broken.0)
        .fetch_one(w.store.pool())
        .await
        .expect("the broken key's snapshot");
    assert_eq!(kind, "secret_unreadable");
    assert_eq!(w.count("SELECT COUNT(*) FROM snapshots").await, 523);
    assert_eq!(w.count("SELECT COUNT(*) FROM key_latest").await, 523);
}

/// Dropping a running cycle (the server shutting down, a cancelled task) stops it:
/// no key is read or sent after that, and what was polled before is kept.
#[tokio::test]
async fn a_cancelled_cycle_sends_nothing_more_and_keeps_what_it_polled() {
    use engine::poller::{Progress, poll_cycle_with_progress};

    let w = world().await;
    // 100 ms a request and 4 at a time: the cycle would take 15 s.
    let slow = simulator::spawn(SimulatorOptions {
        latency: Duration::from_millis(100),
        ..SimulatorOptions::default()
    })
    .await
    .expect("simulator");
    let first = w.add_cameras(&slow, 600).await[0];
    let progress = Progress::default();
    let cycle = tokio::spawn({
        let (store, secrets, poller, progress) = (
            w.store.clone(),
            w.secrets.clone(),
            w.poller.clone(),
            progress.clone(),
        );
        async move {
            poll_cycle_with_progress(&store, &secrets, &poller, &Selection::All, &progress).await
        }
    });
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while progress.snapshot().done.len() < 8 {
        assert!(tokio::time::Instant::now() < deadline, "no key finished");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(progress.snapshot().total, 600);
    cycle.abort();
    assert!(cycle.await.expect_err("cancelled").is_cancelled());
    // Requests already on the wire arrive; then nothing more, for five latencies
    // (a cycle still running would send 4 every 100 ms).
    tokio::time::sleep(Duration::from_millis(200)).await;
    let sent = slow.traffic().requests().len();
    assert!(sent < 600, "the cycle went on: {sent} requests");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(slow.traffic().requests().len(), sent);

    // What finished before is stored (the writer commits what it was handed), once.
    let mut stored = 0;
    for _ in 0..500 {
        stored = w.count("SELECT COUNT(*) FROM snapshots").await;
        if stored >= 7 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!((7..=600).contains(&stored), "stored {stored}");
    assert_eq!(
        w.count("SELECT COUNT(DISTINCT key_id) FROM snapshots")
            .await,
        stored
    );
    // Nothing is left holding the database or the poller: the next poll runs.
    let report = w.cycle(&Selection::Key(first)).await;
    assert_eq!(report.count("ok"), 1);
}

#[tokio::test]
async fn a_key_s_own_interval_overrides_its_vendor_s_for_the_scheduler() {
    let w = world().await;
    let own = w.add_key("structocr", "own", "healthy-own").await;
    let default = w.add_key("structocr", "default", "healthy-default").await;
    sqlx::query("UPDATE api_keys SET poll_interval_minutes = 60 WHERE id = ?")
        .bind(own.0)
        .execute(w.store.pool())
        .await
        .expect("override");
    // The vendors' default would poll every key at every tick.
    let always = PollIntervals {
        default: TimeDelta::zero(),
        ocr_space: TimeDelta::zero(),
    };
    assert_eq!(
        w.cycle(&Selection::Due(always.clone())).await.lines.len(),
        2
    );
    let second = w.cycle(&Selection::Due(always)).await;
    let polled: Vec<KeyId> = second.lines.iter().map(|l| l.key_id).collect();
    assert_eq!(
        polled,
        vec![default],
        "the key on 60 minutes is not due yet"
    );
}

#[tokio::test]
async fn an_ocr_space_poll_stores_last_month_as_the_closed_period() {
    let w = world().await;
    let key = w
        .add_key("ocr-space", "receipts", "healthy-ocr-key-0001")
        .await;
    let report = w.cycle(&Selection::All).await;
    assert_eq!(report.count("ok"), 1);
    // This month's counts and, since last month has no figures yet, last month's.
    assert_eq!(
        w.sim.traffic().requests_with("healthy-ocr-key-0001").len(),
        2
    );
    let (period_start, period_end, used, limit): (String, String, i64, Option<i64>) =
        sqlx::query_as(
            "SELECT period_start, period_end, used, usage_limit FROM period_closeouts \
             WHERE key_id = ?",
        )
        .bind(key.0)
        .fetch_one(w.store.pool())
        .await
        .expect("close-out stored");
    let now = Utc::now();
    let this_month = now.format("%Y-%m-01T00:00:00.000Z").to_string();
    let last_month = (now.date_naive().with_day(1).expect("first") - chrono::Days::new(1))
        .format("%Y-%m-01T00:00:00.000Z")
        .to_string();
    assert_eq!(
        (period_start.as_str(), period_end.as_str()),
        (last_month.as_str(), this_month.as_str())
    );
    assert_eq!(limit, Some(300_000));
    // The figure is what the vendor reports for last month, not this month's.
    let credential = team::enabled_credentials(&w.store, &w.secrets)
        .await
        .expect("credentials")
        .remove(0)
        .1
        .expect("credential");
    let client = VendorClient::new(ClientSettings::default()).expect("client");
    let vendor_says = engine::vendors::ocr_space::fetch_last_month(&client, &credential)
        .await
        .expect("last month");
    assert_eq!(
        Some(used),
        vendor_says
            .reading
            .used
            .map(|u| i64::try_from(u.value).expect("fits"))
    );

    // Once stored, later polls ask again only on the 1st and 2nd of the month
    // (3 requests so far: the cycle's two and the test's own).
    w.cycle(&Selection::All).await;
    let expected = if engine::poller::wants_close_out(Utc::now(), true) {
        6
    } else {
        4
    };
    assert_eq!(
        w.sim.traffic().requests_with("healthy-ocr-key-0001").len(),
        expected
    );
    assert_eq!(
        w.count("SELECT COUNT(*) FROM period_closeouts").await,
        1,
        "one row per key and period"
    );
}

#[tokio::test]
async fn outcomes_are_stored_as_they_arrive_not_at_the_end_of_the_cycle() {
    let w = world().await;
    // 1,500 fast keys and one that takes the whole client timeout (500 ms).
    w.add_cameras(&w.sim, 1_500).await;
    w.add_key("structocr", "slow", "fault-timeout-key").await;
    let store = w.store.clone();
    let watcher = tokio::spawn(async move {
        // While the slow key still holds the cycle open, a full batch is committed,
        // then everything but the last wave (the slow key and at most the three
        // keys in flight beside it, concurrency being 4).
        let mut first_batch = 0;
        // Until the cycle ends at the latest (1,501 rows), however slow the machine.
        for _ in 0..3_000 {
            let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM snapshots")
                .fetch_one(store.pool())
                .await
                .expect("count");
            if first_batch == 0 && stored >= 1_000 {
                first_batch = stored;
            }
            if stored >= 1_497 {
                return (first_batch, stored);
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        (first_batch, 0)
    });
    let report = w.cycle(&Selection::All).await;
    let (first_batch, before_last_wave) = watcher.await.expect("watcher");
    assert!(
        (1_000..1_501).contains(&first_batch),
        "a batch of 1,000 was committed mid-cycle, saw {first_batch}"
    );
    // The slow key is stored only when the cycle ends: anything short of 1,501 was
    // seen while it still ran.
    assert!(
        (1_497..1_501).contains(&before_last_wave),
        "all but the last wave was committed before the slow key answered, saw {before_last_wave}"
    );
    assert_eq!(report.lines.len(), 1_501);
    assert_eq!(w.count("SELECT COUNT(*) FROM snapshots").await, 1_501);
}

#[tokio::test]
async fn poll_now_and_the_scheduled_cycle_never_overlap_and_progress_shows_each_key() {
    use engine::poller::{PollBusy, PollPlan, PollService};

    let w = world().await;
    let quick = w.add_key("structocr", "quick", "healthy-quick-key").await;
    // Answers only after the client's 500 ms timeout, twice: the cycle lasts ~1 s.
    let slow = w
        .add_key("platerecognizer", "slow", "fault-timeout-slow")
        .await;
    let polls = PollService::new(
        w.store.clone(),
        w.secrets.clone(),
        w.poller.clone(),
        PollPlan::from_config(&engine::Config::default()),
    );

    polls
        .start(Selection::All, "editor@example.com")
        .expect("started");
    assert!(polls.is_running());
    assert!(polls.progress().running());
    // Neither a second "Poll now" nor the scheduled tick runs alongside.
    assert_eq!(polls.start(Selection::Key(quick), "someone"), Err(PollBusy));
    let intervals = PollIntervals {
        default: TimeDelta::minutes(15),
        ocr_space: TimeDelta::hours(6),
    };
    assert!(
        polls
            .run_scheduled(&Selection::Due(intervals))
            .await
            .is_none()
    );
    assert_eq!(polls.guard().skipped(), 2);

    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while polls.progress().running() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "poll now never finished"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let progress = polls.progress();
    assert_eq!(progress.started_by, "editor@example.com");
    assert_eq!(progress.total, 2);
    let outcome = |id: KeyId| {
        progress
            .done
            .iter()
            .find(|line| line.key_id == id)
            .map(|line| line.outcome)
    };
    assert_eq!(outcome(quick), Some("ok"));
    assert_eq!(outcome(slow), Some("error"));
    // The quick key finished first: progress is recorded as keys finish.
    assert_eq!(progress.done[0].key_id, quick);
    assert!(!polls.is_running());
    // Free again: the next one runs.
    polls
        .start(Selection::Key(quick), "editor@example.com")
        .expect("started again");
}

/// "Verify now": one key, answered at once, stored like any poll; a refused key is
/// said in plain words and not retried; only editors may ask.
#[tokio::test]
async fn verify_now_answers_for_one_key_and_stores_the_answer() {
    use engine::poller::{PollPlan, PollService, VerifyError};

    let w = world().await;
    let good = w
        .add_key("structocr", "good", "healthy-verify-key-0001")
        .await;
    let refused = w
        .add_key("structocr", "refused", "invalid-verify-key-0002")
        .await;
    let polls = PollService::new(
        w.store.clone(),
        w.secrets.clone(),
        w.poller.clone(),
        PollPlan::from_config(&Config::default()),
    );

    let line = polls.verify(&Actor::Cli, good).await.expect("answered");
    assert_eq!(line.outcome, "ok", "{line:?}");
    assert!(line.summary.contains(" / "), "{}", line.summary);
    let line = polls.verify(&Actor::Cli, refused).await.expect("answered");
    assert_eq!(line.outcome, "error");
    assert_eq!(line.attempts, 1, "a refused key is not retried");
    assert!(
        line.summary.contains("rejected the key"),
        "{}",
        line.summary
    );
    assert!(!line.summary.contains("invalid-verify-key-0002"));
    // Both answers are stored, so the key's status follows.
    let stored = snapshots::latest_for(w.store.pool(), refused)
        .await
        .expect("read")
        .expect("stored");
    assert_eq!(stored.outcome, "error");
    assert_eq!(
        w.count("SELECT COUNT(*) FROM snapshots").await,
        2,
        "one row per verification"
    );

    // A viewer may not; a missing key is "not found", not a poll failure.
    let viewer = team::create_user(
        &w.store,
        &Actor::Cli,
        team::NewUser {
            email: "viewer@example.com".into(),
            role: domain::Role::Viewer,
            password: SecretString::from("correct horse battery staple".to_owned()),
        },
        Utc::now(),
    )
    .await
    .expect("viewer");
    let viewer = engine::store::users::get(w.store.pool(), viewer)
        .await
        .expect("get")
        .expect("exists");
    let refused_to_viewer = polls.verify(&Actor::User(viewer), good).await;
    assert!(
        matches!(refused_to_viewer, Err(VerifyError::Forbidden(_))),
        "{refused_to_viewer:?}"
    );
    let missing = polls.verify(&Actor::Cli, KeyId(9_999)).await;
    assert!(
        matches!(
            missing,
            Err(VerifyError::Team(team::TeamError::NotFound { .. }))
        ),
        "{missing:?}"
    );
    assert_eq!(w.count("SELECT COUNT(*) FROM snapshots").await, 2);
}

/// StructOCR's account figures are stored once per account and batch, however many
/// of its keys were polled, and every key's snapshot links to that row; a failed
/// poll links to nothing; retention removes old account readings too.
#[tokio::test]
async fn structocr_account_figures_are_stored_once_per_account_and_linked_to_its_keys() {
    use engine::{
        history::{Retention, apply_retention},
        store::accounts,
    };

    let w = world().await;
    let first = w.add_key("structocr", "eu-1", "pool-eu-key-0001").await;
    let second = w.add_key("structocr", "eu-2", "pool-eu-key-0002").await;
    let alone = w
        .add_key("structocr", "solo", "solo-account-key-0003")
        .await;
    let broken = w
        .add_key("structocr", "broken", "fault-500-account-key")
        .await;
    let gates = w
        .add_key("platerecognizer", "gates", "plate-key-not-an-account")
        .await;
    for key in [first, second] {
        engine::alerts::set_key_account(&w.store, &Actor::Cli, key, "acme-eu", Utc::now())
            .await
            .expect("pooled");
    }

    w.cycle(&Selection::All).await;
    assert_eq!(w.count("SELECT COUNT(*) FROM account_readings").await, 2);
    let link = |key: KeyId| {
        let pool = w.store.pool().clone();
        async move {
            sqlx::query_scalar::<_, Option<i64>>(
                "SELECT account_reading_id FROM snapshots WHERE key_id = ? ORDER BY id DESC LIMIT 1",
            )
            .bind(key.0)
            .fetch_one(&pool)
            .await
            .expect("snapshot")
        }
    };
    let pooled = link(first).await.expect("linked");
    assert_eq!(link(second).await, Some(pooled), "one row for the pool");
    let solo = link(alone).await.expect("linked");
    assert_ne!(solo, pooled);
    assert_eq!(
        link(broken).await,
        None,
        "a failed poll has no account figures"
    );
    assert_eq!(link(gates).await, None, "other vendors have no account");

    let since = Utc::now() - TimeDelta::hours(1);
    let history = accounts::history(w.store.pool(), domain::Vendor::StructOcr, "acme-eu", since)
        .await
        .expect("history");
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].id, pooled);
    assert!(history[0].credits_total >= history[0].credits_used);
    assert_eq!(
        history[0].credits_remaining,
        history[0].credits_total - history[0].credits_used
    );
    let solo_history = accounts::history(
        w.store.pool(),
        domain::Vendor::StructOcr,
        &accounts::account_of(alone, None),
        since,
    )
    .await
    .expect("history");
    assert_eq!(solo_history.len(), 1);

    // The next batch adds one row per account again.
    w.cycle(&Selection::All).await;
    assert_eq!(w.count("SELECT COUNT(*) FROM account_readings").await, 4);

    // Past the raw retention, account readings go and the links become NULL.
    let retention = Retention {
        raw: TimeDelta::days(7),
        hourly: TimeDelta::days(90),
        daily: TimeDelta::days(730),
    };
    let report = apply_retention(&w.store, &retention, Utc::now() + TimeDelta::days(8))
        .await
        .expect("retention");
    assert_eq!(report.account_readings_deleted, 4);
    assert_eq!(w.count("SELECT COUNT(*) FROM account_readings").await, 0);
    assert_eq!(
        w.count("SELECT COUNT(*) FROM snapshots WHERE account_reading_id IS NOT NULL")
            .await,
        0
    );
}
