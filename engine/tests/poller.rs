//! The poller against the in-process simulator over loopback HTTP, judged from the
//! vendor's side of the wire: how many requests arrived, when, and how many at once.

use std::{num::NonZeroU32, sync::Arc, time::Duration};

use chrono::Utc;
use domain::{FetchErrorKind, Vendor};
use engine::{
    poller::{PollOutcome, PollTarget, Poller, PollerSettings, RetryPolicy, Skipped, VendorLimits},
    vendors::{ApiKey, ClientSettings, Credential, VendorClient},
};
use simulator::{SimulatorHandle, SimulatorOptions, SystemClock};

async fn simulator(latency: Duration) -> SimulatorHandle {
    simulator::spawn(SimulatorOptions {
        clock: Arc::new(SystemClock),
        latency,
        ..SimulatorOptions::default()
    })
    .await
    .expect("simulator starts")
}

fn poller(settings: PollerSettings) -> Poller {
    let client = VendorClient::new(ClientSettings {
        total_timeout: Duration::from_millis(500),
        ..ClientSettings::default()
    })
    .expect("client");
    Poller::new(client, settings)
}

/// Fast retries, no vendor rate limits: what each test changes is spelled out.
fn settings(max_attempts: u32) -> PollerSettings {
    PollerSettings {
        concurrency: 8,
        retry: RetryPolicy {
            max_attempts,
            initial_backoff: Duration::from_millis(20),
            max_backoff: Duration::from_millis(50),
            max_retry_after: Duration::from_secs(5),
        },
        limits: VendorLimits::unlimited(),
    }
}

fn target(sim: &SimulatorHandle, key_id: i64, vendor: Vendor, key: &str) -> PollTarget {
    let (api_key, base) = match vendor {
        Vendor::PlateRecognizerSdk => (None, sim.sdk_base_url(key)),
        _ => (Some(ApiKey::parse(key).expect("key")), sim.base_url()),
    };
    let credential = Credential::new(format!("key-{key_id}"), vendor, api_key)
        .expect("credential")
        .with_base_url(&base)
        .expect("base url")
        .with_monthly_limit(300_000);
    PollTarget::new(key_id, credential)
}

async fn poll_single(poller: &Poller, target: PollTarget) -> PollOutcome {
    let mut outcomes = poller.poll(vec![target]).await;
    assert_eq!(outcomes.len(), 1);
    outcomes.remove(0)
}

fn kind(outcome: &PollOutcome) -> Option<FetchErrorKind> {
    outcome.result.as_ref().err().map(|error| error.kind())
}

#[tokio::test]
async fn healthy_keys_of_every_vendor_are_polled_once_each() {
    let sim = simulator(Duration::ZERO).await;
    let poller = poller(settings(3));
    let targets = Vendor::ALL
        .iter()
        .enumerate()
        .map(|(i, vendor)| target(&sim, i as i64, *vendor, &format!("healthy-{i}")))
        .collect();
    let outcomes = poller.poll(targets).await;
    assert_eq!(outcomes.len(), 4);
    for outcome in &outcomes {
        assert!(outcome.result.is_ok(), "{outcome:?}");
        assert_eq!(outcome.attempts, 1);
        assert_eq!(outcome.skipped, None);
    }
    assert_eq!(sim.traffic().requests().len(), 4);
}

#[tokio::test]
async fn server_errors_are_retried_a_bounded_number_of_times() {
    let sim = simulator(Duration::ZERO).await;
    let outcome = poll_single(
        &poller(settings(3)),
        target(&sim, 1, Vendor::StructOcr, "fault-500-a"),
    )
    .await;
    assert_eq!(kind(&outcome), Some(FetchErrorKind::Upstream5xx));
    assert_eq!(outcome.attempts, 3);
    assert_eq!(sim.traffic().requests_with("fault-500-a").len(), 3);
}

#[tokio::test]
async fn a_rejected_key_is_not_retried() {
    let sim = simulator(Duration::ZERO).await;
    let outcome = poll_single(
        &poller(settings(3)),
        target(&sim, 1, Vendor::PlateRecognizerCloud, "invalid-key"),
    )
    .await;
    assert_eq!(kind(&outcome), Some(FetchErrorKind::Unauthorized));
    assert_eq!(outcome.attempts, 1);
    assert_eq!(sim.traffic().requests_with("invalid-key").len(), 1);
}

#[tokio::test]
async fn unreadable_replies_are_not_retried_but_timeouts_are() {
    let sim = simulator(Duration::ZERO).await;
    let poller = poller(settings(2));
    let garbage = poll_single(&poller, target(&sim, 1, Vendor::StructOcr, "fault-garbage")).await;
    assert_eq!(kind(&garbage), Some(FetchErrorKind::Malformed));
    assert_eq!(garbage.attempts, 1);

    let huge = poll_single(&poller, target(&sim, 2, Vendor::StructOcr, "fault-huge")).await;
    assert_eq!(kind(&huge), Some(FetchErrorKind::Malformed));
    assert_eq!(huge.attempts, 1);

    let timeout = poll_single(&poller, target(&sim, 3, Vendor::StructOcr, "fault-timeout")).await;
    assert_eq!(kind(&timeout), Some(FetchErrorKind::Timeout));
    assert_eq!(timeout.attempts, 2);
    assert_eq!(sim.traffic().requests_with("fault-timeout").len(), 2);
}

#[tokio::test]
async fn retry_after_in_seconds_is_honoured_before_the_next_request() {
    let sim = simulator(Duration::ZERO).await;
    // The simulator answers fault-429 with `Retry-After: 1`.
    let outcome = poll_single(
        &poller(settings(2)),
        target(&sim, 1, Vendor::PlateRecognizerCloud, "fault-429-x"),
    )
    .await;
    assert_eq!(kind(&outcome), Some(FetchErrorKind::RateLimited));
    assert_eq!(outcome.attempts, 2);
    let seen = sim.traffic().requests_with("fault-429-x");
    assert_eq!(seen.len(), 2);
    let gap = seen[1].at - seen[0].at;
    assert!(gap >= Duration::from_secs(1), "retried after {gap:?}");
}

#[tokio::test]
async fn retry_after_as_a_date_too_far_ahead_pauses_the_key_without_new_requests() {
    let sim = simulator(Duration::ZERO).await;
    let poller = poller(settings(3));
    // fault-429-date: Retry-After is an HTTP-date 30 s ahead, beyond max_retry_after.
    let first = poll_single(
        &poller,
        target(&sim, 7, Vendor::StructOcr, "fault-429-date"),
    )
    .await;
    assert_eq!(kind(&first), Some(FetchErrorKind::RateLimited));
    assert_eq!(first.attempts, 1, "not waited for inside the poll");

    let second = poll_single(
        &poller,
        target(&sim, 7, Vendor::StructOcr, "fault-429-date"),
    )
    .await;
    assert_eq!(second.attempts, 0);
    let Some(Skipped::PausedUntil(until)) = second.skipped else {
        panic!("expected a skip, got {second:?}");
    };
    let ahead = until - Utc::now();
    assert!(
        ahead > chrono::TimeDelta::seconds(25) && ahead <= chrono::TimeDelta::seconds(31),
        "paused for {ahead}"
    );
    assert_eq!(sim.traffic().requests_with("fault-429-date").len(), 1);

    // Only that key is paused: StructOCR limits per account.
    let other = poll_single(&poller, target(&sim, 8, Vendor::StructOcr, "healthy")).await;
    assert!(other.result.is_ok(), "{other:?}");
}

#[tokio::test]
async fn ocr_space_throttling_pauses_every_ocr_space_key() {
    let sim = simulator(Duration::ZERO).await;
    let mut settings = settings(1);
    settings.concurrency = 1;
    let poller = poller(settings);
    // OCR.space throttles per client IP, with a 403 and a sentence.
    let throttled = poll_single(&poller, target(&sim, 1, Vendor::OcrSpace, "fault-429-o")).await;
    assert_eq!(kind(&throttled), Some(FetchErrorKind::RateLimited));

    let sibling = poll_single(&poller, target(&sim, 2, Vendor::OcrSpace, "healthy-o")).await;
    assert_eq!(sibling.attempts, 0);
    assert!(matches!(sibling.skipped, Some(Skipped::PausedUntil(_))));
    assert!(sim.traffic().requests_with("healthy-o").is_empty());

    let other_vendor = poll_single(&poller, target(&sim, 3, Vendor::StructOcr, "healthy-s")).await;
    assert!(other_vendor.result.is_ok());
}

#[tokio::test]
async fn concurrency_is_bounded() {
    let sim = simulator(Duration::from_millis(100)).await;
    let mut settings = settings(1);
    settings.concurrency = 3;
    let targets = (0..12)
        .map(|i| target(&sim, i, Vendor::PlateRecognizerSdk, &format!("license-{i}")))
        .collect();
    let outcomes = poller(settings).poll(targets).await;
    assert!(outcomes.iter().all(|o| o.result.is_ok()));
    assert_eq!(sim.traffic().requests().len(), 12);
    assert_eq!(sim.traffic().max_in_flight(), 3);
}

#[tokio::test]
async fn the_vendor_rate_limit_spaces_requests() {
    let sim = simulator(Duration::ZERO).await;
    let mut settings = settings(1);
    settings.concurrency = 16;
    settings
        .limits
        .per_second
        .insert(Vendor::StructOcr, NonZeroU32::new(5));
    let targets = (0..10)
        .map(|i| target(&sim, i, Vendor::StructOcr, &format!("healthy-{i}")))
        .collect();
    let outcomes = poller(settings).poll(targets).await;
    assert!(outcomes.iter().all(|o| o.result.is_ok()));
    let seen = sim.traffic().requests();
    let span = seen[seen.len() - 1].at - seen[0].at;
    // 5 per second: the tenth request cannot start before about one second in.
    assert!(
        span >= Duration::from_millis(900),
        "10 requests within {span:?}"
    );
}
