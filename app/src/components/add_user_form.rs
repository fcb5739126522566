use domain::Role;
use leptos::prelude::*;

use crate::{
    api::team::AddUser,
    components::form_feedback::{FieldMessage, FormAlert, echoed},
    errors::form_error,
};

/// The "Add user" form (admins only).
#[component]
pub fn AddUserForm(action: ServerAction<AddUser>) -> impl IntoView {
    let error = form_error(action);
    let role = echoed(error, "role");
    view! {
        <ActionForm action attr:class="stacked-form" attr:id="add-user-form">
            <h2>"Add user"</h2>
            <FormAlert error/>
            <label for="user-email">"E-mail address"</label>
            <input id="user-email" name="email" type="email" required value=echoed(error, "email")/>
            <FieldMessage error field="email"/>
            <label for="user-role">"Role"</label>
            <select id="user-role" name="role">
                {[Role::Viewer, Role::Editor, Role::Admin]
                    .into_iter()
                    .map(|r| {
                        let role = role.clone();
                        view! {
                            <option value=r.as_str() selected=move || role() == r.as_str()>{r.as_str()}</option>
                        }
                    })
                    .collect_view()}
            </select>
            <FieldMessage error field="role"/>
            <label for="user-password">"Initial password (at least 12 characters)"</label>
            <input id="user-password" name="password" type="password" autocomplete="new-password" required/>
            <FieldMessage error field="password"/>
            <button type="submit">"Add user"</button>
        </ActionForm>
    }
}
