//! How large a recorded attribute value may be.
//!
//! Values from `fields(...)`, [`current_call`](crate::current_call) and
//! workflow metadata are written by the application, but often carry text it
//! did not write (a user's input, a document title, a provider's reply), and
//! response ids, models, finish reasons and tool names come from the
//! provider's body: none of it may make a span grow without bound.

use opentelemetry::{Array, StringValue, Value};

/// Longest text recorded in one attribute value, in bytes: a string value,
/// or all strings of an array value together. Longer text is cut on a
/// character boundary and ends with `…`, within this bound.
pub const MAX_ATTRIBUTE_VALUE_BYTES: usize = 4096;

/// Most elements recorded in one array value; the elements after them are
/// left out.
pub const MAX_ARRAY_ELEMENTS: usize = 128;

/// Longest model name (request or response) and `error.type` kept as it
/// is, in bytes. The longest real model names are resource paths such as
/// `projects/p/locations/l/publishers/google/models/gemini-2.5-pro-preview-05-06`
/// or Bedrock inference profile ARNs (under 200 bytes). A longer one is
/// recorded on the span cut to this bound (ending with `…`), and is never a
/// metric attribute or a price look-up: metrics carry [`OTHER`](crate::semconv::OTHER)
/// instead, and the call gets no cost.
pub const MAX_MODEL_BYTES: usize = 256;

const ELLIPSIS: &str = "…";

/// A model name (or `error.type`) as llm-trace keeps it: `Ok` when it is
/// within [`MAX_MODEL_BYTES`], else `Err` with the text the span records
/// (cut on a character boundary, ending with `…`).
pub(crate) fn bounded_model(model: &str) -> Result<&str, StringValue> {
    if model.len() <= MAX_MODEL_BYTES {
        Ok(model)
    } else {
        Err(StringValue::from(cut(model, MAX_MODEL_BYTES).into_owned()))
    }
}

/// The start of `text` that llm-trace copies where a string enters it (a
/// stream's chunks), when it will be bounded to `bound` bytes later: the
/// whole text within `bound`, else its first characters past `bound` (at
/// most `bound + 4` bytes), so that what reads it later still sees that it
/// was over the bound.
pub(crate) fn entry_prefix(text: &str, bound: usize) -> &str {
    if text.len() <= bound {
        return text;
    }
    let mut end = bound + 1;
    while !text.is_char_boundary(end) {
        end += 1;
    }
    &text[..end]
}

/// `value` as llm-trace records it: strings within
/// [`MAX_ATTRIBUTE_VALUE_BYTES`], arrays within [`MAX_ARRAY_ELEMENTS`] and,
/// for arrays of strings, within [`MAX_ATTRIBUTE_VALUE_BYTES`] of text
/// together. A value within the bounds is returned as it is.
///
/// ```
/// use llm_trace::metadata::{bounded_value, MAX_ATTRIBUTE_VALUE_BYTES};
/// use llm_trace::opentelemetry::Value;
///
/// let long = Value::from("x".repeat(10_000));
/// let Value::String(cut) = bounded_value(long) else { unreachable!() };
/// assert_eq!(cut.as_str().len(), MAX_ATTRIBUTE_VALUE_BYTES);
/// assert!(cut.as_str().ends_with('…'));
/// assert_eq!(bounded_value(Value::from("short")), Value::from("short"));
/// ```
pub fn bounded_value(value: Value) -> Value {
    match value {
        Value::String(s) if s.as_str().len() > MAX_ATTRIBUTE_VALUE_BYTES => {
            Value::String(bounded_str(s.as_str()))
        }
        Value::Array(array) => Value::Array(bounded_array(array)),
        other => other,
    }
}

/// `text` cut to [`MAX_ATTRIBUTE_VALUE_BYTES`], copied once.
pub(crate) fn bounded_str(text: &str) -> StringValue {
    StringValue::from(cut(text, MAX_ATTRIBUTE_VALUE_BYTES).into_owned())
}

/// An array attribute of `items`, bounded as [`bounded_value`] bounds
/// arrays, without copying the items it leaves out.
pub(crate) fn bounded_strings<'a>(items: impl IntoIterator<Item = &'a str>) -> Value {
    bounded_strings_with(items, |_| None)
}

/// [`bounded_strings`], with the items `known` names taken as its static
/// strings instead of copies (nothing to allocate here or to free after
/// export).
pub(crate) fn bounded_strings_with<'a, I>(
    items: I,
    known: impl Fn(&str) -> Option<&'static str>,
) -> Value
where
    I: IntoIterator<Item = &'a str>,
{
    let items = items.into_iter();
    let mut room = MAX_ATTRIBUTE_VALUE_BYTES;
    let mut out = Vec::with_capacity(items.size_hint().0.min(MAX_ARRAY_ELEMENTS));
    for item in items.take(MAX_ARRAY_ELEMENTS) {
        if item.len() <= room {
            room -= item.len();
            out.push(match known(item) {
                Some(item) => StringValue::from(item),
                None => StringValue::from(item.to_owned()),
            });
        } else {
            if room > ELLIPSIS.len() {
                out.push(StringValue::from(cut(item, room).into_owned()));
            }
            break;
        }
    }
    Value::Array(Array::String(out))
}

fn bounded_array(array: Array) -> Array {
    match array {
        Array::String(items) => {
            let total: usize = items.iter().map(|s| s.as_str().len()).sum();
            if items.len() <= MAX_ARRAY_ELEMENTS && total <= MAX_ATTRIBUTE_VALUE_BYTES {
                return Array::String(items);
            }
            match bounded_strings(items.iter().map(StringValue::as_str)) {
                Value::Array(array) => array,
                _ => Array::String(Vec::new()),
            }
        }
        Array::Bool(mut items) => {
            items.truncate(MAX_ARRAY_ELEMENTS);
            Array::Bool(items)
        }
        Array::I64(mut items) => {
            items.truncate(MAX_ARRAY_ELEMENTS);
            Array::I64(items)
        }
        Array::F64(mut items) => {
            items.truncate(MAX_ARRAY_ELEMENTS);
            Array::F64(items)
        }
        // A kind of array added to OpenTelemetry later: left out rather
        // than recorded unbounded.
        _ => Array::String(Vec::new()),
    }
}

/// `text` within `limit` bytes: as it is when it fits, else cut on a
/// character boundary with `…` appended, the whole within `limit`.
fn cut(text: &str, limit: usize) -> std::borrow::Cow<'_, str> {
    if text.len() <= limit {
        return text.into();
    }
    let mut end = limit.saturating_sub(ELLIPSIS.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let mut out = String::with_capacity(end + ELLIPSIS.len());
    out.push_str(&text[..end]);
    out.push_str(ELLIPSIS);
    out.into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn text_len(value: &Value) -> usize {
        match value {
            Value::String(s) => s.as_str().len(),
            Value::Array(Array::String(items)) => items.iter().map(|s| s.as_str().len()).sum(),
            _ => 0,
        }
    }

    fn array_len(value: &Value) -> usize {
        match value {
            Value::Array(Array::String(v)) => v.len(),
            Value::Array(Array::I64(v)) => v.len(),
            Value::Array(Array::F64(v)) => v.len(),
            Value::Array(Array::Bool(v)) => v.len(),
            _ => 0,
        }
    }

    /// Strings around the bound, multi-byte characters included.
    fn text() -> impl Strategy<Value = String> {
        prop_oneof![
            ".{0,64}",
            (0usize..3 * MAX_ATTRIBUTE_VALUE_BYTES, any::<char>())
                .prop_map(|(n, c)| c.to_string().repeat(n / c.len_utf8().max(1))),
            ("[a-z]{0,3}", 0usize..2000, "[é€😀]")
                .prop_map(|(head, n, c)| format!("{head}{}", c.repeat(n))),
        ]
    }

    fn value() -> impl Strategy<Value = Value> {
        prop_oneof![
            any::<i64>().prop_map(Value::I64),
            any::<bool>().prop_map(Value::Bool),
            text().prop_map(Value::from),
            prop::collection::vec(text(), 0..300)
                .prop_map(|v| Value::Array(Array::String(v.into_iter().map(Into::into).collect()))),
            prop::collection::vec(any::<i64>(), 0..1000).prop_map(|v| Value::Array(Array::I64(v))),
            prop::collection::vec(any::<bool>(), 0..1000)
                .prop_map(|v| Value::Array(Array::Bool(v))),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn bounded_values_hold_the_bounds_and_keep_what_fits(value in value()) {
            let bounded = bounded_value(value.clone());
            prop_assert!(text_len(&bounded) <= MAX_ATTRIBUTE_VALUE_BYTES);
            prop_assert!(array_len(&bounded) <= MAX_ARRAY_ELEMENTS);
            if text_len(&value) <= MAX_ATTRIBUTE_VALUE_BYTES && array_len(&value) <= MAX_ARRAY_ELEMENTS {
                prop_assert_eq!(&bounded, &value);
            }
            // Bounding twice changes nothing more.
            prop_assert_eq!(bounded_value(bounded.clone()), bounded.clone());
            // What is kept is the start of the value.
            match (&value, &bounded) {
                (Value::String(original), Value::String(cut)) if original != cut => {
                    let kept = cut.as_str().strip_suffix(ELLIPSIS).expect("marked");
                    prop_assert!(original.as_str().starts_with(kept));
                }
                (Value::Array(Array::String(original)), Value::Array(Array::String(kept))) => {
                    let n = kept.len();
                    prop_assert_eq!(&original[..n.saturating_sub(1)], &kept[..n.saturating_sub(1)]);
                }
                _ => {}
            }
        }
    }

    #[test]
    fn a_cut_never_splits_a_character() {
        let text = format!("a{}", "😀".repeat(MAX_ATTRIBUTE_VALUE_BYTES));
        let cut = bounded_str(&text);
        assert!(cut.as_str().len() <= MAX_ATTRIBUTE_VALUE_BYTES);
        assert_eq!(
            cut.as_str().len(),
            1 + 4 * ((MAX_ATTRIBUTE_VALUE_BYTES - 1 - ELLIPSIS.len()) / 4) + ELLIPSIS.len()
        );
    }

    #[test]
    fn string_arrays_are_bounded_in_count_and_in_text() {
        let many = bounded_strings(std::iter::repeat_n("ab", 1000));
        assert_eq!(array_len(&many), MAX_ARRAY_ELEMENTS);
        let long = bounded_strings(["x".repeat(4000).as_str(), &"y".repeat(4000), "z"]);
        let Value::Array(Array::String(items)) = long else {
            panic!("an array");
        };
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].as_str(), "x".repeat(4000));
        assert_eq!(items[1].as_str(), format!("{}…", "y".repeat(93)));
    }
}
