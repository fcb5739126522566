//! The real clients against the in-process simulator over loopback HTTP: every vendor's
//! happy path and every fault prefix, each ending in the right typed error.

use std::{sync::Arc, time::Duration};

use chrono::{DateTime, Utc};
use domain::{FetchErrorKind, Scope, Vendor, VendorDetails};
use engine::vendors::{
    ApiKey, ClientSettings, Credential, FetchError, RetryAfter, VendorClient, fetch_usage,
    ocr_space,
};
use simulator::{ManualClock, SimulatorHandle, SimulatorOptions};

fn now() -> DateTime<Utc> {
    "2026-06-17T10:30:00Z".parse().expect("date")
}

async fn simulator() -> SimulatorHandle {
    simulator::spawn(SimulatorOptions {
        clock: Arc::new(ManualClock::new(now())),
        ..SimulatorOptions::default()
    })
    .await
    .expect("simulator starts")
}

fn client() -> VendorClient {
    VendorClient::new(ClientSettings {
        // Short, so the timeout and slow-body faults keep the suite fast.
        total_timeout: Duration::from_millis(500),
        ..ClientSettings::default()
    })
    .expect("client")
}

fn cred(sim: &SimulatorHandle, vendor: Vendor, key: &str) -> Credential {
    let (api_key, base) = match vendor {
        Vendor::PlateRecognizerSdk => (None, sim.sdk_base_url(key)),
        _ => (Some(ApiKey::parse(key).expect("key")), sim.base_url()),
    };
    Credential::new("test-key", vendor, api_key)
        .expect("credential")
        .with_base_url(&base)
        .expect("base url")
}

async fn fetch(
    sim: &SimulatorHandle,
    vendor: Vendor,
    key: &str,
) -> Result<engine::vendors::Fetched, FetchError> {
    fetch_usage(&client(), &cred(sim, vendor, key)).await
}

#[tokio::test]
async fn every_vendor_happy_path() {
    let sim = simulator().await;
    for vendor in Vendor::ALL {
        let fetched = fetch(&sim, vendor, "healthy-key-1").await.expect("fetched");
        let reading = fetched.reading;
        assert_eq!(reading.vendor, vendor);
        let used = reading.used.expect("used").value;
        assert!(used > 0, "{vendor}: a mid-month key has usage");
        if vendor.reports_limit() {
            let limit = reading.limit.expect("limit").value;
            let remaining = reading.remaining.expect("remaining").value;
            assert!(used < limit, "{vendor}: {used} < {limit}");
            assert!(remaining > 0, "{vendor}");
        }
        assert!(
            reading.unknown_fields.is_empty(),
            "{vendor}: {:?}",
            reading.unknown_fields
        );
    }
}

#[tokio::test]
async fn ocr_space_reads_to_yesterday_and_last_month() {
    let sim = simulator().await;
    let cred = cred(&sim, Vendor::OcrSpace, "healthy-key-1").with_monthly_limit(300_000);
    let current = fetch_usage(&client(), &cred)
        .await
        .expect("current")
        .reading;
    // The client stamps readings with its own clock: midnight today, the end of yesterday.
    let today = Utc::now()
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .expect("midnight")
        .and_utc();
    assert_eq!(current.as_of, today);
    let VendorDetails::OcrSpace(details) = &current.details else {
        panic!("details");
    };
    assert!(!details.unverified);
    assert!(details.engine3.is_some(), "live spelling has engine 3");
    let last = ocr_space::fetch_last_month(&client(), &cred)
        .await
        .expect("last")
        .reading;
    let VendorDetails::OcrSpace(last_details) = &last.details else {
        panic!("details");
    };
    assert!(last_details.last_month);
    // A whole month of usage against 16 days.
    assert!(last.used.expect("used").value > current.used.expect("used").value);
    assert_ne!(
        last.used, current.used,
        "the form field reached the simulator"
    );
}

#[tokio::test]
async fn ocr_space_documented_spelling_and_invalid_key() {
    let sim = simulator().await;
    let legacy = fetch(&sim, Vendor::OcrSpace, "legacy-key")
        .await
        .expect("ok")
        .reading;
    let VendorDetails::OcrSpace(details) = legacy.details else {
        panic!("details");
    };
    assert!(details.total.is_some() && details.engine3.is_none());
    let invalid = fetch(&sim, Vendor::OcrSpace, "invalid-key")
        .await
        .expect("ok")
        .reading;
    let VendorDetails::OcrSpace(details) = invalid.details else {
        panic!("details");
    };
    assert!(
        details.unverified,
        "zeros from an invalid key are unverified"
    );
}

#[tokio::test]
async fn structocr_is_account_scoped() {
    let sim = simulator().await;
    let reading = fetch(&sim, Vendor::StructOcr, "healthy-key-1")
        .await
        .expect("ok")
        .reading;
    assert_eq!(reading.scope, Scope::Account);
    let VendorDetails::StructOcr(details) = reading.details else {
        panic!("details");
    };
    assert!(
        details.this_key.credits_used.expect("key credits")
            <= details.account.credits_this_period.expect("period")
    );
    assert!(details.account.error_rate.is_some());
}

#[tokio::test]
async fn near_limit_keys_sit_close_to_their_limit() {
    let sim = simulator().await;
    for vendor in [
        Vendor::StructOcr,
        Vendor::PlateRecognizerCloud,
        Vendor::PlateRecognizerSdk,
    ] {
        let reading = fetch(&sim, vendor, "near-limit-1")
            .await
            .expect("ok")
            .reading;
        let percent = reading.used_percent().expect("percent").hundredths;
        assert!((9_000..10_000).contains(&percent), "{vendor}: {percent}");
    }
}

#[tokio::test]
async fn invalid_keys_are_unauthorized() {
    let sim = simulator().await;
    for vendor in [
        Vendor::StructOcr,
        Vendor::PlateRecognizerCloud,
        Vendor::PlateRecognizerSdk,
    ] {
        let error = fetch(&sim, vendor, "invalid-1")
            .await
            .expect_err("rejected");
        assert_eq!(
            error.kind(),
            FetchErrorKind::Unauthorized,
            "{vendor}: {error}"
        );
    }
    let error = fetch(&sim, Vendor::StructOcr, "noaccount-1")
        .await
        .expect_err("404");
    assert_eq!(error.kind(), FetchErrorKind::Unauthorized);
}

#[tokio::test]
async fn every_fault_prefix_gives_its_typed_error() {
    let sim = simulator().await;
    let expectations = [
        ("fault-timeout", FetchErrorKind::Timeout),
        ("fault-slow", FetchErrorKind::Timeout),
        ("fault-429", FetchErrorKind::RateLimited),
        ("fault-429-date", FetchErrorKind::RateLimited),
        ("fault-500", FetchErrorKind::Upstream5xx),
        ("fault-garbage", FetchErrorKind::Malformed),
        ("fault-huge", FetchErrorKind::Malformed),
        ("fault-drift", FetchErrorKind::Drift),
    ];
    for vendor in Vendor::ALL {
        for (key, kind) in expectations {
            let error = fetch(&sim, vendor, key).await.expect_err(key);
            assert_eq!(error.kind(), kind, "{vendor} {key}: {error}");
        }
    }
}

#[tokio::test]
async fn rate_limits_carry_the_retry_time_in_both_forms() {
    let sim = simulator().await;
    let error = fetch(&sim, Vendor::PlateRecognizerCloud, "fault-429")
        .await
        .expect_err("429");
    assert_eq!(
        error,
        FetchError::RateLimited {
            retry_after: Some(RetryAfter::Delay(Duration::from_secs(1)))
        }
    );
    let error = fetch(&sim, Vendor::OcrSpace, "fault-429")
        .await
        .expect_err("403");
    assert_eq!(
        error,
        FetchError::RateLimited {
            retry_after: Some(RetryAfter::Delay(Duration::from_secs(60)))
        }
    );
    let error = fetch(&sim, Vendor::StructOcr, "fault-429-date")
        .await
        .expect_err("429");
    let FetchError::RateLimited {
        retry_after: Some(RetryAfter::At(at)),
    } = error
    else {
        panic!("an HTTP-date retry time: {error:?}");
    };
    assert_eq!(
        at,
        "2026-06-17T10:30:30Z".parse::<DateTime<Utc>>().expect("d")
    );
}

#[tokio::test]
async fn huge_body_is_refused_not_buffered() {
    let sim = simulator().await;
    let error = fetch(&sim, Vendor::StructOcr, "fault-huge")
        .await
        .expect_err("huge");
    assert!(error.to_string().contains("too large"), "{error}");
}

#[tokio::test]
async fn drift_names_the_renamed_fields() {
    let sim = simulator().await;
    let error = fetch(&sim, Vendor::StructOcr, "fault-drift")
        .await
        .expect_err("drift");
    assert_eq!(
        error,
        FetchError::Drift {
            missing: vec![
                "account.credits_remaining".into(),
                "this_key.credits_used".into()
            ],
            unknown: vec![
                "account.credits_left".into(),
                "this_key.credits_consumed".into()
            ],
        }
    );
}

#[tokio::test]
async fn connection_refused_is_a_connection_error() {
    let sim = simulator().await;
    let base = sim.base_url();
    drop(sim);
    tokio::time::sleep(Duration::from_millis(50)).await;
    let cred = Credential::new(
        "gone",
        Vendor::StructOcr,
        Some(ApiKey::parse("k").expect("key")),
    )
    .expect("cred")
    .with_base_url(&base)
    .expect("url");
    let error = fetch_usage(&client(), &cred).await.expect_err("refused");
    assert_eq!(error.kind(), FetchErrorKind::Connection, "{error}");
}

#[tokio::test]
async fn the_key_never_shows_in_errors_readings_or_stored_json() {
    let sim = simulator().await;
    let marker = "MARKERSECRET9f2b";
    let prefixes = [
        "",
        "invalid-",
        "fault-timeout-",
        "fault-429-",
        "fault-429-date-",
        "fault-500-",
        "fault-garbage-",
        "fault-huge-",
        "fault-drift-",
        "near-limit-",
    ];
    for vendor in Vendor::ALL {
        for prefix in prefixes {
            let key = format!("{prefix}{marker}");
            let cred = cred(&sim, vendor, &key);
            assert!(!format!("{cred:?}").contains(marker) || vendor == Vendor::PlateRecognizerSdk);
            match fetch_usage(&client(), &cred).await {
                Ok(fetched) => {
                    let shown = format!("{:?} {}", fetched.reading, fetched.raw);
                    assert!(!shown.contains(marker), "{vendor} {key}: {shown}");
                    let json = serde_json::to_string(&fetched.reading).expect("json");
                    assert!(!json.contains(marker), "{vendor} {key}: {json}");
                }
                Err(error) => {
                    let shown = format!("{error} {error:?}");
                    assert!(!shown.contains(marker), "{vendor} {key}: {shown}");
                }
            }
        }
    }
}
