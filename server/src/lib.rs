//! The Quotaboard server: wiring of the HTTP app, the command line and the background
//! jobs. Domain logic lives in `engine`; pages in `app`.

pub mod cli;
pub mod commands;
pub mod demo;
pub mod http;
pub mod jobs;
pub mod poll;
pub mod startup;
pub mod telemetry;
