use domain::{OverviewQuery, SortColumn};
#[cfg(feature = "ssr")]
use leptos::server_fn::ServerFn;
use leptos::{form::FromFormData, prelude::*};

#[cfg(feature = "ssr")]
use crate::{
    api::overview::{OverviewRowView, RowAlertView},
    components::{forecast_label::ForecastLabel, status_badge::StatusBadge, usage_bar::UsageBar},
};
use crate::{api::polling::PollNow, server_html::ServerHtml};

/// A column header that sorts by its column (again: the other way round).
#[component]
fn SortHeader(query: OverviewQuery, column: SortColumn, title: &'static str) -> impl IntoView {
    let active = query.sort == column;
    let href = format!("/?{}", query.sorted_by(column).to_query_string());
    let aria_sort = match (active, query.descending) {
        (false, _) => "none",
        (true, false) => "ascending",
        (true, true) => "descending",
    };
    let arrow = match (active, query.descending) {
        (false, _) => "",
        (true, false) => " ▲",
        (true, true) => " ▼",
    };
    view! {
        <th aria-sort=aria_sort data-column=column.as_str()>
            // A plain link: the router's <A> would mark every header as the current page.
            <a href=href class="sort-link">{format!("{title}{arrow}")}</a>
        </th>
    }
}

/// Every key (and StructOCR account pool), one row each. The rows are HTML the server
/// rendered (see [`crate::server_html`]); the browser keeps them as they are and only
/// replaces them when fresh data arrives.
#[component]
pub fn OverviewTable(
    rows: ServerHtml,
    query: OverviewQuery,
    /// Called with the key's id when a row's "Poll now" is pressed, if the user may
    /// poll. Without JavaScript the row's form posts instead.
    #[prop(optional_no_strip)]
    on_poll: Option<Callback<i64>>,
) -> impl IntoView {
    let header = |column, title| view! { <SortHeader query=query.clone() column title/> };
    let has_actions = on_poll.is_some();
    // One listener for every row's form: submit events bubble up to the table body.
    let submit = move |ev: leptos::ev::SubmitEvent| {
        let Some(on_poll) = on_poll else { return };
        let form = event_target::<leptos::web_sys::Element>(&ev);
        if form.get_attribute("data-poll-key").is_none() {
            return;
        }
        if let Ok(PollNow { key_id: Some(id) }) = PollNow::from_event(&ev) {
            ev.prevent_default();
            on_poll.run(id);
        }
    };
    view! {
        <div class="table-scroll">
            <table class="data-table overview-table" id="overview-table">
                <thead>
                    <tr>
                        {header(SortColumn::Vendor, "Vendor")}
                        {header(SortColumn::Label, "Label")}
                        {header(SortColumn::Owner, "Owner")}
                        {header(SortColumn::Used, "Used")}
                        {header(SortColumn::Limit, "Limit")}
                        {header(SortColumn::Remaining, "Remaining")}
                        {header(SortColumn::Percent, "Usage")}
                        {header(SortColumn::Resets, "Resets on")}
                        {header(SortColumn::Forecast, "Forecast")}
                        {header(SortColumn::Status, "Status")}
                        <th>"Alerts"</th>
                        {header(SortColumn::Age, "Data age")}
                        <th>"Last error"</th>
                        {has_actions.then(|| view! { <th>"Poll"</th> })}
                    </tr>
                </thead>
                <tbody on:submit=submit inner_html=rows.into_string()></tbody>
            </table>
        </div>
    }
}

/// The rows' HTML, rendered on the server: with a "Poll now" form per key row when
/// `can_poll`, a plain form that works without JavaScript.
#[cfg(feature = "ssr")]
pub fn rows_html(rows: Vec<OverviewRowView>, can_poll: bool) -> ServerHtml {
    let rows = rows
        .into_iter()
        .map(|row| {
            let action = match (can_poll, row.key_id) {
                (true, Some(id)) => Some(
                    view! {
                        <td class="row-actions">
                            <form
                                method="post"
                                action=PollNow::url()
                                class="inline-form poll-key-form"
                                data-poll-key=""
                            >
                                <input type="hidden" name="key_id" value=id/>
                                <button type="submit" class="button-secondary poll-key">
                                    "Poll now"
                                </button>
                            </form>
                        </td>
                    }
                    .into_any(),
                ),
                (true, None) => Some(view! { <td></td> }.into_any()),
                (false, _) => None,
            };
            view! { <OverviewRow row action/> }
        })
        .collect_view();
    ServerHtml::new(rows.to_html())
}

#[cfg(feature = "ssr")]
#[component]
fn OverviewRow(row: OverviewRowView, action: Option<AnyView>) -> impl IntoView {
    let class = match (row.is_pool, row.account.is_some()) {
        (true, _) => "pool-row",
        (false, true) => "pool-member-row",
        (false, false) => "key-row",
    };
    let label = row.label.clone();
    view! {
        <tr class=class data-key-id=row.key_id data-account=row.account.clone() data-status=row.status.as_str() data-polled-at=row.polled_at.clone()>
            <td>{row.vendor.display_name()}</td>
            <td class="key-label">{row.label}</td>
            <td class="owner-tag">{row.owner_tag.unwrap_or_default()}</td>
            <td class="num used">{row.used}</td>
            <td class="num limit">{row.limit}</td>
            <td class="num remaining">{row.remaining}</td>
            <td class="usage">
                <UsageBar used_hundredths=row.used_hundredths status=row.status label/>
                <span class="usage-percent">{row.used_percent}</span>
            </td>
            <td class="resets-on">{row.resets_on}</td>
            <td><ForecastLabel text=row.forecast kind=row.forecast_kind/></td>
            <td><StatusBadge status=row.status/></td>
            <td class="row-alerts"><FiringAlerts alerts=row.alerts/></td>
            <td class="data-age" title=row.data_time>{row.data_age}</td>
            <td class="last-error">{row.last_error.unwrap_or_default()}</td>
            {action}
        </tr>
    }
}

/// The alerts firing on a row, each a link to the Alerts page: `critical: 95 % used`.
#[cfg(feature = "ssr")]
#[component]
fn FiringAlerts(alerts: Vec<RowAlertView>) -> impl IntoView {
    alerts
        .into_iter()
        .map(|alert| {
            let severity = alert.severity.as_str();
            view! {
                <a href="/alerts" class=format!("row-alert alert-{severity}") title=alert.detail>
                    <span class="alert-severity">{severity}</span>": "{alert.text}
                </a>
            }
        })
        .collect_view()
}
