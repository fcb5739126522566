use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn KeysPage() -> impl IntoView {
    view! {
        <Title text="Keys"/>
        <section class="page">
            <h1>"Keys"</h1>
            <p class="empty-state">"No keys yet. Adding, labelling and disabling vendor keys comes with team key management."</p>
        </section>
    }
}
