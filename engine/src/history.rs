//! Usage history: hourly and daily rollups of the raw snapshots, retention, and the
//! one read function charts and exports use, which picks raw snapshots, hourly or
//! daily rollups by the length of the range so that any range reads a bounded number
//! of rows.
//!
//! The rollup job is incremental (it reads only snapshots newer than its progress
//! mark), idempotent (every touched bucket is recomputed whole from its source, so a
//! re-run writes the same rows) and crash-safe (each chunk, its rollups and the new
//! progress mark commit together).

use chrono::{DateTime, TimeDelta, Utc};
use domain::{HistoryRange, KeyId};

use crate::{
    Config, Store,
    store::{
        accounts,
        rollups::{self, Grain, RollupRow},
        snapshots::{self, RawPoint},
    },
};

/// Snapshot ids rolled up per transaction: keeps each write lock short, so the
/// poller's batches never wait long behind a backlog.
const ROLLUP_CHUNK: i64 = 20_000;
/// Rows deleted per transaction by retention, for the same reason.
const DELETE_CHUNK: i64 = 10_000;
/// Ranges up to this long read raw snapshots (when still kept).
const RAW_UP_TO: TimeDelta = TimeDelta::hours(48);
/// Ranges up to this long read hourly rollups (at most 744 rows); longer ones daily.
const HOURLY_UP_TO: TimeDelta = TimeDelta::days(31);

/// How long each kind of history is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    pub raw: TimeDelta,
    pub hourly: TimeDelta,
    pub daily: TimeDelta,
}

impl Retention {
    pub fn from_config(config: &Config) -> Self {
        Self {
            raw: TimeDelta::days(i64::from(config.retention_raw_days)),
            hourly: TimeDelta::days(i64::from(config.retention_hourly_days)),
            daily: TimeDelta::days(i64::from(config.retention_daily_days)),
        }
    }
}

impl Default for Retention {
    fn default() -> Self {
        Self::from_config(&Config::default())
    }
}

/// Where a range's points come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Resolution {
    Raw,
    Hour,
    Day,
}

impl Resolution {
    /// Raw for short ranges, hourly up to a month, daily beyond; a coarser one when
    /// the finer one is no longer kept that far back.
    pub fn for_span(span: TimeDelta, retention: &Retention) -> Self {
        if span <= RAW_UP_TO && span <= retention.raw {
            Self::Raw
        } else if span <= HOURLY_UP_TO && span <= retention.hourly {
            Self::Hour
        } else {
            Self::Day
        }
    }

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Raw => "raw",
            Self::Hour => "hour",
            Self::Day => "day",
        }
    }
}

/// One point of a key's history: one poll (raw) or one bucket (hour, day).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryPoint {
    /// When the poll started, or when the bucket starts.
    pub at: DateTime<Utc>,
    /// Figures of the newest good reading (of the bucket).
    pub used: Option<i64>,
    pub used_min: Option<i64>,
    pub used_max: Option<i64>,
    pub remaining: Option<i64>,
    pub remaining_min: Option<i64>,
    pub remaining_max: Option<i64>,
    pub limit: Option<i64>,
    pub period_start: Option<DateTime<Utc>>,
    pub polls: i64,
    pub ok: i64,
    pub errors: i64,
    pub skipped: i64,
}

impl From<RawPoint> for HistoryPoint {
    fn from(raw: RawPoint) -> Self {
        let outcome = raw.outcome.as_str();
        Self {
            at: raw.polled_at,
            used: raw.used,
            used_min: raw.used,
            used_max: raw.used,
            remaining: raw.remaining,
            remaining_min: raw.remaining,
            remaining_max: raw.remaining,
            limit: raw.usage_limit,
            period_start: raw.period_start,
            polls: 1,
            ok: i64::from(outcome == "ok"),
            errors: i64::from(outcome == "error"),
            skipped: i64::from(outcome == "skipped"),
        }
    }
}

impl From<RollupRow> for HistoryPoint {
    fn from(row: RollupRow) -> Self {
        Self {
            at: row.bucket_start,
            used: row.used_last,
            used_min: row.used_min,
            used_max: row.used_max,
            remaining: row.remaining_last,
            remaining_min: row.remaining_min,
            remaining_max: row.remaining_max,
            limit: row.usage_limit_last,
            period_start: row.period_start_last,
            polls: row.polls,
            ok: row.ok_count,
            errors: row.error_count,
            skipped: row.skipped_count,
        }
    }
}

/// A key's history over `[from, to)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct History {
    pub resolution: Resolution,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub points: Vec<HistoryPoint>,
}

/// A key's history over `range` ending at `now`.
pub async fn history(
    store: &Store,
    key_id: KeyId,
    range: HistoryRange,
    retention: &Retention,
    now: DateTime<Utc>,
) -> Result<History, sqlx::Error> {
    history_between(store, key_id, now - range.span(), now, retention).await
}

/// A key's history over `[from, to)`, from the source that fits the span. Buckets
/// are included when they start at or after `from` rounded down to the bucket.
pub async fn history_between(
    store: &Store,
    key_id: KeyId,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    retention: &Retention,
) -> Result<History, sqlx::Error> {
    let resolution = Resolution::for_span(to - from, retention);
    let points = match resolution {
        Resolution::Raw => snapshots::raw_points(store.pool(), key_id, from, to)
            .await?
            .into_iter()
            .map(HistoryPoint::from)
            .collect(),
        Resolution::Hour | Resolution::Day => {
            let grain = if resolution == Resolution::Hour {
                Grain::Hour
            } else {
                Grain::Day
            };
            rollups::read(store.pool(), key_id, grain, bucket_of(from, grain), to)
                .await?
                .into_iter()
                .map(HistoryPoint::from)
                .collect()
        }
    };
    Ok(History {
        resolution,
        from,
        to,
        points,
    })
}

/// The start of the UTC hour or day `at` falls in.
pub fn bucket_of(at: DateTime<Utc>, grain: Grain) -> DateTime<Utc> {
    let seconds = match grain {
        Grain::Hour => 3_600,
        Grain::Day => 86_400,
    };
    let start = at.timestamp().div_euclid(seconds) * seconds;
    DateTime::from_timestamp(start, 0).unwrap_or(at)
}

/// What one maintenance run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MaintenanceReport {
    /// New snapshots read into the rollups.
    pub snapshots_rolled_up: i64,
    pub hourly_rows_written: u64,
    pub daily_rows_written: u64,
    pub raw_deleted: u64,
    /// StructOCR account readings past the raw retention.
    pub account_readings_deleted: u64,
    pub hourly_deleted: u64,
    pub daily_deleted: u64,
}

/// The rollup and retention job: first brings the rollups up to date, then deletes
/// what is past its retention (raw snapshots only once rolled up).
#[tracing::instrument(name = "history_maintenance", skip_all)]
pub async fn maintain(
    store: &Store,
    retention: &Retention,
    now: DateTime<Utc>,
) -> Result<MaintenanceReport, sqlx::Error> {
    let mut report = roll_up(store).await?;
    let deleted = apply_retention(store, retention, now).await?;
    report.raw_deleted = deleted.raw_deleted;
    report.account_readings_deleted = deleted.account_readings_deleted;
    report.hourly_deleted = deleted.hourly_deleted;
    report.daily_deleted = deleted.daily_deleted;
    tracing::info!(
        rolled_up = report.snapshots_rolled_up,
        hourly = report.hourly_rows_written,
        daily = report.daily_rows_written,
        raw_deleted = report.raw_deleted,
        account_readings_deleted = report.account_readings_deleted,
        hourly_deleted = report.hourly_deleted,
        daily_deleted = report.daily_deleted,
        "history maintained"
    );
    Ok(report)
}

/// Rolls every snapshot newer than the progress mark into the hourly and daily
/// rollups, a chunk per transaction.
pub async fn roll_up(store: &Store) -> Result<MaintenanceReport, sqlx::Error> {
    let mut report = MaintenanceReport::default();
    loop {
        // IMMEDIATE: this transaction reads, then writes; taking the write lock up
        // front means a concurrent poller commit cannot invalidate its snapshot.
        let mut tx = store.pool().begin_with("BEGIN IMMEDIATE").await?;
        let after = rollups::progress(&mut *tx).await?;
        let Some(upto) = rollups::next_chunk_end(&mut tx, after, ROLLUP_CHUNK).await? else {
            tx.rollback().await?;
            return Ok(report);
        };
        report.hourly_rows_written += rollups::roll_up_hours(&mut tx, after, upto).await?;
        report.daily_rows_written += rollups::roll_up_days(&mut tx, after, upto).await?;
        rollups::set_progress(&mut *tx, upto).await?;
        tx.commit().await?;
        report.snapshots_rolled_up += upto - after;
    }
}

/// Deletes raw snapshots (and StructOCR account readings), hourly and daily rollups
/// older than their retention.
pub async fn apply_retention(
    store: &Store,
    retention: &Retention,
    now: DateTime<Utc>,
) -> Result<MaintenanceReport, sqlx::Error> {
    let mut report = MaintenanceReport::default();
    let rolled_up = rollups::progress(store.pool()).await?;
    loop {
        let deleted =
            rollups::delete_raw(store.pool(), now - retention.raw, rolled_up, DELETE_CHUNK).await?;
        report.raw_deleted += deleted;
        if deleted < DELETE_CHUNK.unsigned_abs() {
            break;
        }
    }
    // StructOCR account figures are raw data too: same retention.
    loop {
        let deleted =
            accounts::delete_before(store.pool(), now - retention.raw, DELETE_CHUNK).await?;
        report.account_readings_deleted += deleted;
        if deleted < DELETE_CHUNK.unsigned_abs() {
            break;
        }
    }
    for (grain, keep) in [
        (Grain::Hour, retention.hourly),
        (Grain::Day, retention.daily),
    ] {
        // Whole buckets only: a bucket goes once all of it is past the retention.
        let before = bucket_of(now - keep, grain);
        loop {
            let deleted =
                rollups::delete_rollups(store.pool(), grain, before, DELETE_CHUNK).await?;
            match grain {
                Grain::Hour => report.hourly_deleted += deleted,
                Grain::Day => report.daily_deleted += deleted,
            }
            if deleted < DELETE_CHUNK.unsigned_abs() {
                break;
            }
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn longer_ranges_read_coarser_rows() {
        let retention = Retention::default();
        let pick = |range: HistoryRange| Resolution::for_span(range.span(), &retention);
        assert_eq!(pick(HistoryRange::Day), Resolution::Raw);
        assert_eq!(pick(HistoryRange::Week), Resolution::Hour);
        assert_eq!(pick(HistoryRange::Month), Resolution::Hour);
        assert_eq!(pick(HistoryRange::Quarter), Resolution::Day);
        assert_eq!(pick(HistoryRange::Year), Resolution::Day);
    }

    #[test]
    fn a_short_raw_retention_moves_even_a_day_to_hourly_rows() {
        let retention = Retention {
            raw: TimeDelta::hours(12),
            ..Retention::default()
        };
        assert_eq!(
            Resolution::for_span(TimeDelta::hours(24), &retention),
            Resolution::Hour
        );
    }

    #[test]
    fn buckets_start_on_the_utc_hour_and_day() {
        let at: DateTime<Utc> = "2026-12-01T08:42:17.250Z".parse().expect("date");
        assert_eq!(
            bucket_of(at, Grain::Hour).to_rfc3339(),
            "2026-12-01T08:00:00+00:00"
        );
        assert_eq!(
            bucket_of(at, Grain::Day).to_rfc3339(),
            "2026-12-01T00:00:00+00:00"
        );
    }
}
