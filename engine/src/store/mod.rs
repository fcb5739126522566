//! The SQLite store: one connection pool for the whole process, migrations applied at
//! start-up. Queries live in small per-table modules beside this one.

use std::{path::Path, str::FromStr, sync::Arc, time::Duration};

use serde::Serialize;
use sqlx::{
    SqlitePool,
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
};

use crate::Config;

pub mod accounts;
pub mod alerts;
pub mod api_tokens;
pub mod audit;
pub mod closeouts;
pub mod forecasts;
pub mod keys;
pub mod outbox;
pub mod overview;
pub mod rollups;
pub mod sessions;
pub mod settings;
pub mod snapshots;
pub mod time;
pub mod users;

/// Migrations from the workspace's `migrations/`, embedded in the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot create the data directory {path}: {source}")]
    DataDir {
        path: String,
        source: std::io::Error,
    },
    #[error("invalid database URL: {0}")]
    Url(#[source] sqlx::Error),
    #[error("cannot open the database: {0}")]
    Open(#[source] sqlx::Error),
    #[error("cannot apply database migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("database error: {0}")]
    Query(#[from] sqlx::Error),
}

/// Cheap to clone: the pool is reference-counted.
#[derive(Clone, Debug)]
pub struct Store {
    pool: SqlitePool,
    /// The overview's rows between requests (`crate::overview`).
    overview: Arc<crate::overview::Cache>,
}

/// What `/healthz` reports about the database.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct DbHealth {
    pub ok: bool,
    /// Newest applied migration, so an operator can tell which schema is live.
    pub schema_version: Option<i64>,
    pub journal_mode: String,
}

impl Store {
    /// Opens (creating if needed) the database named by the config and migrates it.
    pub async fn open(config: &Config) -> Result<Self, StoreError> {
        if config.database_url.is_none() {
            create_dir(&config.data_dir)?;
        }
        let options = SqliteConnectOptions::from_str(&config.effective_database_url())
            .map_err(StoreError::Url)?
            .create_if_missing(true)
            // WAL lets the dashboard read while the poller writes; NORMAL is durable
            // across application crashes in WAL mode and much faster than FULL.
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_millis(config.db_busy_timeout_ms))
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(config.db_max_connections)
            .connect_with(options)
            .await
            .map_err(StoreError::Open)?;
        MIGRATOR.run(&pool).await?;
        Ok(Self {
            pool,
            overview: Arc::default(),
        })
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    pub fn overview_cache(&self) -> &crate::overview::Cache {
        &self.overview
    }

    /// A real round trip through the pool, not a cached flag.
    pub async fn health(&self) -> Result<DbHealth, StoreError> {
        let schema_version: Option<i64> =
            sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success = 1")
                .fetch_one(&self.pool)
                .await?;
        let journal_mode: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(&self.pool)
            .await?;
        Ok(DbHealth {
            ok: true,
            schema_version,
            journal_mode,
        })
    }

    /// Waits for in-flight queries, then closes every connection (checkpoints the WAL).
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

fn create_dir(path: &Path) -> Result<(), StoreError> {
    std::fs::create_dir_all(path).map_err(|source| StoreError::DataDir {
        path: path.display().to_string(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config_in(dir: &Path) -> Config {
        Config {
            data_dir: dir.join("nested/data"),
            ..Config::default()
        }
    }

    #[tokio::test]
    async fn open_creates_data_dir_file_and_applies_migrations() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let store = Store::open(&config_in(tmp.path())).await.expect("open");
        assert!(tmp.path().join("nested/data/quotaboard.db").is_file());
        let health = store.health().await.expect("health");
        assert!(health.ok);
        assert_eq!(health.journal_mode, "wal");
        assert_eq!(
            health.schema_version,
            MIGRATOR.iter().map(|m| m.version).max()
        );
    }

    #[tokio::test]
    async fn pragmas_hold_on_every_pooled_connection() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let store = Store::open(&config_in(tmp.path())).await.expect("open");
        // Hold several connections at once so the pool must open more than one.
        let mut held = Vec::new();
        for _ in 0..3 {
            held.push(store.pool().acquire().await.expect("acquire"));
        }
        for conn in &mut held {
            let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
                .fetch_one(&mut **conn)
                .await
                .expect("pragma");
            let sync: i64 = sqlx::query_scalar("PRAGMA synchronous")
                .fetch_one(&mut **conn)
                .await
                .expect("pragma");
            let busy: i64 = sqlx::query_scalar("PRAGMA busy_timeout")
                .fetch_one(&mut **conn)
                .await
                .expect("pragma");
            assert_eq!(fk, 1, "foreign keys on");
            assert_eq!(sync, 1, "synchronous = NORMAL");
            assert_eq!(busy, 5_000);
        }
    }

    #[tokio::test]
    async fn reopening_is_idempotent() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let config = config_in(tmp.path());
        Store::open(&config).await.expect("first").close().await;
        let again = Store::open(&config).await.expect("second");
        assert!(again.health().await.expect("health").ok);
    }

    #[tokio::test]
    async fn unwritable_data_dir_is_a_clear_error() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let file = tmp.path().join("a-file");
        std::fs::write(&file, b"x").expect("write");
        let config = Config {
            data_dir: file.join("sub"),
            ..Config::default()
        };
        let error = Store::open(&config).await.expect_err("must fail");
        assert!(error.to_string().contains("data directory"), "{error}");
    }
}
