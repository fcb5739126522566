//! Session tokens: 256 random bits, base64url, given to the client; only their
//! SHA-256 is stored, so a database leak yields no usable session.

use std::fmt;

use argon2::password_hash::rand_core::{OsRng, RngCore};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

use crate::Config;

/// How long sessions live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionSettings {
    /// Ends after this long without a request.
    pub idle: chrono::Duration,
    /// Ends this long after login, however active.
    pub absolute: chrono::Duration,
}

impl SessionSettings {
    pub fn from_config(config: &Config) -> Self {
        // Capped at ten years: chrono panics on durations near i64::MAX milliseconds.
        const CAP_MINUTES: u64 = 10 * 366 * 24 * 60;
        let minutes = |m: u64| {
            chrono::Duration::minutes(i64::try_from(m.min(CAP_MINUTES)).unwrap_or_default())
        };
        Self {
            idle: minutes(config.session_idle_minutes),
            absolute: minutes(config.session_absolute_hours.saturating_mul(60)),
        }
    }
}

impl Default for SessionSettings {
    fn default() -> Self {
        Self::from_config(&Config::default())
    }
}

/// The client's half of a session. `Debug` is redacted.
#[derive(Clone)]
pub struct SessionToken(SecretString);

impl SessionToken {
    pub(crate) fn generate() -> Self {
        let mut bytes = [0u8; 32];
        OsRng.fill_bytes(&mut bytes);
        Self(SecretString::from(URL_SAFE_NO_PAD.encode(bytes)))
    }

    /// A token from a cookie. Anything that is not 43 base64url characters cannot
    /// be ours and is refused without a database lookup.
    pub fn from_cookie_value(value: &str) -> Option<Self> {
        let ok = value.len() == 43
            && value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        ok.then(|| Self(SecretString::from(value.to_owned())))
    }

    /// The value for the `Set-Cookie` header (the only place it is exposed).
    pub fn cookie_value(&self) -> &str {
        self.0.expose_secret()
    }

    pub(crate) fn hash(&self) -> [u8; 32] {
        Sha256::digest(self.0.expose_secret().as_bytes()).into()
    }
}

impl fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionToken([REDACTED])")
    }
}
