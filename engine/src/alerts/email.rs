//! The e-mails: one `render_*` per kind, each with a plain-text and an HTML part.
//! They name the key (label, vendor) and the figure, link back to the key's page,
//! and never carry a secret: nothing here is given one.

use chrono::{DateTime, Utc};
use domain::{AlertLevel, RuleKind, Vendor};

/// A rendered e-mail, ready for the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertEmail {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// What an alert e-mail says.
pub(crate) struct AlertFacts<'a> {
    pub vendor: Vendor,
    pub subject_label: &'a str,
    pub rule: &'a RuleKind,
    pub level: AlertLevel,
    /// `fired`, `escalated`, `repeated` or `resolved`.
    pub event: &'a str,
    pub summary: &'a str,
    pub link: String,
    pub since: DateTime<Utc>,
}

/// "StructOCR · prod-eu: 4,120 credits left (8 %)", prefixed by what happened when
/// it is not the first alarm.
pub(crate) fn render_alert(facts: &AlertFacts<'_>) -> AlertEmail {
    let vendor = facts.vendor.display_name();
    let prefix = match (facts.event, facts.level) {
        ("resolved", _) => "Resolved: ",
        ("repeated", _) => "Still firing: ",
        (_, AlertLevel::Firing(domain::Severity::Critical)) => "Critical: ",
        _ => "",
    };
    let subject = format!(
        "{prefix}{vendor} · {}: {}",
        facts.subject_label, facts.summary
    );
    let headline = match facts.event {
        "resolved" => "This alert has resolved.".to_owned(),
        "repeated" => format!(
            "This alert is still firing (since {}).",
            facts.since.format("%Y-%m-%d %H:%M UTC")
        ),
        "escalated" => "This alert is now critical.".to_owned(),
        _ => format!("This alert fired ({}).", facts.level.as_str()),
    };
    let rule = facts.rule.describe();
    let text = format!(
        "{headline}\n\n\
         Key:    {vendor} · {label}\n\
         Rule:   {rule}\n\
         Now:    {summary}\n\n\
         Open the key: {link}\n\n\
         -- \nQuotaboard. Change who gets these e-mails on the Alerts page.\n",
        label = facts.subject_label,
        summary = facts.summary,
        link = facts.link,
    );
    let html = format!(
        "<!DOCTYPE html><html><body style=\"font-family:sans-serif\">\
         <p><strong>{headline}</strong></p>\
         <table cellpadding=\"4\">\
         <tr><th align=\"left\">Key</th><td>{vendor} · {label}</td></tr>\
         <tr><th align=\"left\">Rule</th><td>{rule}</td></tr>\
         <tr><th align=\"left\">Now</th><td>{summary}</td></tr>\
         </table>\
         <p><a href=\"{link}\">Open the key in Quotaboard</a></p>\
         <p style=\"color:#666\">Change who gets these e-mails on the Alerts page.</p>\
         </body></html>",
        headline = escape(&headline),
        vendor = escape(vendor),
        label = escape(facts.subject_label),
        rule = escape(&rule),
        summary = escape(facts.summary),
        link = escape(&facts.link),
    );
    AlertEmail {
        subject,
        text,
        html,
    }
}

/// The settings page's "Send test email".
pub fn render_test(requested_by: &str, at: DateTime<Utc>) -> AlertEmail {
    let when = at.format("%Y-%m-%d %H:%M:%S UTC");
    AlertEmail {
        subject: "Quotaboard test e-mail".to_owned(),
        text: format!(
            "This is a test e-mail from Quotaboard, sent at {when} by {requested_by}.\n\
             If you can read it, alert e-mails reach you.\n"
        ),
        html: format!(
            "<!DOCTYPE html><html><body style=\"font-family:sans-serif\">\
             <p>This is a test e-mail from Quotaboard, sent at {when} by {}.</p>\
             <p>If you can read it, alert e-mails reach you.</p></body></html>",
            escape(requested_by)
        ),
    }
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::{Percent, Severity, Threshold};

    #[test]
    fn subject_names_vendor_label_and_figure_and_html_is_escaped() {
        let rule = RuleKind::PercentUsed(Threshold {
            warning: Percent { hundredths: 8_000 },
            critical: None,
        });
        let mail = render_alert(&AlertFacts {
            vendor: Vendor::StructOcr,
            subject_label: "prod-eu <b>",
            rule: &rule,
            level: AlertLevel::Firing(Severity::Warning),
            event: "fired",
            summary: "4,120 credits left (8 %)",
            link: "http://q.example/keys/3".to_owned(),
            since: DateTime::<Utc>::UNIX_EPOCH,
        });
        assert_eq!(
            mail.subject,
            "StructOCR · prod-eu <b>: 4,120 credits left (8 %)"
        );
        assert!(mail.text.contains("http://q.example/keys/3"));
        assert!(mail.html.contains("prod-eu &lt;b&gt;"));
        assert!(!mail.html.contains("<b>"));
    }
}
