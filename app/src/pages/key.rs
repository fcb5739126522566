use domain::{HistoryRange, thousands};
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
    theme::{Theme, initial_theme},
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
    let theme = use_context::<RwSignal<Theme>>().unwrap_or_else(|| RwSignal::new(initial_theme()));
    let id = key.id;
    let chart = move |kind: &'static str| {
        move || {
            format!(
                "/keys/{id}/chart.svg?kind={kind}&range={}&theme={}",
                range.get(),
                theme.get().as_str()
            )
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
        let unit = unit.clone();
        let rows = key
            .closeouts
            .iter()
            .map(|c| {
                let limit = c
                    .limit
                    .map(|l| format!(" of {}", thousands(l)))
                    .unwrap_or_default();
                view! { <li>{format!("{}: {}{limit} {unit}", c.period, thousands(c.used))}</li> }
            })
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
            <LatestReading latest=key.latest.clone() unit=unit.clone()/>
        </header>
        <nav class="range-nav" aria-label="Chart range">{ranges}</nav>
        <div class="charts">
            <figure class="chart">
                <img src=chart("usage") alt=format!("Chart: usage of {} this period against the limit", key.label) width="720" height="260"/>
            </figure>
            <figure class="chart">
                <img src=chart("remaining") alt=format!("Chart: remaining {unit} of {} over time", key.label) width="720" height="260"/>
            </figure>
            <figure class="chart">
                <img src=chart("consumption") alt=format!("Chart: {unit} of {} consumed per day", key.label) width="720" height="260"/>
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
fn LatestReading(latest: Option<LatestView>, unit: String) -> impl IntoView {
    let Some(latest) = latest else {
        return view! { <p class="latest-reading">"Not polled yet."</p> }.into_any();
    };
    let figures = match (latest.used, latest.limit, latest.remaining) {
        (Some(used), Some(limit), remaining) => {
            let percent = 100.0 * used as f64 / (limit.max(1)) as f64;
            let remaining = remaining
                .map(|r| format!(" · {} remaining", thousands(r)))
                .unwrap_or_default();
            format!(
                "{} of {} {unit} used ({percent:.1} %){remaining}",
                thousands(used as i64),
                thousands(limit as i64)
            )
        }
        (Some(used), None, _) => format!("{} {unit} used; no limit known", thousands(used as i64)),
        _ => "No usage figures yet.".to_owned(),
    };
    let when = match (&latest.as_of, &latest.resets_on) {
        (Some(as_of), Some(resets)) => format!("as of {as_of}; resets {resets}"),
        (Some(as_of), None) => format!("as of {as_of}"),
        _ => String::new(),
    };
    let failure = (latest.outcome != "ok").then(|| {
        let streak = if latest.failures > 1 {
            format!(" ({} polls in a row)", latest.failures)
        } else {
            String::new()
        };
        view! {
            <p class="form-alert" role="status">
                {format!(
                    "Last poll ({}) failed{streak}: {}",
                    latest.polled_at,
                    latest.error.clone().unwrap_or_default()
                )}
            </p>
        }
    });
    view! {
        <div class="latest-reading">
            <p class="latest-figures">{figures}</p>
            <p class="hint">{when}{format!(" · last polled {}", latest.polled_at)}</p>
            {failure}
        </div>
    }
    .into_any()
}
