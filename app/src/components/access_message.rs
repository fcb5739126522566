use leptos::prelude::*;
use leptos_router::components::A;

use crate::errors::AppError;

/// Why a page shows nothing: not signed in, not allowed, or a failure.
#[component]
pub fn AccessMessage(error: AppError) -> impl IntoView {
    match error {
        AppError::NotSignedIn => view! {
            <p class="form-alert" role="alert">
                "Please "<A href="/login">"sign in"</A>" to see this page."
            </p>
        }
        .into_any(),
        other => view! { <p class="form-alert" role="alert">{other.to_string()}</p> }.into_any(),
    }
}

/// Answers a visitor who is not signed in with a redirect to the login page (pages
/// are rendered on the server only).
pub fn redirect_visitors() {
    #[cfg(feature = "ssr")]
    if !matches!(
        use_context::<engine::auth::CurrentUser>(),
        Some(engine::auth::CurrentUser(Some(_)))
    ) {
        leptos_axum::redirect("/login");
    }
}

/// The signed-in user's role, as the server knows it for this request (pages are
/// rendered on the server only; without a session, `None`).
pub fn signed_in_role() -> Option<domain::Role> {
    #[cfg(feature = "ssr")]
    {
        match use_context::<engine::auth::CurrentUser>() {
            Some(engine::auth::CurrentUser(Some(user))) => Some(user.role),
            _ => None,
        }
    }
    #[cfg(not(feature = "ssr"))]
    {
        None
    }
}
