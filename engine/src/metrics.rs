//! Prometheus metrics (`GET /metrics`, text exposition format): per-key gauges read
//! from the newest polls at scrape time, and counters and a duration histogram kept
//! by the poller as it runs. Labels carry the vendor and the key's label and id,
//! never a secret.

use domain::Vendor;
use prometheus_client::{
    encoding::{EncodeLabelSet, text::encode},
    metrics::{counter::Counter, family::Family, gauge::Gauge, histogram::Histogram},
    registry::Registry,
};

use crate::{
    Store,
    overview::{self, Overview, RowSubject, StatusThresholds},
    poller::CycleReport,
};

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PollLabels {
    vendor: String,
    /// `ok`, `error` or `skipped`.
    outcome: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct VendorLabels {
    vendor: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KeyLabels {
    key_id: String,
    vendor: String,
    label: String,
}

/// What the poller counts; shared (cheap clones) between the poll service and the
/// `/metrics` handler.
#[derive(Debug, Clone)]
pub struct PollMetrics {
    polls: Family<PollLabels, Counter>,
    durations: Family<VendorLabels, Histogram>,
    cycles: Counter,
}

fn duration_histogram() -> Histogram {
    // 50 ms to ~25 s: a healthy vendor answers in well under a second; timeouts and
    // retries land in the top buckets.
    Histogram::new(prometheus_client::metrics::histogram::exponential_buckets(
        0.05, 2.0, 10,
    ))
}

impl Default for PollMetrics {
    fn default() -> Self {
        Self {
            polls: Family::default(),
            durations: Family::new_with_constructor(duration_histogram),
            cycles: Counter::default(),
        }
    }
}

impl PollMetrics {
    /// Counts one finished cycle: one poll per line, its outcome and duration.
    pub fn record(&self, report: &CycleReport) {
        self.cycles.inc();
        for line in &report.lines {
            let vendor = line.vendor.map_or("unknown", Vendor::slug).to_owned();
            self.polls
                .get_or_create(&PollLabels {
                    vendor: vendor.clone(),
                    outcome: line.outcome.to_owned(),
                })
                .inc();
            self.durations
                .get_or_create(&VendorLabels { vendor })
                .observe(line.duration.as_secs_f64());
        }
    }

    /// For tests: polls counted for a vendor and outcome.
    pub fn polls(&self, vendor: &str, outcome: &str) -> u64 {
        self.polls
            .get_or_create(&PollLabels {
                vendor: vendor.to_owned(),
                outcome: outcome.to_owned(),
            })
            .get()
    }
}

/// The whole exposition: the poller's counters plus per-key gauges from the newest
/// polls (one query).
pub async fn render(store: &Store, polls: &PollMetrics) -> Result<String, sqlx::Error> {
    let overview = overview::load(
        store,
        &domain::OverviewQuery::default(),
        &StatusThresholds::default(),
        chrono::Utc::now(),
    )
    .await?;
    Ok(encode_all(&overview, polls))
}

fn encode_all(overview: &Overview, polls: &PollMetrics) -> String {
    let mut registry = Registry::with_prefix("quotaboard");
    registry.register(
        "polls",
        "Vendor usage polls, by vendor and outcome (ok, error, skipped)",
        polls.polls.clone(),
    );
    registry.register(
        "poll_duration_seconds",
        "Time one key's poll took, retries included",
        polls.durations.clone(),
    );
    registry.register("poll_cycles", "Poll cycles finished", polls.cycles.clone());

    let used = Family::<KeyLabels, Gauge>::default();
    let limit = Family::<KeyLabels, Gauge>::default();
    let remaining = Family::<KeyLabels, Gauge>::default();
    let failures = Family::<KeyLabels, Gauge>::default();
    for row in &overview.rows {
        let RowSubject::Key(id) = row.subject else {
            continue;
        };
        let labels = KeyLabels {
            key_id: id.0.to_string(),
            vendor: row.vendor.slug().to_owned(),
            label: escape(&row.label),
        };
        let set = |family: &Family<KeyLabels, Gauge>, value: Option<i64>| {
            if let Some(value) = value {
                family.get_or_create(&labels).set(value);
            }
        };
        set(&used, row.used.map(saturating));
        set(&limit, row.limit.map(saturating));
        set(&remaining, row.remaining);
        set(&failures, Some(row.failures));
    }
    registry.register(
        "key_used",
        "Used in the current period (newest good reading)",
        used,
    );
    registry.register("key_limit", "The key's limit (newest good reading)", limit);
    registry.register(
        "key_remaining",
        "Remaining (newest good reading); negative when over the limit",
        remaining,
    );
    registry.register("key_failures", "Failed polls in a row", failures);

    let mut out = String::new();
    // Writing into a String cannot fail.
    let _ = encode(&mut out, &registry);
    out
}

/// prometheus-client writes label values as given, so a label with a quote or a
/// backslash would break the exposition: escape as the text format says.
fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

fn saturating(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape("Gate \"North\""), "Gate \\\"North\\\"");
        assert_eq!(escape("a\\b\nc"), "a\\\\b\\nc");
        assert_eq!(escape("plain"), "plain");
    }
}
