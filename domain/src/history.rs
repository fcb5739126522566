//! The time ranges a key's history can be shown over (`?range=7d` in the URL).

use std::{fmt, str::FromStr};

use chrono::TimeDelta;
use serde::{Deserialize, Serialize};

/// A chart's range, ending now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum HistoryRange {
    #[serde(rename = "24h")]
    Day,
    #[default]
    #[serde(rename = "7d")]
    Week,
    #[serde(rename = "30d")]
    Month,
    #[serde(rename = "90d")]
    Quarter,
    #[serde(rename = "1y")]
    Year,
}

impl HistoryRange {
    pub const ALL: [HistoryRange; 5] = [
        HistoryRange::Day,
        HistoryRange::Week,
        HistoryRange::Month,
        HistoryRange::Quarter,
        HistoryRange::Year,
    ];

    /// As written in URLs: `24h`, `7d`, `30d`, `90d`, `1y`.
    pub const fn slug(self) -> &'static str {
        match self {
            Self::Day => "24h",
            Self::Week => "7d",
            Self::Month => "30d",
            Self::Quarter => "90d",
            Self::Year => "1y",
        }
    }

    /// In words, for headings and accessible text.
    pub const fn label(self) -> &'static str {
        match self {
            Self::Day => "last 24 hours",
            Self::Week => "last 7 days",
            Self::Month => "last 30 days",
            Self::Quarter => "last 90 days",
            Self::Year => "last year",
        }
    }

    pub fn span(self) -> TimeDelta {
        match self {
            Self::Day => TimeDelta::hours(24),
            Self::Week => TimeDelta::days(7),
            Self::Month => TimeDelta::days(30),
            Self::Quarter => TimeDelta::days(90),
            Self::Year => TimeDelta::days(365),
        }
    }
}

impl fmt::Display for HistoryRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.slug())
    }
}

/// A range that is not one of the five offered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownRange(pub String);

impl fmt::Display for UnknownRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown range `{}`: use one of 24h, 7d, 30d, 90d, 1y",
            self.0
        )
    }
}

impl std::error::Error for UnknownRange {}

impl FromStr for HistoryRange {
    type Err = UnknownRange;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|range| range.slug() == s.trim())
            .ok_or_else(|| UnknownRange(s.chars().take(20).collect()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_round_trip_through_their_slugs() {
        for range in HistoryRange::ALL {
            assert_eq!(range.slug().parse::<HistoryRange>(), Ok(range));
        }
        assert_eq!("90d".parse(), Ok(HistoryRange::Quarter));
        let error = "2w".parse::<HistoryRange>().expect_err("unknown");
        assert!(error.to_string().contains("24h, 7d"), "{error}");
    }

    #[test]
    fn spans_grow_with_the_range() {
        let spans: Vec<_> = HistoryRange::ALL.iter().map(|r| r.span()).collect();
        assert!(spans.windows(2).all(|pair| pair[0] < pair[1]));
    }
}
