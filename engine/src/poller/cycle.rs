//! One polling cycle over the stored keys: pick, poll, check, store.
//!
//! A cycle is a pipeline, so no stage waits for the previous one to finish:
//!
//! 1. *Read*: a reader task reads the enabled keys a page at a time (in id order,
//!    each page one short query), picks the due ones when the scheduler asks,
//!    decrypts them and hands them over a bounded channel. Requests start as soon
//!    as the first page is there, and the reader never runs more than a page or two
//!    ahead of them. (How many keys "Poll now" polls is counted before, for its
//!    progress.)
//! 3. *Poll*: at most `concurrency` keys in flight ([`Poller`]'s rules apply).
//! 4. *Store*: a writer task takes the outcomes over a bounded channel and commits
//!    every `ROWS_PER_TRANSACTION` rows, one transaction per batch, while the polls
//!    go on. When only the last wave of requests is left, it commits what it has, so
//!    that after the last reply only that wave is left to write.
//!
//! Memory stays flat however many keys a cycle polls, and a crash loses at most the
//! batch being written (which is then simply polled again).

use std::{
    collections::HashSet,
    sync::atomic::{AtomicBool, Ordering},
    task::Poll,
};

use chrono::{DateTime, Datelike, TimeDelta, Utc};
use domain::{KeyId, Vendor};
use futures_util::{StreamExt, stream};
use tokio::{sync::mpsc, task::JoinHandle};

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
    team::{self, Actor, TeamError},
    vendors::{Credential, FetchError, Fetched},
};

/// Rows per transaction: big enough to amortise the commit, small enough that a
/// crash loses at most one batch (which is then simply polled again).
const ROWS_PER_TRANSACTION: usize = 1_000;

/// Keys read and decrypted per query. The reader's channel holds as many again, so
/// it stays ahead of the requests without holding the whole selection.
const KEYS_PER_PAGE: usize = 256;

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
    #[error("the key reader stopped unexpectedly")]
    Reader,
}

/// What the reader reads.
enum Chosen {
    /// One key by id, enabled or not ("Verify now", `poll --key`).
    One(KeyId),
    /// Every enabled key, or only the due ones.
    Enabled { due: Option<PollIntervals> },
}

/// A key read by the reader, on its way to the requests.
enum Selected {
    Poll {
        target: PollTarget,
        label: String,
        vendor: Vendor,
    },
    /// Its secret cannot be opened: stored as a failure, nothing sent.
    Unreadable { key_id: KeyId, message: String },
}

/// What the writer stores for one key.
struct Stored {
    snapshot: NewSnapshot,
    closeout: Option<NewCloseout>,
}

/// What the writer is told.
enum ToWriter {
    Row(Stored),
    /// Commit what has arrived so far, without waiting for a full batch.
    Flush,
}

/// A task that stops when its handle is dropped (the cycle was cancelled).
struct AbortOnDrop<T>(JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
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
///
/// Dropping the returned future cancels the cycle: no further key is read or
/// polled, and the outcomes already handed to the writer are still committed.
#[tracing::instrument(name = "poll_cycle", skip_all)]
pub async fn poll_cycle_with_progress(
    store: &Store,
    secrets: &Secrets,
    poller: &Poller,
    selection: &Selection,
    progress: &Progress,
) -> Result<CycleReport, CycleError> {
    let now = Utc::now();
    let chosen = match selection {
        Selection::Key(id) => {
            progress.selected(1);
            Chosen::One(*id)
        }
        Selection::All => {
            let total = keys::count_enabled(store.pool())
                .await
                .map_err(TeamError::from)?;
            progress.selected(usize::try_from(total).unwrap_or(0));
            Chosen::Enabled { due: None }
        }
        // Which keys are due is known once read: the reader counts them as it goes.
        Selection::Due(intervals) => Chosen::Enabled {
            due: Some(intervals.clone()),
        },
    };
    let closed_period = month_start(now) - TimeDelta::days(1);
    let closed: HashSet<i64> = closeouts::keys_closed(store.pool(), month_start(closed_period))
        .await?
        .into_iter()
        .collect();

    let (keys_in, mut keys_out) = mpsc::channel::<Selected>(KEYS_PER_PAGE);
    let mut reader = AbortOnDrop(tokio::spawn(read_keys(
        store.clone(),
        secrets.clone(),
        chosen,
        closed,
        now,
        progress.clone(),
        keys_in,
    )));
    let (rows_in, rows_out) = mpsc::channel::<ToWriter>(ROWS_PER_TRANSACTION);
    let writer = tokio::spawn(write_batches(
        store.clone(),
        poller.alerts().cloned(),
        rows_out,
    ));

    // Set once every key has gone to the requests: what is in flight then is the
    // last wave.
    let all_sent = AtomicBool::new(false);
    let keys = stream::poll_fn(|context| {
        let next = keys_out.poll_recv(context);
        if let Poll::Ready(None) = next {
            all_sent.store(true, Ordering::Relaxed);
        }
        next
    });
    let mut finished = std::pin::pin!(
        keys.map(|selected| poll_selected(poller, selected, now))
            .buffer_unordered(poller.concurrency())
    );
    let mut report = CycleReport::default();
    let mut writer_gone = false;
    let mut flushed = false;
    while !writer_gone && let Some((stored, line)) = finished.next().await {
        progress.key_done(&line);
        report.lines.push(line);
        // Fails only when the writer stopped on an error, reported below.
        writer_gone = rows_in.send(ToWriter::Row(stored)).await.is_err();
        // Only the last wave is in flight: commit what came before it now, while
        // that wave's requests run, so that only the wave is left after the last reply.
        if !flushed && all_sent.load(Ordering::Relaxed) {
            flushed = true;
            writer_gone |= rows_in.send(ToWriter::Flush).await.is_err();
        }
    }
    drop(rows_in);
    writer.await.map_err(|_| CycleError::Writer)??;
    (&mut reader.0).await.map_err(|_| CycleError::Reader)??;
    // Keys deleted after they were picked were not polled.
    progress.selected(report.lines.len());

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

/// Reads the chosen keys a page at a time and hands each over as soon as it is
/// decrypted; due keys are picked before their secret is opened. Stops early,
/// without error, when the cycle stopped listening.
async fn read_keys(
    store: Store,
    secrets: Secrets,
    chosen: Chosen,
    closed: HashSet<i64>,
    now: DateTime<Utc>,
    progress: Progress,
    keys_in: mpsc::Sender<Selected>,
) -> Result<(), TeamError> {
    let hand_over = |id: KeyId, credential: Result<Credential, TeamError>| {
        let selected = match credential {
            Ok(credential) => {
                let vendor = credential.vendor();
                let close_out =
                    vendor == Vendor::OcrSpace && wants_close_out(now, closed.contains(&id.0));
                Selected::Poll {
                    label: credential.label().to_owned(),
                    vendor,
                    target: PollTarget {
                        key_id: id.0,
                        credential,
                        close_out,
                    },
                }
            }
            // A key whose secret cannot be opened fails alone, visibly.
            Err(error) => Selected::Unreadable {
                key_id: id,
                message: error.to_string(),
            },
        };
        keys_in.send(selected)
    };
    match chosen {
        Chosen::One(id) => {
            let credential = team::key_credential(&store, &secrets, &Actor::Cli, id).await;
            // An error here means the cycle stopped listening: nothing left to do.
            let _ = hand_over(id, credential).await;
        }
        Chosen::Enabled { due } => {
            let mut after = i64::MIN;
            loop {
                let page = keys::enabled_page(store.pool(), after, KEYS_PER_PAGE).await?;
                let Some(last) = page.last() else { break };
                after = last.key.row.id;
                let more = page.len() == KEYS_PER_PAGE;
                let picked: Vec<_> = page
                    .into_iter()
                    .filter(|row| {
                        due.as_ref()
                            .is_none_or(|intervals| is_due_row(intervals, row, now))
                    })
                    .collect();
                if due.is_some() {
                    progress.add_selected(picked.len());
                }
                for row in picked {
                    let id = KeyId(row.key.row.id);
                    if hand_over(id, team::keys::credential(&secrets, row.key))
                        .await
                        .is_err()
                    {
                        return Ok(());
                    }
                }
                if !more {
                    break;
                }
            }
        }
    }
    Ok(())
}

/// Whether the scheduler polls this key now: its own interval, or its vendor's (the
/// default one when the stored vendor is unknown).
fn is_due_row(intervals: &PollIntervals, row: &keys::PollRow, now: DateTime<Utc>) -> bool {
    let key = &row.key.row;
    let vendor = key.vendor.parse::<Vendor>().ok();
    let interval = intervals.for_key(vendor, key.poll_interval_minutes);
    is_due(KeyId(key.id), interval, row.last_polled, now)
}

/// Polls one key (or records why it cannot be), ready to store.
async fn poll_selected(
    poller: &Poller,
    selected: Selected,
    now: DateTime<Utc>,
) -> (Stored, CycleLine) {
    match selected {
        Selected::Poll {
            target,
            label,
            vendor,
        } => into_row(poller.poll_one(target).await, label, Some(vendor)),
        Selected::Unreadable { key_id, message } => {
            let line = CycleLine {
                key_id,
                label: format!("key {}", key_id.0),
                vendor: None,
                outcome: "error",
                attempts: 0,
                summary: message.clone(),
                duration: std::time::Duration::ZERO,
            };
            let snapshot = NewSnapshot {
                key_id,
                polled_at: now,
                duration_ms: 0,
                attempts: 0,
                outcome: Outcome::Error {
                    kind: "secret_unreadable".to_owned(),
                    message,
                },
            };
            (
                Stored {
                    snapshot,
                    closeout: None,
                },
                line,
            )
        }
    }
}

/// Stores what arrives in batches, one transaction each: when a batch is full, when
/// told to flush, and the last batch when the cycle ends. Stops at the first
/// database error (the cycle then fails).
async fn write_batches(
    store: Store,
    alerts: Option<AlertSettings>,
    mut receiver: mpsc::Receiver<ToWriter>,
) -> Result<(), sqlx::Error> {
    let mut rows = Vec::with_capacity(ROWS_PER_TRANSACTION);
    let mut closed = Vec::new();
    while let Some(message) = receiver.recv().await {
        let write_now = match message {
            ToWriter::Row(stored) => {
                rows.push(stored.snapshot);
                closed.extend(stored.closeout);
                rows.len() >= ROWS_PER_TRANSACTION
            }
            ToWriter::Flush => !rows.is_empty(),
        };
        if write_now {
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

    /// A store with `n` Plate Recognizer SDK keys (no secret to open).
    async fn store_with_keys(n: usize) -> (tempfile::TempDir, Store, Secrets) {
        let dir = tempfile::tempdir().expect("tempdir");
        let config = crate::Config {
            data_dir: dir.path().to_path_buf(),
            ..crate::Config::default()
        };
        let store = Store::open(&config).await.expect("store");
        let secrets = Secrets::load(&config, &store).await.expect("secrets");
        for i in 0..n {
            let input = team::KeyInput {
                form: domain::KeyForm {
                    vendor: "platerecognizer-sdk".into(),
                    label: format!("camera {i}"),
                    owner_tag: String::new(),
                    base_url: format!("http://127.0.0.1:9/sdk/license-{i}"),
                    monthly_limit: String::new(),
                    poll_interval_minutes: String::new(),
                },
                secret: secrecy::SecretString::from(String::new()),
            };
            team::create_key(&store, &secrets, &Actor::Cli, input, Utc::now())
                .await
                .expect("key");
        }
        (dir, store, secrets)
    }

    fn spawn_reader(
        store: &Store,
        secrets: &Secrets,
        chosen: Chosen,
        progress: &Progress,
        keys_in: mpsc::Sender<Selected>,
    ) -> JoinHandle<Result<(), TeamError>> {
        tokio::spawn(read_keys(
            store.clone(),
            secrets.clone(),
            chosen,
            HashSet::new(),
            Utc::now(),
            progress.clone(),
            keys_in,
        ))
    }

    fn id_of(selected: &Selected) -> i64 {
        match selected {
            Selected::Poll { target, .. } => target.key_id,
            Selected::Unreadable { key_id, .. } => key_id.0,
        }
    }

    #[tokio::test]
    async fn the_reader_hands_over_every_key_in_order_and_stays_only_a_little_ahead() {
        // Three pages and a bit.
        let keys = 3 * KEYS_PER_PAGE + 10;
        let (_dir, store, secrets) = store_with_keys(keys).await;
        let (keys_in, mut keys_out) = mpsc::channel(1);
        let progress = Progress::default();
        let reader = spawn_reader(
            &store,
            &secrets,
            Chosen::Enabled { due: None },
            &progress,
            keys_in,
        );
        let first = keys_out.recv().await.expect("a first key");
        // Nobody takes the next key: the reader waits instead of reading on.
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        assert!(
            !reader.is_finished(),
            "the reader read ahead of the requests"
        );
        let mut ids = vec![id_of(&first)];
        while let Some(selected) = keys_out.recv().await {
            ids.push(id_of(&selected));
        }
        reader.await.expect("reader").expect("read");
        assert_eq!(ids.len(), keys);
        assert!(ids.windows(2).all(|pair| pair[0] < pair[1]), "id order");
        // "Poll now" counts its keys before reading; the reader adds none.
        assert_eq!(progress.snapshot().total, 0);
    }

    #[tokio::test]
    async fn the_reader_stops_when_the_cycle_stops_listening() {
        let (_dir, store, secrets) = store_with_keys(KEYS_PER_PAGE + 1).await;
        let (keys_in, mut keys_out) = mpsc::channel(1);
        let reader = spawn_reader(
            &store,
            &secrets,
            Chosen::Enabled { due: None },
            &Progress::default(),
            keys_in,
        );
        keys_out.recv().await.expect("a first key");
        drop(keys_out);
        tokio::time::timeout(std::time::Duration::from_secs(5), reader)
            .await
            .expect("the reader stopped")
            .expect("reader")
            .expect("no error: the cycle was cancelled, not broken");
    }

    #[tokio::test]
    async fn a_scheduled_reader_hands_over_only_due_keys_and_counts_them() {
        let (_dir, store, secrets) = store_with_keys(KEYS_PER_PAGE + 5).await;
        // Every key but the last three was just polled.
        sqlx::query(
            "INSERT INTO key_latest (key_id, polled_at, outcome) \
             SELECT id, ?, 'ok' FROM api_keys WHERE id <= (SELECT MAX(id) - 3 FROM api_keys)",
        )
        .bind(crate::store::time::ts(Utc::now()))
        .execute(store.pool())
        .await
        .expect("polled");
        let (keys_in, mut keys_out) = mpsc::channel(KEYS_PER_PAGE);
        let progress = Progress::default();
        let intervals = PollIntervals {
            default: TimeDelta::minutes(15),
            ocr_space: TimeDelta::hours(6),
        };
        let reader = spawn_reader(
            &store,
            &secrets,
            Chosen::Enabled {
                due: Some(intervals),
            },
            &progress,
            keys_in,
        );
        let mut ids = Vec::new();
        while let Some(selected) = keys_out.recv().await {
            ids.push(id_of(&selected));
        }
        reader.await.expect("reader").expect("read");
        let last: i64 = sqlx::query_scalar("SELECT MAX(id) FROM api_keys")
            .fetch_one(store.pool())
            .await
            .expect("max");
        assert_eq!(ids, vec![last - 2, last - 1, last]);
        assert_eq!(progress.snapshot().total, 3);
    }

    #[test]
    fn month_start_is_midnight_on_the_first() {
        assert_eq!(
            month_start(at("2026-03-31T13:00:00Z")),
            at("2026-03-01T00:00:00Z")
        );
    }
}
