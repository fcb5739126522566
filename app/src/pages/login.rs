use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::{
    api::auth::{Login, needs_setup},
    components::form_feedback::FormAlert,
    errors::form_error,
};

#[component]
pub fn LoginPage() -> impl IntoView {
    let action = ServerAction::<Login>::new();
    let error = form_error(action);
    let setup = Resource::new(|| (), |_| needs_setup());
    view! {
        <Title text="Sign in"/>
        <section class="page narrow">
            <h1>"Sign in"</h1>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    let needed = matches!(setup.await, Ok(true));
                    // No account can sign in yet: the server sends the first visitor
                    // to the setup page (pages render fully before the answer goes out).
                    #[cfg(feature = "ssr")]
                    if needed {
                        leptos_axum::redirect("/setup");
                    }
                    needed.then(|| view! {
                        <p class="page-note">
                            "No account exists yet. "<A href="/setup">"Set up the first admin"</A>"."
                        </p>
                    })
                })}
            </Transition>
            <ActionForm action attr:class="stacked-form" attr:id="login-form">
                <FormAlert error/>
                <label for="login-email">"E-mail address"</label>
                <input id="login-email" name="email" type="email" autocomplete="username" required/>
                <label for="login-password">"Password"</label>
                <input id="login-password" name="password" type="password" autocomplete="current-password" required/>
                <button type="submit">"Sign in"</button>
            </ActionForm>
        </section>
    }
}
