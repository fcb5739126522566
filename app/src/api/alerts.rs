//! Alerts: what is firing, what was sent to whom and whether it arrived, and the
//! rules (per key and the team defaults).

use domain::{RuleForm, Vendor};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::errors::AppError;

/// One firing alert.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActiveAlert {
    pub subject_label: String,
    pub key_id: Option<i64>,
    pub rule: String,
    /// `warning` or `critical`.
    pub level: String,
    pub summary: String,
    pub since: String,
    pub last_emailed: Option<String>,
}

/// One e-mail and how its delivery went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    pub to: String,
    pub subject: String,
    /// `queued`, `sending`, `sent` or `failed` (for good).
    pub status: String,
    pub attempts: i64,
    pub error: Option<String>,
    pub sent_at: Option<String>,
    pub next_attempt_at: String,
}

/// One notification decided: fired, escalated, repeated, resolved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub at: String,
    pub event: String,
    pub level: String,
    pub subject_label: String,
    pub key_id: Option<i64>,
    pub rule: String,
    pub summary: String,
    pub deliveries: Vec<Delivery>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleView {
    pub id: i64,
    pub text: String,
    pub recipients: String,
    pub form: RuleForm,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyRules {
    pub key_id: i64,
    pub label: String,
    pub vendor: Vendor,
    /// StructOCR: the account whose credit pool the key shares.
    pub account: Option<String>,
    pub rules: Vec<RuleView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertsData {
    pub can_edit: bool,
    pub is_admin: bool,
    pub smtp_configured: bool,
    /// E-mails queued or mid-send.
    pub waiting: i64,
    pub active: Vec<ActiveAlert>,
    pub history: Vec<HistoryEntry>,
    pub defaults: Vec<RuleView>,
    pub keys: Vec<KeyRules>,
    /// Team members who can be chosen as recipients: (id, e-mail).
    pub members: Vec<(i64, String)>,
}

#[cfg(feature = "ssr")]
fn when(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

#[cfg(feature = "ssr")]
fn delivery(row: engine::store::outbox::DeliveryRow) -> Delivery {
    Delivery {
        to: row.to_addr,
        subject: row.subject,
        status: row.status,
        attempts: row.attempts,
        error: row.last_error,
        sent_at: row.sent_at.map(when),
        next_attempt_at: when(row.next_attempt_at),
    }
}

#[cfg(feature = "ssr")]
fn rule_view(rule: &domain::AlertRule, members: &[(i64, String)]) -> RuleView {
    let mut who: Vec<String> = Vec::new();
    if rule.recipients.admins {
        who.push("all admins".to_owned());
    }
    for user in &rule.recipients.users {
        who.push(
            members
                .iter()
                .find(|(id, _)| *id == user.0)
                .map_or_else(|| format!("user {}", user.0), |(_, e)| e.clone()),
        );
    }
    who.extend(rule.recipients.emails.iter().map(|e| e.as_str().to_owned()));
    RuleView {
        id: rule.id,
        text: rule.kind.describe(),
        recipients: if who.is_empty() {
            "nobody".to_owned()
        } else {
            who.join(", ")
        },
        form: RuleForm::from_rule(rule),
    }
}

#[server(endpoint = "alerts_overview")]
pub async fn alerts_overview() -> Result<AlertsData, AppError> {
    use engine::store::{alerts as alert_store, outbox};

    let actor = crate::errors::require(domain::Role::Viewer)?;
    let can_edit = actor.require(domain::Role::Editor).is_ok();
    let is_admin = actor.require(domain::Role::Admin).is_ok();
    let store = expect_context::<engine::Store>();
    let mailer = expect_context::<engine::alerts::Mailer>();
    let pool = store.pool();

    let members: Vec<(i64, String)> = engine::store::users::list(pool)
        .await?
        .into_iter()
        .filter(|u| u.is_enabled())
        .map(|u| (u.id.0, u.email.as_str().to_owned()))
        .collect();
    let active = alert_store::firing(pool)
        .await?
        .into_iter()
        .map(|s| ActiveAlert {
            subject_label: s.subject_label,
            key_id: s.key_id,
            rule: s.rule_text,
            level: s.level,
            summary: s.summary,
            since: when(s.since),
            last_emailed: s.notified_at.map(when),
        })
        .collect();
    let emails = outbox::recent(pool, 500).await?;
    let history = alert_store::recent_notifications(pool, 100)
        .await?
        .into_iter()
        .map(|n| HistoryEntry {
            at: when(n.at),
            event: n.event,
            level: n.level,
            subject_label: n.subject_label,
            key_id: n.key_id,
            rule: n.rule_text,
            summary: n.summary,
            deliveries: emails
                .iter()
                .filter(|e| e.notification_id == Some(n.id))
                .cloned()
                .map(delivery)
                .collect(),
        })
        .collect();

    let rules = alert_store::list_rules(pool).await?;
    let defaults = rules
        .iter()
        .filter(|r| r.key_id.is_none())
        .map(|r| rule_view(r, &members))
        .collect();
    let keys = engine::store::keys::list(pool)
        .await?
        .into_iter()
        .filter_map(|k| {
            Some(KeyRules {
                key_id: k.id,
                vendor: k.vendor.parse().ok()?,
                account: k.account_ref.clone(),
                rules: rules
                    .iter()
                    .filter(|r| r.key_id == Some(k.id))
                    .map(|r| rule_view(r, &members))
                    .collect(),
                label: k.label,
            })
        })
        .collect();
    Ok(AlertsData {
        can_edit,
        is_admin,
        smtp_configured: mailer.is_configured(),
        waiting: outbox::waiting(pool).await?,
        active,
        history,
        defaults,
        keys,
        members,
    })
}

/// Adds (`id` empty) or changes a rule. `key_id` empty means a team default.
/// `form_id` only tells the page which of its forms the answer belongs to.
#[server(endpoint = "save_alert_rule")]
pub async fn save_alert_rule(
    form_id: String,
    id: String,
    key_id: String,
    rule: RuleForm,
) -> Result<(), AppError> {
    let actor = crate::errors::require(domain::Role::Editor)?;
    let store = expect_context::<engine::Store>();
    let parse_id = |raw: &str| raw.trim().parse::<i64>().ok();
    engine::alerts::save_rule(
        &store,
        &actor,
        parse_id(&id),
        parse_id(&key_id).map(domain::KeyId),
        &rule,
        chrono::Utc::now(),
    )
    .await
    .map_err(|e| {
        crate::errors::from_team(
            e,
            &[
                ("form_id", &form_id),
                ("kind", &rule.kind),
                ("warning", &rule.warning),
                ("critical", &rule.critical),
                ("within_days", &rule.within_days),
                ("emails", &rule.emails),
            ],
        )
    })?;
    Ok(())
}

#[server(endpoint = "delete_alert_rule")]
pub async fn delete_alert_rule(id: i64) -> Result<(), AppError> {
    let actor = crate::errors::require(domain::Role::Editor)?;
    let store = expect_context::<engine::Store>();
    engine::alerts::delete_rule(&store, &actor, id, chrono::Utc::now()).await?;
    Ok(())
}

/// The e-mail section of the Settings page (admins).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailSettingsData {
    pub smtp_configured: bool,
    /// E-mails queued or mid-send.
    pub waiting: i64,
    /// The last test e-mails and what became of them, newest first.
    pub tests: Vec<Delivery>,
}

#[server(endpoint = "email_settings")]
pub async fn email_settings() -> Result<EmailSettingsData, AppError> {
    use engine::store::outbox;

    crate::errors::require(domain::Role::Admin)?;
    let store = expect_context::<engine::Store>();
    let mailer = expect_context::<engine::alerts::Mailer>();
    let pool = store.pool();
    let tests = outbox::recent(pool, 500)
        .await?
        .into_iter()
        .filter(|e| e.purpose == "test")
        .take(10)
        .map(delivery)
        .collect();
    Ok(EmailSettingsData {
        smtp_configured: mailer.is_configured(),
        waiting: outbox::waiting(pool).await?,
        tests,
    })
}

/// Queues a test e-mail to the signed-in admin. Returns the address.
#[server(endpoint = "send_test_email")]
pub async fn send_test_email() -> Result<String, AppError> {
    crate::errors::require(domain::Role::Admin)?;
    let user = crate::errors::signed_in()?;
    let store = expect_context::<engine::Store>();
    let alerts = expect_context::<engine::alerts::AlertSettings>();
    let to = user.email.as_str().to_owned();
    // Read before the first await (see `key_overview`).
    let form_post = crate::errors::is_form_post();
    engine::alerts::queue_test_email(&store, &alerts.outbox, &to, &to, chrono::Utc::now()).await?;
    // A form post comes back to Settings, which says where it went.
    if form_post {
        leptos_axum::redirect("/settings?test_email=queued#email-settings");
    }
    Ok(to)
}

/// Puts a StructOCR key into an account's pool (blank: its own).
#[server(endpoint = "set_key_account")]
pub async fn set_key_account(key_id: i64, account: String) -> Result<(), AppError> {
    let actor = crate::errors::require(domain::Role::Editor)?;
    let store = expect_context::<engine::Store>();
    engine::alerts::set_key_account(
        &store,
        &actor,
        domain::KeyId(key_id),
        &account,
        chrono::Utc::now(),
    )
    .await
    .map_err(|e| {
        crate::errors::from_team(e, &[("account", &account), ("key_id", &key_id.to_string())])
    })?;
    Ok(())
}
