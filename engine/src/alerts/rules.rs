//! Rule management for the Alerts page and the CLI: role check, validation, audit,
//! and the firing state per key for the pages that show keys.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use domain::{AlertLevel, FieldError, FieldErrors, KeyId, Role, RuleForm, Scope, Severity};
use serde_json::json;

use super::subject_of_key;
use crate::{
    Store,
    store::{
        alerts as alert_store,
        audit::{self, Subject},
        keys, users,
    },
    team::{Actor, TeamError},
};

/// Adds a rule to a key (or to the team defaults, `key: None`), or replaces rule
/// `id`. Editors and admins only.
pub async fn save_rule(
    store: &Store,
    actor: &Actor,
    id: Option<i64>,
    key: Option<KeyId>,
    form: &RuleForm,
    now: DateTime<Utc>,
) -> Result<i64, TeamError> {
    actor.require(Role::Editor)?;
    let (kind, recipients) = form.parse().map_err(TeamError::Invalid)?;
    let mut tx = store.pool().begin().await?;
    for user in &recipients.users {
        if users::get(&mut *tx, *user).await?.is_none() {
            let mut errors = FieldErrors::new();
            errors.push(FieldError::new(
                "users",
                "that team member no longer exists",
            ));
            return Err(TeamError::Invalid(errors));
        }
    }
    let key = match id {
        Some(id) => {
            let rule = alert_store::get_rule(&mut *tx, id)
                .await?
                .ok_or(TeamError::NotFound { kind: "rule", id })?;
            alert_store::update_rule(&mut *tx, id, &kind, &recipients, now).await?;
            rule.key_id.map(KeyId)
        }
        None => key,
    };
    if let Some(key) = key
        && keys::get(&mut *tx, key).await?.is_none()
    {
        return Err(TeamError::NotFound {
            kind: "key",
            id: key.0,
        });
    }
    let id = match id {
        Some(id) => id,
        None => alert_store::insert_rule(&mut *tx, key, &kind, &recipients, now).await?,
    };
    audit::record(
        &mut *tx,
        now,
        actor.audit(),
        "alert_rule.saved",
        key.map_or(Subject::Instance, |k| Subject::Key(k.0)),
        json!({ "rule_id": id, "rule": kind.describe(), "team_default": key.is_none() }),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn delete_rule(
    store: &Store,
    actor: &Actor,
    id: i64,
    now: DateTime<Utc>,
) -> Result<(), TeamError> {
    actor.require(Role::Editor)?;
    let mut tx = store.pool().begin().await?;
    let rule = alert_store::get_rule(&mut *tx, id)
        .await?
        .ok_or(TeamError::NotFound { kind: "rule", id })?;
    alert_store::delete_rule(&mut *tx, id).await?;
    audit::record(
        &mut *tx,
        now,
        actor.audit(),
        "alert_rule.deleted",
        rule.key_id.map_or(Subject::Instance, Subject::Key),
        json!({ "rule_id": id, "rule": rule.kind.describe() }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The most severe firing alert of each key, with its figure: a pool's alert
/// counts for every key of the pool.
pub async fn firing_by_key(store: &Store) -> Result<HashMap<i64, (Severity, String)>, sqlx::Error> {
    let firing = alert_store::firing(store.pool()).await?;
    if firing.is_empty() {
        return Ok(HashMap::new());
    }
    let all = keys::list(store.pool()).await?;
    let mut out: HashMap<i64, (Severity, String)> = HashMap::new();
    for state in firing {
        let AlertLevel::Firing(severity) = state.level() else {
            continue;
        };
        let members: Vec<i64> = if state.subject.starts_with("account:") {
            all.iter()
                .filter(|k| subject_of_key(k, Scope::Account) == state.subject)
                .map(|k| k.id)
                .collect()
        } else {
            state.key_id.into_iter().collect()
        };
        for key in members {
            let worse = out.get(&key).is_none_or(|(s, _)| severity > *s);
            if worse {
                out.insert(
                    key,
                    (severity, format!("{}: {}", state.rule_text, state.summary)),
                );
            }
        }
    }
    Ok(out)
}

/// Names the StructOCR account a key belongs to: keys naming the same account share
/// one pool alert (and one overview row). Blank takes the key out of any pool.
pub async fn set_key_account(
    store: &Store,
    actor: &Actor,
    key: KeyId,
    account: &str,
    now: DateTime<Utc>,
) -> Result<(), TeamError> {
    actor.require(Role::Editor)?;
    let account = account.trim();
    let invalid = |message: &str| {
        let mut errors = FieldErrors::new();
        errors.push(FieldError::new("account", message));
        TeamError::Invalid(errors)
    };
    if account.chars().count() > 64 || account.chars().any(char::is_control) {
        return Err(invalid("at most 64 characters, no control characters"));
    }
    let mut tx = store.pool().begin().await?;
    let row = keys::get(&mut *tx, key).await?.ok_or(TeamError::NotFound {
        kind: "key",
        id: key.0,
    })?;
    if row.vendor != domain::Vendor::StructOcr.slug() {
        return Err(invalid(
            "only StructOCR keys share an account's credit; other vendors count per key",
        ));
    }
    let account = (!account.is_empty()).then_some(account);
    keys::set_account_ref(&mut *tx, key, account, now).await?;
    audit::record(
        &mut *tx,
        now,
        actor.audit(),
        "key.account_set",
        Subject::Key(key.0),
        json!({ "account": account }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
