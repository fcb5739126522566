//! `quotaboard rotate-master-key`: re-seals every secret under a new master key.
//!
//! Order, chosen so that every crash point leaves a state the next run (and the
//! server, which loads `master.key.next` too) can use:
//! 1. the new key is written to `master.key.next` (or the existing one reused);
//! 2. rows are re-sealed one transaction at a time, each recording its key's id;
//! 3. the check value switches to the new key, with an audit row;
//! 4. `master.key.next` is renamed over `master.key`.
//!
//! With `QUOTABOARD_MASTER_KEY` there is no file to write: the operator supplies the
//! new key as `QUOTABOARD_MASTER_KEY_NEXT`, steps 2 and 3 run the same way, and step
//! 4 is theirs (make the new key `QUOTABOARD_MASTER_KEY`, drop the `_NEXT` variable).

use chrono::Utc;
use domain::KeyId;
use serde_json::json;

use super::{MasterKey, Secrets, SecretsError, key_file};
use crate::{
    Config, Store,
    store::{
        audit::{self, AuditActor, Subject},
        keys, settings,
    },
};

/// Stops after this many rows: for tests of an interrupted rotation, and to bound
/// the work of one run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RotationLimit {
    #[default]
    Unlimited,
    StopAfterRows(usize),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RotationReport {
    pub new_key_id: String,
    pub resealed: usize,
    /// `false` when the limit stopped it; run it again to finish.
    pub finished: bool,
    /// The new key came from `QUOTABOARD_MASTER_KEY_NEXT`: the operator still has to
    /// make it `QUOTABOARD_MASTER_KEY`.
    pub from_environment: bool,
}

pub async fn rotate_master_key(
    config: &Config,
    store: &Store,
    actor: AuditActor,
    limit: RotationLimit,
) -> Result<RotationReport, SecretsError> {
    let from_environment = config.master_key.is_some();
    if from_environment && config.master_key_next.is_none() {
        return Err(SecretsError::RotationNeedsNextKey);
    }
    let secrets = Secrets::load(config, store).await?;
    let next_path = key_file::next_key_path(&config.data_dir);
    let (new_key, secrets) = if let Some(next) = &config.master_key_next {
        // Loaded by `Secrets::load` beside the current key.
        (super::env_key(next, "QUOTABOARD_MASTER_KEY_NEXT")?, secrets)
    } else if next_path.exists() {
        // A previous run got at least as far as step 1: finish it with that key.
        (key_file::read(&next_path)?, secrets)
    } else {
        let key = MasterKey::generate();
        key_file::create(&next_path, &key)?;
        let secrets = secrets.with_other(key.clone());
        (key, secrets)
    };
    tracing::info!(new_key_id = new_key.id(), "rotating the master key");

    let mut resealed = 0;
    while let Some(row) = keys::next_to_reseal(store.pool(), new_key.id()).await? {
        if let RotationLimit::StopAfterRows(max) = limit
            && resealed >= max
        {
            return Ok(RotationReport {
                new_key_id: new_key.id().to_owned(),
                resealed,
                finished: false,
                from_environment,
            });
        }
        let id = KeyId(row.row.id);
        let Some(sealed) = row.sealed else { continue };
        let secret = secrets.open(id, row.row.key_version, &sealed)?;
        let fresh = new_key.seal(id, row.row.key_version, &secret);
        let mut tx = store.pool().begin().await?;
        keys::reseal(
            &mut *tx,
            id,
            row.row.key_version,
            &sealed.master_key_id,
            &fresh,
        )
        .await?;
        tx.commit().await?;
        resealed += 1;
    }

    let mut tx = store.pool().begin().await?;
    let previous = settings::get(&mut *tx, settings::MASTER_KEY_CHECK).await?;
    if previous.as_deref() != Some(new_key.id()) {
        let now = Utc::now();
        settings::set(&mut *tx, settings::MASTER_KEY_CHECK, new_key.id(), now).await?;
        audit::record(
            &mut *tx,
            now,
            actor,
            "master_key.rotated",
            Subject::Instance,
            json!({ "from": previous, "to": new_key.id(), "resealed": resealed }),
        )
        .await?;
    }
    tx.commit().await?;
    if !from_environment {
        key_file::promote_next(&config.data_dir)?;
    }
    tracing::info!(new_key_id = new_key.id(), resealed, "master key rotated");
    Ok(RotationReport {
        new_key_id: new_key.id().to_owned(),
        resealed,
        finished: true,
        from_environment,
    })
}
