//! Quotaboard's server-only core.
//!
//! Everything that touches the database, the network or secrets lives here, so the
//! wasm bundle can never pull it in: `app` depends on this crate only behind its `ssr`
//! feature. One module per concern.

pub mod alerts;
pub mod auth;
pub mod charts;
pub mod config;
pub mod display;
pub mod export;
pub mod forecast;
pub mod history;
pub mod jobs;
pub mod metrics;
pub mod overview;
pub mod poller;
pub mod secrets;
pub mod store;
pub mod team;
pub mod vendors;

pub use config::{Config, ConfigError};
pub use store::{Store, StoreError};
