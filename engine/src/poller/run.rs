//! One polling pass over a set of keys.

use std::{
    sync::{
        Arc,
        atomic::{AtomicU32, Ordering},
    },
    time::Duration,
};

use backon::Retryable;
use chrono::{DateTime, Utc};
use futures_util::{Stream, StreamExt, stream};

use super::{PauseScope, RetryPolicy, VendorGate, VendorLimits};
use crate::alerts::AlertSettings;
use crate::vendors::{
    Credential, FetchError, Fetched, RetryAfter, VendorClient, fetch_usage, ocr_space,
};

/// How long a "too many requests" without any hint of when to come back pauses.
const DEFAULT_THROTTLE_PAUSE: Duration = Duration::from_secs(1);

#[derive(Debug, Clone)]
pub struct PollerSettings {
    /// Requests in flight at once, across all vendors.
    pub concurrency: usize,
    pub retry: RetryPolicy,
    pub limits: VendorLimits,
}

impl Default for PollerSettings {
    fn default() -> Self {
        Self {
            concurrency: 32,
            retry: RetryPolicy::default(),
            limits: VendorLimits::default(),
        }
    }
}

/// A key to poll: its id (for pausing and storing) and how to reach the vendor.
#[derive(Debug, Clone)]
pub struct PollTarget {
    pub key_id: i64,
    pub credential: Credential,
    /// Also fetch last month's final figures (OCR.space's `startDate=lastMonth`).
    pub close_out: bool,
}

impl PollTarget {
    pub fn new(key_id: i64, credential: Credential) -> Self {
        Self {
            key_id,
            credential,
            close_out: false,
        }
    }
}

/// Why no request was sent for a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skipped {
    /// The vendor asked us to wait; this key (or its vendor) is paused until then.
    PausedUntil(DateTime<Utc>),
}

/// What happened to one key: a failure is an outcome to store, never silence.
#[derive(Debug, Clone)]
pub struct PollOutcome {
    pub key_id: i64,
    pub started_at: DateTime<Utc>,
    pub duration: Duration,
    /// Requests actually sent: 0 when skipped, more than 1 after retries.
    pub attempts: u32,
    pub result: Result<Fetched, FetchError>,
    pub skipped: Option<Skipped>,
    /// Last month's close-out, when the target asked for one and the key was not
    /// skipped.
    pub close_out: Option<Result<Fetched, FetchError>>,
}

/// Shared by every pass, so rate limits and pauses carry over from one to the next.
#[derive(Clone)]
pub struct Poller {
    client: VendorClient,
    gate: Arc<VendorGate>,
    settings: Arc<PollerSettings>,
    /// Alerts are evaluated after every stored batch when set.
    alerts: Option<AlertSettings>,
}

impl Poller {
    pub fn new(client: VendorClient, settings: PollerSettings) -> Self {
        Self {
            client,
            gate: Arc::new(VendorGate::new(&settings.limits)),
            settings: Arc::new(settings),
            alerts: None,
        }
    }

    /// Evaluates alert rules after every batch a cycle stores.
    #[must_use]
    pub fn with_alerts(mut self, alerts: AlertSettings) -> Self {
        self.alerts = Some(alerts);
        self
    }

    pub fn alerts(&self) -> Option<&AlertSettings> {
        self.alerts.as_ref()
    }

    pub fn gate(&self) -> &VendorGate {
        &self.gate
    }

    /// Polls every target, at most `concurrency` at a time, and returns one outcome per
    /// target in completion order.
    #[tracing::instrument(name = "poll", skip_all, fields(keys = targets.len()))]
    pub async fn poll(&self, targets: Vec<PollTarget>) -> Vec<PollOutcome> {
        self.poll_stream(targets).collect().await
    }

    /// Like [`Poller::poll`], handing each outcome over as soon as it is there (for
    /// progress shown while the cycle runs).
    pub async fn poll_each(&self, targets: Vec<PollTarget>, mut each: impl FnMut(PollOutcome)) {
        self.poll_stream(targets)
            .for_each(|outcome| {
                each(outcome);
                std::future::ready(())
            })
            .await;
    }

    /// The same as a stream: outcomes arrive as keys finish, so a caller can store
    /// them in batches without holding every outcome of a large cycle at once.
    pub fn poll_stream(&self, targets: Vec<PollTarget>) -> impl Stream<Item = PollOutcome> + '_ {
        stream::iter(targets)
            .map(|target| self.poll_one(target))
            .buffer_unordered(self.concurrency())
    }

    /// Requests in flight at once (at least one).
    pub(crate) fn concurrency(&self) -> usize {
        self.settings.concurrency.max(1)
    }

    /// One key with the politeness rules: what [`Poller::poll_stream`] runs up to
    /// `concurrency` of at once.
    pub(crate) async fn poll_one(&self, target: PollTarget) -> PollOutcome {
        let started_at = Utc::now();
        let clock = tokio::time::Instant::now();
        let vendor = target.credential.vendor();
        let scope = PauseScope::for_key(vendor, target.key_id);

        if let Some(until) = self.gate.paused_until(&scope) {
            let until = started_at + (until - clock);
            tracing::debug!(key_id = target.key_id, %until, "skipped: paused by the vendor");
            return PollOutcome {
                key_id: target.key_id,
                started_at,
                duration: clock.elapsed(),
                attempts: 0,
                result: Err(FetchError::RateLimited {
                    retry_after: Some(RetryAfter::At(until)),
                }),
                skipped: Some(Skipped::PausedUntil(until)),
                close_out: None,
            };
        }

        let attempts = AtomicU32::new(0);
        let result = self
            .fetch_with_retry(&target, &scope, &attempts, || {
                fetch_usage(&self.client, &target.credential)
            })
            .await;
        let close_out = if target.close_out && vendor == domain::Vendor::OcrSpace {
            Some(
                self.fetch_with_retry(&target, &scope, &attempts, || {
                    ocr_space::fetch_last_month(&self.client, &target.credential)
                })
                .await,
            )
        } else {
            None
        };

        PollOutcome {
            key_id: target.key_id,
            started_at,
            duration: clock.elapsed(),
            attempts: attempts.into_inner(),
            result,
            skipped: None,
            close_out,
        }
    }

    /// One request with the politeness rules: the vendor's rate limit, pauses after
    /// a "too many requests", and retries with backoff for transient failures.
    async fn fetch_with_retry<F, Fut>(
        &self,
        target: &PollTarget,
        scope: &PauseScope,
        attempts: &AtomicU32,
        fetch: F,
    ) -> Result<Fetched, FetchError>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<Fetched, FetchError>>,
    {
        let vendor = target.credential.vendor();
        let policy = &self.settings.retry;
        (|| async {
            // Another key's 429 may have paused the vendor while this one backed off.
            if let Some(until) = self.gate.paused_until(scope) {
                tokio::time::sleep_until(until).await;
            }
            self.gate.ready(vendor).await;
            attempts.fetch_add(1, Ordering::Relaxed);
            let result = fetch().await;
            if let Err(FetchError::RateLimited { retry_after }) = &result {
                self.gate
                    .pause(scope.clone(), throttle_pause(retry_after.as_ref()));
            }
            result
        })
        .retry(policy.backoff())
        .sleep(tokio::time::sleep)
        .when(RetryPolicy::is_retryable)
        .adjust(|error, backoff| {
            let backoff = backoff?;
            match error {
                // The vendor's own wait beats our guess; one too long is not waited for.
                FetchError::RateLimited { retry_after } => {
                    let wait = throttle_pause(retry_after.as_ref());
                    (wait <= policy.max_retry_after).then_some(wait.max(backoff))
                }
                _ => Some(backoff),
            }
        })
        .notify(|error, wait| {
            tracing::debug!(key_id = target.key_id, kind = ?error.kind(), ?wait, "retrying");
        })
        .await
    }
}

fn throttle_pause(retry_after: Option<&RetryAfter>) -> Duration {
    retry_after
        .map(|retry_after| retry_after.delay_from(Utc::now()))
        .filter(|delay| !delay.is_zero())
        .unwrap_or(DEFAULT_THROTTLE_PAUSE)
}
