//! Who is signed in, first-run setup, login and logout.

use domain::Role;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::errors::AppError;

/// The signed-in user as the header shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    pub email: String,
    pub role: Role,
}

#[server(endpoint = "current_user")]
pub async fn current_user() -> Result<Option<Me>, AppError> {
    use engine::auth::CurrentUser;
    Ok(use_context::<CurrentUser>().and_then(|CurrentUser(user)| {
        user.map(|user| Me {
            email: user.email.as_str().to_owned(),
            role: user.role,
        })
    }))
}

/// Whether no user exists yet, so the setup page should be offered.
#[server(endpoint = "needs_setup")]
pub async fn needs_setup() -> Result<bool, AppError> {
    let store = expect_context::<engine::Store>();
    Ok(engine::team::needs_setup(&store).await?)
}

#[cfg(feature = "ssr")]
async fn open_session(email: &str, password: secrecy::SecretString) -> Result<(), AppError> {
    use engine::auth::{ClientIp, SessionCookie, SessionSettings};
    use http::{HeaderValue, header::SET_COOKIE};

    let store = expect_context::<engine::Store>();
    let settings = expect_context::<SessionSettings>();
    let cookie = expect_context::<SessionCookie>();
    let ip = use_context::<ClientIp>().unwrap_or_default();
    let (_, token) = engine::auth::login(
        &store,
        &settings,
        email,
        password,
        &ip.0,
        chrono::Utc::now(),
    )
    .await?;
    let value =
        HeaderValue::from_str(&cookie.set(&token)).map_err(|e| crate::errors::internal(&e))?;
    expect_context::<leptos_axum::ResponseOptions>().append_header(SET_COOKIE, value);
    Ok(())
}

/// The one-time setup: creates the first admin and signs them in.
#[server(endpoint = "setup_admin")]
pub async fn setup_admin(email: String, password: String) -> Result<(), AppError> {
    let store = expect_context::<engine::Store>();
    engine::team::create_first_admin(
        &store,
        &email,
        secrecy::SecretString::from(password.clone()),
        chrono::Utc::now(),
    )
    .await
    .map_err(|e| crate::errors::from_team(e, &[("email", &email)]))?;
    open_session(&email, secrecy::SecretString::from(password)).await?;
    leptos_axum::redirect("/keys");
    Ok(())
}

#[server(endpoint = "login")]
pub async fn login(email: String, password: String) -> Result<(), AppError> {
    open_session(&email, secrecy::SecretString::from(password)).await?;
    leptos_axum::redirect("/");
    Ok(())
}

#[server(endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    use engine::auth::SessionCookie;
    use http::{HeaderValue, header::SET_COOKIE};

    let store = expect_context::<engine::Store>();
    let cookie = expect_context::<SessionCookie>();
    let parts = expect_context::<http::request::Parts>();
    let token = cookie.token(
        parts
            .headers
            .get_all(http::header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok()),
    );
    if let Some(token) = token {
        engine::auth::logout(&store, &token).await?;
    }
    let value = HeaderValue::from_str(&cookie.clear()).map_err(|e| crate::errors::internal(&e))?;
    expect_context::<leptos_axum::ResponseOptions>().append_header(SET_COOKIE, value);
    leptos_axum::redirect("/login");
    Ok(())
}
