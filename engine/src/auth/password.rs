//! Passwords: parsed once, hashed with argon2id at OWASP's parameters, verified in
//! constant time (the `argon2` crate compares hashes with `subtle`).

use std::{fmt, sync::OnceLock};

use argon2::{
    Algorithm, Argon2, Params, PasswordHash, PasswordHasher, PasswordVerifier, Version,
    password_hash::{SaltString, rand_core::OsRng},
};
use domain::FieldError;
use secrecy::{ExposeSecret, SecretString};

/// OWASP Password Storage Cheat Sheet, argon2id: 19 MiB, 2 iterations, 1 lane.
pub const MEMORY_KIB: u32 = 19_456;
pub const ITERATIONS: u32 = 2;
pub const PARALLELISM: u32 = 1;

/// A password as typed. `Debug` is redacted; there is no `Display`.
#[derive(Clone)]
pub struct Password(SecretString);

impl Password {
    pub const FIELD: &'static str = "password";
    /// Without a second factor OWASP asks for long passwords rather than rules.
    pub const MIN_CHARS: usize = 12;
    /// Bounds the hashing work one request can cause.
    pub const MAX_CHARS: usize = 1024;

    /// A new password (user creation, change): length rules apply.
    pub fn new(raw: SecretString) -> Result<Self, FieldError> {
        let len = raw.expose_secret().chars().count();
        if len < Self::MIN_CHARS {
            return Err(FieldError::new(
                Self::FIELD,
                format!("must be at least {} characters", Self::MIN_CHARS),
            ));
        }
        if len > Self::MAX_CHARS {
            return Err(FieldError::new(
                Self::FIELD,
                format!("must be at most {} characters", Self::MAX_CHARS),
            ));
        }
        Ok(Self(raw))
    }

    /// A password typed at login: checked against the hash, not against rules that
    /// may have changed since it was set. Only the upper bound applies.
    pub fn for_login(raw: SecretString) -> Self {
        let text = raw.expose_secret();
        if text.chars().count() > Self::MAX_CHARS {
            // Never matches a stored hash, and costs no more than any other attempt.
            return Self(SecretString::from(String::new()));
        }
        Self(raw)
    }

    fn bytes(&self) -> &[u8] {
        self.0.expose_secret().as_bytes()
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password([REDACTED])")
    }
}

fn argon2() -> Argon2<'static> {
    let params = Params::new(MEMORY_KIB, ITERATIONS, PARALLELISM, None)
        .expect("OWASP's argon2 parameters are within the crate's bounds");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// The PHC string (`$argon2id$v=19$m=19456,t=2,p=1$salt$hash`). CPU-heavy: call
/// from `spawn_blocking` (see `hash_blocking`).
pub fn hash(password: &Password) -> String {
    let salt = SaltString::generate(&mut OsRng);
    argon2()
        .hash_password(password.bytes(), &salt)
        .expect("argon2id hashing with a generated salt cannot fail")
        .to_string()
}

/// Whether `password` matches the PHC string. A malformed hash never matches.
pub fn verify(phc: &str, password: &Password) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    argon2().verify_password(password.bytes(), &parsed).is_ok()
}

/// A hash of a random password, verified against when the account does not exist
/// so that the answer takes as long as for a real account.
pub fn decoy_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| {
        let mut bytes = [0u8; 24];
        argon2::password_hash::rand_core::RngCore::fill_bytes(&mut OsRng, &mut bytes);
        let random: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        hash(&Password(SecretString::from(random)))
    })
}

pub async fn hash_blocking(password: Password) -> String {
    tokio::task::spawn_blocking(move || hash(&password))
        .await
        .expect("the hashing task does not panic")
}

pub async fn verify_blocking(phc: String, password: Password) -> bool {
    tokio::task::spawn_blocking(move || verify(&phc, &password))
        .await
        .expect("the verifying task does not panic")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pw(text: &str) -> Password {
        Password::new(SecretString::from(text.to_owned())).expect("valid password")
    }

    #[test]
    fn hash_uses_argon2id_with_owasp_parameters() {
        let phc = hash(&pw("correct horse battery"));
        let parsed = PasswordHash::new(&phc).expect("PHC string");
        assert_eq!(parsed.algorithm.as_str(), "argon2id");
        assert_eq!(parsed.version, Some(0x13));
        let params = Params::try_from(&parsed).expect("params");
        assert_eq!(params.m_cost(), 19_456);
        assert_eq!(params.t_cost(), 2);
        assert_eq!(params.p_cost(), 1);
        assert!(!phc.contains("correct horse"));
    }

    #[test]
    fn verify_accepts_only_the_right_password() {
        let phc = hash(&pw("correct horse battery"));
        assert!(verify(&phc, &pw("correct horse battery")));
        assert!(!verify(&phc, &pw("correct horse batterz")));
        assert!(!verify("not a hash", &pw("correct horse battery")));
        assert!(!verify(decoy_hash(), &pw("correct horse battery")));
    }

    #[test]
    fn short_passwords_are_refused_by_field_and_debug_is_redacted() {
        let error = Password::new(SecretString::from("short".to_owned())).expect_err("short");
        assert_eq!(error.field, "password");
        assert!(!format!("{:?}", pw("correct horse battery")).contains("horse"));
    }
}
