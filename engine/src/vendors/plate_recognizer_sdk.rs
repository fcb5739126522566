//! Plate Recognizer on-premise SDK: `GET {base}/info/`, no authentication.
//!
//! The reply carries the SDK's `license_key`, a secret: it is read only to be removed
//! (also wherever else it appears in the reply) and never enters a reading, a log or
//! the stored JSON.

use chrono::{DateTime, Utc};
use domain::{Figure, PlateRecognizerSdkDetails, Scope, UsageReading, Vendor, VendorDetails};
use reqwest::StatusCode;
use serde_json::Value;

use super::{
    Credential, FetchError, Fetched, Reply, VendorClient, json, json::Fields,
    plate_recognizer::signed, status_error,
};

pub const PATH: &str = "/info/";

pub(super) async fn fetch(client: &VendorClient, cred: &Credential) -> Result<Fetched, FetchError> {
    let reply = client
        .execute(client.http().get(cred.endpoint(PATH)))
        .await?;
    interpret(&reply, cred, Utc::now())
}

pub fn interpret(
    reply: &Reply,
    cred: &Credential,
    now: DateTime<Utc>,
) -> Result<Fetched, FetchError> {
    if reply.status != StatusCode::OK {
        return Err(status_error(reply, cred));
    }
    let object = json::parse_object(reply)?;
    let mut fields = Fields::default();
    let calls = fields.required_u64(&object, "usage.calls");
    let total_calls = fields.required_u64(&object, "total_calls");
    let version = fields.optional_str(&object, "version").map(str::to_owned);
    let license = fields
        .optional_str(&object, "license_key")
        .map(str::to_owned);
    let webhooks = json::lookup(&object, "webhooks")
        .and_then(Value::as_array)
        .map(Vec::len);
    fields.note_unknown(
        &object,
        "",
        &["version", "license_key", "total_calls", "usage", "webhooks"],
    );
    fields.note_unknown(&object, "usage", &["calls"]);
    let unknown_fields = fields.finish()?;
    let (Some(calls), Some(total_calls)) = (calls, total_calls) else {
        return Err(FetchError::malformed("usage figures are missing"));
    };

    let mut secrets: Vec<&str> = license.as_deref().into_iter().collect();
    secrets.extend(cred.key().map(|key| key.expose()));
    let raw = json::redact(Value::Object(object), &secrets);
    Ok(Fetched {
        reading: UsageReading {
            vendor: Vendor::PlateRecognizerSdk,
            scope: Scope::Key,
            used: Some(Figure::vendor(calls)),
            limit: Some(Figure::vendor(total_calls)),
            remaining: Some(Figure::inferred(signed(total_calls) - signed(calls))),
            // The SDK reports no period.
            period_start: None,
            resets_on: None,
            as_of: now,
            unknown_fields,
            details: VendorDetails::PlateRecognizerSdk(PlateRecognizerSdkDetails {
                version,
                webhooks,
            }),
        },
        raw,
    })
}
