use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use domain::Role;

use crate::{
    api::{overview::OverviewParams, polling::PollNow},
    components::{
        access_message::{redirect_visitors, signed_in_role},
        live_overview::LiveOverview,
    },
    errors::url_error,
};

/// The overview (`/`): every key at a glance, filtered and sorted as the URL says.
#[component]
pub fn DashboardPage() -> impl IntoView {
    redirect_visitors();
    let query = use_query_map();
    let (params, poll_error) = query.with_untracked(|q| {
        let get = |name: &str| q.get(name).unwrap_or_default();
        let params = OverviewParams {
            vendor: get("vendor"),
            status: get("status"),
            owner: get("owner"),
            sort: get("sort"),
            dir: get("dir"),
        };
        (params, url_error::<PollNow>(q))
    });
    let can_poll = signed_in_role().is_some_and(|role| role.allows(Role::Editor));

    view! {
        <Title text="Overview"/>
        <section class="page overview">
            <h1>"Overview"</h1>
            <LiveOverview params can_poll poll_error/>
        </section>
    }
}
