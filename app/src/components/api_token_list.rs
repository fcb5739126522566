use leptos::prelude::*;

use crate::api::profile::{ApiTokenView, RevokeApiToken};

/// The user's API tokens, newest first; live ones can be revoked.
#[component]
pub fn ApiTokenList(
    tokens: Vec<ApiTokenView>,
    revoke: ServerAction<RevokeApiToken>,
) -> impl IntoView {
    if tokens.is_empty() {
        return view! { <p class="empty-state">"No API tokens yet."</p> }.into_any();
    }
    let rows = tokens
        .into_iter()
        .map(|token| {
            let id = token.id;
            let state = match &token.revoked {
                Some(at) => {
                    view! { <span class="status status-off">{format!("revoked {at}")}</span> }
                        .into_any()
                }
                None => view! {
                    <ActionForm action=revoke attr:class="inline-form">
                        <input type="hidden" name="id" value=id/>
                        <button type="submit" class="button-secondary">"Revoke"</button>
                    </ActionForm>
                }
                .into_any(),
            };
            view! {
                <tr data-token-id=id>
                    <td class="token-name">{token.name}</td>
                    <td><code>{token.prefix}</code></td>
                    <td>{token.created}</td>
                    <td>{token.last_used}</td>
                    <td>{state}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="data-table" id="token-table">
            <thead>
                <tr><th>"Name"</th><th>"Token"</th><th>"Created"</th><th>"Last used"</th><th></th></tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}
