//! The running app's one way to poll: the scheduled job and "Poll now" share one
//! guard, so a cycle never overlaps another, whoever started it.

use std::sync::Arc;

use chrono::Utc;

use super::{
    CycleError, CycleReport, Poller, Progress, ProgressState, Selection, poll_cycle_with_progress,
};
use crate::{
    Store,
    jobs::{Exclusive, Running},
    metrics::PollMetrics,
    secrets::Secrets,
};

/// The guard's name in logs.
const JOB: &str = "poll";

#[derive(Clone)]
pub struct PollService {
    store: Store,
    secrets: Secrets,
    poller: Poller,
    guard: Arc<Exclusive>,
    /// The last "Poll now" (scheduled cycles, mostly a handful of due keys, do not
    /// overwrite it).
    progress: Progress,
    metrics: PollMetrics,
}

/// "Poll now" found a cycle still running.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a poll is already running; try again when it has finished")]
pub struct PollBusy;

impl PollService {
    pub fn new(store: Store, secrets: Secrets, poller: Poller) -> Self {
        Self {
            store,
            secrets,
            poller,
            guard: Arc::new(Exclusive::default()),
            progress: Progress::default(),
            metrics: PollMetrics::default(),
        }
    }

    /// The scheduled job's body: `None` (logged) when a cycle is still running.
    pub async fn run_scheduled(
        &self,
        selection: &Selection,
    ) -> Option<Result<CycleReport, CycleError>> {
        let running = self.guard.try_start(JOB)?;
        Some(self.run(selection, &Progress::default(), running).await)
    }

    /// Starts a cycle in the background and returns at once; its progress is in
    /// [`PollService::progress`]. `by` names who asked, for the UI and the log.
    pub fn start(&self, selection: Selection, by: &str) -> Result<(), PollBusy> {
        let running = self.guard.try_start(JOB).ok_or(PollBusy)?;
        let what = match &selection {
            Selection::Key(id) => format!("key {}", id.0),
            Selection::All | Selection::Due(_) => "all".to_owned(),
        };
        tracing::info!(by, what, "poll now");
        self.progress.start(by, &what, Utc::now());
        let this = self.clone();
        tokio::spawn(async move {
            let progress = this.progress.clone();
            if let Err(error) = this.run(&selection, &progress, running).await {
                tracing::error!(%error, "poll now failed");
            }
        });
        Ok(())
    }

    async fn run(
        &self,
        selection: &Selection,
        progress: &Progress,
        _running: Running,
    ) -> Result<CycleReport, CycleError> {
        let result = poll_cycle_with_progress(
            &self.store,
            &self.secrets,
            &self.poller,
            selection,
            progress,
        )
        .await;
        progress.finish(result.as_ref().err().map(ToString::to_string), Utc::now());
        if let Ok(report) = &result {
            self.metrics.record(report);
        }
        result
    }

    /// The last "Poll now": running or finished, which keys are done.
    pub fn progress(&self) -> ProgressState {
        self.progress.snapshot()
    }

    /// Whether any cycle (scheduled or not) is running now.
    pub fn is_running(&self) -> bool {
        self.guard.is_running()
    }

    /// Poll counters and durations, for `/metrics`.
    pub fn metrics(&self) -> &PollMetrics {
        &self.metrics
    }

    pub fn guard(&self) -> &Exclusive {
        &self.guard
    }
}
