//! Light/dark theme: remembered in a cookie so the server renders the right one
//! from the first byte (no flash), switchable with or without JavaScript.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

pub const THEME_COOKIE: &str = "qb_theme";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Theme {
    #[default]
    Light,
    Dark,
}

impl Theme {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Light => "light",
            Self::Dark => "dark",
        }
    }

    pub fn toggled(self) -> Self {
        match self {
            Self::Light => Self::Dark,
            Self::Dark => Self::Light,
        }
    }

    /// Reads the theme out of a `Cookie` header value; anything unexpected is the default.
    pub fn from_cookie_header(header: &str) -> Self {
        header
            .split(';')
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(name, _)| *name == THEME_COOKIE)
            .map(|(_, value)| match value {
                "dark" => Self::Dark,
                _ => Self::Light,
            })
            .unwrap_or_default()
    }
}

/// The theme the page is rendered in, from the request's cookie (pages are only
/// rendered on the server).
pub fn requested_theme() -> Theme {
    #[cfg(feature = "ssr")]
    {
        use_context::<http::request::Parts>()
            .and_then(|parts| {
                parts
                    .headers
                    .get(http::header::COOKIE)
                    .and_then(|value| value.to_str().ok())
                    .map(Theme::from_cookie_header)
            })
            .unwrap_or_default()
    }
    #[cfg(not(feature = "ssr"))]
    {
        Theme::default()
    }
}

/// Stores the chosen theme in a year-long cookie. Works as a plain form post too.
#[server(endpoint = "set_theme")]
pub async fn set_theme(theme: Theme) -> Result<Theme, ServerFnError> {
    use http::{HeaderValue, header::SET_COOKIE};

    // Read back from each request to render the page in this theme from the first byte.
    let cookie = format!(
        "{THEME_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly",
        theme.as_str()
    );
    let response = expect_context::<leptos_axum::ResponseOptions>();
    response.append_header(
        SET_COOKIE,
        HeaderValue::from_str(&cookie).map_err(|_| ServerFnError::new("invalid cookie"))?,
    );
    Ok(theme)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookie_header_picks_our_cookie_among_others() {
        assert_eq!(
            Theme::from_cookie_header("a=b; qb_theme=dark; c=d"),
            Theme::Dark
        );
        assert_eq!(Theme::from_cookie_header("qb_theme=light"), Theme::Light);
    }

    #[test]
    fn missing_or_unknown_cookie_means_light() {
        assert_eq!(Theme::from_cookie_header(""), Theme::Light);
        assert_eq!(Theme::from_cookie_header("qb_theme=neon"), Theme::Light);
        assert_eq!(Theme::from_cookie_header("xqb_theme=dark"), Theme::Light);
    }
}
