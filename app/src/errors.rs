//! The one error type of every server function. It crosses to the browser (as JSON,
//! or in the URL after a form post without JavaScript), so it carries only what a
//! person may read: field messages, "sign in", "not allowed", or a refusal in plain
//! words. Anything internal is logged on the server and arrives as `Internal`.

use std::collections::BTreeMap;

use domain::FieldErrors;
use leptos::server_fn::{
    ServerFn,
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr, ServerFnUrlError},
};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// Shown beside each field; `values` echoes what was typed (never a secret or a
    /// password) so a form posted without JavaScript can be filled in again.
    #[error("please correct the marked fields")]
    Invalid {
        errors: FieldErrors,
        values: BTreeMap<String, String>,
    },
    #[error("please sign in first")]
    NotSignedIn,
    #[error("{0}")]
    Forbidden(String),
    /// A refusal the person can act on: wrong credentials, too many attempts, the
    /// last admin, a key that is gone.
    #[error("{0}")]
    Refused(String),
    #[error("something went wrong on the server; please try again")]
    Internal,
    /// The request did not reach the function or its answer did not come back.
    #[error("the request failed: {0}")]
    Request(String),
}

impl AppError {
    pub fn field(&self, name: &str) -> Option<String> {
        match self {
            Self::Invalid { errors, .. } => errors.get(name).map(str::to_owned),
            _ => None,
        }
    }

    /// What the person typed into `name`, echoed back by the server.
    pub fn value(&self, name: &str) -> Option<String> {
        match self {
            Self::Invalid { values, .. } => values.get(name).cloned(),
            _ => None,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        Self::Request(match value {
            // Never forward the text of a server-side error.
            ServerFnErrorErr::ServerError(_) => "the server refused it".to_owned(),
            other => other.to_string(),
        })
    }
}

/// The error a form post without JavaScript left in the URL (`?__path=…&__err=…`),
/// if it came from server function `S`.
pub fn url_error<S: ServerFn<Error = AppError>>(
    query: &leptos_router::params::ParamsMap,
) -> Option<AppError> {
    let path = query.get_str("__path")?;
    if path != S::PATH {
        return None;
    }
    query
        .get_str("__err")
        .map(ServerFnUrlError::<AppError>::decode_err)
}

#[cfg(feature = "ssr")]
pub use server::*;

#[cfg(feature = "ssr")]
mod server {
    use engine::{
        auth::{CurrentUser, LoginError, require_role},
        store::users::User,
        team::{Actor, TeamError},
    };
    use http::StatusCode;
    use leptos::prelude::*;

    use super::AppError;

    /// Whether the server function was called by a plain HTML form (the browser then
    /// follows a redirect to a page) rather than by code that reads its answer.
    pub fn is_form_post() -> bool {
        use_context::<http::request::Parts>()
            .and_then(|parts| {
                parts
                    .headers
                    .get(http::header::ACCEPT)
                    .and_then(|v| v.to_str().ok())
                    .map(|v| v.contains("text/html"))
            })
            .unwrap_or(false)
    }

    /// Sets a status for API callers; a plain form post keeps the redirect back.
    fn status(code: StatusCode) {
        if !is_form_post()
            && let Some(response) = use_context::<leptos_axum::ResponseOptions>()
        {
            response.set_status(code);
        }
    }

    /// Logs the full cause and gives the browser an opaque message.
    pub fn internal(error: &(dyn std::error::Error + 'static)) -> AppError {
        tracing::error!(error = %error, cause = ?error.source(), "server function failed");
        status(StatusCode::INTERNAL_SERVER_ERROR);
        AppError::Internal
    }

    /// The signed-in user, or `NotSignedIn` (401).
    pub fn signed_in() -> Result<User, AppError> {
        match use_context::<CurrentUser>() {
            Some(CurrentUser(Some(user))) => Ok(user),
            _ => {
                status(StatusCode::UNAUTHORIZED);
                Err(AppError::NotSignedIn)
            }
        }
    }

    /// The guard every server function starts with: signed in and at least `role`.
    pub fn require(role: domain::Role) -> Result<Actor, AppError> {
        let user = signed_in()?;
        if let Err(forbidden) = require_role(&user, role) {
            tracing::warn!(user_id = %user.id, %forbidden, "refused a server function");
            status(StatusCode::FORBIDDEN);
            return Err(AppError::Forbidden(format!(
                "only {}s may do this; you are signed in as {}",
                forbidden.required, forbidden.actual
            )));
        }
        Ok(Actor::User(user))
    }

    pub fn from_team(error: TeamError, values: &[(&str, &str)]) -> AppError {
        if let Some(errors) = error.field_errors() {
            status(StatusCode::UNPROCESSABLE_ENTITY);
            return AppError::Invalid {
                errors,
                values: values
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                    .collect(),
            };
        }
        match error {
            TeamError::Forbidden(forbidden) => {
                status(StatusCode::FORBIDDEN);
                AppError::Forbidden(forbidden.to_string())
            }
            TeamError::NotFound { .. } => {
                status(StatusCode::NOT_FOUND);
                AppError::Refused(error.to_string())
            }
            TeamError::LastAdmin | TeamError::SetupDone => {
                status(StatusCode::CONFLICT);
                AppError::Refused(error.to_string())
            }
            other => internal(&other),
        }
    }

    impl From<TeamError> for AppError {
        fn from(error: TeamError) -> Self {
            from_team(error, &[])
        }
    }

    impl From<LoginError> for AppError {
        fn from(error: LoginError) -> Self {
            match error {
                LoginError::InvalidCredentials => {
                    status(StatusCode::UNAUTHORIZED);
                    AppError::Refused(error.to_string())
                }
                LoginError::TooManyAttempts { .. } => {
                    status(StatusCode::TOO_MANY_REQUESTS);
                    AppError::Refused(error.to_string())
                }
                LoginError::Store(ref e) => internal(e),
            }
        }
    }

    impl From<sqlx::Error> for AppError {
        fn from(error: sqlx::Error) -> Self {
            internal(&error)
        }
    }
}

/// The error to show for a form the server renders: what a post without JavaScript
/// left in the URL.
pub fn form_error<S>(
    action: leptos::prelude::ServerAction<S>,
) -> leptos::prelude::Signal<Option<AppError>>
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    use leptos::prelude::*;
    let query = leptos_router::hooks::use_query_map();
    island_form_error(action, url_error::<S>(&query.read_untracked()))
}

/// The error to show for a form inside an island: the last answer of `action` once it
/// has run in the browser, else `from_url`, what a post without JavaScript left in
/// the URL. The browser has no router to read the URL with, so the page reads it on
/// the server and hands it to the island.
pub fn island_form_error<S>(
    action: leptos::prelude::ServerAction<S>,
    from_url: Option<AppError>,
) -> leptos::prelude::Signal<Option<AppError>>
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    use leptos::prelude::*;
    Signal::derive(move || match action.value().get() {
        Some(Err(error)) => Some(error),
        Some(Ok(_)) => None,
        None => from_url.clone(),
    })
}
