use leptos::prelude::*;

use crate::{
    api::overview::OverviewData,
    components::{
        overview_filters::OverviewFilters, overview_table::OverviewTable,
        vendor_totals::VendorTotals,
    },
    server_html::ServerHtml,
};

/// The overview as HTML: what `LiveOverview` puts in place, first in the page and
/// then after every refresh.
pub fn draw(data: OverviewData) -> ServerHtml {
    ServerHtml::new(view! { <OverviewBody data/> }.to_html())
}

/// Totals, filters, a summary line and the table.
#[component]
fn OverviewBody(data: OverviewData) -> impl IntoView {
    let shown = data.shown;
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
    let query_string = data.query.to_query_string();
    let csv = if query_string.is_empty() {
        "/usage.csv".to_owned()
    } else {
        format!("/usage.csv?{query_string}")
    };
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
        view! { <OverviewTable rows_html=data.rows_html query=data.query.clone() can_poll=data.can_poll/> }
            .into_any()
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
