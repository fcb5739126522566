//! Quotaboard's user interface: the page shell, routes, pages and components.
//!
//! Compiled twice: with `ssr` into the server (rendering and server functions, which
//! call into the server-only `engine` crate), and with `hydrate` into the wasm bundle.
//! The server renders every page; the browser hydrates only the islands
//! (`#[island]`: the theme toggle, the overview's live part, the hydration marker),
//! so the wasm carries those and nothing of the pages around them.

pub mod api;
pub mod components;
pub mod errors;
pub mod pages;
pub mod server_html;
pub mod theme;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::{
    ParamSegment, SsrMode, StaticSegment,
    components::{Route, Router, Routes},
};

use crate::{
    components::{app_frame::AppFrame, not_found::NotFound},
    pages::{
        AlertsPage, AuditPage, DashboardPage, KeyEditPage, KeyPage, KeysPage, LoginPage,
        ProfilePage, SettingsPage, SetupPage, TeamPage,
    },
};

/// The wasm entry point (this crate's sources are built as the `frontend` cdylib).
/// Only the islands hydrate, each through its own exported function, which the
/// page's script calls; this sets up the reactive runtime they run in.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
}

/// The name of the wasm/JS/CSS bundle cargo-leptos writes under `/pkg`.
pub const BUNDLE_NAME: &str = "quotaboard";

/// The HTML document around the app; only ever rendered on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light dark"/>
                <HydrationScripts options islands=true/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();

    view! {
        <Stylesheet id="leptos" href=format!("/pkg/{BUNDLE_NAME}.css")/>
        <Title formatter=|page: String| format!("{page} · Quotaboard")/>
        <Router>
            <AppFrame>
                <Routes fallback=NotFound>
                    <Route ssr=SsrMode::Async path=StaticSegment("") view=DashboardPage/>
                    <Route ssr=SsrMode::Async path=StaticSegment("keys") view=KeysPage/>
                    <Route ssr=SsrMode::Async path=StaticSegment("alerts") view=AlertsPage/>
                    <Route ssr=SsrMode::Async path=StaticSegment("team") view=TeamPage/>
                    <Route ssr=SsrMode::Async path=StaticSegment("audit") view=AuditPage/>
                    <Route ssr=SsrMode::Async path=StaticSegment("login") view=LoginPage/>
                    <Route ssr=SsrMode::Async path=StaticSegment("setup") view=SetupPage/>
                    <Route ssr=SsrMode::Async path=StaticSegment("profile") view=ProfilePage/>
                    <Route ssr=SsrMode::Async path=StaticSegment("settings") view=SettingsPage/>
                    <Route
                        ssr=SsrMode::Async
                        path=(StaticSegment("keys"), ParamSegment("id"))
                        view=KeyPage
                    />
                    <Route
                        ssr=SsrMode::Async
                        path=(StaticSegment("keys"), ParamSegment("id"), StaticSegment("edit"))
                        view=KeyEditPage
                    />
                </Routes>
            </AppFrame>
        </Router>
    }
}
