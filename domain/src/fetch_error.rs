//! The kind of failure a usage fetch ended in, mirroring `engine`'s `FetchError` for
//! display and storage without the server-only details.

use std::fmt;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FetchErrorKind {
    /// The vendor rejected the key: retrying will not help until someone fixes it.
    Unauthorized,
    /// The vendor says the key's quota or credits are used up.
    QuotaExhausted,
    /// Too many requests; try again later.
    RateLimited,
    /// The vendor failed (HTTP 5xx).
    Upstream5xx,
    /// An HTTP status the vendor does not document for this call.
    UnexpectedStatus,
    /// No (complete) answer in time.
    Timeout,
    /// Could not reach the vendor at all.
    Connection,
    /// The reply could not be read (not JSON, too large, nonsense values).
    Malformed,
    /// The reply is JSON but its shape changed: known fields missing.
    Drift,
}

impl FetchErrorKind {
    /// Whether polling again later can succeed without anyone changing the key.
    pub const fn is_transient(self) -> bool {
        !matches!(
            self,
            FetchErrorKind::Unauthorized | FetchErrorKind::QuotaExhausted
        )
    }

    pub const fn label(self) -> &'static str {
        match self {
            FetchErrorKind::Unauthorized => "Key rejected",
            FetchErrorKind::QuotaExhausted => "Quota used up",
            FetchErrorKind::RateLimited => "Rate limited",
            FetchErrorKind::Upstream5xx => "Vendor error",
            FetchErrorKind::UnexpectedStatus => "Unexpected reply",
            FetchErrorKind::Timeout => "Timed out",
            FetchErrorKind::Connection => "Unreachable",
            FetchErrorKind::Malformed => "Unreadable reply",
            FetchErrorKind::Drift => "API changed",
        }
    }
}

impl fmt::Display for FetchErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credential_problems_are_not_transient() {
        assert!(!FetchErrorKind::Unauthorized.is_transient());
        assert!(!FetchErrorKind::QuotaExhausted.is_transient());
        assert!(FetchErrorKind::RateLimited.is_transient());
        assert!(FetchErrorKind::Timeout.is_transient());
    }
}
