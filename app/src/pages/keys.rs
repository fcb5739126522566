use domain::Role;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::{
    api::keys::{AddKey, DeleteKey, SetKeyEnabled, VerifyKey, list_keys},
    components::{
        access_message::{AccessMessage, redirect_visitors},
        add_key_form::AddKeyForm,
        app_frame::SignedIn,
        delete_key_confirmation::DeleteKeyConfirmation,
        form_feedback::FormAlert,
        key_table::KeyTable,
    },
    errors::form_error,
};

#[component]
pub fn KeysPage() -> impl IntoView {
    redirect_visitors();
    let add = ServerAction::<AddKey>::new();
    let toggle = ServerAction::<SetKeyEnabled>::new();
    let delete = ServerAction::<DeleteKey>::new();
    let verify = ServerAction::<VerifyKey>::new();
    let keys = Resource::new(|| (), |_| list_keys());
    let query = use_query_map();
    let key_in_url = move |name: &str| query.read().get(name).and_then(|id| id.parse::<i64>().ok());
    let deleting = move || key_in_url("delete");
    let verified = key_in_url("verified");
    let SignedIn(me) = expect_context::<SignedIn>();

    view! {
        <Title text="Keys"/>
        <section class="page">
            <h1>"Keys"</h1>
            <p class="page-note">
                "Disabling a key stops polling it and keeps its usage history. "
                "Deleting a key removes it and its usage history; the audit log keeps a record of the deletion. "
                "Verify now asks the vendor about one key at once and stores the answer like any poll."
            </p>
            <FormAlert error=form_error(toggle)/>
            <FormAlert error=form_error(delete)/>
            <FormAlert error=form_error(verify)/>
            <Transition fallback=|| view! { <p>"Loading keys…"</p> }>
                {move || {
                    let deleting = deleting();
                    Suspend::new(async move {
                        match keys.await {
                            Ok(data) => {
                                let confirm = deleting
                                    .filter(|_| data.can_edit)
                                    .and_then(|id| data.keys.iter().find(|k| k.id == id).cloned())
                                    .map(|key| view! { <DeleteKeyConfirmation key action=delete/> });
                                view! {
                                    {confirm}
                                    <KeyTable keys=data.keys can_edit=data.can_edit toggle verify verified/>
                                }
                                .into_any()
                            }
                            Err(error) => view! { <AccessMessage error/> }.into_any(),
                        }
                    })
                }}
            </Transition>
            // Outside the list, so refreshing the list does not rebuild the form.
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    let can_edit = me.await.is_some_and(|me| me.role.allows(Role::Editor));
                    can_edit.then(|| view! { <AddKeyForm action=add/> })
                })}
            </Transition>
        </section>
    }
}
