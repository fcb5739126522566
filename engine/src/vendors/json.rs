//! Reading vendor JSON field by field, so a reply that changed shape is reported as
//! drift (which fields went missing, which appeared) instead of a bare serde error,
//! and so the raw reply can be kept for audit with its secrets removed.

use serde_json::{Map, Value};

use super::{FetchError, Reply};

/// Field names that hold secrets in some vendor's reply; dropped from stored JSON.
const SECRET_FIELDS: &[&str] = &["license_key", "apikey", "api_key", "x-api-key", "token"];

pub(crate) fn parse_object(reply: &Reply) -> Result<Map<String, Value>, FetchError> {
    match serde_json::from_slice::<Value>(&reply.body) {
        Ok(Value::Object(object)) => Ok(object),
        Ok(_) => Err(FetchError::malformed("the reply is JSON but not an object")),
        Err(error) => Err(FetchError::malformed(format!(
            "the reply is not valid JSON ({error})"
        ))),
    }
}

/// Collects what is missing, wrong or new while the figures are read, then decides.
#[derive(Default)]
pub(crate) struct Fields {
    missing: Vec<String>,
    invalid: Vec<String>,
    unknown: Vec<String>,
}

impl Fields {
    /// A documented field that must be there.
    pub(crate) fn required_u64(&mut self, root: &Map<String, Value>, path: &str) -> Option<u64> {
        let found = self.lookup(root, path, true)?;
        self.read_u64(found, path)
    }

    pub(crate) fn optional_u64(&mut self, root: &Map<String, Value>, path: &str) -> Option<u64> {
        let found = self.lookup(root, path, false)?;
        self.read_u64(found, path)
    }

    pub(crate) fn required_i64(&mut self, root: &Map<String, Value>, path: &str) -> Option<i64> {
        let found = self.lookup(root, path, true)?;
        let value = as_integer(found).and_then(|n| i64::try_from(n).ok());
        if value.is_none() {
            self.invalid.push(format!("{path} is not a whole number"));
        }
        value
    }

    pub(crate) fn optional_str<'a>(
        &mut self,
        root: &'a Map<String, Value>,
        path: &str,
    ) -> Option<&'a str> {
        match lookup(root, path)? {
            Value::String(text) => Some(text),
            Value::Null => None,
            _ => {
                self.invalid.push(format!("{path} is not text"));
                None
            }
        }
    }

    pub(crate) fn required_str<'a>(
        &mut self,
        root: &'a Map<String, Value>,
        path: &str,
    ) -> Option<&'a str> {
        if lookup(root, path).is_none() {
            self.missing.push(path.to_owned());
            return None;
        }
        self.optional_str(root, path)
    }

    pub(crate) fn invalid(&mut self, what: String) {
        self.invalid.push(what);
    }

    /// Records keys of `object` (at `prefix`) that are not in `known`.
    pub(crate) fn note_unknown(&mut self, root: &Map<String, Value>, prefix: &str, known: &[&str]) {
        let object = if prefix.is_empty() {
            Some(root)
        } else {
            lookup(root, prefix).and_then(Value::as_object)
        };
        let Some(object) = object else { return };
        for key in object.keys() {
            if !known.contains(&key.as_str()) {
                self.unknown.push(if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                });
            }
        }
    }

    /// Drift when documented fields are gone, malformed when they hold nonsense;
    /// otherwise the new fields, to be shown as a warning on the reading.
    pub(crate) fn finish(self) -> Result<Vec<String>, FetchError> {
        if !self.missing.is_empty() {
            return Err(FetchError::Drift {
                missing: self.missing,
                unknown: self.unknown,
            });
        }
        if !self.invalid.is_empty() {
            return Err(FetchError::malformed(self.invalid.join("; ")));
        }
        Ok(self.unknown)
    }

    fn lookup<'a>(
        &mut self,
        root: &'a Map<String, Value>,
        path: &str,
        required: bool,
    ) -> Option<&'a Value> {
        match lookup(root, path) {
            Some(Value::Null) | None => {
                if required {
                    self.missing.push(path.to_owned());
                }
                None
            }
            found => found,
        }
    }

    fn read_u64(&mut self, value: &Value, path: &str) -> Option<u64> {
        let number = as_integer(value).and_then(|n| u64::try_from(n).ok());
        if number.is_none() {
            self.invalid
                .push(format!("{path} is not a whole number of at least 0"));
        }
        number
    }
}

/// `a.b.c` in nested objects.
pub(crate) fn lookup<'a>(root: &'a Map<String, Value>, path: &str) -> Option<&'a Value> {
    let mut parts = path.split('.');
    let mut current = root.get(parts.next()?)?;
    for part in parts {
        current = current.as_object()?.get(part)?;
    }
    Some(current)
}

/// Whole numbers, also when written `128.0` or `"128"`: some vendors serialise counts
/// from floats or strings, and a count is still a count.
pub(crate) fn as_integer(value: &Value) -> Option<i128> {
    match value {
        Value::Number(number) => number
            .as_i64()
            .map(i128::from)
            .or_else(|| number.as_u64().map(i128::from))
            .or_else(|| {
                number
                    .as_f64()
                    .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
                    .map(|f| f as i128)
            }),
        Value::String(text) => text.trim().parse().ok(),
        _ => None,
    }
}

/// The reply as it may be stored: secret fields dropped, and any string that contains
/// one of `secrets` masked.
pub(crate) fn redact(mut value: Value, secrets: &[&str]) -> Value {
    redact_in_place(&mut value, secrets);
    value
}

fn redact_in_place(value: &mut Value, secrets: &[&str]) {
    match value {
        Value::Object(object) => {
            object.retain(|key, _| !SECRET_FIELDS.contains(&key.to_ascii_lowercase().as_str()));
            object
                .values_mut()
                .for_each(|child| redact_in_place(child, secrets));
        }
        Value::Array(items) => items
            .iter_mut()
            .for_each(|child| redact_in_place(child, secrets)),
        Value::String(text) => {
            for secret in secrets.iter().filter(|s| !s.is_empty()) {
                if text.contains(secret) {
                    *text = text.replace(secret, "[REDACTED]");
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn redact_drops_secret_fields_and_masks_echoes() {
        let raw = json!({"license_key": "L1", "note": "key abc123 used", "n": [{"token": "t"}]});
        let clean = redact(raw, &["abc123"]);
        assert_eq!(clean, json!({"note": "key [REDACTED] used", "n": [{}]}));
    }

    #[test]
    fn integers_accept_whole_floats_and_numeric_strings_only() {
        assert_eq!(as_integer(&json!(5)), Some(5));
        assert_eq!(as_integer(&json!(5.0)), Some(5));
        assert_eq!(as_integer(&json!("7")), Some(7));
        assert_eq!(as_integer(&json!(5.5)), None);
        assert_eq!(as_integer(&json!("x")), None);
        assert_eq!(as_integer(&json!(null)), None);
    }
}
