use leptos::prelude::*;

/// Marks the page `data-hydrated` once the browser has hydrated its islands. Islands
/// hydrate in document order and this one comes last in the frame, so tests wait for
/// the mark before they click (a click before hydration is lost).
#[island]
pub fn HydrationMarker() -> impl IntoView {
    Effect::new(move |_| {
        if let Some(frame) = document().query_selector(".app").ok().flatten() {
            let _ = frame.set_attribute("data-hydrated", "true");
        }
    });
}
