use domain::{KeyStatus, OverviewQuery, Vendor};
use leptos::prelude::*;

/// Vendor, status and owner filters: a plain GET form, so the filtered view is a URL
/// that works without JavaScript and can be shared. The sort order is kept.
#[component]
pub fn OverviewFilters(query: OverviewQuery, owners: Vec<String>) -> impl IntoView {
    let vendor = query.vendor;
    let status = query.status;
    let owner = query.owner.clone();
    let vendors = Vendor::ALL
        .into_iter()
        .map(|v| view! { <option value=v.slug() selected=vendor == Some(v)>{v.display_name()}</option> })
        .collect_view();
    let statuses = KeyStatus::ALL
        .into_iter()
        .map(
            |s| view! { <option value=s.as_str() selected=status == Some(s)>{s.as_str()}</option> },
        )
        .collect_view();
    let owner_options = owners
        .into_iter()
        .map(|o| {
            let selected = owner.as_deref() == Some(o.as_str());
            let value = o.clone();
            view! { <option value=value selected=selected>{o}</option> }
        })
        .collect_view();
    let sort = (query.sort != domain::SortColumn::default()).then(|| query.sort.as_str());
    view! {
        <form method="get" action="/" class="overview-filters" id="overview-filters">
            <label>"Vendor "
                <select name="vendor">
                    <option value="">"all"</option>
                    {vendors}
                </select>
            </label>
            <label>"Status "
                <select name="status">
                    <option value="">"all"</option>
                    {statuses}
                </select>
            </label>
            <label>"Owner "
                <select name="owner">
                    <option value="">"all"</option>
                    {owner_options}
                </select>
            </label>
            {sort.map(|sort| view! { <input type="hidden" name="sort" value=sort/> })}
            {query.descending.then(|| view! { <input type="hidden" name="dir" value="desc"/> })}
            <button type="submit">"Filter"</button>
            <a href="/" class="button-link">"Clear"</a>
        </form>
    }
}
