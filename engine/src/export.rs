//! The whole team's usage as CSV (`GET /usage.csv`): one line per overview row, the
//! same filters. Times are UTC (RFC 3339), counts plain integers, so spreadsheets and
//! scripts read them without guessing.

use std::fmt::Write as _;

use chrono::{DateTime, SecondsFormat, Utc};

use crate::overview::{Overview, RowSubject};

const HEADER: &[&str] = &[
    "kind",
    "key_id",
    "account",
    "vendor",
    "label",
    "owner_tag",
    "enabled",
    "status",
    "used",
    "limit",
    "remaining",
    "used_percent",
    "resets_on",
    "forecast",
    "forecast_date",
    "as_of",
    "polled_at",
    "last_error",
];

pub fn overview_csv(overview: &Overview) -> String {
    let mut out = String::with_capacity(128 * (overview.rows.len() + 1));
    line(&mut out, HEADER.iter().map(|h| (*h).to_owned()));
    for row in &overview.rows {
        let (kind, key_id, account) = match &row.subject {
            RowSubject::Key(id) => ("key", id.0.to_string(), row.pool.clone()),
            RowSubject::Pool { account, .. } => ("pool", String::new(), Some(account.clone())),
        };
        let number = |n: Option<i128>| n.map(|n| n.to_string()).unwrap_or_default();
        line(
            &mut out,
            [
                kind.to_owned(),
                key_id,
                account.unwrap_or_default(),
                row.vendor.slug().to_owned(),
                row.label.clone(),
                row.owner_tag.clone().unwrap_or_default(),
                row.enabled.to_string(),
                row.status.as_str().to_owned(),
                number(row.used.map(i128::from)),
                number(row.limit.map(i128::from)),
                number(row.remaining.map(i128::from)),
                row.used_percent
                    .map(|p| format!("{}.{:02}", p.hundredths / 100, p.hundredths % 100))
                    .unwrap_or_default(),
                time(row.resets_on),
                row.forecast.kind().to_owned(),
                time(row.forecast.date()),
                time(row.as_of),
                time(row.polled_at),
                row.last_error.clone().unwrap_or_default(),
            ],
        );
    }
    out
}

fn time(at: Option<DateTime<Utc>>) -> String {
    at.map(|at| at.to_rfc3339_opts(SecondsFormat::Secs, true))
        .unwrap_or_default()
}

/// One CSV record (RFC 4180), CRLF-terminated.
fn line(out: &mut String, fields: impl IntoIterator<Item = String>) {
    for (i, field) in fields.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let field = defuse(&field);
        if field.contains([',', '"', '\r', '\n']) {
            let _ = write!(out, "\"{}\"", field.replace('"', "\"\""));
        } else {
            out.push_str(&field);
        }
    }
    out.push_str("\r\n");
}

/// A label such as `=HYPERLINK(…)` would run as a formula when the file is opened in
/// a spreadsheet (OWASP "CSV injection"): such text gets a leading apostrophe.
fn defuse(field: &str) -> std::borrow::Cow<'_, str> {
    match field.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') if field.parse::<f64>().is_err() => {
            std::borrow::Cow::Owned(format!("'{field}"))
        }
        _ => std::borrow::Cow::Borrowed(field),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(fields: &[&str]) -> String {
        let mut out = String::new();
        line(&mut out, fields.iter().map(|f| (*f).to_owned()));
        out
    }

    #[test]
    fn fields_are_quoted_only_when_needed() {
        assert_eq!(record(&["a", "b c", "1"]), "a,b c,1\r\n");
        assert_eq!(
            record(&["x,y", "say \"hi\"", "two\nlines"]),
            "\"x,y\",\"say \"\"hi\"\"\",\"two\nlines\"\r\n"
        );
    }

    #[test]
    fn formulas_are_defused_but_negative_numbers_are_not() {
        assert_eq!(
            record(&["=HYPERLINK(\"x\")", "-1200", "@sum", "+"]),
            "\"'=HYPERLINK(\"\"x\"\")\",-1200,'@sum,'+\r\n"
        );
    }
}
