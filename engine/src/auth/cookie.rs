//! The session cookie's name and attributes, and reading the token back. Strings,
//! not HTTP types, so both the server's middleware and the app's server functions
//! (`leptos_axum::ResponseOptions::append_header`) can use it.

use super::SessionToken;

/// Cookie attributes, decided once from the configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
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

    /// The session token from a request's `Cookie` header values, if well-formed.
    pub fn token<'a>(
        self,
        cookie_headers: impl IntoIterator<Item = &'a str>,
    ) -> Option<SessionToken> {
        cookie_headers
            .into_iter()
            .flat_map(|value| value.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(name, _)| *name == self.name())
            .and_then(|(_, value)| SessionToken::from_cookie_value(value))
    }

    /// `Set-Cookie` for a new session. No `Max-Age`: the server decides expiry, and
    /// the browser drops the cookie when it closes.
    pub fn set(self, token: &SessionToken) -> String {
        let secure = if self.secure { "; Secure" } else { "" };
        format!(
            "{}={}; Path=/; HttpOnly; SameSite=Strict{secure}",
            self.name(),
            token.cookie_value()
        )
    }

    /// `Set-Cookie` that removes the session cookie (logout).
    pub fn clear(self) -> String {
        let secure = if self.secure { "; Secure" } else { "" };
        format!(
            "{}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{secure}",
            self.name()
        )
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
        assert!(set.starts_with("__Host-qb_session="), "{set}");
        for part in ["HttpOnly", "SameSite=Strict", "Secure", "Path=/"] {
            assert!(set.contains(part), "{set}");
        }
        let plain = SessionCookie { secure: false }.set(&token);
        assert!(plain.starts_with("qb_session="));
        assert!(!plain.contains("Secure"));
        assert!(SessionCookie { secure: true }.clear().contains("Max-Age=0"));
    }

    #[test]
    fn token_is_read_from_among_other_cookies() {
        let cookie = SessionCookie { secure: false };
        let header = format!("qb_theme=dark; qb_session={TOKEN}");
        assert_eq!(
            cookie
                .token([header.as_str()])
                .map(|t| t.cookie_value().to_owned()),
            Some(TOKEN.to_owned())
        );
        assert!(cookie.token(["qb_session=short"]).is_none());
        assert!(cookie.token(["qb_session_x=1", "a=b"]).is_none());
    }
}
