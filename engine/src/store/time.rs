//! One text format for every timestamp the application writes, so that SQL text
//! comparison (`expires_at > ?`) orders them correctly. sqlx's own `DateTime`
//! encoding varies its fraction digits and would not.

use chrono::{DateTime, Utc};

pub fn ts(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// Whether a query failed on a UNIQUE constraint (mapped to a typed conflict).
pub fn is_unique_violation(error: &sqlx::Error) -> bool {
    error
        .as_database_error()
        .is_some_and(|db| db.is_unique_violation())
}
