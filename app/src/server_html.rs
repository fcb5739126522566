//! Parts of a page the server renders to HTML and the browser adopts as they are.
//!
//! An island normally carries its data twice: once as HTML, once as the JSON the
//! browser needs to rebuild the same view. For the overview's thousand table rows that
//! JSON was half of a 1.7 MB page, and building and escaping it was a large part of
//! the time to serve it. HTML that the browser never renders itself does not need it:
//! it goes into an `inner_html` element, whose hydration leaves the server's DOM in
//! place, and [`HydrateWithoutHtml`] leaves the HTML out of the page's hydration
//! data. When the browser asks for fresh data later, the server function's answer
//! does carry the HTML, which then replaces the old.

use leptos::server::codee::{Decoder, Encoder};
use serde::{Deserialize, Serialize, de::DeserializeOwned};

use crate::errors::AppError;

/// HTML rendered by the server; empty in the browser until fresh data arrives.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ServerHtml(String);

impl ServerHtml {
    #[cfg(feature = "ssr")]
    pub fn new(html: String) -> Self {
        Self(html)
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// Data that holds [`ServerHtml`]; `without_html` is what hydration carries.
pub trait WithServerHtml: Serialize + DeserializeOwned + Sized {
    fn without_html(&self) -> Self;
}

impl WithServerHtml for ServerHtml {
    fn without_html(&self) -> Self {
        Self::default()
    }
}

/// A resource codec that sends a page's data to the browser for hydration without
/// its [`ServerHtml`] (the browser keeps the server-rendered DOM instead).
pub struct HydrateWithoutHtml;

impl<T: WithServerHtml + 'static> Encoder<Result<T, AppError>> for HydrateWithoutHtml {
    type Error = serde_json::Error;
    type Encoded = String;

    fn encode(value: &Result<T, AppError>) -> Result<String, Self::Error> {
        serde_json::to_string(&value.as_ref().map(WithServerHtml::without_html))
    }
}

impl<T: WithServerHtml + 'static> Decoder<Result<T, AppError>> for HydrateWithoutHtml {
    type Error = serde_json::Error;
    type Encoded = str;

    fn decode(encoded: &str) -> Result<Result<T, AppError>, Self::Error> {
        serde_json::from_str(encoded)
    }
}
