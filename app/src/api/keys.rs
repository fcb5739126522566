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
    /// How the latest poll went; `None` before the first one.
    pub last_check: Option<CheckView>,
    /// When the scheduler polls it next, in words ("2026-12-14 09:45 CET").
    pub next_poll: String,
}

/// One poll's outcome as the Keys page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckView {
    pub ok: bool,
    /// When, in the team's time zone.
    pub at: String,
    /// The figures or the failure, in plain words.
    pub text: String,
}

/// What "Verify now" found for one key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifyView {
    pub key_id: i64,
    pub check: CheckView,
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
        last_check: None,
        next_poll: String::new(),
    }
}

#[server(endpoint = "list_keys")]
pub async fn list_keys() -> Result<KeysData, AppError> {
    let actor = crate::errors::require(domain::Role::Viewer)?;
    let can_edit = actor.require(domain::Role::Editor).is_ok();
    let store = expect_context::<engine::Store>();
    let polls = expect_context::<engine::poller::PollService>();
    let keys = engine::team::list_keys(&store, &actor).await?;
    let alerts = engine::alerts::firing_by_key(&store).await?;
    let tz = engine::display::team_time_zone(&store).await?;
    let checks: std::collections::HashMap<i64, _> =
        engine::store::snapshots::last_checks(store.pool())
            .await?
            .into_iter()
            .map(|check| (check.key_id, check))
            .collect();
    let now = chrono::Utc::now();
    Ok(KeysData {
        keys: keys
            .into_iter()
            .map(|key| {
                let alert = alerts
                    .get(&key.id.0)
                    .map(|(severity, text)| (severity.as_str().to_owned(), text.clone()));
                let check = checks.get(&key.id.0);
                let next_poll = engine::display::next_poll(
                    polls.plan().next_poll(
                        key.id,
                        key.vendor,
                        key.poll_interval_minutes.map(i64::from),
                        key.enabled,
                        check.map(|c| c.polled_at),
                        now,
                    ),
                    tz,
                );
                let last_check = check.map(|c| CheckView {
                    ok: c.outcome == "ok",
                    at: engine::display::date_time(c.polled_at, tz),
                    text: match (c.outcome.as_str(), &c.error_message) {
                        ("ok", _) => "the vendor answered".to_owned(),
                        (_, Some(message)) => message.clone(),
                        (outcome, None) => outcome.to_owned(),
                    },
                });
                KeyView {
                    alert,
                    last_check,
                    next_poll,
                    ..view(key)
                }
            })
            .collect(),
        can_edit,
    })
}

/// "Verify now": asks the vendor about one key at once and says what it answered,
/// or why it failed, in plain words. The answer is stored like any poll.
#[server(endpoint = "verify_key")]
pub async fn verify_key(id: i64) -> Result<VerifyView, AppError> {
    use engine::poller::VerifyError;

    let actor = crate::errors::require(domain::Role::Editor)?;
    let store = expect_context::<engine::Store>();
    let polls = expect_context::<engine::poller::PollService>();
    let form_post = crate::errors::is_form_post();
    let line = match polls.verify(&actor, domain::KeyId(id)).await {
        Ok(line) => line,
        Err(VerifyError::Team(error)) => return Err(error.into()),
        Err(VerifyError::Forbidden(forbidden)) => {
            return Err(engine::team::TeamError::Forbidden(forbidden).into());
        }
        Err(error @ (VerifyError::Cycle(_) | VerifyError::NoAnswer)) => {
            return Err(crate::errors::internal(&error));
        }
    };
    let tz = engine::display::team_time_zone(&store).await?;
    // A form post comes back to the Keys page, which shows the stored answer beside
    // this key (`?verified=`).
    if form_post {
        leptos_axum::redirect(&format!("/keys?verified={id}"));
    }
    let ok = line.outcome == "ok";
    let text = match line.outcome {
        "ok" => format!("the vendor answered: {} used", line.summary),
        "skipped" => format!("not asked: {}", line.summary),
        _ => line.summary,
    };
    Ok(VerifyView {
        key_id: id,
        check: CheckView {
            ok,
            at: engine::display::date_time(chrono::Utc::now(), tz),
            text,
        },
    })
}

#[server(endpoint = "get_key")]
pub async fn get_key(id: i64) -> Result<KeyView, AppError> {
    let actor = crate::errors::require(domain::Role::Editor)?;
    let store = expect_context::<engine::Store>();
    Ok(view(
        engine::team::key_summary(&store, &actor, domain::KeyId(id)).await?,
    ))
}

#[server(endpoint = "add_key")]
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

#[server(endpoint = "update_key")]
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

#[server(endpoint = "set_key_enabled")]
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

#[server(endpoint = "delete_key")]
pub async fn delete_key(id: i64) -> Result<(), AppError> {
    let actor = crate::errors::require(domain::Role::Editor)?;
    let store = expect_context::<engine::Store>();
    engine::team::delete_key(&store, &actor, domain::KeyId(id), chrono::Utc::now()).await?;
    leptos_axum::redirect("/keys");
    Ok(())
}
