//! StructOCR account balance: `GET {base}/v1/account/balance`, key in `x-api-key`.
//!
//! The headline figures are the `account` block: all-time credits shared by every key
//! of the account, so alerts fire once per account on `credits_remaining` (FACTS.md).
//! `this_key` (this billing period, this key only) is kept in the details.

use chrono::{DateTime, Utc};
use domain::{
    Figure, Percent, Scope, StructOcrAccount, StructOcrDetails, StructOcrKey, UsageReading, Vendor,
    VendorDetails,
};
use reqwest::StatusCode;
use serde_json::{Map, Value};

use super::{
    Credential, FetchError, Fetched, Reply, VendorClient, json, json::Fields, secret_header,
    status_error, vendor_message,
};

pub const PATH: &str = "/v1/account/balance";

const ACCOUNT_FIELDS: &[&str] = &[
    "credits_total",
    "credits_used",
    "credits_remaining",
    "credits_this_period",
    "requests_this_period",
    "error_rate",
    "avg_latency_ms",
];
const KEY_FIELDS: &[&str] = &["credits_used", "requests", "error_rate", "avg_latency_ms"];

pub(super) async fn fetch(client: &VendorClient, cred: &Credential) -> Result<Fetched, FetchError> {
    let request = client
        .http()
        .get(cred.endpoint(PATH))
        .header("x-api-key", secret_header(cred, "")?);
    let reply = client.execute(request).await?;
    interpret(&reply, cred, Utc::now())
}

pub fn interpret(
    reply: &Reply,
    cred: &Credential,
    now: DateTime<Utc>,
) -> Result<Fetched, FetchError> {
    match reply.status {
        StatusCode::OK => {}
        // "Account not found": no account behind this key; retrying will not help.
        StatusCode::NOT_FOUND => {
            return Err(FetchError::Unauthorized {
                reason: vendor_message(reply, cred),
            });
        }
        // INSUFFICIENT_CREDITS on StructOCR's OCR endpoints.
        StatusCode::PAYMENT_REQUIRED => {
            return Err(FetchError::QuotaExhausted {
                reason: vendor_message(reply, cred),
            });
        }
        _ => return Err(status_error(reply, cred)),
    }
    let object = json::parse_object(reply)?;
    let mut fields = Fields::default();
    let account = StructOcrAccount {
        credits_total: fields
            .required_u64(&object, "account.credits_total")
            .unwrap_or_default(),
        credits_used: fields
            .required_u64(&object, "account.credits_used")
            .unwrap_or_default(),
        credits_remaining: fields
            .required_i64(&object, "account.credits_remaining")
            .unwrap_or_default(),
        credits_this_period: fields.optional_u64(&object, "account.credits_this_period"),
        requests_this_period: fields.optional_u64(&object, "account.requests_this_period"),
        error_rate: percent(&mut fields, &object, "account.error_rate"),
        avg_latency_ms: fields.optional_u64(&object, "account.avg_latency_ms"),
    };
    let this_key = StructOcrKey {
        credits_used: fields.required_u64(&object, "this_key.credits_used"),
        requests: fields.optional_u64(&object, "this_key.requests"),
        error_rate: percent(&mut fields, &object, "this_key.error_rate"),
        avg_latency_ms: fields.optional_u64(&object, "this_key.avg_latency_ms"),
    };
    let period_start = timestamp(&mut fields, &object, "period.start");
    let period_end = timestamp(&mut fields, &object, "period.end");
    fields.note_unknown(&object, "", &["period", "account", "this_key"]);
    fields.note_unknown(&object, "period", &["start", "end"]);
    fields.note_unknown(&object, "account", ACCOUNT_FIELDS);
    fields.note_unknown(&object, "this_key", KEY_FIELDS);
    let unknown_fields = fields.finish()?;

    let raw = json::redact(
        Value::Object(object),
        &cred
            .key()
            .map(|key| key.expose())
            .into_iter()
            .collect::<Vec<_>>(),
    );
    Ok(Fetched {
        reading: UsageReading {
            vendor: Vendor::StructOcr,
            scope: Scope::Account,
            used: Some(Figure::vendor(account.credits_used)),
            limit: Some(Figure::vendor(account.credits_total)),
            remaining: Some(Figure::vendor(account.credits_remaining)),
            // The account's credits are all-time: they have no period and never reset.
            // The billing period only frames `this_key`, kept in the details.
            period_start: None,
            resets_on: None,
            as_of: now,
            unknown_fields,
            details: VendorDetails::StructOcr(StructOcrDetails {
                period_start,
                period_end,
                account,
                this_key,
            }),
        },
        raw,
    })
}

fn percent(fields: &mut Fields, object: &Map<String, Value>, path: &str) -> Option<Percent> {
    let text = fields.optional_str(object, path)?;
    match text.parse() {
        Ok(percent) => Some(percent),
        Err(error) => {
            fields.invalid(format!("{path}: {error}"));
            None
        }
    }
}

fn timestamp(
    fields: &mut Fields,
    object: &Map<String, Value>,
    path: &str,
) -> Option<DateTime<Utc>> {
    let text = fields.optional_str(object, path)?;
    match DateTime::parse_from_rfc3339(text) {
        Ok(at) => Some(at.with_timezone(&Utc)),
        Err(_) => {
            fields.invalid(format!("{path} is not a date-time"));
            None
        }
    }
}
