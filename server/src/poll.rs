//! `quotaboard poll --once`: one polling cycle from the command line.

use anyhow::Context;
use domain::KeyId;
use engine::{
    Config, Store,
    alerts::AlertSettings,
    poller::{Selection, poll_cycle},
    secrets::Secrets,
};

use crate::{cli::PollArgs, jobs::poller_from_config};

pub async fn poll(config: &Config, args: PollArgs) -> anyhow::Result<()> {
    let store = Store::open(config)
        .await
        .with_context(|| format!("opening the database {}", config.effective_database_url()))?;
    let secrets = Secrets::load(config, &store).await?;
    // E-mail decided here waits in the outbox for the server's worker.
    let poller = poller_from_config(config, AlertSettings::from_config(config))?;
    let selection = args
        .key
        .map_or(Selection::All, |id| Selection::Key(KeyId(id)));
    let report = poll_cycle(&store, &secrets, &poller, &selection).await?;

    println!(
        "{:>5}  {:<20}  {:<24}  {:<7}  {:>8}  RESULT",
        "KEY", "VENDOR", "LABEL", "OUTCOME", "ATTEMPTS"
    );
    for line in &report.lines {
        println!(
            "{:>5}  {:<20}  {:<24}  {:<7}  {:>8}  {}",
            line.key_id.0,
            line.vendor.map_or("?", |vendor| vendor.slug()),
            line.label,
            line.outcome,
            line.attempts,
            line.summary
        );
    }
    println!(
        "{} keys: {} ok, {} failed, {} skipped",
        report.lines.len(),
        report.count("ok"),
        report.count("error"),
        report.count("skipped")
    );
    store.close().await;
    Ok(())
}
