//! The command line. Settings come from `engine::Config` (environment and file), not
//! flags, so the server, the CLI and the tests read them one way. The simulator is a
//! development tool with its own flags.

use std::net::SocketAddr;

use clap::{Args, Parser, Subcommand};
use domain::Role;

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
    /// Manage users (the first admin, automation).
    #[command(subcommand)]
    User(UserCommand),
    /// Manage vendor API keys. Secrets are read from stdin, never from flags
    /// (flags show up in `ps` and shell history).
    #[command(subcommand)]
    Key(KeyCommand),
    /// Poll keys now and print what happened (exits non-zero only when the poll
    /// itself cannot run, not when a vendor fails).
    Poll(PollArgs),
    /// Run the app against the built-in vendor simulator with demo keys, in its own
    /// data directory (`./demo-data`): live charts without a single real key.
    Demo(DemoArgs),
    /// Re-encrypt every stored secret under a new master key (file-based key only).
    /// Safe to run again after an interruption: it finishes the job.
    RotateMasterKey,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a user; the password is read from stdin.
    Add(UserAddArgs),
    /// List users.
    List,
}

#[derive(Debug, Args)]
pub struct UserAddArgs {
    #[arg(long)]
    pub email: String,
    /// admin, editor or viewer.
    #[arg(long)]
    pub role: Role,
    /// Read the password from stdin (required: there is no other way to pass it).
    #[arg(long, required = true)]
    pub password_stdin: bool,
}

#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Add a vendor key; the secret is read from stdin.
    Add(KeyAddArgs),
    /// List keys with masked secrets.
    List,
}

#[derive(Debug, Args)]
pub struct KeyAddArgs {
    /// ocr-space, structocr, platerecognizer or platerecognizer-sdk.
    #[arg(long)]
    pub vendor: String,
    #[arg(long)]
    pub label: String,
    /// Read the secret from stdin (required; may be empty for platerecognizer-sdk).
    #[arg(long, required = true)]
    pub secret_stdin: bool,
    #[arg(long)]
    pub base_url: Option<String>,
    /// Monthly request limit, for vendors that do not report one (OCR.space).
    #[arg(long)]
    pub limit: Option<String>,
    /// Team or owner tag.
    #[arg(long)]
    pub owner: Option<String>,
}

#[derive(Debug, Args)]
pub struct PollArgs {
    /// Poll once and exit (the only mode: the server polls on its schedule).
    #[arg(long, required = true)]
    pub once: bool,
    /// Only this key (its id, from `quotaboard key list`).
    #[arg(long)]
    pub key: Option<i64>,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Where the demo keeps its database, apart from real data.
    #[arg(long, default_value = "demo-data")]
    pub data_dir: std::path::PathBuf,
    /// Where the in-process vendor simulator listens. Demo keys store this address,
    /// so keep it the same between runs.
    #[arg(long, default_value = "127.0.0.1:4010")]
    pub simulator_addr: SocketAddr,
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
    fn user_and_key_commands_parse() {
        let cli = Cli::try_parse_from([
            "quotaboard",
            "user",
            "add",
            "--email",
            "a@b.c",
            "--role",
            "admin",
            "--password-stdin",
        ])
        .expect("parses");
        let Some(Command::User(UserCommand::Add(args))) = cli.command else {
            panic!("user add expected");
        };
        assert_eq!(args.role, Role::Admin);
        assert!(
            Cli::try_parse_from([
                "quotaboard",
                "user",
                "add",
                "--email",
                "a@b.c",
                "--role",
                "admin"
            ])
            .is_err(),
            "--password-stdin is required"
        );
        assert!(
            Cli::try_parse_from([
                "quotaboard",
                "key",
                "add",
                "--vendor",
                "structocr",
                "--label",
                "x",
                "--secret-stdin",
                "--limit",
                "5"
            ])
            .is_ok()
        );
        assert!(Cli::try_parse_from(["quotaboard", "rotate-master-key"]).is_ok());
    }

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
