//! Why a usage fetch failed, typed so the poller can act on it: back off, retry, or
//! stop and tell someone to fix the key.
//!
//! Messages are written for the person reading the dashboard and never contain the
//! key: vendor text quoted here goes through `Credential::scrub` first, and transport
//! errors are stripped of their URL (the SDK's URL may name its instance).

use std::time::Duration;

use chrono::{DateTime, Utc};
use domain::FetchErrorKind;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    /// Do not retry: the key is wrong, revoked, or not allowed to use this API.
    #[error("the vendor rejected the key: {reason}")]
    Unauthorized { reason: String },
    /// Do not retry until the quota resets or credits are added.
    #[error("the vendor says the quota is used up: {reason}")]
    QuotaExhausted { reason: String },
    #[error("the vendor is rate limiting requests; {}", retry_text(.retry_after))]
    RateLimited { retry_after: Option<RetryAfter> },
    #[error("the vendor had a server error (HTTP {status}); it usually passes, try again later")]
    Upstream5xx { status: u16 },
    #[error("the vendor answered with HTTP {status}, which its documentation does not describe")]
    UnexpectedStatus { status: u16 },
    #[error("the vendor did not answer within {} ms", .after.as_millis())]
    Timeout { after: Duration },
    #[error("cannot reach the vendor: {detail}")]
    Connection { detail: String },
    #[error("the vendor's reply could not be read: {what}")]
    Malformed { what: String },
    #[error("the vendor's reply changed shape (missing: {}; new: {})", list(.missing), list(.unknown))]
    Drift {
        missing: Vec<String>,
        unknown: Vec<String>,
    },
}

impl FetchError {
    pub fn kind(&self) -> FetchErrorKind {
        match self {
            FetchError::Unauthorized { .. } => FetchErrorKind::Unauthorized,
            FetchError::QuotaExhausted { .. } => FetchErrorKind::QuotaExhausted,
            FetchError::RateLimited { .. } => FetchErrorKind::RateLimited,
            FetchError::Upstream5xx { .. } => FetchErrorKind::Upstream5xx,
            FetchError::UnexpectedStatus { .. } => FetchErrorKind::UnexpectedStatus,
            FetchError::Timeout { .. } => FetchErrorKind::Timeout,
            FetchError::Connection { .. } => FetchErrorKind::Connection,
            FetchError::Malformed { .. } => FetchErrorKind::Malformed,
            FetchError::Drift { .. } => FetchErrorKind::Drift,
        }
    }

    /// Whether polling again later can succeed without anyone changing the key.
    pub fn is_transient(&self) -> bool {
        self.kind().is_transient()
    }

    pub(crate) fn malformed(what: impl Into<String>) -> Self {
        FetchError::Malformed { what: what.into() }
    }
}

/// When the vendor said to come back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryAfter {
    /// `Retry-After: 120`, or Plate Recognizer's "Expected available in 1 second."
    Delay(Duration),
    /// `Retry-After: Wed, 21 Oct 2015 07:28:00 GMT`
    At(DateTime<Utc>),
}

impl RetryAfter {
    /// Parses a `Retry-After` header value: delay-seconds or an HTTP-date (RFC 9110
    /// §10.2.3). Anything else is ignored rather than guessed at.
    pub fn from_header(value: &str) -> Option<Self> {
        let value = value.trim();
        if let Ok(seconds) = value.parse::<u64>() {
            return Some(RetryAfter::Delay(Duration::from_secs(seconds)));
        }
        httpdate::parse_http_date(value)
            .ok()
            .map(|at| RetryAfter::At(DateTime::<Utc>::from(at)))
    }

    /// Plate Recognizer (Django REST framework) throttling body:
    /// `{"detail":"Request was throttled. Expected available in 1 second.","status_code":429}`.
    pub fn from_throttle_text(text: &str) -> Option<Self> {
        const MARKER: &str = "available in ";
        let start = text.find(MARKER)? + MARKER.len();
        let rest = &text[start..];
        let number: String = rest
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '.')
            .collect();
        let unit = rest[number.len()..].trim_start();
        if !unit.starts_with("second") {
            return None;
        }
        let seconds: f64 = number.parse().ok()?;
        if !seconds.is_finite() || seconds < 0.0 {
            return None;
        }
        // Whole seconds, rounded up: retrying a fraction early just earns another 429.
        Some(RetryAfter::Delay(
            Duration::from_secs(seconds.ceil() as u64),
        ))
    }

    /// How long to wait from `now`; zero when the date has passed.
    pub fn delay_from(self, now: DateTime<Utc>) -> Duration {
        match self {
            RetryAfter::Delay(delay) => delay,
            RetryAfter::At(at) => (at - now).to_std().unwrap_or(Duration::ZERO),
        }
    }
}

fn retry_text(retry_after: &Option<RetryAfter>) -> String {
    match retry_after {
        Some(RetryAfter::Delay(delay)) => format!("retry after {} s", delay.as_secs()),
        Some(RetryAfter::At(at)) => format!("retry after {}", at.format("%Y-%m-%d %H:%M:%S UTC")),
        None => "retry later".to_owned(),
    }
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        "none".to_owned()
    } else {
        items.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_seconds() {
        assert_eq!(
            RetryAfter::from_header("120"),
            Some(RetryAfter::Delay(Duration::from_secs(120)))
        );
    }

    #[test]
    fn retry_after_http_date() {
        let parsed = RetryAfter::from_header("Wed, 21 Oct 2015 07:28:00 GMT");
        let expected = "2015-10-21T07:28:00Z".parse().expect("date");
        assert_eq!(parsed, Some(RetryAfter::At(expected)));
        let now: DateTime<Utc> = "2015-10-21T07:27:30Z".parse().expect("date");
        assert_eq!(
            parsed.expect("parsed").delay_from(now),
            Duration::from_secs(30)
        );
    }

    #[test]
    fn retry_after_garbage_is_none() {
        assert_eq!(RetryAfter::from_header("soon"), None);
        assert_eq!(RetryAfter::from_header("-5"), None);
    }

    #[test]
    fn plate_recognizer_throttle_body() {
        let text = "Request was throttled. Expected available in 1 second.";
        assert_eq!(
            RetryAfter::from_throttle_text(text),
            Some(RetryAfter::Delay(Duration::from_secs(1)))
        );
        assert_eq!(
            RetryAfter::from_throttle_text("Expected available in 59 seconds."),
            Some(RetryAfter::Delay(Duration::from_secs(59)))
        );
        assert_eq!(
            RetryAfter::from_throttle_text("Expected available in 0.4 seconds."),
            Some(RetryAfter::Delay(Duration::from_secs(1)))
        );
        assert_eq!(RetryAfter::from_throttle_text("throttled"), None);
    }

    #[test]
    fn messages_are_readable() {
        let error = FetchError::RateLimited {
            retry_after: Some(RetryAfter::Delay(Duration::from_secs(3))),
        };
        assert_eq!(
            error.to_string(),
            "the vendor is rate limiting requests; retry after 3 s"
        );
        let drift = FetchError::Drift {
            missing: vec!["usage.calls".into()],
            unknown: vec![],
        };
        assert_eq!(
            drift.to_string(),
            "the vendor's reply changed shape (missing: usage.calls; new: none)"
        );
    }
}
