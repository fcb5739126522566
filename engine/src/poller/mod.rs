//! Polling: fetch the usage of many keys politely and resiliently.
//!
//! Bounded concurrency, a per-vendor request rate, a pause after a vendor says "too
//! many requests", and retries with exponential backoff and jitter for transient
//! failures only. Everything here is a plain async function or struct: the scheduler
//! (later) only calls [`Poller::poll`], so tests call it directly.

mod cycle;
mod gate;
mod plan;
mod plausible;
mod progress;
mod retry;
mod run;
mod service;

pub use cycle::{
    CycleError, CycleLine, CycleReport, Selection, poll_cycle, poll_cycle_with_progress,
    wants_close_out,
};
pub use gate::{PauseScope, VendorGate, VendorLimits};
pub use plan::{NextPoll, PollIntervals, PollPlan, is_due};
pub use plausible::check as check_plausible;
pub use progress::{Progress, ProgressState};
pub use retry::RetryPolicy;
pub use run::{PollOutcome, PollTarget, Poller, PollerSettings, Skipped};
pub use service::{PollBusy, PollService, VerifyError};
