//! Which failures are worth another try, and how long to wait before it.

use std::time::Duration;

use backon::ExponentialBuilder;
use domain::FetchErrorKind;

use crate::vendors::FetchError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in total, the first included; 1 disables retrying.
    pub max_attempts: u32,
    pub initial_backoff: Duration,
    pub max_backoff: Duration,
    /// A vendor asking us to wait longer than this is not waited for inside the poll:
    /// the key is paused instead and the next cycle tries again.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(10),
            max_retry_after: Duration::from_secs(10),
        }
    }
}

impl RetryPolicy {
    /// Only failures that can pass by themselves. A rejected key, an exhausted quota,
    /// a reply we cannot read or a changed API will answer the same way again.
    pub fn is_retryable(error: &FetchError) -> bool {
        matches!(
            error.kind(),
            FetchErrorKind::RateLimited
                | FetchErrorKind::Upstream5xx
                | FetchErrorKind::Timeout
                | FetchErrorKind::Connection
        )
    }

    pub(crate) fn backoff(&self) -> ExponentialBuilder {
        ExponentialBuilder::default()
            .with_min_delay(self.initial_backoff)
            .with_max_delay(self.max_backoff)
            .with_max_times(self.max_attempts.saturating_sub(1) as usize)
            // Full jitter: keys that failed together do not retry together.
            .with_jitter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vendors::RetryAfter;

    #[test]
    fn transient_failures_are_retried_and_credential_failures_are_not() {
        assert!(RetryPolicy::is_retryable(&FetchError::Upstream5xx {
            status: 502
        }));
        assert!(RetryPolicy::is_retryable(&FetchError::RateLimited {
            retry_after: Some(RetryAfter::Delay(Duration::from_secs(1))),
        }));
        assert!(!RetryPolicy::is_retryable(&FetchError::Unauthorized {
            reason: "Invalid or inactive API key".into(),
        }));
        assert!(!RetryPolicy::is_retryable(&FetchError::malformed(
            "not JSON"
        )));
    }
}
