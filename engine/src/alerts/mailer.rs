//! SMTP through `lettre` (tokio, rustls). One transport for the process; the
//! password never reaches a log or an error message.

use std::time::Duration;

use lettre::{
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
    message::{Mailbox, MultiPart},
    transport::smtp::authentication::Credentials,
};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};

use crate::Config;

/// How the connection to the SMTP server is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum SmtpSecurity {
    /// Plain connection upgraded with STARTTLS (port 587); refuses servers without it.
    #[default]
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No encryption: only for a relay on the same host or network (port 25).
    None,
}

impl SmtpSecurity {
    pub const fn default_port(self) -> u16 {
        match self {
            Self::Starttls => 587,
            Self::Tls => 465,
            Self::None => 25,
        }
    }
}

/// The SMTP settings taken from the configuration.
#[derive(Debug, Clone)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    pub user: Option<String>,
    pub password: Option<crate::config::SmtpPassword>,
    pub from: String,
    pub timeout: Duration,
}

/// Why an e-mail was not sent.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// The server refused for good (5xx: unknown address, relaying denied) or the
    /// address cannot be written: retrying will not help.
    #[error("{0}")]
    Permanent(String),
    /// Connection refused, timeout, 4xx: try again later.
    #[error("{0}")]
    Transient(String),
}

/// Sends e-mail; `None` inside when no SMTP server is configured (mail then waits
/// in the outbox).
#[derive(Clone)]
pub struct Mailer {
    inner: Option<(AsyncSmtpTransport<Tokio1Executor>, Mailbox)>,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer")
            .field("configured", &self.is_configured())
            .finish()
    }
}

impl Mailer {
    /// No SMTP server: everything stays queued.
    pub fn disabled() -> Self {
        Self { inner: None }
    }

    pub fn from_config(config: &Config) -> Result<Self, MailerConfigError> {
        match SmtpSettings::from_config(config) {
            Some(settings) => Self::new(&settings),
            None => Ok(Self::disabled()),
        }
    }

    pub fn new(settings: &SmtpSettings) -> Result<Self, MailerConfigError> {
        let builder = match settings.security {
            SmtpSecurity::Starttls => {
                AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&settings.host)
                    .map_err(|e| format!("QUOTABOARD_SMTP_HOST: {e}"))?
            }
            SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&settings.host)
                .map_err(|e| format!("QUOTABOARD_SMTP_HOST: {e}"))?,
            SmtpSecurity::None => {
                AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&settings.host)
            }
        };
        let mut builder = builder.port(settings.port).timeout(Some(settings.timeout));
        if let (Some(user), Some(password)) = (&settings.user, &settings.password) {
            builder = builder.credentials(Credentials::new(
                user.clone(),
                password.0.expose_secret().to_owned(),
            ));
        }
        let from: Mailbox = settings.from.parse().map_err(|_| {
            "QUOTABOARD_SMTP_FROM: not an e-mail address (e.g. \"Quotaboard <quota@example.com>\")"
                .to_owned()
        })?;
        Ok(Self {
            inner: Some((builder.build(), from)),
        })
    }

    pub fn is_configured(&self) -> bool {
        self.inner.is_some()
    }

    /// Sends one e-mail with a plain-text and an HTML part.
    pub async fn send(
        &self,
        to: &str,
        subject: &str,
        text: &str,
        html: &str,
    ) -> Result<(), MailError> {
        let Some((transport, from)) = &self.inner else {
            return Err(MailError::Transient(
                "no SMTP server is configured".to_owned(),
            ));
        };
        let to: Mailbox = to
            .parse()
            .map_err(|_| MailError::Permanent(format!("{to:?} is not an e-mail address")))?;
        let message = Message::builder()
            .from(from.clone())
            .to(to)
            .subject(subject)
            .multipart(MultiPart::alternative_plain_html(
                text.to_owned(),
                html.to_owned(),
            ))
            .map_err(|e| MailError::Permanent(format!("cannot build the e-mail: {e}")))?;
        match transport.send(message).await {
            Ok(_) => Ok(()),
            Err(error) if error.is_permanent() => Err(MailError::Permanent(describe(&error))),
            Err(error) => Err(MailError::Transient(describe(&error))),
        }
    }
}

/// lettre's message, which carries the server's reply but never our credentials.
fn describe(error: &lettre::transport::smtp::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

impl SmtpSettings {
    /// `None` when no SMTP host is configured.
    pub fn from_config(config: &Config) -> Option<Self> {
        let host = config.smtp_host.clone().filter(|h| !h.trim().is_empty())?;
        Some(Self {
            host,
            port: config
                .smtp_port
                .unwrap_or(config.smtp_security.default_port()),
            security: config.smtp_security,
            user: config.smtp_user.clone().filter(|u| !u.is_empty()),
            password: config.smtp_password.clone(),
            from: config.smtp_from.clone(),
            timeout: Duration::from_secs(config.smtp_timeout_secs),
        })
    }
}

/// A setting that makes no working transport, named.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct MailerConfigError(String);

impl From<String> for MailerConfigError {
    fn from(text: String) -> Self {
        Self(text)
    }
}
