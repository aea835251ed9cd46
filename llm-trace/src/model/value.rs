//! Reading facts out of raw JSON bodies without copying them and without
//! trusting their shape: a field of the wrong type reads as absent.

use std::borrow::Cow;

use serde_json::Value;

/// The string at `key`, borrowed from the body.
pub(crate) fn str_at<'a>(v: &'a Value, key: &str) -> Option<Cow<'a, str>> {
    v.get(key)?.as_str().map(Cow::Borrowed)
}

/// The non-negative integer at `key`.
pub(crate) fn u64_at(v: &Value, key: &str) -> Option<u64> {
    v.get(key)?.as_u64()
}

/// The integer at `key`.
pub(crate) fn i64_at(v: &Value, key: &str) -> Option<i64> {
    v.get(key)?.as_i64()
}

/// The number at `key`.
pub(crate) fn f64_at(v: &Value, key: &str) -> Option<f64> {
    v.get(key)?.as_f64()
}

/// The boolean at `key`.
pub(crate) fn bool_at(v: &Value, key: &str) -> Option<bool> {
    v.get(key)?.as_bool()
}

/// The array at `key`, empty when absent or not an array.
pub(crate) fn array_at<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    match v.get(key) {
        Some(Value::Array(items)) => items,
        _ => &[],
    }
}

/// A string or an array of strings (`stop` in OpenAI requests).
pub(crate) fn strings_at<'a>(v: &'a Value, key: &str) -> Vec<Cow<'a, str>> {
    match v.get(key) {
        Some(Value::String(s)) => vec![Cow::Borrowed(s.as_str())],
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|s| s.as_str().map(Cow::Borrowed))
            .collect(),
        _ => Vec::new(),
    }
}

/// The string at `key`, owned (for captured content).
pub(crate) fn string_at(v: &Value, key: &str) -> Option<String> {
    v.get(key)?.as_str().map(str::to_owned)
}

/// The string at `key`, or `""`.
pub(crate) fn text_at<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}

/// An object part kept as the provider wrote it, or nothing when `v` is not
/// an object with a `type`.
pub(crate) fn other_part(v: &Value) -> Option<super::Part> {
    let map = v.as_object()?;
    map.get("type")?.as_str()?;
    Some(super::Part::Other(map.clone()))
}
