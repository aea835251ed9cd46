//! Streamed calls: the span ends with the stream, with the facts its chunks
//! gave. Transcripts are composed from each provider's API reference.

mod openai;
mod shapes;

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

use opentelemetry::{Array, StringValue, Value};

/// A string-array attribute value.
pub fn strs(items: &[&'static str]) -> Value {
    Value::Array(Array::String(
        items.iter().map(|s| StringValue::from(*s)).collect(),
    ))
}

/// Removes `gen_ai.response.time_to_first_chunk` after checking it is a
/// plausible number of seconds.
pub fn ttfc(attributes: &mut BTreeMap<String, Value>) {
    match attributes.remove("gen_ai.response.time_to_first_chunk") {
        Some(Value::F64(s)) => assert!((0.0..5.0).contains(&s), "time to first chunk {s}"),
        other => panic!("time to first chunk: {other:?}"),
    }
}

/// A client error with its own `error.type`.
#[derive(Debug)]
pub enum ApiError {
    RateLimited,
    Status(u16),
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::RateLimited => f.write_str("rate limited: try again in 1s"),
            ApiError::Status(code) => write!(f, "HTTP {code}"),
        }
    }
}

impl llm_trace::ErrorType for ApiError {
    fn error_type(&self) -> Cow<'static, str> {
        match self {
            ApiError::RateLimited => "rate_limited".into(),
            ApiError::Status(code) => code.to_string().into(),
        }
    }
}
