use leptos::prelude::*;
use leptos_router::hooks::use_location;

use crate::{
    api::auth::{Me, current_user},
    components::{nav_bar::NavBar, theme_toggle::ThemeToggle, user_menu::UserMenu},
    theme::initial_theme,
};

/// Who is signed in, as the frame last fetched it; pages may read it from context.
#[derive(Clone, Copy)]
pub struct SignedIn(pub Resource<Option<Me>>);

/// The frame around every page: navigation, who is signed in, theme, and the
/// hydration marker.
#[component]
pub fn AppFrame(children: Children) -> impl IntoView {
    let theme = RwSignal::new(initial_theme());
    // Pages whose images follow the theme (the key page's charts) read it.
    provide_context(theme);
    // Effects only run in the browser, so this flips once the wasm has taken over the
    // server-rendered page. Tests wait for it before they click.
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));

    // Asked again on every navigation: login and logout navigate.
    let location = use_location();
    let me = Resource::new(
        move || location.pathname.get(),
        |_| async move { current_user().await.ok().flatten() },
    );
    provide_context(SignedIn(me));

    view! {
        <div
            class="app"
            data-theme=move || theme.get().as_str()
            data-hydrated=move || hydrated.get().then_some("true")
        >
            <header class="app-header">
                <a class="brand" href="/">"Quotaboard"</a>
                <Transition fallback=|| view! { <NavBar is_admin=false/> }>
                    {move || Suspend::new(async move {
                        let me = me.await;
                        let is_admin = me.as_ref().is_some_and(|m| m.role == domain::Role::Admin);
                        view! {
                            <NavBar is_admin/>
                            <UserMenu me/>
                        }
                    })}
                </Transition>
                <ThemeToggle theme/>
            </header>
            <main class="app-main">{children()}</main>
        </div>
    }
}
