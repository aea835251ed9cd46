//! The `gen_ai.client.inference.operation.details` event: one log record
//! per call, in the call's trace context, with the call's attributes and its
//! content in structured form (the conventions require structure on events).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};

use opentelemetry::logs::{AnyValue, LogRecord, Logger};
use opentelemetry::trace::TraceContextExt;
use opentelemetry::{Context, Key, KeyValue, Value as AttributeValue};
use opentelemetry_sdk::logs::{SdkLogger, SdkLoggerProvider};
use serde_json::Value;

use super::Prepared;
use crate::semconv as sc;
use crate::settings;

/// Sends the content events of `EVENT_ONLY` and `SPAN_AND_EVENT` capture to
/// `provider` ([`crate::init`] does this with the logger provider it builds).
/// OpenTelemetry Rust has no global logger provider, hence this slot.
pub fn set_logger_provider(provider: &SdkLoggerProvider) {
    settings::update(|s| s.logger_provider(Some(provider.clone())));
}

/// Stops sending content events (they are dropped until a provider is set).
pub fn clear_logger_provider() {
    settings::update(|s| s.logger_provider(None));
}

/// Emits the event of the call whose span is `cx`'s to `logger` (the one
/// of the snapshot the call started with).
pub(super) fn emit(
    logger: Option<&SdkLogger>,
    cx: &Context,
    attributes: Vec<KeyValue>,
    content: impl IntoIterator<Item = Prepared>,
) {
    let Some(logger) = logger else {
        static REPORTED: AtomicBool = AtomicBool::new(false);
        if !REPORTED.swap(true, Ordering::Relaxed) {
            opentelemetry::otel_warn!(
                name: "llm_trace.content.no_logger_provider",
                message = "content capture asks for events, but no logger provider is set: \
                           call llm_trace::init() or llm_trace::content::set_logger_provider"
            );
        }
        return;
    };
    let mut record = logger.create_log_record();
    record.set_event_name(sc::GEN_AI_CLIENT_INFERENCE_OPERATION_DETAILS);
    record.set_timestamp(opentelemetry::time::now());
    let span = cx.span();
    let context = span.span_context();
    if context.is_valid() {
        record.set_trace_context(
            context.trace_id(),
            context.span_id(),
            Some(context.trace_flags()),
        );
    }
    record.add_attributes(
        attributes
            .into_iter()
            .map(|kv| (kv.key, attribute_value(kv.value))),
    );
    for prepared in content {
        if let Some(value) = any_value(prepared.value) {
            record.add_attribute(Key::from_static_str(prepared.kind.key()), value);
        }
    }
    logger.emit(record);
}

fn attribute_value(value: AttributeValue) -> AnyValue {
    match value {
        AttributeValue::Bool(b) => AnyValue::Boolean(b),
        AttributeValue::I64(i) => AnyValue::Int(i),
        AttributeValue::F64(f) => AnyValue::Double(f),
        AttributeValue::String(s) => AnyValue::String(s),
        AttributeValue::Array(array) => {
            let items: Vec<AnyValue> = match array {
                opentelemetry::Array::Bool(v) => v.into_iter().map(AnyValue::Boolean).collect(),
                opentelemetry::Array::I64(v) => v.into_iter().map(AnyValue::Int).collect(),
                opentelemetry::Array::F64(v) => v.into_iter().map(AnyValue::Double).collect(),
                opentelemetry::Array::String(v) => v.into_iter().map(AnyValue::String).collect(),
                _ => Vec::new(),
            };
            AnyValue::ListAny(Box::new(items))
        }
        other => AnyValue::String(other.to_string().into()),
    }
}

/// JSON as a log record value: objects become maps, arrays lists; `null`
/// members are left out (OTLP has no null).
fn any_value(value: Value) -> Option<AnyValue> {
    Some(match value {
        Value::Null => return None,
        Value::Bool(b) => AnyValue::Boolean(b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => AnyValue::Int(i),
            None => AnyValue::Double(n.as_f64()?),
        },
        Value::String(s) => AnyValue::String(s.into()),
        Value::Array(items) => {
            AnyValue::ListAny(Box::new(items.into_iter().filter_map(any_value).collect()))
        }
        Value::Object(members) => AnyValue::Map(Box::new(
            members
                .into_iter()
                .filter_map(|(k, v)| Some((Key::new(k), any_value(v)?)))
                .collect::<HashMap<_, _>>(),
        )),
    })
}
