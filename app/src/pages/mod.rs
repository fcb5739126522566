//! One module per route.

mod alerts;
mod audit;
mod dashboard;
mod key;
mod key_edit;
mod keys;
mod login;
mod profile;
mod settings;
mod setup;
mod team;

pub use alerts::AlertsPage;
pub use audit::AuditPage;
pub use dashboard::DashboardPage;
pub use key::KeyPage;
pub use key_edit::KeyEditPage;
pub use keys::KeysPage;
pub use login::LoginPage;
pub use profile::ProfilePage;
pub use settings::SettingsPage;
pub use setup::SetupPage;
pub use team::TeamPage;
