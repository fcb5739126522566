//! The wasm entry point. Kept in its own tiny crate so the server build never links
//! a cdylib of the whole app (see README, Architecture).

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
}
