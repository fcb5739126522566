//! The one normalised usage reading every vendor client produces.
//!
//! Counts are integers (`u64`, or `i64` where a vendor may report an overdraft); a
//! figure the vendor did not give is `None`, never 0; and every figure says where it
//! came from, because a configured or inferred number deserves less trust in the UI
//! than one the vendor reported.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{Percent, Vendor};

/// Where a figure came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FigureSource {
    /// The vendor's reply said so.
    Vendor,
    /// The key's configuration said so (e.g. OCR.space's monthly limit).
    Configured,
    /// Quotaboard derived it (e.g. remaining = limit − used, or "resets on the 1st").
    Inferred,
}

/// A value and where it came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Figure<T> {
    pub value: T,
    pub source: FigureSource,
}

impl<T> Figure<T> {
    pub const fn vendor(value: T) -> Self {
        Self {
            value,
            source: FigureSource::Vendor,
        }
    }

    pub const fn configured(value: T) -> Self {
        Self {
            value,
            source: FigureSource::Configured,
        }
    }

    pub const fn inferred(value: T) -> Self {
        Self {
            value,
            source: FigureSource::Inferred,
        }
    }
}

/// What the headline figures describe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// This key alone.
    Key,
    /// The whole account the key belongs to, shared by all its keys (StructOCR's
    /// credit pool): alert once per account, not once per key.
    Account,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageReading {
    pub vendor: Vendor,
    pub scope: Scope,
    /// Calls, conversions or credits consumed in the period (or all-time, for an
    /// account pool without periods).
    pub used: Option<Figure<u64>>,
    pub limit: Option<Figure<u64>>,
    /// Signed: a vendor may let usage run past the limit.
    pub remaining: Option<Figure<i64>>,
    pub period_start: Option<Figure<DateTime<Utc>>>,
    /// When the counter next resets; `None` for credits that never reset.
    pub resets_on: Option<Figure<DateTime<Utc>>>,
    /// The moment the figures describe. Usually the fetch time; OCR.space counts only
    /// up to the end of yesterday.
    pub as_of: DateTime<Utc>,
    /// Top-level fields the vendor added that Quotaboard does not know yet: not an
    /// error, but a sign its API is changing.
    pub unknown_fields: Vec<String>,
    pub details: VendorDetails,
}

impl UsageReading {
    /// Share of the limit used, in hundredths of a percent, when both are known.
    pub fn used_percent(&self) -> Option<Percent> {
        let used = self.used?.value;
        let limit = self.limit?.value;
        if limit == 0 {
            return None;
        }
        let hundredths = used.saturating_mul(10_000) / limit;
        u32::try_from(hundredths)
            .ok()
            .map(|hundredths| Percent { hundredths })
    }
}

/// Vendor-specific figures beyond the headline ones.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "vendor", rename_all = "snake_case")]
pub enum VendorDetails {
    OcrSpace(OcrSpaceDetails),
    StructOcr(StructOcrDetails),
    PlateRecognizerCloud(PlateRecognizerCloudDetails),
    PlateRecognizerSdk(PlateRecognizerSdkDetails),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OcrSpaceDetails {
    pub engine1: Option<u64>,
    pub engine2: Option<u64>,
    pub engine3: Option<u64>,
    pub total: Option<u64>,
    /// OCR.space answers an invalid key with zero conversions, so an all-zero reply
    /// cannot be told from an unused key: show it as unverified.
    pub unverified: bool,
    /// True for the `startDate=lastMonth` close-out of the previous month.
    pub last_month: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StructOcrDetails {
    pub period_start: Option<DateTime<Utc>>,
    pub period_end: Option<DateTime<Utc>>,
    pub account: StructOcrAccount,
    pub this_key: StructOcrKey,
}

/// All-time figures of the whole account, shared by every key (`account` block),
/// plus the account's current-period activity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StructOcrAccount {
    pub credits_total: u64,
    pub credits_used: u64,
    pub credits_remaining: i64,
    pub credits_this_period: Option<u64>,
    pub requests_this_period: Option<u64>,
    pub error_rate: Option<Percent>,
    pub avg_latency_ms: Option<u64>,
}

/// This key's figures in the current billing period (`this_key` block).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StructOcrKey {
    pub credits_used: Option<u64>,
    pub requests: Option<u64>,
    pub error_rate: Option<Percent>,
    pub avg_latency_ms: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlateRecognizerCloudDetails {
    pub month: Option<u32>,
    pub year: Option<i32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlateRecognizerSdkDetails {
    pub version: Option<String>,
    pub webhooks: Option<usize>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reading(used: Option<u64>, limit: Option<u64>) -> UsageReading {
        UsageReading {
            vendor: Vendor::PlateRecognizerCloud,
            scope: Scope::Key,
            used: used.map(Figure::vendor),
            limit: limit.map(Figure::vendor),
            remaining: None,
            period_start: None,
            resets_on: None,
            as_of: DateTime::<Utc>::UNIX_EPOCH,
            unknown_fields: vec![],
            details: VendorDetails::PlateRecognizerCloud(PlateRecognizerCloudDetails {
                month: None,
                year: None,
            }),
        }
    }

    #[test]
    fn used_percent_needs_both_figures_and_a_nonzero_limit() {
        assert_eq!(
            reading(Some(128), Some(2500)).used_percent(),
            Some(Percent { hundredths: 512 })
        );
        assert_eq!(reading(None, Some(2500)).used_percent(), None);
        assert_eq!(reading(Some(1), None).used_percent(), None);
        assert_eq!(reading(Some(1), Some(0)).used_percent(), None);
    }

    #[test]
    fn serialises_with_sources_and_tagged_details() {
        let json = serde_json::to_value(reading(Some(1), Some(2))).expect("json");
        assert_eq!(json["used"]["source"], "vendor");
        assert_eq!(json["details"]["vendor"], "plate_recognizer_cloud");
        assert!(json["remaining"].is_null());
    }
}
