//! The master key file in the data directory: created once, mode 0600, never
//! overwritten.

use std::{
    fs::{self, OpenOptions},
    io::Write,
    os::unix::fs::OpenOptionsExt,
    path::{Path, PathBuf},
};

use secrecy::SecretString;

use super::{MasterKey, SecretsError};

pub const KEY_FILE: &str = "master.key";
/// Written by `rotate-master-key` before any row changes; renamed over `master.key`
/// once every secret is sealed with it.
pub const NEXT_KEY_FILE: &str = "master.key.next";

pub fn key_path(data_dir: &Path) -> PathBuf {
    data_dir.join(KEY_FILE)
}

pub fn next_key_path(data_dir: &Path) -> PathBuf {
    data_dir.join(NEXT_KEY_FILE)
}

pub fn read(path: &Path) -> Result<MasterKey, SecretsError> {
    let text = fs::read_to_string(path).map_err(|source| SecretsError::KeyFile {
        path: path.to_path_buf(),
        source,
    })?;
    MasterKey::from_base64(&SecretString::from(text)).map_err(|_| SecretsError::KeyFileFormat {
        path: path.to_path_buf(),
    })
}

/// Writes a fresh key to `path`, failing if the file exists (`create_new`): a key
/// file is never replaced in place, because the secrets sealed with it would be lost.
pub fn create(path: &Path, key: &MasterKey) -> Result<(), SecretsError> {
    let io = |source| SecretsError::KeyFile {
        path: path.to_path_buf(),
        source,
    };
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).map_err(io)?;
    }
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(io)?;
    file.write_all(key.to_base64().as_bytes()).map_err(io)?;
    file.write_all(b"\n").map_err(io)?;
    file.sync_all().map_err(io)?;
    sync_dir(path)
}

/// `master.key.next` becomes `master.key` in one atomic rename.
pub fn promote_next(data_dir: &Path) -> Result<(), SecretsError> {
    let next = next_key_path(data_dir);
    fs::rename(&next, key_path(data_dir))
        .map_err(|source| SecretsError::KeyFile { path: next, source })?;
    sync_dir(&key_path(data_dir))
}

/// Makes a create or rename durable: the directory entry must reach the disk too.
fn sync_dir(path: &Path) -> Result<(), SecretsError> {
    if let Some(dir) = path.parent() {
        let handle = fs::File::open(dir).map_err(|source| SecretsError::KeyFile {
            path: dir.to_path_buf(),
            source,
        })?;
        handle.sync_all().map_err(|source| SecretsError::KeyFile {
            path: dir.to_path_buf(),
            source,
        })?;
    }
    Ok(())
}
