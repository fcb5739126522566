//! The signed-in user's own API tokens: list, create (shown once), revoke.

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

#[server]
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

/// Creates a token for the signed-in user (any role: a token reads what its owner
/// may read, nothing more).
#[server]
pub async fn create_api_token(name: String) -> Result<CreatedToken, AppError> {
    let user = crate::errors::signed_in()?;
    let store = expect_context::<engine::Store>();
    let (row, token) = engine::auth::api_token::create(&store, &user, &name, chrono::Utc::now())
        .await
        .map_err(token_error)?;
    Ok(CreatedToken {
        name: row.name,
        token: token.reveal().to_owned(),
    })
}

#[server]
pub async fn revoke_api_token(id: i64) -> Result<(), AppError> {
    let user = crate::errors::signed_in()?;
    let store = expect_context::<engine::Store>();
    engine::auth::api_token::revoke(&store, &user, id, chrono::Utc::now())
        .await
        .map_err(token_error)
}
