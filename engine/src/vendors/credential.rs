//! What a fetch needs to know about one key: its vendor, its secret, where to send the
//! request, and the limit configured for vendors that do not report one.
//!
//! The secret is a `SecretString`: its `Debug` prints `[REDACTED]`, it has no
//! `Display`, and reading it takes an explicit `expose_secret()` that only the request
//! builders in this module tree call.

use std::fmt;

use domain::Vendor;
use reqwest::Url;
use secrecy::{ExposeSecret, SecretString};

/// An API key, parsed once: non-empty and usable as an HTTP header value.
#[derive(Clone)]
pub struct ApiKey(SecretString);

impl ApiKey {
    pub fn parse(raw: &str) -> Result<Self, CredentialError> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(CredentialError::EmptyKey);
        }
        // Header values must be visible ASCII; anything else is a paste accident.
        if !trimmed.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(CredentialError::KeyCharacters);
        }
        Ok(Self(SecretString::from(trimmed.to_owned())))
    }

    pub(crate) fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey([REDACTED])")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CredentialError {
    #[error("the API key is empty")]
    EmptyKey,
    #[error("the API key contains spaces or characters that cannot be sent in a header")]
    KeyCharacters,
    #[error("{vendor} needs an API key")]
    MissingKey { vendor: &'static str },
    #[error("the base URL is not a valid http(s) URL: {reason}")]
    BaseUrl { reason: String },
}

#[derive(Debug, Clone)]
pub struct Credential {
    label: String,
    vendor: Vendor,
    key: Option<ApiKey>,
    base_url: Url,
    monthly_limit: Option<u64>,
}

impl Credential {
    /// `label` names the key in logs and messages (an id or a nickname, never the key).
    /// Every vendor but the SDK needs `key`; the SDK's `/info/` has no authentication.
    pub fn new(
        label: impl Into<String>,
        vendor: Vendor,
        key: Option<ApiKey>,
    ) -> Result<Self, CredentialError> {
        if vendor.needs_api_key() && key.is_none() {
            return Err(CredentialError::MissingKey {
                vendor: vendor.display_name(),
            });
        }
        Ok(Self {
            label: label.into(),
            vendor,
            key,
            base_url: parse_base_url(vendor.default_base_url())?,
            monthly_limit: None,
        })
    }

    /// Points this key at another host: a proxy, the simulator, or the SDK's address.
    pub fn with_base_url(mut self, base_url: &str) -> Result<Self, CredentialError> {
        self.base_url = parse_base_url(base_url)?;
        Ok(self)
    }

    /// The plan's monthly limit, for vendors whose reply has none (OCR.space).
    pub fn with_monthly_limit(mut self, limit: u64) -> Self {
        self.monthly_limit = Some(limit);
        self
    }

    pub fn label(&self) -> &str {
        &self.label
    }

    pub fn vendor(&self) -> Vendor {
        self.vendor
    }

    pub fn base_url(&self) -> &Url {
        &self.base_url
    }

    pub fn monthly_limit(&self) -> Option<u64> {
        self.monthly_limit
    }

    pub(crate) fn key(&self) -> Option<&ApiKey> {
        self.key.as_ref()
    }

    /// `{base}{path}`, keeping any path prefix of the base (`http://host/sdk/abc`).
    pub(crate) fn endpoint(&self, path: &str) -> String {
        format!("{}{path}", self.base_url.as_str().trim_end_matches('/'))
    }

    /// Removes the key from text that is about to be shown or stored (vendor error
    /// bodies may echo it).
    pub(crate) fn scrub(&self, text: &str) -> String {
        match &self.key {
            Some(key) => text.replace(key.expose(), "[REDACTED]"),
            None => text.to_owned(),
        }
    }
}

pub(crate) fn parse_base_url(raw: &str) -> Result<Url, CredentialError> {
    let url = Url::parse(raw.trim()).map_err(|error| CredentialError::BaseUrl {
        reason: error.to_string(),
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(CredentialError::BaseUrl {
            reason: format!("scheme {:?} is not http or https", url.scheme()),
        });
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(CredentialError::BaseUrl {
            reason: "it must not have a query or fragment".to_owned(),
        });
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_is_trimmed_and_checked() {
        assert!(ApiKey::parse("  abc ").is_ok());
        assert_eq!(
            ApiKey::parse("  ").expect_err("empty"),
            CredentialError::EmptyKey
        );
        assert_eq!(
            ApiKey::parse("ab c").expect_err("space"),
            CredentialError::KeyCharacters
        );
    }

    #[test]
    fn debug_never_shows_the_key() {
        let key = ApiKey::parse("sekrit-123").expect("key");
        let cred = Credential::new("k1", Vendor::StructOcr, Some(key)).expect("cred");
        let debug = format!("{cred:?}");
        assert!(!debug.contains("sekrit-123"), "{debug}");
        assert!(debug.contains("REDACTED"), "{debug}");
    }

    #[test]
    fn every_vendor_but_the_sdk_needs_a_key() {
        assert!(Credential::new("k", Vendor::OcrSpace, None).is_err());
        assert!(Credential::new("k", Vendor::PlateRecognizerSdk, None).is_ok());
    }

    #[test]
    fn endpoint_keeps_the_base_path_and_defaults_to_the_vendor() {
        let cred = Credential::new("k", Vendor::PlateRecognizerSdk, None).expect("cred");
        assert_eq!(cred.endpoint("/info/"), "http://localhost:8080/info/");
        let cred = cred
            .with_base_url("http://127.0.0.1:4010/sdk/abc/")
            .expect("url");
        assert_eq!(
            cred.endpoint("/info/"),
            "http://127.0.0.1:4010/sdk/abc/info/"
        );
        assert!(cred.clone().with_base_url("ftp://x").is_err());
        assert!(cred.with_base_url("not a url").is_err());
    }
}
