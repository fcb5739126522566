use std::time::Duration;

use leptos::{form::FromFormData, prelude::*};

use crate::{
    api::{
        overview::{OverviewParams, overview},
        polling::PollNow,
    },
    components::poll_now_panel::{PollNowPanel, PollProgressSource},
    errors::AppError,
    server_html::HydrateWithoutHtml,
};

const REFRESH_EVERY: Duration = Duration::from_secs(30);

/// The overview's live part: "Poll all now" with its progress, and the overview the
/// server draws (totals, filters, rows), fetched again every 30 seconds and when a
/// poll ends. Each row's "Poll now" is a plain form inside that HTML; one listener
/// here sends it in place.
#[island]
pub fn LiveOverview(
    params: OverviewParams,
    can_poll: bool,
    /// What a "Poll now" posted without JavaScript was refused with, from the URL.
    poll_error: Option<AppError>,
) -> impl IntoView {
    let refresh = RwSignal::new(0_u32);
    let body = Resource::<_, HydrateWithoutHtml>::new_with_options(
        move || refresh.get(),
        move |_| {
            let OverviewParams {
                vendor,
                status,
                owner,
                sort,
                dir,
            } = params.clone();
            overview(vendor, status, owner, sort, dir)
        },
        false,
    );
    Effect::new(move |_| {
        if let Ok(timer) =
            set_interval_with_handle(move || refresh.update(|n| *n += 1), REFRESH_EVERY)
        {
            on_cleanup(move || timer.clear());
        }
    });
    let poll = ServerAction::<PollNow>::new();
    let source = PollProgressSource::new(poll);
    let on_finished = Callback::new(move |()| refresh.update(|n| *n += 1));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        let form = event_target::<leptos::web_sys::Element>(&ev);
        if form.get_attribute("data-poll-key").is_none() {
            return;
        }
        if let Ok(PollNow { key_id: Some(id) }) = PollNow::from_event(&ev) {
            ev.prevent_default();
            poll.dispatch(PollNow { key_id: Some(id) });
        }
    };

    view! {
        <PollNowPanel action=poll source can_poll on_finished poll_error/>
        <Transition fallback=|| view! { <p>"Loading the overview…"</p> }>
            {move || Suspend::new(async move {
                match body.await {
                    Ok(html) => {
                        view! {
                            <div class="overview-body" on:submit=submit inner_html=html.into_shared()></div>
                        }
                        .into_any()
                    }
                    Err(error) => {
                        view! { <p class="form-alert" role="alert">{error.to_string()}</p> }.into_any()
                    }
                }
            })}
        </Transition>
    }
}
