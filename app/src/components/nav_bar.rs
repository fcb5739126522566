use leptos::prelude::*;
use leptos_router::components::A;

/// Top navigation; the router marks the current page with `aria-current="page"`.
#[component]
pub fn NavBar(is_admin: bool) -> impl IntoView {
    view! {
        <nav class="nav-bar" aria-label="Main">
            <A href="/" exact=true>"Dashboard"</A>
            <A href="/keys">"Keys"</A>
            <A href="/alerts">"Alerts"</A>
            <A href="/team">"Team"</A>
            {is_admin.then(|| view! { <A href="/audit">"Audit"</A> })}
            {is_admin.then(|| view! { <A href="/settings">"Settings"</A> })}
        </nav>
    }
}
