//! One master key and the AES-256-GCM sealing of one secret under it.

use std::fmt;

use aes_gcm::{
    Aes256Gcm, KeyInit, Nonce,
    aead::{Aead, AeadCore, OsRng, Payload, rand_core::RngCore},
};
use base64::{Engine, engine::general_purpose::STANDARD};
use domain::KeyId;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// A 256-bit master key and its fingerprint. `Debug` shows the fingerprint only.
#[derive(Clone)]
pub struct MasterKey {
    id: String,
    bytes: Zeroizing<[u8; 32]>,
    cipher: Aes256Gcm,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a master key must be the base64 encoding of exactly 32 bytes")]
pub struct MasterKeyFormatError;

impl MasterKey {
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        let bytes = Zeroizing::new(bytes);
        // A fingerprint, not the key: SHA-256 of a random 256-bit key reveals nothing
        // usable, and the domain prefix keeps it apart from any other hash of the key.
        let digest = Sha256::new()
            .chain_update(b"quotaboard master key id v1\0")
            .chain_update(bytes.as_slice())
            .finalize();
        let id = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
        let cipher = Aes256Gcm::new(bytes.as_slice().into());
        Self { id, bytes, cipher }
    }

    /// 32 fresh bytes from the operating system's generator.
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        OsRng.fill_bytes(&mut bytes);
        Self::from_bytes(bytes)
    }

    /// Parses the `QUOTABOARD_MASTER_KEY` / key-file form (surrounding whitespace ignored).
    pub fn from_base64(text: &SecretString) -> Result<Self, MasterKeyFormatError> {
        let decoded = Zeroizing::new(
            STANDARD
                .decode(text.expose_secret().trim())
                .map_err(|_| MasterKeyFormatError)?,
        );
        let bytes: [u8; 32] = decoded
            .as_slice()
            .try_into()
            .map_err(|_| MasterKeyFormatError)?;
        Ok(Self::from_bytes(bytes))
    }

    /// The form written to a key file.
    pub(crate) fn to_base64(&self) -> Zeroizing<String> {
        Zeroizing::new(STANDARD.encode(self.bytes.as_slice()))
    }

    /// Fingerprint stored beside each sealed secret and as the database's check value.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Seals `plaintext` for row `key_id` at `version` with a fresh random nonce.
    pub fn seal(&self, key_id: KeyId, version: i64, plaintext: &SecretString) -> SealedSecret {
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let aad = associated_data(key_id, version);
        let ciphertext = self
            .cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: plaintext.expose_secret().as_bytes(),
                    aad: aad.as_bytes(),
                },
            )
            // aes-gcm fails only for plaintexts beyond 64 GiB.
            .expect("AES-GCM encryption of a short secret cannot fail");
        SealedSecret {
            ciphertext,
            nonce: nonce.to_vec(),
            master_key_id: self.id.clone(),
        }
    }

    /// Opens a secret sealed for exactly this row and version; any other row, version,
    /// key, or a flipped bit fails.
    pub fn open(
        &self,
        key_id: KeyId,
        version: i64,
        sealed: &SealedSecret,
    ) -> Result<SecretString, OpenError> {
        if sealed.nonce.len() != 12 {
            return Err(OpenError);
        }
        let aad = associated_data(key_id, version);
        let plaintext = Zeroizing::new(
            self.cipher
                .decrypt(
                    Nonce::from_slice(&sealed.nonce),
                    Payload {
                        msg: &sealed.ciphertext,
                        aad: aad.as_bytes(),
                    },
                )
                .map_err(|_| OpenError)?,
        );
        let text = String::from_utf8(plaintext.to_vec()).map_err(|_| OpenError)?;
        Ok(SecretString::from(text))
    }
}

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MasterKey({})", self.id)
    }
}

/// Binds a ciphertext to its row and secret version.
fn associated_data(key_id: KeyId, version: i64) -> String {
    format!("quotaboard/api_keys/{}/{version}", key_id.0)
}

/// What the database holds for one secret.
#[derive(Clone, PartialEq, Eq)]
pub struct SealedSecret {
    pub ciphertext: Vec<u8>,
    pub nonce: Vec<u8>,
    pub master_key_id: String,
}

impl fmt::Debug for SealedSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SealedSecret")
            .field("master_key_id", &self.master_key_id)
            .field("ciphertext_len", &self.ciphertext.len())
            .finish()
    }
}

/// Authentication failed: wrong key, wrong row, or tampered data. Deliberately
/// carries no detail (AES-GCM cannot tell which).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenError;

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(text: &str) -> SecretString {
        SecretString::from(text.to_owned())
    }

    #[test]
    fn seal_then_open_round_trips_and_nonces_differ() {
        let key = MasterKey::generate();
        let a = key.seal(KeyId(1), 1, &secret("marker-secret"));
        let b = key.seal(KeyId(1), 1, &secret("marker-secret"));
        assert_ne!(a.nonce, b.nonce);
        assert_ne!(a.ciphertext, b.ciphertext);
        let opened = key.open(KeyId(1), 1, &a).expect("opens");
        assert_eq!(opened.expose_secret(), "marker-secret");
    }

    #[test]
    fn another_row_version_or_key_cannot_open() {
        let key = MasterKey::generate();
        let sealed = key.seal(KeyId(1), 1, &secret("marker-secret"));
        assert!(key.open(KeyId(2), 1, &sealed).is_err());
        assert!(key.open(KeyId(1), 2, &sealed).is_err());
        assert!(MasterKey::generate().open(KeyId(1), 1, &sealed).is_err());
        let mut tampered = sealed.clone();
        tampered.ciphertext[0] ^= 1;
        assert!(key.open(KeyId(1), 1, &tampered).is_err());
    }

    #[test]
    fn base64_form_round_trips_and_debug_shows_only_the_id() {
        let key = MasterKey::generate();
        let text = key.to_base64();
        let again = MasterKey::from_base64(&secret(&text)).expect("parses");
        assert_eq!(again.id(), key.id());
        assert!(!format!("{key:?}").contains(text.as_str()));
        assert!(MasterKey::from_base64(&secret("c2hvcnQ=")).is_err());
        assert!(MasterKey::from_base64(&secret("not base64!")).is_err());
    }
}
