//! Logging via `tracing`, to stderr.

use std::io::IsTerminal;

use tracing_subscriber::{EnvFilter, fmt};

/// Quiet for dependencies, informative for us; `QUOTABOARD_LOG` or `RUST_LOG` override it.
const DEFAULT_FILTER: &str = "info,quotaboard=debug,engine=debug,app=debug,sqlx=warn,tower_http=info,tokio_cron_scheduler=warn";

pub fn init(directives: Option<&str>) {
    let filter = directives
        .map(EnvFilter::new)
        .or_else(|| EnvFilter::try_from_default_env().ok())
        .unwrap_or_else(|| EnvFilter::new(DEFAULT_FILTER));
    // A second init (tests spawn several apps in one process) is harmless.
    let _ = fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .try_init();
}
