//! Authentication and authorisation: passwords, sessions, login rate limiting and
//! role checks. Every function takes `now`, so callers pass `Utc::now()` and tests
//! move time freely.
//!
//! For server functions (Leptos pages):
//! - `login(store, settings, email, password, ip, now)` → `(User, SessionToken)`;
//!   set `token.cookie_value()` as the session cookie.
//! - `session_user(store, settings, token, now)` → the signed-in user, if any (the
//!   HTTP layer already does this and provides `CurrentUser` in Leptos context).
//! - `logout(store, token)`.
//! - `require_role(&user, Role::Editor)?` before any change.

pub mod api_token;
mod client_ip;
mod cookie;
pub mod password;
mod session;

use chrono::{DateTime, Utc};
use domain::{EmailAddress, Role};
use secrecy::SecretString;

pub use client_ip::{BadProxyEntry, ClientIp, TrustedProxies};
pub use cookie::SessionCookie;
pub use password::Password;
pub use session::{SessionSettings, SessionToken};

use crate::{
    Store,
    store::{
        audit::{self, AuditActor, Subject},
        sessions, users,
        users::User,
    },
};

/// At most this many failed logins per account, and per client address, ...
pub const MAX_FAILED_ATTEMPTS: i64 = 10;
/// ... within this window.
pub const ATTEMPT_WINDOW: chrono::Duration = chrono::Duration::minutes(5);

#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    /// Deliberately the same whether the account exists, is disabled, or the
    /// password is wrong.
    #[error("wrong e-mail address or password")]
    InvalidCredentials,
    #[error(
        "too many failed logins; try again in {} minute(s)",
        retry_after.num_minutes().max(0) + 1
    )]
    TooManyAttempts { retry_after: chrono::Duration },
    #[error("database error: {0}")]
    Store(#[from] sqlx::Error),
}

/// The signed-in user of the current request, `None` for a visitor. The HTTP layer
/// puts it in request extensions and in Leptos context.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CurrentUser(pub Option<User>);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("this needs the {required} role (you are {actual})")]
pub struct Forbidden {
    pub required: Role,
    pub actual: Role,
}

/// Refuses unless `user` holds `required` or a higher role.
pub fn require_role(user: &User, required: Role) -> Result<(), Forbidden> {
    if user.is_enabled() && user.role.allows(required) {
        Ok(())
    } else {
        Err(Forbidden {
            required,
            actual: user.role,
        })
    }
}

/// Checks the password and opens a new session (a new token on every login).
/// Refused with `TooManyAttempts` before the password is even looked at once the
/// account or the address has `MAX_FAILED_ATTEMPTS` failures in the window.
#[tracing::instrument(name = "login", skip_all, fields(ip = %ip))]
pub async fn login(
    store: &Store,
    settings: &SessionSettings,
    email: &str,
    password: SecretString,
    ip: &str,
    now: DateTime<Utc>,
) -> Result<(User, SessionToken), LoginError> {
    let password = Password::for_login(password);
    // The counter key for an address that does not even parse is its trimmed form,
    // so typos count against themselves and not against a real account.
    let parsed = EmailAddress::parse(email).ok();
    let attempt_key = parsed
        .as_ref()
        .map(|e| e.as_str().to_owned())
        .unwrap_or_else(|| email.trim().to_lowercase());

    let mut conn = store.pool().acquire().await?;
    let failures =
        sessions::recent_failures(&mut conn, &attempt_key, ip, now - ATTEMPT_WINDOW).await?;
    let blocked_until = [
        (failures.by_email, failures.oldest_by_email),
        (failures.by_ip, failures.oldest_by_ip),
    ]
    .into_iter()
    .filter(|(count, _)| *count >= MAX_FAILED_ATTEMPTS)
    .filter_map(|(_, oldest)| oldest.map(|at| at + ATTEMPT_WINDOW))
    .max();
    if let Some(until) = blocked_until {
        tracing::warn!("login refused: too many failed attempts");
        return Err(LoginError::TooManyAttempts {
            retry_after: until - now,
        });
    }

    let account = match &parsed {
        Some(email) => users::find_for_login(&mut *conn, email).await?,
        None => None,
    };
    drop(conn);
    // Failed logins of a real account go to the audit log too: its owner (and the
    // admins) should see someone guessing.
    let known_account = account.as_ref().map(|(user, _)| user.id);
    let (user, phc) = match account {
        Some((user, phc)) if user.is_enabled() => (Some(user), phc),
        // Same work as for a real account: the timing must not tell.
        _ => (None, password::decoy_hash().to_owned()),
    };
    let matches = password::verify_blocking(phc, password).await;
    let user = user.filter(|_| matches);

    let mut tx = store.pool().begin().await?;
    sessions::record_attempt(&mut *tx, &attempt_key, ip, now, user.is_some()).await?;
    let Some(user) = user else {
        if let Some(id) = known_account {
            let detail = serde_json::json!({ "ip": ip });
            audit::record(
                &mut *tx,
                now,
                AuditActor::System,
                "login_failed",
                Subject::User(id.0),
                detail,
            )
            .await?;
        }
        tx.commit().await?;
        tracing::info!("login failed");
        return Err(LoginError::InvalidCredentials);
    };
    let token = SessionToken::generate();
    sessions::insert(
        &mut *tx,
        &token.hash(),
        user.id,
        now,
        now + settings.absolute,
    )
    .await?;
    let detail = serde_json::json!({ "ip": ip });
    audit::record(
        &mut *tx,
        now,
        AuditActor::User(user.id),
        "login",
        Subject::User(user.id.0),
        detail,
    )
    .await?;
    tx.commit().await?;
    tracing::info!(user_id = %user.id, "login succeeded");
    Ok((user, token))
}

/// The user of a live session, refreshing its idle timer. `None` when the token is
/// unknown, expired (idle or absolute), or the user is disabled.
pub async fn session_user(
    store: &Store,
    settings: &SessionSettings,
    token: &SessionToken,
    now: DateTime<Utc>,
) -> Result<Option<User>, sqlx::Error> {
    Ok(
        sessions::live_user(store.pool(), &token.hash(), now, now - settings.idle)
            .await?
            .filter(User::is_enabled),
    )
}

/// Ends the session. Returns whether there was one.
pub async fn logout(store: &Store, token: &SessionToken) -> Result<bool, sqlx::Error> {
    sessions::delete(store.pool(), &token.hash()).await
}

/// Deletes expired sessions and login attempts too old to count. For a periodic job.
pub async fn prune(
    store: &Store,
    settings: &SessionSettings,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sessions::delete_expired(store.pool(), now, now - settings.idle).await?;
    sessions::prune_attempts(store.pool(), now - ATTEMPT_WINDOW).await?;
    Ok(())
}
