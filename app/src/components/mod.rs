//! Components shared by several pages, each named for what the user sees.

pub mod access_message;
pub mod add_key_form;
pub mod add_user_form;
pub mod alert_tables;
pub mod app_frame;
pub mod delete_key_confirmation;
pub mod form_feedback;
pub mod key_table;
pub mod nav_bar;
pub mod not_found;
pub mod rule_editor;
pub mod theme_toggle;
pub mod user_menu;
pub mod user_table;
