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

use std::sync::Arc;

use leptos::server::codee::{Decoder, Encoder};
use serde::{Deserialize, Deserializer, Serialize, Serializer, de::DeserializeOwned};

use crate::errors::AppError;

/// HTML rendered by the server; empty in the browser until fresh data arrives.
///
/// Shared, not owned: a thousand-row overview is a megabyte, and on its way into
/// the page it is held by the drawn-pages cache, the resource and the element's
/// `inner_html`, each of which would otherwise copy it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServerHtml(Arc<str>);

impl ServerHtml {
    #[cfg(feature = "ssr")]
    pub fn new(html: String) -> Self {
        Self(html.into())
    }

    pub fn into_shared(self) -> Arc<str> {
        self.0
    }
}

impl Serialize for ServerHtml {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for ServerHtml {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(|html| Self(html.into()))
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
