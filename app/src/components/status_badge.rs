use domain::KeyStatus;
use leptos::prelude::*;

/// ok / warning / critical / error / unverified / disabled, in words and colour.
#[component]
pub fn StatusBadge(status: KeyStatus) -> impl IntoView {
    view! { <span class=format!("status-badge status-{}", status.as_str())>{status.as_str()}</span> }
}
