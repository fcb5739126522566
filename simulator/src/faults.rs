//! Faults that look the same at every vendor. Vendor-specific ones (their throttling,
//! server-error and renamed-field replies) live beside each vendor.

use std::{convert::Infallible, time::Duration};

use axum::{
    body::{Body, Bytes},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use chrono::{DateTime, TimeDelta, Utc};
use futures_util::stream;

/// How long `fault-slow` waits between bytes: a 200-byte reply takes 40 s.
pub const SLOW_BYTE_INTERVAL: Duration = Duration::from_millis(200);
/// `fault-huge` sends this much: twice the client's 1 MiB cap.
pub const HUGE_BODY_BYTES: usize = 2 * 1024 * 1024;

/// `fault-timeout`: holds the connection open and never answers.
pub async fn never() -> Response {
    std::future::pending::<()>().await;
    StatusCode::GATEWAY_TIMEOUT.into_response()
}

/// `fault-slow`: a correct reply, one byte at a time.
pub fn dribble(body: Vec<u8>) -> Response {
    let bytes = stream::unfold(body.into_iter(), |mut rest| async move {
        let byte = rest.next()?;
        tokio::time::sleep(SLOW_BYTE_INTERVAL).await;
        Some((Ok::<_, Infallible>(Bytes::from(vec![byte])), rest))
    });
    json_stream(Body::from_stream(bytes))
}

/// `fault-garbage`: claims JSON, is not.
pub fn garbage() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        "{\"usage\": {\"calls\": 12,, \"total_calls\"",
    )
        .into_response()
}

/// `fault-huge`: a JSON-looking body over the cap, in 64 KiB chunks and without a
/// Content-Length, so the client must stop reading rather than refuse up front.
pub fn huge() -> Response {
    const CHUNK: usize = 64 * 1024;
    let chunks = (0..HUGE_BODY_BYTES / CHUNK).map(|index| {
        let mut chunk = vec![b'x'; CHUNK];
        if index == 0 {
            chunk[..12].copy_from_slice(b"{\"padding\":\"");
        }
        Ok::<_, Infallible>(Bytes::from(chunk))
    });
    json_stream(Body::from_stream(stream::iter(chunks)))
}

/// `Retry-After` as an HTTP-date 30 s after `now` (for `fault-429-date`).
pub fn retry_at(now: DateTime<Utc>) -> HeaderValue {
    let at = std::time::SystemTime::from(now + TimeDelta::seconds(30));
    HeaderValue::from_str(&httpdate::fmt_http_date(at))
        .unwrap_or_else(|_| HeaderValue::from_static("30"))
}

fn json_stream(body: Body) -> Response {
    let mut response = Response::new(body);
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}
