use domain::RuleForm;
use leptos::prelude::*;

use crate::{
    api::alerts::{DeleteAlertRule, RuleView, SaveAlertRule},
    components::form_feedback::{FieldMessage, FormAlert},
    errors::AppError,
};

/// The answer to `action`, but only when it belongs to the form `form_id` (the page
/// has one form per rule and per key).
fn error_for(error: Signal<Option<AppError>>, form_id: String) -> Signal<Option<AppError>> {
    Signal::derive(move || {
        error
            .get()
            .filter(|e| e.value("form_id").is_none_or(|id| id == form_id))
    })
}

/// Whether the form `form_id` was just refused: its folded-away editor is then shown
/// open, with the refused values and the messages beside them.
pub fn refused_here(error: Signal<Option<AppError>>, form_id: &str) -> bool {
    error
        .read_untracked()
        .as_ref()
        .and_then(|e| e.value("form_id"))
        .is_some_and(|id| id == form_id)
}

/// A rule's form: what it watches, the thresholds and who is e-mailed. Works as a
/// plain HTML form; refused values come back beside their fields.
#[component]
pub fn RuleEditor(
    action: ServerAction<SaveAlertRule>,
    error: Signal<Option<AppError>>,
    form_id: String,
    /// The rule to change, or `None` to add one.
    rule_id: Option<i64>,
    /// The key, or `None` for a team default.
    key_id: Option<i64>,
    initial: RuleForm,
    members: Vec<(i64, String)>,
) -> impl IntoView {
    let error = error_for(error, form_id.clone());
    // After a refused post, show what was typed; otherwise the stored rule.
    let value = move |field: &'static str, stored: String| {
        move || {
            error
                .read()
                .as_ref()
                .and_then(|e| e.value(field))
                .unwrap_or_else(|| stored.clone())
        }
    };
    let kind = value("kind", initial.kind.clone())();
    let kinds = [
        ("percent_used", "Percent of limit used"),
        ("remaining_below", "Remaining below a number"),
        ("forecast", "Forecast runs out"),
        ("key_failing", "Key starts failing"),
    ];
    let chosen: Vec<String> = initial.users.clone();
    let submit = if rule_id.is_some() {
        "Save rule"
    } else {
        "Add rule"
    };
    let form_attr = form_id.clone();
    view! {
        <ActionForm action attr:class="rule-form" attr:data-form-id=form_attr>
            <FormAlert error/>
            <input type="hidden" name="form_id" value=form_id.clone()/>
            <input type="hidden" name="id" value=rule_id.map(|i| i.to_string()).unwrap_or_default()/>
            <input type="hidden" name="key_id" value=key_id.map(|i| i.to_string()).unwrap_or_default()/>
            <label>
                "Watch "
                <select name="rule[kind]">
                    {kinds.into_iter().map(|(slug, text)| {
                        view! { <option value=slug selected=kind == slug>{text}</option> }
                    }).collect_view()}
                </select>
            </label>
            <FieldMessage error field="kind"/>
            <label>
                "Warning at "
                <input type="text" name="rule[warning]" size="8" value=value("warning", initial.warning.clone())/>
            </label>
            <FieldMessage error field="warning"/>
            <label>
                "Critical at "
                <input type="text" name="rule[critical]" size="8" value=value("critical", initial.critical.clone())/>
            </label>
            <FieldMessage error field="critical"/>
            <label>
                "Forecast within days "
                <input type="text" name="rule[within_days]" size="4" placeholder="reset" value=value("within_days", initial.within_days.clone())/>
            </label>
            <FieldMessage error field="within_days"/>
            <p class="hint">"Percent: e.g. 80 and 95. Remaining: a number of credits or calls (critical is the lower one). Forecast: blank = before the period resets."</p>
            <fieldset class="recipients">
                <legend>"E-mail to"</legend>
                <label><input type="checkbox" name="rule[admins]" value="on" checked=initial.admins.is_some()/>" all admins"</label>
                {members.into_iter().enumerate().map(|(i, (id, email))| {
                    let checked = chosen.contains(&id.to_string());
                    view! {
                        <label>
                            <input type="checkbox" name=format!("rule[users][{i}]") value=id.to_string() checked=checked/>
                            " "{email}
                        </label>
                    }
                }).collect_view()}
                <FieldMessage error field="users"/>
                <label>
                    "Other addresses "
                    <input type="text" name="rule[emails]" size="40" placeholder="ops@example.com, …" value=value("emails", initial.emails.clone())/>
                </label>
                <FieldMessage error field="emails"/>
            </fieldset>
            <button type="submit">{submit}</button>
        </ActionForm>
    }
}

/// One stored rule: its text and recipients; editors can change or delete it.
#[component]
pub fn RuleItem(
    rule: RuleView,
    key_id: Option<i64>,
    can_edit: bool,
    save: ServerAction<SaveAlertRule>,
    save_error: Signal<Option<AppError>>,
    delete: ServerAction<DeleteAlertRule>,
    members: Vec<(i64, String)>,
) -> impl IntoView {
    let id = rule.id;
    let form_id = format!("rule-{id}");
    let open = refused_here(save_error, &form_id);
    view! {
        <li class="rule" data-rule-id=id>
            <span class="rule-text">{rule.text}</span>
            " → "
            <span class="rule-recipients">{rule.recipients}</span>
            {can_edit.then(|| view! {
                <details open=open>
                    <summary>"Edit"</summary>
                    <RuleEditor action=save error=save_error form_id rule_id=Some(id) key_id initial=rule.form members/>
                </details>
                <ActionForm action=delete attr:class="inline-form">
                    <input type="hidden" name="id" value=id/>
                    <button type="submit" class="button-secondary">"Delete"</button>
                </ActionForm>
            })}
        </li>
    }
}
