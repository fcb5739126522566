//! The operations the UI and the CLI share on keys and users: validation with the
//! domain types, role checks, sealing secrets, and an audit row in the same
//! transaction as every change.
//!
//! Server functions call these with `Actor::User(current_user)`; the CLI with
//! `Actor::Cli` (whoever runs it already controls the data directory).

pub mod keys;
pub mod settings;
pub mod users;

use domain::{FieldError, FieldErrors, Role};

use crate::{
    auth::{Forbidden, require_role},
    secrets::SecretsError,
    store::{audit::AuditActor, users::User},
};

pub use keys::{
    KeyInput, KeySummary, create_key, delete_key, enabled_credentials, key_credential, key_summary,
    list_keys, set_key_enabled, update_key,
};
pub use users::{
    NewUser, change_role, create_first_admin, create_user, list_users, needs_setup,
    set_user_disabled,
};

/// Who asks for a change.
#[derive(Debug, Clone)]
pub enum Actor {
    User(User),
    /// The command line: trusted like an admin.
    Cli,
}

impl Actor {
    pub fn require(&self, role: Role) -> Result<(), Forbidden> {
        match self {
            Self::User(user) => require_role(user, role),
            Self::Cli => Ok(()),
        }
    }

    pub(crate) fn audit(&self) -> AuditActor {
        match self {
            Self::User(user) => AuditActor::User(user.id),
            Self::Cli => AuditActor::Cli,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TeamError {
    /// Show each message beside its field.
    #[error("please correct: {0}")]
    Invalid(FieldErrors),
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    /// A unique value is taken (e-mail, label per vendor); `field` names the input.
    #[error("{message}")]
    Conflict {
        field: &'static str,
        message: String,
    },
    #[error("no {kind} with id {id}")]
    NotFound { kind: &'static str, id: i64 },
    #[error("the last enabled admin cannot be demoted or disabled; make another user admin first")]
    LastAdmin,
    #[error("a first admin exists already")]
    SetupDone,
    #[error(transparent)]
    Secrets(#[from] SecretsError),
    #[error("database error: {0}")]
    Store(#[from] sqlx::Error),
}

impl TeamError {
    /// The field errors a form should show, including a conflict's.
    pub fn field_errors(&self) -> Option<FieldErrors> {
        match self {
            Self::Invalid(errors) => Some(errors.clone()),
            Self::Conflict { field, message } => {
                let mut errors = FieldErrors::new();
                errors.push(FieldError::new(field, message.clone()));
                Some(errors)
            }
            _ => None,
        }
    }
}

impl From<FieldErrors> for TeamError {
    fn from(errors: FieldErrors) -> Self {
        Self::Invalid(errors)
    }
}
