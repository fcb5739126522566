//! The session cookie: reading it, resolving the signed-in user for every request
//! (into request extensions, then Leptos context as `engine::auth::CurrentUser`),
//! and the `Set-Cookie` values a login or logout server function sends.

use axum::{
    extract::{Request, State},
    http::{HeaderMap, HeaderValue, header},
    middleware::Next,
    response::Response,
};
use chrono::Utc;
use engine::auth::{self, CurrentUser, SessionSettings, SessionToken};

use super::AppState;

/// Cookie attributes, decided once from the configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionCookie {
    /// Whether people reach the app over https (`QUOTABOARD_PUBLIC_URL`).
    pub secure: bool,
}

impl SessionCookie {
    /// `__Host-` requires `Secure`, `Path=/` and no `Domain`: the browser then
    /// refuses the cookie from any other origin or subdomain.
    pub fn name(self) -> &'static str {
        if self.secure {
            "__Host-qb_session"
        } else {
            "qb_session"
        }
    }

    /// The session token from a request's `Cookie` headers, if well-formed.
    pub fn token(self, headers: &HeaderMap) -> Option<SessionToken> {
        headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(name, _)| *name == self.name())
            .and_then(|(_, value)| SessionToken::from_cookie_value(value))
    }

    /// `Set-Cookie` for a new session. No `Max-Age`: the server decides expiry, and
    /// the browser drops the cookie when it closes.
    pub fn set(self, token: &SessionToken) -> HeaderValue {
        let secure = if self.secure { "; Secure" } else { "" };
        HeaderValue::from_str(&format!(
            "{}={}; Path=/; HttpOnly; SameSite=Strict{secure}",
            self.name(),
            token.cookie_value()
        ))
        .expect("a base64url token is a valid header value")
    }

    /// `Set-Cookie` that removes the session cookie (logout).
    pub fn clear(self) -> HeaderValue {
        let secure = if self.secure { "; Secure" } else { "" };
        HeaderValue::from_str(&format!(
            "{}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{secure}",
            self.name()
        ))
        .expect("a static cookie is a valid header value")
    }
}

/// Looks up the session of every request and stores `CurrentUser` in its
/// extensions. A database error is logged and treated as "not signed in".
pub async fn resolve_user(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let user = match state.cookie.token(request.headers()) {
        Some(token) => lookup(&state, &state.sessions, &token).await,
        None => None,
    };
    request.extensions_mut().insert(CurrentUser(user));
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

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ";

    #[test]
    fn https_uses_the_host_prefix_and_secure() {
        let cookie = SessionCookie { secure: true };
        let token = SessionToken::from_cookie_value(TOKEN).expect("token");
        let set = cookie.set(&token);
        let set = set.to_str().expect("ascii");
        assert!(set.starts_with("__Host-qb_session="), "{set}");
        for part in ["HttpOnly", "SameSite=Strict", "Secure", "Path=/"] {
            assert!(set.contains(part), "{set}");
        }
        let plain = SessionCookie { secure: false }.set(&token);
        assert!(plain.to_str().expect("ascii").starts_with("qb_session="));
        assert!(!plain.to_str().expect("ascii").contains("Secure"));
    }

    #[test]
    fn token_is_read_from_among_other_cookies() {
        let cookie = SessionCookie { secure: false };
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_str(&format!("qb_theme=dark; qb_session={TOKEN}")).expect("value"),
        );
        assert_eq!(
            cookie.token(&headers).map(|t| t.cookie_value().to_owned()),
            Some(TOKEN.to_owned())
        );
        headers.insert(header::COOKIE, HeaderValue::from_static("qb_session=short"));
        assert!(cookie.token(&headers).is_none());
    }
}
