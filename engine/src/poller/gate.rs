//! Per-vendor politeness: a request rate no faster than the vendor publishes, and a
//! pause after the vendor says "too many requests".

use std::{collections::HashMap, num::NonZeroU32, sync::Mutex, time::Duration};

use domain::Vendor;
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use tokio::time::Instant;

/// Requests per second allowed per vendor; `None` means unlimited.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VendorLimits {
    pub per_second: HashMap<Vendor, Option<NonZeroU32>>,
}

impl Default for VendorLimits {
    /// The vendors' published limits (see shared/vendors/FACTS.md).
    fn default() -> Self {
        let rate = |n: u32| NonZeroU32::new(n);
        Self {
            per_second: HashMap::from([
                // PRO: 600 calls per minute per IP.
                (Vendor::OcrSpace, rate(10)),
                // 25 requests/s on its OCR endpoints; the balance call has no published limit.
                (Vendor::StructOcr, rate(25)),
                // Paid cloud plans: 8 requests/s (the free trial's 1/s answers 429s,
                // which pause the key).
                (Vendor::PlateRecognizerCloud, rate(8)),
                // The on-premise SDK has no limit.
                (Vendor::PlateRecognizerSdk, None),
            ]),
        }
    }
}

impl VendorLimits {
    /// No limit anywhere: for benchmarks against the simulator.
    pub fn unlimited() -> Self {
        Self {
            per_second: Vendor::ALL.iter().map(|vendor| (*vendor, None)).collect(),
        }
    }
}

/// What a "too many requests" reply pauses.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PauseScope {
    /// OCR.space limits per client IP, so every key of the vendor waits.
    Vendor(Vendor),
    /// The others limit per account or key.
    Key(i64),
}

impl PauseScope {
    pub fn for_key(vendor: Vendor, key_id: i64) -> Self {
        match vendor {
            Vendor::OcrSpace => Self::Vendor(vendor),
            _ => Self::Key(key_id),
        }
    }
}

pub struct VendorGate {
    limiters: HashMap<Vendor, DefaultDirectRateLimiter>,
    pauses: Mutex<HashMap<PauseScope, Instant>>,
}

impl VendorGate {
    pub fn new(limits: &VendorLimits) -> Self {
        let limiters = limits
            .per_second
            .iter()
            .filter_map(|(vendor, rate)| {
                rate.map(|rate| (*vendor, RateLimiter::direct(Quota::per_second(rate))))
            })
            .collect();
        Self {
            limiters,
            pauses: Mutex::default(),
        }
    }

    /// When the scope is paused until, if it still is.
    pub fn paused_until(&self, scope: &PauseScope) -> Option<Instant> {
        let pauses = self.pauses.lock().ok()?;
        pauses
            .get(scope)
            .copied()
            .filter(|until| *until > Instant::now())
    }

    /// Holds requests of this scope back for `delay`; a later, longer pause wins.
    pub fn pause(&self, scope: PauseScope, delay: Duration) {
        let until = Instant::now() + delay;
        if let Ok(mut pauses) = self.pauses.lock() {
            let entry = pauses.entry(scope).or_insert(until);
            *entry = (*entry).max(until);
        }
    }

    /// Waits for the vendor's rate limiter to allow one more request.
    pub async fn ready(&self, vendor: Vendor) {
        if let Some(limiter) = self.limiters.get(&vendor) {
            limiter.until_ready().await;
        }
    }
}
