//! The facts of a Chat Completions request and response, provider-free: the
//! vendor that speaks the format adds its own attributes.

use std::borrow::Cow;

use serde_json::Value;

use super::types::{ChatCompletion, ChatRequest, CompletionUsage, Stop};
use crate::model::value::{array_at, bool_at, f64_at, i64_at, str_at, strings_at, u64_at};
use crate::provider::{RequestInfo, ResponseInfo, ToolCall, Usage};

/// `gen_ai.request.model` of a typed request (none when empty).
pub(crate) fn request_model(r: &ChatRequest) -> Option<&str> {
    Some(r.model.as_str()).filter(|m| !m.is_empty())
}

/// The request's `service_tier`, kept in [`ChatRequest::extra`].
pub(crate) fn service_tier(r: &ChatRequest) -> Option<Cow<'_, str>> {
    r.extra
        .get("service_tier")
        .and_then(Value::as_str)
        .map(Cow::Borrowed)
}

/// The facts of a typed request.
pub(crate) fn request_info(r: &ChatRequest) -> RequestInfo<'_> {
    RequestInfo {
        model: request_model(r).map(Cow::Borrowed),
        temperature: r.temperature,
        top_p: r.top_p,
        max_tokens: r.max_completion_tokens.or(r.max_tokens),
        stop_sequences: match &r.stop {
            Some(Stop::One(s)) => vec![Cow::Borrowed(s.as_str())],
            Some(Stop::Many(v)) => v.iter().map(|s| Cow::Borrowed(s.as_str())).collect(),
            None => Vec::new(),
        },
        seed: r.seed,
        choice_count: r.n,
        frequency_penalty: r.frequency_penalty,
        presence_penalty: r.presence_penalty,
        stream: r.stream,
        output_type: r.response_format.as_ref().and_then(output_type),
        ..RequestInfo::default()
    }
}

/// The facts of a raw request body.
pub(crate) fn value_request_info(v: &Value) -> RequestInfo<'_> {
    RequestInfo {
        model: str_at(v, "model"),
        temperature: f64_at(v, "temperature"),
        top_p: f64_at(v, "top_p"),
        max_tokens: u64_at(v, "max_completion_tokens").or_else(|| u64_at(v, "max_tokens")),
        stop_sequences: strings_at(v, "stop"),
        seed: i64_at(v, "seed"),
        choice_count: u64_at(v, "n"),
        frequency_penalty: f64_at(v, "frequency_penalty"),
        presence_penalty: f64_at(v, "presence_penalty"),
        stream: bool_at(v, "stream"),
        output_type: v.get("response_format").and_then(output_type),
        ..RequestInfo::default()
    }
}

/// `gen_ai.output.type` from a `response_format`.
fn output_type(format: &Value) -> Option<Cow<'static, str>> {
    match format.get("type")?.as_str()? {
        "json_object" | "json_schema" => Some(Cow::Borrowed("json")),
        "text" => Some(Cow::Borrowed("text")),
        _ => None,
    }
}

/// The facts of a typed response; `completion_includes_reasoning` as in
/// [`normalize`].
pub(crate) fn response_info(
    c: &ChatCompletion,
    completion_includes_reasoning: bool,
) -> ResponseInfo<'_> {
    ResponseInfo {
        id: Some(Cow::Borrowed(c.id.as_str())).filter(|s| !s.is_empty()),
        model: Some(Cow::Borrowed(c.model.as_str())).filter(|s| !s.is_empty()),
        finish_reasons: c
            .choices
            .iter()
            .filter_map(|c| c.finish_reason.as_deref().map(Cow::Borrowed))
            .collect(),
        usage: usage(c, completion_includes_reasoning),
        tool_calls: c
            .choices
            .iter()
            .flat_map(|c| &c.message.tool_calls)
            .map(|t| ToolCall::new(Some(t.id.as_str()), t.function.name.as_str()))
            .collect(),
        ..ResponseInfo::default()
    }
}

/// `gen_ai.response.model` of a typed response (none when empty).
pub(crate) fn response_model(c: &ChatCompletion) -> Option<&str> {
    Some(c.model.as_str()).filter(|m| !m.is_empty())
}

/// The usage of a typed response.
pub(crate) fn usage(c: &ChatCompletion, completion_includes_reasoning: bool) -> Option<Usage> {
    completion_usage(c.usage.as_ref()?, completion_includes_reasoning)
}

/// The facts of a raw response body.
pub(crate) fn value_response_info(
    v: &Value,
    completion_includes_reasoning: bool,
) -> ResponseInfo<'_> {
    let choices = array_at(v, "choices");
    ResponseInfo {
        id: str_at(v, "id"),
        model: str_at(v, "model"),
        finish_reasons: choices
            .iter()
            .filter_map(|c| str_at(c, "finish_reason"))
            .collect(),
        usage: value_usage(v, completion_includes_reasoning),
        tool_calls: choices
            .iter()
            .filter_map(|c| c.get("message"))
            .flat_map(|m| array_at(m, "tool_calls"))
            .filter_map(|t| {
                let name = str_at(t.get("function")?, "name")?;
                Some(ToolCall {
                    id: str_at(t, "id"),
                    name,
                })
            })
            .collect(),
        ..ResponseInfo::default()
    }
}

/// The usage of a raw response body.
pub(crate) fn value_usage(v: &Value, completion_includes_reasoning: bool) -> Option<Usage> {
    openai_usage(v.get("usage")?, completion_includes_reasoning)
}

/// The counts an OpenAI-shaped `usage` may carry, by the providers' names.
struct CompletionCounts {
    prompt: Option<u64>,
    completion: Option<u64>,
    /// `prompt_tokens_details.cached_tokens`.
    cached: Option<u64>,
    /// DeepSeek's `prompt_cache_hit_tokens`.
    cache_hit: Option<u64>,
    /// `prompt_tokens_details.cache_write_tokens` (OpenRouter).
    cache_write: Option<u64>,
    /// `completion_tokens_details.reasoning_tokens`.
    reasoning_detail: Option<u64>,
    /// A top-level `reasoning_tokens` (Perplexity), never part of `completion_tokens`.
    reasoning_beside: Option<u64>,
}

/// The conventions' meaning: `prompt_tokens` already includes cache reads
/// and writes; output tokens include reasoning, added where the provider
/// counts it apart from `completion_tokens`.
fn normalize(c: CompletionCounts, completion_includes_reasoning: bool) -> Option<Usage> {
    if c.prompt.is_none() && c.completion.is_none() {
        return None;
    }
    let (reasoning, added) = match (c.reasoning_detail, c.reasoning_beside) {
        (Some(r), _) => (Some(r), !completion_includes_reasoning),
        (None, Some(r)) => (Some(r), true),
        (None, None) => (None, false),
    };
    let output = match (c.completion, reasoning) {
        (Some(out), Some(r)) if added => Some(out.saturating_add(r)),
        (out, _) => out,
    };
    Some(Usage {
        input_tokens: c.prompt,
        output_tokens: output,
        cache_read_input_tokens: c.cached.or(c.cache_hit),
        cache_write_input_tokens: c.cache_write,
        reasoning_output_tokens: reasoning,
        ..Usage::default()
    })
}

/// Usage from an OpenAI-shaped `usage` object (also used by compatible servers).
pub(crate) fn openai_usage(u: &Value, completion_includes_reasoning: bool) -> Option<Usage> {
    if !u.is_object() {
        return None;
    }
    let details = |key: &str, field: &str| u.get(key).and_then(|d| u64_at(d, field));
    normalize(
        CompletionCounts {
            prompt: u64_at(u, "prompt_tokens"),
            completion: u64_at(u, "completion_tokens"),
            cached: details("prompt_tokens_details", "cached_tokens"),
            cache_hit: u64_at(u, "prompt_cache_hit_tokens"),
            cache_write: details("prompt_tokens_details", "cache_write_tokens"),
            reasoning_detail: details("completion_tokens_details", "reasoning_tokens"),
            reasoning_beside: u64_at(u, "reasoning_tokens"),
        },
        completion_includes_reasoning,
    )
}

/// The conventions' usage of a typed `usage` object.
pub(crate) fn completion_usage(
    u: &CompletionUsage,
    completion_includes_reasoning: bool,
) -> Option<Usage> {
    normalize(
        CompletionCounts {
            prompt: Some(u.prompt_tokens),
            completion: Some(u.completion_tokens),
            cached: u.prompt_tokens_details.and_then(|d| d.cached_tokens),
            cache_hit: u.prompt_cache_hit_tokens,
            cache_write: u.prompt_tokens_details.and_then(|d| d.cache_write_tokens),
            reasoning_detail: u.completion_tokens_details.and_then(|d| d.reasoning_tokens),
            reasoning_beside: u.reasoning_tokens,
        },
        completion_includes_reasoning,
    )
}
