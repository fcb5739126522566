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
    auth::SessionToken,
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

/// How long a new token waits to be shown after a form post without JavaScript.
pub const REVEAL_TTL: std::time::Duration = std::time::Duration::from_secs(5 * 60);

/// New tokens waiting to be shown, once, to the session that created them with a
/// plain form post (post, redirect, get: the token never goes into a URL or a
/// cookie). Kept in this process's memory only, keyed by the SHA-256 of the session
/// token, for at most [`REVEAL_TTL`]; taking one removes it. A restart loses them
/// (the token is then listed but its value is gone: revoke it and make another).
#[derive(Clone, Default)]
pub struct Reveals(std::sync::Arc<std::sync::Mutex<Vec<PendingReveal>>>);

struct PendingReveal {
    session: [u8; 32],
    name: String,
    token: ApiToken,
    until: std::time::Instant,
}

impl Reveals {
    /// Holds `token` for `session`, replacing one it had not picked up yet.
    pub fn put(&self, session: &SessionToken, name: String, token: ApiToken) {
        let session = session.hash();
        let now = std::time::Instant::now();
        let mut pending = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        pending.retain(|p| p.until > now && p.session != session);
        pending.push(PendingReveal {
            session,
            name,
            token,
            until: now + REVEAL_TTL,
        });
    }

    /// The token waiting for `session` (its name and value), removing it.
    pub fn take(&self, session: &SessionToken) -> Option<(String, ApiToken)> {
        let session = session.hash();
        let now = std::time::Instant::now();
        let mut pending = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        pending.retain(|p| p.until > now);
        let index = pending.iter().position(|p| p.session == session)?;
        let found = pending.swap_remove(index);
        Some((found.name, found.token))
    }
}

impl fmt::Debug for Reveals {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Reveals([REDACTED])")
    }
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

    #[test]
    fn a_pending_token_is_taken_once_and_only_by_its_session() {
        let reveals = Reveals::default();
        let mine = SessionToken::generate();
        let other = SessionToken::generate();
        let token = ApiToken::generate();
        let value = token.reveal().to_owned();
        reveals.put(&mine, "ci".to_owned(), token);
        assert!(reveals.take(&other).is_none());
        let (name, taken) = reveals.take(&mine).expect("waiting");
        assert_eq!((name.as_str(), taken.reveal()), ("ci", value.as_str()));
        assert!(reveals.take(&mine).is_none(), "shown only once");
        assert_eq!(format!("{reveals:?}"), "Reveals([REDACTED])");
    }
}
