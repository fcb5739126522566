use leptos::prelude::*;
use leptos_router::components::A;

use crate::api::auth::{Logout, Me};

/// The header's right side: who is signed in and a way out, or a way in.
#[component]
pub fn UserMenu(me: Option<Me>) -> impl IntoView {
    match me {
        Some(me) => {
            let logout = ServerAction::<Logout>::new();
            view! {
                <div class="user-menu">
                    <A href="/profile" attr:class="user-email" attr:title="Profile and API tokens">{me.email}</A>
                    <span class="role-badge">{me.role.as_str()}</span>
                    <ActionForm action=logout attr:class="inline-form">
                        <button type="submit" class="button-secondary">"Sign out"</button>
                    </ActionForm>
                </div>
            }
            .into_any()
        }
        None => view! { <div class="user-menu"><A href="/login">"Sign in"</A></div> }.into_any(),
    }
}
