use leptos::prelude::*;
use leptos_meta::Title;

use crate::{
    api::audit::recent_audit,
    components::access_message::{AccessMessage, redirect_visitors},
    errors::AppError,
};

#[component]
pub fn AuditPage() -> impl IntoView {
    redirect_visitors();
    let rows = Resource::new(|| (), |_| recent_audit());
    view! {
        <Title text="Audit"/>
        <section class="page">
            <h1>"Audit"</h1>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match rows.await {
                        Ok(rows) => view! {
                            <table class="data-table" id="audit-table">
                                <thead>
                                    <tr><th>"When"</th><th>"Who"</th><th>"What"</th><th>"Subject"</th><th>"Details"</th></tr>
                                </thead>
                                <tbody>
                                    {rows.into_iter().map(|row| view! {
                                        <tr>
                                            <td>{row.at}</td>
                                            <td>{row.who}</td>
                                            <td>{row.action}</td>
                                            <td>{row.subject}</td>
                                            <td class="detail"><code>{row.detail}</code></td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        }
                        .into_any(),
                        Err(AppError::Forbidden(_)) => view! {
                            <p class="form-alert" role="alert">"Admins only."</p>
                        }
                        .into_any(),
                        Err(error) => view! { <AccessMessage error/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}
