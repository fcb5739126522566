//! What the running (or last) poll cycle has done so far, for "Poll now" in the UI:
//! which keys are done, which failed, how many are left.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};

use super::CycleLine;

/// Shared between the cycle that records and the pages that read.
#[derive(Debug, Clone, Default)]
pub struct Progress {
    state: Arc<Mutex<ProgressState>>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProgressState {
    /// Who or what started it: `scheduled`, or the user who pressed "Poll now".
    pub started_by: String,
    /// `all` or the key polled.
    pub what: String,
    pub started_at: Option<DateTime<Utc>>,
    /// `None` while it runs.
    pub finished_at: Option<DateTime<Utc>>,
    /// Keys selected: known when the cycle starts for "Poll now"; a scheduled cycle
    /// adds the due keys as it reads them.
    pub total: usize,
    /// One line per key done, in the order they finished.
    pub done: Vec<CycleLine>,
    /// Set when the cycle itself failed (the database was unavailable).
    pub failed: Option<String>,
}

impl ProgressState {
    pub fn running(&self) -> bool {
        self.started_at.is_some() && self.finished_at.is_none()
    }
}

impl Progress {
    pub fn snapshot(&self) -> ProgressState {
        self.state.lock().map(|s| s.clone()).unwrap_or_default()
    }

    fn update(&self, change: impl FnOnce(&mut ProgressState)) {
        if let Ok(mut state) = self.state.lock() {
            change(&mut state);
        }
    }

    pub fn start(&self, started_by: &str, what: &str, now: DateTime<Utc>) {
        self.update(|state| {
            *state = ProgressState {
                started_by: started_by.to_owned(),
                what: what.to_owned(),
                started_at: Some(now),
                ..ProgressState::default()
            };
        });
    }

    pub(crate) fn selected(&self, total: usize) {
        self.update(|state| state.total = total);
    }

    /// More keys picked (a scheduled cycle knows which keys are due as it reads them).
    pub(crate) fn add_selected(&self, more: usize) {
        self.update(|state| state.total += more);
    }

    pub(crate) fn key_done(&self, line: &CycleLine) {
        self.update(|state| state.done.push(line.clone()));
    }

    pub fn finish(&self, failed: Option<String>, now: DateTime<Utc>) {
        self.update(|state| {
            state.finished_at = Some(now);
            state.failed = failed;
        });
    }
}
