//! Alert rules, their thresholds and states, parsed once at the edge (the rule form,
//! a database row) into types that cannot hold nonsense.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{EmailAddress, FieldError, FieldErrors, Percent, UserId};

/// How bad a firing alert is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Warning,
    Critical,
}

impl Severity {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Warning => "warning",
            Self::Critical => "critical",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "warning" => Some(Self::Warning),
            "critical" => Some(Self::Critical),
            _ => None,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where one (subject, rule) stands: `ok → warning → critical → resolved`, where
/// "resolved" is the notification sent on the way back to `Ok`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertLevel {
    Ok,
    Firing(Severity),
}

impl AlertLevel {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Firing(severity) => severity.as_str(),
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "ok" => Some(Self::Ok),
            other => Severity::parse(other).map(Self::Firing),
        }
    }

    pub const fn is_firing(self) -> bool {
        matches!(self, Self::Firing(_))
    }
}

/// A threshold with an optional second, more urgent step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Threshold<T> {
    pub warning: T,
    pub critical: Option<T>,
}

/// What a rule watches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RuleKind {
    /// Share of the limit used reaches the threshold (e.g. 80 %, then 95 %).
    PercentUsed(Threshold<Percent>),
    /// Remaining credit falls below an absolute number (critical is the lower one).
    RemainingBelow(Threshold<i64>),
    /// The run-out forecast lands before the period resets (`within_days: None`) or
    /// within N days, whichever the rule says. Never fires when the reset comes first.
    Forecast { within_days: Option<u32> },
    /// The key starts failing in a way that needs a person: rejected, or the vendor's
    /// API changed. Alerts once, not again while it keeps failing.
    KeyFailing,
}

impl RuleKind {
    pub const fn slug(&self) -> &'static str {
        match self {
            Self::PercentUsed(_) => "percent_used",
            Self::RemainingBelow(_) => "remaining_below",
            Self::Forecast { .. } => "forecast",
            Self::KeyFailing => "key_failing",
        }
    }

    /// Rules about the quota follow the credit (so a StructOCR account's pool); the
    /// failing rule is always about one key.
    pub const fn is_about_quota(&self) -> bool {
        !matches!(self, Self::KeyFailing)
    }

    /// Stable identity of what the rule checks, independent of its row: two keys of
    /// one StructOCR account with the same rule share one pool alert.
    pub fn signature(&self) -> String {
        match self {
            Self::PercentUsed(t) => format!(
                "percent_used:{}:{}",
                t.warning.hundredths,
                t.critical
                    .map_or(String::new(), |c| c.hundredths.to_string())
            ),
            Self::RemainingBelow(t) => format!(
                "remaining_below:{}:{}",
                t.warning,
                t.critical.map_or(String::new(), |c| c.to_string())
            ),
            Self::Forecast { within_days } => format!(
                "forecast:{}",
                within_days.map_or("reset".to_owned(), |d| d.to_string())
            ),
            Self::KeyFailing => "key_failing".to_owned(),
        }
    }

    /// The rule back from its [`signature`](Self::signature) (what alert states
    /// store), `None` for a signature this version does not know.
    pub fn from_signature(signature: &str) -> Option<Self> {
        fn threshold<T: std::str::FromStr>(rest: &str) -> Option<Threshold<T>> {
            let (warning, critical) = rest.split_once(':')?;
            Some(Threshold {
                warning: warning.parse().ok()?,
                critical: match critical {
                    "" => None,
                    critical => Some(critical.parse().ok()?),
                },
            })
        }
        let (kind, rest) = signature.split_once(':').unwrap_or((signature, ""));
        match kind {
            "percent_used" => {
                let t = threshold::<u32>(rest)?;
                Some(Self::PercentUsed(Threshold {
                    warning: Percent {
                        hundredths: t.warning,
                    },
                    critical: t.critical.map(|hundredths| Percent { hundredths }),
                }))
            }
            "remaining_below" => threshold::<i64>(rest).map(Self::RemainingBelow),
            "forecast" => Some(Self::Forecast {
                within_days: match rest {
                    "reset" => None,
                    days => Some(days.parse().ok()?),
                },
            }),
            "key_failing" if rest.is_empty() => Some(Self::KeyFailing),
            _ => None,
        }
    }

    /// What a firing alert of this rule means at `severity`, in words: the step it
    /// crossed (`95 % used` when a 80 %/95 % rule is critical), not the whole rule.
    pub fn firing_text(&self, severity: Severity) -> String {
        fn step<T: Copy>(t: &Threshold<T>, severity: Severity) -> T {
            match (severity, t.critical) {
                (Severity::Critical, Some(critical)) => critical,
                _ => t.warning,
            }
        }
        match self {
            Self::PercentUsed(t) => format!("{} used", whole(step(t, severity))),
            Self::RemainingBelow(t) => format!("fewer than {} left", thousands(step(t, severity))),
            Self::Forecast { .. } | Self::KeyFailing => self.describe(),
        }
    }

    /// In words, for the Alerts page and the e-mail.
    pub fn describe(&self) -> String {
        match self {
            Self::PercentUsed(t) => match t.critical {
                Some(c) => format!("{} used (critical at {})", whole(t.warning), whole(c)),
                None => format!("{} used", whole(t.warning)),
            },
            Self::RemainingBelow(t) => match t.critical {
                Some(c) => format!(
                    "fewer than {} left (critical below {})",
                    thousands(t.warning),
                    thousands(c)
                ),
                None => format!("fewer than {} left", thousands(t.warning)),
            },
            Self::Forecast { within_days: None } => "runs out before the period resets".to_owned(),
            Self::Forecast {
                within_days: Some(days),
            } => format!(
                "runs out within {days} day{}",
                if *days == 1 { "" } else { "s" }
            ),
            Self::KeyFailing => "key rejected or vendor API changed".to_owned(),
        }
    }
}

/// `80 %` rather than `80.00%` where the fraction is zero.
fn whole(percent: Percent) -> String {
    if percent.hundredths.is_multiple_of(100) {
        format!("{} %", percent.hundredths / 100)
    } else {
        format!(
            "{}.{:02} %",
            percent.hundredths / 100,
            percent.hundredths % 100
        )
    }
}

/// `4,120`: the grouping the e-mail subjects use.
pub fn thousands(value: i64) -> String {
    let digits = value.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if value < 0 {
        out.push('-');
    }
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// Who gets a rule's e-mail: team members (by id, so a changed address follows
/// them) and extra addresses.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recipients {
    /// Every enabled admin at the time of sending (the default set uses this, so a
    /// fresh install warns someone without any setup).
    #[serde(default)]
    pub admins: bool,
    #[serde(default)]
    pub users: Vec<UserId>,
    #[serde(default)]
    pub emails: Vec<EmailAddress>,
}

impl Recipients {
    pub fn is_empty(&self) -> bool {
        !self.admins && self.users.is_empty() && self.emails.is_empty()
    }
}

/// A stored rule: per key, or a team default (`key_id: None`) copied to new keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertRule {
    pub id: i64,
    pub key_id: Option<i64>,
    pub kind: RuleKind,
    pub recipients: Recipients,
}

/// The rule form as typed (every field text, so a refused form comes back as typed).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleForm {
    /// `percent_used`, `remaining_below`, `forecast` or `key_failing`.
    pub kind: String,
    /// Percent (e.g. `80`) or an absolute number of credits, by kind.
    #[serde(default)]
    pub warning: String,
    #[serde(default)]
    pub critical: String,
    /// Forecast only: blank = before the reset.
    #[serde(default)]
    pub within_days: String,
    /// "on" (an HTML checkbox) when every admin gets the e-mail.
    #[serde(default)]
    pub admins: Option<String>,
    /// Team members by id.
    #[serde(default)]
    pub users: Vec<String>,
    /// Extra addresses, separated by commas, spaces or new lines.
    #[serde(default)]
    pub emails: String,
}

impl RuleForm {
    /// Parses the form into a rule kind and its recipients, or every refused field.
    pub fn parse(&self) -> Result<(RuleKind, Recipients), FieldErrors> {
        let mut errors = FieldErrors::new();
        let kind = match self.kind.trim() {
            "percent_used" => {
                let warning = errors.take(parse_percent("warning", &self.warning));
                let critical = errors.take(optional(&self.critical, |raw| {
                    parse_percent("critical", raw)
                }));
                match (warning, critical) {
                    (Some(w), Some(Some(c))) if c <= w => {
                        errors.push(FieldError::new(
                            "critical",
                            "must be higher than the warning threshold",
                        ));
                        None
                    }
                    (Some(warning), Some(critical)) => {
                        Some(RuleKind::PercentUsed(Threshold { warning, critical }))
                    }
                    _ => None,
                }
            }
            "remaining_below" => {
                let warning = errors.take(parse_count("warning", &self.warning));
                let critical =
                    errors.take(optional(&self.critical, |raw| parse_count("critical", raw)));
                match (warning, critical) {
                    (Some(w), Some(Some(c))) if c >= w => {
                        errors.push(FieldError::new(
                            "critical",
                            "must be lower than the warning threshold",
                        ));
                        None
                    }
                    (Some(warning), Some(critical)) => {
                        Some(RuleKind::RemainingBelow(Threshold { warning, critical }))
                    }
                    _ => None,
                }
            }
            "forecast" => errors
                .take(optional(&self.within_days, parse_days))
                .map(|within_days| RuleKind::Forecast { within_days }),
            "key_failing" => Some(RuleKind::KeyFailing),
            _ => {
                errors.push(FieldError::new("kind", "choose what the rule watches"));
                None
            }
        };
        let mut recipients = Recipients {
            admins: self.admins.as_deref().is_some_and(|v| !v.is_empty()),
            ..Recipients::default()
        };
        for raw in &self.users {
            match raw.trim().parse::<i64>() {
                Ok(id) if id > 0 => recipients.users.push(UserId(id)),
                _ => errors.push(FieldError::new("users", "unknown team member")),
            }
        }
        for raw in self
            .emails
            .split([',', ';', ' ', '\n', '\r', '\t'])
            .filter(|s| !s.trim().is_empty())
        {
            match EmailAddress::parse(raw) {
                Ok(email) if !recipients.emails.contains(&email) => recipients.emails.push(email),
                Ok(_) => {}
                Err(_) => errors.push(FieldError::new(
                    "emails",
                    format!("{:?} is not a valid e-mail address", raw.trim()),
                )),
            }
        }
        recipients.users.sort_by_key(|u| u.0);
        recipients.users.dedup();
        if errors.is_empty() && recipients.is_empty() {
            errors.push(FieldError::new(
                "emails",
                "choose the admins, a team member or enter an address",
            ));
        }
        errors.into_result(|| kind.map(|kind| (kind, recipients)))
    }

    /// The form that shows a stored rule (for editing it again).
    pub fn from_rule(rule: &AlertRule) -> Self {
        let (warning, critical, within_days) = match rule.kind {
            RuleKind::PercentUsed(t) => (
                plain_percent(t.warning),
                t.critical.map(plain_percent).unwrap_or_default(),
                String::new(),
            ),
            RuleKind::RemainingBelow(t) => (
                t.warning.to_string(),
                t.critical.map(|c| c.to_string()).unwrap_or_default(),
                String::new(),
            ),
            RuleKind::Forecast { within_days } => (
                String::new(),
                String::new(),
                within_days.map(|d| d.to_string()).unwrap_or_default(),
            ),
            RuleKind::KeyFailing => (String::new(), String::new(), String::new()),
        };
        Self {
            kind: rule.kind.slug().to_owned(),
            warning,
            critical,
            within_days,
            admins: rule.recipients.admins.then(|| "on".to_owned()),
            users: rule
                .recipients
                .users
                .iter()
                .map(|u| u.0.to_string())
                .collect(),
            emails: rule
                .recipients
                .emails
                .iter()
                .map(EmailAddress::as_str)
                .collect::<Vec<_>>()
                .join(", "),
        }
    }
}

fn plain_percent(percent: Percent) -> String {
    let text = format!(
        "{}.{:02}",
        percent.hundredths / 100,
        percent.hundredths % 100
    );
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

fn optional<T>(
    raw: &str,
    parse: impl FnOnce(&str) -> Result<T, FieldError>,
) -> Result<Option<T>, FieldError> {
    if raw.trim().is_empty() {
        Ok(None)
    } else {
        parse(raw).map(Some)
    }
}

fn parse_percent(field: &str, raw: &str) -> Result<Percent, FieldError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(FieldError::new(field, "enter a percentage such as 80"));
    }
    match raw.parse::<Percent>() {
        Ok(p) if p.hundredths > 0 && p.hundredths <= 10_000 => Ok(p),
        Ok(_) => Err(FieldError::new(
            field,
            "must be more than 0 and at most 100",
        )),
        Err(_) => Err(FieldError::new(
            field,
            format!("{raw:?} is not a percentage (e.g. 80 or 92.5)"),
        )),
    }
}

fn parse_count(field: &str, raw: &str) -> Result<i64, FieldError> {
    let cleaned: String = raw
        .trim()
        .chars()
        .filter(|c| *c != ',' && *c != '_')
        .collect();
    if cleaned.is_empty() {
        return Err(FieldError::new(field, "enter a number of credits or calls"));
    }
    match cleaned.parse::<i64>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(FieldError::new(
            field,
            format!("{:?} is not a whole number above 0", raw.trim()),
        )),
    }
}

fn parse_days(raw: &str) -> Result<u32, FieldError> {
    match raw.trim().parse::<u32>() {
        Ok(n) if (1..=366).contains(&n) => Ok(n),
        _ => Err(FieldError::new(
            "within_days",
            "a number of days from 1 to 366, or blank for \"before the reset\"",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(kind: &str, warning: &str, critical: &str) -> RuleForm {
        RuleForm {
            kind: kind.to_owned(),
            warning: warning.to_owned(),
            critical: critical.to_owned(),
            emails: "ops@example.com".to_owned(),
            ..RuleForm::default()
        }
    }

    #[test]
    fn a_signature_gives_back_its_rule_and_a_firing_alert_names_the_step_crossed() {
        let rules = [
            RuleKind::PercentUsed(Threshold {
                warning: Percent { hundredths: 8_000 },
                critical: Some(Percent { hundredths: 9_500 }),
            }),
            RuleKind::PercentUsed(Threshold {
                warning: Percent { hundredths: 9_250 },
                critical: None,
            }),
            RuleKind::RemainingBelow(Threshold {
                warning: 5_000,
                critical: Some(500),
            }),
            RuleKind::RemainingBelow(Threshold {
                warning: 100,
                critical: None,
            }),
            RuleKind::Forecast { within_days: None },
            RuleKind::Forecast {
                within_days: Some(7),
            },
            RuleKind::KeyFailing,
        ];
        for rule in rules {
            assert_eq!(RuleKind::from_signature(&rule.signature()), Some(rule));
        }
        for unknown in [
            "",
            "percent_used",
            "percent_used:x:",
            "forecast:soon",
            "key_failing:1",
            "bogus:1:2",
        ] {
            assert_eq!(RuleKind::from_signature(unknown), None, "{unknown:?}");
        }
        let [percent, percent_one, remaining, remaining_one, forecast, ..] = rules;
        assert_eq!(percent.firing_text(Severity::Critical), "95 % used");
        assert_eq!(percent.firing_text(Severity::Warning), "80 % used");
        assert_eq!(percent_one.firing_text(Severity::Critical), "92.50 % used");
        assert_eq!(
            remaining.firing_text(Severity::Critical),
            "fewer than 500 left"
        );
        assert_eq!(
            remaining.firing_text(Severity::Warning),
            "fewer than 5,000 left"
        );
        assert_eq!(
            remaining_one.firing_text(Severity::Critical),
            "fewer than 100 left"
        );
        assert_eq!(
            forecast.firing_text(Severity::Warning),
            "runs out before the period resets"
        );
    }

    #[test]
    fn percent_rule_parses_and_round_trips_through_the_form() {
        let (kind, recipients) = form("percent_used", "80", "95").parse().expect("valid");
        assert_eq!(
            kind,
            RuleKind::PercentUsed(Threshold {
                warning: Percent { hundredths: 8_000 },
                critical: Some(Percent { hundredths: 9_500 }),
            })
        );
        assert_eq!(recipients.emails[0].as_str(), "ops@example.com");
        let rule = AlertRule {
            id: 1,
            key_id: None,
            kind,
            recipients,
        };
        assert_eq!(RuleForm::from_rule(&rule).parse().expect("again").0, kind);
        assert_eq!(kind.describe(), "80 % used (critical at 95 %)");
    }

    #[test]
    fn each_bad_field_is_named() {
        let errors = form("percent_used", "eighty", "").parse().expect_err("bad");
        assert!(errors.get("warning").is_some_and(|m| m.contains("eighty")));
        let errors = form("percent_used", "90", "80").parse().expect_err("bad");
        assert!(errors.get("critical").is_some());
        let errors = form("percent_used", "120", "").parse().expect_err("bad");
        assert!(errors.get("warning").is_some());
        let errors = form("remaining_below", "100", "500")
            .parse()
            .expect_err("bad");
        assert!(errors.get("critical").is_some());
        let errors = form("remaining_below", "-3", "").parse().expect_err("bad");
        assert!(errors.get("warning").is_some());
        let errors = form("nonsense", "", "").parse().expect_err("bad");
        assert!(errors.get("kind").is_some());
        let mut bad_email = form("key_failing", "", "");
        bad_email.emails = "ops@example.com, not-an-address".to_owned();
        let errors = bad_email.parse().expect_err("bad");
        assert!(
            errors
                .get("emails")
                .is_some_and(|m| m.contains("not-an-address"))
        );
        let mut nobody = form("key_failing", "", "");
        nobody.emails = String::new();
        assert!(nobody.parse().expect_err("nobody").get("emails").is_some());
        let mut days = form("forecast", "", "");
        days.within_days = "0".to_owned();
        assert!(
            days.parse()
                .expect_err("0 days")
                .get("within_days")
                .is_some()
        );
    }

    #[test]
    fn remaining_accepts_grouped_numbers_and_forecast_blank_means_reset() {
        let (kind, _) = form("remaining_below", "5,000", "1000")
            .parse()
            .expect("ok");
        assert_eq!(
            kind,
            RuleKind::RemainingBelow(Threshold {
                warning: 5_000,
                critical: Some(1_000)
            })
        );
        let (kind, _) = form("forecast", "", "").parse().expect("ok");
        assert_eq!(kind, RuleKind::Forecast { within_days: None });
        assert_eq!(kind.signature(), "forecast:reset");
    }

    #[test]
    fn thousands_groups_digits() {
        assert_eq!(thousands(4_120), "4,120");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000_000), "1,000,000");
        assert_eq!(thousands(-25_000), "-25,000");
    }
}
