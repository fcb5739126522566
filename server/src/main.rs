use std::process::ExitCode;

use clap::Parser;
use quotaboard::{
    cli::{Cli, Command, SimulateArgs},
    startup::Application,
    telemetry,
};

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match engine::Config::load() {
        Ok(config) => config,
        Err(error) => {
            eprintln!("quotaboard: {error}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(config.log.as_deref());

    let result = match cli.command.unwrap_or_default() {
        Command::Serve => serve(config).await,
        Command::Simulate(args) => simulate(args).await,
        Command::User(command) => quotaboard::commands::user(&config, command).await,
        Command::Key(command) => quotaboard::commands::key(&config, command).await,
        Command::RotateMasterKey => quotaboard::commands::rotate(&config).await,
        Command::Poll(args) => quotaboard::poll::poll(&config, args).await,
        Command::Demo(args) => quotaboard::demo::demo(config, args).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!("{error:#}");
            eprintln!("quotaboard: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(config: engine::Config) -> anyhow::Result<()> {
    let app = Application::build(config).await?;
    app.run_until_stopped(quotaboard::startup::shutdown_signal())
        .await
}

async fn simulate(args: SimulateArgs) -> anyhow::Result<()> {
    let options = simulator::SimulatorOptions {
        addr: args.addr,
        latency: std::time::Duration::from_millis(args.latency_ms),
        ..simulator::SimulatorOptions::default()
    };
    simulator::run(options, quotaboard::startup::shutdown_signal()).await?;
    Ok(())
}
