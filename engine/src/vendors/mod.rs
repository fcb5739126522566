//! Vendor clients: one module per usage API behind one function, `fetch_usage`.
//!
//! Each module builds its request, then judges the `Reply` in a pure `interpret`
//! function that the contract tests feed with the vendors' documented bodies. Adding a
//! vendor is one new file here and one arm in `fetch_usage`.

mod client;
mod credential;
mod error;
mod json;
pub mod ocr_space;
mod period;
pub mod plate_recognizer;
pub mod plate_recognizer_sdk;
pub mod structocr;

use domain::{UsageReading, Vendor};
use reqwest::{StatusCode, header::HeaderValue};
use serde_json::Value;

pub use client::{ClientBuildError, ClientSettings, DEFAULT_MAX_BODY_BYTES, Reply, VendorClient};
pub(crate) use credential::parse_base_url;
pub use credential::{ApiKey, Credential, CredentialError};
pub use error::{FetchError, RetryAfter};

/// A normalised reading plus the vendor's reply as it may be stored for audit
/// (secrets removed).
#[derive(Debug, Clone, PartialEq)]
pub struct Fetched {
    pub reading: UsageReading,
    pub raw: Value,
}

/// Fetches the current usage of one key.
#[tracing::instrument(name = "fetch_usage", skip_all, fields(key = cred.label(), vendor = %cred.vendor()))]
pub async fn fetch_usage(client: &VendorClient, cred: &Credential) -> Result<Fetched, FetchError> {
    let result = match cred.vendor() {
        Vendor::OcrSpace => ocr_space::fetch(client, cred, ocr_space::Month::Current).await,
        Vendor::StructOcr => structocr::fetch(client, cred).await,
        Vendor::PlateRecognizerCloud => plate_recognizer::fetch(client, cred).await,
        Vendor::PlateRecognizerSdk => plate_recognizer_sdk::fetch(client, cred).await,
    };
    match &result {
        Ok(fetched) => {
            tracing::debug!(used = ?fetched.reading.used.map(|f| f.value), "usage fetched")
        }
        Err(error) => tracing::warn!(kind = ?error.kind(), %error, "usage fetch failed"),
    }
    result
}

/// The secret as a header value, marked sensitive so hyper's own debug output and
/// HTTP/2 header compression treat it as such.
pub(crate) fn secret_header(cred: &Credential, prefix: &str) -> Result<HeaderValue, FetchError> {
    let key = cred.key().ok_or_else(|| FetchError::Unauthorized {
        reason: "no API key is configured".to_owned(),
    })?;
    let mut value = HeaderValue::from_str(&format!("{prefix}{}", key.expose())).map_err(|_| {
        FetchError::Unauthorized {
            reason: "the API key cannot be sent in an HTTP header".to_owned(),
        }
    })?;
    value.set_sensitive(true);
    Ok(value)
}

/// The error for a status the vendor module did not handle itself.
pub(crate) fn status_error(reply: &Reply, cred: &Credential) -> FetchError {
    match reply.status {
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => FetchError::Unauthorized {
            reason: vendor_message(reply, cred),
        },
        StatusCode::TOO_MANY_REQUESTS => FetchError::RateLimited {
            retry_after: header_retry_after(reply),
        },
        status if status.is_server_error() => FetchError::Upstream5xx {
            status: status.as_u16(),
        },
        status => FetchError::UnexpectedStatus {
            status: status.as_u16(),
        },
    }
}

pub(crate) fn header_retry_after(reply: &Reply) -> Option<RetryAfter> {
    reply
        .headers
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|value| value.to_str().ok())
        .and_then(RetryAfter::from_header)
}

/// The vendor's own words for an error (`error`, `detail` or `message` in a JSON
/// body, else the text), scrubbed of the key and kept short enough for a badge.
pub(crate) fn vendor_message(reply: &Reply, cred: &Credential) -> String {
    let text = serde_json::from_slice::<Value>(&reply.body)
        .ok()
        .and_then(|body| {
            ["error", "detail", "message"]
                .iter()
                .find_map(|field| body.get(field).and_then(Value::as_str).map(str::to_owned))
        })
        .unwrap_or_else(|| reply.text());
    let text = cred.scrub(text.trim());
    if text.is_empty() {
        return format!("HTTP {}", reply.status.as_u16());
    }
    const MAX: usize = 200;
    match text.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}
