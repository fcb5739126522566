use leptos::prelude::*;

use crate::{
    components::{nav_bar::NavBar, theme_toggle::ThemeToggle},
    theme::initial_theme,
};

/// The frame around every page: navigation, theme, and the hydration marker.
#[component]
pub fn AppFrame(children: Children) -> impl IntoView {
    let theme = RwSignal::new(initial_theme());
    // Effects only run in the browser, so this flips once the wasm has taken over the
    // server-rendered page. Tests wait for it before they click.
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));

    view! {
        <div
            class="app"
            data-theme=move || theme.get().as_str()
            data-hydrated=move || hydrated.get().then_some("true")
        >
            <header class="app-header">
                <a class="brand" href="/">"Quotaboard"</a>
                <NavBar/>
                <ThemeToggle theme/>
            </header>
            <main class="app-main">{children()}</main>
        </div>
    }
}
