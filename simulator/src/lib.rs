//! A local stand-in for the vendors' usage APIs: OCR.space, StructOCR, Plate
//! Recognizer cloud and the Plate Recognizer SDK, all on one port, with the paths,
//! headers, field names, status codes and error bodies of the vendors' documents.
//!
//! Any key works except those starting `invalid`. Each key's usage grows
//! deterministically from a seed derived from the key and resets with its period.
//! Keys starting `fault-` inject faults (see [`keys::Fault`]), `near-limit` keys sit
//! just under their limit. The clock is injectable so tests are deterministic.
//!
//! Base URLs for a client: `http://ADDR` for the three cloud APIs, and
//! `http://ADDR/sdk/<license>` for an SDK instance (see [`SimulatorHandle::sdk_base_url`]).

pub mod clock;
pub mod faults;
pub mod keys;
pub mod traffic;
pub mod usage;
mod vendors;

use std::{future::Future, net::SocketAddr, sync::Arc, time::Duration};

use axum::{
    Router,
    extract::{Request, State},
    middleware::{self, Next},
    response::Response,
    routing::{get, post},
};
use tokio::{net::TcpListener, task::JoinHandle};

pub use clock::{Clock, ManualClock, SystemClock};
pub use traffic::{SeenRequest, Traffic};
pub use vendors::{
    ocr_space::ASSUMED_MONTHLY_LIMIT as OCR_SPACE_ASSUMED_MONTHLY_LIMIT,
    plate_recognizer_sdk::DEFAULT_LICENSE as SDK_DEFAULT_LICENSE,
};

#[derive(Clone)]
pub struct SimulatorOptions {
    /// Port 0 picks a free one (tests).
    pub addr: SocketAddr,
    /// Added before every answer, for benchmarks.
    pub latency: Duration,
    pub clock: Arc<dyn Clock>,
}

impl Default for SimulatorOptions {
    fn default() -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            latency: Duration::ZERO,
            clock: Arc::new(SystemClock),
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("cannot bind the simulator to {addr}: {source}")]
pub struct SimulatorError {
    pub addr: SocketAddr,
    #[source]
    pub source: std::io::Error,
}

pub(crate) struct SimState {
    pub clock: Arc<dyn Clock>,
    pub latency: Duration,
    pub traffic: Arc<Traffic>,
}

pub(crate) type SharedState = Arc<SimState>;

/// Every simulated route.
pub fn router(options: &SimulatorOptions) -> Router {
    router_with_traffic(options, Arc::default())
}

fn router_with_traffic(options: &SimulatorOptions, traffic: Arc<Traffic>) -> Router {
    let state = Arc::new(SimState {
        clock: options.clock.clone(),
        latency: options.latency,
        traffic,
    });
    Router::new()
        .route("/conversions", post(vendors::ocr_space::conversions))
        .route("/v1/account/balance", get(vendors::structocr::balance))
        .route(
            "/v1/statistics/",
            get(vendors::plate_recognizer::statistics),
        )
        .route("/info/", get(vendors::plate_recognizer_sdk::default_info))
        .route(
            "/sdk/{license}/info/",
            get(vendors::plate_recognizer_sdk::info),
        )
        .layer(middleware::from_fn_with_state(state.clone(), latency))
        .with_state(state)
}

async fn latency(State(state): State<SharedState>, request: Request, next: Next) -> Response {
    state.traffic.begin(&request);
    // Decrements even when the client gives up and the request future is dropped.
    let _in_flight = InFlight(&state.traffic);
    if !state.latency.is_zero() {
        tokio::time::sleep(state.latency).await;
    }
    next.run(request).await
}

struct InFlight<'a>(&'a Traffic);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.end();
    }
}

/// A simulator serving in the background; stops when dropped.
pub struct SimulatorHandle {
    addr: SocketAddr,
    task: JoinHandle<()>,
    traffic: Arc<Traffic>,
}

impl SimulatorHandle {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// What has reached this simulator so far.
    pub fn traffic(&self) -> &Traffic {
        &self.traffic
    }

    /// The base URL for OCR.space, StructOCR and Plate Recognizer cloud keys.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The base URL of a simulated SDK instance with this license key.
    pub fn sdk_base_url(&self, license: &str) -> String {
        format!("http://{}/sdk/{license}", self.addr)
    }
}

impl Drop for SimulatorHandle {
    fn drop(&mut self) {
        // Abort rather than drain: `fault-timeout` requests never finish on their own.
        self.task.abort();
    }
}

/// Binds and serves in a background task (in-process use: tests, demo mode).
pub async fn spawn(options: SimulatorOptions) -> Result<SimulatorHandle, SimulatorError> {
    let listener = bind(options.addr).await?;
    let addr = listener.local_addr().map_err(|source| SimulatorError {
        addr: options.addr,
        source,
    })?;
    let traffic = Arc::<Traffic>::default();
    let app = router_with_traffic(&options, traffic.clone());
    let task = tokio::spawn(async move {
        if let Err(error) = axum::serve(listener, app).await {
            tracing::error!(%error, "simulator stopped");
        }
    });
    Ok(SimulatorHandle {
        addr,
        task,
        traffic,
    })
}

/// Serves in the foreground until `shutdown` resolves (`quotaboard simulate`).
pub async fn run(
    options: SimulatorOptions,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), SimulatorError> {
    let handle = spawn(options).await?;
    tracing::info!("vendor simulator listening on {}", handle.base_url());
    shutdown.await;
    Ok(())
}

async fn bind(addr: SocketAddr) -> Result<TcpListener, SimulatorError> {
    TcpListener::bind(addr)
        .await
        .map_err(|source| SimulatorError { addr, source })
}
