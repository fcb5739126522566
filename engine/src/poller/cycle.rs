//! One polling cycle over the stored keys: pick, poll, check, store.
//!
//! Outcomes are stored as they arrive: a writer task takes them over a bounded
//! channel and commits every `ROWS_PER_TRANSACTION` rows, so memory stays flat however
//! many keys a cycle polls and a crash loses at most the batch being written.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Datelike, TimeDelta, Utc};
use domain::{KeyId, Vendor};
use futures_util::StreamExt;
use tokio::sync::mpsc;

use super::{PollIntervals, PollOutcome, PollTarget, Poller, Progress, is_due, plausible};
use crate::{
    Store,
    alerts::{self, AlertSettings},
    forecast,
    secrets::Secrets,
    store::{
        accounts,
        closeouts::{self, NewCloseout},
        keys,
        snapshots::{self, NewSnapshot, Outcome},
    },
    team::{self, TeamError},
    vendors::{FetchError, Fetched},
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
    /// The keys whose time slot has come since their last poll (the scheduler).
    Due(PollIntervals),
}

/// Whether an OCR.space poll also asks for last month's final figures: on the 1st
/// and 2nd (OCR.space counts up to the end of yesterday, and may still be counting
/// the month's last day early on the 1st; a later fetch replaces an earlier one),
/// and on any later day while the closed month has no figures yet (the server was
/// down on the 1st, or the key was added since).
pub fn wants_close_out(now: DateTime<Utc>, already_closed: bool) -> bool {
    now.day() <= 2 || !already_closed
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
    #[error("the snapshot writer stopped unexpectedly")]
    Writer,
}

/// What the writer stores for one key.
struct Stored {
    snapshot: NewSnapshot,
    closeout: Option<NewCloseout>,
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
        let own: HashMap<i64, i64> = keys::poll_interval_overrides(store.pool())
            .await?
            .into_iter()
            .collect();
        credentials.retain(|(id, credential)| {
            let vendor = credential.as_ref().ok().map(|c| c.vendor());
            let interval = intervals.for_key(vendor, own.get(&id.0).copied());
            is_due(*id, interval, last.get(&id.0).copied(), now)
        });
    }
    let closed_period = month_start(now) - TimeDelta::days(1);
    let closed: HashSet<i64> = closeouts::keys_closed(store.pool(), month_start(closed_period))
        .await?
        .into_iter()
        .collect();

    let (sender, receiver) = mpsc::channel::<Stored>(ROWS_PER_TRANSACTION);
    let writer = tokio::spawn(write_batches(
        store.clone(),
        poller.alerts().cloned(),
        receiver,
    ));
    let mut report = CycleReport::default();
    let mut targets = Vec::with_capacity(credentials.len());
    let mut labels: HashMap<i64, (String, Vendor)> = HashMap::with_capacity(credentials.len());
    let mut writer_gone = false;
    progress.selected(credentials.len());
    for (id, credential) in credentials {
        match credential {
            Ok(credential) => {
                labels.insert(id.0, (credential.label().to_owned(), credential.vendor()));
                let close_out = credential.vendor() == Vendor::OcrSpace
                    && wants_close_out(now, closed.contains(&id.0));
                targets.push(PollTarget {
                    key_id: id.0,
                    credential,
                    close_out,
                });
            }
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
                let snapshot = NewSnapshot {
                    key_id: id,
                    polled_at: now,
                    duration_ms: 0,
                    attempts: 0,
                    outcome: Outcome::Error {
                        kind: "secret_unreadable".to_owned(),
                        message,
                    },
                };
                writer_gone |= sender
                    .send(Stored {
                        snapshot,
                        closeout: None,
                    })
                    .await
                    .is_err();
            }
        }
    }

    let mut outcomes = std::pin::pin!(poller.poll_stream(targets));
    while !writer_gone && let Some(outcome) = outcomes.next().await {
        let (label, vendor) = labels.remove(&outcome.key_id).map_or_else(
            || (format!("key {}", outcome.key_id), None),
            |(label, vendor)| (label, Some(vendor)),
        );
        let (stored, line) = into_row(outcome, label, vendor);
        progress.key_done(&line);
        report.lines.push(line);
        // Fails only when the writer stopped on an error, reported below.
        writer_gone = sender.send(stored).await.is_err();
    }
    drop(sender);
    writer.await.map_err(|_| CycleError::Writer)??;

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

/// Stores what arrives in batches, one transaction each; the last batch when the
/// cycle ends. Stops at the first database error (the cycle then fails).
async fn write_batches(
    store: Store,
    alerts: Option<AlertSettings>,
    mut receiver: mpsc::Receiver<Stored>,
) -> Result<(), sqlx::Error> {
    let mut rows = Vec::with_capacity(ROWS_PER_TRANSACTION);
    let mut closed = Vec::new();
    loop {
        let Some(stored) = receiver.recv().await else {
            break;
        };
        rows.push(stored.snapshot);
        closed.extend(stored.closeout);
        if rows.len() >= ROWS_PER_TRANSACTION {
            write(&store, alerts.as_ref(), &rows, &closed).await?;
            rows.clear();
            closed.clear();
        }
    }
    if !rows.is_empty() {
        write(&store, alerts.as_ref(), &rows, &closed).await?;
    }
    Ok(())
}

async fn write(
    store: &Store,
    alerts: Option<&AlertSettings>,
    rows: &[NewSnapshot],
    closed: &[NewCloseout],
) -> Result<(), sqlx::Error> {
    let mut tx = store.pool().begin().await?;
    snapshots::insert_batch(&mut tx, rows).await?;
    accounts::record(&mut tx, rows).await?;
    closeouts::upsert(&mut tx, closed).await?;
    tx.commit().await?;
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
    // Alerts last, so the forecast rule reads this batch's forecasts. A failed
    // evaluation loses nothing: the next one starts from the stored alert states.
    if let Some(alerts) = alerts {
        let keys: Vec<KeyId> = rows.iter().map(|row| row.key_id).collect();
        if let Err(error) = alerts::evaluate(store, alerts, &keys, Utc::now()).await {
            tracing::error!(%error, "alert evaluation failed");
        }
    }
    Ok(())
}

fn month_start(at: DateTime<Utc>) -> DateTime<Utc> {
    at.date_naive()
        .with_day(1)
        .unwrap_or(at.date_naive())
        .and_hms_opt(0, 0, 0)
        .map_or(at, |start| start.and_utc())
}

fn checked(fetched: Fetched, at: DateTime<Utc>) -> Result<Fetched, FetchError> {
    plausible::check(&fetched.reading, at)
        .map(|()| fetched)
        .map_err(|why| FetchError::malformed(format!("implausible figures: {why}")))
}

fn into_row(outcome: PollOutcome, label: String, vendor: Option<Vendor>) -> (Stored, CycleLine) {
    let key_id = KeyId(outcome.key_id);
    let duration_ms = i64::try_from(outcome.duration.as_millis()).unwrap_or(i64::MAX);
    let closeout = outcome.close_out.and_then(|result| {
        match result.and_then(|fetched| checked(fetched, outcome.started_at)) {
            Ok(fetched) => closeout_row(key_id, fetched, outcome.started_at),
            Err(error) => {
                tracing::warn!(key_id = key_id.0, kind = ?error.kind(), %error, "last month's close-out failed; retried on the next poll");
                None
            }
        }
    });
    let result = outcome
        .result
        .and_then(|fetched| checked(fetched, outcome.started_at));
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
    let snapshot = NewSnapshot {
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
    (Stored { snapshot, closeout }, line)
}

/// A close-out reading as the closed period's final figures.
fn closeout_row(key_id: KeyId, fetched: Fetched, at: DateTime<Utc>) -> Option<NewCloseout> {
    let reading = fetched.reading;
    Some(NewCloseout {
        key_id,
        period_start: reading.period_start?.value,
        period_end: reading.resets_on?.value,
        used: i64::try_from(reading.used?.value).unwrap_or(i64::MAX),
        limit: reading
            .limit
            .map(|l| i64::try_from(l.value).unwrap_or(i64::MAX)),
        fetched_at: at,
        raw_reply: fetched.raw,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().expect("date")
    }

    #[test]
    fn close_out_on_the_first_two_days_and_whenever_missing() {
        assert!(wants_close_out(at("2026-12-01T00:05:00Z"), true));
        assert!(wants_close_out(at("2026-12-02T23:00:00Z"), true));
        assert!(!wants_close_out(at("2026-12-03T00:00:00Z"), true));
        assert!(wants_close_out(at("2026-12-17T00:00:00Z"), false));
    }

    #[test]
    fn month_start_is_midnight_on_the_first() {
        assert_eq!(
            month_start(at("2026-03-31T13:00:00Z")),
            at("2026-03-01T00:00:00Z")
        );
    }
}
