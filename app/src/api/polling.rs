//! "Poll now" (editors and admins) and the progress of the running poll (anyone
//! signed in).

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::errors::AppError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PollLineView {
    pub key_id: i64,
    pub label: String,
    /// `ok`, `error` or `skipped`.
    pub outcome: String,
    /// Used / limit, or the failure in words.
    pub summary: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PollProgressView {
    /// A "Poll now" is running.
    pub running: bool,
    /// Some cycle (perhaps the scheduled one) holds the poller.
    pub busy: bool,
    /// Whether a "Poll now" ran since the server started.
    pub any: bool,
    pub started_by: String,
    /// `all` or `key N`.
    pub what: String,
    pub total: usize,
    pub ok: usize,
    pub failed: usize,
    /// Keys done, in the order they finished.
    pub done: Vec<PollLineView>,
    /// The cycle itself failed (database unavailable), in plain words.
    pub failure: Option<String>,
}

/// Polls one key (`key_id`) or every enabled key now, in the background; the answer
/// comes before the polls finish. Refused while another poll runs.
#[server(endpoint = "poll_now")]
pub async fn poll_now(key_id: Option<i64>) -> Result<(), AppError> {
    use engine::{auth::CurrentUser, poller::Selection};

    crate::errors::require(domain::Role::Editor)?;
    let store = expect_context::<engine::Store>();
    let polls = expect_context::<engine::poller::PollService>();
    // Contexts are read before the first await (see `key_overview` for why).
    let by = match use_context::<CurrentUser>() {
        Some(CurrentUser(Some(user))) => user.email.to_string(),
        _ => "someone".to_owned(),
    };
    let selection = match key_id {
        Some(id) => {
            let exists = engine::store::keys::get(store.pool(), domain::KeyId(id))
                .await?
                .is_some();
            if !exists {
                return Err(AppError::Refused(format!("there is no key with id {id}")));
            }
            Selection::Key(domain::KeyId(id))
        }
        None => Selection::All,
    };
    polls
        .start(selection, &by)
        .map_err(|busy| AppError::Refused(busy.to_string()))
}

#[server(endpoint = "poll_progress")]
pub async fn poll_progress() -> Result<PollProgressView, AppError> {
    crate::errors::require(domain::Role::Viewer)?;
    let polls = expect_context::<engine::poller::PollService>();
    let state = polls.progress();
    let done: Vec<PollLineView> = state
        .done
        .iter()
        .map(|line| PollLineView {
            key_id: line.key_id.0,
            label: line.label.clone(),
            outcome: line.outcome.to_owned(),
            summary: line.summary.clone(),
        })
        .collect();
    Ok(PollProgressView {
        running: state.running(),
        busy: polls.is_running(),
        any: state.started_at.is_some(),
        started_by: state.started_by,
        what: state.what,
        total: state.total,
        ok: done.iter().filter(|l| l.outcome == "ok").count(),
        failed: done.iter().filter(|l| l.outcome != "ok").count(),
        done,
        failure: state
            .failed
            .map(|_| "the poll could not run; see the server log".to_owned()),
    })
}
