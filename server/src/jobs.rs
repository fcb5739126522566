//! The background jobs the server runs, built from the configuration.

use std::sync::Arc;

use engine::{
    Config, Store,
    alerts::AlertSettings,
    jobs::JobSpec,
    poller::{PollIntervals, Poller, PollerSettings, Selection, poll_cycle},
    secrets::Secrets,
    vendors::{ClientSettings, VendorClient},
};

/// The poller, evaluating alerts after every stored batch.
pub fn poller_from_config(config: &Config, alerts: AlertSettings) -> anyhow::Result<Poller> {
    let client = VendorClient::new(ClientSettings::default())?;
    Ok(Poller::new(
        client,
        PollerSettings {
            concurrency: config.poll_concurrency,
            ..PollerSettings::default()
        },
    )
    .with_alerts(alerts))
}

/// Every tick polls the keys that are due; a tick that finds the previous cycle
/// still running is skipped by the scheduler.
pub fn poll_job(config: &Config, store: Store, secrets: Secrets, poller: Poller) -> JobSpec {
    let intervals = PollIntervals::from_config(config);
    JobSpec {
        name: "poll",
        schedule: config.poll_schedule.clone(),
        run: Arc::new(move || {
            let (store, secrets, poller) = (store.clone(), secrets.clone(), poller.clone());
            let selection = Selection::Due(intervals.clone());
            Box::pin(async move {
                if let Err(error) = poll_cycle(&store, &secrets, &poller, &selection).await {
                    tracing::error!(%error, "poll cycle failed");
                }
            })
        }),
    }
}
