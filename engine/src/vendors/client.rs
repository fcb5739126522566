//! The one HTTP client every vendor call goes through, built once at start-up.

use std::time::Duration;

use reqwest::{StatusCode, header::HeaderMap, redirect};

use super::FetchError;

/// Vendor replies are a few hundred bytes; anything near this is broken or hostile.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;

#[derive(Debug, Clone)]
pub struct ClientSettings {
    pub connect_timeout: Duration,
    /// The whole exchange, from connecting to the last body byte: a vendor that
    /// dribbles its reply is as stuck as one that never answers.
    pub total_timeout: Duration,
    pub max_body_bytes: usize,
    pub max_redirects: usize,
}

impl Default for ClientSettings {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(5),
            total_timeout: Duration::from_secs(20),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            max_redirects: 3,
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("cannot build the HTTP client for vendors: {0}")]
pub struct ClientBuildError(#[source] reqwest::Error);

/// Cheap to clone: `reqwest::Client` shares its connection pool.
#[derive(Debug, Clone)]
pub struct VendorClient {
    http: reqwest::Client,
    settings: ClientSettings,
}

/// A vendor's answer, read completely (and within the size cap) but not yet judged.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    /// For contract tests: a reply as the vendor's documentation shows it.
    pub fn new(status: u16, body: impl Into<Vec<u8>>) -> Self {
        Self {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            headers: HeaderMap::new(),
            body: body.into(),
        }
    }

    pub fn with_header(mut self, name: &'static str, value: &str) -> Self {
        if let Ok(value) = value.parse() {
            self.headers.insert(name, value);
        }
        self
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

impl VendorClient {
    pub fn new(settings: ClientSettings) -> Result<Self, ClientBuildError> {
        let http = reqwest::Client::builder()
            .user_agent(concat!("Quotaboard/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(settings.connect_timeout)
            .timeout(settings.total_timeout)
            .gzip(true)
            .redirect(redirect::Policy::limited(settings.max_redirects))
            .build()
            .map_err(ClientBuildError)?;
        Ok(Self { http, settings })
    }

    pub fn settings(&self) -> &ClientSettings {
        &self.settings
    }

    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// Sends the request and reads the body in chunks, giving up as soon as it passes
    /// the cap instead of buffering whatever the vendor sends.
    pub(crate) async fn execute(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<Reply, FetchError> {
        let mut response = request.send().await.map_err(|e| self.transport(e))?;
        let max = self.settings.max_body_bytes;
        let too_large =
            || FetchError::malformed(format!("the reply is too large (over {max} bytes)"));
        if response
            .content_length()
            .is_some_and(|length| length > max as u64)
        {
            return Err(too_large());
        }
        let status = response.status();
        let headers = response.headers().clone();
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| self.transport(e))? {
            if body.len() + chunk.len() > max {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Reply {
            status,
            headers,
            body,
        })
    }

    /// Classifies a transport failure. The URL is dropped from the text: the SDK's URL
    /// can name its instance, and a user needs the reason, not the address.
    fn transport(&self, error: reqwest::Error) -> FetchError {
        if error.is_timeout() {
            return FetchError::Timeout {
                after: self.settings.total_timeout,
            };
        }
        if error.is_redirect() {
            return FetchError::Connection {
                detail: format!("more than {} redirects", self.settings.max_redirects),
            };
        }
        let is_decode = error.is_decode();
        let detail = cause_chain(&error.without_url());
        if is_decode {
            return FetchError::malformed(detail);
        }
        FetchError::Connection { detail }
    }
}

fn cause_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}
