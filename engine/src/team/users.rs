//! Users: create, list, change role, disable. The last enabled admin stays.

use chrono::{DateTime, Utc};
use domain::{EmailAddress, FieldErrors, Role, UserId};
use secrecy::SecretString;
use serde_json::json;

use super::{Actor, TeamError};
use crate::{
    Store,
    auth::{Password, password},
    store::{
        audit::{self, AuditActor, Subject},
        sessions,
        time::is_unique_violation,
        users::{self, User},
    },
};

/// The "add user" form.
#[derive(Debug)]
pub struct NewUser {
    pub email: String,
    pub role: Role,
    pub password: SecretString,
}

fn parse(new: NewUser) -> Result<(EmailAddress, Role, Password), TeamError> {
    let mut errors = FieldErrors::new();
    let email = errors.take(EmailAddress::parse(&new.email));
    let password = errors.take(Password::new(new.password));
    match (email, password) {
        (Some(email), Some(password)) if errors.is_empty() => Ok((email, new.role, password)),
        _ => Err(TeamError::Invalid(errors)),
    }
}

fn email_taken(error: sqlx::Error) -> TeamError {
    if is_unique_violation(&error) {
        TeamError::Conflict {
            field: "email",
            message: "a user with this e-mail address exists already".to_owned(),
        }
    } else {
        TeamError::Store(error)
    }
}

/// Adds a user (admin only).
pub async fn create_user(
    store: &Store,
    actor: &Actor,
    new: NewUser,
    now: DateTime<Utc>,
) -> Result<UserId, TeamError> {
    actor.require(Role::Admin)?;
    let (email, role, password) = parse(new)?;
    let phc = password::hash_blocking(password).await;
    let mut tx = store.pool().begin().await?;
    let id = users::insert(&mut *tx, &email, role, &phc, now)
        .await
        .map_err(email_taken)?;
    audit::record(
        &mut *tx,
        now,
        actor.audit(),
        "user.created",
        Subject::User(id.0),
        json!({ "email": email.as_str(), "role": role }),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// The one-time setup: creates an admin only while no user exists.
pub async fn create_first_admin(
    store: &Store,
    email: &str,
    password: SecretString,
    now: DateTime<Utc>,
) -> Result<UserId, TeamError> {
    let (email, role, password) = parse(NewUser {
        email: email.to_owned(),
        role: Role::Admin,
        password,
    })?;
    let phc = password::hash_blocking(password).await;
    let mut tx = store.pool().begin().await?;
    // Checked inside the writing transaction; SQLite serialises writers, so two
    // concurrent setups cannot both see an empty table and commit.
    if users::count(&mut *tx).await? > 0 {
        return Err(TeamError::SetupDone);
    }
    let id = users::insert(&mut *tx, &email, role, &phc, now)
        .await
        .map_err(email_taken)?;
    audit::record(
        &mut *tx,
        now,
        AuditActor::System,
        "user.setup_admin",
        Subject::User(id.0),
        json!({ "email": email.as_str() }),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Whether the one-time setup page should be offered.
pub async fn needs_setup(store: &Store) -> Result<bool, TeamError> {
    Ok(users::count(store.pool()).await? == 0)
}

pub async fn list_users(store: &Store, actor: &Actor) -> Result<Vec<User>, TeamError> {
    actor.require(Role::Admin)?;
    Ok(users::list(store.pool()).await?)
}

async fn target(tx: &mut sqlx::SqliteConnection, id: UserId) -> Result<User, TeamError> {
    users::get(&mut *tx, id).await?.ok_or(TeamError::NotFound {
        kind: "user",
        id: id.0,
    })
}

/// Refuses a change that would leave no enabled admin.
async fn keep_an_admin(tx: &mut sqlx::SqliteConnection, user: &User) -> Result<(), TeamError> {
    if user.role == Role::Admin
        && user.is_enabled()
        && users::count_enabled_admins(&mut *tx).await? <= 1
    {
        return Err(TeamError::LastAdmin);
    }
    Ok(())
}

pub async fn change_role(
    store: &Store,
    actor: &Actor,
    id: UserId,
    role: Role,
    now: DateTime<Utc>,
) -> Result<(), TeamError> {
    actor.require(Role::Admin)?;
    let mut tx = store.pool().begin().await?;
    let user = target(&mut tx, id).await?;
    if user.role == role {
        return Ok(());
    }
    if role != Role::Admin {
        keep_an_admin(&mut tx, &user).await?;
    }
    users::set_role(&mut *tx, id, role).await?;
    audit::record(
        &mut *tx,
        now,
        actor.audit(),
        "user.role_changed",
        Subject::User(id.0),
        json!({ "from": user.role, "to": role }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Disabling also ends every session of the user.
pub async fn set_user_disabled(
    store: &Store,
    actor: &Actor,
    id: UserId,
    disabled: bool,
    now: DateTime<Utc>,
) -> Result<(), TeamError> {
    actor.require(Role::Admin)?;
    let mut tx = store.pool().begin().await?;
    let user = target(&mut tx, id).await?;
    if user.is_enabled() != disabled {
        return Ok(());
    }
    if disabled {
        keep_an_admin(&mut tx, &user).await?;
        sessions::delete_for_user(&mut *tx, id).await?;
    }
    users::set_disabled(&mut *tx, id, disabled.then_some(now)).await?;
    audit::record(
        &mut *tx,
        now,
        actor.audit(),
        if disabled {
            "user.disabled"
        } else {
            "user.enabled"
        },
        Subject::User(id.0),
        json!({}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
