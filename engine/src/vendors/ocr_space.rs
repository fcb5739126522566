//! OCR.space conversions: `POST {base}/conversions`, key in the `apikey` header.
//!
//! Quirks (../shared/vendors/ocr-space-conversions.md and FACTS.md):
//! - Field names differ between the documentation (`Engine1`, `Engine2`, total) and a
//!   live reply (`count_total`, `count_engine1..3`); both are read, case-insensitively.
//!   A missing field is unknown, not zero.
//! - Counts run from the 1st to the end of yesterday and reset on the 1st, whatever
//!   the subscription date. The reply has no limit: it is configured per key.
//! - An invalid key gets zero conversions, not an error: all zeros is "unverified".
//! - Key and quota errors can arrive inside an HTTP 200 body; throttling is a 403
//!   with "You may only perform this action upto maximum N number of times within S
//!   seconds". Both are classified, never read as usage.

use std::time::Duration;

use chrono::{DateTime, Utc};
use domain::{Figure, OcrSpaceDetails, Scope, UsageReading, Vendor, VendorDetails};
use reqwest::{StatusCode, header::CONTENT_LENGTH, multipart::Form};
use serde_json::{Map, Value};

use super::{
    Credential, FetchError, Fetched, Reply, VendorClient, json, period, secret_header,
    status_error, vendor_message,
};

pub const PATH: &str = "/conversions";

/// Which month to ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Month {
    /// The 1st of this month up to the end of yesterday.
    Current,
    /// Last month's close-out (`startDate=lastMonth`).
    Last,
}

pub(super) async fn fetch(
    client: &VendorClient,
    cred: &Credential,
    month: Month,
) -> Result<Fetched, FetchError> {
    let request = client
        .http()
        .post(cred.endpoint(PATH))
        .header("apikey", secret_header(cred, "")?);
    let request = match month {
        Month::Current => request.header(CONTENT_LENGTH, "0").body(Vec::new()),
        // Form-data like the OCR API itself; `startDate` is case-sensitive.
        Month::Last => request.multipart(Form::new().text("startDate", "lastMonth")),
    };
    let reply = client.execute(request).await?;
    interpret(&reply, cred, Utc::now(), month)
}

/// Last month's final counts, for a month-end report.
#[tracing::instrument(skip_all, fields(key = cred.label()))]
pub async fn fetch_last_month(
    client: &VendorClient,
    cred: &Credential,
) -> Result<Fetched, FetchError> {
    fetch(client, cred, Month::Last).await
}

pub fn interpret(
    reply: &Reply,
    cred: &Credential,
    now: DateTime<Utc>,
    month: Month,
) -> Result<Fetched, FetchError> {
    let text = reply.text();
    match reply.status {
        StatusCode::OK => {}
        StatusCode::FORBIDDEN if throttle_window(&text).is_some() => {
            return Err(rate_limited(&text));
        }
        _ => return Err(status_error(reply, cred)),
    }
    let object = json::parse_object(reply).ok();
    let counts = object.as_ref().map(read_counts).transpose()?;
    match (object, counts) {
        (Some(object), Some(counts)) if counts.any() => {
            Ok(normalise(object, counts, cred, now, month))
        }
        (object, _) => Err(
            error_in_body(&text, reply, cred).unwrap_or_else(|| match object {
                Some(object) => FetchError::Drift {
                    missing: vec!["count_total (or Total)".to_owned()],
                    unknown: object.keys().cloned().collect(),
                },
                None => FetchError::malformed(
                    "the reply is neither conversion counts nor a known error",
                ),
            }),
        ),
    }
}

#[derive(Debug, Default)]
struct Counts {
    engine1: Option<u64>,
    engine2: Option<u64>,
    engine3: Option<u64>,
    total: Option<u64>,
    unknown: Vec<String>,
}

impl Counts {
    fn any(&self) -> bool {
        [self.engine1, self.engine2, self.engine3, self.total]
            .iter()
            .any(Option::is_some)
    }

    fn present(&self) -> impl Iterator<Item = u64> {
        [self.engine1, self.engine2, self.engine3, self.total]
            .into_iter()
            .flatten()
    }
}

fn read_counts(object: &Map<String, Value>) -> Result<Counts, FetchError> {
    let mut counts = Counts::default();
    for (key, value) in object {
        let name = key.to_ascii_lowercase();
        let slot = match name.strip_prefix("count_").unwrap_or(&name) {
            "engine1" => &mut counts.engine1,
            "engine2" => &mut counts.engine2,
            "engine3" => &mut counts.engine3,
            "total" => &mut counts.total,
            _ => {
                counts.unknown.push(key.clone());
                continue;
            }
        };
        if value.is_null() {
            continue;
        }
        let number = json::as_integer(value)
            .and_then(|n| u64::try_from(n).ok())
            .ok_or_else(|| FetchError::malformed(format!("{key} is not a whole number")))?;
        *slot = Some(number);
    }
    Ok(counts)
}

fn normalise(
    object: Map<String, Value>,
    counts: Counts,
    cred: &Credential,
    now: DateTime<Utc>,
    month: Month,
) -> Fetched {
    let used = match (counts.total, counts.engine1, counts.engine2) {
        (Some(total), _, _) => Some(Figure::vendor(total)),
        // The documented total is Engine1 + Engine2 (+ Engine3 where it exists).
        (None, Some(one), Some(two)) => Some(Figure::inferred(
            one + two + counts.engine3.unwrap_or_default(),
        )),
        _ => None,
    };
    let limit = cred.monthly_limit().map(Figure::configured);
    let remaining = match (used, limit) {
        (Some(used), Some(limit)) => Some(Figure::inferred(
            i64::try_from(limit.value).unwrap_or(i64::MAX)
                - i64::try_from(used.value).unwrap_or(i64::MAX),
        )),
        _ => None,
    };
    let this_month = period::month_start(now);
    let (period_start, resets_on, as_of) = match month {
        Month::Current => (
            this_month,
            period::add_months(this_month, 1),
            period::day_start(now),
        ),
        Month::Last => (period::add_months(this_month, -1), this_month, this_month),
    };
    let unverified = counts.present().all(|n| n == 0);
    let raw = json::redact(Value::Object(object), &secrets(cred));
    Fetched {
        reading: UsageReading {
            vendor: Vendor::OcrSpace,
            scope: Scope::Key,
            used,
            limit,
            remaining,
            period_start: Some(Figure::inferred(period_start)),
            resets_on: Some(Figure::inferred(resets_on)),
            as_of,
            unknown_fields: counts.unknown,
            details: VendorDetails::OcrSpace(OcrSpaceDetails {
                engine1: counts.engine1,
                engine2: counts.engine2,
                engine3: counts.engine3,
                total: counts.total,
                unverified,
                last_month: month == Month::Last,
            }),
        },
        raw,
    }
}

fn secrets(cred: &Credential) -> Vec<&str> {
    cred.key().map(|key| key.expose()).into_iter().collect()
}

/// Errors OCR.space reports with HTTP 200 (wording from FACTS.md).
fn error_in_body(text: &str, reply: &Reply, cred: &Credential) -> Option<FetchError> {
    let lower = text.to_ascii_lowercase();
    if lower.contains("api key not valid") || lower.contains("invalid api key") {
        return Some(FetchError::Unauthorized {
            reason: "OCR.space says the API key is not valid".to_owned(),
        });
    }
    if lower.contains("e555") {
        return Some(FetchError::Unauthorized {
            reason: "OCR.space reported error E555 for this key (the conversions API \
                     accepts only PRO and PRO PDF keys)"
                .to_owned(),
        });
    }
    if throttle_window(text).is_some() {
        return Some(rate_limited(text));
    }
    if ["quota", "limit reached", "exceeded"]
        .iter()
        .any(|word| lower.contains(word))
    {
        return Some(FetchError::QuotaExhausted {
            reason: vendor_message(reply, cred),
        });
    }
    None
}

fn rate_limited(text: &str) -> FetchError {
    FetchError::RateLimited {
        // The window is the longest the limit can last, so it is a safe retry time.
        retry_after: throttle_window(text).map(super::RetryAfter::Delay),
    }
}

/// "…upto maximum 600 number of times within 60 seconds" → 60 s.
fn throttle_window(text: &str) -> Option<Duration> {
    if !text.contains("upto maximum") && !text.contains("up to maximum") {
        return None;
    }
    let after = &text[text.find("within ")? + "within ".len()..];
    let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
    let seconds: u64 = digits.parse().ok()?;
    after[digits.len()..]
        .trim_start()
        .starts_with("second")
        .then(|| Duration::from_secs(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttle_text_gives_the_window() {
        let text =
            "You may only perform this action upto maximum 600 number of times within 60 seconds";
        assert_eq!(throttle_window(text), Some(Duration::from_secs(60)));
        assert_eq!(throttle_window("Forbidden"), None);
    }
}
