use leptos::prelude::*;

use crate::api::alerts::{ActiveAlert, Delivery, HistoryEntry};

/// A level as a coloured word: `warning`, `critical`, `resolved`.
#[component]
pub fn AlertBadge(level: String) -> impl IntoView {
    let class = format!("alert-badge alert-{level}");
    view! { <span class=class>{level}</span> }
}

/// The alerts firing now, most severe first.
#[component]
pub fn ActiveAlerts(alerts: Vec<ActiveAlert>) -> impl IntoView {
    if alerts.is_empty() {
        return view! { <p class="empty-state" id="no-active-alerts">"Nothing is firing."</p> }
            .into_any();
    }
    view! {
        <table class="data-table" id="active-alerts">
            <thead>
                <tr><th>"Level"</th><th>"Key"</th><th>"Rule"</th><th>"Now"</th><th>"Since"</th><th>"Last e-mailed"</th></tr>
            </thead>
            <tbody>
                {alerts.into_iter().map(|alert| view! {
                    <tr>
                        <td><AlertBadge level=alert.level/></td>
                        <td><SubjectLink label=alert.subject_label key_id=alert.key_id/></td>
                        <td>{alert.rule}</td>
                        <td>{alert.summary}</td>
                        <td>{alert.since}</td>
                        <td>{alert.last_emailed.unwrap_or_else(|| "not e-mailed".to_owned())}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

#[component]
fn SubjectLink(label: String, key_id: Option<i64>) -> impl IntoView {
    match key_id {
        Some(id) => view! { <a href=format!("/keys/{id}")>{label}</a> }.into_any(),
        None => view! { <span>{label}</span> }.into_any(),
    }
}

/// What was decided and sent, newest first, with each e-mail's delivery.
#[component]
pub fn AlertHistory(entries: Vec<HistoryEntry>) -> impl IntoView {
    if entries.is_empty() {
        return view! { <p class="empty-state">"No alert has fired yet."</p> }.into_any();
    }
    view! {
        <table class="data-table" id="alert-history">
            <thead>
                <tr><th>"When"</th><th>"What"</th><th>"Key"</th><th>"Rule"</th><th>"Figure"</th><th>"E-mailed"</th></tr>
            </thead>
            <tbody>
                {entries.into_iter().map(|entry| {
                    let level = if entry.event == "resolved" { "resolved".to_owned() } else { entry.level };
                    view! {
                        <tr>
                            <td>{entry.at}</td>
                            <td><AlertBadge level/>" "{entry.event}</td>
                            <td><SubjectLink label=entry.subject_label key_id=entry.key_id/></td>
                            <td>{entry.rule}</td>
                            <td>{entry.summary}</td>
                            <td><DeliveryList deliveries=entry.deliveries/></td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

/// Who was e-mailed, and whether it arrived, failed for good or waits for a retry.
#[component]
pub fn DeliveryList(deliveries: Vec<Delivery>) -> impl IntoView {
    if deliveries.is_empty() {
        return view! { <span class="muted">"nobody (no recipients)"</span> }.into_any();
    }
    view! {
        <ul class="delivery-list">
            {deliveries.into_iter().map(|d| {
                let status = match d.status.as_str() {
                    "sent" => format!("sent {}", d.sent_at.unwrap_or_default()),
                    "failed" => format!("failed for good: {}", d.error.unwrap_or_default()),
                    _ if d.attempts == 0 => "queued".to_owned(),
                    _ => format!(
                        "waiting (attempt {} failed: {}; next try {})",
                        d.attempts,
                        d.error.unwrap_or_default(),
                        d.next_attempt_at
                    ),
                };
                let class = format!("delivery delivery-{}", d.status);
                let line = format!("{}: {status}", d.to);
                view! { <li class=class>{line}</li> }
            }).collect_view()}
        </ul>
    }
    .into_any()
}
