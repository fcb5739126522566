//! One module per simulated API, each byte-compatible with its vendor's document.

pub mod ocr_space;
pub mod plate_recognizer;
pub mod plate_recognizer_sdk;
pub mod structocr;

use axum::{
    Json,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::Serialize;

pub(crate) fn json<T: Serialize>(status: StatusCode, body: &T) -> Response {
    (status, Json(body)).into_response()
}

pub(crate) fn bytes_of<T: Serialize>(body: &T) -> Vec<u8> {
    serde_json::to_vec(body).unwrap_or_default()
}

pub(crate) fn with_retry_after(mut response: Response, value: HeaderValue) -> Response {
    response.headers_mut().insert(header::RETRY_AFTER, value);
    response
}

/// "4.37%" from a seed: error rates between 0 and 6 %.
pub(crate) fn error_rate(seed: u64) -> String {
    let hundredths = crate::keys::mix(seed) % 600;
    format!("{}.{:02}%", hundredths / 100, hundredths % 100)
}
