//! Figures that cannot be true are a failed poll, never data: a chart or an alert
//! built on them would mislead.

use chrono::{DateTime, TimeDelta, Utc};
use domain::UsageReading;

/// Clock differences between us and a vendor that are not worth a failure.
const CLOCK_SLACK: TimeDelta = TimeDelta::hours(26);

/// `Err` names what is wrong, in words for the dashboard.
pub fn check(reading: &UsageReading, now: DateTime<Utc>) -> Result<(), String> {
    if let Some(start) = reading.period_start
        && start.value > now + CLOCK_SLACK
    {
        return Err(format!(
            "the billing period starts in the future ({})",
            start.value
        ));
    }
    if reading.as_of > now + CLOCK_SLACK {
        return Err(format!(
            "the figures are dated in the future ({})",
            reading.as_of
        ));
    }
    if let (Some(start), Some(reset)) = (reading.period_start, reading.resets_on)
        && reset.value <= start.value
    {
        return Err("the period resets before it starts".to_owned());
    }
    if let (Some(used), Some(limit), Some(remaining)) =
        (reading.used, reading.limit, reading.remaining)
    {
        let expected = i128::from(limit.value) - i128::from(used.value);
        if i128::from(remaining.value) != expected {
            return Err(format!(
                "used {} and remaining {} do not add up to the limit {}",
                used.value, remaining.value, limit.value
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::{Figure, OcrSpaceDetails, Scope, Vendor, VendorDetails};

    fn now() -> DateTime<Utc> {
        "2026-06-17T10:00:00Z".parse().expect("date")
    }

    fn reading(used: u64, limit: u64, remaining: i64) -> UsageReading {
        UsageReading {
            vendor: Vendor::OcrSpace,
            scope: Scope::Key,
            used: Some(Figure::vendor(used)),
            limit: Some(Figure::configured(limit)),
            remaining: Some(Figure::inferred(remaining)),
            period_start: Some(Figure::inferred(
                "2026-06-01T00:00:00Z".parse().expect("date"),
            )),
            resets_on: Some(Figure::inferred(
                "2026-07-01T00:00:00Z".parse().expect("date"),
            )),
            as_of: now(),
            unknown_fields: Vec::new(),
            details: VendorDetails::OcrSpace(OcrSpaceDetails {
                engine1: None,
                engine2: None,
                engine3: None,
                total: Some(used),
                unverified: false,
                last_month: false,
            }),
        }
    }

    #[test]
    fn a_consistent_reading_passes_even_over_its_limit() {
        assert_eq!(check(&reading(10, 100, 90), now()), Ok(()));
        assert_eq!(check(&reading(120, 100, -20), now()), Ok(()));
    }

    #[test]
    fn figures_that_do_not_add_up_are_rejected() {
        let error = check(&reading(10, 100, 50), now()).expect_err("inconsistent");
        assert!(error.contains("do not add up"), "{error}");
    }

    #[test]
    fn a_period_in_the_future_is_rejected() {
        let mut future = reading(10, 100, 90);
        future.period_start = Some(Figure::vendor(
            "2027-01-01T00:00:00Z".parse().expect("date"),
        ));
        future.resets_on = Some(Figure::vendor(
            "2027-02-01T00:00:00Z".parse().expect("date"),
        ));
        let error = check(&future, now()).expect_err("future");
        assert!(error.contains("future"), "{error}");
    }

    #[test]
    fn a_reset_before_the_start_is_rejected() {
        let mut backwards = reading(10, 100, 90);
        backwards.resets_on = Some(Figure::vendor(
            "2026-05-01T00:00:00Z".parse().expect("date"),
        ));
        assert!(check(&backwards, now()).is_err());
    }
}
