use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn AlertsPage() -> impl IntoView {
    view! {
        <Title text="Alerts"/>
        <section class="page">
            <h1>"Alerts"</h1>
            <p class="empty-state">"No alerts. Thresholds and alert history will be listed here."</p>
        </section>
    }
}
