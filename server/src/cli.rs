//! The command line. Settings come from `engine::Config` (environment and file), not
//! flags, so the server, the CLI and the tests read them one way.

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "quotaboard",
    version,
    about = "Watch API quota of OCR and licence-plate vendors"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Default, Subcommand)]
pub enum Command {
    /// Run the web app (the default).
    #[default]
    Serve,
}
