//! Resolves the signed-in user for every request from the session cookie (see
//! `engine::auth::SessionCookie`) into request extensions; `http::router` then puts
//! it into Leptos context as `engine::auth::CurrentUser`.

use axum::{
    extract::{Request, State},
    http::header,
    middleware::Next,
    response::Response,
};
use chrono::Utc;
use engine::auth::{self, ClientIp, CurrentUser, SessionSettings, SessionToken, TrustedProxies};

use super::AppState;

/// The client's address as login rate limiting counts it: the TCP peer, or behind a
/// configured trusted proxy the address it forwarded (`TrustedProxies::client_ip`).
fn client_ip(request: &Request, trusted: &TrustedProxies) -> ClientIp {
    let Some(peer) = request
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|info| info.0.ip())
    else {
        return ClientIp("unknown".to_owned());
    };
    let forwarded_for = request
        .headers()
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|value| value.to_str().ok());
    ClientIp(trusted.client_ip(peer, forwarded_for).to_string())
}

/// Looks up the session of every request and stores `CurrentUser` (and the
/// `ClientIp`) in its extensions. A database error is logged and treated as "not
/// signed in".
pub async fn resolve_user(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let cookies = request
        .headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok());
    let user = match state.cookie.token(cookies) {
        Some(token) => lookup(&state, &state.sessions, &token).await,
        None => None,
    };
    let ip = client_ip(&request, &state.trusted_proxies);
    request.extensions_mut().insert(CurrentUser(user));
    request.extensions_mut().insert(ip);
    next.run(request).await
}

async fn lookup(
    state: &AppState,
    settings: &SessionSettings,
    token: &SessionToken,
) -> Option<engine::store::users::User> {
    match auth::session_user(&state.store, settings, token, Utc::now()).await {
        Ok(user) => user,
        Err(error) => {
            tracing::error!(%error, "session lookup failed");
            None
        }
    }
}
