//! The e-mail section of the Settings page: whether mail goes out, and a test e-mail
//! to the admin to check the SMTP settings.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::{
    api::alerts::{SendTestEmail, email_settings},
    components::{
        access_message::AccessMessage, alert_tables::DeliveryList, app_frame::SignedIn,
        form_feedback::FormAlert,
    },
    errors::form_error,
};

/// "E-mail is sent through …" or why it is not, with the outbox's backlog.
pub fn mail_status(smtp_configured: bool, waiting: i64) -> String {
    if smtp_configured {
        format!("E-mail is sent through the configured SMTP server; {waiting} waiting.")
    } else {
        format!(
            "No SMTP server is configured (QUOTABOARD_SMTP_HOST), so e-mail is not sent: {waiting} e-mail(s) wait in the outbox and go out once it is configured."
        )
    }
}

#[component]
pub fn EmailSettings() -> impl IntoView {
    let test = ServerAction::<SendTestEmail>::new();
    let data = Resource::new(|| (), |_| email_settings());
    let error = form_error(test);
    // `send_test_email` comes back with `?test_email=queued`; the test goes to the
    // signed-in admin.
    let queued = use_query_map()
        .read_untracked()
        .get("test_email")
        .as_deref()
        == Some("queued");
    let SignedIn(me) = expect_context::<SignedIn>();
    let sent = move || {
        Suspend::new(async move {
            let to = if queued {
                me.await.map(|me| me.email)
            } else {
                None
            };
            to.map(|to| {
                view! { <p class="form-success" role="status">{format!("Test e-mail queued to {to}.")}</p> }
            })
        })
    };
    view! {
        <section class="settings-section" id="email-settings">
            <h2>"E-mail"</h2>
            <p class="page-note">
                "SMTP host, port, security, login and sender come from the configuration (see the README). Send yourself a test e-mail to check them."
            </p>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(data) => view! {
                            <p class=if data.smtp_configured { "mail-status" } else { "mail-status mail-off" } id="mail-status">
                                {mail_status(data.smtp_configured, data.waiting)}
                            </p>
                            {(!data.tests.is_empty()).then(|| view! {
                                <h3>"Recent test e-mails"</h3>
                                <DeliveryList deliveries=data.tests/>
                            })}
                        }
                        .into_any(),
                        Err(error) => view! { <AccessMessage error/> }.into_any(),
                    }
                })}
            </Transition>
            <FormAlert error/>
            <Suspense fallback=|| ()>{sent}</Suspense>
            <ActionForm action=test attr:class="inline-form">
                <button type="submit">"Send test email"</button>
            </ActionForm>
        </section>
    }
}
