use leptos::prelude::*;

use crate::{
    api::auth::{Me, current_user},
    components::{
        hydration_marker::HydrationMarker, nav_bar::NavBar, theme_toggle::ThemeToggle,
        user_menu::UserMenu,
    },
    theme::{Theme, requested_theme},
};

/// Who is signed in; pages may read it from context.
#[derive(Clone, Copy)]
pub struct SignedIn(pub Resource<Option<Me>>);

/// The frame around every page: navigation, who is signed in, theme, and the
/// hydration marker.
#[component]
pub fn AppFrame(children: Children) -> impl IntoView {
    let theme = requested_theme();
    // Pages whose images follow the theme (the key page's charts) read it.
    provide_context::<Theme>(theme);
    let me = Resource::new(
        || (),
        |_| async move { current_user().await.ok().flatten() },
    );
    provide_context(SignedIn(me));

    view! {
        <div class="app" data-theme=theme.as_str()>
            <header class="app-header">
                <a class="brand" href="/">"Quotaboard"</a>
                <Suspense fallback=|| view! { <NavBar is_admin=false/> }>
                    {move || Suspend::new(async move {
                        let me = me.await;
                        let is_admin = me.as_ref().is_some_and(|m| m.role == domain::Role::Admin);
                        view! {
                            <NavBar is_admin/>
                            <UserMenu me/>
                        }
                    })}
                </Suspense>
                <ThemeToggle theme/>
            </header>
            <main class="app-main">{children()}</main>
            <HydrationMarker/>
        </div>
    }
}
