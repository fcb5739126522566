//! When a key runs out: a straight-line trend through the good readings of the
//! current period, projected from the newest one.
//!
//! Pure: the caller reads the readings (`store::forecasts::period_usage`) and passes
//! the clock, so every case is tested without a database. The rules say when there is
//! too little to go on; then the answer is `Unknown` with the reason, never a guess.

use chrono::{DateTime, TimeDelta, Utc};
use domain::{Forecast, ForecastUnknown, KeyId, UsageReading, Vendor};

use crate::{Store, store::forecasts};

/// Credits that never reset are judged on this much recent history; a long period is
/// read no further back than this either (raw snapshots are not kept much longer).
const LOOKBACK: TimeDelta = TimeDelta::days(35);

/// One good reading: how much was used by `at` (the moment the figures describe).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UsagePoint {
    pub at: DateTime<Utc>,
    pub used: u64,
}

/// What the forecast is made from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ForecastInput<'a> {
    /// Good readings, in any order; those before `period_start` are ignored.
    pub points: &'a [UsagePoint],
    /// The limit of the newest reading (`None`: nothing to run out of).
    pub limit: Option<u64>,
    pub period_start: Option<DateTime<Utc>>,
    /// When the counter resets (`None`: credits that never reset, like StructOCR's).
    pub resets_on: Option<DateTime<Utc>>,
    pub now: DateTime<Utc>,
}

/// When the data is too thin or too old to forecast from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ForecastRules {
    /// Fewer readings than this make no trend.
    pub min_points: usize,
    /// Readings spanning less time than this make no trend (a burst is not a pace).
    pub min_span: TimeDelta,
    /// The newest reading older than this says nothing about today.
    pub stale_after: TimeDelta,
    /// A run-out further away than this is "not running out".
    pub horizon: TimeDelta,
}

impl ForecastRules {
    /// OCR.space counts up to the end of yesterday and updates once a day, so its
    /// newest figures are normally up to two days old (FACTS.md); the others are
    /// polled every 15 minutes, so six hours without a good reading means the polls
    /// are failing.
    pub fn for_vendor(vendor: Vendor) -> Self {
        let stale_after = match vendor {
            Vendor::OcrSpace => TimeDelta::hours(50),
            _ => TimeDelta::hours(6),
        };
        Self {
            min_points: 3,
            min_span: TimeDelta::hours(2),
            stale_after,
            horizon: TimeDelta::days(366),
        }
    }
}

pub fn forecast(input: &ForecastInput<'_>, rules: &ForecastRules) -> Forecast {
    let Some(limit) = input.limit else {
        return Forecast::Unknown(ForecastUnknown::NoLimit);
    };
    let points = current_run(input);
    let Some(latest) = points.last().copied() else {
        return Forecast::Unknown(ForecastUnknown::TooFewReadings);
    };
    let period_over = input.resets_on.is_some_and(|reset| reset <= input.now);
    if input.now - latest.at > rules.stale_after || period_over {
        return Forecast::Unknown(ForecastUnknown::Stale);
    }
    let remaining = i128::from(limit) - i128::from(latest.used);
    if remaining <= 0 {
        return Forecast::Exhausted;
    }
    if points.len() < rules.min_points {
        return Forecast::Unknown(ForecastUnknown::TooFewReadings);
    }
    if latest.at - points[0].at < rules.min_span {
        return Forecast::Unknown(ForecastUnknown::TooShortSpan);
    }
    let not_running_out = || match input.resets_on {
        Some(reset) => Forecast::LastsUntilReset(reset),
        None => Forecast::NotRunningOut,
    };
    let per_second = slope(&points);
    if !per_second.is_finite() || per_second <= 0.0 {
        return not_running_out();
    }
    #[expect(
        clippy::cast_precision_loss,
        reason = "a count of calls needs no more than f64's 52 bits"
    )]
    let seconds_left = remaining as f64 / per_second;
    let horizon_seconds = (input.now - latest.at + rules.horizon).num_seconds();
    #[expect(clippy::cast_precision_loss, reason = "seconds within a few years")]
    if seconds_left >= horizon_seconds as f64 {
        return not_running_out();
    }
    #[expect(
        clippy::cast_possible_truncation,
        reason = "bounded by the horizon just above"
    )]
    let runs_out = latest.at + TimeDelta::seconds(seconds_left.round() as i64);
    match input.resets_on {
        Some(reset) if reset <= runs_out => Forecast::LastsUntilReset(reset),
        // Projected from a reading a little in the past: "today", not yesterday.
        _ => Forecast::RunsOutOn(runs_out.max(input.now)),
    }
}

/// Works out and stores the forecast of every key that just got a good reading: one
/// read of all their periods' snapshots, all written in one transaction. Called
/// after each stored batch, so the overview reads finished forecasts.
pub async fn refresh(
    store: &Store,
    readings: &[(KeyId, &UsageReading)],
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let since = |reading: &UsageReading| {
        reading
            .period_start
            .map_or(now - LOOKBACK, |start| start.value.max(now - LOOKBACK))
    };
    let wanted: Vec<(KeyId, DateTime<Utc>)> = readings
        .iter()
        .map(|(key, reading)| (*key, since(reading)))
        .collect();
    let mut points = forecasts::period_usage(store.pool(), &wanted).await?;
    let mut forecasts = Vec::with_capacity(readings.len());
    for (key, reading) in readings {
        let points = points.remove(key).unwrap_or_default();
        let input = ForecastInput {
            points: &points,
            limit: reading.limit.map(|l| l.value),
            period_start: reading.period_start.map(|s| s.value),
            resets_on: reading.resets_on.map(|r| r.value),
            now,
        };
        forecasts.push((
            *key,
            forecast(&input, &ForecastRules::for_vendor(reading.vendor)),
        ));
    }
    let mut tx = store.pool().begin().await?;
    forecasts::upsert(&mut tx, &forecasts, now).await?;
    tx.commit().await
}

/// A stored forecast as it stands at `now`: one made from readings that have since
/// gone stale (the polls fail) no longer holds.
pub fn as_seen(
    stored: Forecast,
    vendor: Vendor,
    reading_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Forecast {
    let rules = ForecastRules::for_vendor(vendor);
    match reading_at {
        Some(at) if now - at <= rules.stale_after => stored,
        _ => Forecast::Unknown(ForecastUnknown::Stale),
    }
}

/// The readings of this period since the counter last went down, oldest first, one
/// per moment. A counter that drops started over (a reset the period dates did not
/// show, or the vendor corrected itself): only what follows says anything about the pace.
fn current_run(input: &ForecastInput<'_>) -> Vec<UsagePoint> {
    let mut points: Vec<UsagePoint> = input
        .points
        .iter()
        .filter(|p| input.period_start.is_none_or(|start| p.at >= start))
        .filter(|p| p.at <= input.now)
        .copied()
        .collect();
    points.sort_by_key(|p| p.at);
    // Several polls of one daily figure (OCR.space) are one reading.
    points.dedup_by(|later, earlier| {
        if later.at == earlier.at {
            earlier.used = later.used;
            true
        } else {
            false
        }
    });
    let restart = points
        .windows(2)
        .rposition(|pair| pair[1].used < pair[0].used)
        .map_or(0, |i| i + 1);
    points.split_off(restart)
}

/// Least-squares usage per second: steadier than the two end points when usage
/// comes in bursts.
#[expect(clippy::cast_precision_loss, reason = "counts and seconds fit f64")]
fn slope(points: &[UsagePoint]) -> f64 {
    let origin = points[0].at;
    let xs: Vec<f64> = points
        .iter()
        .map(|p| (p.at - origin).num_milliseconds() as f64 / 1000.0)
        .collect();
    let ys: Vec<f64> = points.iter().map(|p| p.used as f64).collect();
    let n = xs.len() as f64;
    let mean_x = xs.iter().sum::<f64>() / n;
    let mean_y = ys.iter().sum::<f64>() / n;
    let (mut covariance, mut variance) = (0.0, 0.0);
    for (x, y) in xs.iter().zip(&ys) {
        covariance += (x - mean_x) * (y - mean_y);
        variance += (x - mean_x) * (x - mean_x);
    }
    if variance == 0.0 {
        return 0.0;
    }
    covariance / variance
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().expect("date")
    }

    /// `count` readings every `step`, starting at `start`, growing by `per_step`.
    fn steady(
        start: &str,
        step: TimeDelta,
        count: u32,
        from: u64,
        per_step: u64,
    ) -> Vec<UsagePoint> {
        (0..count)
            .map(|i| UsagePoint {
                at: at(start) + step * i32::try_from(i).expect("small"),
                used: from + per_step * u64::from(i),
            })
            .collect()
    }

    fn rules() -> ForecastRules {
        ForecastRules::for_vendor(Vendor::PlateRecognizerCloud)
    }

    fn input<'a>(
        points: &'a [UsagePoint],
        limit: Option<u64>,
        resets_on: Option<&str>,
        now: &str,
    ) -> ForecastInput<'a> {
        ForecastInput {
            points,
            limit,
            period_start: Some(at("2026-12-01T00:00:00Z")),
            resets_on: resets_on.map(at),
            now: at(now),
        }
    }

    #[test]
    fn a_steady_burn_runs_out_when_the_line_reaches_the_limit() {
        // 100 calls an hour from 0 at midnight: 2,400 by the next midnight; the limit
        // of 5,000 is reached 26 h after that.
        let points = steady("2026-12-10T00:00:00Z", TimeDelta::hours(1), 25, 0, 100);
        let result = forecast(
            &input(
                &points,
                Some(5_000),
                Some("2027-01-01T00:00:00Z"),
                "2026-12-11T00:10:00Z",
            ),
            &rules(),
        );
        assert_eq!(result, Forecast::RunsOutOn(at("2026-12-12T02:00:00Z")));
    }

    #[test]
    fn bursts_average_out_to_the_pace() {
        // 1,200 calls at noon every day, nothing else: the trend is 1,200 a day.
        let points: Vec<UsagePoint> = (0..10)
            .flat_map(|day| {
                let midnight = at("2026-12-01T00:00:00Z") + TimeDelta::days(day);
                let before = u64::try_from(day).expect("small") * 1_200;
                (0..24).map(move |hour| UsagePoint {
                    at: midnight + TimeDelta::hours(hour),
                    used: before + if hour >= 12 { 1_200 } else { 0 },
                })
            })
            .collect();
        let result = forecast(
            &input(&points, Some(24_000), None, "2026-12-10T23:30:00Z"),
            &rules(),
        );
        let Forecast::RunsOutOn(day) = result else {
            panic!("expected a run-out date, got {result:?}");
        };
        // 12,000 used, 12,000 left at 1,200 a day: ten days on, give or take a day.
        assert!(
            (at("2026-12-19T12:00:00Z")..at("2026-12-22T00:00:00Z")).contains(&day),
            "{day}"
        );
    }

    #[test]
    fn a_reset_before_the_run_out_lasts_until_reset() {
        // 10 an hour against 100,000: years away, but the period ends on the 1st.
        let points = steady("2026-12-10T00:00:00Z", TimeDelta::hours(1), 25, 0, 10);
        let result = forecast(
            &input(
                &points,
                Some(100_000),
                Some("2027-01-01T00:00:00Z"),
                "2026-12-11T00:00:00Z",
            ),
            &rules(),
        );
        assert_eq!(
            result,
            Forecast::LastsUntilReset(at("2027-01-01T00:00:00Z"))
        );
        // Reaching the limit exactly on the reset day also lasts.
        let points = steady("2026-12-31T00:00:00Z", TimeDelta::hours(1), 13, 0, 100);
        let result = forecast(
            &input(
                &points,
                Some(2_400),
                Some("2027-01-01T00:00:00Z"),
                "2026-12-31T12:00:00Z",
            ),
            &rules(),
        );
        assert_eq!(
            result,
            Forecast::LastsUntilReset(at("2027-01-01T00:00:00Z"))
        );
    }

    #[test]
    fn sparse_data_gives_no_forecast() {
        let two = steady("2026-12-10T00:00:00Z", TimeDelta::hours(1), 2, 0, 100);
        assert_eq!(
            forecast(
                &input(&two, Some(5_000), None, "2026-12-10T01:00:00Z"),
                &rules()
            ),
            Forecast::Unknown(ForecastUnknown::TooFewReadings)
        );
        // Ten readings in ten minutes: a burst, not a pace.
        let burst = steady("2026-12-10T00:00:00Z", TimeDelta::minutes(1), 10, 0, 100);
        assert_eq!(
            forecast(
                &input(&burst, Some(5_000), None, "2026-12-10T00:10:00Z"),
                &rules()
            ),
            Forecast::Unknown(ForecastUnknown::TooShortSpan)
        );
        assert_eq!(
            forecast(
                &input(&[], Some(5_000), None, "2026-12-10T00:10:00Z"),
                &rules()
            ),
            Forecast::Unknown(ForecastUnknown::TooFewReadings)
        );
    }

    #[test]
    fn readings_of_the_previous_period_do_not_count() {
        // Plenty of November readings, two of December: too few for December.
        let mut points = steady("2026-11-20T00:00:00Z", TimeDelta::hours(1), 200, 0, 100);
        points.extend(steady(
            "2026-12-01T00:00:00Z",
            TimeDelta::hours(1),
            2,
            0,
            100,
        ));
        assert_eq!(
            forecast(
                &input(
                    &points,
                    Some(50_000),
                    Some("2027-01-01T00:00:00Z"),
                    "2026-12-01T01:30:00Z"
                ),
                &rules()
            ),
            Forecast::Unknown(ForecastUnknown::TooFewReadings)
        );
    }

    #[test]
    fn zero_usage_lasts_until_reset_or_does_not_run_out() {
        let flat = steady("2026-12-10T00:00:00Z", TimeDelta::hours(1), 24, 700, 0);
        assert_eq!(
            forecast(
                &input(
                    &flat,
                    Some(5_000),
                    Some("2027-01-01T00:00:00Z"),
                    "2026-12-11T00:00:00Z"
                ),
                &rules()
            ),
            Forecast::LastsUntilReset(at("2027-01-01T00:00:00Z"))
        );
        assert_eq!(
            forecast(
                &input(&flat, Some(5_000), None, "2026-12-11T00:00:00Z"),
                &rules()
            ),
            Forecast::NotRunningOut
        );
    }

    #[test]
    fn stale_data_gives_no_forecast() {
        let points = steady("2026-12-10T00:00:00Z", TimeDelta::hours(1), 24, 0, 100);
        // Newest reading 23:00 on the 10th; seven hours later is too old for a
        // 15-minute vendor.
        assert_eq!(
            forecast(
                &input(&points, Some(50_000), None, "2026-12-11T06:00:01Z"),
                &rules()
            ),
            Forecast::Unknown(ForecastUnknown::Stale)
        );
        // A reading of a period that has ended says nothing about the new one.
        assert_eq!(
            forecast(
                &input(
                    &points,
                    Some(50_000),
                    Some("2026-12-11T00:00:00Z"),
                    "2026-12-11T00:30:00Z"
                ),
                &rules()
            ),
            Forecast::Unknown(ForecastUnknown::Stale)
        );
    }

    #[test]
    fn ocr_space_figures_a_day_old_are_not_stale() {
        // One figure per day (end of yesterday), polled four times a day.
        let points: Vec<UsagePoint> = (0..5)
            .flat_map(|day| {
                let as_of = at("2026-12-02T00:00:00Z") + TimeDelta::days(day);
                let used = 10_000 * u64::try_from(day + 1).expect("small");
                (0..4).map(move |_| UsagePoint { at: as_of, used })
            })
            .collect();
        let result = forecast(
            &input(
                &points,
                Some(400_000),
                Some("2027-01-01T00:00:00Z"),
                "2026-12-06T20:00:00Z",
            ),
            &ForecastRules::for_vendor(Vendor::OcrSpace),
        );
        // 50,000 by the 6th at 10,000 a day: 350,000 more take 35 days, past the reset.
        assert_eq!(
            result,
            Forecast::LastsUntilReset(at("2027-01-01T00:00:00Z"))
        );
        let result = forecast(
            &input(
                &points,
                Some(100_000),
                Some("2027-01-01T00:00:00Z"),
                "2026-12-06T20:00:00Z",
            ),
            &ForecastRules::for_vendor(Vendor::OcrSpace),
        );
        assert_eq!(result, Forecast::RunsOutOn(at("2026-12-11T00:00:00Z")));
    }

    #[test]
    fn a_counter_that_drops_starts_the_trend_over() {
        // A steep burn, then the counter restarts and grows slowly.
        let mut points = steady("2026-12-10T00:00:00Z", TimeDelta::hours(1), 10, 0, 1_000);
        points.extend(steady(
            "2026-12-10T10:00:00Z",
            TimeDelta::hours(1),
            5,
            0,
            10,
        ));
        let result = forecast(
            &input(&points, Some(10_000), None, "2026-12-10T14:00:00Z"),
            &rules(),
        );
        // 40 used by 14:00 at 10 an hour: 9,960 more take 996 hours.
        assert_eq!(
            result,
            Forecast::RunsOutOn(at("2026-12-10T14:00:00Z") + TimeDelta::hours(996))
        );
        // Right after the drop there is too little left to go on.
        let mut points = steady("2026-12-10T00:00:00Z", TimeDelta::hours(1), 10, 0, 1_000);
        points.push(UsagePoint {
            at: at("2026-12-10T10:00:00Z"),
            used: 5,
        });
        assert_eq!(
            forecast(
                &input(&points, Some(10_000), None, "2026-12-10T10:05:00Z"),
                &rules()
            ),
            Forecast::Unknown(ForecastUnknown::TooFewReadings)
        );
    }

    #[test]
    fn no_limit_and_used_up_are_said_plainly() {
        let points = steady("2026-12-10T00:00:00Z", TimeDelta::hours(1), 24, 0, 100);
        assert_eq!(
            forecast(
                &input(&points, None, None, "2026-12-11T00:00:00Z"),
                &rules()
            ),
            Forecast::Unknown(ForecastUnknown::NoLimit)
        );
        assert_eq!(
            forecast(
                &input(&points, Some(2_300), None, "2026-12-11T00:00:00Z"),
                &rules()
            ),
            Forecast::Exhausted
        );
        // Used up is certain even from a single reading.
        assert_eq!(
            forecast(
                &input(&points[23..], Some(1_000), None, "2026-12-11T00:00:00Z"),
                &rules()
            ),
            Forecast::Exhausted
        );
    }

    #[test]
    fn a_run_out_beyond_the_horizon_is_not_running_out() {
        // One call an hour against ten million credits that never reset.
        let points = steady("2026-12-10T00:00:00Z", TimeDelta::hours(1), 24, 0, 1);
        assert_eq!(
            forecast(
                &input(&points, Some(10_000_000), None, "2026-12-11T00:00:00Z"),
                &rules()
            ),
            Forecast::NotRunningOut
        );
    }

    #[test]
    fn order_of_the_readings_does_not_matter() {
        let mut points = steady("2026-12-10T00:00:00Z", TimeDelta::hours(1), 25, 0, 100);
        points.reverse();
        let result = forecast(
            &input(
                &points,
                Some(5_000),
                Some("2027-01-01T00:00:00Z"),
                "2026-12-11T00:10:00Z",
            ),
            &rules(),
        );
        assert_eq!(result, Forecast::RunsOutOn(at("2026-12-12T02:00:00Z")));
    }
}
