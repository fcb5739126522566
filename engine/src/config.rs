//! The one typed configuration, loaded once at start-up and passed down explicitly.
//!
//! Sources, later ones winning: built-in defaults, an optional TOML file
//! (`QUOTABOARD_CONFIG`, else `./quotaboard.toml` when present), then `QUOTABOARD_*`
//! environment variables (`__` separates nested keys). Every error names the variable
//! or file key that holds the bad value, because "invalid digit" alone helps nobody.

use std::{
    fmt,
    net::{Ipv4Addr, SocketAddr},
    path::{Path, PathBuf},
};

use figment::{
    Figment,
    providers::{Env, Format, Serialized, Toml},
};
use serde::{Deserialize, Serialize};

/// Environment variable prefix shared by every setting.
pub const ENV_PREFIX: &str = "QUOTABOARD_";
/// Names the optional TOML file; not itself a setting.
pub const CONFIG_FILE_VAR: &str = "QUOTABOARD_CONFIG";
const DEFAULT_CONFIG_FILE: &str = "quotaboard.toml";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Address the HTTP server binds. Port 0 picks a free port (the tests use it).
    pub listen_addr: SocketAddr,
    /// Directory for the SQLite database and other state; created when missing.
    pub data_dir: PathBuf,
    /// Full sqlx URL; when unset the database is `<data_dir>/quotaboard.db`.
    pub database_url: Option<String>,
    /// Where `cargo leptos build` put the site (wasm, JS, CSS, assets).
    pub site_root: PathBuf,
    /// `tracing` filter directives; `RUST_LOG` is honoured when this is unset.
    pub log: Option<String>,
    /// How long a writer waits for SQLite's lock before giving up.
    pub db_busy_timeout_ms: u64,
    /// Upper bound on pooled SQLite connections.
    pub db_max_connections: u32,
    /// Base64 of the 32-byte master key that seals vendor secrets. When unset the key
    /// lives in `<data_dir>/master.key` (created on first start, mode 0600).
    /// Never serialised, and its `Debug` is redacted.
    #[serde(skip_serializing)]
    pub master_key: Option<MasterKeyText>,
    /// The key `rotate-master-key` moves to when `master_key` comes from the
    /// environment (there is no key file to write the new key to). Loaded beside
    /// `master_key`, so the server keeps working while a rotation is under way.
    #[serde(skip_serializing)]
    pub master_key_next: Option<MasterKeyText>,
    /// The address people use to reach Quotaboard (`https://quota.example.com`).
    /// An `https` URL makes session cookies `Secure` with the `__Host-` prefix.
    pub public_url: Option<String>,
    /// A session ends after this many minutes without a request.
    pub session_idle_minutes: u64,
    /// A session ends this many hours after login, however active.
    pub session_absolute_hours: u64,
    /// When the poller looks for keys that are due (cron, seconds first); empty
    /// turns polling off.
    pub poll_schedule: String,
    /// How often a key is polled, for every vendor but OCR.space.
    pub poll_interval_minutes: u32,
    /// OCR.space updates its counts once a day, so a few polls a day are enough.
    pub poll_interval_minutes_ocr_space: u32,
    /// Vendor requests in flight at once.
    pub poll_concurrency: usize,
    /// Reverse proxies whose `X-Forwarded-For` is believed when counting failed
    /// logins per address. Empty: the TCP peer counts.
    pub trusted_proxies: crate::auth::TrustedProxies,
    /// When expired sessions and login attempts too old to count are deleted (cron,
    /// seconds first); empty turns it off.
    pub session_prune_schedule: String,
    /// How often a still-firing alert is e-mailed again, in hours.
    pub alert_repeat_hours: u32,
    /// SMTP server for alert e-mail; unset keeps e-mail queued (the Alerts page says so).
    pub smtp_host: Option<String>,
    /// Defaults by security: 587 (starttls), 465 (tls), 25 (none).
    pub smtp_port: Option<u16>,
    /// `starttls`, `tls` (implicit TLS) or `none` (a local relay only).
    pub smtp_security: crate::alerts::SmtpSecurity,
    /// SMTP login; no login when unset.
    pub smtp_user: Option<String>,
    /// SMTP password. Never serialised or logged; its `Debug` is redacted.
    #[serde(skip_serializing)]
    pub smtp_password: Option<SmtpPassword>,
    /// The sender of alert e-mails.
    pub smtp_from: String,
    /// How long one SMTP conversation may take.
    pub smtp_timeout_secs: u64,
    /// First retry of an e-mail after a temporary failure; doubles every attempt.
    pub email_retry_initial_secs: u32,
    /// Upper bound of the retry interval, in minutes.
    pub email_retry_max_minutes: u32,
    /// When the rollup and retention job runs (cron, seconds first); empty turns it
    /// off (then raw snapshots are kept forever and long charts stay empty).
    pub rollup_schedule: String,
    /// Days raw snapshots (one row per poll) are kept once rolled up.
    pub retention_raw_days: u32,
    /// Days hourly rollups are kept.
    pub retention_hourly_days: u32,
    /// Days daily rollups are kept.
    pub retention_daily_days: u32,
    /// When set, `GET /metrics` needs `Authorization: Bearer <this>`; when unset it
    /// is open (keep it on a private network). Never serialised; `Debug` redacted.
    #[serde(skip_serializing)]
    pub metrics_token: Option<MetricsToken>,
}

/// The bearer token `/metrics` asks for. At least 16 characters.
#[derive(Clone, Deserialize)]
#[serde(transparent)]
pub struct MetricsToken(pub secrecy::SecretString);

impl MetricsToken {
    /// Minimum length: short enough to type, long enough not to guess.
    pub const MIN_LEN: usize = 16;

    /// Constant-time comparison with a presented token.
    pub fn matches(&self, presented: &str) -> bool {
        use secrecy::ExposeSecret;
        let expected = self.0.expose_secret().as_bytes();
        let presented = presented.as_bytes();
        expected.len() == presented.len()
            && expected
                .iter()
                .zip(presented)
                .fold(0_u8, |diff, (a, b)| diff | (a ^ b))
                == 0
    }
}

impl fmt::Debug for MetricsToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MetricsToken([REDACTED])")
    }
}

/// Only for comparing whole configurations in tests; not constant-time.
impl PartialEq for MetricsToken {
    fn eq(&self, other: &Self) -> bool {
        use secrecy::ExposeSecret;
        self.0.expose_secret() == other.0.expose_secret()
    }
}

/// The SMTP password as configured: redacted in `Debug`, never serialised.
#[derive(Clone, Deserialize)]
#[serde(transparent)]
pub struct SmtpPassword(pub secrecy::SecretString);

impl fmt::Debug for SmtpPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SmtpPassword([REDACTED])")
    }
}

/// Only for comparing whole configurations in tests; not constant-time.
impl PartialEq for SmtpPassword {
    fn eq(&self, other: &Self) -> bool {
        use secrecy::ExposeSecret;
        self.0.expose_secret() == other.0.expose_secret()
    }
}

/// Checks the shape of a configured master key; never echoes its value.
fn parse_master_key(
    key: Option<&MasterKeyText>,
    variable: &'static str,
) -> Result<Option<crate::secrets::MasterKey>, ConfigError> {
    key.map(|key| {
        crate::secrets::MasterKey::from_base64(&key.0).map_err(|_| {
            ConfigError::single(
                variable,
                "must be the base64 encoding of exactly 32 bytes (for example the output of `openssl rand -base64 32`)",
            )
        })
    })
    .transpose()
}

/// The master key as configured (base64 text). Parsed into a key by
/// `engine::secrets`; checked for shape when the configuration loads.
#[derive(Clone, Deserialize)]
#[serde(transparent)]
pub struct MasterKeyText(pub secrecy::SecretString);

impl fmt::Debug for MasterKeyText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MasterKeyText([REDACTED])")
    }
}

/// Only for comparing whole configurations in tests; not constant-time.
impl PartialEq for MasterKeyText {
    fn eq(&self, other: &Self) -> bool {
        use secrecy::ExposeSecret;
        self.0.expose_secret() == other.0.expose_secret()
    }
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen_addr: SocketAddr::from((Ipv4Addr::LOCALHOST, 3000)),
            data_dir: PathBuf::from("data"),
            database_url: None,
            site_root: PathBuf::from("target/site"),
            log: None,
            db_busy_timeout_ms: 5_000,
            db_max_connections: 8,
            master_key: None,
            master_key_next: None,
            public_url: None,
            session_idle_minutes: 12 * 60,
            session_absolute_hours: 7 * 24,
            poll_schedule: "0 * * * * *".to_owned(),
            poll_interval_minutes: 15,
            poll_interval_minutes_ocr_space: 6 * 60,
            poll_concurrency: 32,
            trusted_proxies: crate::auth::TrustedProxies::default(),
            session_prune_schedule: "0 */10 * * * *".to_owned(),
            alert_repeat_hours: 24,
            smtp_host: None,
            smtp_port: None,
            smtp_security: crate::alerts::SmtpSecurity::Starttls,
            smtp_user: None,
            smtp_password: None,
            smtp_from: "Quotaboard <quotaboard@localhost>".to_owned(),
            smtp_timeout_secs: 30,
            email_retry_initial_secs: 30,
            email_retry_max_minutes: 60,
            rollup_schedule: "0 */10 * * * *".to_owned(),
            retention_raw_days: 7,
            retention_hourly_days: 90,
            retention_daily_days: 2 * 365,
            metrics_token: None,
        }
    }
}

impl Config {
    /// Loads from the process environment and the optional config file.
    pub fn load() -> Result<Self, ConfigError> {
        let file = std::env::var_os(CONFIG_FILE_VAR).map(PathBuf::from);
        Self::from_figment(Self::figment(file.as_deref()))
    }

    /// The layered sources, exposed so tests can add their own on top.
    pub fn figment(file: Option<&Path>) -> Figment {
        let mut figment = Figment::from(Serialized::defaults(Self::default()));
        figment = match file {
            // An explicitly named file must exist; the default one is optional.
            Some(path) => figment.merge(Toml::file_exact(path)),
            None => figment.merge(Toml::file(DEFAULT_CONFIG_FILE)),
        };
        figment.merge(Env::prefixed(ENV_PREFIX).split("__").ignore(&["config"]))
    }

    pub fn from_figment(figment: Figment) -> Result<Self, ConfigError> {
        let config: Self = figment.extract().map_err(ConfigError::from)?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        if self.poll_interval_minutes == 0 {
            return Err(ConfigError::single(
                "QUOTABOARD_POLL_INTERVAL_MINUTES",
                "must be at least 1",
            ));
        }
        if self.poll_interval_minutes_ocr_space == 0 {
            return Err(ConfigError::single(
                "QUOTABOARD_POLL_INTERVAL_MINUTES_OCR_SPACE",
                "must be at least 1",
            ));
        }
        if self.poll_concurrency == 0 {
            return Err(ConfigError::single(
                "QUOTABOARD_POLL_CONCURRENCY",
                "must be at least 1",
            ));
        }
        if self.retention_raw_days == 0 {
            return Err(ConfigError::single(
                "QUOTABOARD_RETENTION_RAW_DAYS",
                "must be at least 1",
            ));
        }
        // Daily rollups are built from the hourly ones of the same day.
        if self.retention_hourly_days < 2 {
            return Err(ConfigError::single(
                "QUOTABOARD_RETENTION_HOURLY_DAYS",
                "must be at least 2 (daily rollups are built from the hourly ones)",
            ));
        }
        if self.retention_daily_days == 0 {
            return Err(ConfigError::single(
                "QUOTABOARD_RETENTION_DAILY_DAYS",
                "must be at least 1",
            ));
        }
        if self.db_max_connections == 0 {
            return Err(ConfigError::single(
                "QUOTABOARD_DB_MAX_CONNECTIONS",
                "must be at least 1",
            ));
        }
        if let Some(url) = &self.database_url
            && !url.starts_with("sqlite:")
        {
            return Err(ConfigError::single(
                "QUOTABOARD_DATABASE_URL",
                "must be a sqlite: URL (for example sqlite:///var/lib/quotaboard/quotaboard.db)",
            ));
        }
        let current = parse_master_key(self.master_key.as_ref(), "QUOTABOARD_MASTER_KEY")?;
        let next = parse_master_key(self.master_key_next.as_ref(), "QUOTABOARD_MASTER_KEY_NEXT")?;
        match (current, next) {
            (None, Some(_)) => {
                return Err(ConfigError::single(
                    "QUOTABOARD_MASTER_KEY_NEXT",
                    "only applies with QUOTABOARD_MASTER_KEY; with the key file, rotate-master-key makes the new key itself",
                ));
            }
            (Some(current), Some(next)) if current.id() == next.id() => {
                return Err(ConfigError::single(
                    "QUOTABOARD_MASTER_KEY_NEXT",
                    "must differ from QUOTABOARD_MASTER_KEY",
                ));
            }
            _ => {}
        }
        if let Some(token) = &self.metrics_token {
            use secrecy::ExposeSecret;
            let text = token.0.expose_secret();
            if text.chars().count() < MetricsToken::MIN_LEN || text.chars().any(char::is_whitespace)
            {
                return Err(ConfigError::single(
                    "QUOTABOARD_METRICS_TOKEN",
                    "must be at least 16 characters without spaces (for example the output of `openssl rand -hex 32`)",
                ));
            }
        }
        if let Some(url) = &self.public_url
            && !(url.starts_with("http://") || url.starts_with("https://"))
        {
            return Err(ConfigError::single(
                "QUOTABOARD_PUBLIC_URL",
                "must start with http:// or https://",
            ));
        }
        if self.alert_repeat_hours == 0 {
            return Err(ConfigError::single(
                "QUOTABOARD_ALERT_REPEAT_HOURS",
                "must be at least 1",
            ));
        }
        if self.email_retry_initial_secs == 0 || self.email_retry_max_minutes == 0 {
            return Err(ConfigError::single(
                "QUOTABOARD_EMAIL_RETRY_INITIAL_SECS / QUOTABOARD_EMAIL_RETRY_MAX_MINUTES",
                "must be at least 1",
            ));
        }
        if self.smtp_from.parse::<lettre::message::Mailbox>().is_err() {
            return Err(ConfigError::single(
                "QUOTABOARD_SMTP_FROM",
                "must be an e-mail address, optionally with a name (\"Quotaboard <quota@example.com>\")",
            ));
        }
        if self.smtp_user.is_some() != self.smtp_password.is_some() {
            return Err(ConfigError::single(
                "QUOTABOARD_SMTP_USER / QUOTABOARD_SMTP_PASSWORD",
                "set both or neither",
            ));
        }
        if self.session_idle_minutes == 0 || self.session_absolute_hours == 0 {
            return Err(ConfigError::single(
                "QUOTABOARD_SESSION_IDLE_MINUTES / QUOTABOARD_SESSION_ABSOLUTE_HOURS",
                "must be at least 1",
            ));
        }
        Ok(())
    }

    /// Whether people reach the app over https (cookies then get `Secure`).
    pub fn behind_https(&self) -> bool {
        self.public_url
            .as_deref()
            .is_some_and(|url| url.starts_with("https://"))
    }

    /// The database URL actually used.
    pub fn effective_database_url(&self) -> String {
        self.database_url.clone().unwrap_or_else(|| {
            format!("sqlite://{}", self.data_dir.join("quotaboard.db").display())
        })
    }
}

/// One or more bad settings, each named by where it came from.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ConfigError {
    pub problems: Vec<ConfigProblem>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigProblem {
    /// `QUOTABOARD_LISTEN_ADDR`, or `listen_addr in /etc/quotaboard.toml`.
    pub setting: String,
    pub message: String,
}

impl ConfigError {
    fn single(setting: &str, message: &str) -> Self {
        Self {
            problems: vec![ConfigProblem {
                setting: setting.to_owned(),
                message: message.to_owned(),
            }],
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("invalid configuration:")?;
        for problem in &self.problems {
            write!(f, "\n  {}: {}", problem.setting, problem.message)?;
        }
        Ok(())
    }
}

impl From<figment::Error> for ConfigError {
    fn from(error: figment::Error) -> Self {
        let problems = error
            .into_iter()
            .map(|e| ConfigProblem {
                setting: setting_name(&e),
                message: problem_message(&e),
            })
            .collect();
        Self { problems }
    }
}

fn problem_message(error: &figment::Error) -> String {
    match &error.kind {
        // serde's wording ("found `bin`, expected `one of ...`") reads badly for a
        // typo in a variable name; list the known settings the user's way instead.
        figment::error::Kind::UnknownField(_, known) => {
            let from_env = error
                .metadata
                .as_ref()
                .is_some_and(|meta| meta.name.contains("environment variable"));
            let known: Vec<String> = known
                .iter()
                .map(|key| {
                    if from_env {
                        format!("{ENV_PREFIX}{}", key.to_ascii_uppercase())
                    } else {
                        (*key).to_owned()
                    }
                })
                .collect();
            format!("not a Quotaboard setting; known: {}", known.join(", "))
        }
        kind => kind.to_string(),
    }
}

/// Turns figment's key path into what the user typed: the environment variable's name,
/// or the key and the file it is in.
fn setting_name(error: &figment::Error) -> String {
    let key = error.path.join(".");
    match &error.metadata {
        // figment's own interpolation drops the prefix and the `__` nesting.
        Some(meta) if meta.name.contains("environment variable") => {
            format!("{ENV_PREFIX}{}", error.path.join("__").to_ascii_uppercase())
        }
        Some(meta) => match &meta.source {
            Some(source) if !key.is_empty() => format!("`{key}` in {source}"),
            Some(source) => source.to_string(),
            None if key.is_empty() => meta.name.to_string(),
            None => format!("`{key}` in {}", meta.name),
        },
        None if key.is_empty() => "configuration".to_owned(),
        None => format!("`{key}`"),
    }
}

#[cfg(test)]
// figment's `Jail` closures return its own large error type; not ours to shrink.
#[allow(clippy::result_large_err)]
mod tests {
    use super::*;
    use figment::Jail;

    /// Loads from the jail's environment and working directory.
    fn load() -> Result<Config, ConfigError> {
        Config::from_figment(Config::figment(None))
    }

    #[test]
    fn defaults_listen_on_localhost_3000_with_data_dir_database() {
        Jail::expect_with(|_jail| {
            let config = load().expect("defaults are valid");
            assert_eq!(config.listen_addr.to_string(), "127.0.0.1:3000");
            assert_eq!(
                config.effective_database_url(),
                "sqlite://data/quotaboard.db"
            );
            Ok(())
        });
    }

    #[test]
    fn environment_overrides_file_and_file_overrides_defaults() {
        Jail::expect_with(|jail| {
            jail.create_file(
                "quotaboard.toml",
                "listen_addr = \"0.0.0.0:8080\"\ndata_dir = \"/srv/qb\"",
            )?;
            jail.set_env("QUOTABOARD_LISTEN_ADDR", "127.0.0.1:9000");
            let config = load().expect("valid");
            assert_eq!(config.listen_addr.to_string(), "127.0.0.1:9000");
            assert_eq!(config.data_dir, PathBuf::from("/srv/qb"));
            Ok(())
        });
    }

    #[test]
    fn bad_environment_value_names_the_variable() {
        Jail::expect_with(|jail| {
            jail.set_env("QUOTABOARD_LISTEN_ADDR", "localhost-ish");
            let error = load().expect_err("must reject");
            let text = error.to_string();
            assert!(text.contains("QUOTABOARD_LISTEN_ADDR"), "{text}");
            assert!(text.contains("socket address"), "{text}");
            Ok(())
        });
    }

    #[test]
    fn trusted_proxies_come_as_a_comma_list_or_a_toml_array_and_bad_entries_are_named() {
        Jail::expect_with(|jail| {
            jail.set_env("QUOTABOARD_TRUSTED_PROXIES", "10.0.0.0/8, 127.0.0.1");
            let config = load().expect("valid");
            assert!(
                config
                    .trusted_proxies
                    .trusts("10.9.8.7".parse().expect("ip"))
            );
            assert!(
                config
                    .trusted_proxies
                    .trusts("127.0.0.1".parse().expect("ip"))
            );
            assert!(
                !config
                    .trusted_proxies
                    .trusts("192.0.2.1".parse().expect("ip"))
            );

            jail.clear_env();
            jail.create_file(
                "quotaboard.toml",
                "trusted_proxies = [\"::1\", \"172.16.0.0/12\"]",
            )?;
            let config = load().expect("valid");
            assert!(config.trusted_proxies.trusts("::1".parse().expect("ip")));
            assert!(
                config
                    .trusted_proxies
                    .trusts("172.20.0.1".parse().expect("ip"))
            );

            jail.set_env("QUOTABOARD_TRUSTED_PROXIES", "10.0.0.0/8,proxy.internal");
            let text = load().expect_err("must reject").to_string();
            assert!(text.contains("QUOTABOARD_TRUSTED_PROXIES"), "{text}");
            assert!(text.contains("proxy.internal"), "{text}");
            Ok(())
        });
    }

    #[test]
    fn bad_number_names_the_variable() {
        Jail::expect_with(|jail| {
            jail.set_env("QUOTABOARD_DB_BUSY_TIMEOUT_MS", "soon");
            let text = load().expect_err("must reject").to_string();
            assert!(text.contains("QUOTABOARD_DB_BUSY_TIMEOUT_MS"), "{text}");
            Ok(())
        });
    }

    #[test]
    fn bad_file_value_names_key_and_file() {
        Jail::expect_with(|jail| {
            jail.create_file("quotaboard.toml", "db_max_connections = \"many\"")?;
            let text = load().expect_err("must reject").to_string();
            assert!(text.contains("db_max_connections"), "{text}");
            assert!(text.contains("quotaboard.toml"), "{text}");
            Ok(())
        });
    }

    #[test]
    fn unknown_file_key_is_a_typo_not_silence() {
        Jail::expect_with(|jail| {
            jail.create_file("quotaboard.toml", "listen_adr = \"127.0.0.1:1\"")?;
            let text = load().expect_err("must reject").to_string();
            assert!(text.contains("listen_adr"), "{text}");
            Ok(())
        });
    }

    #[test]
    fn misspelt_environment_variable_is_reported_with_the_known_names() {
        Jail::expect_with(|jail| {
            jail.set_env("QUOTABOARD_LISTEN_ADR", "127.0.0.1:1");
            let text = load().expect_err("must reject").to_string();
            assert!(
                text.contains("QUOTABOARD_LISTEN_ADR: not a Quotaboard setting"),
                "{text}"
            );
            assert!(text.contains("QUOTABOARD_LISTEN_ADDR"), "{text}");
            Ok(())
        });
    }

    #[test]
    fn named_config_file_must_exist() {
        Jail::expect_with(|_jail| {
            let result = Config::from_figment(Config::figment(Some(Path::new("nope.toml"))));
            let text = result.expect_err("missing file").to_string();
            assert!(text.contains("nope.toml"), "{text}");
            Ok(())
        });
    }

    #[test]
    fn master_key_must_be_32_bytes_of_base64_and_is_never_shown() {
        Jail::expect_with(|jail| {
            jail.set_env("QUOTABOARD_MASTER_KEY", "dG9vLXNob3J0");
            let text = load().expect_err("must reject").to_string();
            assert!(text.contains("QUOTABOARD_MASTER_KEY"), "{text}");
            assert!(text.contains("32 bytes"), "{text}");
            assert!(!text.contains("dG9vLXNob3J0"), "{text}");
            let good = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
            jail.set_env("QUOTABOARD_MASTER_KEY", good);
            let config = load().expect("valid key");
            assert!(config.master_key.is_some());
            assert!(!format!("{config:?}").contains(good));
            Ok(())
        });
    }

    #[test]
    fn next_master_key_needs_a_current_one_and_must_differ() {
        Jail::expect_with(|jail| {
            let good = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
            jail.set_env("QUOTABOARD_MASTER_KEY_NEXT", good);
            let text = load().expect_err("next without current").to_string();
            assert!(text.contains("QUOTABOARD_MASTER_KEY_NEXT"), "{text}");
            assert!(!text.contains(good), "{text}");
            jail.set_env("QUOTABOARD_MASTER_KEY", good);
            let text = load().expect_err("same key twice").to_string();
            assert!(text.contains("must differ"), "{text}");
            jail.set_env(
                "QUOTABOARD_MASTER_KEY_NEXT",
                "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=",
            );
            let config = load().expect("two different keys");
            assert!(config.master_key_next.is_some());
            Ok(())
        });
    }

    #[test]
    fn metrics_token_is_checked_and_never_shown() {
        Jail::expect_with(|jail| {
            jail.set_env("QUOTABOARD_METRICS_TOKEN", "short-one");
            let text = load().expect_err("must reject").to_string();
            assert!(text.contains("QUOTABOARD_METRICS_TOKEN"), "{text}");
            assert!(!text.contains("short-one"), "{text}");
            let good = "0123456789abcdef0123";
            jail.set_env("QUOTABOARD_METRICS_TOKEN", good);
            let config = load().expect("valid token");
            let token = config.metrics_token.clone().expect("set");
            assert!(token.matches(good));
            assert!(!token.matches("0123456789abcdef012"));
            assert!(!format!("{config:?}").contains(good));
            Ok(())
        });
    }

    #[test]
    fn smtp_settings_parse_and_the_password_is_never_shown() {
        Jail::expect_with(|jail| {
            jail.set_env("QUOTABOARD_SMTP_HOST", "mail.example.com");
            jail.set_env("QUOTABOARD_SMTP_SECURITY", "tls");
            jail.set_env("QUOTABOARD_SMTP_USER", "quota");
            jail.set_env("QUOTABOARD_SMTP_PASSWORD", "hunter2-smtp-secret");
            let config = load().expect("valid");
            assert_eq!(config.smtp_security, crate::alerts::SmtpSecurity::Tls);
            assert!(!format!("{config:?}").contains("hunter2-smtp-secret"));
            let settings = crate::alerts::SmtpSettings::from_config(&config).expect("configured");
            assert_eq!(settings.port, 465);
            jail.set_env("QUOTABOARD_SMTP_SECURITY", "ssl");
            let text = load().expect_err("bad security").to_string();
            assert!(text.contains("QUOTABOARD_SMTP_SECURITY"), "{text}");
            assert!(!text.contains("hunter2-smtp-secret"), "{text}");
            Ok(())
        });
    }

    #[test]
    fn smtp_from_must_be_an_address_and_user_needs_a_password() {
        Jail::expect_with(|jail| {
            jail.set_env("QUOTABOARD_SMTP_FROM", "not an address");
            let text = load().expect_err("bad from").to_string();
            assert!(text.contains("QUOTABOARD_SMTP_FROM"), "{text}");
            jail.set_env("QUOTABOARD_SMTP_FROM", "Quota <q@example.com>");
            jail.set_env("QUOTABOARD_SMTP_USER", "quota");
            let text = load().expect_err("user alone").to_string();
            assert!(text.contains("QUOTABOARD_SMTP_PASSWORD"), "{text}");
            Ok(())
        });
    }

    #[test]
    fn https_public_url_means_behind_https() {
        Jail::expect_with(|jail| {
            assert!(!load().expect("defaults").behind_https());
            jail.set_env("QUOTABOARD_PUBLIC_URL", "https://quota.example.com");
            assert!(load().expect("valid").behind_https());
            Ok(())
        });
    }

    #[test]
    fn retention_days_come_from_the_environment_and_zero_is_refused() {
        Jail::expect_with(|jail| {
            let config = load().expect("defaults");
            assert_eq!(
                (
                    config.retention_raw_days,
                    config.retention_hourly_days,
                    config.retention_daily_days
                ),
                (7, 90, 730)
            );
            jail.set_env("QUOTABOARD_RETENTION_RAW_DAYS", "3");
            jail.set_env("QUOTABOARD_ROLLUP_SCHEDULE", "");
            let config = load().expect("valid");
            assert_eq!(config.retention_raw_days, 3);
            assert_eq!(config.rollup_schedule, "");
            jail.set_env("QUOTABOARD_RETENTION_HOURLY_DAYS", "1");
            let text = load().expect_err("must reject").to_string();
            assert!(text.contains("QUOTABOARD_RETENTION_HOURLY_DAYS"), "{text}");
            jail.set_env("QUOTABOARD_RETENTION_HOURLY_DAYS", "90");
            jail.set_env("QUOTABOARD_RETENTION_RAW_DAYS", "0");
            let text = load().expect_err("must reject").to_string();
            assert!(text.contains("QUOTABOARD_RETENTION_RAW_DAYS"), "{text}");
            Ok(())
        });
    }

    #[test]
    fn non_sqlite_database_url_is_rejected_by_name() {
        Jail::expect_with(|jail| {
            jail.set_env("QUOTABOARD_DATABASE_URL", "postgres://x");
            let text = load().expect_err("must reject").to_string();
            assert!(text.contains("QUOTABOARD_DATABASE_URL"), "{text}");
            Ok(())
        });
    }
}
