//! Server functions, by concern. Bodies run only on the server (`ssr`) and start
//! with a role guard when they change anything; the browser gets a typed client.

pub mod alerts;
pub mod audit;
pub mod auth;
pub mod key_history;
pub mod keys;
pub mod overview;
pub mod polling;
pub mod profile;
#[cfg(feature = "ssr")]
pub mod recent;
pub mod settings;
pub mod team;
