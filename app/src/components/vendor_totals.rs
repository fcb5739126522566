use leptos::prelude::*;

use crate::api::overview::VendorTotalView;

/// One card per vendor: keys shown, used / limit / remaining summed (each StructOCR
/// account counted once), and how many need attention.
#[component]
pub fn VendorTotals(totals: Vec<VendorTotalView>) -> impl IntoView {
    let cards = totals
        .into_iter()
        .map(|total| {
            let attention = [
                (total.critical, "critical"),
                (total.error, "failing"),
                (total.warning, "warning"),
            ]
            .into_iter()
            .filter(|(n, _)| *n > 0)
            .map(|(n, what)| format!("{n} {what}"))
            .collect::<Vec<_>>()
            .join(", ");
            view! {
                <div class="vendor-total" data-vendor=total.vendor.slug()>
                    <h2>{total.vendor.display_name()}</h2>
                    <dl>
                        <dt>"Used"</dt><dd class="total-used">{total.used}</dd>
                        <dt>"Limit"</dt><dd class="total-limit">{total.limit}</dd>
                        <dt>"Remaining"</dt><dd class="total-remaining">{total.remaining}</dd>
                    </dl>
                    <p class="total-attention">
                        {if attention.is_empty() { "all fine".to_owned() } else { attention }}
                    </p>
                </div>
            }
        })
        .collect_view();
    view! { <section class="vendor-totals" aria-label="Totals per vendor">{cards}</section> }
}
