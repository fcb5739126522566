use axum::{Json, extract::State, http::StatusCode};
use engine::Store;
use serde_json::{Value, json};

/// Liveness plus a real database round trip. 503 when the database cannot answer,
/// so a load balancer stops sending traffic; the reason goes to the log, not the body.
pub async fn healthz(State(store): State<Store>) -> (StatusCode, Json<Value>) {
    match store.health().await {
        Ok(db) => (
            StatusCode::OK,
            Json(json!({
                "status": "ok",
                "version": env!("CARGO_PKG_VERSION"),
                "database": db,
            })),
        ),
        Err(error) => {
            tracing::error!(%error, "health check: database unavailable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({
                    "status": "error",
                    "version": env!("CARGO_PKG_VERSION"),
                    "database": { "ok": false },
                })),
            )
        }
    }
}
