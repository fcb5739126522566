//! Components shared by several pages, each named for what the user sees.

pub mod access_message;
pub mod add_key_form;
pub mod add_user_form;
pub mod alert_tables;
pub mod api_token_list;
pub mod app_frame;
pub mod delete_key_confirmation;
pub mod email_settings;
// Drawn only into HTML the server renders (the overview's rows, `server_html`).
#[cfg(feature = "ssr")]
pub mod forecast_label;
pub mod form_feedback;
pub mod hydration_marker;
pub mod key_table;
pub mod live_overview;
pub mod nav_bar;
pub mod not_found;
// The overview as the server draws it, for `live_overview`.
#[cfg(feature = "ssr")]
pub mod overview_body;
#[cfg(feature = "ssr")]
pub mod overview_filters;
#[cfg(feature = "ssr")]
pub mod overview_table;
pub mod poll_now_panel;
pub mod rule_editor;
#[cfg(feature = "ssr")]
pub mod status_badge;
pub mod theme_toggle;
#[cfg(feature = "ssr")]
pub mod usage_bar;
pub mod user_menu;
pub mod user_table;
#[cfg(feature = "ssr")]
pub mod vendor_totals;
