use domain::{OverviewQuery, SortColumn};
use leptos::{prelude::*, server_fn::ServerFn};

use crate::{
    api::{
        overview::{OverviewRowView, RowAlertView},
        polling::PollNow,
    },
    components::{forecast_label::ForecastLabel, status_badge::StatusBadge, usage_bar::UsageBar},
};

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

/// Every key (and StructOCR account pool), one row each, drawn by [`draw_row`]
/// (and kept drawn: see `DrawnOverviews`). Each row's "Poll now" is a plain form: it
/// posts without JavaScript, and `LiveOverview` sends it in place when hydrated.
#[component]
pub fn OverviewTable(rows_html: String, query: OverviewQuery, can_poll: bool) -> impl IntoView {
    let header = |column, title| view! { <SortHeader query=query.clone() column title/> };
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
                        {can_poll.then(|| view! { <th>"Poll"</th> })}
                    </tr>
                </thead>
                <tbody inner_html=rows_html></tbody>
            </table>
        </div>
    }
}

/// One row's HTML: the same in every sort and filter of the same data.
pub fn draw_row(row: OverviewRowView, can_poll: bool) -> String {
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
    view! { <OverviewRow row action/> }.to_html()
}

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
