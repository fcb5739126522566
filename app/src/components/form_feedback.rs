use leptos::prelude::*;

use crate::errors::AppError;

/// The message under one form field, when the server refused its value.
#[component]
pub fn FieldMessage(error: Signal<Option<AppError>>, field: &'static str) -> impl IntoView {
    move || {
        error
            .read()
            .as_ref()
            .and_then(|e| e.field(field))
            .map(|message| {
                view! { <p class="field-error" data-field=field role="alert">{message}</p> }
            })
    }
}

/// The message above a form: what went wrong as a whole.
#[component]
pub fn FormAlert(error: Signal<Option<AppError>>) -> impl IntoView {
    move || {
        error
            .get()
            .map(|e| view! { <p class="form-alert" role="alert">{e.to_string()}</p> })
    }
}

/// The value to put back into a field after a refused post without JavaScript.
pub fn echoed(
    error: Signal<Option<AppError>>,
    field: &'static str,
) -> impl Fn() -> String + Clone + Send + Sync + 'static {
    move || {
        error
            .read()
            .as_ref()
            .and_then(|e| e.value(field))
            .unwrap_or_default()
    }
}
