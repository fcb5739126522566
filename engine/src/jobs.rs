//! Background jobs on cron schedules (seconds first: `0 */15 * * * *`).
//!
//! A job is a plain async function; the scheduler only calls it. A start that finds
//! the previous run of the same job still going is skipped and logged, never stacked:
//! a slow vendor must not turn into two polls of every key at once.

use std::{
    future::Future,
    pin::Pin,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
};

use tokio::sync::{Mutex, OwnedMutexGuard};
use tokio_cron_scheduler::{Job, JobScheduler, JobSchedulerError};

pub type JobFuture = Pin<Box<dyn Future<Output = ()> + Send>>;
pub type JobFn = Arc<dyn Fn() -> JobFuture + Send + Sync>;

/// One job and when it runs. An empty schedule turns it off.
#[derive(Clone)]
pub struct JobSpec {
    pub name: &'static str,
    pub schedule: String,
    pub run: JobFn,
}

#[derive(Debug, thiserror::Error)]
pub enum JobError {
    #[error(
        "job `{job}`: invalid schedule `{schedule}` (six cron fields, seconds first, e.g. `0 */15 * * * *`): {source}"
    )]
    Schedule {
        job: &'static str,
        schedule: String,
        source: JobSchedulerError,
    },
    #[error("cannot start the job scheduler: {0}")]
    Scheduler(#[from] JobSchedulerError),
}

/// Runs a job's future unless the previous one is still running. Shared by the
/// scheduled job and anything else that must not overlap it ("Poll now").
#[derive(Debug, Default)]
pub struct Exclusive {
    running: Arc<Mutex<()>>,
    started: AtomicU64,
    skipped: AtomicU64,
}

/// Held while a run goes on; dropping it lets the next one start.
#[derive(Debug)]
pub struct Running {
    _held: OwnedMutexGuard<()>,
}

impl Exclusive {
    /// `None` when the previous run still holds the job.
    pub async fn run<F: Future>(&self, name: &str, job: F) -> Option<F::Output> {
        let _running = self.try_start(name)?;
        Some(job.await)
    }

    /// Claims the job for a run that goes on elsewhere (a spawned task), or `None`
    /// (logged and counted as skipped) when a run is still going.
    pub fn try_start(&self, name: &str) -> Option<Running> {
        let Ok(running) = self.running.clone().try_lock_owned() else {
            self.skipped.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(
                job = name,
                "previous run still going: this start is skipped"
            );
            return None;
        };
        self.started.fetch_add(1, Ordering::Relaxed);
        Some(Running { _held: running })
    }

    /// Whether a run is going on right now.
    pub fn is_running(&self) -> bool {
        self.running.try_lock().is_err()
    }

    pub fn started(&self) -> u64 {
        self.started.load(Ordering::Relaxed)
    }

    pub fn skipped(&self) -> u64 {
        self.skipped.load(Ordering::Relaxed)
    }
}

/// The running scheduler; stops ticking when shut down or dropped with the runtime.
pub struct Scheduler {
    inner: JobScheduler,
    guards: Vec<(&'static str, Arc<Exclusive>)>,
}

impl Scheduler {
    /// Schedules every job with a non-empty schedule and starts ticking.
    pub async fn start(jobs: Vec<JobSpec>) -> Result<Self, JobError> {
        let inner = JobScheduler::new().await?;
        let mut guards = Vec::new();
        for spec in jobs {
            let schedule = spec.schedule.trim().to_owned();
            if schedule.is_empty() {
                tracing::info!(job = spec.name, "no schedule: job turned off");
                continue;
            }
            let guard = Arc::new(Exclusive::default());
            let job = {
                let guard = guard.clone();
                let run = spec.run.clone();
                let name = spec.name;
                Job::new_async(schedule.as_str(), move |_id, _scheduler| {
                    let guard = guard.clone();
                    let run = run.clone();
                    Box::pin(async move {
                        guard.run(name, run()).await;
                    })
                })
            }
            .map_err(|source| JobError::Schedule {
                job: spec.name,
                schedule: schedule.clone(),
                source,
            })?;
            inner.add(job).await?;
            tracing::info!(job = spec.name, %schedule, "job scheduled");
            guards.push((spec.name, guard));
        }
        inner.start().await?;
        Ok(Self { inner, guards })
    }

    /// Start and skip counts of a job, for tests and the status page.
    pub fn guard(&self, name: &str) -> Option<&Exclusive> {
        self.guards
            .iter()
            .find(|(job, _)| *job == name)
            .map(|(_, guard)| guard.as_ref())
    }

    pub async fn shutdown(mut self) -> Result<(), JobError> {
        self.inner.shutdown().await?;
        Ok(())
    }
}
