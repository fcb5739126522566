//! Dates and numbers as people read them, in the team's time zone. Stored times stay
//! UTC; only what is shown is converted. Server-side, so the browser never needs the
//! time zone tables and the hydrated page shows exactly what the server rendered.

use chrono::{DateTime, TimeDelta, Utc};
use chrono_tz::Tz;
use domain::Vendor;

use crate::{Store, store::settings};

/// The team's time zone (an IANA name such as `Europe/Berlin`), UTC until an admin
/// sets one. A stored name this build does not know is logged and read as UTC.
pub async fn team_time_zone(store: &Store) -> Result<Tz, sqlx::Error> {
    let stored = settings::get(store.pool(), settings::TIME_ZONE).await?;
    Ok(stored.map_or(Tz::UTC, |name| {
        name.parse().unwrap_or_else(|_| {
            tracing::warn!(%name, "unknown stored time zone; showing UTC");
            Tz::UTC
        })
    }))
}

/// `2026-12-14`, the day in the team's time zone.
pub fn date(at: DateTime<Utc>, tz: Tz) -> String {
    at.with_timezone(&tz).format("%Y-%m-%d").to_string()
}

/// `2026-12-14 09:30 CET`.
pub fn date_time(at: DateTime<Utc>, tz: Tz) -> String {
    at.with_timezone(&tz)
        .format("%Y-%m-%d %H:%M %Z")
        .to_string()
}

/// When a key is polled next, in words: the tick's time, or why there is none.
pub fn next_poll(next: crate::poller::NextPoll, tz: Tz) -> String {
    use crate::poller::NextPoll;
    match next {
        NextPoll::At(at) => date_time(at, tz),
        NextPoll::KeyDisabled => "not polled while disabled".to_owned(),
        NextPoll::PollingOff => "scheduled polling is off".to_owned(),
    }
}

/// `12,345` (and `-1,200`).
pub fn count(value: i128) -> String {
    let digits = value.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if value < 0 {
        out.push('-');
    }
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// How old the figures are, in words. OCR.space counts up to the end of a day
/// (normally yesterday), so it says which day rather than how many hours.
pub fn data_age(vendor: Vendor, as_of: DateTime<Utc>, now: DateTime<Utc>, tz: Tz) -> String {
    if vendor == Vendor::OcrSpace {
        // `as_of` is the midnight that ends the counted day.
        let counted = (as_of - TimeDelta::seconds(1))
            .with_timezone(&tz)
            .date_naive();
        let today = now.with_timezone(&tz).date_naive();
        return match (today - counted).num_days() {
            0 => "as of today".to_owned(),
            1 => "as of yesterday".to_owned(),
            _ => format!("as of {}", counted.format("%Y-%m-%d")),
        };
    }
    ago(now - as_of)
}

/// `just now`, `12 min ago`, `3 h ago`, `4 days ago`.
pub fn ago(elapsed: TimeDelta) -> String {
    let minutes = elapsed.num_minutes();
    match minutes {
        i64::MIN..=0 => "just now".to_owned(),
        1..=59 => format!("{minutes} min ago"),
        60..=2_879 => format!("{} h ago", minutes / 60),
        _ => format!("{} days ago", minutes / 1_440),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().expect("date")
    }

    #[test]
    fn counts_get_thousands_separators() {
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(1_000), "1,000");
        assert_eq!(count(1_234_567), "1,234,567");
        assert_eq!(count(-1_200), "-1,200");
    }

    #[test]
    fn dates_are_shown_in_the_team_time_zone() {
        let late = at("2026-12-13T23:30:00Z");
        assert_eq!(date(late, Tz::UTC), "2026-12-13");
        assert_eq!(date(late, chrono_tz::Europe::Berlin), "2026-12-14");
        assert_eq!(
            date_time(late, chrono_tz::Europe::Berlin),
            "2026-12-14 00:30 CET"
        );
        assert_eq!(
            date_time(late, chrono_tz::America::New_York),
            "2026-12-13 18:30 EST"
        );
    }

    #[test]
    fn ocr_space_figures_say_which_day_they_count_to() {
        let as_of = at("2026-12-10T00:00:00Z");
        let now = at("2026-12-10T09:00:00Z");
        assert_eq!(
            data_age(Vendor::OcrSpace, as_of, now, Tz::UTC),
            "as of yesterday"
        );
        assert_eq!(
            data_age(Vendor::OcrSpace, as_of, at("2026-12-12T09:00:00Z"), Tz::UTC),
            "as of 2026-12-09"
        );
        // In New York it is still the 9th at 02:00 UTC on the 10th; the counted day
        // (the 9th in UTC) ends at 19:00 on the 9th there: "as of today".
        assert_eq!(
            data_age(
                Vendor::OcrSpace,
                as_of,
                at("2026-12-10T02:00:00Z"),
                chrono_tz::America::New_York
            ),
            "as of today"
        );
    }

    #[test]
    fn other_vendors_say_how_long_ago() {
        let now = at("2026-12-10T12:00:00Z");
        let age = |minutes| {
            data_age(
                Vendor::StructOcr,
                now - TimeDelta::minutes(minutes),
                now,
                Tz::UTC,
            )
        };
        assert_eq!(age(0), "just now");
        assert_eq!(age(14), "14 min ago");
        assert_eq!(age(150), "2 h ago");
        assert_eq!(age(60 * 24 * 3), "3 days ago");
    }
}
