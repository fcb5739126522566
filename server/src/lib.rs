//! The Quotaboard server: wiring of the HTTP app, the command line and, later, the jobs.
//! Domain logic lives in `engine`; pages in `app`.

pub mod cli;
pub mod commands;
pub mod http;
pub mod startup;
pub mod telemetry;
