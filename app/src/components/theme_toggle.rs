use leptos::prelude::*;

use crate::theme::{SetTheme, Theme};

/// Switches light/dark. A real form: without JavaScript it posts and the server
/// redirects back; hydrated, it round-trips the server function without a reload.
#[component]
pub fn ThemeToggle(theme: RwSignal<Theme>) -> impl IntoView {
    let action = ServerAction::<SetTheme>::new();
    Effect::new(move |_| {
        if let Some(Ok(chosen)) = action.value().get() {
            theme.set(chosen);
        }
    });
    let next = move || theme.get().toggled();

    view! {
        <ActionForm action attr:class="theme-toggle">
            <input type="hidden" name="theme" value=move || next().as_str()/>
            <button type="submit" title="Switch light and dark theme">
                {move || match next() {
                    Theme::Dark => "Dark theme",
                    Theme::Light => "Light theme",
                }}
            </button>
        </ActionForm>
    }
}
