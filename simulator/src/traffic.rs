//! What reached the simulator: each request's time, path and credential, and how many
//! were in flight at once. Lets tests assert politeness (no request before a
//! Retry-After deadline, bounded concurrency) from the vendor's side of the wire.

use std::{
    sync::{
        Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    time::Instant,
};

use axum::{extract::Request, http::HeaderMap};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeenRequest {
    pub at: Instant,
    pub path: String,
    /// The key as the client sent it (header or SDK path): this is a test double.
    pub credential: Option<String>,
}

#[derive(Debug, Default)]
pub struct Traffic {
    seen: Mutex<Vec<SeenRequest>>,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
}

impl Traffic {
    pub(crate) fn begin(&self, request: &Request) {
        let path = request.uri().path().to_owned();
        let credential = credential(request.headers(), &path);
        if let Ok(mut seen) = self.seen.lock() {
            seen.push(SeenRequest {
                at: Instant::now(),
                path,
                credential,
            });
        }
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.max_in_flight.fetch_max(now, Ordering::SeqCst);
    }

    pub(crate) fn end(&self) {
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
    }

    /// Every request so far, oldest first.
    pub fn requests(&self) -> Vec<SeenRequest> {
        self.seen
            .lock()
            .map(|seen| seen.clone())
            .unwrap_or_default()
    }

    /// Requests that carried this credential.
    pub fn requests_with(&self, credential: &str) -> Vec<SeenRequest> {
        self.requests()
            .into_iter()
            .filter(|request| request.credential.as_deref() == Some(credential))
            .collect()
    }

    /// The most requests ever being answered at the same moment.
    pub fn max_in_flight(&self) -> usize {
        self.max_in_flight.load(Ordering::SeqCst)
    }
}

fn credential(headers: &HeaderMap, path: &str) -> Option<String> {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned)
    };
    header("apikey")
        .or_else(|| header("x-api-key"))
        .or_else(|| header("authorization").map(|v| v.trim_start_matches("Token ").to_owned()))
        .or_else(|| {
            path.strip_prefix("/sdk/")
                .and_then(|rest| rest.split('/').next())
                .map(str::to_owned)
        })
}
