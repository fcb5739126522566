//! Evaluation: after a snapshot batch, every (subject, rule) touched by it moves
//! through `ok → warning → critical → ok`, and each move that deserves an e-mail
//! becomes a notification row plus one outbox row per recipient, in the same
//! transaction as the new state. The state is the memory: a restart re-evaluates
//! against it and sends nothing already sent, and a condition that became true while
//! the app was down fires at the first evaluation after it.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Utc};
use domain::{
    AlertLevel, AlertRule, FetchErrorKind, KeyId, Recipients, RuleKind, Scope, Severity,
    UsageReading, Vendor,
};
use sqlx::SqliteConnection;

use super::{AlertSettings, email};
use crate::{
    Store,
    store::{
        alerts::{self as alert_store, NewNotification, StateRow},
        keys::KeyRow,
        outbox::{self, NewEmail},
        time::ts,
    },
};

/// What one evaluation did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EvaluationReport {
    /// (subject, rule) pairs evaluated.
    pub evaluated: usize,
    /// Notifications decided (fired, escalated, repeated, resolved).
    pub notifications: usize,
    /// E-mails queued for them.
    pub emails: usize,
}

/// The latest poll of a key, as evaluation needs it.
#[derive(Debug, Clone, sqlx::FromRow)]
struct Latest {
    key_id: i64,
    outcome: String,
    reading: Option<String>,
    error_kind: Option<String>,
}

/// What an alert is about, with everything needed to judge its rules.
struct Subject {
    id: String,
    label: String,
    vendor: Vendor,
    /// The key the e-mail links to.
    link_key: i64,
    input: Input,
    /// Rules merged by signature: a pool takes the rules of all its keys once.
    rules: BTreeMap<String, (RuleKind, Recipients)>,
}

enum Input {
    Quota {
        reading: Box<UsageReading>,
        /// The forecast's run-out: `None` when it cannot tell, `Some(None)` when
        /// usage is not heading for the limit.
        run_out: Option<Option<DateTime<Utc>>>,
    },
    /// The newest poll's outcome: `None` for a success, the error kind otherwise
    /// (`Some(None)` when the kind is not one that concerns a person).
    Health(Option<Option<FetchErrorKind>>),
}

/// The subject whose quota a key's alerts are about: the key, or its StructOCR
/// account's pool (keys sharing `account_ref`; a key without one is a pool alone).
pub fn subject_of_key(key: &KeyRow, scope: Scope) -> String {
    subject_of(key.id, &key.vendor, key.account_ref.as_deref(), scope)
}

/// The subject of a key's quota alerts, from its columns: `key:<id>`, except for
/// StructOCR, whose credit (and so its quota alerts) belongs to the account's pool
/// (`account_ref`, or the key alone when it names none).
pub fn quota_subject(id: i64, vendor: &str, account_ref: Option<&str>) -> String {
    let scope = if vendor == Vendor::StructOcr.slug() {
        Scope::Account
    } else {
        Scope::Key
    };
    subject_of(id, vendor, account_ref, scope)
}

fn subject_of(id: i64, vendor: &str, account_ref: Option<&str>, scope: Scope) -> String {
    match scope {
        Scope::Key => format!("key:{id}"),
        Scope::Account => match account_ref {
            Some(account) => format!("account:{vendor}:{account}"),
            None => format!("account:{vendor}:key-{id}"),
        },
    }
}

/// A key as evaluation needs it.
#[derive(Debug, Clone, sqlx::FromRow)]
struct EvalKey {
    id: i64,
    vendor: String,
    label: String,
    account_ref: Option<String>,
}

impl EvalKey {
    fn subject(&self, scope: Scope) -> String {
        subject_of(self.id, &self.vendor, self.account_ref.as_deref(), scope)
    }
}

/// Evaluates every subject the given keys belong to (pass all keys to re-check
/// everything) as of `now`.
#[tracing::instrument(name = "evaluate_alerts", skip_all, fields(keys = touched.len()))]
pub async fn evaluate(
    store: &Store,
    settings: &AlertSettings,
    touched: &[KeyId],
    now: DateTime<Utc>,
) -> Result<EvaluationReport, sqlx::Error> {
    // IMMEDIATE: read the states and write the decisions under one write lock, so two
    // evaluations (the server and `poll --once`) cannot both decide to send.
    let mut tx = store.pool().begin_with("BEGIN IMMEDIATE").await?;
    let subjects = load_subjects(&mut tx, touched, now).await?;
    let subject_ids: Vec<&str> = subjects.iter().map(|s| s.id.as_str()).collect();
    let subject_ids =
        serde_json::to_string(&subject_ids).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    let previous: HashMap<(String, String), StateRow> =
        alert_store::states_of(&mut *tx, &subject_ids)
            .await?
            .into_iter()
            .map(|row| ((row.subject.clone(), row.rule_sig.clone()), row))
            .collect();

    let mut report = EvaluationReport::default();
    let mut states = Vec::new();
    for subject in &subjects {
        for (sig, (kind, recipients)) in &subject.rules {
            let Some((level, summary, period_id)) = judge(kind, &subject.input, now) else {
                continue;
            };
            report.evaluated += 1;
            let prev = previous.get(&(subject.id.clone(), sig.clone()));
            let decision = decide(prev, level, &period_id, kind, settings, now);
            let state = StateRow {
                subject: subject.id.clone(),
                rule_sig: sig.clone(),
                subject_label: subject.label.clone(),
                rule_text: kind.describe(),
                key_id: Some(subject.link_key),
                level: level.as_str().to_owned(),
                period_id: period_id.clone(),
                summary,
                since: decision.since,
                evaluated_at: now,
                notified_at: decision.notified_at,
            };
            if let Some(event) = decision.event {
                let dedup_key = format!(
                    "{}|{}|{}|{}|{}|{}",
                    state.subject,
                    state.rule_sig,
                    state.period_id,
                    event,
                    state.level,
                    ts(decision.notified_at.unwrap_or(now))
                );
                let notification = NewNotification {
                    state: &state,
                    event,
                    dedup_key,
                    at: now,
                };
                // `None`: the same decision was made before (a re-run); nothing to send.
                if let Some(id) = alert_store::insert_notification(&mut tx, &notification).await? {
                    report.notifications += 1;
                    report.emails += queue_emails(
                        &mut tx, settings, subject, kind, &state, event, id, recipients, now,
                    )
                    .await?;
                }
            }
            states.push(state);
        }
    }
    alert_store::upsert_states(&mut tx, &states).await?;
    // Rules changed or deleted since: their states go, so nothing stays "firing" for
    // a rule that is gone. (Keys no longer polled are left out where alerts are read.)
    let mut kept: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for subject in &subjects {
        kept.entry(subject.id.as_str())
            .or_default()
            .extend(subject.rules.keys().cloned());
    }
    let kept: Vec<(&str, &[String])> = kept
        .iter()
        .map(|(subject, sigs)| (*subject, sigs.as_slice()))
        .collect();
    alert_store::prune_states(&mut tx, &kept).await?;
    tx.commit().await?;
    if report.emails > 0 {
        settings.outbox.notify_one();
    }
    if report.notifications > 0 {
        tracing::info!(
            notifications = report.notifications,
            emails = report.emails,
            "alerts decided"
        );
    }
    Ok(report)
}

#[allow(clippy::too_many_arguments)]
async fn queue_emails(
    tx: &mut SqliteConnection,
    settings: &AlertSettings,
    subject: &Subject,
    kind: &RuleKind,
    state: &StateRow,
    event: &'static str,
    notification_id: i64,
    recipients: &Recipients,
    now: DateTime<Utc>,
) -> Result<usize, sqlx::Error> {
    let addresses = alert_store::recipient_addresses(tx, recipients).await?;
    let mail = email::render_alert(&email::AlertFacts {
        vendor: subject.vendor,
        subject_label: &subject.label,
        rule: kind,
        level: state.level(),
        event,
        summary: &state.summary,
        link: format!(
            "{}/keys/{}",
            settings.base_url.trim_end_matches('/'),
            subject.link_key
        ),
        since: state.since,
    });
    for to in &addresses {
        outbox::enqueue(
            &mut *tx,
            &NewEmail {
                notification_id: Some(notification_id),
                purpose: "alert",
                to,
                subject: &mail.subject,
                body_text: &mail.text,
                body_html: &mail.html,
            },
            now,
        )
        .await?;
    }
    if addresses.is_empty() {
        tracing::warn!(subject = %subject.id, "alert has no recipients: nobody is e-mailed");
    }
    Ok(addresses.len())
}

struct Decision {
    event: Option<&'static str>,
    since: DateTime<Utc>,
    notified_at: Option<DateTime<Utc>>,
}

/// The state machine. One e-mail when an alert fires (per period: a reset starts a
/// new one), one when it escalates, one when it resolves, and a reminder every
/// `repeat` while it keeps firing (never for a failing key: that alerts once).
fn decide(
    prev: Option<&StateRow>,
    level: AlertLevel,
    period_id: &str,
    kind: &RuleKind,
    settings: &AlertSettings,
    now: DateTime<Utc>,
) -> Decision {
    let prev_level = prev.map_or(AlertLevel::Ok, StateRow::level);
    let same_period = prev.is_some_and(|p| p.period_id == period_id);
    match (prev_level, level) {
        (AlertLevel::Ok, AlertLevel::Ok) => Decision {
            event: None,
            since: prev.map_or(now, |p| p.since),
            notified_at: None,
        },
        (AlertLevel::Firing(_), AlertLevel::Ok) => Decision {
            event: Some("resolved"),
            since: now,
            notified_at: None,
        },
        (AlertLevel::Ok, AlertLevel::Firing(_)) => Decision {
            event: Some("fired"),
            since: now,
            notified_at: Some(now),
        },
        (AlertLevel::Firing(_), AlertLevel::Firing(_)) if !same_period => Decision {
            event: Some("fired"),
            since: now,
            notified_at: Some(now),
        },
        (AlertLevel::Firing(before), AlertLevel::Firing(after)) => {
            let prev = prev.expect("a firing level comes from a stored state");
            if after > before {
                return Decision {
                    event: Some("escalated"),
                    since: prev.since,
                    notified_at: Some(now),
                };
            }
            let due = prev
                .notified_at
                .is_none_or(|at| now - at >= settings.repeat);
            if due && kind.is_about_quota() {
                Decision {
                    event: Some("repeated"),
                    since: prev.since,
                    notified_at: Some(now),
                }
            } else {
                Decision {
                    event: None,
                    since: prev.since,
                    notified_at: prev.notified_at,
                }
            }
        }
    }
}

/// The level a rule reaches on this input, the figure in words, and the period id;
/// `None` when the input says nothing about this rule (keep the state as it is).
fn judge(
    kind: &RuleKind,
    input: &Input,
    now: DateTime<Utc>,
) -> Option<(AlertLevel, String, String)> {
    match (kind, input) {
        (RuleKind::KeyFailing, Input::Health(outcome)) => match outcome {
            None => Some((AlertLevel::Ok, "polls succeed".to_owned(), String::new())),
            Some(Some(kind)) => Some((
                AlertLevel::Firing(Severity::Critical),
                kind.label().to_lowercase(),
                String::new(),
            )),
            // Timeouts, 5xx and the like come and go: the poller retries them.
            Some(None) => None,
        },
        (RuleKind::KeyFailing, Input::Quota { .. }) | (_, Input::Health(_)) => None,
        (RuleKind::PercentUsed(t), Input::Quota { reading, .. }) => {
            let used = reading.used_percent()?;
            let level = if t.critical.is_some_and(|c| used >= c) {
                AlertLevel::Firing(Severity::Critical)
            } else if used >= t.warning {
                AlertLevel::Firing(Severity::Warning)
            } else {
                AlertLevel::Ok
            };
            Some((level, figure(reading)?, period_id(reading)))
        }
        (RuleKind::RemainingBelow(t), Input::Quota { reading, .. }) => {
            let left = remaining(reading)?;
            let level = if t.critical.is_some_and(|c| left < c) {
                AlertLevel::Firing(Severity::Critical)
            } else if left < t.warning {
                AlertLevel::Firing(Severity::Warning)
            } else {
                AlertLevel::Ok
            };
            Some((level, figure(reading)?, period_id(reading)))
        }
        (RuleKind::Forecast { within_days }, Input::Quota { reading, run_out }) => {
            forecast_level(*within_days, reading, (*run_out)?, now)
        }
    }
}

/// The forecast rule: fires when the projected run-out comes before the deadline
/// (the reset, or `within_days` from now), and never when the reset comes first.
fn forecast_level(
    within_days: Option<u32>,
    reading: &UsageReading,
    run_out: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Option<(AlertLevel, String, String)> {
    let resets = reading.resets_on.map(|f| f.value);
    let horizon = within_days.map(|days| now + chrono::TimeDelta::days(i64::from(days)));
    let deadline = match (resets, horizon) {
        (Some(reset), Some(horizon)) => reset.min(horizon),
        (Some(reset), None) => reset,
        (None, Some(horizon)) => horizon,
        // Credits that never reset: "before the reset" means within a month.
        (None, None) => now + chrono::TimeDelta::days(30),
    };
    let summary = match run_out {
        Some(at) => format!(
            "runs out around {} ({})",
            at.format("%Y-%m-%d %H:%M UTC"),
            figure(reading).unwrap_or_default()
        ),
        None => format!("not running out ({})", figure(reading).unwrap_or_default()),
    };
    let level = match run_out {
        Some(at) if at < deadline => {
            if at - now < chrono::TimeDelta::days(1) {
                AlertLevel::Firing(Severity::Critical)
            } else {
                AlertLevel::Firing(Severity::Warning)
            }
        }
        _ => AlertLevel::Ok,
    };
    Some((level, summary, period_id(reading)))
}

fn remaining(reading: &UsageReading) -> Option<i64> {
    reading.remaining.map(|f| f.value).or_else(|| {
        let used = i64::try_from(reading.used?.value).ok()?;
        let limit = i64::try_from(reading.limit?.value).ok()?;
        Some(limit - used)
    })
}

/// "4,120 credits left (8 %)", or what is known.
fn figure(reading: &UsageReading) -> Option<String> {
    let unit = match reading.vendor {
        Vendor::StructOcr => "credits",
        Vendor::OcrSpace => "conversions",
        Vendor::PlateRecognizerCloud | Vendor::PlateRecognizerSdk => "calls",
    };
    match (remaining(reading), reading.limit.map(|f| f.value)) {
        (Some(left), Some(limit)) if limit > 0 => {
            let share = left.max(0).saturating_mul(100) / i64::try_from(limit).ok()?;
            Some(format!(
                "{} {unit} left ({share} %)",
                domain::alerts::thousands(left)
            ))
        }
        (Some(left), _) => Some(format!("{} {unit} left", domain::alerts::thousands(left))),
        (None, _) => reading.used.map(|used| {
            format!(
                "{} {unit} used",
                domain::alerts::thousands(i64::try_from(used.value).unwrap_or(i64::MAX))
            )
        }),
    }
}

/// Which usage period a reading belongs to: a reset starts a new one.
fn period_id(reading: &UsageReading) -> String {
    reading
        .period_start
        .map(|f| ts(f.value))
        .or_else(|| reading.resets_on.map(|f| format!("until {}", ts(f.value))))
        .unwrap_or_default()
}

async fn load_subjects(
    tx: &mut SqliteConnection,
    touched: &[KeyId],
    now: DateTime<Utc>,
) -> Result<Vec<Subject>, sqlx::Error> {
    let touched: HashSet<i64> = touched.iter().map(|k| k.0).collect();
    let touched_ids: Vec<i64> = touched.iter().copied().collect();
    let touched_json =
        serde_json::to_string(&touched_ids).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    // Only what this batch needs: its enabled keys, plus the other keys of their
    // StructOCR accounts (a pool is judged on all its keys' rules).
    let all_keys: Vec<EvalKey> = sqlx::query_as(
        "SELECT id, vendor, label, account_ref FROM api_keys WHERE enabled = 1 AND \
         (id IN (SELECT value FROM json_each(?1)) OR (vendor = 'structocr' AND account_ref IN \
         (SELECT account_ref FROM api_keys WHERE vendor = 'structocr' \
          AND account_ref IS NOT NULL AND id IN (SELECT value FROM json_each(?1)))))",
    )
    .bind(&touched_json)
    .fetch_all(&mut *tx)
    .await?;
    let relevant: Vec<i64> = all_keys.iter().map(|k| k.id).collect();
    let ids = serde_json::to_string(&relevant).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    let latest: HashMap<i64, Latest> = sqlx::query_as::<_, Latest>(
        "SELECT key_id, outcome, reading, error_kind FROM key_latest \
         WHERE key_id IN (SELECT value FROM json_each(?))",
    )
    .bind(&ids)
    .fetch_all(&mut *tx)
    .await?
    .into_iter()
    .map(|row| (row.key_id, row))
    .collect();
    let rules: Vec<AlertRule> = alert_store::rules_of_keys(&mut *tx, &ids).await?;
    let reading_of = |id: i64| -> Option<UsageReading> {
        latest
            .get(&id)?
            .reading
            .as_deref()
            .and_then(|json| serde_json::from_str(json).ok())
    };

    let mut subjects: BTreeMap<String, Subject> = BTreeMap::new();
    let mut health: Vec<Subject> = Vec::new();
    for key in all_keys.iter().filter(|k| touched.contains(&k.id)) {
        let Ok(vendor) = key.vendor.parse::<Vendor>() else {
            continue;
        };
        let key_rules = rules.iter().filter(|r| r.key_id == Some(key.id));
        // Health: always about this one key.
        if let Some(row) = latest.get(&key.id) {
            let input = match row.outcome.as_str() {
                "ok" => Some(Input::Health(None)),
                "error" => Some(Input::Health(Some(
                    row.error_kind
                        .as_deref()
                        .and_then(|k| serde_json::from_value(k.into()).ok())
                        .filter(|k| {
                            matches!(k, FetchErrorKind::Unauthorized | FetchErrorKind::Drift)
                        }),
                ))),
                // Skipped (paused by the vendor): says nothing about the key.
                _ => None,
            };
            if let Some(input) = input {
                let mut subject = Subject {
                    id: format!("key:{}", key.id),
                    label: key.label.clone(),
                    vendor,
                    link_key: key.id,
                    input,
                    rules: BTreeMap::new(),
                };
                for rule in key_rules.clone().filter(|r| !r.kind.is_about_quota()) {
                    merge(&mut subject.rules, rule);
                }
                health.push(subject);
            }
        }
        // Quota: the key, or its account's pool.
        let Some(reading) = reading_of(key.id) else {
            continue;
        };
        let id = key.subject(reading.scope);
        if subjects.contains_key(&id) {
            continue;
        }
        let members: Vec<&EvalKey> = match reading.scope {
            Scope::Key => vec![key],
            Scope::Account => all_keys
                .iter()
                .filter(|other| other.vendor == key.vendor && other.subject(Scope::Account) == id)
                .collect(),
        };
        // The newest reading of any member speaks for the pool.
        let (newest_key, newest) = members
            .iter()
            .filter_map(|m| reading_of(m.id).map(|r| (m.id, r)))
            .max_by_key(|(_, r)| r.as_of)
            .unwrap_or((key.id, reading));
        let label = if members.len() > 1 {
            let names: Vec<&str> = members.iter().map(|m| m.label.as_str()).collect();
            format!("account shared by {}", names.join(", "))
        } else {
            key.label.clone()
        };
        let mut subject = Subject {
            id: id.clone(),
            label,
            vendor,
            link_key: members.iter().map(|m| m.id).min().unwrap_or(key.id),
            input: Input::Quota {
                run_out: super::forecast::run_out(&mut *tx, newest_key, &newest, now).await?,
                reading: Box::new(newest),
            },
            rules: BTreeMap::new(),
        };
        for member in &members {
            for rule in rules
                .iter()
                .filter(|r| r.key_id == Some(member.id) && r.kind.is_about_quota())
            {
                merge(&mut subject.rules, rule);
            }
        }
        subjects.insert(id, subject);
    }
    Ok(subjects.into_values().chain(health).collect())
}

/// Adds a rule to a subject's set; the same check from two keys is one rule whose
/// recipients are both keys' recipients.
fn merge(rules: &mut BTreeMap<String, (RuleKind, Recipients)>, rule: &AlertRule) {
    let entry = rules
        .entry(rule.kind.signature())
        .or_insert_with(|| (rule.kind, Recipients::default()));
    let recipients = &mut entry.1;
    recipients.admins |= rule.recipients.admins;
    for user in &rule.recipients.users {
        if !recipients.users.contains(user) {
            recipients.users.push(*user);
        }
    }
    for email in &rule.recipients.emails {
        if !recipients.emails.contains(email) {
            recipients.emails.push(email.clone());
        }
    }
}
