use leptos::prelude::*;
use leptos_meta::Title;

use crate::{
    api::settings::{SetTeamTimeZone, team_time_zone},
    components::{
        access_message::{AccessMessage, redirect_visitors},
        email_settings::EmailSettings,
        form_feedback::{FieldMessage, FormAlert},
    },
    errors::form_error,
};

/// Team settings (admins): the time zone all dates are shown in, and e-mail.
#[component]
pub fn SettingsPage() -> impl IntoView {
    redirect_visitors();
    let save = ServerAction::<SetTeamTimeZone>::new();
    let current = Resource::new(|| (), |_| team_time_zone());
    let error = form_error(save);
    view! {
        <Title text="Settings"/>
        <section class="page narrow">
            <h1>"Settings"</h1>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match current.await {
                        Ok(view) => {
                            let options = view
                                .choices
                                .into_iter()
                                .map(|name| {
                                    let selected = name == view.current;
                                    let value = name.clone();
                                    view! { <option value=value selected=selected>{name}</option> }
                                })
                                .collect_view();
                            view! {
                                <ActionForm action=save attr:class="stacked-form" attr:id="time-zone-form">
                                    <label for="time-zone">"Team time zone"</label>
                                    <select id="time-zone" name="time_zone">{options}</select>
                                    <FieldMessage error field="time_zone"/>
                                    <p class="page-note" id="time-zone-now">
                                        "Dates on every page are shown in this time zone; stored times stay UTC. Now: "
                                        {view.now}
                                    </p>
                                    <button type="submit">"Save"</button>
                                </ActionForm>
                                // Inside: only admins get this far.
                                <EmailSettings/>
                            }
                            .into_any()
                        }
                        Err(error) => view! { <AccessMessage error/> }.into_any(),
                    }
                })}
            </Transition>
            <FormAlert error=Signal::derive(move || error.get().filter(|e| e.field("time_zone").is_none()))/>
        </section>
    }
}
