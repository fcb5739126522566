use domain::Role;
use leptos::prelude::*;

use crate::api::team::{ChangeRole, SetUserEnabled, UserView};

/// The team: one row per user with role and enable/disable controls.
#[component]
pub fn UserTable(
    users: Vec<UserView>,
    change_role: ServerAction<ChangeRole>,
    toggle: ServerAction<SetUserEnabled>,
) -> impl IntoView {
    let rows = users
        .into_iter()
        .map(|user| {
            let id = user.id;
            let enabled = user.enabled;
            let current = user.role;
            view! {
                <tr data-user-id=id>
                    <td class="user-email">{user.email}</td>
                    <td>
                        <ActionForm action=change_role attr:class="inline-form">
                            <input type="hidden" name="id" value=id/>
                            <select name="role" aria-label="Role">
                                {[Role::Viewer, Role::Editor, Role::Admin]
                                    .into_iter()
                                    .map(|r| view! {
                                        <option value=r.as_str() selected=r == current>{r.as_str()}</option>
                                    })
                                    .collect_view()}
                            </select>
                            <button type="submit" class="button-secondary">"Change role"</button>
                        </ActionForm>
                    </td>
                    <td>
                        <span class=if enabled { "status status-on" } else { "status status-off" }>
                            {if enabled { "enabled" } else { "disabled" }}
                        </span>
                    </td>
                    <td>
                        <ActionForm action=toggle attr:class="inline-form">
                            <input type="hidden" name="id" value=id/>
                            <input type="hidden" name="enabled" value=if enabled { "false" } else { "true" }/>
                            <button type="submit" class="button-secondary">
                                {if enabled { "Disable" } else { "Enable" }}
                            </button>
                        </ActionForm>
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="data-table" id="user-table">
            <thead>
                <tr><th>"E-mail"</th><th>"Role"</th><th>"Status"</th><th>"Actions"</th></tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
}
