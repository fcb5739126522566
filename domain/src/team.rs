//! Team and key management types shared by the server and the browser: ids, roles,
//! and the parsed form of every field a person types into a user or key form.
//!
//! Parsing happens once at the edge; each error names its field so a form can show it
//! next to the input (`FieldErrors`). Secrets never appear here except masked.

use std::{collections::BTreeMap, fmt, str::FromStr};

use serde::{Deserialize, Serialize};

use crate::Vendor;

/// Row id of a vendor API key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct KeyId(pub i64);

/// Row id of a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UserId(pub i64);

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// What a user may do. Ordered: `Viewer < Editor < Admin`, each allowing what the
/// ones below allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Read-only.
    Viewer,
    /// Adds, edits and disables keys and thresholds.
    Editor,
    /// Everything, including users.
    Admin,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Admin, Role::Editor, Role::Viewer];

    /// Whether someone with this role may do what needs `required`.
    pub fn allows(self, required: Role) -> bool {
        self >= required
    }

    /// Stable name, used in the database, the CLI and forms.
    pub const fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Editor => "editor",
            Role::Viewer => "viewer",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role {0:?} (expected admin, editor or viewer)")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "admin" => Ok(Role::Admin),
            "editor" => Ok(Role::Editor),
            "viewer" => Ok(Role::Viewer),
            _ => Err(UnknownRole(raw.to_owned())),
        }
    }
}

/// Why one field of a form was refused, in words for the person who typed it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[error("{field}: {message}")]
pub struct FieldError {
    /// The form field's name (`label`, `email`, ...), as in the HTML `name` attribute.
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: &str, message: impl Into<String>) -> Self {
        Self {
            field: field.to_owned(),
            message: message.into(),
        }
    }
}

/// Every refused field of a form at once, so the form shows them all in one round trip.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldErrors(BTreeMap<String, String>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    /// Keeps the first message per field: it is the one the person should fix first.
    pub fn push(&mut self, error: FieldError) {
        self.0.entry(error.field).or_insert(error.message);
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.get(field).map(String::as_str)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// Records the error of `result`, if any, and passes its value on.
    pub fn take<T>(&mut self, result: Result<T, FieldError>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(error) => {
                self.push(error);
                None
            }
        }
    }

    /// `Ok(value)` when no field was refused.
    pub fn into_result<T>(self, value: impl FnOnce() -> Option<T>) -> Result<T, FieldErrors> {
        if !self.is_empty() {
            return Err(self);
        }
        value().ok_or(self)
    }
}

impl fmt::Display for FieldErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for (field, message) in &self.0 {
            if !first {
                f.write_str("; ")?;
            }
            first = false;
            write!(f, "{field}: {message}")?;
        }
        Ok(())
    }
}

impl std::error::Error for FieldErrors {}

/// A lower-cased, syntactically valid e-mail address. Compared case-insensitively,
/// which is what people expect even if RFC 5321 allows case-sensitive local parts.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EmailAddress(String);

impl EmailAddress {
    pub const FIELD: &'static str = "email";

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(FieldError::new(Self::FIELD, "enter an e-mail address"));
        }
        let normalised = trimmed.to_lowercase();
        // `email_address` follows RFC 5322 but also accepts display-name forms
        // ("A <a@b>"); a login name must be the bare address.
        match email_address::EmailAddress::from_str(&normalised) {
            Ok(parsed) if parsed.email() == normalised => Ok(Self(normalised)),
            _ => Err(FieldError::new(
                Self::FIELD,
                "this is not a valid e-mail address",
            )),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for EmailAddress {
    type Error = FieldError;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse(&raw)
    }
}

impl From<EmailAddress> for String {
    fn from(email: EmailAddress) -> Self {
        email.0
    }
}

/// Trims, refuses control characters, and bounds the length in characters.
fn bounded_text(field: &str, raw: &str, max: usize) -> Result<String, FieldError> {
    let trimmed = raw.trim();
    if trimmed.chars().any(char::is_control) {
        return Err(FieldError::new(
            field,
            "must not contain control characters",
        ));
    }
    let len = trimmed.chars().count();
    if len > max {
        return Err(FieldError::new(
            field,
            format!("must be at most {max} characters (this is {len})"),
        ));
    }
    Ok(trimmed.to_owned())
}

/// A key's name as people see it: trimmed, 1 to 64 characters, unique per vendor.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct KeyLabel(String);

impl KeyLabel {
    pub const FIELD: &'static str = "label";
    pub const MAX_CHARS: usize = 64;

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let text = bounded_text(Self::FIELD, raw, Self::MAX_CHARS)?;
        if text.is_empty() {
            return Err(FieldError::new(Self::FIELD, "enter a label"));
        }
        Ok(Self(text))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for KeyLabel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for KeyLabel {
    type Error = FieldError;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse(&raw)
    }
}

impl From<KeyLabel> for String {
    fn from(label: KeyLabel) -> Self {
        label.0
    }
}

/// Which team or person a key belongs to (`billing`, `team-ocr`): free text,
/// trimmed, 1 to 64 characters. An empty form field means "no owner" (`None`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct OwnerTag(String);

impl OwnerTag {
    pub const FIELD: &'static str = "owner_tag";
    pub const MAX_CHARS: usize = 64;

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let text = bounded_text(Self::FIELD, raw, Self::MAX_CHARS)?;
        if text.is_empty() {
            return Err(FieldError::new(Self::FIELD, "enter an owner tag"));
        }
        Ok(Self(text))
    }

    /// An optional form field: blank is `None`.
    pub fn parse_optional(raw: &str) -> Result<Option<Self>, FieldError> {
        if raw.trim().is_empty() {
            return Ok(None);
        }
        Self::parse(raw).map(Some)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for OwnerTag {
    type Error = FieldError;
    fn try_from(raw: String) -> Result<Self, Self::Error> {
        Self::parse(&raw)
    }
}

impl From<OwnerTag> for String {
    fn from(tag: OwnerTag) -> Self {
        tag.0
    }
}

/// A plan's monthly request limit: a positive whole number. `1,000` and `1 000`
/// are accepted because that is how people copy it from a vendor's page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u64", into = "u64")]
pub struct MonthlyLimit(u64);

impl MonthlyLimit {
    pub const FIELD: &'static str = "monthly_limit";
    /// SQLite integers are signed 64-bit.
    const MAX: u64 = i64::MAX as u64;

    pub fn new(value: u64) -> Result<Self, FieldError> {
        if value == 0 {
            return Err(FieldError::new(Self::FIELD, "must be at least 1"));
        }
        if value > Self::MAX {
            return Err(FieldError::new(Self::FIELD, "is too large"));
        }
        Ok(Self(value))
    }

    /// An optional form field: blank is `None`.
    pub fn parse_optional(raw: &str) -> Result<Option<Self>, FieldError> {
        let digits: String = raw
            .trim()
            .chars()
            .filter(|c| !matches!(c, ',' | '_' | ' ' | '\u{a0}'))
            .collect();
        if digits.is_empty() {
            return Ok(None);
        }
        let value = digits.parse::<u64>().map_err(|_| {
            FieldError::new(
                Self::FIELD,
                "must be a whole number of requests, like 25000",
            )
        })?;
        Self::new(value).map(Some)
    }

    pub fn get(self) -> u64 {
        self.0
    }
}

impl TryFrom<u64> for MonthlyLimit {
    type Error = FieldError;
    fn try_from(value: u64) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl From<MonthlyLimit> for u64 {
    fn from(limit: MonthlyLimit) -> Self {
        limit.0
    }
}

/// How often one key is polled, in minutes, overriding its vendor's default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PollInterval(u32);

impl PollInterval {
    pub const FIELD: &'static str = "poll_interval_minutes";
    /// 30 days: a key polled less often than monthly cannot warn before it runs dry.
    pub const MAX_MINUTES: u32 = 30 * 24 * 60;

    pub fn new(minutes: u32) -> Result<Self, FieldError> {
        if minutes == 0 || minutes > Self::MAX_MINUTES {
            return Err(FieldError::new(
                Self::FIELD,
                "must be between 1 and 43200 minutes (30 days)",
            ));
        }
        Ok(Self(minutes))
    }

    /// An optional form field: blank keeps the vendor's default.
    pub fn parse_optional(raw: &str) -> Result<Option<Self>, FieldError> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Ok(None);
        }
        let minutes = raw.parse::<u32>().map_err(|_| {
            FieldError::new(
                Self::FIELD,
                "must be a whole number of minutes, like 60, or empty for the vendor's default",
            )
        })?;
        Self::new(minutes).map(Some)
    }

    pub fn minutes(self) -> u32 {
        self.0
    }
}

/// How a stored secret is shown: never the secret, at most its last four characters
/// (`••••abcd`), and nothing of secrets too short for that to be safe.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaskedSecret {
    hint: Option<String>,
}

impl MaskedSecret {
    /// Shorter secrets show no characters: four of eight would be half the secret.
    pub const MIN_LEN_FOR_HINT: usize = 12;

    /// Builds the mask from the full secret; only the hint is kept.
    pub fn from_secret(secret: &str) -> Self {
        let chars: Vec<char> = secret.chars().collect();
        if chars.len() < Self::MIN_LEN_FOR_HINT {
            return Self { hint: None };
        }
        Self {
            hint: Some(chars[chars.len() - 4..].iter().collect()),
        }
    }

    /// From a stored hint (the database keeps only the last four characters).
    pub fn from_hint(hint: Option<String>) -> Self {
        Self {
            hint: hint.filter(|h| !h.is_empty()),
        }
    }

    pub fn hint(&self) -> Option<&str> {
        self.hint.as_deref()
    }
}

impl fmt::Display for MaskedSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("••••")?;
        if let Some(hint) = &self.hint {
            f.write_str(hint)?;
        }
        Ok(())
    }
}

/// The non-secret fields of the "add key" / "edit key" form as typed. The secret is
/// validated by the server (`engine::vendors::ApiKey`), never by this crate.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyForm {
    pub vendor: String,
    pub label: String,
    pub owner_tag: String,
    pub base_url: String,
    pub monthly_limit: String,
    /// Minutes between polls of this key; blank for the vendor's default.
    #[serde(default)]
    pub poll_interval_minutes: String,
}

/// A `KeyForm` whose every field parsed. The base URL is checked for shape by the
/// server (`engine::vendors::Credential`), so it stays text here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyFields {
    pub vendor: Vendor,
    pub label: KeyLabel,
    pub owner_tag: Option<OwnerTag>,
    pub base_url: Option<String>,
    pub monthly_limit: Option<MonthlyLimit>,
    pub poll_interval: Option<PollInterval>,
}

impl KeyForm {
    /// Parses every field, collecting all refusals. The returned `FieldErrors` may be
    /// extended by the server (secret, base URL) before it is shown.
    pub fn parse(&self) -> (Option<KeyFields>, FieldErrors) {
        let mut errors = FieldErrors::new();
        let vendor = errors.take(
            self.vendor
                .trim()
                .parse::<Vendor>()
                .map_err(|e| FieldError::new("vendor", e.to_string())),
        );
        let label = errors.take(KeyLabel::parse(&self.label));
        let owner_tag = errors.take(OwnerTag::parse_optional(&self.owner_tag));
        let monthly_limit = errors.take(MonthlyLimit::parse_optional(&self.monthly_limit));
        let poll_interval = errors.take(PollInterval::parse_optional(&self.poll_interval_minutes));
        let base_url = Some(self.base_url.trim())
            .filter(|u| !u.is_empty())
            .map(str::to_owned);
        let fields = match (vendor, label, owner_tag, monthly_limit, poll_interval) {
            (
                Some(vendor),
                Some(label),
                Some(owner_tag),
                Some(monthly_limit),
                Some(poll_interval),
            ) => Some(KeyFields {
                vendor,
                label,
                owner_tag,
                base_url,
                monthly_limit,
                poll_interval,
            }),
            _ => None,
        };
        (fields, errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_ordered() {
        assert!(Role::Admin.allows(Role::Editor));
        assert!(Role::Editor.allows(Role::Editor));
        assert!(!Role::Viewer.allows(Role::Editor));
        assert!(!Role::Editor.allows(Role::Admin));
        assert_eq!("Admin".parse::<Role>(), Ok(Role::Admin));
        assert!("root".parse::<Role>().is_err());
    }

    #[test]
    fn email_is_lowercased_and_checked() {
        let email = EmailAddress::parse("  Ada@Example.COM ").expect("valid");
        assert_eq!(email.as_str(), "ada@example.com");
        for bad in ["", "ada", "ada@", "Ada <ada@example.com>", "a b@c.d"] {
            let error = EmailAddress::parse(bad).expect_err(bad);
            assert_eq!(error.field, "email");
        }
    }

    #[test]
    fn label_is_trimmed_and_bounded() {
        assert_eq!(KeyLabel::parse("  prod ").expect("ok").as_str(), "prod");
        assert_eq!(KeyLabel::parse(" ").expect_err("empty").field, "label");
        assert!(KeyLabel::parse(&"x".repeat(64)).is_ok());
        assert!(KeyLabel::parse(&"x".repeat(65)).is_err());
        assert!(KeyLabel::parse("a\u{7}b").is_err());
    }

    #[test]
    fn monthly_limit_is_positive() {
        assert_eq!(MonthlyLimit::parse_optional(""), Ok(None));
        assert_eq!(
            MonthlyLimit::parse_optional("25,000")
                .expect("ok")
                .map(MonthlyLimit::get),
            Some(25_000)
        );
        assert!(MonthlyLimit::parse_optional("0").is_err());
        assert!(MonthlyLimit::parse_optional("-5").is_err());
        assert!(MonthlyLimit::parse_optional("1.5").is_err());
    }

    #[test]
    fn mask_shows_at_most_the_last_four() {
        assert_eq!(
            MaskedSecret::from_secret("abcdefgh12345678").to_string(),
            "••••5678"
        );
        assert_eq!(MaskedSecret::from_secret("short-key").to_string(), "••••");
    }

    #[test]
    fn key_form_reports_every_bad_field_by_name() {
        let form = KeyForm {
            vendor: "acme".into(),
            label: "".into(),
            owner_tag: "".into(),
            base_url: "".into(),
            monthly_limit: "zero".into(),
            poll_interval_minutes: "0".into(),
        };
        let (fields, errors) = form.parse();
        assert!(fields.is_none());
        assert!(errors.get("vendor").is_some());
        assert!(errors.get("label").is_some());
        assert!(errors.get("monthly_limit").is_some());
        assert!(errors.get("poll_interval_minutes").is_some());
        assert!(errors.get("owner_tag").is_none());

        let form = KeyForm {
            vendor: "ocr-space".into(),
            label: " main ".into(),
            owner_tag: "team-a".into(),
            base_url: " ".into(),
            monthly_limit: "25000".into(),
            poll_interval_minutes: " 90 ".into(),
        };
        let (fields, errors) = form.parse();
        assert!(errors.is_empty(), "{errors}");
        let fields = fields.expect("valid");
        assert_eq!(fields.vendor, Vendor::OcrSpace);
        assert_eq!(fields.label.as_str(), "main");
        assert_eq!(fields.base_url, None);
        assert_eq!(fields.poll_interval.map(PollInterval::minutes), Some(90));
    }

    #[test]
    fn poll_intervals_are_whole_minutes_up_to_30_days() {
        assert_eq!(PollInterval::parse_optional("  "), Ok(None));
        assert_eq!(
            PollInterval::parse_optional("43200").map(|i| i.map(PollInterval::minutes)),
            Ok(Some(43_200))
        );
        for bad in ["0", "43201", "1.5", "-5", "soon"] {
            let error = PollInterval::parse_optional(bad).expect_err(bad);
            assert_eq!(error.field, PollInterval::FIELD, "{bad}");
        }
    }
}
