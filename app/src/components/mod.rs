//! Components shared by several pages, each named for what the user sees.

pub mod app_frame;
pub mod nav_bar;
pub mod not_found;
pub mod theme_toggle;
