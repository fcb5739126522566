//! The deterministic usage model: every key consumes a seed-dependent, hour-by-hour
//! varying amount, so polling it over time draws a plausible, ever-growing line that
//! drops back at the period's reset. Same key and clock, same numbers.

use chrono::{DateTime, Datelike, Months, NaiveDate, NaiveTime, TimeDelta, Utc};

use crate::keys::mix;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub start: DateTime<Utc>,
    /// Exclusive: the moment of the reset.
    pub end: DateTime<Utc>,
}

fn midnight(date: NaiveDate) -> DateTime<Utc> {
    date.and_time(NaiveTime::MIN).and_utc()
}

/// The calendar month around `now` (OCR.space, StructOCR, the SDK).
pub fn calendar_month(now: DateTime<Utc>) -> Period {
    billing_month(now, 1)
}

/// The month-long period that resets on `day` (1–28) of each month (Plate Recognizer
/// cloud bills from the subscription date).
pub fn billing_month(now: DateTime<Utc>, day: u32) -> Period {
    let day = day.clamp(1, 28);
    let this_month = NaiveDate::from_ymd_opt(now.year(), now.month(), day)
        .map(midnight)
        .unwrap_or(now);
    let start = if this_month <= now {
        this_month
    } else {
        this_month
            .checked_sub_months(Months::new(1))
            .unwrap_or(this_month)
    };
    let end = start.checked_add_months(Months::new(1)).unwrap_or(start);
    Period { start, end }
}

/// Units consumed from `from` to `until`, about `per_day` a day on average.
pub fn grown(seed: u64, from: DateTime<Utc>, until: DateTime<Utc>, per_day: u64) -> u64 {
    if until <= from || per_day == 0 {
        return 0;
    }
    let spread = per_day * 2 / 24 + 1;
    let hour_amount = |hour: i64| mix(seed ^ hour.cast_unsigned()) % spread;
    let first = from.timestamp().div_euclid(3600);
    let last = until.timestamp().div_euclid(3600);
    let whole: u64 = (first..last).map(hour_amount).sum();
    // The current hour counts in proportion, so the figure moves every minute.
    let minutes = u64::try_from(until.timestamp().rem_euclid(3600) / 60).unwrap_or(0);
    whole + hour_amount(last) * minutes / 60
}

/// Whole days of the period already behind `now`, for all-time histories.
pub fn days_between(from: DateTime<Utc>, to: DateTime<Utc>) -> u64 {
    u64::try_from((to - from).num_days()).unwrap_or(0)
}

pub fn one_day() -> TimeDelta {
    TimeDelta::days(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().expect("date")
    }

    #[test]
    fn billing_month_starts_on_the_last_billing_day() {
        let period = billing_month(at("2019-01-10T12:00:00Z"), 14);
        assert_eq!(period.start, at("2018-12-14T00:00:00Z"));
        assert_eq!(period.end, at("2019-01-14T00:00:00Z"));
        let period = billing_month(at("2019-01-14T00:00:00Z"), 14);
        assert_eq!(period.start, at("2019-01-14T00:00:00Z"));
    }

    #[test]
    fn usage_grows_monotonically_and_deterministically() {
        let start = at("2026-06-01T00:00:00Z");
        let mut previous = 0;
        for hours in 0..100 {
            let now = start + TimeDelta::minutes(37 * hours);
            let used = grown(42, start, now, 500);
            assert!(used >= previous, "{used} < {previous}");
            assert_eq!(used, grown(42, start, now, 500));
            previous = used;
        }
        // Roughly the daily rate over 30 days.
        let month = grown(42, start, at("2026-07-01T00:00:00Z"), 500);
        assert!((12_000..18_000).contains(&month), "{month}");
    }
}
