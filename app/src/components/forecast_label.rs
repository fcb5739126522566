use leptos::prelude::*;

/// "runs out 2026-12-14", "lasts until reset 2027-01-01", "too few readings yet".
#[component]
pub fn ForecastLabel(text: String, kind: String) -> impl IntoView {
    view! { <span class=format!("forecast forecast-{kind}")>{text}</span> }
}
