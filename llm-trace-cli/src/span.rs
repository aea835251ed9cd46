//! One span as the commands see it: ids, times, status and typed
//! attributes, with the facts of an LLM call read from the attributes.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::rc::Rc;

use crate::keys;
use crate::otlp;

/// An attribute value.
#[derive(Debug, Clone)]
pub enum Value {
    /// A string.
    Str(String),
    /// An integer.
    Int(i64),
    /// A double.
    Double(f64),
    /// A boolean.
    Bool(bool),
    /// An array.
    Array(Vec<Value>),
}

impl Value {
    fn from_otlp(value: otlp::AnyValue) -> Option<Value> {
        if let Some(s) = value.string_value {
            Some(Value::Str(s))
        } else if let Some(i) = value.int_value {
            Some(Value::Int(i))
        } else if let Some(d) = value.double_value {
            Some(Value::Double(d))
        } else if let Some(b) = value.bool_value {
            Some(Value::Bool(b))
        } else if let Some(array) = value.array_value {
            Some(Value::Array(
                array
                    .values
                    .into_iter()
                    .filter_map(Value::from_otlp)
                    .collect(),
            ))
        } else {
            value.bytes_value.map(Value::Str)
        }
    }

    /// The value as a number, if it is one.
    pub fn as_f64(&self) -> Option<f64> {
        match *self {
            Value::Int(i) => Some(i as f64),
            Value::Double(d) => Some(d),
            _ => None,
        }
    }

    /// The value as a count: a non-negative integer (or a double holding one).
    pub fn as_count(&self) -> Option<u64> {
        match *self {
            Value::Int(i) => u64::try_from(i).ok(),
            Value::Double(d) if d >= 0.0 && d.fract() == 0.0 && d < u64::MAX as f64 => {
                Some(d as u64)
            }
            _ => None,
        }
    }

    /// The value as JSON, with its type.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Str(s) => s.clone().into(),
            Value::Int(i) => (*i).into(),
            Value::Double(d) => serde_json::Number::from_f64(*d)
                .map(serde_json::Value::Number)
                .unwrap_or_else(|| d.to_string().into()),
            Value::Bool(b) => (*b).into(),
            Value::Array(values) => values.iter().map(Value::to_json).collect(),
        }
    }

    /// Whether the value is what `text` (from the command line) says:
    /// numbers compare as numbers (`1` matches `1.0`), anything else as
    /// displayed.
    pub fn matches(&self, text: &str) -> bool {
        if let (Some(n), Ok(wanted)) = (self.as_f64(), text.parse::<f64>()) {
            return n == wanted;
        }
        self.to_string() == text
    }

    fn rank(&self) -> u8 {
        match self {
            Value::Bool(_) => 0,
            Value::Int(_) | Value::Double(_) => 1,
            Value::Str(_) => 2,
            Value::Array(_) => 3,
        }
    }
}

/// Strings as they are, integers and booleans as written in JSON, doubles
/// with a decimal point (`0.0`, `0.7`), arrays as JSON arrays.
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Str(s) => f.write_str(s),
            Value::Int(i) => write!(f, "{i}"),
            // `1.0`, not `1`: a double reads as one.
            Value::Double(d) if d.is_finite() && d.fract() == 0.0 => write!(f, "{d:.1}"),
            Value::Double(d) => write!(f, "{d}"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Array(_) => write!(f, "{}", self.to_json()),
        }
    }
}

/// Equal when of the same type and value; doubles by their bits, so that
/// a value can key a group (NaN is one group).
impl PartialEq for Value {
    fn eq(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Str(a), Value::Str(b)) => a == b,
            (Value::Int(a), Value::Int(b)) => a == b,
            (Value::Double(a), Value::Double(b)) => a.to_bits() == b.to_bits(),
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Array(a), Value::Array(b)) => a == b,
            _ => false,
        }
    }
}

impl Eq for Value {}

impl Hash for Value {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.rank().hash(state);
        match self {
            Value::Str(s) => s.hash(state),
            Value::Int(i) => (0u8, i).hash(state),
            Value::Double(d) => (1u8, d.to_bits()).hash(state),
            Value::Bool(b) => b.hash(state),
            Value::Array(values) => values.hash(state),
        }
    }
}

/// Booleans, then numbers in numeric order (`0.2` < `0.7` < `1`), then
/// strings, then arrays: the order groups are listed in.
impl Ord for Value {
    fn cmp(&self, other: &Value) -> Ordering {
        match (self, other) {
            (Value::Str(a), Value::Str(b)) => a.cmp(b),
            (Value::Bool(a), Value::Bool(b)) => a.cmp(b),
            (Value::Array(a), Value::Array(b)) => a.cmp(b),
            _ => match (self.as_f64(), other.as_f64()) {
                (Some(a), Some(b)) => a
                    .total_cmp(&b)
                    .then_with(|| self.rank_within_numbers().cmp(&other.rank_within_numbers())),
                _ => self.rank().cmp(&other.rank()),
            },
        }
    }
}

impl Value {
    fn rank_within_numbers(&self) -> u8 {
        matches!(self, Value::Double(_)) as u8
    }
}

impl PartialOrd for Value {
    fn partial_cmp(&self, other: &Value) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// A quality score recorded as a `gen_ai.evaluation.result` event.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    /// `gen_ai.evaluation.name`, if given.
    pub name: Option<String>,
    /// `gen_ai.evaluation.score.value`.
    pub score: f64,
}

/// Attributes as `(key, value)` pairs in the order written.
pub type Attributes = Vec<(String, Value)>;

/// One span.
#[derive(Debug, Clone)]
pub struct Span {
    /// 32 lowercase hex digits.
    pub trace_id: String,
    /// 16 lowercase hex digits.
    pub span_id: String,
    /// The parent's span id; empty for a root.
    pub parent_span_id: String,
    /// The span name.
    pub name: String,
    /// Start, in nanoseconds since the Unix epoch.
    pub start: u64,
    /// End, in nanoseconds since the Unix epoch.
    pub end: u64,
    /// Whether the status is Error.
    pub status_error: bool,
    /// The status message (set with errors).
    pub status_message: String,
    /// The span's attributes.
    pub attributes: Attributes,
    /// Evaluation scores from its events.
    pub evaluations: Vec<Evaluation>,
    /// The attributes of the resource that produced it (shared by the spans
    /// of one resource).
    pub resource: Rc<Attributes>,
}

impl Span {
    /// Converts a decoded span; `resource` is its resource's attributes.
    pub fn from_otlp(span: otlp::Span, resource: Rc<Attributes>) -> Span {
        let status = span.status.unwrap_or_default();
        Span {
            trace_id: span.trace_id.to_ascii_lowercase(),
            span_id: span.span_id.to_ascii_lowercase(),
            parent_span_id: span.parent_span_id.to_ascii_lowercase(),
            name: span.name,
            start: span.start_time_unix_nano,
            end: span.end_time_unix_nano,
            status_error: status.code == otlp::StatusCode::Error,
            status_message: status.message,
            attributes: attributes(span.attributes),
            evaluations: span
                .events
                .into_iter()
                .filter(|e| e.name == keys::EVALUATION_EVENT)
                .filter_map(|e| {
                    let attributes = attributes(e.attributes);
                    let get = |key: &str| attributes.iter().find(|(k, _)| k == key).map(|(_, v)| v);
                    Some(Evaluation {
                        score: get(keys::EVALUATION_SCORE)?.as_f64()?,
                        name: get(keys::EVALUATION_NAME).map(Value::to_string),
                    })
                })
                .collect(),
            resource,
        }
    }

    /// The span's own attribute `key`.
    pub fn own(&self, key: &str) -> Option<&Value> {
        self.attributes
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }

    /// The attribute `key` of the span, or else of its resource
    /// (`service.name`, ...); `gen_ai.provider.name` falls back to its
    /// deprecated name `gen_ai.system`, as [`Span::provider`] does.
    pub fn get(&self, key: &str) -> Option<&Value> {
        let own = match self.own(key) {
            None if key == keys::PROVIDER => self.own(keys::SYSTEM_DEPRECATED),
            own => own,
        };
        own.or_else(|| self.resource.iter().find(|(k, _)| k == key).map(|(_, v)| v))
    }

    fn str(&self, key: &str) -> Option<&str> {
        match self.own(key) {
            Some(Value::Str(s)) => Some(s),
            _ => None,
        }
    }

    fn count(&self, key: &str) -> Option<u64> {
        self.own(key).and_then(Value::as_count)
    }

    /// End minus start, in nanoseconds (0 if the clock went backwards).
    pub fn duration(&self) -> u64 {
        self.end.saturating_sub(self.start)
    }

    /// `gen_ai.operation.name`.
    pub fn operation(&self) -> Option<&str> {
        self.str(keys::OPERATION)
    }

    /// `gen_ai.provider.name` (or the deprecated `gen_ai.system`).
    pub fn provider(&self) -> Option<&str> {
        self.str(keys::PROVIDER)
            .or_else(|| self.str(keys::SYSTEM_DEPRECATED))
    }

    /// The requested model, or else the responding one.
    pub fn model(&self) -> Option<&str> {
        self.str(keys::REQUEST_MODEL)
            .or_else(|| self.str(keys::RESPONSE_MODEL))
    }

    /// Whether this is an LLM call: an inference or embeddings operation
    /// with a provider.
    pub fn is_llm_call(&self) -> bool {
        self.operation()
            .is_some_and(|op| keys::LLM_OPERATIONS.contains(&op))
            && self.provider().is_some()
    }

    /// Whether it failed: status Error, or an `error.type`.
    pub fn failed(&self) -> bool {
        self.status_error || self.own(keys::ERROR_TYPE).is_some()
    }

    /// `error.type`, displayed.
    pub fn error_type(&self) -> Option<String> {
        self.own(keys::ERROR_TYPE).map(Value::to_string)
    }

    /// `gen_ai.usage.input_tokens` (cache reads and writes included).
    pub fn input_tokens(&self) -> Option<u64> {
        self.count(keys::INPUT_TOKENS)
    }

    /// `gen_ai.usage.cache_read.input_tokens`.
    pub fn cache_read_tokens(&self) -> Option<u64> {
        self.count(keys::CACHE_READ_TOKENS)
    }

    /// `gen_ai.usage.cache_write.input_tokens`.
    pub fn cache_write_tokens(&self) -> Option<u64> {
        self.count(keys::CACHE_WRITE_TOKENS)
    }

    /// `gen_ai.usage.output_tokens` (reasoning included).
    pub fn output_tokens(&self) -> Option<u64> {
        self.count(keys::OUTPUT_TOKENS)
    }

    /// `gen_ai.usage.reasoning.output_tokens`.
    pub fn reasoning_tokens(&self) -> Option<u64> {
        self.count(keys::REASONING_TOKENS)
    }

    /// `llm_trace.cost.usd`; absent when the call's price was unknown.
    pub fn cost_usd(&self) -> Option<f64> {
        self.own(keys::COST_USD)
            .and_then(Value::as_f64)
            .filter(|c| c.is_finite())
    }

    /// Whether the call streamed (`gen_ai.request.stream = true`).
    pub fn is_stream(&self) -> bool {
        matches!(self.own(keys::REQUEST_STREAM), Some(Value::Bool(true)))
    }

    /// Time to the first chunk of a stream, in nanoseconds.
    pub fn time_to_first_chunk(&self) -> Option<u64> {
        let seconds = self.own(keys::TIME_TO_FIRST_CHUNK)?.as_f64()?;
        (seconds.is_finite() && seconds >= 0.0).then(|| (seconds * 1e9).round() as u64)
    }

    /// The application's metadata: attributes outside the instrumentation's
    /// own namespaces.
    pub fn metadata(&self) -> impl Iterator<Item = &(String, Value)> {
        self.attributes.iter().filter(|(k, _)| {
            !keys::NON_METADATA_PREFIXES
                .iter()
                .any(|prefix| k.starts_with(prefix))
        })
    }
}

/// Converts decoded attributes, dropping those without a value.
pub fn attributes(attributes: Vec<otlp::KeyValue>) -> Attributes {
    attributes
        .into_iter()
        .filter_map(|kv| Some((kv.key, Value::from_otlp(kv.value?)?)))
        .collect()
}
