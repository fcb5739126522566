//! Personal API tokens: `qb_` and 256 random bits in base64url, shown to their owner
//! once; the database holds only the SHA-256. Each creation and revocation is audited.

use std::fmt;

use argon2::password_hash::rand_core::{OsRng, RngCore};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::{
    Store,
    store::{
        api_tokens::{self, ApiTokenRow},
        audit::{self, AuditActor, Subject},
        users::{self, User},
    },
};

const PREFIX: &str = "qb_";
/// `qb_` and 43 base64url characters.
const LENGTH: usize = PREFIX.len() + 43;
/// Characters kept in clear to tell tokens apart: `qb_` and four more.
const SHOWN: usize = PREFIX.len() + 4;

/// A token in full. `Debug` is redacted; the value is exposed only to show it once.
#[derive(Clone)]
pub struct ApiToken(SecretString);

impl ApiToken {
    fn generate() -> Self {
        let mut bytes = [0u8; 32];
        OsRng.fill_bytes(&mut bytes);
        Self(SecretString::from(format!(
            "{PREFIX}{}",
            URL_SAFE_NO_PAD.encode(bytes)
        )))
    }

    /// A token from an `Authorization: Bearer` header. Anything not shaped like one
    /// of ours is refused without a database lookup.
    pub fn parse(value: &str) -> Option<Self> {
        let ok = value.len() == LENGTH
            && value.starts_with(PREFIX)
            && value[PREFIX.len()..]
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        ok.then(|| Self(SecretString::from(value.to_owned())))
    }

    /// The token itself, to show its owner once.
    pub fn reveal(&self) -> &str {
        self.0.expose_secret()
    }

    fn hash(&self) -> [u8; 32] {
        Sha256::digest(self.0.expose_secret().as_bytes()).into()
    }

    fn shown_prefix(&self) -> String {
        format!("{}…", &self.0.expose_secret()[..SHOWN])
    }
}

impl fmt::Debug for ApiToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiToken([REDACTED])")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ApiTokenError {
    #[error("give the token a name of 1 to 100 characters (what it is for)")]
    BadName,
    #[error("there is no such token of yours, or it is revoked already")]
    NotFound,
    #[error(transparent)]
    Store(#[from] sqlx::Error),
}

/// Creates a token for the signed-in user; the only time its value is available.
pub async fn create(
    store: &Store,
    user: &User,
    name: &str,
    now: DateTime<Utc>,
) -> Result<(ApiTokenRow, ApiToken), ApiTokenError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(ApiTokenError::BadName);
    }
    let token = ApiToken::generate();
    let mut tx = store.pool().begin().await?;
    let id = api_tokens::insert(
        &mut *tx,
        user.id,
        name,
        &token.hash(),
        &token.shown_prefix(),
        now,
    )
    .await?;
    audit::record(
        &mut *tx,
        now,
        AuditActor::User(user.id),
        "api_token.create",
        Subject::User(user.id.0),
        json!({ "token_id": id, "name": name }),
    )
    .await?;
    tx.commit().await?;
    let row = ApiTokenRow {
        id,
        user_id: user.id.0,
        name: name.to_owned(),
        prefix: token.shown_prefix(),
        created_at: now,
        last_used_at: None,
        revoked_at: None,
    };
    Ok((row, token))
}

/// Revokes one of the user's own tokens.
pub async fn revoke(
    store: &Store,
    user: &User,
    id: i64,
    now: DateTime<Utc>,
) -> Result<(), ApiTokenError> {
    let mut tx = store.pool().begin().await?;
    if !api_tokens::revoke(&mut *tx, user.id, id, now).await? {
        return Err(ApiTokenError::NotFound);
    }
    audit::record(
        &mut *tx,
        now,
        AuditActor::User(user.id),
        "api_token.revoke",
        Subject::User(user.id.0),
        json!({ "token_id": id }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn list(store: &Store, user: &User) -> Result<Vec<ApiTokenRow>, sqlx::Error> {
    api_tokens::list_for_user(store.pool(), user.id).await
}

/// The enabled user a live token belongs to; `None` for unknown or revoked tokens
/// and disabled users.
pub async fn authenticate(
    store: &Store,
    token: &ApiToken,
    now: DateTime<Utc>,
) -> Result<Option<User>, sqlx::Error> {
    let Some((_, user_id)) = api_tokens::use_token(store.pool(), &token.hash(), now).await? else {
        return Ok(None);
    };
    Ok(users::get(store.pool(), user_id)
        .await?
        .filter(User::is_enabled))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_have_one_shape_and_hide_in_debug() {
        let token = ApiToken::generate();
        assert_eq!(token.reveal().len(), LENGTH);
        assert!(ApiToken::parse(token.reveal()).is_some());
        assert!(!format!("{token:?}").contains(&token.reveal()[PREFIX.len()..]));
        assert!(token.shown_prefix().starts_with("qb_"));
        assert_eq!(token.shown_prefix().chars().count(), SHOWN + 1);
        for bad in [
            "",
            "qb_",
            "Bearer x",
            &token.reveal()[1..],
            &format!("{}!", &token.reveal()[..LENGTH - 1]),
        ] {
            assert!(ApiToken::parse(bad).is_none(), "{bad}");
        }
    }
}
