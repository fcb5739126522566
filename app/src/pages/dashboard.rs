use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn DashboardPage() -> impl IntoView {
    view! {
        <Title text="Dashboard"/>
        <section class="page">
            <h1>"Dashboard"</h1>
            <p class="empty-state">"Every key's used, limit, remaining and reset date will appear here once keys are added and polled."</p>
        </section>
    }
}
