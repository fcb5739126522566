//! Every key at a glance: its newest figures, status, forecast and firing alerts, one
//! row per key and one per StructOCR account pool, with totals per vendor. Read in one
//! query (`store::overview::rows`) plus the firing alert states; filtering and sorting
//! happen here, on the rows.
//!
//! The rows are kept in memory between requests ([`Cache`], one per [`Store`]): each
//! request reads one number, `overview_version`, which database triggers move on every
//! change to a key, its newest poll, its forecast or an alert state (whoever writes:
//! the server's poller, "Poll now", an edit, or `quotaboard poll --once` in another
//! process), and the rows are rebuilt only when it moved. So a page is never older
//! than the database, and 1,000 readings are parsed once per change, not per request.
//! What depends on the clock (a forecast turning stale) is applied per request.

use std::{
    cmp::Ordering,
    collections::{BTreeMap, HashMap},
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering as AtomicOrdering},
    },
};

use chrono::{DateTime, Utc};
use domain::{
    AlertLevel, Forecast, ForecastUnknown, KeyId, KeyStatus, OverviewQuery, Percent, RuleKind,
    Scope, Severity, SortColumn, UsageReading, Vendor, VendorDetails,
};

use crate::{
    Store,
    alerts::quota_subject,
    forecast,
    store::{alerts::StateRow, forecasts, overview::OverviewDbRow},
};

/// When a key counts as running low. One place, so per-key alert rules can replace
/// it later.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusThresholds {
    pub warning: Percent,
    pub critical: Percent,
}

impl Default for StatusThresholds {
    fn default() -> Self {
        Self {
            warning: Percent { hundredths: 8_000 },
            critical: Percent { hundredths: 9_500 },
        }
    }
}

/// What a status is judged from.
#[derive(Debug, Clone, Copy)]
pub struct StatusInput<'a> {
    pub enabled: bool,
    /// The newest poll's outcome (`ok`, `error`, `skipped`), `None` if never polled.
    pub outcome: Option<&'a str>,
    /// The last good reading, which survives later failures.
    pub reading: Option<&'a UsageReading>,
}

/// The one place a key's status is decided.
pub fn derive_status(input: &StatusInput<'_>, thresholds: &StatusThresholds) -> KeyStatus {
    if !input.enabled {
        return KeyStatus::Disabled;
    }
    match input.outcome {
        None => return KeyStatus::Unverified,
        Some("error") => return KeyStatus::Error,
        _ => {}
    }
    let Some(reading) = input.reading else {
        return KeyStatus::Unverified;
    };
    if let VendorDetails::OcrSpace(details) = &reading.details
        && details.unverified
    {
        return KeyStatus::Unverified;
    }
    if reading.remaining.is_some_and(|r| r.value <= 0) {
        return KeyStatus::Critical;
    }
    match reading.used_percent() {
        Some(used) if used >= thresholds.critical => KeyStatus::Critical,
        Some(used) if used >= thresholds.warning => KeyStatus::Warning,
        _ => KeyStatus::Ok,
    }
}

/// What a row stands for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum RowSubject {
    Key(KeyId),
    /// Several StructOCR keys sharing one account (same `account_ref`): the
    /// account's credits are shown once, here, and its keys below it.
    Pool {
        account: String,
        keys: Vec<KeyId>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct OverviewRow {
    pub subject: RowSubject,
    pub vendor: Vendor,
    pub label: String,
    pub owner_tag: Option<String>,
    pub enabled: bool,
    /// What the figures describe (`Account` for StructOCR's shared credits).
    pub scope: Option<Scope>,
    /// For a key inside a pool: the pool's account. Its figures are then this key's
    /// own usage this period; the pool row carries the limit.
    pub pool: Option<String>,
    pub used: Option<u64>,
    pub limit: Option<u64>,
    pub remaining: Option<i64>,
    pub used_percent: Option<Percent>,
    pub resets_on: Option<DateTime<Utc>>,
    /// The moment the figures describe (OCR.space: the end of yesterday).
    pub as_of: Option<DateTime<Utc>>,
    pub polled_at: Option<DateTime<Utc>>,
    pub forecast: Forecast,
    pub status: KeyStatus,
    /// The newest poll's failure in words (never containing the key).
    pub last_error: Option<String>,
    /// Failed polls in a row.
    pub failures: i64,
    /// The alerts firing on this row's subject, most severe first: a pool row has
    /// its account's alerts, a key row its own (a key inside a pool only those about
    /// the key itself, such as failing).
    pub alerts: Vec<RowAlert>,
    /// When the reading the stored forecast was made from was taken; `None` when the
    /// forecast is fixed (disabled key, key inside a pool), so it never turns stale.
    forecast_from: Option<Option<DateTime<Utc>>>,
    /// The label in lower case, made once per build: what sorting compares.
    label_key: String,
}

/// A firing alert, as a row shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowAlert {
    pub severity: Severity,
    /// The step of the rule that was crossed, in words: `95 % used`.
    pub text: String,
    /// The figure when it was last judged: `412 calls left (4 %)`.
    pub summary: String,
    pub since: DateTime<Utc>,
    /// About the quota (not "key failing"): such an alert raises the row's status.
    pub about_quota: bool,
}

impl OverviewRow {
    pub fn key_id(&self) -> Option<KeyId> {
        match self.subject {
            RowSubject::Key(id) => Some(id),
            RowSubject::Pool { .. } => None,
        }
    }

    /// Whether its figures add to the vendor's totals: a key inside a pool does not
    /// (the pool row counts the account once), nor does a disabled key.
    fn counts_in_totals(&self) -> bool {
        self.enabled && self.pool.is_none()
    }
}

/// Sums for one vendor over the rows shown.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VendorTotal {
    pub vendor: Option<Vendor>,
    pub rows: usize,
    pub used: u64,
    pub limit: u64,
    pub remaining: i64,
    pub critical: usize,
    pub warning: usize,
    pub error: usize,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Overview {
    pub rows: Vec<OverviewRow>,
    pub totals: Vec<VendorTotal>,
    /// Every owner tag in use, for the filter.
    pub owners: Vec<String>,
    /// Rows before filtering.
    pub all_rows: usize,
}

/// Every row, before filtering, as of one `overview_version`: shared by all requests
/// until the database moves on.
#[derive(Debug)]
pub struct Snapshot {
    version: i64,
    thresholds: StatusThresholds,
    rows: Vec<OverviewRow>,
    owners: Vec<String>,
}

impl Snapshot {
    /// The `overview_version` these rows are as of: what is drawn from them stays
    /// right until it moves.
    pub fn version(&self) -> i64 {
        self.version
    }
}

/// The overview's rows in memory, one per [`Store`] (its clones share it).
#[derive(Debug, Default)]
pub struct Cache {
    current: tokio::sync::Mutex<Option<Arc<Snapshot>>>,
    builds: AtomicU64,
}

impl Cache {
    /// How often the rows were built from the database: once per change, not per
    /// request (for tests and benchmarks).
    pub fn builds(&self) -> u64 {
        self.builds.load(AtomicOrdering::Relaxed)
    }
}

/// Builds the view the query asks for from the rows in memory, first rebuilding them
/// if the database changed since (see the module's documentation).
pub async fn load(
    store: &Store,
    query: &OverviewQuery,
    thresholds: &StatusThresholds,
    now: DateTime<Utc>,
) -> Result<Overview, sqlx::Error> {
    let snapshot = snapshot(store, thresholds).await?;
    Ok(view(&snapshot, query, now))
}

/// The rows as of the database's current `overview_version`.
pub async fn snapshot(
    store: &Store,
    thresholds: &StatusThresholds,
) -> Result<Arc<Snapshot>, sqlx::Error> {
    use crate::store::{alerts, overview};

    let version = overview::version(store.pool()).await?;
    let cache = store.overview_cache();
    // Held while rebuilding: concurrent requests wait for one build, not start ten.
    let mut current = cache.current.lock().await;
    if let Some(snapshot) = current
        .as_ref()
        .filter(|s| s.version == version && s.thresholds == *thresholds)
    {
        return Ok(Arc::clone(snapshot));
    }
    // One read transaction: the version, the rows and the alerts agree.
    let mut tx = store.pool().begin().await?;
    let version = overview::version(&mut *tx).await?;
    let db_rows = overview::rows(&mut *tx).await?;
    let firing = alerts::firing(&mut *tx).await?;
    tx.commit().await?;
    let snapshot = Arc::new(build_snapshot(db_rows, &firing, thresholds, version));
    cache.builds.fetch_add(1, AtomicOrdering::Relaxed);
    *current = Some(Arc::clone(&snapshot));
    Ok(snapshot)
}

/// The pure part of [`load`]: `firing` are the alert states not `ok`.
pub fn build(
    db_rows: Vec<OverviewDbRow>,
    firing: &[StateRow],
    query: &OverviewQuery,
    thresholds: &StatusThresholds,
    now: DateTime<Utc>,
) -> Overview {
    view(&build_snapshot(db_rows, firing, thresholds, 0), query, now)
}

/// The rows the query asks for, filtered, aged to `now` and sorted, with totals.
pub fn view(snapshot: &Snapshot, query: &OverviewQuery, now: DateTime<Utc>) -> Overview {
    let mut rows: Vec<OverviewRow> = snapshot
        .rows
        .iter()
        .filter(|row| matches(row, query))
        .cloned()
        .collect();
    for row in &mut rows {
        if let Some(reading_at) = row.forecast_from {
            row.forecast = forecast::as_seen(row.forecast, row.vendor, reading_at, now);
        }
    }
    sort(&mut rows, query);
    let totals = totals(&rows);
    Overview {
        rows,
        totals,
        owners: snapshot.owners.clone(),
        all_rows: snapshot.rows.len(),
    }
}

fn build_snapshot(
    db_rows: Vec<OverviewDbRow>,
    firing: &[StateRow],
    thresholds: &StatusThresholds,
    version: i64,
) -> Snapshot {
    let mut owners: Vec<String> = db_rows.iter().filter_map(|r| r.owner_tag.clone()).collect();
    owners.sort();
    owners.dedup();

    let mut pool_sizes: BTreeMap<&str, usize> = BTreeMap::new();
    for row in &db_rows {
        if let Some(account) = pool_account(row) {
            *pool_sizes.entry(account).or_default() += 1;
        }
    }
    let pooled = |row: &OverviewDbRow| {
        pool_account(row)
            .filter(|account| pool_sizes.get(account).copied().unwrap_or(0) > 1)
            .map(str::to_owned)
    };

    let mut alerts = alerts_by_subject(firing);
    let mut take_alerts = |subject: &str| alerts.remove(subject).unwrap_or_default();

    let mut rows = Vec::with_capacity(db_rows.len());
    let mut pools: BTreeMap<String, Vec<PoolMember>> = BTreeMap::new();
    for db in &db_rows {
        let Ok(vendor) = db.vendor.parse::<Vendor>() else {
            // The table's CHECK allows only known vendors.
            continue;
        };
        let reading = db
            .reading
            .as_deref()
            .and_then(|json| serde_json::from_str::<UsageReading>(json).ok());
        let mut row = key_row(db, vendor, reading.as_ref(), thresholds);
        row.alerts = take_alerts(&format!("key:{}", db.id));
        let pool = pooled(db);
        if pool.is_none() && vendor == Vendor::StructOcr {
            // A StructOCR key alone on its account: its quota alerts are the account's.
            row.alerts.extend(take_alerts(&quota_subject(
                db.id,
                &db.vendor,
                db.account_ref.as_deref(),
            )));
        }
        match pool {
            Some(account) => {
                // The account's forecast, worked out from this key's account figures.
                let forecast = (row.forecast, row.forecast_from);
                let member = member_row(row, &account, reading.as_ref());
                pools.entry(account).or_default().push(PoolMember {
                    row: member,
                    reading,
                    forecast,
                });
            }
            None => rows.push(row),
        }
    }
    for (account, members) in pools {
        let mut pool = pool_row(&account, &members, thresholds);
        pool.alerts = take_alerts(&quota_subject(0, Vendor::StructOcr.slug(), Some(&account)));
        rows.push(pool);
        rows.extend(members.into_iter().map(|member| member.row));
    }
    for row in &mut rows {
        row.alerts.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then_with(|| a.text.cmp(&b.text))
        });
        row.status = raised_by_alerts(row.status, &row.alerts);
    }
    Snapshot {
        version,
        thresholds: *thresholds,
        rows,
        owners,
    }
}

/// The firing states grouped by subject, each as a row shows it.
fn alerts_by_subject(firing: &[StateRow]) -> HashMap<&str, Vec<RowAlert>> {
    let mut out: HashMap<&str, Vec<RowAlert>> = HashMap::new();
    for state in firing {
        let AlertLevel::Firing(severity) = state.level() else {
            continue;
        };
        let kind = RuleKind::from_signature(&state.rule_sig);
        out.entry(state.subject.as_str())
            .or_default()
            .push(RowAlert {
                severity,
                text: kind.map_or_else(|| state.rule_text.clone(), |k| k.firing_text(severity)),
                summary: state.summary.clone(),
                since: state.since,
                about_quota: kind.is_some_and(|k| k.is_about_quota()),
            });
    }
    out
}

/// A quota alert firing on a row makes its status at least as bad, so the status
/// (and the status filter, and the totals' counts) agrees with the alerts shown,
/// also for rules stricter than the default 80 %/95 %. Failing, unverified and
/// disabled rows keep their status: it says more than the alert.
fn raised_by_alerts(status: KeyStatus, alerts: &[RowAlert]) -> KeyStatus {
    let worst = alerts
        .iter()
        .filter(|alert| alert.about_quota)
        .map(|alert| alert.severity)
        .max();
    match (status, worst) {
        (KeyStatus::Ok | KeyStatus::Warning, Some(Severity::Critical)) => KeyStatus::Critical,
        (KeyStatus::Ok, Some(Severity::Warning)) => KeyStatus::Warning,
        (status, _) => status,
    }
}

fn pool_account(row: &OverviewDbRow) -> Option<&str> {
    (row.vendor == Vendor::StructOcr.slug())
        .then_some(row.account_ref.as_deref())
        .flatten()
        .filter(|account| !account.trim().is_empty())
}

fn key_row(
    db: &OverviewDbRow,
    vendor: Vendor,
    reading: Option<&UsageReading>,
    thresholds: &StatusThresholds,
) -> OverviewRow {
    let status = derive_status(
        &StatusInput {
            enabled: db.enabled,
            outcome: db.outcome.as_deref(),
            reading,
        },
        thresholds,
    );
    let stored = db
        .forecast
        .as_deref()
        .and_then(forecasts::parse)
        .unwrap_or(Forecast::Unknown(ForecastUnknown::TooFewReadings));
    OverviewRow {
        subject: RowSubject::Key(KeyId(db.id)),
        vendor,
        label: db.label.clone(),
        owner_tag: db.owner_tag.clone(),
        enabled: db.enabled,
        scope: reading.map(|r| r.scope),
        pool: None,
        used: reading.and_then(|r| r.used).map(|f| f.value),
        limit: reading.and_then(|r| r.limit).map(|f| f.value),
        remaining: reading.and_then(|r| r.remaining).map(|f| f.value),
        used_percent: reading.and_then(UsageReading::used_percent),
        resets_on: reading.and_then(|r| r.resets_on).map(|f| f.value),
        as_of: reading.map(|r| r.as_of),
        polled_at: db.polled_at,
        // Aged to the request's clock in `view`.
        forecast: if db.enabled {
            stored
        } else {
            Forecast::Unknown(ForecastUnknown::Stale)
        },
        forecast_from: db.enabled.then_some(db.reading_at),
        label_key: db.label.to_lowercase(),
        status,
        last_error: last_error(db),
        failures: db.failures.unwrap_or(0),
        alerts: Vec::new(),
    }
}

/// A key inside a pool shows its own usage this period (StructOCR's `this_key`);
/// the account's shared credits are on the pool row.
fn member_row(mut row: OverviewRow, account: &str, reading: Option<&UsageReading>) -> OverviewRow {
    let own = reading.and_then(|r| match &r.details {
        VendorDetails::StructOcr(details) => details.this_key.credits_used,
        _ => None,
    });
    row.pool = Some(account.to_owned());
    row.scope = reading.map(|_| Scope::Key);
    row.used = own;
    row.limit = None;
    row.remaining = None;
    row.used_percent = None;
    row.resets_on = None;
    row.forecast = Forecast::Unknown(ForecastUnknown::NoLimit);
    row.forecast_from = None;
    if matches!(row.status, KeyStatus::Warning | KeyStatus::Critical) {
        row.status = KeyStatus::Ok;
    }
    row
}

struct PoolMember {
    row: OverviewRow,
    reading: Option<UsageReading>,
    /// The member's own forecast (of the account's figures) and its reading's time.
    forecast: (Forecast, Option<Option<DateTime<Utc>>>),
}

fn pool_row(account: &str, members: &[PoolMember], thresholds: &StatusThresholds) -> OverviewRow {
    // The account's figures are the same through every key: take the newest.
    let newest = members
        .iter()
        .filter_map(|m| m.reading.as_ref().map(|r| (m, r)))
        .max_by_key(|(_, reading)| reading.as_of);
    let enabled = members.iter().any(|m| m.row.enabled);
    let all_failing = members
        .iter()
        .filter(|m| m.row.enabled)
        .all(|m| m.row.status == KeyStatus::Error);
    let status = match newest {
        _ if !enabled => KeyStatus::Disabled,
        _ if all_failing => KeyStatus::Error,
        Some((_, reading)) => derive_status(
            &StatusInput {
                enabled,
                outcome: Some("ok"),
                reading: Some(reading),
            },
            thresholds,
        ),
        None => KeyStatus::Unverified,
    };
    let mut owners: Vec<&str> = members
        .iter()
        .filter_map(|m| m.row.owner_tag.as_deref())
        .collect();
    owners.sort_unstable();
    owners.dedup();
    let label = format!("Account {account} ({} keys)", members.len());
    OverviewRow {
        subject: RowSubject::Pool {
            account: account.to_owned(),
            keys: members.iter().filter_map(|m| m.row.key_id()).collect(),
        },
        vendor: Vendor::StructOcr,
        label: label.clone(),
        owner_tag: (owners.len() == 1).then(|| owners[0].to_owned()),
        enabled,
        scope: Some(Scope::Account),
        pool: None,
        used: newest.and_then(|(_, r)| r.used).map(|f| f.value),
        limit: newest.and_then(|(_, r)| r.limit).map(|f| f.value),
        remaining: newest.and_then(|(_, r)| r.remaining).map(|f| f.value),
        used_percent: newest.and_then(|(_, r)| r.used_percent()),
        resets_on: newest.and_then(|(_, r)| r.resets_on).map(|f| f.value),
        as_of: newest.map(|(_, r)| r.as_of),
        polled_at: members.iter().filter_map(|m| m.row.polled_at).max(),
        forecast: newest.map_or(
            Forecast::Unknown(ForecastUnknown::TooFewReadings),
            |(member, _)| member.forecast.0,
        ),
        forecast_from: newest.and_then(|(member, _)| member.forecast.1),
        label_key: label.to_lowercase(),
        status,
        last_error: None,
        failures: 0,
        alerts: Vec::new(),
    }
}

fn last_error(db: &OverviewDbRow) -> Option<String> {
    let message = db.error_message.as_deref()?;
    Some(match db.outcome.as_deref() {
        Some("skipped") => format!("not polled this time: {message}"),
        _ => message.to_owned(),
    })
}

fn matches(row: &OverviewRow, query: &OverviewQuery) -> bool {
    query.vendor.is_none_or(|vendor| row.vendor == vendor)
        && query.status.is_none_or(|status| row.status == status)
        && query
            .owner
            .as_deref()
            .is_none_or(|owner| row.owner_tag.as_deref() == Some(owner))
}

/// Sorts by the chosen column; rows without a value go last either way, and ties
/// keep a stable order (label, then id).
pub fn sort(rows: &mut [OverviewRow], query: &OverviewQuery) {
    fn by<T: Ord>(a: Option<T>, b: Option<T>, descending: bool) -> Ordering {
        match (a, b) {
            (Some(a), Some(b)) if descending => b.cmp(&a),
            (Some(a), Some(b)) => a.cmp(&b),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        }
    }
    let d = query.descending;
    rows.sort_by(|a, b| {
        let primary = match query.sort {
            SortColumn::Vendor => by(
                Some(a.vendor.display_name()),
                Some(b.vendor.display_name()),
                d,
            ),
            SortColumn::Label => by(Some(&a.label_key), Some(&b.label_key), d),
            SortColumn::Owner => by(a.owner_tag.as_deref(), b.owner_tag.as_deref(), d),
            SortColumn::Used => by(a.used, b.used, d),
            SortColumn::Limit => by(a.limit, b.limit, d),
            SortColumn::Remaining => by(a.remaining, b.remaining, d),
            SortColumn::Percent => by(a.used_percent, b.used_percent, d),
            SortColumn::Resets => by(a.resets_on, b.resets_on, d),
            SortColumn::Forecast => by(
                Some(a.forecast.urgency_key()),
                Some(b.forecast.urgency_key()),
                d,
            ),
            SortColumn::Status => by(Some(a.status), Some(b.status), d),
            // Oldest figures first: "age" ascending means the stalest on top.
            SortColumn::Age => by(a.as_of, b.as_of, d),
        };
        primary
            .then_with(|| a.label_key.cmp(&b.label_key))
            .then_with(|| a.key_id().cmp(&b.key_id()))
    });
}

fn totals(rows: &[OverviewRow]) -> Vec<VendorTotal> {
    let mut by_vendor: BTreeMap<Vendor, VendorTotal> = BTreeMap::new();
    for row in rows {
        let total = by_vendor.entry(row.vendor).or_insert_with(|| VendorTotal {
            vendor: Some(row.vendor),
            ..VendorTotal::default()
        });
        match row.status {
            KeyStatus::Critical => total.critical += 1,
            KeyStatus::Warning => total.warning += 1,
            KeyStatus::Error => total.error += 1,
            _ => {}
        }
        if !row.counts_in_totals() {
            continue;
        }
        total.rows += 1;
        total.used = total.used.saturating_add(row.used.unwrap_or(0));
        total.limit = total.limit.saturating_add(row.limit.unwrap_or(0));
        total.remaining = total.remaining.saturating_add(row.remaining.unwrap_or(0));
    }
    by_vendor.into_values().collect()
}

#[cfg(test)]
mod tests {
    use domain::{
        Figure, OcrSpaceDetails, PlateRecognizerCloudDetails, StructOcrAccount, StructOcrDetails,
        StructOcrKey,
    };

    use super::*;

    fn now() -> DateTime<Utc> {
        "2026-12-10T12:00:00Z".parse().expect("date")
    }

    fn pr_reading(used: u64, limit: u64) -> UsageReading {
        UsageReading {
            vendor: Vendor::PlateRecognizerCloud,
            scope: Scope::Key,
            used: Some(Figure::vendor(used)),
            limit: Some(Figure::vendor(limit)),
            remaining: Some(Figure::inferred(
                i64::try_from(limit).expect("fits") - i64::try_from(used).expect("fits"),
            )),
            period_start: None,
            resets_on: Some(Figure::vendor(
                "2026-12-14T00:00:00Z".parse().expect("date"),
            )),
            as_of: now(),
            unknown_fields: vec![],
            details: VendorDetails::PlateRecognizerCloud(PlateRecognizerCloudDetails {
                month: None,
                year: None,
            }),
        }
    }

    fn structocr_reading(account_used: u64, own: u64) -> UsageReading {
        UsageReading {
            vendor: Vendor::StructOcr,
            scope: Scope::Account,
            used: Some(Figure::vendor(account_used)),
            limit: Some(Figure::vendor(10_000)),
            remaining: Some(Figure::vendor(
                10_000 - i64::try_from(account_used).expect("fits"),
            )),
            period_start: None,
            resets_on: None,
            as_of: now(),
            unknown_fields: vec![],
            details: VendorDetails::StructOcr(StructOcrDetails {
                period_start: None,
                period_end: None,
                account: StructOcrAccount {
                    credits_total: 10_000,
                    credits_used: account_used,
                    credits_remaining: 10_000 - i64::try_from(account_used).expect("fits"),
                    credits_this_period: None,
                    requests_this_period: None,
                    error_rate: None,
                    avg_latency_ms: None,
                },
                this_key: StructOcrKey {
                    credits_used: Some(own),
                    requests: None,
                    error_rate: None,
                    avg_latency_ms: None,
                },
            }),
        }
    }

    fn db_row(
        id: i64,
        vendor: Vendor,
        label: &str,
        reading: Option<&UsageReading>,
    ) -> OverviewDbRow {
        OverviewDbRow {
            id,
            vendor: vendor.slug().to_owned(),
            label: label.to_owned(),
            owner_tag: None,
            enabled: true,
            account_ref: None,
            polled_at: reading.map(|_| now()),
            outcome: reading.map(|_| "ok".to_owned()),
            reading: reading.map(|r| serde_json::to_string(r).expect("json")),
            reading_at: reading.map(|_| now()),
            error_kind: None,
            error_message: None,
            failures: Some(0),
            forecast: Some(
                serde_json::to_string(&Forecast::RunsOutOn(now() + chrono::TimeDelta::days(3)))
                    .expect("json"),
            ),
        }
    }

    fn status(reading: Option<&UsageReading>, outcome: Option<&str>, enabled: bool) -> KeyStatus {
        derive_status(
            &StatusInput {
                enabled,
                outcome,
                reading,
            },
            &StatusThresholds::default(),
        )
    }

    #[test]
    fn status_follows_the_thresholds_and_the_newest_poll() {
        let ok = Some("ok");
        assert_eq!(
            status(Some(&pr_reading(7_999, 10_000)), ok, true),
            KeyStatus::Ok
        );
        assert_eq!(
            status(Some(&pr_reading(8_000, 10_000)), ok, true),
            KeyStatus::Warning
        );
        assert_eq!(
            status(Some(&pr_reading(9_500, 10_000)), ok, true),
            KeyStatus::Critical
        );
        assert_eq!(
            status(Some(&pr_reading(10_000, 10_000)), ok, true),
            KeyStatus::Critical
        );
        // The last good reading is kept, but a failing key is an error first.
        assert_eq!(
            status(Some(&pr_reading(10, 10_000)), Some("error"), true),
            KeyStatus::Error
        );
        assert_eq!(status(None, None, true), KeyStatus::Unverified);
        assert_eq!(
            status(Some(&pr_reading(9_999, 10_000)), ok, false),
            KeyStatus::Disabled
        );
        // A pause by the vendor keeps judging the last reading.
        assert_eq!(
            status(Some(&pr_reading(8_500, 10_000)), Some("skipped"), true),
            KeyStatus::Warning
        );
    }

    #[test]
    fn an_all_zero_ocr_space_reply_is_unverified() {
        let mut reading = pr_reading(0, 25_000);
        reading.vendor = Vendor::OcrSpace;
        reading.details = VendorDetails::OcrSpace(OcrSpaceDetails {
            engine1: Some(0),
            engine2: Some(0),
            engine3: None,
            total: Some(0),
            unverified: true,
            last_month: false,
        });
        assert_eq!(
            status(Some(&reading), Some("ok"), true),
            KeyStatus::Unverified
        );
    }

    #[test]
    fn keys_sharing_a_structocr_account_get_one_pool_row_counted_once() {
        let a = structocr_reading(9_600, 100);
        let b = structocr_reading(9_600, 250);
        let mut first = db_row(1, Vendor::StructOcr, "ocr-a", Some(&a));
        first.account_ref = Some("acme".into());
        let mut second = db_row(2, Vendor::StructOcr, "ocr-b", Some(&b));
        second.account_ref = Some("acme".into());
        let solo = db_row(
            3,
            Vendor::StructOcr,
            "ocr-solo",
            Some(&structocr_reading(1_000, 5)),
        );
        let overview = build(
            vec![first, second, solo],
            &[],
            &OverviewQuery {
                sort: SortColumn::Label,
                ..OverviewQuery::default()
            },
            &StatusThresholds::default(),
            now(),
        );
        let labels: Vec<&str> = overview.rows.iter().map(|r| r.label.as_str()).collect();
        assert_eq!(
            labels,
            ["Account acme (2 keys)", "ocr-a", "ocr-b", "ocr-solo"]
        );
        let pool = &overview.rows[0];
        assert_eq!(pool.status, KeyStatus::Critical);
        assert_eq!(
            (pool.used, pool.limit, pool.remaining),
            (Some(9_600), Some(10_000), Some(400))
        );
        assert!(matches!(pool.forecast, Forecast::RunsOutOn(_)));
        // Member rows show their own usage and no limit.
        assert_eq!(
            (overview.rows[2].used, overview.rows[2].limit),
            (Some(250), None)
        );
        assert_eq!(overview.rows[2].status, KeyStatus::Ok);
        // The account counts once, the solo key once.
        let total = &overview.totals[0];
        assert_eq!((total.rows, total.used, total.limit), (2, 10_600, 20_000));
        assert_eq!(total.critical, 1);
    }

    #[test]
    fn filters_and_sort_come_from_the_query() {
        let mut low = db_row(
            1,
            Vendor::PlateRecognizerCloud,
            "Gate B",
            Some(&pr_reading(100, 1_000)),
        );
        low.owner_tag = Some("parking".into());
        let mut high = db_row(
            2,
            Vendor::PlateRecognizerCloud,
            "gate a",
            Some(&pr_reading(990, 1_000)),
        );
        high.owner_tag = Some("parking".into());
        let never = db_row(3, Vendor::OcrSpace, "receipts", None);
        let mut failing = db_row(
            4,
            Vendor::PlateRecognizerCloud,
            "gate c",
            Some(&pr_reading(1, 1_000)),
        );
        failing.outcome = Some("error".into());
        failing.error_message = Some("the vendor rejected the key: Invalid".into());
        let rows = vec![low, high, never, failing];
        let build_with = |pairs: &[(&str, &str)]| {
            let (query, ignored) = OverviewQuery::from_pairs(pairs.iter().copied());
            assert!(ignored.is_empty());
            build(
                rows.clone(),
                &[],
                &query,
                &StatusThresholds::default(),
                now(),
            )
        };
        let labels = |overview: &Overview| -> Vec<String> {
            overview.rows.iter().map(|r| r.label.clone()).collect()
        };

        // Default: worst first.
        let all = build_with(&[]);
        assert_eq!(labels(&all), ["gate a", "gate c", "receipts", "Gate B"]);
        assert_eq!(
            all.rows[1].last_error.as_deref(),
            Some("the vendor rejected the key: Invalid")
        );
        assert_eq!(all.owners, ["parking"]);

        assert_eq!(
            labels(&build_with(&[("sort", "label")])),
            ["gate a", "Gate B", "gate c", "receipts"]
        );
        // Rows without figures go last, whatever the direction.
        assert_eq!(
            labels(&build_with(&[("sort", "remaining"), ("dir", "desc")])),
            ["gate c", "Gate B", "gate a", "receipts"]
        );
        assert_eq!(
            labels(&build_with(&[("sort", "remaining")])),
            ["gate a", "Gate B", "gate c", "receipts"]
        );
        assert_eq!(
            labels(&build_with(&[("owner", "parking"), ("sort", "label")])),
            ["gate a", "Gate B"]
        );
        assert_eq!(labels(&build_with(&[("status", "error")])), ["gate c"]);
        let ocr = build_with(&[("vendor", "ocr-space")]);
        assert_eq!(labels(&ocr), ["receipts"]);
        assert_eq!(ocr.all_rows, 4);
        assert_eq!(ocr.rows[0].status, KeyStatus::Unverified);
    }

    #[test]
    fn a_stale_forecast_is_not_shown_as_current() {
        let mut row = db_row(
            1,
            Vendor::PlateRecognizerCloud,
            "old",
            Some(&pr_reading(100, 1_000)),
        );
        row.reading_at = Some(now() - chrono::TimeDelta::days(2));
        let overview = build(
            vec![row],
            &[],
            &OverviewQuery::default(),
            &StatusThresholds::default(),
            now(),
        );
        assert_eq!(
            overview.rows[0].forecast,
            Forecast::Unknown(ForecastUnknown::Stale)
        );
    }

    fn firing(subject: &str, rule: &RuleKind, level: &str, key: i64) -> StateRow {
        StateRow {
            subject: subject.to_owned(),
            rule_sig: rule.signature(),
            subject_label: String::new(),
            rule_text: rule.describe(),
            key_id: Some(key),
            level: level.to_owned(),
            period_id: String::new(),
            summary: "412 calls left (4 %)".to_owned(),
            since: now(),
            evaluated_at: now(),
            notified_at: Some(now()),
        }
    }

    #[test]
    fn firing_alerts_sit_on_their_row_and_raise_its_status() {
        let half = RuleKind::PercentUsed(domain::Threshold {
            warning: Percent { hundredths: 5_000 },
            critical: Some(Percent { hundredths: 9_000 }),
        });
        let forecast = RuleKind::Forecast { within_days: None };
        // 60 % used: "ok" by the default thresholds, but a 50 % rule fires.
        let busy = db_row(
            1,
            Vendor::PlateRecognizerCloud,
            "busy",
            Some(&pr_reading(600, 1_000)),
        );
        let calm = db_row(
            2,
            Vendor::PlateRecognizerCloud,
            "calm",
            Some(&pr_reading(10, 1_000)),
        );
        let mut a = db_row(
            3,
            Vendor::StructOcr,
            "ocr-a",
            Some(&structocr_reading(2_000, 1)),
        );
        a.account_ref = Some("acme".into());
        let mut b = db_row(
            4,
            Vendor::StructOcr,
            "ocr-b",
            Some(&structocr_reading(2_000, 1)),
        );
        b.account_ref = Some("acme".into());
        let solo = db_row(
            5,
            Vendor::StructOcr,
            "solo",
            Some(&structocr_reading(100, 1)),
        );
        let states = [
            firing("key:1", &half, "warning", 1),
            firing("key:1", &forecast, "warning", 1),
            firing("account:structocr:acme", &half, "critical", 3),
            // The failing rule is about the key, even inside a pool; it does not
            // raise a quota status.
            firing("key:4", &RuleKind::KeyFailing, "critical", 4),
            firing("account:structocr:key-5", &forecast, "warning", 5),
            firing("key:2", &half, "ok", 2),
        ];
        let rows = vec![busy, calm, a, b, solo];
        let overview = build(
            rows.clone(),
            &states,
            &OverviewQuery {
                sort: SortColumn::Label,
                ..OverviewQuery::default()
            },
            &StatusThresholds::default(),
            now(),
        );
        let row = |label: &str| {
            overview
                .rows
                .iter()
                .find(|r| r.label == label)
                .unwrap_or_else(|| panic!("{label}"))
        };
        let texts = |label: &str| -> Vec<(Severity, String)> {
            row(label)
                .alerts
                .iter()
                .map(|a| (a.severity, a.text.clone()))
                .collect()
        };
        assert_eq!(
            texts("busy"),
            [
                (Severity::Warning, "50 % used".to_owned()),
                (
                    Severity::Warning,
                    "runs out before the period resets".to_owned()
                ),
            ]
        );
        assert_eq!(row("busy").status, KeyStatus::Warning);
        assert_eq!(row("busy").alerts[0].summary, "412 calls left (4 %)");
        assert!(texts("calm").is_empty());
        assert_eq!(row("calm").status, KeyStatus::Ok);
        assert_eq!(
            texts("Account acme (2 keys)"),
            [(Severity::Critical, "90 % used".to_owned())]
        );
        assert_eq!(row("Account acme (2 keys)").status, KeyStatus::Critical);
        assert!(
            texts("ocr-a").is_empty(),
            "the pool's alert is on the pool row"
        );
        assert_eq!(
            texts("ocr-b"),
            [(
                Severity::Critical,
                "key rejected or vendor API changed".to_owned()
            )]
        );
        assert_eq!(row("ocr-b").status, KeyStatus::Ok);
        assert_eq!(
            texts("solo"),
            [(
                Severity::Warning,
                "runs out before the period resets".to_owned()
            )]
        );
        assert_eq!(row("solo").status, KeyStatus::Warning);
        // The status filter agrees with the alerts shown.
        let (query, _) = OverviewQuery::from_pairs([("status", "warning")]);
        let warning = build(rows, &states, &query, &StatusThresholds::default(), now());
        let labels: Vec<&str> = warning.rows.iter().map(|r| r.label.as_str()).collect();
        assert_eq!(labels, ["busy", "solo"]);
        assert_eq!(warning.totals[0].warning + warning.totals[1].warning, 2);
    }
}
