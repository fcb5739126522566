//! The overview's vocabulary: a key's status, and the view the URL describes (filters
//! and sort order), parsed once from the query string and written back into links.

use std::{fmt, str::FromStr};

use serde::{Deserialize, Serialize};

use crate::Vendor;

/// How a key (or an account pool) is doing, worst first in sort order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyStatus {
    /// At or over the critical share of its limit, or used up.
    Critical,
    /// The newest poll failed.
    Error,
    /// At or over the warning share of its limit.
    Warning,
    /// Not polled yet, or the figures cannot be trusted (OCR.space's all-zero reply
    /// to an invalid key looks exactly like an unused key).
    Unverified,
    Ok,
    /// Not polled: someone disabled it.
    Disabled,
}

impl KeyStatus {
    pub const ALL: [KeyStatus; 6] = [
        KeyStatus::Ok,
        KeyStatus::Warning,
        KeyStatus::Critical,
        KeyStatus::Error,
        KeyStatus::Unverified,
        KeyStatus::Disabled,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            KeyStatus::Critical => "critical",
            KeyStatus::Error => "error",
            KeyStatus::Warning => "warning",
            KeyStatus::Unverified => "unverified",
            KeyStatus::Ok => "ok",
            KeyStatus::Disabled => "disabled",
        }
    }
}

impl fmt::Display for KeyStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown status {0:?} (expected ok, warning, critical, error, unverified or disabled)")]
pub struct UnknownStatus(pub String);

impl FromStr for KeyStatus {
    type Err = UnknownStatus;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        KeyStatus::ALL
            .into_iter()
            .find(|status| status.as_str() == s)
            .ok_or_else(|| UnknownStatus(s.to_owned()))
    }
}

/// A column the overview sorts by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum SortColumn {
    Vendor,
    Label,
    Owner,
    Used,
    Limit,
    Remaining,
    /// Share of the limit used.
    Percent,
    Resets,
    Forecast,
    /// Worst first, the default.
    #[default]
    Status,
    /// Age of the newest figures.
    Age,
}

impl SortColumn {
    pub const ALL: [SortColumn; 11] = [
        SortColumn::Vendor,
        SortColumn::Label,
        SortColumn::Owner,
        SortColumn::Used,
        SortColumn::Limit,
        SortColumn::Remaining,
        SortColumn::Percent,
        SortColumn::Resets,
        SortColumn::Forecast,
        SortColumn::Status,
        SortColumn::Age,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            SortColumn::Vendor => "vendor",
            SortColumn::Label => "label",
            SortColumn::Owner => "owner",
            SortColumn::Used => "used",
            SortColumn::Limit => "limit",
            SortColumn::Remaining => "remaining",
            SortColumn::Percent => "percent",
            SortColumn::Resets => "resets",
            SortColumn::Forecast => "forecast",
            SortColumn::Status => "status",
            SortColumn::Age => "age",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// What the overview shows: the filters and the sort order, all in the URL so a view
/// can be shared (`/?vendor=structocr&status=critical&sort=remaining`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct OverviewQuery {
    pub vendor: Option<Vendor>,
    pub status: Option<KeyStatus>,
    /// Exact owner tag.
    pub owner: Option<String>,
    pub sort: SortColumn,
    pub descending: bool,
}

impl OverviewQuery {
    /// Reads the query string's pairs. Unknown or empty values mean "no filter" and
    /// are reported, so the page can say which part of a link it ignored.
    pub fn from_pairs<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> (Self, Vec<String>) {
        let mut query = Self::default();
        let mut ignored = Vec::new();
        for (name, value) in pairs {
            let value = value.trim();
            if value.is_empty() {
                continue;
            }
            match name {
                "vendor" => match value.parse() {
                    Ok(vendor) => query.vendor = Some(vendor),
                    Err(_) => ignored.push(format!("vendor {value:?}")),
                },
                "status" => match value.parse() {
                    Ok(status) => query.status = Some(status),
                    Err(_) => ignored.push(format!("status {value:?}")),
                },
                "owner" => query.owner = Some(value.to_owned()),
                "sort" => match SortColumn::parse(value) {
                    Some(column) => query.sort = column,
                    None => ignored.push(format!("sort column {value:?}")),
                },
                "dir" => match value {
                    "asc" => query.descending = false,
                    "desc" => query.descending = true,
                    _ => ignored.push(format!("sort direction {value:?}")),
                },
                _ => {}
            }
        }
        (query, ignored)
    }

    /// The query string for this view (without `?`), defaults left out.
    pub fn to_query_string(&self) -> String {
        let mut pairs: Vec<(&str, String)> = Vec::new();
        if let Some(vendor) = self.vendor {
            pairs.push(("vendor", vendor.slug().to_owned()));
        }
        if let Some(status) = self.status {
            pairs.push(("status", status.as_str().to_owned()));
        }
        if let Some(owner) = &self.owner {
            pairs.push(("owner", owner.clone()));
        }
        if self.sort != SortColumn::default() {
            pairs.push(("sort", self.sort.as_str().to_owned()));
        }
        if self.descending {
            pairs.push(("dir", "desc".to_owned()));
        }
        pairs
            .into_iter()
            .map(|(name, value)| format!("{name}={}", encode(&value)))
            .collect::<Vec<_>>()
            .join("&")
    }

    /// The link a column header points to: sort by it, or flip the direction when the
    /// view is already sorted by it. Filters are kept.
    pub fn sorted_by(&self, column: SortColumn) -> Self {
        Self {
            sort: column,
            descending: self.sort == column && !self.descending,
            ..self.clone()
        }
    }
}

/// Percent-encodes everything but unreserved characters (RFC 3986).
fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_query_string_round_trips() {
        let (query, ignored) = OverviewQuery::from_pairs([
            ("vendor", "structocr"),
            ("status", "critical"),
            ("owner", "team ocr/β"),
            ("sort", "remaining"),
            ("dir", "desc"),
        ]);
        assert!(ignored.is_empty());
        assert_eq!(query.vendor, Some(Vendor::StructOcr));
        assert_eq!(query.status, Some(KeyStatus::Critical));
        assert_eq!(query.sort, SortColumn::Remaining);
        assert!(query.descending);
        assert_eq!(
            query.to_query_string(),
            "vendor=structocr&status=critical&owner=team%20ocr%2F%CE%B2&sort=remaining&dir=desc"
        );
    }

    #[test]
    fn bad_values_are_ignored_and_named() {
        let (query, ignored) = OverviewQuery::from_pairs([
            ("vendor", "acme"),
            ("sort", "colour"),
            ("status", ""),
            ("x", "1"),
        ]);
        assert_eq!(query, OverviewQuery::default());
        assert_eq!(ignored, ["vendor \"acme\"", "sort column \"colour\""]);
        assert_eq!(query.to_query_string(), "");
    }

    #[test]
    fn a_header_link_sorts_then_flips() {
        let query = OverviewQuery::default();
        let by_label = query.sorted_by(SortColumn::Label);
        assert_eq!(by_label.to_query_string(), "sort=label");
        assert_eq!(
            by_label.sorted_by(SortColumn::Label).to_query_string(),
            "sort=label&dir=desc"
        );
    }

    #[test]
    fn statuses_parse_and_sort_worst_first() {
        for status in KeyStatus::ALL {
            assert_eq!(status.as_str().parse(), Ok(status));
        }
        assert!(KeyStatus::Critical < KeyStatus::Warning);
        assert!(KeyStatus::Ok < KeyStatus::Disabled);
    }
}
