//! Vendor secrets at rest: AES-256-GCM under a master key, the key row id and the
//! secret's version bound as associated data.
//!
//! The master key comes from `QUOTABOARD_MASTER_KEY` or from `<data_dir>/master.key`
//! (generated on first start, mode 0600). The database keeps the key's fingerprint
//! as a check value (`instance_settings.master_key_check`), so a wrong key stops
//! start-up with a clear error before anything is written.
//!
//! Rotation (`rotate`) writes the new key to `master.key.next` first (or takes it
//! from `QUOTABOARD_MASTER_KEY_NEXT` when the key comes from the environment) and
//! re-seals one row per transaction; while the next key exists both keys are
//! loaded, so the app keeps working and a second run finishes an interrupted one.

mod cipher;
pub mod key_file;
mod rotate;

use std::{path::PathBuf, sync::Arc};

use chrono::Utc;
use domain::KeyId;
use secrecy::SecretString;

pub use cipher::{MasterKey, MasterKeyFormatError, OpenError, SealedSecret};
pub use rotate::{RotationLimit, RotationReport, rotate_master_key};

use crate::{
    Config, Store,
    store::{keys, settings},
};

#[derive(Debug, thiserror::Error)]
pub enum SecretsError {
    #[error(
        "the master key does not match this database: check {source_hint} \
         (the database was sealed with master key {expected}; the configured key is {found})"
    )]
    WrongMasterKey {
        source_hint: String,
        expected: String,
        found: String,
    },
    #[error(
        "the master key file {path} is missing but this database holds sealed secrets; \
         restore the file or set QUOTABOARD_MASTER_KEY"
    )]
    KeyFileMissing { path: PathBuf },
    #[error("cannot use the master key file {path}: {source}")]
    KeyFile {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the master key file {path} does not hold the base64 encoding of 32 bytes")]
    KeyFileFormat { path: PathBuf },
    #[error(
        "some secrets are sealed with master key {missing}, which is not loaded \
         (an interrupted rotation whose {next} was lost?)"
    )]
    MissingSealingKey { missing: String, next: String },
    #[error(
        "the secret of key {key_id} cannot be decrypted: it was not sealed for this row, or the data was altered"
    )]
    Undecryptable { key_id: KeyId },
    #[error(
        "QUOTABOARD_MASTER_KEY is set, so rotate-master-key cannot write a key file: set \
         QUOTABOARD_MASTER_KEY_NEXT to a new key (`openssl rand -base64 32`) and run it again"
    )]
    RotationNeedsNextKey,
    #[error("database error: {0}")]
    Store(#[from] sqlx::Error),
}

/// The loaded master key(s). `primary` seals; every loaded key may open. Shared,
/// not copied, by every clone (each request's context holds one): fewer copies of
/// key material in memory, and no key schedule copied per request.
#[derive(Clone, Debug)]
pub struct Secrets {
    primary: Arc<MasterKey>,
    others: Arc<[MasterKey]>,
}

impl Secrets {
    /// Loads the master key and checks it against the database. Writes only on a
    /// database that has no check value yet (first start): the key file, then the
    /// check value. A wrong key returns `WrongMasterKey` and writes nothing.
    pub async fn load(config: &Config, store: &Store) -> Result<Self, SecretsError> {
        let check = settings::get(store.pool(), settings::MASTER_KEY_CHECK).await?;
        let (keys, source_hint) = load_keys(config, check.is_some())?;
        let secrets = match &check {
            Some(expected) => {
                let Some(position) = keys.iter().position(|k| k.id() == expected) else {
                    return Err(SecretsError::WrongMasterKey {
                        source_hint,
                        expected: expected.clone(),
                        found: keys
                            .iter()
                            .map(|k| k.id().to_owned())
                            .collect::<Vec<_>>()
                            .join(" + "),
                    });
                };
                let mut keys = keys;
                let primary = keys.remove(position);
                Self {
                    primary: Arc::new(primary),
                    others: keys.into(),
                }
            }
            None => {
                let mut keys = keys.into_iter();
                let primary = keys.next().expect("load_keys returns at least one key");
                settings::set(
                    store.pool(),
                    settings::MASTER_KEY_CHECK,
                    primary.id(),
                    Utc::now(),
                )
                .await?;
                Self {
                    primary: Arc::new(primary),
                    others: keys.collect(),
                }
            }
        };
        for id in keys::master_key_ids_in_use(store.pool()).await? {
            if secrets.key(&id).is_none() {
                return Err(SecretsError::MissingSealingKey {
                    missing: id,
                    next: if config.master_key.is_some() {
                        "QUOTABOARD_MASTER_KEY_NEXT".to_owned()
                    } else {
                        key_file::next_key_path(&config.data_dir)
                            .display()
                            .to_string()
                    },
                });
            }
        }
        Ok(secrets)
    }

    /// A keyring of one key, for tests and tools.
    pub fn from_key(key: MasterKey) -> Self {
        Self {
            primary: Arc::new(key),
            others: Arc::new([]),
        }
    }

    /// The same keyring with `key` added, to open with (not to seal).
    pub(crate) fn with_other(self, key: MasterKey) -> Self {
        Self {
            primary: self.primary,
            others: self.others.iter().cloned().chain([key]).collect(),
        }
    }

    pub fn primary_id(&self) -> &str {
        self.primary.id()
    }

    pub fn seal(&self, key_id: KeyId, version: i64, secret: &SecretString) -> SealedSecret {
        self.primary.seal(key_id, version, secret)
    }

    /// Opens with whichever loaded key sealed it.
    pub fn open(
        &self,
        key_id: KeyId,
        version: i64,
        sealed: &SealedSecret,
    ) -> Result<SecretString, SecretsError> {
        self.key(&sealed.master_key_id)
            .ok_or(SecretsError::Undecryptable { key_id })?
            .open(key_id, version, sealed)
            .map_err(|OpenError| SecretsError::Undecryptable { key_id })
    }

    fn key(&self, id: &str) -> Option<&MasterKey> {
        std::iter::once(&*self.primary)
            .chain(self.others.iter())
            .find(|k| k.id() == id)
    }
}

/// The configured key(s) and how to name their source in an error. From the
/// environment: `QUOTABOARD_MASTER_KEY`, plus `QUOTABOARD_MASTER_KEY_NEXT` during a
/// rotation. From files: `master.key`, created when the database
/// has no check value yet, plus `master.key.next` when a rotation is under way.
fn load_keys(
    config: &Config,
    database_has_check: bool,
) -> Result<(Vec<MasterKey>, String), SecretsError> {
    if let Some(text) = &config.master_key {
        let mut keys = vec![env_key(text, "QUOTABOARD_MASTER_KEY")?];
        if let Some(next) = &config.master_key_next {
            keys.push(env_key(next, "QUOTABOARD_MASTER_KEY_NEXT")?);
        }
        return Ok((keys, "QUOTABOARD_MASTER_KEY".to_owned()));
    }
    let path = key_file::key_path(&config.data_dir);
    let next = key_file::next_key_path(&config.data_dir);
    let mut keys = Vec::new();
    if path.exists() {
        keys.push(key_file::read(&path)?);
    } else if database_has_check && !next.exists() {
        return Err(SecretsError::KeyFileMissing { path });
    } else if !next.exists() {
        let key = MasterKey::generate();
        key_file::create(&path, &key)?;
        tracing::info!(path = %path.display(), key_id = key.id(), "generated a new master key file");
        keys.push(key);
    }
    if next.exists() {
        keys.push(key_file::read(&next)?);
    }
    Ok((keys, format!("the key file {}", path.display())))
}

/// A key from the environment (its shape was checked when the configuration loaded).
pub(crate) fn env_key(
    text: &crate::config::MasterKeyText,
    variable: &str,
) -> Result<MasterKey, SecretsError> {
    MasterKey::from_base64(&text.0).map_err(|_| SecretsError::KeyFileFormat {
        path: PathBuf::from(variable),
    })
}
