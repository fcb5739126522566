//! The background jobs the server runs, built from the configuration.

use std::sync::Arc;

use chrono::Utc;
use engine::{
    Config, Store,
    alerts::AlertSettings,
    auth::SessionSettings,
    history::{Retention, maintain},
    jobs::JobSpec,
    poller::{PollService, Poller, PollerSettings, Selection},
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

/// Every tick polls the keys that are due. A tick that finds a cycle still running
/// (a scheduled one, or "Poll now") is skipped and logged by the shared guard.
pub fn poll_job(config: &Config, polls: PollService) -> JobSpec {
    let intervals = polls.plan().intervals().clone();
    JobSpec {
        name: "poll",
        schedule: config.poll_schedule.clone(),
        run: Arc::new(move || {
            let polls = polls.clone();
            let selection = Selection::Due(intervals.clone());
            Box::pin(async move {
                if let Some(Err(error)) = polls.run_scheduled(&selection).await {
                    tracing::error!(%error, "poll cycle failed");
                }
            })
        }),
    }
}

/// Deletes expired sessions and login attempts too old to count, so neither table
/// grows for ever.
pub fn session_prune_job(config: &Config, store: Store) -> JobSpec {
    let settings = SessionSettings::from_config(config);
    JobSpec {
        name: "session-prune",
        schedule: config.session_prune_schedule.clone(),
        run: Arc::new(move || {
            let store = store.clone();
            Box::pin(async move {
                match engine::auth::prune(&store, &settings, Utc::now()).await {
                    Ok(()) => tracing::debug!("expired sessions pruned"),
                    Err(error) => tracing::error!(%error, "pruning sessions failed"),
                }
            })
        }),
    }
}

/// Rolls new snapshots into the hourly and daily rollups, then deletes what is past
/// its retention, on its own schedule (`rollup_schedule`).
pub fn history_job(config: &Config, store: Store) -> JobSpec {
    let retention = Retention::from_config(config);
    JobSpec {
        name: "history",
        schedule: config.rollup_schedule.clone(),
        run: Arc::new(move || {
            let store = store.clone();
            Box::pin(async move {
                if let Err(error) = maintain(&store, &retention, Utc::now()).await {
                    tracing::error!(%error, "rollup and retention run failed");
                }
            })
        }),
    }
}
