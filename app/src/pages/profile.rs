use leptos::prelude::*;
use leptos_meta::Title;

use crate::{
    api::profile::{
        CreateApiToken, CreatedToken, RevokeApiToken, list_api_tokens, take_new_api_token,
    },
    components::{
        access_message::{AccessMessage, redirect_visitors},
        api_token_list::ApiTokenList,
        form_feedback::{FieldMessage, FormAlert},
    },
    errors::form_error,
};

/// A token just created, shown this once.
#[component]
fn NewToken(created: CreatedToken) -> impl IntoView {
    view! {
        <div class="new-token" role="status">
            <p>
                "Your new token “" {created.name} "”. Copy it now: it is shown only this once."
            </p>
            <code id="new-token-value">{created.token}</code>
        </div>
    }
}

/// The signed-in user's page: personal API tokens for `/api/v1/` and `/usage.csv`.
#[component]
pub fn ProfilePage() -> impl IntoView {
    redirect_visitors();
    let create = ServerAction::<CreateApiToken>::new();
    let revoke = ServerAction::<RevokeApiToken>::new();
    let tokens = Resource::new(|| (), |_| list_api_tokens());
    // A token just created by the form comes back here after the post's redirect;
    // rendering the page takes it, so a reload no longer shows it.
    let posted = Resource::new(|| (), |_| take_new_api_token());
    let posted = move || {
        Suspend::new(async move {
            let created = posted.await.ok().flatten();
            created.map(|created| view! { <NewToken created/> })
        })
    };
    let create_error = form_error(create);

    view! {
        <Title text="Profile"/>
        <section class="page">
            <h1>"Profile"</h1>
            <h2>"API tokens"</h2>
            <p class="page-note">
                "A token reads what you can read, through the JSON API under "
                <code>"/api/v1/"</code>" and the CSV export "<code>"/usage.csv"</code>
                ": send it as "<code>"Authorization: Bearer qb_…"</code>
                ". Only a fingerprint of it is stored; revoke it when it is no longer needed."
            </p>
            <Suspense fallback=|| ()>{posted}</Suspense>
            <ActionForm action=create attr:class="stacked-form" attr:id="create-token-form">
                <label for="token-name">"Name (what it is for)"</label>
                <input id="token-name" name="name" required maxlength="100"/>
                <FieldMessage error=create_error field="name"/>
                <button type="submit">"Create token"</button>
            </ActionForm>
            <FormAlert error=form_error(revoke)/>
            <Transition fallback=|| view! { <p>"Loading tokens…"</p> }>
                {move || Suspend::new(async move {
                    match tokens.await {
                        Ok(tokens) => view! { <ApiTokenList tokens revoke/> }.into_any(),
                        Err(error) => view! { <AccessMessage error/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}
