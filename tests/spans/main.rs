//! The spans `#[llm_call]` exports, attribute by attribute, as the SDK's
//! in-memory exporter receives them; W3C propagation of their context; the
//! expansion's lints (`lints.rs`).

mod agents;
mod anthropic;
mod arguments;
mod async_trait;
mod chain;
mod context;
mod lazy;
mod lints;
mod metadata;
mod openai;
mod outcome;
mod propagation;
mod providers;
mod shapes;
mod sites;

use opentelemetry::{Array, StringValue, Value};

/// A string-array attribute value.
pub fn strs(items: &[&'static str]) -> Value {
    Value::Array(Array::String(
        items.iter().map(|s| StringValue::from(*s)).collect(),
    ))
}
