//! `alert_rules`, `alert_states` and `alert_notifications`: the rules, where each
//! (subject, rule) stands, and the log of what was decided to send.

use chrono::{DateTime, Utc};
use domain::{AlertLevel, AlertRule, KeyId, Recipients, RuleKind};
use sqlx::{QueryBuilder, Sqlite, SqliteConnection, SqliteExecutor};

use super::time::ts;

#[derive(sqlx::FromRow)]
struct RuleRow {
    id: i64,
    key_id: Option<i64>,
    kind: String,
    recipients: String,
}

impl TryFrom<RuleRow> for AlertRule {
    type Error = sqlx::Error;
    fn try_from(row: RuleRow) -> Result<Self, Self::Error> {
        let corrupt = |what: &str, e: serde_json::Error| {
            sqlx::Error::Decode(format!("alert_rules.{what} of rule {}: {e}", row.id).into())
        };
        Ok(Self {
            id: row.id,
            key_id: row.key_id,
            kind: serde_json::from_str(&row.kind).map_err(|e| corrupt("kind", e))?,
            recipients: serde_json::from_str(&row.recipients)
                .map_err(|e| corrupt("recipients", e))?,
        })
    }
}

fn json<T: serde::Serialize>(value: &T) -> Result<String, sqlx::Error> {
    serde_json::to_string(value).map_err(|e| sqlx::Error::Encode(Box::new(e)))
}

/// Every rule, team defaults first, then by key and id.
pub async fn list_rules(db: impl SqliteExecutor<'_>) -> Result<Vec<AlertRule>, sqlx::Error> {
    let rows: Vec<RuleRow> = sqlx::query_as(
        "SELECT id, key_id, kind, recipients FROM alert_rules \
         ORDER BY key_id IS NOT NULL, key_id, id",
    )
    .fetch_all(db)
    .await?;
    rows.into_iter().map(AlertRule::try_from).collect()
}

/// The rules of the keys in `ids` (a JSON array of key ids).
pub async fn rules_of_keys(
    db: impl SqliteExecutor<'_>,
    ids: &str,
) -> Result<Vec<AlertRule>, sqlx::Error> {
    let rows: Vec<RuleRow> = sqlx::query_as(
        "SELECT id, key_id, kind, recipients FROM alert_rules \
         WHERE key_id IN (SELECT value FROM json_each(?)) ORDER BY key_id, id",
    )
    .bind(ids)
    .fetch_all(db)
    .await?;
    rows.into_iter().map(AlertRule::try_from).collect()
}

/// The rules of one key, or the team defaults for `None`.
pub async fn rules_of(
    db: impl SqliteExecutor<'_>,
    key: Option<KeyId>,
) -> Result<Vec<AlertRule>, sqlx::Error> {
    let rows: Vec<RuleRow> = sqlx::query_as(
        "SELECT id, key_id, kind, recipients FROM alert_rules WHERE key_id IS ? ORDER BY id",
    )
    .bind(key.map(|k| k.0))
    .fetch_all(db)
    .await?;
    rows.into_iter().map(AlertRule::try_from).collect()
}

pub async fn get_rule(
    db: impl SqliteExecutor<'_>,
    id: i64,
) -> Result<Option<AlertRule>, sqlx::Error> {
    let row: Option<RuleRow> =
        sqlx::query_as("SELECT id, key_id, kind, recipients FROM alert_rules WHERE id = ?")
            .bind(id)
            .fetch_optional(db)
            .await?;
    row.map(AlertRule::try_from).transpose()
}

pub async fn insert_rule(
    db: impl SqliteExecutor<'_>,
    key: Option<KeyId>,
    kind: &RuleKind,
    recipients: &Recipients,
    now: DateTime<Utc>,
) -> Result<i64, sqlx::Error> {
    let result = sqlx::query(
        "INSERT INTO alert_rules (key_id, kind, recipients, created_at, updated_at) \
         VALUES (?, ?, ?, ?, ?)",
    )
    .bind(key.map(|k| k.0))
    .bind(json(kind)?)
    .bind(json(recipients)?)
    .bind(ts(now))
    .bind(ts(now))
    .execute(db)
    .await?;
    Ok(result.last_insert_rowid())
}

pub async fn update_rule(
    db: impl SqliteExecutor<'_>,
    id: i64,
    kind: &RuleKind,
    recipients: &Recipients,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let result =
        sqlx::query("UPDATE alert_rules SET kind = ?, recipients = ?, updated_at = ? WHERE id = ?")
            .bind(json(kind)?)
            .bind(json(recipients)?)
            .bind(ts(now))
            .bind(id)
            .execute(db)
            .await?;
    Ok(result.rows_affected() == 1)
}

pub async fn delete_rule(db: impl SqliteExecutor<'_>, id: i64) -> Result<bool, sqlx::Error> {
    let result = sqlx::query("DELETE FROM alert_rules WHERE id = ?")
        .bind(id)
        .execute(db)
        .await?;
    Ok(result.rows_affected() == 1)
}

/// Gives a new key the team's default rules (called in the key's own transaction).
pub async fn copy_defaults_to(
    db: impl SqliteExecutor<'_>,
    key: KeyId,
    now: DateTime<Utc>,
) -> Result<u64, sqlx::Error> {
    let result = sqlx::query(
        "INSERT INTO alert_rules (key_id, kind, recipients, created_at, updated_at) \
         SELECT ?, kind, recipients, ?, ? FROM alert_rules WHERE key_id IS NULL ORDER BY id",
    )
    .bind(key.0)
    .bind(ts(now))
    .bind(ts(now))
    .execute(db)
    .await?;
    Ok(result.rows_affected())
}

/// Where one (subject, rule) stands.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StateRow {
    pub subject: String,
    pub rule_sig: String,
    pub subject_label: String,
    pub rule_text: String,
    pub key_id: Option<i64>,
    pub level: String,
    pub period_id: String,
    pub summary: String,
    pub since: DateTime<Utc>,
    pub evaluated_at: DateTime<Utc>,
    pub notified_at: Option<DateTime<Utc>>,
}

impl StateRow {
    pub fn level(&self) -> AlertLevel {
        AlertLevel::parse(&self.level).unwrap_or(AlertLevel::Ok)
    }
}

// A macro, not a const: sqlx only takes `&'static str` SQL, and `concat!` needs literals.
macro_rules! state_columns {
    () => {
        "subject, rule_sig, subject_label, rule_text, key_id, level, period_id, summary, \
         since, evaluated_at, notified_at"
    };
}

pub async fn states(db: impl SqliteExecutor<'_>) -> Result<Vec<StateRow>, sqlx::Error> {
    sqlx::query_as(concat!(
        "SELECT ",
        state_columns!(),
        " FROM alert_states ORDER BY subject, rule_sig"
    ))
    .fetch_all(db)
    .await
}

/// The states of the subjects in `subjects` (a JSON array of subject ids).
pub async fn states_of(
    db: impl SqliteExecutor<'_>,
    subjects: &str,
) -> Result<Vec<StateRow>, sqlx::Error> {
    sqlx::query_as(concat!(
        "SELECT ",
        state_columns!(),
        " FROM alert_states WHERE subject IN (SELECT value FROM json_each(?))"
    ))
    .bind(subjects)
    .fetch_all(db)
    .await
}

/// Firing alerts of enabled keys, most severe first: a deleted or disabled key is not
/// polled, so nothing would ever resolve its alerts.
pub async fn firing(db: impl SqliteExecutor<'_>) -> Result<Vec<StateRow>, sqlx::Error> {
    sqlx::query_as(concat!(
        "SELECT ",
        state_columns!(),
        " FROM alert_states WHERE level != 'ok' \
         AND key_id IN (SELECT id FROM api_keys WHERE enabled = 1) \
         ORDER BY level = 'critical' DESC, since"
    ))
    .fetch_all(db)
    .await
}

/// Writes these states, new or changed, in multi-row statements: an evaluation
/// touches every (subject, rule) of its batch, and one statement per state cost more
/// than the judging.
pub async fn upsert_states(
    db: &mut SqliteConnection,
    rows: &[StateRow],
) -> Result<(), sqlx::Error> {
    // 11 parameters a row, well under SQLite's limit of 32,766.
    for chunk in rows.chunks(500) {
        let mut upsert = QueryBuilder::<Sqlite>::new(
            "INSERT INTO alert_states (subject, rule_sig, subject_label, rule_text, key_id, \
             level, period_id, summary, since, evaluated_at, notified_at) ",
        );
        upsert.push_values(chunk, |mut b, row| {
            b.push_bind(&row.subject)
                .push_bind(&row.rule_sig)
                .push_bind(&row.subject_label)
                .push_bind(&row.rule_text)
                .push_bind(row.key_id)
                .push_bind(&row.level)
                .push_bind(&row.period_id)
                .push_bind(&row.summary)
                .push_bind(ts(row.since))
                .push_bind(ts(row.evaluated_at))
                .push_bind(row.notified_at.map(ts));
        });
        upsert.push(
            " ON CONFLICT (subject, rule_sig) DO UPDATE SET subject_label = excluded.subject_label, \
             rule_text = excluded.rule_text, key_id = excluded.key_id, level = excluded.level, \
             period_id = excluded.period_id, summary = excluded.summary, since = excluded.since, \
             evaluated_at = excluded.evaluated_at, notified_at = excluded.notified_at",
        );
        upsert.build().execute(&mut *db).await?;
    }
    Ok(())
}

/// A decision to notify; `dedup_key` makes the same decision twice a no-op.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewNotification<'a> {
    pub state: &'a StateRow,
    pub event: &'static str,
    pub dedup_key: String,
    pub at: DateTime<Utc>,
}

/// Records a notification; `None` when one with the same dedup key exists already.
pub async fn insert_notification(
    db: &mut SqliteConnection,
    new: &NewNotification<'_>,
) -> Result<Option<i64>, sqlx::Error> {
    let state = new.state;
    let id: Option<(i64,)> = sqlx::query_as(
        "INSERT INTO alert_notifications (subject, rule_sig, subject_label, rule_text, key_id, \
         event, level, period_id, summary, at, dedup_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
         ON CONFLICT (dedup_key) DO NOTHING RETURNING id",
    )
    .bind(&state.subject)
    .bind(&state.rule_sig)
    .bind(&state.subject_label)
    .bind(&state.rule_text)
    .bind(state.key_id)
    .bind(new.event)
    .bind(&state.level)
    .bind(&state.period_id)
    .bind(&state.summary)
    .bind(ts(new.at))
    .bind(&new.dedup_key)
    .fetch_optional(db)
    .await?;
    Ok(id.map(|(id,)| id))
}

/// One line of the Alerts page's history, with its e-mails' delivery.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct NotificationRow {
    pub id: i64,
    pub subject: String,
    pub subject_label: String,
    pub rule_text: String,
    pub key_id: Option<i64>,
    pub event: String,
    pub level: String,
    pub summary: String,
    pub at: DateTime<Utc>,
}

pub async fn recent_notifications(
    db: impl SqliteExecutor<'_>,
    limit: i64,
) -> Result<Vec<NotificationRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, subject, subject_label, rule_text, key_id, event, level, summary, at \
         FROM alert_notifications ORDER BY at DESC, id DESC LIMIT ?",
    )
    .bind(limit)
    .fetch_all(db)
    .await
}

/// Enabled users' addresses: the admins (when asked) plus the chosen members.
pub async fn recipient_addresses(
    db: &mut SqliteConnection,
    recipients: &Recipients,
) -> Result<Vec<String>, sqlx::Error> {
    let mut out: Vec<String> = Vec::new();
    if recipients.admins {
        let admins: Vec<(String,)> = sqlx::query_as(
            "SELECT email FROM users WHERE role = 'admin' AND disabled_at IS NULL ORDER BY id",
        )
        .fetch_all(&mut *db)
        .await?;
        out.extend(admins.into_iter().map(|(e,)| e));
    }
    for user in &recipients.users {
        let email: Option<(String,)> =
            sqlx::query_as("SELECT email FROM users WHERE id = ? AND disabled_at IS NULL")
                .bind(user.0)
                .fetch_optional(&mut *db)
                .await?;
        out.extend(email.map(|(e,)| e));
    }
    out.extend(recipients.emails.iter().map(|e| e.as_str().to_owned()));
    let mut seen = std::collections::HashSet::new();
    out.retain(|e| seen.insert(e.to_lowercase()));
    Ok(out)
}

/// Deletes the states of these subjects whose rule is not in `keep` (rules changed
/// or deleted since), for all subjects in one statement.
pub async fn prune_states(
    db: &mut SqliteConnection,
    keep: &[(&str, &[String])],
) -> Result<u64, sqlx::Error> {
    let encode = |e: serde_json::Error| sqlx::Error::Encode(Box::new(e));
    let subjects: Vec<&str> = keep.iter().map(|(subject, _)| *subject).collect();
    let pairs: Vec<(&str, &String)> = keep
        .iter()
        .flat_map(|(subject, sigs)| sigs.iter().map(move |sig| (*subject, sig)))
        .collect();
    let result = sqlx::query(
        "DELETE FROM alert_states WHERE subject IN (SELECT value FROM json_each(?1)) \
         AND (subject, rule_sig) NOT IN (SELECT value ->> 0, value ->> 1 FROM json_each(?2))",
    )
    .bind(serde_json::to_string(&subjects).map_err(encode)?)
    .bind(serde_json::to_string(&pairs).map_err(encode)?)
    .execute(db)
    .await?;
    Ok(result.rows_affected())
}
