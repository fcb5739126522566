use leptos::prelude::*;
use leptos_meta::Title;

use crate::{
    api::team::{AddUser, ChangeRole, SetUserEnabled, list_users},
    components::{
        access_message::{AccessMessage, redirect_visitors},
        add_user_form::AddUserForm,
        form_feedback::FormAlert,
        user_table::UserTable,
    },
    errors::{AppError, form_error},
};

#[component]
pub fn TeamPage() -> impl IntoView {
    redirect_visitors();
    let add = ServerAction::<AddUser>::new();
    let change_role = ServerAction::<ChangeRole>::new();
    let toggle = ServerAction::<SetUserEnabled>::new();
    let users = Resource::new(|| (), |_| list_users());
    view! {
        <Title text="Team"/>
        <section class="page">
            <h1>"Team"</h1>
            <FormAlert error=form_error(change_role)/>
            <FormAlert error=form_error(toggle)/>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match users.await {
                        Ok(users) => view! { <UserTable users change_role toggle/> }.into_any(),
                        Err(AppError::Forbidden(_)) => view! {
                            <p class="form-alert" role="alert">"Admins only: ask an admin to add or change users."</p>
                        }
                        .into_any(),
                        Err(error) => view! { <AccessMessage error/> }.into_any(),
                    }
                })}
            </Transition>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    users.await.is_ok().then(|| view! { <AddUserForm action=add/> })
                })}
            </Transition>
        </section>
    }
}
