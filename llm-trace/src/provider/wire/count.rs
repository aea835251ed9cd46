//! Token counts as some providers write them: integers, or integral floats
//! (`17.0`); anything else is no count.

use serde::de::Error as _;
use serde::{Deserialize, Deserializer};
use serde_json::{Number, Value};

/// A whole non-negative count from an integer or an integral float.
pub(crate) fn number_to_count(n: &Number) -> Option<u64> {
    if let Some(n) = n.as_u64() {
        return Some(n);
    }
    let f = n.as_f64()?;
    // 2^64 is exactly representable; every integral f64 below it fits a u64.
    (f >= 0.0 && f.fract() == 0.0 && f < 18_446_744_073_709_551_616.0).then_some(f as u64)
}

/// The count at `key` of a raw body.
pub(crate) fn count_at(v: &Value, key: &str) -> Option<u64> {
    match v.get(key)? {
        Value::Number(n) => number_to_count(n),
        _ => None,
    }
}

/// Deserializes an optional count written as an integer or integral float.
pub(crate) fn count<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    match Option::<Number>::deserialize(d)? {
        None => Ok(None),
        Some(n) => number_to_count(&n)
            .map(Some)
            .ok_or_else(|| D::Error::custom("expected a whole non-negative token count")),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::count_at;

    #[test]
    fn integral_numbers_are_counts() {
        let body = json!({"a": 17, "b": 17.0, "c": 17.5, "d": -1, "e": "17", "f": 1e20});
        assert_eq!(count_at(&body, "a"), Some(17));
        assert_eq!(count_at(&body, "b"), Some(17));
        assert_eq!(count_at(&body, "c"), None);
        assert_eq!(count_at(&body, "d"), None);
        assert_eq!(count_at(&body, "e"), None);
        assert_eq!(count_at(&body, "f"), None);
        assert_eq!(count_at(&body, "missing"), None);
    }
}
