use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::{
    api::auth::{SetupAdmin, needs_setup},
    components::form_feedback::{FieldMessage, FormAlert, echoed},
    errors::form_error,
};

/// The one-time setup: offered only while no user exists.
#[component]
pub fn SetupPage() -> impl IntoView {
    let action = ServerAction::<SetupAdmin>::new();
    let error = form_error(action);
    let needed = Resource::new(|| (), |_| needs_setup());
    view! {
        <Title text="Setup"/>
        <section class="page narrow">
            <h1>"Setup"</h1>
            <Transition fallback=|| view! { <p>"Checking…"</p> }>
                {move || Suspend::new(async move {
                    match needed.await {
                        Ok(true) => view! {
                            <p>"Create the first administrator. This page works only once, while no user exists."</p>
                            <ActionForm action attr:class="stacked-form" attr:id="setup-form">
                                <FormAlert error/>
                                <label for="setup-email">"E-mail address"</label>
                                <input id="setup-email" name="email" type="email" autocomplete="username" required value=echoed(error, "email")/>
                                <FieldMessage error field="email"/>
                                <label for="setup-password">"Password (at least 12 characters)"</label>
                                <input id="setup-password" name="password" type="password" autocomplete="new-password" required/>
                                <FieldMessage error field="password"/>
                                <button type="submit">"Create admin"</button>
                            </ActionForm>
                        }
                        .into_any(),
                        Ok(false) => view! {
                            <p class="page-note" id="setup-done">
                                "Setup is done: an administrator exists. "<A href="/login">"Sign in"</A>"."
                            </p>
                        }
                        .into_any(),
                        Err(error) => view! { <p class="form-alert">{error.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}
