//! One module per route.

mod alerts;
mod dashboard;
mod keys;
mod team;

pub use alerts::AlertsPage;
pub use dashboard::DashboardPage;
pub use keys::KeysPage;
pub use team::TeamPage;
