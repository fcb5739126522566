//! The signed-in user's own API tokens: list, create (shown once), revoke.
//!
//! A new token is shown exactly once. With JavaScript, `create_api_token` answers
//! with it and the page shows it. A plain form post (no JavaScript) is answered with
//! a redirect to `/profile` instead, and the token waits in the server's memory for
//! that session (`engine::auth::api_token::Reveals`) until the next `/profile` render
//! takes it: it never goes into a URL, a cookie or a log. Every answer that can carry
//! a token says `Cache-Control: no-store`.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::errors::AppError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiTokenView {
    pub id: i64,
    pub name: String,
    /// `qb_AbCd…`: enough to tell tokens apart, useless to an attacker.
    pub prefix: String,
    pub created: String,
    pub last_used: String,
    pub revoked: Option<String>,
}

/// A new token: the only answer that carries its value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedToken {
    pub name: String,
    pub token: String,
}

#[cfg(feature = "ssr")]
fn token_error(error: engine::auth::api_token::ApiTokenError) -> AppError {
    use engine::auth::api_token::ApiTokenError;
    match error {
        ApiTokenError::BadName => {
            let mut errors = domain::FieldErrors::new();
            errors.push(domain::FieldError::new("name", error.to_string()));
            AppError::Invalid {
                errors,
                values: std::collections::BTreeMap::new(),
            }
        }
        ApiTokenError::NotFound => AppError::Refused(error.to_string()),
        ApiTokenError::Store(e) => crate::errors::internal(&e),
    }
}

#[server(endpoint = "list_api_tokens")]
pub async fn list_api_tokens() -> Result<Vec<ApiTokenView>, AppError> {
    let user = crate::errors::signed_in()?;
    let store = expect_context::<engine::Store>();
    let tz = engine::display::team_time_zone(&store).await?;
    let rows = engine::auth::api_token::list(&store, &user).await?;
    Ok(rows
        .into_iter()
        .map(|row| ApiTokenView {
            id: row.id,
            name: row.name,
            prefix: row.prefix,
            created: engine::display::date_time(row.created_at, tz),
            last_used: row.last_used_at.map_or_else(
                || "never".to_owned(),
                |at| engine::display::date_time(at, tz),
            ),
            revoked: row.revoked_at.map(|at| engine::display::date_time(at, tz)),
        })
        .collect())
}

/// Neither the browser nor a proxy may keep this answer (it can hold a token).
#[cfg(feature = "ssr")]
pub(crate) fn no_store() {
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.insert_header(
            http::header::CACHE_CONTROL,
            http::HeaderValue::from_static("no-store"),
        );
    }
}

/// The session token of this request, from its cookie.
#[cfg(feature = "ssr")]
fn session() -> Option<engine::auth::SessionToken> {
    let parts = use_context::<http::request::Parts>()?;
    let cookie = use_context::<engine::auth::SessionCookie>()?;
    cookie.token(
        parts
            .headers
            .get_all(http::header::COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok()),
    )
}

/// Creates a token for the signed-in user (any role: a token reads what its owner
/// may read, nothing more). Answers with the token, or, to a plain form post, with
/// nothing and a redirect to `/profile`, which shows it once.
#[server(endpoint = "create_api_token")]
pub async fn create_api_token(name: String) -> Result<Option<CreatedToken>, AppError> {
    let user = crate::errors::signed_in()?;
    let store = expect_context::<engine::Store>();
    let (row, token) = engine::auth::api_token::create(&store, &user, &name, chrono::Utc::now())
        .await
        .map_err(token_error)?;
    no_store();
    if crate::errors::is_form_post()
        && let Some(session) = session()
    {
        expect_context::<engine::auth::api_token::Reveals>().put(&session, row.name, token);
        leptos_axum::redirect("/profile");
        return Ok(None);
    }
    Ok(Some(CreatedToken {
        name: row.name,
        token: token.reveal().to_owned(),
    }))
}

/// The token this session created with a plain form post and has not seen yet;
/// taking it removes it, so it is shown once.
#[server(endpoint = "take_new_api_token")]
pub async fn take_new_api_token() -> Result<Option<CreatedToken>, AppError> {
    crate::errors::signed_in()?;
    no_store();
    let Some(session) = session() else {
        return Ok(None);
    };
    Ok(expect_context::<engine::auth::api_token::Reveals>()
        .take(&session)
        .map(|(name, token)| CreatedToken {
            name,
            token: token.reveal().to_owned(),
        }))
}

#[server(endpoint = "revoke_api_token")]
pub async fn revoke_api_token(id: i64) -> Result<(), AppError> {
    let user = crate::errors::signed_in()?;
    let store = expect_context::<engine::Store>();
    engine::auth::api_token::revoke(&store, &user, id, chrono::Utc::now())
        .await
        .map_err(token_error)
}
