//! The command line. Settings come from `engine::Config` (environment and file), not
//! flags, so the server, the CLI and the tests read them one way. The simulator is a
//! development tool with its own flags.

use std::net::SocketAddr;

use clap::{Args, Parser, Subcommand};

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
    /// Serve the vendor simulator: OCR.space, StructOCR and Plate Recognizer (cloud
    /// and SDK) usage APIs on one port, with `fault-…` keys injecting failures.
    Simulate(SimulateArgs),
}

#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// Address to serve on; port 0 picks a free one.
    #[arg(long, default_value = "127.0.0.1:4010")]
    pub addr: SocketAddr,
    /// Delay added before every answer, in milliseconds (for benchmarks).
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simulate_flags_parse() {
        let cli = Cli::try_parse_from([
            "quotaboard",
            "simulate",
            "--addr",
            "127.0.0.1:0",
            "--latency-ms",
            "25",
        ])
        .expect("parses");
        let Some(Command::Simulate(args)) = cli.command else {
            panic!("simulate expected");
        };
        assert_eq!(args.addr.port(), 0);
        assert_eq!(args.latency_ms, 25);
        let cli = Cli::try_parse_from(["quotaboard", "simulate"]).expect("defaults");
        let Some(Command::Simulate(args)) = cli.command else {
            panic!("simulate expected");
        };
        assert_eq!(args.addr.to_string(), "127.0.0.1:4010");
    }
}
