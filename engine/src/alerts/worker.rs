//! The outbox worker: sends queued e-mails, retries transient failures with
//! exponential backoff (an SMTP outage of hours only delays mail), marks permanent
//! ones failed. Each row is marked `sending` (committed) before the SMTP
//! conversation and `sent` after it, so a crash in between sends it at most once more.

use std::{sync::Arc, time::Duration};

use chrono::{DateTime, TimeDelta, Utc};
use tokio::sync::Notify;

use super::{MailError, Mailer, email};
use crate::{
    Config, Store,
    store::outbox::{self, NewEmail},
};

/// Rows claimed per round.
const BATCH: i64 = 50;
/// The worker looks at the outbox at least this often, even without a wake-up (mail
/// queued by `poll --once` in another process).
const IDLE_CHECK: Duration = Duration::from_secs(30);

/// Backoff after a transient failure: `initial × 2^(attempts−1)`, capped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryBackoff {
    pub initial: TimeDelta,
    pub max: TimeDelta,
}

impl RetryBackoff {
    pub fn from_config(config: &Config) -> Self {
        Self {
            initial: TimeDelta::seconds(i64::from(config.email_retry_initial_secs)),
            max: TimeDelta::minutes(i64::from(config.email_retry_max_minutes)),
        }
    }

    pub fn after(&self, attempts: i64) -> TimeDelta {
        let exponent = u32::try_from(attempts.saturating_sub(1).clamp(0, 30)).unwrap_or(30);
        self.initial
            .checked_mul(2_i32.saturating_pow(exponent))
            .unwrap_or(self.max)
            .min(self.max)
    }
}

impl Default for RetryBackoff {
    fn default() -> Self {
        Self {
            initial: TimeDelta::seconds(30),
            max: TimeDelta::hours(1),
        }
    }
}

/// What one round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeliveryReport {
    pub sent: usize,
    pub retrying: usize,
    pub failed: usize,
}

/// Sends every due e-mail once. Without an SMTP server nothing is claimed: the mail
/// waits, untouched, and the Alerts page says so.
#[tracing::instrument(name = "deliver_email", skip_all)]
pub async fn deliver_due(
    store: &Store,
    mailer: &Mailer,
    backoff: RetryBackoff,
    now: DateTime<Utc>,
) -> Result<DeliveryReport, sqlx::Error> {
    let mut report = DeliveryReport::default();
    if !mailer.is_configured() {
        return Ok(report);
    }
    loop {
        let rows = outbox::claim_due(store.pool(), now, BATCH).await?;
        if rows.is_empty() {
            return Ok(report);
        }
        for row in rows {
            let result = mailer
                .send(&row.to_addr, &row.subject, &row.body_text, &row.body_html)
                .await;
            match result {
                Ok(()) => {
                    outbox::mark_sent(store.pool(), row.id, Utc::now()).await?;
                    report.sent += 1;
                    tracing::info!(email_id = row.id, "e-mail sent");
                }
                Err(MailError::Transient(error)) => {
                    let next = now + backoff.after(row.attempts);
                    outbox::mark_retry(store.pool(), row.id, next, &error).await?;
                    report.retrying += 1;
                    tracing::warn!(email_id = row.id, attempts = row.attempts, %next, %error, "e-mail not sent; will retry");
                }
                Err(MailError::Permanent(error)) => {
                    outbox::mark_failed(store.pool(), row.id, &error).await?;
                    report.failed += 1;
                    tracing::error!(email_id = row.id, %error, "e-mail refused for good");
                }
            }
        }
    }
}

/// Runs until `stop` resolves: sends at once when woken, otherwise when the next
/// retry is due (or every 30 s). Rows a crash left `sending` are queued again first.
pub async fn run_outbox_worker(
    store: Store,
    mailer: Mailer,
    backoff: RetryBackoff,
    wake: Arc<Notify>,
    stop: impl std::future::Future<Output = ()>,
) {
    match outbox::requeue_interrupted(store.pool()).await {
        Ok(0) => {}
        Ok(n) => tracing::warn!(
            emails = n,
            "e-mails interrupted mid-send are queued again (each may arrive twice)"
        ),
        Err(error) => tracing::error!(%error, "cannot requeue interrupted e-mails"),
    }
    if !mailer.is_configured() {
        tracing::warn!(
            "no SMTP server configured (QUOTABOARD_SMTP_HOST): alert e-mails stay queued"
        );
    }
    tokio::pin!(stop);
    loop {
        if let Err(error) = deliver_due(&store, &mailer, backoff, Utc::now()).await {
            tracing::error!(%error, "outbox round failed");
        }
        let wait = match outbox::next_due(store.pool()).await {
            Ok(Some(at)) => (at - Utc::now())
                .to_std()
                .unwrap_or(Duration::ZERO)
                .min(IDLE_CHECK),
            _ => IDLE_CHECK,
        };
        tokio::select! {
            () = &mut stop => return,
            () = wake.notified() => {}
            () = tokio::time::sleep(wait.max(Duration::from_millis(50))) => {}
        }
    }
}

/// Queues a test e-mail to `to` (the settings page's button) and wakes the worker.
pub async fn queue_test_email(
    store: &Store,
    wake: &Notify,
    to: &str,
    requested_by: &str,
    now: DateTime<Utc>,
) -> Result<i64, sqlx::Error> {
    let mail = email::render_test(requested_by, now);
    let id = outbox::enqueue(
        store.pool(),
        &NewEmail {
            notification_id: None,
            purpose: "test",
            to,
            subject: &mail.subject,
            body_text: &mail.text,
            body_html: &mail.html,
        },
        now,
    )
    .await?;
    wake.notify_one();
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps() {
        let backoff = RetryBackoff::default();
        assert_eq!(backoff.after(1), TimeDelta::seconds(30));
        assert_eq!(backoff.after(2), TimeDelta::seconds(60));
        assert_eq!(backoff.after(4), TimeDelta::seconds(240));
        assert_eq!(backoff.after(10), TimeDelta::hours(1));
        assert_eq!(backoff.after(1_000), TimeDelta::hours(1));
    }
}
