//! Vendor keys: create, update, enable/disable, delete, list (masked), and the
//! decrypted credentials the poller and "Verify now" use.
//!
//! Deleting a key deletes its row; the usage history that will reference it goes
//! with it (`ON DELETE CASCADE`). Disabling keeps everything. Audit rows stay either
//! way (they hold the key id and label, never the secret).

use chrono::{DateTime, Utc};
use domain::{FieldError, FieldErrors, KeyFields, KeyForm, KeyId, MaskedSecret, Role, Vendor};
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;

use super::{Actor, TeamError};
use crate::{
    Store,
    secrets::Secrets,
    store::{
        audit::{self, Subject},
        keys::{self, KeyRow, KeySettings, SealedKeyRow},
        time::is_unique_violation,
    },
    vendors::{ApiKey, Credential, CredentialError, parse_base_url},
};

/// The add/edit form: the non-secret fields as typed, and the secret. On edit an
/// empty secret keeps the stored one.
#[derive(Debug)]
pub struct KeyInput {
    pub form: KeyForm,
    pub secret: SecretString,
}

/// A key as lists show it: never the secret, at most its last four characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeySummary {
    pub id: KeyId,
    pub vendor: Vendor,
    pub label: String,
    pub owner_tag: Option<String>,
    pub base_url: Option<String>,
    pub monthly_limit: Option<u64>,
    /// Minutes between polls when the key overrides its vendor's default.
    pub poll_interval_minutes: Option<u32>,
    pub enabled: bool,
    /// `None` when the key has no secret (the on-premise SDK without a licence).
    pub secret: Option<MaskedSecret>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

const SECRET_FIELD: &str = "secret";

/// Parses the form and the secret, collecting every field error.
fn validate(
    form: &KeyForm,
    secret: &SecretString,
    secret_required: bool,
) -> Result<(KeyFields, Option<ApiKey>), TeamError> {
    let (fields, mut errors) = form.parse();
    let raw = secret.expose_secret();
    let key = if raw.trim().is_empty() {
        None
    } else {
        errors.take(ApiKey::parse(raw).map_err(|e| FieldError::new(SECRET_FIELD, e.to_string())))
    };
    // Checked even when other fields failed, so the form shows every problem at once.
    let vendor = form.vendor.trim().parse::<Vendor>().ok();
    if secret_required
        && raw.trim().is_empty()
        && let Some(vendor) = vendor.filter(|v| v.needs_api_key())
    {
        errors.push(FieldError::new(
            SECRET_FIELD,
            CredentialError::MissingKey {
                vendor: vendor.display_name(),
            }
            .to_string(),
        ));
    }
    let base_url = form.base_url.trim();
    if !base_url.is_empty()
        && let Err(error) = parse_base_url(base_url)
    {
        errors.push(FieldError::new("base_url", error.to_string()));
    }
    match fields {
        Some(fields) if errors.is_empty() => Ok((fields, key)),
        _ => Err(TeamError::Invalid(errors)),
    }
}

fn settings(fields: &KeyFields) -> KeySettings<'_> {
    KeySettings {
        vendor: fields.vendor.slug(),
        label: fields.label.as_str(),
        owner_tag: fields.owner_tag.as_ref().map(|t| t.as_str()),
        base_url: fields.base_url.as_deref(),
        monthly_limit: fields
            .monthly_limit
            .map(|l| i64::try_from(l.get()).unwrap_or(i64::MAX)),
        poll_interval_minutes: fields.poll_interval.map(|i| i64::from(i.minutes())),
    }
}

fn label_taken(error: sqlx::Error) -> TeamError {
    if is_unique_violation(&error) {
        TeamError::Conflict {
            field: "label",
            message: "this vendor has a key with this label already".to_owned(),
        }
    } else {
        TeamError::Store(error)
    }
}

/// What the audit log keeps about a key's settings (never the secret).
fn audit_detail(fields: &KeyFields) -> serde_json::Value {
    json!({
        "vendor": fields.vendor.slug(),
        "label": fields.label.as_str(),
        "owner_tag": fields.owner_tag.as_ref().map(|t| t.as_str()),
        "base_url": fields.base_url,
        "monthly_limit": fields.monthly_limit.map(|l| l.get()),
        "poll_interval_minutes": fields.poll_interval.map(|i| i.minutes()),
    })
}

fn seal_and_hint(
    secrets: &Secrets,
    id: KeyId,
    version: i64,
    key: &ApiKey,
) -> (crate::secrets::SealedSecret, Option<String>) {
    let secret = SecretString::from(key.expose().to_owned());
    let hint = MaskedSecret::from_secret(key.expose())
        .hint()
        .map(str::to_owned);
    (secrets.seal(id, version, &secret), hint)
}

/// Adds a key (editor or admin).
#[tracing::instrument(name = "create_key", skip_all)]
pub async fn create_key(
    store: &Store,
    secrets: &Secrets,
    actor: &Actor,
    input: KeyInput,
    now: DateTime<Utc>,
) -> Result<KeyId, TeamError> {
    actor.require(Role::Editor)?;
    let (fields, key) = validate(&input.form, &input.secret, true)?;
    let created_by = match actor {
        Actor::User(user) => Some(user.id),
        Actor::Cli => None,
    };
    let mut tx = store.pool().begin().await?;
    let id = keys::insert(&mut *tx, &settings(&fields), created_by, now)
        .await
        .map_err(label_taken)?;
    if let Some(key) = &key {
        // The id is only known now, and it is part of the associated data.
        let (sealed, hint) = seal_and_hint(secrets, id, 1, key);
        keys::set_secret(&mut *tx, id, 1, Some(&sealed), hint.as_deref(), now).await?;
    }
    // A new key is watched from its first poll: the team's default alert rules.
    crate::store::alerts::copy_defaults_to(&mut *tx, id, now).await?;
    audit::record(
        &mut *tx,
        now,
        actor.audit(),
        "key.created",
        Subject::Key(id.0),
        audit_detail(&fields),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(key_id = %id, vendor = %fields.vendor, "key created");
    Ok(id)
}

/// Changes label, owner, base URL and limit; replaces the secret only when
/// `input.secret` is not blank. The vendor cannot change (the form's is ignored).
#[tracing::instrument(name = "update_key", skip_all, fields(key_id = %id))]
pub async fn update_key(
    store: &Store,
    secrets: &Secrets,
    actor: &Actor,
    id: KeyId,
    input: KeyInput,
    now: DateTime<Utc>,
) -> Result<(), TeamError> {
    actor.require(Role::Editor)?;
    let mut tx = store.pool().begin().await?;
    let row = keys::get(&mut *tx, id).await?.ok_or(TeamError::NotFound {
        kind: "key",
        id: id.0,
    })?;
    let form = KeyForm {
        vendor: row.vendor.clone(),
        ..input.form
    };
    let (fields, key) = validate(&form, &input.secret, false)?;
    keys::update_settings(&mut *tx, id, &settings(&fields), now)
        .await
        .map_err(label_taken)?;
    if let Some(key) = &key {
        // A new version: the old ciphertext no longer opens for this row.
        let version = row.key_version + 1;
        let (sealed, hint) = seal_and_hint(secrets, id, version, key);
        keys::set_secret(&mut *tx, id, version, Some(&sealed), hint.as_deref(), now).await?;
    }
    let mut detail = audit_detail(&fields);
    detail["secret_replaced"] = json!(key.is_some());
    audit::record(
        &mut *tx,
        now,
        actor.audit(),
        "key.updated",
        Subject::Key(id.0),
        detail,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn set_key_enabled(
    store: &Store,
    actor: &Actor,
    id: KeyId,
    enabled: bool,
    now: DateTime<Utc>,
) -> Result<(), TeamError> {
    actor.require(Role::Editor)?;
    let mut tx = store.pool().begin().await?;
    if !keys::set_enabled(&mut *tx, id, enabled, now).await? {
        return Err(TeamError::NotFound {
            kind: "key",
            id: id.0,
        });
    }
    let action = if enabled {
        "key.enabled"
    } else {
        "key.disabled"
    };
    audit::record(
        &mut *tx,
        now,
        actor.audit(),
        action,
        Subject::Key(id.0),
        json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Deletes the key and (once snapshots exist) its usage history.
pub async fn delete_key(
    store: &Store,
    actor: &Actor,
    id: KeyId,
    now: DateTime<Utc>,
) -> Result<(), TeamError> {
    actor.require(Role::Editor)?;
    let mut tx = store.pool().begin().await?;
    let row = keys::get(&mut *tx, id).await?.ok_or(TeamError::NotFound {
        kind: "key",
        id: id.0,
    })?;
    keys::delete(&mut *tx, id).await?;
    audit::record(
        &mut *tx,
        now,
        actor.audit(),
        "key.deleted",
        Subject::Key(id.0),
        json!({ "vendor": row.vendor, "label": row.label }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

fn summary(row: KeyRow) -> Result<KeySummary, TeamError> {
    let vendor = row
        .vendor
        .parse()
        .map_err(|e: domain::UnknownVendor| sqlx::Error::Decode(e.to_string().into()))?;
    Ok(KeySummary {
        id: KeyId(row.id),
        vendor,
        label: row.label,
        owner_tag: row.owner_tag,
        base_url: row.base_url,
        monthly_limit: row.monthly_limit.and_then(|l| u64::try_from(l).ok()),
        poll_interval_minutes: row
            .poll_interval_minutes
            .and_then(|m| u32::try_from(m).ok()),
        enabled: row.enabled,
        secret: row
            .has_secret
            .then(|| MaskedSecret::from_hint(row.secret_hint)),
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

/// Every key, masked (any signed-in role).
pub async fn list_keys(store: &Store, actor: &Actor) -> Result<Vec<KeySummary>, TeamError> {
    actor.require(Role::Viewer)?;
    keys::list(store.pool())
        .await?
        .into_iter()
        .map(summary)
        .collect()
}

/// One key, masked (any signed-in role).
pub async fn key_summary(store: &Store, actor: &Actor, id: KeyId) -> Result<KeySummary, TeamError> {
    actor.require(Role::Viewer)?;
    let row = keys::get(store.pool(), id)
        .await?
        .ok_or(TeamError::NotFound {
            kind: "key",
            id: id.0,
        })?;
    summary(row)
}

/// Opens a stored key: decrypts its secret and builds what the poller sends.
pub(crate) fn credential(
    secrets: &Secrets,
    sealed_row: SealedKeyRow,
) -> Result<Credential, TeamError> {
    let SealedKeyRow { row, sealed } = sealed_row;
    let id = KeyId(row.id);
    let vendor: Vendor = row
        .vendor
        .parse()
        .map_err(|e: domain::UnknownVendor| sqlx::Error::Decode(e.to_string().into()))?;
    let key = match &sealed {
        Some(sealed) => {
            let secret = secrets.open(id, row.key_version, sealed)?;
            Some(ApiKey::parse(secret.expose_secret()).map_err(|e| invalid_stored(id, e))?)
        }
        None => None,
    };
    // Names the key in logs: its id and label, never the secret.
    let mut cred = Credential::new(format!("#{} {}", row.id, row.label), vendor, key)
        .map_err(|e| invalid_stored(id, e))?;
    if let Some(url) = &row.base_url {
        cred = cred.with_base_url(url).map_err(|e| invalid_stored(id, e))?;
    }
    if let Some(limit) = row.monthly_limit.and_then(|l| u64::try_from(l).ok()) {
        cred = cred.with_monthly_limit(limit);
    }
    Ok(cred)
}

fn invalid_stored(id: KeyId, error: CredentialError) -> TeamError {
    let mut errors = FieldErrors::new();
    errors.push(FieldError::new("stored", format!("key {id}: {error}")));
    TeamError::Invalid(errors)
}

/// What the poller fetches: every enabled key with its decrypted credential. One
/// undecryptable key fails only itself.
pub async fn enabled_credentials(
    store: &Store,
    secrets: &Secrets,
) -> Result<Vec<(KeyId, Result<Credential, TeamError>)>, TeamError> {
    Ok(keys::list_enabled_sealed(store.pool())
        .await?
        .into_iter()
        .map(|row| (KeyId(row.row.id), credential(secrets, row)))
        .collect())
}

/// One key's credential, for "Verify now" (editor or admin).
pub async fn key_credential(
    store: &Store,
    secrets: &Secrets,
    actor: &Actor,
    id: KeyId,
) -> Result<Credential, TeamError> {
    actor.require(Role::Editor)?;
    let row = keys::get_sealed(store.pool(), id)
        .await?
        .ok_or(TeamError::NotFound {
            kind: "key",
            id: id.0,
        })?;
    credential(secrets, row)
}
