//! When a key (or a StructOCR account pool) runs out at its current pace: the result
//! of `engine::forecast`, shown on the overview and the key page.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Forecast {
    /// At the pace of the current period, nothing is left on this day (before any reset).
    RunsOutOn(DateTime<Utc>),
    /// The period resets (on this day) before the key would run out.
    LastsUntilReset(DateTime<Utc>),
    /// Nothing is left already.
    Exhausted,
    /// No usage that would ever use it up (zero usage, and credits that never reset),
    /// or a run-out further away than the forecast horizon.
    NotRunningOut,
    /// No honest forecast can be made.
    Unknown(ForecastUnknown),
}

/// Why there is no forecast.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ForecastUnknown {
    /// No limit is known, so there is nothing to run out of.
    NoLimit,
    /// Fewer good readings in this period than a trend needs.
    TooFewReadings,
    /// The readings of this period span too little time for a trend.
    TooShortSpan,
    /// The newest reading is too old to say anything about today.
    Stale,
}

impl Forecast {
    /// A short phrase for a table cell, without the date (the caller formats dates in
    /// the team's time zone).
    pub fn phrase(&self) -> &'static str {
        match self {
            Self::RunsOutOn(_) => "runs out",
            Self::LastsUntilReset(_) => "lasts until reset",
            Self::Exhausted => "used up",
            Self::NotRunningOut => "not running out",
            Self::Unknown(reason) => reason.phrase(),
        }
    }

    /// The variant's name as serialised (`runs_out_on`, ...), for styling and APIs.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::RunsOutOn(_) => "runs_out_on",
            Self::LastsUntilReset(_) => "lasts_until_reset",
            Self::Exhausted => "exhausted",
            Self::NotRunningOut => "not_running_out",
            Self::Unknown(_) => "unknown",
        }
    }

    /// The date the forecast names, if any.
    pub fn date(&self) -> Option<DateTime<Utc>> {
        match self {
            Self::RunsOutOn(at) | Self::LastsUntilReset(at) => Some(*at),
            _ => None,
        }
    }

    /// Sort key: sooner trouble first (used up, then earliest run-out, then the rest).
    pub fn urgency_key(&self) -> (u8, i64) {
        match self {
            Self::Exhausted => (0, 0),
            Self::RunsOutOn(at) => (1, at.timestamp()),
            Self::LastsUntilReset(at) => (2, at.timestamp()),
            Self::NotRunningOut => (3, 0),
            Self::Unknown(_) => (4, 0),
        }
    }
}

impl ForecastUnknown {
    pub fn phrase(self) -> &'static str {
        match self {
            Self::NoLimit => "no limit known",
            Self::TooFewReadings => "too few readings yet",
            Self::TooShortSpan => "too little history yet",
            Self::Stale => "data too old",
        }
    }
}

impl fmt::Display for Forecast {
    /// Dates in UTC; the UI formats them in the team's time zone instead.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.date() {
            Some(at) => write!(f, "{} {}", self.phrase(), at.format("%Y-%m-%d")),
            None => f.write_str(self.phrase()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_with_a_kind_tag() {
        let at: DateTime<Utc> = "2026-12-24T10:00:00Z".parse().expect("date");
        let json = serde_json::to_value(Forecast::RunsOutOn(at)).expect("json");
        assert_eq!(json["kind"], "runs_out_on");
        assert_eq!(json["value"], "2026-12-24T10:00:00Z");
        let unknown =
            serde_json::to_value(Forecast::Unknown(ForecastUnknown::Stale)).expect("json");
        assert_eq!(unknown["kind"], "unknown");
        assert_eq!(unknown["value"], "stale");
        let back: Forecast = serde_json::from_value(json).expect("back");
        assert_eq!(back, Forecast::RunsOutOn(at));
    }

    #[test]
    fn says_what_it_means() {
        let at: DateTime<Utc> = "2026-12-24T10:00:00Z".parse().expect("date");
        assert_eq!(
            Forecast::LastsUntilReset(at).to_string(),
            "lasts until reset 2026-12-24"
        );
        assert_eq!(
            Forecast::Unknown(ForecastUnknown::TooFewReadings).to_string(),
            "too few readings yet"
        );
        assert!(Forecast::Exhausted.urgency_key() < Forecast::RunsOutOn(at).urgency_key());
    }
}
