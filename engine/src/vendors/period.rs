//! Calendar arithmetic for billing periods, all in UTC (no vendor documents a zone).

use chrono::{DateTime, Datelike, Months, NaiveDate, NaiveTime, Utc};

/// Midnight UTC on the 1st of `at`'s month.
pub(crate) fn month_start(at: DateTime<Utc>) -> DateTime<Utc> {
    let first = NaiveDate::from_ymd_opt(at.year(), at.month(), 1).unwrap_or(at.date_naive());
    first.and_time(NaiveTime::MIN).and_utc()
}

pub(crate) fn add_months(at: DateTime<Utc>, months: i32) -> DateTime<Utc> {
    let shifted = if months >= 0 {
        at.checked_add_months(Months::new(months.unsigned_abs()))
    } else {
        at.checked_sub_months(Months::new(months.unsigned_abs()))
    };
    shifted.unwrap_or(at)
}

/// Midnight UTC today: "the end of yesterday".
pub(crate) fn day_start(at: DateTime<Utc>) -> DateTime<Utc> {
    at.date_naive().and_time(NaiveTime::MIN).and_utc()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().expect("date")
    }

    #[test]
    fn month_boundaries() {
        assert_eq!(
            month_start(at("2026-03-31T13:00:00Z")),
            at("2026-03-01T00:00:00Z")
        );
        assert_eq!(
            add_months(at("2026-12-01T00:00:00Z"), 1),
            at("2027-01-01T00:00:00Z")
        );
        assert_eq!(
            add_months(at("2026-03-31T00:00:00Z"), -1),
            at("2026-02-28T00:00:00Z")
        );
        assert_eq!(
            day_start(at("2026-03-31T13:00:00Z")),
            at("2026-03-31T00:00:00Z")
        );
    }
}
