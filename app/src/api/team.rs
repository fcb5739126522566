//! Users (admins only): list, add, change role, disable/enable.

use domain::Role;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::errors::AppError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserView {
    pub id: i64,
    pub email: String,
    pub role: Role,
    pub enabled: bool,
}

#[server(endpoint = "list_users")]
pub async fn list_users() -> Result<Vec<UserView>, AppError> {
    let actor = crate::errors::require(Role::Admin)?;
    let store = expect_context::<engine::Store>();
    Ok(engine::team::list_users(&store, &actor)
        .await?
        .into_iter()
        .map(|user| UserView {
            id: user.id.0,
            email: user.email.as_str().to_owned(),
            role: user.role,
            enabled: user.is_enabled(),
        })
        .collect())
}

#[server(endpoint = "add_user")]
pub async fn add_user(email: String, role: String, password: String) -> Result<(), AppError> {
    let actor = crate::errors::require(Role::Admin)?;
    let store = expect_context::<engine::Store>();
    let values = [("email", email.as_str()), ("role", role.as_str())];
    let role = role.parse::<Role>().map_err(|e| AppError::Invalid {
        errors: {
            let mut errors = domain::FieldErrors::new();
            errors.push(domain::FieldError::new("role", e.to_string()));
            errors
        },
        values: values
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
    })?;
    let new = engine::team::NewUser {
        email: email.clone(),
        role,
        password: secrecy::SecretString::from(password),
    };
    engine::team::create_user(&store, &actor, new, chrono::Utc::now())
        .await
        .map_err(|e| crate::errors::from_team(e, &values))?;
    Ok(())
}

#[server(endpoint = "change_role")]
pub async fn change_role(id: i64, role: Role) -> Result<(), AppError> {
    let actor = crate::errors::require(Role::Admin)?;
    let store = expect_context::<engine::Store>();
    engine::team::change_role(&store, &actor, domain::UserId(id), role, chrono::Utc::now()).await?;
    Ok(())
}

#[server(endpoint = "set_user_enabled")]
pub async fn set_user_enabled(id: i64, enabled: bool) -> Result<(), AppError> {
    let actor = crate::errors::require(Role::Admin)?;
    let store = expect_context::<engine::Store>();
    engine::team::set_user_disabled(
        &store,
        &actor,
        domain::UserId(id),
        !enabled,
        chrono::Utc::now(),
    )
    .await?;
    Ok(())
}
