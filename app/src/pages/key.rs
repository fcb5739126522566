use domain::HistoryRange;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::A,
    hooks::{use_params_map, use_query_map},
};

use crate::{
    api::key_history::{KeyPageData, LatestView, key_overview},
    components::access_message::{AccessMessage, redirect_visitors},
    errors::AppError,
    theme::Theme,
};

/// One key: its latest reading, history charts over a chosen range (in the URL),
/// a CSV export, its closed periods and the vendor's last reply for support.
#[component]
pub fn KeyPage() -> impl IntoView {
    redirect_visitors();
    let params = use_params_map();
    let query = use_query_map();
    let id = move || {
        params
            .read()
            .get("id")
            .and_then(|id| id.parse::<i64>().ok())
    };
    let range = Memo::new(move |_| {
        query
            .read()
            .get("range")
            .and_then(|r| r.parse::<HistoryRange>().ok())
            .unwrap_or_default()
    });
    let key = Resource::new(id, |id| async move {
        match id {
            Some(id) => key_overview(id).await,
            None => Err(AppError::Refused("no such key".to_owned())),
        }
    });
    view! {
        <Title text="Key"/>
        <section class="page key-page">
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match key.await {
                        Ok(key) => view! { <KeyDetails key range/> }.into_any(),
                        Err(error) => view! { <AccessMessage error/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn KeyDetails(key: KeyPageData, range: Memo<HistoryRange>) -> impl IntoView {
    let theme = use_context::<Theme>().unwrap_or_default();
    let id = key.id;
    // Drawn for one theme; the theme toggle switches to the other source in place.
    let chart = move |kind: &'static str| {
        let src = move |theme: Theme| {
            format!(
                "/keys/{id}/chart.svg?kind={kind}&range={}&theme={}",
                range.get(),
                theme.as_str()
            )
        };
        view! {
            <{..}
                src=src(theme)
                data-src-light=src(Theme::Light)
                data-src-dark=src(Theme::Dark)
                width="720"
                height="260"
            />
        }
    };
    let ranges = HistoryRange::ALL
        .into_iter()
        .map(|r| {
            view! {
                <A
                    href=format!("/keys/{id}?range={r}")
                    attr:class="range-link"
                    attr:aria-current=move || (range.get() == r).then_some("true")
                >
                    {r.slug()}
                </A>
            }
        })
        .collect_view();
    let unit = key.unit.clone();
    let closeouts = (!key.closeouts.is_empty()).then(|| {
        let rows = key
            .closeouts
            .iter()
            .map(|line| view! { <li>{line.clone()}</li> })
            .collect_view();
        view! {
            <section class="closeouts">
                <h2>"Closed periods"</h2>
                <p class="hint">"Final figures the vendor reported after each month ended."</p>
                <ul>{rows}</ul>
            </section>
        }
    });
    let raw = key.raw_reply.clone().map(|raw| {
        view! {
            <details class="raw-reply">
                <summary>"Latest vendor reply (secrets removed)"</summary>
                <pre>{raw}</pre>
            </details>
        }
    });
    view! {
        <Title text=key.label.clone()/>
        <header class="key-header">
            <h1>{key.label.clone()}</h1>
            <p class="page-note">
                {key.vendor.display_name()}
                {key.owner_tag.clone().map(|t| format!(" · owner {t}"))}
                {(!key.enabled).then_some(" · disabled")}
                {key.can_edit.then(|| view! { " · " <A href=format!("/keys/{id}/edit")>"Edit"</A> })}
            </p>
            <LatestReading latest=key.latest.clone()/>
            {key.forecast.clone().map(|f| view! { <p class="forecast">{f}</p> })}
            <p class="hint next-poll">{format!("Next poll: {}", key.next_poll)}</p>
        </header>
        <nav class="range-nav" aria-label="Chart range">{ranges}</nav>
        <div class="charts">
            <figure class="chart">
                <img {..chart("usage")} alt=format!("Chart: usage of {} this period against the limit", key.label)/>
            </figure>
            <figure class="chart">
                <img {..chart("remaining")} alt=format!("Chart: remaining {unit} of {} over time", key.label)/>
            </figure>
            <figure class="chart">
                <img {..chart("consumption")} alt=format!("Chart: {unit} of {} consumed per day", key.label)/>
            </figure>
        </div>
        <p>
            <a
                rel="external"
                download
                href=move || format!("/keys/{id}/usage.csv?range={}", range.get())
            >
                "Download this range as CSV"
            </a>
        </p>
        {closeouts}
        {raw}
    }
}

#[component]
fn LatestReading(latest: Option<LatestView>) -> impl IntoView {
    let Some(latest) = latest else {
        return view! { <p class="latest-reading">"Not polled yet."</p> }.into_any();
    };
    view! {
        <div class="latest-reading">
            <p class="latest-figures">{latest.figures}</p>
            <p class="hint">{latest.when}</p>
            {latest.failure.map(|f| view! { <p class="form-alert" role="status">{f}</p> })}
        </div>
    }
    .into_any()
}
