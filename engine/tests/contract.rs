//! Contract tests: the exact example bodies and error replies from the vendors' own
//! documents (../shared/vendors/), judged by each client's `interpret`.

use chrono::{DateTime, Utc};
use domain::{FigureSource, Percent, Scope, Vendor, VendorDetails};
use engine::vendors::{
    ApiKey, Credential, FetchError, Reply, RetryAfter, ocr_space, plate_recognizer,
    plate_recognizer_sdk, structocr,
};
use std::time::Duration;

const SECRET: &str = "MARKER-SECRET-7f3a9c";

fn now() -> DateTime<Utc> {
    "2026-06-17T10:30:00Z".parse().expect("date")
}

fn cred(vendor: Vendor) -> Credential {
    let key = ApiKey::parse(SECRET).expect("key");
    Credential::new("contract", vendor, Some(key)).expect("credential")
}

// structocr-balance.md, "Success Response (200 OK)", verbatim.
const STRUCTOCR_EXAMPLE: &str = r#"{
  "period": {
    "start": "2026-06-01T00:00:00.000Z",
    "end": "2026-06-30T23:59:59.000Z"
  },
  "account": {
    "credits_total": 50569,
    "credits_used": 1720,
    "credits_remaining": 48849,
    "credits_this_period": 337,
    "requests_this_period": 206,
    "error_rate": "4.37%",
    "avg_latency_ms": 2720
  },
  "this_key": {
    "credits_used": 79,
    "requests": 45,
    "error_rate": "2.22%",
    "avg_latency_ms": 2424
  }
}"#;

// platerecognizer-snapshot.md, "Statistics" return value, verbatim.
const PLATE_RECOGNIZER_EXAMPLE: &str = r#"{
  "usage": {
    "month": 1,
    "calls": 128,
    "year": 2019,
    "resets_on": "2019-01-14T00:00:00Z"
  },
  "total_calls": 2500
}"#;

// platerecognizer-snapshot.md, "SDK Version" return value, verbatim.
const SDK_EXAMPLE: &str = r#"{
  "version": "1.3.8",
  "license_key": "XXX",
  "total_calls": 2500,
  "usage": {"calls": 10},
  "webhooks": []
}"#;

#[test]
fn structocr_documented_example() {
    let fetched = structocr::interpret(
        &Reply::new(200, STRUCTOCR_EXAMPLE),
        &cred(Vendor::StructOcr),
        now(),
    )
    .expect("parses");
    let reading = fetched.reading;
    assert_eq!(reading.scope, Scope::Account);
    assert_eq!(reading.remaining.expect("remaining").value, 48849);
    assert_eq!(
        reading.remaining.expect("remaining").source,
        FigureSource::Vendor
    );
    assert_eq!(reading.used.expect("used").value, 1720);
    assert_eq!(reading.limit.expect("limit").value, 50569);
    assert!(reading.unknown_fields.is_empty());
    let VendorDetails::StructOcr(details) = reading.details else {
        panic!("StructOCR details expected");
    };
    assert_eq!(details.this_key.credits_used, Some(79));
    assert_eq!(details.this_key.requests, Some(45));
    assert_eq!(
        details.account.error_rate,
        Some(Percent { hundredths: 437 })
    );
    assert_eq!(
        details.this_key.error_rate,
        Some(Percent { hundredths: 222 })
    );
    assert_eq!(
        details.period_end,
        Some("2026-06-30T23:59:59Z".parse().expect("date"))
    );
    assert_eq!(fetched.raw["account"]["credits_remaining"], 48849);
}

#[test]
fn structocr_documented_errors() {
    let cred = cred(Vendor::StructOcr);
    let cases = [
        (401, r#"{"error": "Missing x-api-key header"}"#),
        (401, r#"{"error": "Invalid or inactive API key"}"#),
        (404, r#"{"error": "Account not found"}"#),
    ];
    for (status, body) in cases {
        let error =
            structocr::interpret(&Reply::new(status, body), &cred, now()).expect_err("error reply");
        let FetchError::Unauthorized { reason } = &error else {
            panic!("{status} {body}: {error:?}");
        };
        assert!(body.contains(reason.as_str()), "{reason}");
        assert!(!error.is_transient());
    }
    let error = structocr::interpret(
        &Reply::new(500, r#"{"error": "Failed to fetch usage data"}"#),
        &cred,
        now(),
    )
    .expect_err("500");
    assert_eq!(error, FetchError::Upstream5xx { status: 500 });
    assert!(error.is_transient());
    let error = structocr::interpret(
        &Reply::new(402, r#"{"error": "INSUFFICIENT_CREDITS"}"#),
        &cred,
        now(),
    )
    .expect_err("402");
    assert!(
        matches!(error, FetchError::QuotaExhausted { .. }),
        "{error:?}"
    );
}

#[test]
fn structocr_bad_error_rate_is_malformed() {
    let body = STRUCTOCR_EXAMPLE.replace("\"4.37%\"", "\"lots\"");
    let error = structocr::interpret(&Reply::new(200, body), &cred(Vendor::StructOcr), now())
        .expect_err("bad rate");
    assert!(matches!(error, FetchError::Malformed { .. }), "{error:?}");
}

#[test]
fn plate_recognizer_documented_example() {
    let fetched = plate_recognizer::interpret(
        &Reply::new(200, PLATE_RECOGNIZER_EXAMPLE),
        &cred(Vendor::PlateRecognizerCloud),
        now(),
    )
    .expect("parses");
    let reading = fetched.reading;
    assert_eq!(reading.used.expect("used").value, 128);
    assert_eq!(reading.limit.expect("limit").value, 2500);
    let remaining = reading.remaining.expect("remaining");
    assert_eq!(
        (remaining.value, remaining.source),
        (2372, FigureSource::Inferred)
    );
    let resets_on: DateTime<Utc> = "2019-01-14T00:00:00Z".parse().expect("date");
    assert_eq!(reading.resets_on.expect("resets").value, resets_on);
    assert_eq!(
        reading.period_start.expect("start").value,
        "2018-12-14T00:00:00Z"
            .parse::<DateTime<Utc>>()
            .expect("date")
    );
    assert_eq!(
        reading.details,
        VendorDetails::PlateRecognizerCloud(domain::PlateRecognizerCloudDetails {
            month: Some(1),
            year: Some(2019),
        })
    );
}

#[test]
fn plate_recognizer_documented_errors() {
    let cred = cred(Vendor::PlateRecognizerCloud);
    let throttled =
        r#"{"detail":"Request was throttled. Expected available in 1 second.","status_code":429}"#;
    let error =
        plate_recognizer::interpret(&Reply::new(429, throttled), &cred, now()).expect_err("429");
    assert_eq!(
        error,
        FetchError::RateLimited {
            retry_after: Some(RetryAfter::Delay(Duration::from_secs(1)))
        }
    );
    // The header wins over the body when both are there.
    let error = plate_recognizer::interpret(
        &Reply::new(429, throttled).with_header("retry-after", "7"),
        &cred,
        now(),
    )
    .expect_err("429");
    assert_eq!(
        error,
        FetchError::RateLimited {
            retry_after: Some(RetryAfter::Delay(Duration::from_secs(7)))
        }
    );
    for status in [401, 403] {
        let error = plate_recognizer::interpret(
            &Reply::new(status, r#"{"detail":"Invalid token."}"#),
            &cred,
            now(),
        )
        .expect_err("auth");
        assert!(
            matches!(error, FetchError::Unauthorized { .. }),
            "{error:?}"
        );
    }
    let error = plate_recognizer::interpret(
        &Reply::new(403, r#"{"detail":"You do not have enough credits."}"#),
        &cred,
        now(),
    )
    .expect_err("no credits");
    assert!(
        matches!(error, FetchError::QuotaExhausted { .. }),
        "{error:?}"
    );
}

#[test]
fn sdk_documented_example_and_license_is_stripped() {
    let cred = Credential::new("sdk", Vendor::PlateRecognizerSdk, None).expect("cred");
    let fetched =
        plate_recognizer_sdk::interpret(&Reply::new(200, SDK_EXAMPLE), &cred, now()).expect("ok");
    assert_eq!(fetched.reading.used.expect("used").value, 10);
    assert_eq!(fetched.reading.limit.expect("limit").value, 2500);
    assert_eq!(fetched.reading.remaining.expect("remaining").value, 2490);
    assert!(fetched.raw.get("license_key").is_none(), "{}", fetched.raw);
    assert!(!fetched.raw.to_string().contains("XXX"));
    assert!(!format!("{fetched:?}").contains("XXX"));
    assert_eq!(fetched.raw["version"], "1.3.8");
}

#[test]
fn ocr_space_live_spelling_current_month() {
    let body =
        r#"{"count_total":1500,"count_engine1":1000,"count_engine2":400,"count_engine3":100}"#;
    let cred = cred(Vendor::OcrSpace).with_monthly_limit(300_000);
    let fetched = ocr_space::interpret(
        &Reply::new(200, body),
        &cred,
        now(),
        ocr_space::Month::Current,
    )
    .expect("parses");
    let reading = fetched.reading;
    assert_eq!(reading.used.expect("used").value, 1500);
    let limit = reading.limit.expect("limit");
    assert_eq!(
        (limit.value, limit.source),
        (300_000, FigureSource::Configured)
    );
    assert_eq!(reading.remaining.expect("remaining").value, 298_500);
    assert_eq!(
        reading.as_of,
        "2026-06-17T00:00:00Z".parse::<DateTime<Utc>>().expect("d")
    );
    assert_eq!(
        reading.period_start.expect("start").value,
        "2026-06-01T00:00:00Z".parse::<DateTime<Utc>>().expect("d")
    );
    assert_eq!(
        reading.resets_on.expect("resets").value,
        "2026-07-01T00:00:00Z".parse::<DateTime<Utc>>().expect("d")
    );
    let VendorDetails::OcrSpace(details) = reading.details else {
        panic!("OCR.space details expected");
    };
    assert_eq!(details.engine3, Some(100));
    assert!(!details.unverified);
}

#[test]
fn ocr_space_documented_spelling_and_missing_fields_are_unknown() {
    let cred = cred(Vendor::OcrSpace);
    let body = r#"{"Engine1": 20, "Engine2": 5}"#;
    let reading = ocr_space::interpret(
        &Reply::new(200, body),
        &cred,
        now(),
        ocr_space::Month::Current,
    )
    .expect("parses")
    .reading;
    let used = reading.used.expect("used");
    assert_eq!((used.value, used.source), (25, FigureSource::Inferred));
    assert_eq!(reading.limit, None, "no limit configured, none reported");
    assert_eq!(reading.remaining, None);
    let VendorDetails::OcrSpace(details) = reading.details else {
        panic!("OCR.space details expected");
    };
    assert_eq!(details.engine3, None, "missing is unknown, not zero");
    assert_eq!(details.total, None);
}

#[test]
fn ocr_space_all_zero_is_unverified() {
    let body = r#"{"Engine1":0,"Engine2":0,"Total":0}"#;
    let reading = ocr_space::interpret(
        &Reply::new(200, body),
        &cred(Vendor::OcrSpace),
        now(),
        ocr_space::Month::Current,
    )
    .expect("parses")
    .reading;
    let VendorDetails::OcrSpace(details) = reading.details else {
        panic!("OCR.space details expected");
    };
    assert!(details.unverified);
}

#[test]
fn ocr_space_last_month_covers_the_previous_calendar_month() {
    let body = r#"{"count_total":9}"#;
    let reading = ocr_space::interpret(
        &Reply::new(200, body),
        &cred(Vendor::OcrSpace),
        now(),
        ocr_space::Month::Last,
    )
    .expect("parses")
    .reading;
    let at = |s: &str| s.parse::<DateTime<Utc>>().expect("date");
    assert_eq!(
        reading.period_start.expect("start").value,
        at("2026-05-01T00:00:00Z")
    );
    assert_eq!(
        reading.resets_on.expect("end").value,
        at("2026-06-01T00:00:00Z")
    );
    assert_eq!(reading.as_of, at("2026-06-01T00:00:00Z"));
}

#[test]
fn ocr_space_errors_inside_200_bodies_are_classified() {
    let cred = cred(Vendor::OcrSpace);
    let interpret = |status, body: &str| {
        ocr_space::interpret(
            &Reply::new(status, body),
            &cred,
            now(),
            ocr_space::Month::Current,
        )
    };
    for body in [
        "api key not valid",
        r#"{"ErrorMessage":["API key not valid"],"IsErroredOnProcessing":true}"#,
        r#"{"error":"E555"}"#,
    ] {
        let error = interpret(200, body).expect_err(body);
        assert!(
            matches!(error, FetchError::Unauthorized { .. }),
            "{body}: {error:?}"
        );
    }
    let throttle =
        "You may only perform this action upto maximum 600 number of times within 60 seconds";
    assert_eq!(
        interpret(403, throttle).expect_err("403"),
        FetchError::RateLimited {
            retry_after: Some(RetryAfter::Delay(Duration::from_secs(60)))
        }
    );
    assert!(matches!(
        interpret(403, "Forbidden").expect_err("403"),
        FetchError::Unauthorized { .. }
    ));
    assert!(matches!(
        interpret(200, r#"{"conversions": 3}"#).expect_err("drift"),
        FetchError::Drift { .. }
    ));
    assert!(matches!(
        interpret(200, "<html>maintenance</html>").expect_err("html"),
        FetchError::Malformed { .. }
    ));
}

#[test]
fn drift_names_missing_and_new_fields() {
    let body = r#"{"usage":{"month":1,"call_count":128,"year":2019,"resets_on":"2019-01-14T00:00:00Z"},"max_calls":2500}"#;
    let error = plate_recognizer::interpret(
        &Reply::new(200, body),
        &cred(Vendor::PlateRecognizerCloud),
        now(),
    )
    .expect_err("drift");
    let FetchError::Drift { missing, unknown } = error else {
        panic!("drift expected: {error:?}");
    };
    assert_eq!(missing, vec!["usage.calls", "total_calls"]);
    assert_eq!(unknown.len(), 2, "{unknown:?}");
    assert!(unknown.contains(&"max_calls".to_owned()));
    assert!(unknown.contains(&"usage.call_count".to_owned()));
}

#[test]
fn new_fields_alone_are_a_warning_not_an_error() {
    let body =
        PLATE_RECOGNIZER_EXAMPLE.replace("\"total_calls\"", "\"plan\": \"pro\", \"total_calls\"");
    let reading = plate_recognizer::interpret(
        &Reply::new(200, body),
        &cred(Vendor::PlateRecognizerCloud),
        now(),
    )
    .expect("still parses")
    .reading;
    assert_eq!(reading.unknown_fields, vec!["plan"]);
}

#[test]
fn retry_after_http_date_form_on_a_429() {
    let error = structocr::interpret(
        &Reply::new(429, r#"{"error":"QUOTA_EXCEEDED"}"#)
            .with_header("retry-after", "Wed, 17 Jun 2026 10:31:00 GMT"),
        &cred(Vendor::StructOcr),
        now(),
    )
    .expect_err("429");
    let FetchError::RateLimited {
        retry_after: Some(retry_after),
    } = error
    else {
        panic!("retry time expected: {error:?}");
    };
    assert_eq!(retry_after.delay_from(now()), Duration::from_secs(60));
}

#[test]
fn vendor_text_echoing_the_key_is_scrubbed() {
    let body = format!(r#"{{"error":"Invalid or inactive API key {SECRET}"}}"#);
    let error = structocr::interpret(&Reply::new(401, body), &cred(Vendor::StructOcr), now())
        .expect_err("401");
    assert!(!error.to_string().contains(SECRET), "{error}");
    assert!(!format!("{error:?}").contains(SECRET), "{error:?}");
    let body = format!(r#"{{"count_total":3,"note":"for {SECRET}"}}"#);
    let fetched = ocr_space::interpret(
        &Reply::new(200, body),
        &cred(Vendor::OcrSpace),
        now(),
        ocr_space::Month::Current,
    )
    .expect("ok");
    assert!(!fetched.raw.to_string().contains(SECRET), "{}", fetched.raw);
}
