//! One polling cycle over the stored keys: pick, poll, check, store.

use std::collections::HashMap;

use chrono::{DateTime, TimeDelta, Utc};
use domain::{KeyId, Vendor};

use super::{PollOutcome, PollTarget, Poller, Progress, plausible};
use crate::{
    Config, Store, forecast,
    secrets::Secrets,
    store::snapshots::{self, NewSnapshot, Outcome},
    team::{self, TeamError},
    vendors::FetchError,
};

/// Rows per transaction: big enough to amortise the commit, small enough that a
/// crash loses at most one batch (which is then simply polled again).
const ROWS_PER_TRANSACTION: usize = 1_000;

/// Which keys a cycle polls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    /// Every enabled key, now (`quotaboard poll --once`, "Poll all now").
    All,
    /// One key, now, whether enabled or not scheduled.
    Key(KeyId),
    /// The keys whose interval has passed since their last poll (the scheduler).
    Due(PollIntervals),
}

/// How often each vendor's keys are polled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PollIntervals {
    pub default: TimeDelta,
    pub ocr_space: TimeDelta,
}

impl PollIntervals {
    pub fn from_config(config: &Config) -> Self {
        Self {
            default: TimeDelta::minutes(i64::from(config.poll_interval_minutes)),
            ocr_space: TimeDelta::minutes(i64::from(config.poll_interval_minutes_ocr_space)),
        }
    }

    fn of(&self, vendor: Option<Vendor>) -> TimeDelta {
        match vendor {
            Some(Vendor::OcrSpace) => self.ocr_space,
            _ => self.default,
        }
    }

    /// Up to a tenth of the interval earlier, fixed per key: keys drift apart instead
    /// of all hitting a vendor in the same second.
    fn due_after(&self, key: KeyId, vendor: Option<Vendor>) -> TimeDelta {
        let interval = self.of(vendor);
        let spread = (interval.num_seconds() / 10).max(1);
        let offset = key.0.wrapping_mul(7_919).rem_euclid(spread);
        interval - TimeDelta::seconds(offset)
    }
}

/// What one cycle did, one line per key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CycleReport {
    pub lines: Vec<CycleLine>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CycleLine {
    pub key_id: KeyId,
    pub label: String,
    pub vendor: Option<Vendor>,
    /// `ok`, `error` or `skipped`.
    pub outcome: &'static str,
    pub attempts: u32,
    /// Used / limit for a success, the error in words otherwise.
    pub summary: String,
    /// How long the poll took, retries included.
    pub duration: std::time::Duration,
}

impl CycleReport {
    pub fn count(&self, outcome: &str) -> usize {
        self.lines
            .iter()
            .filter(|line| line.outcome == outcome)
            .count()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CycleError {
    #[error("cannot read the keys: {0}")]
    Keys(#[from] TeamError),
    #[error("cannot store the snapshots: {0}")]
    Store(#[from] sqlx::Error),
}

/// Polls the selected keys and stores one snapshot per key, failures included.
/// Errors only when the cycle itself cannot happen (the database is unavailable).
pub async fn poll_cycle(
    store: &Store,
    secrets: &Secrets,
    poller: &Poller,
    selection: &Selection,
) -> Result<CycleReport, CycleError> {
    poll_cycle_with_progress(store, secrets, poller, selection, &Progress::default()).await
}

/// [`poll_cycle`], recording each key as it finishes into `progress` (the caller
/// starts and finishes it).
#[tracing::instrument(name = "poll_cycle", skip_all)]
pub async fn poll_cycle_with_progress(
    store: &Store,
    secrets: &Secrets,
    poller: &Poller,
    selection: &Selection,
    progress: &Progress,
) -> Result<CycleReport, CycleError> {
    let now = Utc::now();
    let mut credentials = match selection {
        Selection::Key(id) => vec![(
            *id,
            team::key_credential(store, secrets, &team::Actor::Cli, *id).await,
        )],
        Selection::All | Selection::Due(_) => team::enabled_credentials(store, secrets).await?,
    };
    if let Selection::Due(intervals) = selection {
        let last: HashMap<i64, DateTime<Utc>> = snapshots::last_polled(store.pool())
            .await?
            .into_iter()
            .collect();
        credentials.retain(|(id, credential)| {
            let vendor = credential.as_ref().ok().map(|c| c.vendor());
            last.get(&id.0)
                .is_none_or(|at| now - *at >= intervals.due_after(*id, vendor))
        });
    }

    let mut report = CycleReport::default();
    let mut rows = Vec::with_capacity(credentials.len());
    let mut targets = Vec::with_capacity(credentials.len());
    progress.selected(credentials.len());
    for (id, credential) in credentials {
        match credential {
            Ok(credential) => targets.push(PollTarget {
                key_id: id.0,
                credential,
            }),
            // A key whose secret cannot be opened fails alone, visibly.
            Err(error) => {
                let message = error.to_string();
                let line = CycleLine {
                    key_id: id,
                    label: format!("key {}", id.0),
                    vendor: None,
                    outcome: "error",
                    attempts: 0,
                    summary: message.clone(),
                    duration: std::time::Duration::ZERO,
                };
                progress.key_done(&line);
                report.lines.push(line);
                rows.push(NewSnapshot {
                    key_id: id,
                    polled_at: now,
                    duration_ms: 0,
                    attempts: 0,
                    outcome: Outcome::Error {
                        kind: "secret_unreadable".to_owned(),
                        message,
                    },
                });
            }
        }
    }
    let labels: HashMap<i64, (String, Vendor)> = targets
        .iter()
        .map(|t| {
            (
                t.key_id,
                (t.credential.label().to_owned(), t.credential.vendor()),
            )
        })
        .collect();

    poller
        .poll_each(targets, |outcome| {
            let (label, vendor) = labels.get(&outcome.key_id).cloned().map_or_else(
                || (format!("key {}", outcome.key_id), None),
                |(label, vendor)| (label, Some(vendor)),
            );
            let (row, line) = into_row(outcome, label, vendor);
            progress.key_done(&line);
            report.lines.push(line);
            rows.push(row);
        })
        .await;

    for batch in rows.chunks(ROWS_PER_TRANSACTION) {
        let mut tx = store.pool().begin().await?;
        snapshots::insert_batch(&mut tx, batch).await?;
        tx.commit().await?;
    }
    // The snapshots are stored whatever happens here: a forecast that cannot be
    // worked out now is worked out after the next poll.
    let fresh: Vec<_> = rows
        .iter()
        .filter_map(|row| match &row.outcome {
            Outcome::Ok { reading, .. } => Some((row.key_id, reading.as_ref())),
            _ => None,
        })
        .collect();
    if let Err(error) = forecast::refresh(store, &fresh, Utc::now()).await {
        tracing::warn!(%error, "forecasts not updated");
    }
    report.lines.sort_by_key(|line| line.key_id.0);
    tracing::info!(
        keys = report.lines.len(),
        ok = report.count("ok"),
        failed = report.count("error"),
        skipped = report.count("skipped"),
        "poll cycle stored"
    );
    Ok(report)
}

fn into_row(
    outcome: PollOutcome,
    label: String,
    vendor: Option<Vendor>,
) -> (NewSnapshot, CycleLine) {
    let key_id = KeyId(outcome.key_id);
    let duration_ms = i64::try_from(outcome.duration.as_millis()).unwrap_or(i64::MAX);
    let result = outcome.result.and_then(|fetched| {
        plausible::check(&fetched.reading, outcome.started_at)
            .map(|()| fetched)
            .map_err(|why| FetchError::malformed(format!("implausible figures: {why}")))
    });
    let (stored, summary, label_outcome) = match result {
        Ok(fetched) => {
            let summary = match (fetched.reading.used, fetched.reading.limit) {
                (Some(used), Some(limit)) => format!("{} / {}", used.value, limit.value),
                (Some(used), None) => format!("{} used, no limit known", used.value),
                _ => "no figures".to_owned(),
            };
            (
                Outcome::Ok {
                    reading: Box::new(fetched.reading),
                    raw_reply: fetched.raw,
                },
                summary,
                "ok",
            )
        }
        Err(error) => {
            let kind = serde_json::to_value(error.kind())
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_else(|| "unknown".to_owned());
            let message = error.to_string();
            if outcome.skipped.is_some() {
                (
                    Outcome::Skipped {
                        kind,
                        message: message.clone(),
                    },
                    message,
                    "skipped",
                )
            } else {
                (
                    Outcome::Error {
                        kind,
                        message: message.clone(),
                    },
                    message,
                    "error",
                )
            }
        }
    };
    let row = NewSnapshot {
        key_id,
        polled_at: outcome.started_at,
        duration_ms,
        attempts: i64::from(outcome.attempts),
        outcome: stored,
    };
    let line = CycleLine {
        key_id,
        label,
        vendor,
        outcome: label_outcome,
        attempts: outcome.attempts,
        summary,
        duration: outcome.duration,
    };
    (row, line)
}
