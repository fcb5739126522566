//! Quota alerts: rules evaluated after every snapshot batch, a persisted state per
//! (subject, rule), deduplicated notifications, and an e-mail outbox sent by a worker.
//!
//! A *subject* is what an alert is about: one key (`key:<id>`), or the credit pool a
//! StructOCR account shares between its keys (`account:structocr:<account>`), which
//! replaces the per-key quota alerts of those keys (FACTS.md: "alert on
//! `account.credits_remaining`, once per account").
//!
//! Everything here is a plain async function taking the store and a `now`, so the
//! tests drive it directly: [`evaluate`] after a batch, [`deliver_due`] for the outbox.

mod email;
mod evaluate;
mod forecast;
mod mailer;
mod rules;
mod worker;

use std::sync::Arc;

use chrono::TimeDelta;
use tokio::sync::Notify;

pub use email::{AlertEmail, render_test};
pub use evaluate::{EvaluationReport, evaluate, quota_subject, subject_of_key};
pub use mailer::{MailError, Mailer, MailerConfigError, SmtpSecurity, SmtpSettings};
pub use rules::{delete_rule, firing_by_key, save_rule, set_key_account};
pub use worker::{DeliveryReport, RetryBackoff, deliver_due, queue_test_email, run_outbox_worker};

use crate::Config;

/// What evaluation needs besides the store; cheap to clone.
#[derive(Debug, Clone)]
pub struct AlertSettings {
    /// How often a still-firing alert is e-mailed again.
    pub repeat: TimeDelta,
    /// Where links in e-mails point (`<base>/keys/<id>`).
    pub base_url: String,
    /// Woken when an e-mail is queued, so the worker sends it at once.
    pub outbox: Arc<Notify>,
}

impl AlertSettings {
    pub fn from_config(config: &Config) -> Self {
        Self {
            repeat: TimeDelta::hours(i64::from(config.alert_repeat_hours)),
            base_url: config
                .public_url
                .clone()
                .unwrap_or_else(|| format!("http://{}", config.listen_addr)),
            outbox: Arc::new(Notify::new()),
        }
    }
}

impl Default for AlertSettings {
    fn default() -> Self {
        Self {
            repeat: TimeDelta::hours(24),
            base_url: "http://127.0.0.1:3000".to_owned(),
            outbox: Arc::new(Notify::new()),
        }
    }
}
