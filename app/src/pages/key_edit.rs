use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_params_map};

use crate::{
    api::keys::{KeyView, UpdateKey, get_key},
    components::{
        access_message::{AccessMessage, redirect_visitors},
        form_feedback::{FieldMessage, FormAlert},
    },
    errors::{AppError, form_error},
};

#[component]
pub fn KeyEditPage() -> impl IntoView {
    redirect_visitors();
    let params = use_params_map();
    let id = move || {
        params
            .read()
            .get("id")
            .and_then(|id| id.parse::<i64>().ok())
    };
    let key = Resource::new(id, |id| async move {
        match id {
            Some(id) => get_key(id).await,
            None => Err(AppError::Refused("no such key".to_owned())),
        }
    });
    let action = ServerAction::<UpdateKey>::new();
    view! {
        <Title text="Edit key"/>
        <section class="page">
            <h1>"Edit key"</h1>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match key.await {
                        Ok(key) => view! { <EditKeyForm key action/> }.into_any(),
                        Err(error) => view! { <AccessMessage error/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn EditKeyForm(key: KeyView, action: ServerAction<UpdateKey>) -> impl IntoView {
    let error = form_error(action);
    let field = move |name: &'static str, stored: String| {
        move || {
            error
                .read()
                .as_ref()
                .and_then(|e| e.value(name))
                .unwrap_or_else(|| stored.clone())
        }
    };
    view! {
        <ActionForm action attr:class="stacked-form" attr:id="edit-key-form">
            <FormAlert error/>
            <p>{format!("Vendor: {}", key.vendor.display_name())}</p>
            <input type="hidden" name="id" value=key.id/>
            <label for="key-label">"Label"</label>
            <input id="key-label" name="label" type="text" required value=field("label", key.label.clone())/>
            <FieldMessage error field="label"/>
            <label for="key-secret">"New secret (leave empty to keep "{key.masked_secret.clone().unwrap_or_else(|| "none".to_owned())}")"</label>
            <input id="key-secret" name="secret" type="password" autocomplete="off"/>
            <FieldMessage error field="secret"/>
            <label for="key-base-url">"Base URL (optional)"</label>
            <input id="key-base-url" name="base_url" type="text" value=field("base_url", key.base_url.clone().unwrap_or_default())/>
            <FieldMessage error field="base_url"/>
            <label for="key-limit">"Monthly limit"</label>
            <input id="key-limit" name="monthly_limit" type="text" inputmode="numeric" value=field("monthly_limit", key.monthly_limit.map(|l| l.to_string()).unwrap_or_default())/>
            <FieldMessage error field="monthly_limit"/>
            <label for="key-interval">"Poll every (minutes; empty for the vendor's default)"</label>
            <input id="key-interval" name="poll_interval_minutes" type="text" inputmode="numeric" value=field("poll_interval_minutes", key.poll_interval_minutes.map(|m| m.to_string()).unwrap_or_default())/>
            <FieldMessage error field="poll_interval_minutes"/>
            <label for="key-owner">"Owner tag (optional)"</label>
            <input id="key-owner" name="owner_tag" type="text" value=field("owner_tag", key.owner_tag.clone().unwrap_or_default())/>
            <FieldMessage error field="owner_tag"/>
            <div class="form-actions">
                <button type="submit">"Save"</button>
                <A href="/keys" attr:class="button-link">"Cancel"</A>
            </div>
        </ActionForm>
    }
}
