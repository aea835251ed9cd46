//! The semantic conventions' attribute mapping: request and response facts,
//! finish reasons and token usage become span attributes.

use std::borrow::Cow;
use std::sync::Arc;

use opentelemetry::{Key, KeyValue, StringValue, Value};

use crate::metadata;
use crate::provider::{
    Anthropic, Gemini, Provider as _, RequestInfo, ResponseInfo, Usage, VertexAi,
};
use crate::semconv as sc;

/// Text from a request or response: bounded, as it may come from outside.
pub(super) fn str_value(s: &str) -> Value {
    Value::String(metadata::bounded_str(s))
}

/// A response model as the span records it: cut at
/// [`metadata::MAX_MODEL_BYTES`].
pub(super) fn model_value(model: &str) -> Value {
    Value::String(match metadata::bounded_model(model) {
        Ok(model) => StringValue::from(model.to_owned()),
        Err(cut) => cut,
    })
}

/// A model as the metrics' attribute: [`sc::OTHER`] for a model over
/// [`metadata::MAX_MODEL_BYTES`], so that no outside string of any length
/// becomes a time series.
pub(super) fn metric_model(model: &str) -> StringValue {
    match metadata::bounded_model(model) {
        Ok(model) => StringValue::from(Arc::<str>::from(model)),
        Err(_) => StringValue::from(sc::OTHER),
    }
}

/// A metadata value allowed onto metrics: [`sc::OTHER`] for a string over
/// [`metadata::MAX_MODEL_BYTES`] (as a model is).
pub(super) fn metric_value(value: &Value) -> Value {
    match value {
        Value::String(s) if s.as_str().len() > metadata::MAX_MODEL_BYTES => Value::from(sc::OTHER),
        other => other.clone(),
    }
}

pub(super) fn push_request(attributes: &mut Vec<KeyValue>, info: &RequestInfo<'_>) {
    let mut push_f64 = |key: &'static str, v: Option<f64>| {
        if let Some(v) = v {
            attributes.push(KeyValue::new(key, v));
        }
    };
    push_f64(sc::GEN_AI_REQUEST_TEMPERATURE, info.temperature);
    push_f64(sc::GEN_AI_REQUEST_TOP_P, info.top_p);
    push_f64(sc::GEN_AI_REQUEST_TOP_K, info.top_k);
    push_f64(sc::GEN_AI_REQUEST_FREQUENCY_PENALTY, info.frequency_penalty);
    push_f64(sc::GEN_AI_REQUEST_PRESENCE_PENALTY, info.presence_penalty);
    if let Some(v) = info.max_tokens {
        attributes.push(KeyValue::new(
            sc::GEN_AI_REQUEST_MAX_TOKENS,
            saturating_i64(v),
        ));
    }
    if let Some(v) = info.seed {
        attributes.push(KeyValue::new(sc::GEN_AI_REQUEST_SEED, v));
    }
    if let Some(v) = info.choice_count.filter(|&n| n != 1) {
        attributes.push(KeyValue::new(
            sc::GEN_AI_REQUEST_CHOICE_COUNT,
            saturating_i64(v),
        ));
    }
    if !info.stop_sequences.is_empty() {
        let stops = metadata::bounded_strings(info.stop_sequences.iter().map(|s| &**s));
        attributes.push(KeyValue::new(sc::GEN_AI_REQUEST_STOP_SEQUENCES, stops));
    }
    if let Some(v) = info.stream {
        attributes.push(KeyValue::new(sc::GEN_AI_REQUEST_STREAM, v));
    }
    if let Some(v) = &info.output_type {
        attributes.push(KeyValue::new(sc::GEN_AI_OUTPUT_TYPE, str_value(v)));
    }
    if !info.encoding_formats.is_empty() {
        let formats = metadata::bounded_strings(info.encoding_formats.iter().map(|s| &**s));
        attributes.push(KeyValue::new(sc::GEN_AI_REQUEST_ENCODING_FORMATS, formats));
    }
    push_provider_attributes(attributes, &info.provider_attributes);
}

/// `openai.*`, `aws.bedrock.*`, ...: text from the request or the response.
pub(super) fn push_provider_attributes(
    attributes: &mut Vec<KeyValue>,
    given: &[(Cow<'static, str>, Cow<'_, str>)],
) {
    attributes.extend(
        given
            .iter()
            .map(|(key, value)| KeyValue::new(Key::from(key.clone()), str_value(value))),
    );
}

pub(super) fn push_response(
    attributes: &mut Vec<KeyValue>,
    provider: &str,
    info: &ResponseInfo<'_>,
    usage: Option<Usage>,
    deprecated_cache_creation: bool,
) {
    if let Some(id) = &info.id {
        attributes.push(KeyValue::new(sc::GEN_AI_RESPONSE_ID, str_value(id)));
    }
    if let Some(model) = &info.model {
        attributes.push(KeyValue::new(sc::GEN_AI_RESPONSE_MODEL, model_value(model)));
    }
    if !info.finish_reasons.is_empty() {
        let reasons = metadata::bounded_strings_with(
            info.finish_reasons.iter().map(|r| &**r),
            span_finish_reason(provider),
        );
        attributes.push(KeyValue::new(sc::GEN_AI_RESPONSE_FINISH_REASONS, reasons));
    }
    if let Some(usage) = usage.or(info.usage) {
        push_usage(attributes, &usage, deprecated_cache_creation);
    }
    if let Some(count) = info.embeddings_dimension_count {
        attributes.push(KeyValue::new(
            sc::GEN_AI_EMBEDDINGS_DIMENSION_COUNT,
            saturating_i64(count),
        ));
    }
    if !info.tool_calls.is_empty() {
        let names = metadata::bounded_strings(info.tool_calls.iter().map(|t| &*t.name));
        attributes.push(KeyValue::new(sc::LLM_TRACE_RESPONSE_TOOL_CALLS, names));
    }
    push_provider_attributes(attributes, &info.provider_attributes);
}

/// How `gen_ai.response.finish_reasons` spells a provider's finish reasons:
/// as the official OpenTelemetry instrumentation of that provider records
/// them, so that dashboards built on it work unchanged. Anthropic's are
/// mapped to the conventions' values (`end_turn` → `stop`, `tool_use` →
/// `tool_calls`, as opentelemetry-instrumentation-anthropic does), Gemini's
/// lowercased (`MAX_TOKENS` → `max_tokens`, as
/// opentelemetry-instrumentation-google-genai does); the others are recorded
/// as sent (as the OpenAI and Bedrock instrumentations do).
pub(super) fn span_finish_reason(provider: &str) -> fn(&str) -> Option<&'static str> {
    match provider {
        p if p == Anthropic::NAME => anthropic_finish_reason,
        p if p == Gemini::NAME || p == VertexAi::NAME => gemini_finish_reason,
        _ => finish_reason,
    }
}

/// opentelemetry-instrumentation-anthropic's mapping; other stop reasons
/// (`pause_turn`, `refusal`, ...) as sent.
pub(super) fn anthropic_finish_reason(reason: &str) -> Option<&'static str> {
    Some(match reason {
        "end_turn" | "stop_sequence" => "stop",
        "max_tokens" => "length",
        "tool_use" => "tool_calls",
        other => return finish_reason(other),
    })
}

/// Gemini's `FinishReason` names lowercased, without the
/// `finish_reason_` prefix (opentelemetry-instrumentation-google-genai).
pub(super) fn gemini_finish_reason(reason: &str) -> Option<&'static str> {
    Some(match reason {
        "STOP" => "stop",
        "MAX_TOKENS" => "max_tokens",
        "SAFETY" => "safety",
        "RECITATION" => "recitation",
        "LANGUAGE" => "language",
        "OTHER" => "other",
        "BLOCKLIST" => "blocklist",
        "PROHIBITED_CONTENT" => "prohibited_content",
        "SPII" => "spii",
        "MALFORMED_FUNCTION_CALL" => "malformed_function_call",
        "IMAGE_SAFETY" => "image_safety",
        "IMAGE_PROHIBITED_CONTENT" => "image_prohibited_content",
        "IMAGE_RECITATION" => "image_recitation",
        "IMAGE_OTHER" => "image_other",
        "NO_IMAGE" => "no_image",
        "UNEXPECTED_TOOL_CALL" => "unexpected_tool_call",
        "TOO_MANY_TOOL_CALLS" => "too_many_tool_calls",
        "MISSING_THOUGHT_SIGNATURE" => "missing_thought_signature",
        "MALFORMED_RESPONSE" => "malformed_response",
        "FINISH_REASON_UNSPECIFIED" => "unspecified",
        other => return finish_reason(other),
    })
}

/// The finish reasons the providers send (OpenAI, Anthropic, Gemini,
/// Bedrock, Cohere, Mistral), as static strings: nearly every response ends
/// with one of these, and the attribute then allocates nothing for it.
pub(super) fn finish_reason(reason: &str) -> Option<&'static str> {
    Some(match reason {
        "stop" => "stop",
        "length" => "length",
        "tool_calls" => "tool_calls",
        "content_filter" => "content_filter",
        "function_call" => "function_call",
        "end_turn" => "end_turn",
        "max_tokens" => "max_tokens",
        "stop_sequence" => "stop_sequence",
        "tool_use" => "tool_use",
        "pause_turn" => "pause_turn",
        "refusal" => "refusal",
        "STOP" => "STOP",
        "MAX_TOKENS" => "MAX_TOKENS",
        "SAFETY" => "SAFETY",
        "RECITATION" => "RECITATION",
        "COMPLETE" => "COMPLETE",
        "ERROR" => "ERROR",
        "error" => "error",
        "model_length" => "model_length",
        "guardrail_intervened" => "guardrail_intervened",
        "content_filtered" => "content_filtered",
        _ => return None,
    })
}

/// `deprecated_cache_creation`: also the deprecated
/// `gen_ai.usage.cache_creation.input_tokens` (see
/// [`crate::emit_deprecated_cache_creation`]).
pub(super) fn push_usage(
    attributes: &mut Vec<KeyValue>,
    usage: &Usage,
    deprecated_cache_creation: bool,
) {
    let mut push = |key: &'static str, v: Option<u64>| {
        if let Some(v) = v {
            attributes.push(KeyValue::new(key, saturating_i64(v)));
        }
    };
    push(sc::GEN_AI_USAGE_INPUT_TOKENS, usage.input_tokens);
    push(sc::GEN_AI_USAGE_OUTPUT_TOKENS, usage.output_tokens);
    push(
        sc::GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
        usage.cache_read_input_tokens,
    );
    push(
        sc::GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS,
        usage.cache_write_input_tokens,
    );
    if deprecated_cache_creation {
        push(
            sc::GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS,
            usage.cache_write_input_tokens,
        );
    }
    push(
        sc::GEN_AI_USAGE_REASONING_OUTPUT_TOKENS,
        usage.reasoning_output_tokens,
    );
}

pub(super) fn saturating_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}
