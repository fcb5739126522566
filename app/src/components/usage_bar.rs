use domain::KeyStatus;
use leptos::prelude::*;

/// How much of the limit is used, as a bar coloured by status; nothing without a limit.
#[component]
pub fn UsageBar(used_hundredths: Option<u32>, status: KeyStatus, label: String) -> impl IntoView {
    used_hundredths.map(|hundredths| {
        let width = hundredths.min(10_000);
        view! {
            <div
                class=format!("usage-bar usage-{}", status.as_str())
                role="meter"
                aria-valuemin="0"
                aria-valuemax="100"
                aria-valuenow=hundredths / 100
                aria-label=format!("{label}: share of the limit used")
            >
                <div class="usage-fill" style=format!("width: {}.{:02}%", width / 100, width % 100)></div>
            </div>
        }
    })
}
