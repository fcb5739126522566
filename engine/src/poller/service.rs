//! The running app's one way to poll: the scheduled job and "Poll now" share one
//! guard, so a cycle never overlaps another, whoever started it.

use std::sync::Arc;

use chrono::Utc;
use domain::{KeyId, Role};

use super::{
    CycleError, CycleLine, CycleReport, PollPlan, Poller, Progress, ProgressState, Selection,
    poll_cycle, poll_cycle_with_progress,
};
use crate::{
    Store,
    auth::Forbidden,
    jobs::{Exclusive, Running},
    metrics::PollMetrics,
    secrets::Secrets,
    team::{self, Actor, TeamError},
};

/// The guard's name in logs.
const JOB: &str = "poll";

#[derive(Clone)]
pub struct PollService {
    store: Store,
    secrets: Secrets,
    poller: Poller,
    plan: PollPlan,
    guard: Arc<Exclusive>,
    /// The last "Poll now" (scheduled cycles, mostly a handful of due keys, do not
    /// overwrite it).
    progress: Progress,
    metrics: PollMetrics,
}

/// Why "Verify now" could not produce an answer (a vendor error is an answer: it
/// comes back as the line's outcome, in plain words).
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error(transparent)]
    Team(#[from] TeamError),
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    #[error(transparent)]
    Cycle(#[from] CycleError),
    #[error("the poll ended without an answer for this key")]
    NoAnswer,
}

/// "Poll now" found a cycle still running.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a poll is already running; try again when it has finished")]
pub struct PollBusy;

impl PollService {
    pub fn new(store: Store, secrets: Secrets, poller: Poller, plan: PollPlan) -> Self {
        Self {
            store,
            secrets,
            poller,
            plan,
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

    /// "Verify now" on the Keys page: polls one key at once, waits for the answer and
    /// stores it like any poll (so the key's status and alerts follow). It does not
    /// take the cycle guard: one key is a bounded amount of work, and the person who
    /// just added a key should not wait for a long cycle to finish. The per-vendor
    /// rate limit and any 429 pause still apply, as they live in the shared poller.
    pub async fn verify(&self, actor: &Actor, id: KeyId) -> Result<CycleLine, VerifyError> {
        actor.require(Role::Editor)?;
        // Existence and role first, so a missing key is "not found", not a poll error.
        team::key_summary(&self.store, actor, id).await?;
        let report = poll_cycle(
            &self.store,
            &self.secrets,
            &self.poller,
            &Selection::Key(id),
        )
        .await?;
        self.metrics.record(&report);
        let line = report
            .lines
            .into_iter()
            .next()
            .ok_or(VerifyError::NoAnswer)?;
        tracing::info!(key_id = id.0, outcome = line.outcome, "key verified");
        Ok(line)
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

    /// The schedule's settings, for "next poll" on the pages.
    pub fn plan(&self) -> &PollPlan {
        &self.plan
    }

    pub fn guard(&self) -> &Exclusive {
        &self.guard
    }
}
