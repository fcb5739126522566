use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::{
    api::alerts::{AlertsData, DeleteAlertRule, SaveAlertRule, SetKeyAccount, alerts_overview},
    components::{
        access_message::{AccessMessage, redirect_visitors},
        alert_tables::{ActiveAlerts, AlertHistory},
        email_settings::mail_status,
        form_feedback::FormAlert,
        rule_editor::{RuleEditor, RuleItem, refused_here},
    },
    errors::{AppError, form_error},
};

#[component]
pub fn AlertsPage() -> impl IntoView {
    redirect_visitors();
    let save = ServerAction::<SaveAlertRule>::new();
    let delete = ServerAction::<DeleteAlertRule>::new();
    let account = ServerAction::<SetKeyAccount>::new();
    let data = Resource::new(|| (), |_| alerts_overview());
    let save_error = form_error(save);
    let delete_error = form_error(delete);
    view! {
        <Title text="Alerts"/>
        <section class="page">
            <h1>"Alerts"</h1>
            <FormAlert error=delete_error/>
            <Transition fallback=|| view! { <p>"Loading alerts…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(data) => view! {
                            <AlertsBody data save save_error delete account/>
                        }
                        .into_any(),
                        Err(error) => view! { <AccessMessage error/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn AlertsBody(
    data: AlertsData,
    save: ServerAction<SaveAlertRule>,
    save_error: Signal<Option<AppError>>,
    delete: ServerAction<DeleteAlertRule>,
    account: ServerAction<SetKeyAccount>,
) -> impl IntoView {
    let account_error = form_error(account);
    let AlertsData {
        can_edit,
        is_admin,
        smtp_configured,
        waiting,
        active,
        history,
        defaults,
        keys,
        members,
    } = data;
    let mail_status = mail_status(smtp_configured, waiting);
    let members_for_defaults = members.clone();
    view! {
        <p class=if smtp_configured { "mail-status" } else { "mail-status mail-off" } id="mail-status">{mail_status}</p>
        <h2>"Firing now"</h2>
        <ActiveAlerts alerts=active/>
        <h2>"History"</h2>
        <AlertHistory entries=history/>
        {is_admin.then(|| view! {
            <p class="page-note">
                "To check the SMTP settings, send a test e-mail from "
                <A href="/settings#email-settings">"Settings"</A>"."
            </p>
        })}
        <h2>"Rules"</h2>
        <p class="page-note">
            "Each key has its own rules; new keys start with the team defaults. StructOCR keys of one account share one alert on the account's credit, judged by the rules of all its keys."
        </p>
        <section class="rule-group" id="rules-defaults">
            <h3>"Team defaults (for new keys)"</h3>
            <ul class="rule-list">
                {defaults.into_iter().map(|rule| view! {
                    <RuleItem rule key_id=None can_edit save save_error delete members=members_for_defaults.clone()/>
                }).collect_view()}
            </ul>
            {can_edit.then(|| view! {
                <details open=refused_here(save_error, "new-default")>
                    <summary>"Add a default rule"</summary>
                    <RuleEditor action=save error=save_error form_id="new-default".to_owned() rule_id=None key_id=None initial=Default::default() members=members_for_defaults.clone()/>
                </details>
            })}
        </section>
        {keys.into_iter().map(|key| {
            let members = members.clone();
            let id = key.key_id;
            view! {
                <section class="rule-group" data-key-id=id>
                    <h3>{format!("{} · {}", key.vendor.display_name(), key.label)}</h3>
                    {(key.vendor == domain::Vendor::StructOcr).then(|| view! {
                        <AccountForm key_id=id current=key.account.clone() can_edit action=account error=account_error/>
                    })}
                    {if key.rules.is_empty() {
                        view! { <p class="empty-state">"No rules: this key never alerts."</p> }.into_any()
                    } else {
                        let members = members.clone();
                        view! {
                            <ul class="rule-list">
                                {key.rules.into_iter().map(|rule| view! {
                                    <RuleItem rule key_id=Some(id) can_edit save save_error delete members=members.clone()/>
                                }).collect_view()}
                            </ul>
                        }.into_any()
                    }}
                    {can_edit.then(|| view! {
                        <details open=refused_here(save_error, &format!("new-key-{id}"))>
                            <summary>"Add a rule"</summary>
                            <RuleEditor action=save error=save_error form_id=format!("new-key-{id}") rule_id=None key_id=Some(id) initial=Default::default() members=members.clone()/>
                        </details>
                    })}
                </section>
            }
        }).collect_view()}
    }
}

/// The StructOCR account a key belongs to: keys naming the same account share one
/// pool alert on the account's credit.
#[component]
fn AccountForm(
    key_id: i64,
    current: Option<String>,
    can_edit: bool,
    action: ServerAction<SetKeyAccount>,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let shown = current.clone().unwrap_or_default();
    if !can_edit {
        return view! {
            <p class="hint">{match current {
                Some(account) => format!("Shares the credit of StructOCR account “{account}”."),
                None => "Its own account (no shared pool).".to_owned(),
            }}</p>
        }
        .into_any();
    }
    let mine = Signal::derive(move || {
        error
            .get()
            .filter(|e| e.value("key_id").is_none_or(|id| id == key_id.to_string()))
    });
    view! {
        <ActionForm action attr:class="rule-form account-form">
            <input type="hidden" name="key_id" value=key_id/>
            <label>
                "StructOCR account (keys naming the same account share one pool alert) "
                <input type="text" name="account" size="20" value=shown placeholder="its own"/>
            </label>
            <crate::components::form_feedback::FieldMessage error=mine field="account"/>
            <button type="submit" class="button-secondary">"Save account"</button>
        </ActionForm>
    }
    .into_any()
}
