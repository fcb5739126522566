//! Plate Recognizer cloud statistics: `GET {base}/v1/statistics/`,
//! `Authorization: Token KEY`.
//!
//! `usage.calls` is this period's usage and `total_calls` the period's maximum (a
//! limit, not a lifetime total). The period follows the billing date, not the
//! calendar month: the documented example resets on the 14th. 401 and 403 both mean
//! the key, except that 403 is also "no credits left"; 429 says when to come back in
//! its body (Django REST framework throttling).

use chrono::{DateTime, Utc};
use domain::{Figure, PlateRecognizerCloudDetails, Scope, UsageReading, Vendor, VendorDetails};
use reqwest::StatusCode;
use serde_json::Value;

use super::{
    Credential, FetchError, Fetched, Reply, RetryAfter, VendorClient, header_retry_after, json,
    json::Fields, period, secret_header, status_error, vendor_message,
};

pub const PATH: &str = "/v1/statistics/";

pub(super) async fn fetch(client: &VendorClient, cred: &Credential) -> Result<Fetched, FetchError> {
    let request = client.http().get(cred.endpoint(PATH)).header(
        reqwest::header::AUTHORIZATION,
        secret_header(cred, "Token ")?,
    );
    let reply = client.execute(request).await?;
    interpret(&reply, cred, Utc::now())
}

pub fn interpret(
    reply: &Reply,
    cred: &Credential,
    now: DateTime<Utc>,
) -> Result<Fetched, FetchError> {
    match reply.status {
        StatusCode::OK => {}
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => {
            let reason = vendor_message(reply, cred);
            let lower = reason.to_ascii_lowercase();
            return Err(
                if ["credit", "quota", "lookups", "limit"]
                    .iter()
                    .any(|word| lower.contains(word))
                {
                    FetchError::QuotaExhausted { reason }
                } else {
                    FetchError::Unauthorized { reason }
                },
            );
        }
        StatusCode::TOO_MANY_REQUESTS => {
            let retry_after = header_retry_after(reply)
                .or_else(|| RetryAfter::from_throttle_text(&vendor_message(reply, cred)));
            return Err(FetchError::RateLimited { retry_after });
        }
        _ => return Err(status_error(reply, cred)),
    }
    let object = json::parse_object(reply)?;
    let mut fields = Fields::default();
    let calls = fields.required_u64(&object, "usage.calls");
    let total_calls = fields.required_u64(&object, "total_calls");
    let resets_on = fields
        .required_str(&object, "usage.resets_on")
        .and_then(|text| match DateTime::parse_from_rfc3339(text) {
            Ok(at) => Some(at.with_timezone(&Utc)),
            Err(_) => {
                fields.invalid("usage.resets_on is not a date-time".to_owned());
                None
            }
        });
    let month = fields
        .optional_u64(&object, "usage.month")
        .and_then(|m| u32::try_from(m).ok());
    let year = fields
        .optional_u64(&object, "usage.year")
        .and_then(|y| i32::try_from(y).ok());
    fields.note_unknown(&object, "", &["usage", "total_calls"]);
    fields.note_unknown(&object, "usage", &["month", "calls", "year", "resets_on"]);
    let unknown_fields = fields.finish()?;
    let (Some(calls), Some(total_calls)) = (calls, total_calls) else {
        return Err(FetchError::malformed("usage figures are missing"));
    };

    let raw = json::redact(
        Value::Object(object),
        &cred
            .key()
            .map(|key| key.expose())
            .into_iter()
            .collect::<Vec<_>>(),
    );
    Ok(Fetched {
        reading: UsageReading {
            vendor: Vendor::PlateRecognizerCloud,
            scope: Scope::Key,
            used: Some(Figure::vendor(calls)),
            limit: Some(Figure::vendor(total_calls)),
            remaining: Some(Figure::inferred(signed(total_calls) - signed(calls))),
            // Periods are a month long and end at the reset.
            period_start: resets_on.map(|at| Figure::inferred(period::add_months(at, -1))),
            resets_on: resets_on.map(Figure::vendor),
            as_of: now,
            unknown_fields,
            details: VendorDetails::PlateRecognizerCloud(PlateRecognizerCloudDetails {
                month,
                year,
            }),
        },
        raw,
    })
}

pub(super) fn signed(count: u64) -> i64 {
    i64::try_from(count).unwrap_or(i64::MAX)
}
