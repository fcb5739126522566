use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use domain::Role;

use crate::{
    api::{overview::overview, polling::PollNow},
    components::{
        access_message::{AccessMessage, redirect_visitors},
        app_frame::SignedIn,
        overview_filters::OverviewFilters,
        overview_table::OverviewTable,
        poll_now_panel::{PollNowPanel, PollProgressSource},
        vendor_totals::VendorTotals,
    },
    server_html::HydrateWithoutHtml,
};

/// How often an open overview asks for fresh figures (polls land every minute).
const REFRESH_EVERY: std::time::Duration = std::time::Duration::from_secs(30);

#[component]
pub fn DashboardPage() -> impl IntoView {
    redirect_visitors();
    let query = use_query_map();
    // Bumped by the timer (and after "Poll now") to fetch fresh figures in place.
    let refresh = RwSignal::new(0_u32);
    // Hydration data without the rows' HTML: the browser keeps the server's rows.
    let data = Resource::<_, HydrateWithoutHtml>::new_with_options(
        move || {
            let q = query.read();
            let get = |name: &str| q.get(name).unwrap_or_default();
            (
                get("vendor"),
                get("status"),
                get("owner"),
                get("sort"),
                get("dir"),
                refresh.get(),
            )
        },
        |(vendor, status, owner, sort, dir, _)| overview(vendor, status, owner, sort, dir),
        false,
    );
    // Effects run only in the browser: without JavaScript the page is simply static.
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
    let SignedIn(me) = expect_context::<SignedIn>();

    view! {
        <Title text="Overview"/>
        <section class="page overview">
            <h1>"Overview"</h1>
            // Outside the rows, so refreshing them does not reset the progress.
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    let can_poll = me.await.is_some_and(|me| me.role.allows(Role::Editor));
                    view! { <PollNowPanel action=poll source can_poll on_finished/> }
                })}
            </Transition>
            <Transition fallback=|| view! { <p>"Loading the overview…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(data) => view! { <OverviewBody data poll/> }.into_any(),
                        Err(error) => view! { <AccessMessage error/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn OverviewBody(
    data: crate::api::overview::OverviewData,
    poll: ServerAction<PollNow>,
) -> impl IntoView {
    let shown = data.shown_rows;
    let rows_word = |n: usize| if n == 1 { "row" } else { "rows" };
    let summary = if shown == data.all_rows {
        format!("{shown} {}", rows_word(shown))
    } else {
        format!(
            "{shown} of {} {} match the filters",
            data.all_rows,
            rows_word(data.all_rows)
        )
    };
    // One text node, so the page reads the same to a script as to a person.
    let summary = format!(
        "{summary} · dates in {} · as of {} · ",
        data.time_zone, data.rendered_at
    );
    let ignored = (!data.ignored.is_empty()).then(|| {
        view! {
            <p class="form-alert" role="alert">
                "Ignored in the link: " {data.ignored.join(", ")}
            </p>
        }
    });
    let table = if data.all_rows == 0 {
        view! {
            <p class="empty-state">
                "No keys yet. "
                <a href="/keys">"Add a key"</a>
                " and its usage appears here after the first poll."
            </p>
        }
        .into_any()
    } else if shown == 0 {
        view! { <p class="empty-state">"No key matches these filters."</p> }.into_any()
    } else {
        let on_poll = data.can_poll.then(|| {
            Callback::new(move |id: i64| {
                poll.dispatch(PollNow { key_id: Some(id) });
            })
        });
        view! { <OverviewTable rows=data.rows query=data.query.clone() on_poll/> }.into_any()
    };
    let query_string = data.query.to_query_string();
    let csv = if query_string.is_empty() {
        "/usage.csv".to_owned()
    } else {
        format!("/usage.csv?{query_string}")
    };
    view! {
        {ignored}
        <VendorTotals totals=data.totals/>
        <OverviewFilters query=data.query owners=data.owners/>
        <p class="page-note overview-summary">
            {summary}
            <a href=csv rel="external" id="usage-csv">"Download CSV"</a>
        </p>
        {table}
    }
}
