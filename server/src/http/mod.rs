//! The HTTP surface: Leptos pages and server functions, plus plain routes (health).

mod health;

use app::{App, shell};
use axum::{Router, extract::FromRef, routing::get};
use engine::Store;
use leptos::config::LeptosOptions;
use leptos::prelude::provide_context;
use leptos_axum::{LeptosRoutes, generate_route_list};
use tower_http::trace::TraceLayer;

#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub store: Store,
}

pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let store = state.store.clone();
    // Server functions and pages reach the store through Leptos' context.
    let context = move || provide_context(store.clone());
    let options = state.leptos_options.clone();

    Router::new()
        .route("/healthz", get(health::healthz))
        .leptos_routes_with_context(&state, routes, context.clone(), move || {
            shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(context, shell))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}
