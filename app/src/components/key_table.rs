use leptos::prelude::*;
use leptos_router::components::A;

use crate::api::keys::{CheckView, KeyView, SetKeyEnabled, VerifyKey};

/// The keys, one row each, with the secret masked. Editors get per-row controls;
/// viewers none at all. `verified` is the key "Verify now" just asked about: its row
/// says what the vendor answered.
#[component]
pub fn KeyTable(
    keys: Vec<KeyView>,
    can_edit: bool,
    toggle: ServerAction<SetKeyEnabled>,
    verify: ServerAction<VerifyKey>,
    verified: Option<i64>,
) -> impl IntoView {
    if keys.is_empty() {
        return view! { <p class="empty-state">"No keys yet."</p> }.into_any();
    }
    let rows = keys
        .into_iter()
        .map(|key| {
            let verified = verified == Some(key.id);
            view! { <KeyRow key can_edit toggle verify verified/> }
        })
        .collect_view();
    view! {
        <table class="data-table" id="key-table">
            <thead>
                <tr>
                    <th>"Vendor"</th>
                    <th>"Label"</th>
                    <th>"Owner"</th>
                    <th>"Secret"</th>
                    <th>"Base URL"</th>
                    <th>"Monthly limit"</th>
                    <th>"Status"</th>
                    <th>"Alert"</th>
                    <th>"Polling"</th>
                    {can_edit.then(|| view! { <th>"Actions"</th> })}
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}

#[component]
fn KeyRow(
    key: KeyView,
    can_edit: bool,
    toggle: ServerAction<SetKeyEnabled>,
    verify: ServerAction<VerifyKey>,
    verified: bool,
) -> impl IntoView {
    let id = key.id;
    let enabled = key.enabled;
    // "Verify now" stores its answer like any poll: the last check is that answer.
    let verify_result = verified
        .then(|| key.last_check.clone())
        .flatten()
        .map(|check| {
            view! {
                <p class="verify-result" role="status">
                    <CheckLine check prefix="Verified"/>
                </p>
            }
        });
    view! {
        <tr data-key-id=id>
            <td>{key.vendor.display_name()}</td>
            <td class="key-label"><A href=format!("/keys/{id}")>{key.label.clone()}</A></td>
            <td>{key.owner_tag.unwrap_or_default()}</td>
            <td class="masked-secret">{key.masked_secret.unwrap_or_else(|| "none".to_owned())}</td>
            <td>{key.base_url.unwrap_or_else(|| "vendor default".to_owned())}</td>
            <td>{key.monthly_limit.map(|l| l.to_string()).unwrap_or_else(|| "reported by vendor".to_owned())}</td>
            <td>
                <span class=if enabled { "status status-on" } else { "status status-off" }>
                    {if enabled { "enabled" } else { "disabled" }}
                </span>
            </td>
            <td class="key-alert">
                {match key.alert {
                    Some((level, text)) => view! {
                        <a href="/alerts" class=format!("alert-badge alert-{level}") title=text.clone()>{level.clone()}</a>
                        " "<span class="alert-text">{text}</span>
                    }.into_any(),
                    None => view! { <span class="muted">"ok"</span> }.into_any(),
                }}
            </td>
            <td class="key-polling">
                {match key.last_check {
                    Some(check) => view! { <CheckLine check prefix="Last poll"/> }.into_any(),
                    None => view! { <span class="muted">"never polled"</span> }.into_any(),
                }}
                <br/>
                <span class="next-poll">{format!("Next: {}", key.next_poll)}</span>
            </td>
            {can_edit.then(|| view! {
                <td class="row-actions">
                    <ActionForm action=toggle attr:class="inline-form">
                        <input type="hidden" name="id" value=id/>
                        <input type="hidden" name="enabled" value=if enabled { "false" } else { "true" }/>
                        <button type="submit" class="button-secondary">
                            {if enabled { "Disable" } else { "Enable" }}
                        </button>
                    </ActionForm>
                    <ActionForm action=verify attr:class="inline-form">
                        <input type="hidden" name="id" value=id/>
                        <button type="submit" class="button-secondary">"Verify now"</button>
                    </ActionForm>
                    <A href=format!("/keys/{id}/edit") attr:class="button-link">"Edit"</A>
                    <A href=format!("/keys?delete={id}") attr:class="button-link danger-link">"Delete"</A>
                    {verify_result}
                </td>
            })}
        </tr>
    }
}

/// `Last poll 2026-12-14 09:30 CET: ok, the vendor answered` (or the error).
#[component]
fn CheckLine(check: CheckView, prefix: &'static str) -> impl IntoView {
    let (class, word) = if check.ok {
        ("check check-ok", "ok")
    } else {
        ("check check-failed", "failed")
    };
    view! {
        <span class=class>
            {format!("{prefix} {}: ", check.at)}<strong>{word}</strong>{format!(", {}", check.text)}
        </span>
    }
}
