//! The part of OTLP/JSON this command reads: one `ExportTraceServiceRequest`
//! per line, as the OTLP file exporter (llm-trace's embedded default) writes.
//!
//! Only the fields the command uses are modelled; unknown fields are ignored.
//! The decoding is as lenient as the [OTLP/JSON] rules allow producers to
//! be: 64-bit integers as strings or numbers, enums as integers or names,
//! doubles as numbers or the strings `"NaN"`, `"Infinity"`, `"-Infinity"`.
//!
//! [OTLP/JSON]: https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding

use std::fmt;

use serde::de::{self, Deserializer, IgnoredAny};
use serde::Deserialize;

/// One line of an OTLP JSON-lines file.
///
/// A traces file holds `resourceSpans`; a metrics or logs file (the
/// embedded default writes `llm-trace.metrics.jsonl` next to the traces)
/// holds `resourceMetrics` or `resourceLogs`, told apart so that such lines
/// are skipped with a notice rather than reported as malformed.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportRequest {
    /// The spans, grouped by resource.
    #[serde(default)]
    pub resource_spans: Option<Vec<ResourceSpans>>,
    /// Present on a metrics line.
    #[serde(default)]
    pub resource_metrics: Option<IgnoredAny>,
    /// Present on a logs line.
    #[serde(default)]
    pub resource_logs: Option<IgnoredAny>,
}

/// The spans of one resource.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceSpans {
    /// The resource (service name, instance id, ...).
    #[serde(default)]
    pub resource: Option<Resource>,
    /// The spans, grouped by instrumentation scope.
    #[serde(default)]
    pub scope_spans: Vec<ScopeSpans>,
}

/// A resource's attributes.
#[derive(Debug, Default, Deserialize)]
pub struct Resource {
    /// `service.name`, `service.instance.id`, ...
    #[serde(default)]
    pub attributes: Vec<KeyValue>,
}

/// The spans of one instrumentation scope.
#[derive(Debug, Deserialize)]
pub struct ScopeSpans {
    /// The spans.
    #[serde(default)]
    pub spans: Vec<Span>,
}

/// One span, as encoded.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Span {
    /// 32 hex digits.
    pub trace_id: String,
    /// 16 hex digits.
    pub span_id: String,
    /// 16 hex digits, or empty for a root.
    #[serde(default)]
    pub parent_span_id: String,
    /// The span name.
    #[serde(default)]
    pub name: String,
    /// Start, in nanoseconds since the Unix epoch.
    #[serde(deserialize_with = "u64_lenient")]
    pub start_time_unix_nano: u64,
    /// End, in nanoseconds since the Unix epoch.
    #[serde(deserialize_with = "u64_lenient")]
    pub end_time_unix_nano: u64,
    /// The attributes.
    #[serde(default)]
    pub attributes: Vec<KeyValue>,
    /// Events (evaluation results among them).
    #[serde(default)]
    pub events: Vec<Event>,
    /// The final status; absent means unset.
    #[serde(default)]
    pub status: Option<Status>,
}

/// A span event.
#[derive(Debug, Deserialize)]
pub struct Event {
    /// The event name (`gen_ai.evaluation.result`, `exception`, ...).
    #[serde(default)]
    pub name: String,
    /// The event's attributes.
    #[serde(default)]
    pub attributes: Vec<KeyValue>,
}

/// A span status.
#[derive(Debug, Default, Deserialize)]
pub struct Status {
    /// The description given with an error.
    #[serde(default)]
    pub message: String,
    /// Unset, ok or error.
    #[serde(default)]
    pub code: StatusCode,
}

/// The status code of a span.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub enum StatusCode {
    /// No status was set (code 0).
    #[default]
    Unset,
    /// Explicitly ok (code 1).
    Ok,
    /// Failed (code 2).
    Error,
}

impl<'de> Deserialize<'de> for StatusCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl de::Visitor<'_> for Visitor {
            type Value = StatusCode;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a status code (0, 1, 2 or its name)")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<StatusCode, E> {
                match v {
                    0 => Ok(StatusCode::Unset),
                    1 => Ok(StatusCode::Ok),
                    2 => Ok(StatusCode::Error),
                    _ => Err(E::invalid_value(de::Unexpected::Unsigned(v), &self)),
                }
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<StatusCode, E> {
                u64::try_from(v)
                    .map_err(|_| E::invalid_value(de::Unexpected::Signed(v), &self))
                    .and_then(|v| self.visit_u64(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<StatusCode, E> {
                match v {
                    "STATUS_CODE_UNSET" => Ok(StatusCode::Unset),
                    "STATUS_CODE_OK" => Ok(StatusCode::Ok),
                    "STATUS_CODE_ERROR" => Ok(StatusCode::Error),
                    _ => Err(E::invalid_value(de::Unexpected::Str(v), &self)),
                }
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

/// An attribute.
#[derive(Debug, Deserialize)]
pub struct KeyValue {
    /// The key.
    pub key: String,
    /// The value; absent or empty reads as no value.
    #[serde(default)]
    pub value: Option<AnyValue>,
}

/// An attribute value as encoded: one of its fields is set.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AnyValue {
    /// A string.
    #[serde(default)]
    pub string_value: Option<String>,
    /// A 64-bit integer (a string in OTLP/JSON).
    #[serde(default, deserialize_with = "option_i64_lenient")]
    pub int_value: Option<i64>,
    /// A double.
    #[serde(default, deserialize_with = "option_f64_lenient")]
    pub double_value: Option<f64>,
    /// A boolean.
    #[serde(default)]
    pub bool_value: Option<bool>,
    /// An array of values.
    #[serde(default)]
    pub array_value: Option<ArrayValue>,
    /// Bytes, base64-encoded (kept as the encoded text).
    #[serde(default)]
    pub bytes_value: Option<String>,
}

/// The values of an array attribute.
#[derive(Debug, Default, Deserialize)]
pub struct ArrayValue {
    /// The elements.
    #[serde(default)]
    pub values: Vec<AnyValue>,
}

/// A number, or a string holding one, as OTLP/JSON encodes 64-bit integers
/// and non-finite doubles. A visitor rather than an untagged enum: no
/// buffering, this runs for every attribute.
#[derive(Clone, Copy)]
enum Number {
    Unsigned(u64),
    Signed(i64),
    Float(f64),
}

impl<'de> Deserialize<'de> for Number {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl de::Visitor<'_> for Visitor {
            type Value = Number;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number or a string holding one")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Number, E> {
                Ok(Number::Unsigned(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Number, E> {
                Ok(Number::Signed(v))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Number, E> {
                Ok(Number::Float(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Number, E> {
                if let Ok(n) = v.parse::<u64>() {
                    return Ok(Number::Unsigned(n));
                }
                if let Ok(n) = v.parse::<i64>() {
                    return Ok(Number::Signed(n));
                }
                match v {
                    "NaN" => Ok(Number::Float(f64::NAN)),
                    "Infinity" => Ok(Number::Float(f64::INFINITY)),
                    "-Infinity" => Ok(Number::Float(f64::NEG_INFINITY)),
                    _ => v
                        .parse::<f64>()
                        .map(Number::Float)
                        .map_err(|_| E::invalid_value(de::Unexpected::Str(v), &self)),
                }
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

fn u64_lenient<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
    match Number::deserialize(deserializer)? {
        Number::Unsigned(v) => Ok(v),
        Number::Signed(v) => Err(de::Error::custom(format!("negative time {v}"))),
        Number::Float(v) => Err(de::Error::custom(format!("fractional time {v}"))),
    }
}

fn option_i64_lenient<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
    match Option::<Number>::deserialize(deserializer)? {
        None => Ok(None),
        Some(Number::Unsigned(v)) => i64::try_from(v).map(Some).map_err(de::Error::custom),
        Some(Number::Signed(v)) => Ok(Some(v)),
        Some(Number::Float(v)) => Err(de::Error::custom(format!("not an integer: {v}"))),
    }
}

fn option_f64_lenient<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<f64>, D::Error> {
    Ok(
        Option::<Number>::deserialize(deserializer)?.map(|n| match n {
            Number::Unsigned(v) => v as f64,
            Number::Signed(v) => v as f64,
            Number::Float(v) => v,
        }),
    )
}
