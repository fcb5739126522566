use leptos::prelude::*;

use crate::theme::{SetTheme, Theme};

/// Switches light/dark. A real form: without JavaScript it posts and the server
/// redirects back; hydrated, it round-trips the server function without a reload.
#[island]
pub fn ThemeToggle(theme: Theme) -> impl IntoView {
    let theme = RwSignal::new(theme);
    let action = ServerAction::<SetTheme>::new();
    Effect::new(move |_| {
        if let Some(Ok(chosen)) = action.value().get() {
            theme.set(chosen);
            show_theme(chosen);
        }
    });
    let next = move || theme.get().toggled();

    view! {
        <ActionForm action attr:class="theme-toggle">
            <input type="hidden" name="theme" value=move || next().as_str()/>
            <button type="submit" title="Switch light and dark theme">
                {move || match next() {
                    Theme::Dark => "Dark theme",
                    Theme::Light => "Light theme",
                }}
            </button>
        </ActionForm>
    }
}

/// The page around the toggle is the server's HTML, outside any island: the frame's
/// `data-theme` (which the style sheet follows) and the images drawn for one theme
/// (the key page's charts, which name both of their sources) are switched here.
fn show_theme(theme: Theme) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;

        let document = document();
        if let Ok(Some(frame)) = document.query_selector(".app") {
            let _ = frame.set_attribute("data-theme", theme.as_str());
        }
        let source = format!("data-src-{}", theme.as_str());
        if let Ok(images) = document.query_selector_all(&format!("img[{source}]")) {
            for index in 0..images.length() {
                let image = images
                    .item(index)
                    .and_then(|node| node.dyn_into::<web_sys::Element>().ok());
                if let Some((image, src)) =
                    image.and_then(|image| image.get_attribute(&source).map(|src| (image, src)))
                {
                    let _ = image.set_attribute("src", &src);
                }
            }
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = theme;
}
