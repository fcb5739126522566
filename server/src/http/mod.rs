//! The HTTP surface: Leptos pages and server functions, plus plain routes (health),
//! behind the cross-site guard and the session lookup.

mod api;
mod guard;
mod health;
pub mod key_history;
mod metrics;
pub mod session;

use app::{App, shell};
use axum::{Router, extract::FromRef, middleware, routing::get};
use engine::{
    Store,
    alerts::{AlertSettings, Mailer},
    auth::{ClientIp, CurrentUser, SessionSettings, TrustedProxies},
    config::MetricsToken,
    poller::PollService,
    secrets::Secrets,
};
use leptos::config::LeptosOptions;
use leptos::prelude::{provide_context, use_context};
use leptos_axum::{LeptosRoutes, generate_route_list};
use tower_http::{CompressionLevel, compression::CompressionLayer, trace::TraceLayer};

pub use engine::auth::SessionCookie;

#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub store: Store,
    pub secrets: Secrets,
    pub sessions: SessionSettings,
    pub cookie: SessionCookie,
    pub trusted_proxies: TrustedProxies,
    pub alerts: AlertSettings,
    pub mailer: Mailer,
    /// "Poll now" and its progress; shares its guard with the scheduled poll.
    pub polls: PollService,
    /// How long each kind of history is kept: charts and the history API pick
    /// their source by it.
    pub retention: engine::history::Retention,
    /// When set, `/metrics` asks for it as a bearer token.
    pub metrics_token: Option<MetricsToken>,
    /// New API tokens waiting to be shown once after a form post without JavaScript.
    pub token_reveals: engine::auth::api_token::Reveals,
    /// Overview pages drawn lately, reused while their data and minute last.
    pub drawn_overviews: app::api::overview::DrawnOverviews,
    /// Key pages' data drawn lately, reused while their data and minute last.
    pub drawn_key_pages: app::api::key_history::DrawnKeyPages,
}

pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let context = {
        let state = state.clone();
        // Server functions and pages reach these through Leptos' context:
        // `Store`, `Secrets`, `SessionSettings`, `SessionCookie` (to set or clear
        // the cookie on login/logout), `CurrentUser` (who is signed in) and
        // `ClientIp` (for `engine::auth::login`).
        move || {
            provide_context(state.store.clone());
            provide_context(state.secrets.clone());
            provide_context(state.sessions);
            provide_context(state.cookie);
            provide_context(state.alerts.clone());
            provide_context(state.mailer.clone());
            provide_context(state.polls.clone());
            provide_context(state.token_reveals.clone());
            provide_context(state.drawn_overviews.clone());
            provide_context(state.drawn_key_pages.clone());
            // leptos_axum provides the request's `Parts` before calling this;
            // `session::resolve_user` put the user in its extensions.
            let parts = use_context::<axum::http::request::Parts>();
            let extension = |parts: &axum::http::request::Parts| {
                (
                    parts.extensions.get::<CurrentUser>().cloned(),
                    parts.extensions.get::<ClientIp>().cloned(),
                )
            };
            let (user, ip) = parts.as_ref().map(extension).unwrap_or_default();
            provide_context(user.unwrap_or_default());
            provide_context(ip.unwrap_or_default());
        }
    };
    let options = state.leptos_options.clone();

    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/keys/{id}/chart.svg", get(key_history::chart_svg))
        .route("/keys/{id}/usage.csv", get(key_history::usage_csv))
        .route("/metrics", get(metrics::metrics))
        .merge(api::routes())
        .leptos_routes_with_context(&state, routes, context.clone(), move || {
            shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(context, shell))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            session::resolve_user,
        ))
        // Outermost of ours: a forged request is refused before any work.
        .layer(middleware::from_fn(guard::same_origin_only))
        .layer(TraceLayer::new_for_http())
        // Pages, JSON, CSV and SVG compressed for browsers that ask (a 1,000-key
        // overview is 1.2 MB of HTML, ~8x smaller gzipped). Level 4: a few ms for that
        // page; the default brotli level (11) would take far longer than drawing it.
        // The wasm and JS arrive precompressed (`cargo leptos build --precompress`)
        // and are sent as they are.
        .layer(CompressionLayer::new().quality(CompressionLevel::Precise(4)))
        .with_state(state)
}
