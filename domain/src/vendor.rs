//! The vendors Quotaboard knows. Adding one means a new variant here and one new
//! client file in `engine::vendors`.

use std::{fmt, str::FromStr};

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Vendor {
    #[serde(rename = "ocr-space")]
    OcrSpace,
    #[serde(rename = "structocr")]
    StructOcr,
    #[serde(rename = "platerecognizer")]
    PlateRecognizerCloud,
    /// The on-premise Plate Recognizer SDK: no API key, one instance per base URL.
    #[serde(rename = "platerecognizer-sdk")]
    PlateRecognizerSdk,
}

impl Vendor {
    pub const ALL: [Vendor; 4] = [
        Vendor::OcrSpace,
        Vendor::StructOcr,
        Vendor::PlateRecognizerCloud,
        Vendor::PlateRecognizerSdk,
    ];

    /// Stable identifier used in URLs, configuration and the database.
    pub const fn slug(self) -> &'static str {
        match self {
            Vendor::OcrSpace => "ocr-space",
            Vendor::StructOcr => "structocr",
            Vendor::PlateRecognizerCloud => "platerecognizer",
            Vendor::PlateRecognizerSdk => "platerecognizer-sdk",
        }
    }

    /// What a person reads.
    pub const fn display_name(self) -> &'static str {
        match self {
            Vendor::OcrSpace => "OCR.space",
            Vendor::StructOcr => "StructOCR",
            Vendor::PlateRecognizerCloud => "Plate Recognizer Cloud",
            Vendor::PlateRecognizerSdk => "Plate Recognizer SDK",
        }
    }

    /// The vendor's real API root; every key may override it (tests, the simulator,
    /// and the SDK, which runs wherever its owner installed it).
    pub const fn default_base_url(self) -> &'static str {
        match self {
            Vendor::OcrSpace => "https://myapi.ocr.space",
            Vendor::StructOcr => "https://structocr.com",
            Vendor::PlateRecognizerCloud => "https://api.platerecognizer.com",
            Vendor::PlateRecognizerSdk => "http://localhost:8080",
        }
    }

    /// Whether the usage reply carries the limit. OCR.space's does not: its monthly
    /// limit must be configured per key.
    pub const fn reports_limit(self) -> bool {
        !matches!(self, Vendor::OcrSpace)
    }

    /// Whether requests carry a secret. The SDK's `/info/` has no authentication.
    pub const fn needs_api_key(self) -> bool {
        !matches!(self, Vendor::PlateRecognizerSdk)
    }
}

impl fmt::Display for Vendor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.slug())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown vendor {0:?} (expected one of: ocr-space, structocr, platerecognizer, platerecognizer-sdk)"
)]
pub struct UnknownVendor(pub String);

impl FromStr for Vendor {
    type Err = UnknownVendor;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Vendor::ALL
            .into_iter()
            .find(|vendor| vendor.slug() == s.trim())
            .ok_or_else(|| UnknownVendor(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_round_trip_through_from_str_display_and_serde() {
        for vendor in Vendor::ALL {
            assert_eq!(vendor.slug().parse::<Vendor>(), Ok(vendor));
            assert_eq!(vendor.to_string(), vendor.slug());
            let json = serde_json::to_string(&vendor).expect("serialise");
            assert_eq!(json, format!("\"{}\"", vendor.slug()));
            let back: Vendor = serde_json::from_str(&json).expect("deserialise");
            assert_eq!(back, vendor);
        }
    }

    #[test]
    fn unknown_slug_is_an_error_naming_it() {
        let error = "ocrspace".parse::<Vendor>().expect_err("unknown");
        assert!(error.to_string().contains("ocrspace"));
    }

    #[test]
    fn only_ocr_space_lacks_a_reported_limit() {
        let without: Vec<_> = Vendor::ALL
            .into_iter()
            .filter(|v| !v.reports_limit())
            .collect();
        assert_eq!(without, vec![Vendor::OcrSpace]);
    }

    #[test]
    fn default_base_urls_are_the_vendors_real_ones() {
        assert_eq!(
            Vendor::OcrSpace.default_base_url(),
            "https://myapi.ocr.space"
        );
        assert_eq!(
            Vendor::StructOcr.default_base_url(),
            "https://structocr.com"
        );
        assert_eq!(
            Vendor::PlateRecognizerCloud.default_base_url(),
            "https://api.platerecognizer.com"
        );
        assert_eq!(
            Vendor::PlateRecognizerSdk.default_base_url(),
            "http://localhost:8080"
        );
    }
}
