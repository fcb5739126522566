//! Vendor keys: list (masked), add, edit, enable/disable, delete.

use domain::Vendor;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::errors::AppError;

/// A key as the Keys page shows it: the secret only masked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyView {
    pub id: i64,
    pub vendor: Vendor,
    pub label: String,
    pub owner_tag: Option<String>,
    pub base_url: Option<String>,
    pub monthly_limit: Option<u64>,
    /// Minutes between polls when the key overrides its vendor's default.
    pub poll_interval_minutes: Option<u32>,
    pub enabled: bool,
    /// `••••abcd`, or `None` when the key has no secret (the on-premise SDK).
    pub masked_secret: Option<String>,
    /// The most severe firing alert: (`warning`/`critical`, what it says).
    pub alert: Option<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeysData {
    pub keys: Vec<KeyView>,
    /// Whether the signed-in user may add, change and delete keys.
    pub can_edit: bool,
}

#[cfg(feature = "ssr")]
fn view(key: engine::team::KeySummary) -> KeyView {
    KeyView {
        id: key.id.0,
        vendor: key.vendor,
        label: key.label,
        owner_tag: key.owner_tag,
        base_url: key.base_url,
        monthly_limit: key.monthly_limit,
        poll_interval_minutes: key.poll_interval_minutes,
        enabled: key.enabled,
        masked_secret: key.secret.map(|s| s.to_string()),
        alert: None,
    }
}

#[server]
pub async fn list_keys() -> Result<KeysData, AppError> {
    let actor = crate::errors::require(domain::Role::Viewer)?;
    let can_edit = actor.require(domain::Role::Editor).is_ok();
    let store = expect_context::<engine::Store>();
    let keys = engine::team::list_keys(&store, &actor).await?;
    let alerts = engine::alerts::firing_by_key(&store).await?;
    Ok(KeysData {
        keys: keys
            .into_iter()
            .map(|key| {
                let alert = alerts
                    .get(&key.id.0)
                    .map(|(severity, text)| (severity.as_str().to_owned(), text.clone()));
                KeyView { alert, ..view(key) }
            })
            .collect(),
        can_edit,
    })
}

#[server]
pub async fn get_key(id: i64) -> Result<KeyView, AppError> {
    let actor = crate::errors::require(domain::Role::Editor)?;
    let store = expect_context::<engine::Store>();
    Ok(view(
        engine::team::key_summary(&store, &actor, domain::KeyId(id)).await?,
    ))
}

#[server]
pub async fn add_key(
    vendor: String,
    label: String,
    secret: String,
    base_url: String,
    monthly_limit: String,
    owner_tag: String,
) -> Result<(), AppError> {
    use engine::team::KeyInput;

    let actor = crate::errors::require(domain::Role::Editor)?;
    let store = expect_context::<engine::Store>();
    let secrets = expect_context::<engine::secrets::Secrets>();
    let form = domain::KeyForm {
        vendor: vendor.clone(),
        label: label.clone(),
        owner_tag: owner_tag.clone(),
        base_url: base_url.clone(),
        monthly_limit: monthly_limit.clone(),
        ..domain::KeyForm::default()
    };
    let input = KeyInput {
        form,
        secret: secrecy::SecretString::from(secret),
    };
    engine::team::create_key(&store, &secrets, &actor, input, chrono::Utc::now())
        .await
        .map_err(|e| {
            crate::errors::from_team(
                e,
                &[
                    ("vendor", &vendor),
                    ("label", &label),
                    ("owner_tag", &owner_tag),
                    ("base_url", &base_url),
                    ("monthly_limit", &monthly_limit),
                ],
            )
        })?;
    Ok(())
}

#[server]
pub async fn update_key(
    id: i64,
    label: String,
    secret: String,
    base_url: String,
    monthly_limit: String,
    owner_tag: String,
    // Absent from forms that predate it: then blank, the vendor's default.
    #[server(default)] poll_interval_minutes: String,
) -> Result<(), AppError> {
    use engine::team::KeyInput;

    let actor = crate::errors::require(domain::Role::Editor)?;
    let store = expect_context::<engine::Store>();
    let secrets = expect_context::<engine::secrets::Secrets>();
    let form = domain::KeyForm {
        // The engine keeps the stored vendor.
        vendor: String::new(),
        label: label.clone(),
        owner_tag: owner_tag.clone(),
        base_url: base_url.clone(),
        monthly_limit: monthly_limit.clone(),
        poll_interval_minutes: poll_interval_minutes.clone(),
    };
    let input = KeyInput {
        form,
        secret: secrecy::SecretString::from(secret),
    };
    engine::team::update_key(
        &store,
        &secrets,
        &actor,
        domain::KeyId(id),
        input,
        chrono::Utc::now(),
    )
    .await
    .map_err(|e| {
        crate::errors::from_team(
            e,
            &[
                ("label", &label),
                ("owner_tag", &owner_tag),
                ("base_url", &base_url),
                ("monthly_limit", &monthly_limit),
                ("poll_interval_minutes", &poll_interval_minutes),
            ],
        )
    })?;
    leptos_axum::redirect("/keys");
    Ok(())
}

#[server]
pub async fn set_key_enabled(id: i64, enabled: bool) -> Result<(), AppError> {
    let actor = crate::errors::require(domain::Role::Editor)?;
    let store = expect_context::<engine::Store>();
    engine::team::set_key_enabled(
        &store,
        &actor,
        domain::KeyId(id),
        enabled,
        chrono::Utc::now(),
    )
    .await?;
    Ok(())
}

#[server]
pub async fn delete_key(id: i64) -> Result<(), AppError> {
    let actor = crate::errors::require(domain::Role::Editor)?;
    let store = expect_context::<engine::Store>();
    engine::team::delete_key(&store, &actor, domain::KeyId(id), chrono::Utc::now()).await?;
    leptos_axum::redirect("/keys");
    Ok(())
}
