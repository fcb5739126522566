use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn TeamPage() -> impl IntoView {
    view! {
        <Title text="Team"/>
        <section class="page">
            <h1>"Team"</h1>
            <p class="empty-state">"Team members and their roles will be listed here."</p>
        </section>
    }
}
