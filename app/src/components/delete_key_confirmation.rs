use leptos::prelude::*;
use leptos_router::components::A;

use crate::api::keys::{DeleteKey, KeyView};

/// The second step of deleting a key: a plain form, so it works without JavaScript.
#[component]
pub fn DeleteKeyConfirmation(key: KeyView, action: ServerAction<DeleteKey>) -> impl IntoView {
    view! {
        <div class="confirm-panel" role="alertdialog" aria-labelledby="confirm-delete-title">
            <h2 id="confirm-delete-title">{format!("Delete “{}”?", key.label)}</h2>
            <p>
                "Deleting removes the key and its usage history for good. "
                "To stop polling it but keep its history, disable it instead."
            </p>
            <ActionForm action attr:class="inline-form">
                <input type="hidden" name="id" value=key.id/>
                <button type="submit" class="button-danger">"Yes, delete"</button>
            </ActionForm>
            <A href="/keys" attr:class="button-link">"Cancel"</A>
        </div>
    }
}
