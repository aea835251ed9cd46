//! The facts of a Chat Completions request and response, provider-free: the
//! vendor that speaks the format adds its own attributes.
//!
//! The typed bodies and raw [`Value`] bodies (and a client crate's types)
//! are read through one path: each is a [`RequestView`] / [`CompletionView`]
//! (field access only, borrowed, no allocation), and [`request_info`],
//! [`response_info`] and [`usage`] hold the format's rules once: the
//! `max_completion_tokens` fallback, `gen_ai.output.type`, finish reasons,
//! tool calls and the usage normalization.

use std::borrow::Cow;

use serde_json::Value;

use super::types::{ChatCompletion, ChatRequest, CompletionUsage, Stop};
use crate::model::value::{array_at, bool_at, f64_at, i64_at, str_at, strings_at, u64_at};
use crate::provider::{RequestInfo, ResponseInfo, ToolCall, Usage};

/// A Chat Completions request as its facts read it.
pub(crate) trait RequestView {
    /// `model` (the typed body leaves an empty one out).
    fn model(&self) -> Option<&str>;
    /// `max_completion_tokens`, the newer name of the output token limit.
    fn max_completion_tokens(&self) -> Option<u64>;
    /// `max_tokens`, the older name.
    fn max_tokens(&self) -> Option<u64>;
    /// `temperature`, `top_p`, `frequency_penalty`, `presence_penalty`.
    fn sampling(&self) -> [Option<f64>; 4];
    /// `stop`: one sequence or several.
    fn stop_sequences(&self) -> Vec<Cow<'_, str>>;
    /// `seed`.
    fn seed(&self) -> Option<i64>;
    /// `n`.
    fn choice_count(&self) -> Option<u64>;
    /// `stream`.
    fn stream(&self) -> Option<bool>;
    /// `response_format`.
    fn response_format(&self) -> Option<&Value>;
    /// `service_tier` (for the vendor's attributes).
    fn service_tier(&self) -> Option<Cow<'_, str>>;
}

impl RequestView for ChatRequest {
    fn model(&self) -> Option<&str> {
        Some(self.model.as_str()).filter(|m| !m.is_empty())
    }
    fn max_completion_tokens(&self) -> Option<u64> {
        self.max_completion_tokens
    }
    fn max_tokens(&self) -> Option<u64> {
        self.max_tokens
    }
    fn sampling(&self) -> [Option<f64>; 4] {
        [
            self.temperature,
            self.top_p,
            self.frequency_penalty,
            self.presence_penalty,
        ]
    }
    fn stop_sequences(&self) -> Vec<Cow<'_, str>> {
        match &self.stop {
            Some(Stop::One(s)) => vec![Cow::Borrowed(s.as_str())],
            Some(Stop::Many(v)) => v.iter().map(|s| Cow::Borrowed(s.as_str())).collect(),
            None => Vec::new(),
        }
    }
    fn seed(&self) -> Option<i64> {
        self.seed
    }
    fn choice_count(&self) -> Option<u64> {
        self.n
    }
    fn stream(&self) -> Option<bool> {
        self.stream
    }
    fn response_format(&self) -> Option<&Value> {
        self.response_format.as_ref()
    }
    /// Kept in [`ChatRequest::extra`].
    fn service_tier(&self) -> Option<Cow<'_, str>> {
        self.extra
            .get("service_tier")
            .and_then(Value::as_str)
            .map(Cow::Borrowed)
    }
}

/// A raw body: a field of the wrong type reads as absent.
impl RequestView for Value {
    fn model(&self) -> Option<&str> {
        self.get("model")?.as_str()
    }
    fn max_completion_tokens(&self) -> Option<u64> {
        u64_at(self, "max_completion_tokens")
    }
    fn max_tokens(&self) -> Option<u64> {
        u64_at(self, "max_tokens")
    }
    fn sampling(&self) -> [Option<f64>; 4] {
        [
            f64_at(self, "temperature"),
            f64_at(self, "top_p"),
            f64_at(self, "frequency_penalty"),
            f64_at(self, "presence_penalty"),
        ]
    }
    fn stop_sequences(&self) -> Vec<Cow<'_, str>> {
        strings_at(self, "stop")
    }
    fn seed(&self) -> Option<i64> {
        i64_at(self, "seed")
    }
    fn choice_count(&self) -> Option<u64> {
        u64_at(self, "n")
    }
    fn stream(&self) -> Option<bool> {
        bool_at(self, "stream")
    }
    fn response_format(&self) -> Option<&Value> {
        self.get("response_format")
    }
    fn service_tier(&self) -> Option<Cow<'_, str>> {
        str_at(self, "service_tier")
    }
}

/// The facts of a request, but the vendor's attributes.
pub(crate) fn request_info<V: RequestView + ?Sized>(r: &V) -> RequestInfo<'_> {
    let [temperature, top_p, frequency_penalty, presence_penalty] = r.sampling();
    RequestInfo {
        model: r.model().map(Cow::Borrowed),
        temperature,
        top_p,
        max_tokens: r.max_completion_tokens().or_else(|| r.max_tokens()),
        stop_sequences: r.stop_sequences(),
        seed: r.seed(),
        choice_count: r.choice_count(),
        frequency_penalty,
        presence_penalty,
        stream: r.stream(),
        output_type: r.response_format().and_then(output_type),
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

/// A Chat Completions response as its facts read it.
pub(crate) trait CompletionView {
    /// `id` (the typed body leaves an empty one out).
    fn id(&self) -> Option<&str>;
    /// `model` (the typed body leaves an empty one out).
    fn model(&self) -> Option<&str>;
    /// Each choice's `finish_reason`, in choice order.
    fn finish_reasons(&self) -> Vec<Cow<'_, str>>;
    /// The tool calls of every choice's message, in order.
    fn tool_calls(&self) -> Vec<ToolCall<'_>>;
    /// The counts of `usage`, when it is there.
    fn counts(&self) -> Option<CompletionCounts>;
    /// `service_tier` and `system_fingerprint` (for the vendor's attributes).
    fn tier_and_fingerprint(&self) -> (Option<&str>, Option<&str>);
}

impl CompletionView for ChatCompletion {
    fn id(&self) -> Option<&str> {
        Some(self.id.as_str()).filter(|s| !s.is_empty())
    }
    fn model(&self) -> Option<&str> {
        Some(self.model.as_str()).filter(|s| !s.is_empty())
    }
    fn finish_reasons(&self) -> Vec<Cow<'_, str>> {
        self.choices
            .iter()
            .filter_map(|c| c.finish_reason.as_deref().map(Cow::Borrowed))
            .collect()
    }
    fn tool_calls(&self) -> Vec<ToolCall<'_>> {
        self.choices
            .iter()
            .flat_map(|c| &c.message.tool_calls)
            .map(|t| ToolCall::new(Some(t.id.as_str()), t.function.name.as_str()))
            .collect()
    }
    fn counts(&self) -> Option<CompletionCounts> {
        self.usage.as_ref().map(completion_counts)
    }
    fn tier_and_fingerprint(&self) -> (Option<&str>, Option<&str>) {
        (
            self.service_tier.as_deref(),
            self.system_fingerprint.as_deref(),
        )
    }
}

/// A raw body: a field of the wrong type reads as absent.
impl CompletionView for Value {
    fn id(&self) -> Option<&str> {
        self.get("id")?.as_str()
    }
    fn model(&self) -> Option<&str> {
        self.get("model")?.as_str()
    }
    fn finish_reasons(&self) -> Vec<Cow<'_, str>> {
        array_at(self, "choices")
            .iter()
            .filter_map(|c| str_at(c, "finish_reason"))
            .collect()
    }
    fn tool_calls(&self) -> Vec<ToolCall<'_>> {
        array_at(self, "choices")
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
            .collect()
    }
    fn counts(&self) -> Option<CompletionCounts> {
        value_counts(self.get("usage")?)
    }
    fn tier_and_fingerprint(&self) -> (Option<&str>, Option<&str>) {
        let text = |key| self.get(key).and_then(Value::as_str);
        (text("service_tier"), text("system_fingerprint"))
    }
}

/// The facts of a response, but the vendor's attributes;
/// `completion_includes_reasoning` as in [`normalize`].
pub(crate) fn response_info<V: CompletionView + ?Sized>(
    c: &V,
    completion_includes_reasoning: bool,
) -> ResponseInfo<'_> {
    ResponseInfo {
        id: c.id().map(Cow::Borrowed),
        model: c.model().map(Cow::Borrowed),
        finish_reasons: c.finish_reasons(),
        usage: usage(c, completion_includes_reasoning),
        tool_calls: c.tool_calls(),
        ..ResponseInfo::default()
    }
}

/// The usage of a response.
pub(crate) fn usage<V: CompletionView + ?Sized>(
    c: &V,
    completion_includes_reasoning: bool,
) -> Option<Usage> {
    normalize(c.counts()?, completion_includes_reasoning)
}

/// The counts an OpenAI-shaped `usage` may carry, by the providers' names.
pub(crate) struct CompletionCounts {
    pub(crate) prompt: Option<u64>,
    pub(crate) completion: Option<u64>,
    /// `prompt_tokens_details.cached_tokens`.
    pub(crate) cached: Option<u64>,
    /// DeepSeek's `prompt_cache_hit_tokens`.
    pub(crate) cache_hit: Option<u64>,
    /// `prompt_tokens_details.cache_write_tokens` (OpenRouter).
    pub(crate) cache_write: Option<u64>,
    /// `completion_tokens_details.reasoning_tokens`.
    pub(crate) reasoning_detail: Option<u64>,
    /// A top-level `reasoning_tokens` (Perplexity), never part of `completion_tokens`.
    pub(crate) reasoning_beside: Option<u64>,
}

/// The conventions' meaning: `prompt_tokens` already includes cache reads
/// and writes; output tokens include reasoning, added where the provider
/// counts it apart from `completion_tokens`.
pub(crate) fn normalize(c: CompletionCounts, completion_includes_reasoning: bool) -> Option<Usage> {
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

/// The counts of an OpenAI-shaped raw `usage` object (also sent by
/// compatible servers); none when it is not an object.
fn value_counts(u: &Value) -> Option<CompletionCounts> {
    if !u.is_object() {
        return None;
    }
    let details = |key: &str, field: &str| u.get(key).and_then(|d| u64_at(d, field));
    Some(CompletionCounts {
        prompt: u64_at(u, "prompt_tokens"),
        completion: u64_at(u, "completion_tokens"),
        cached: details("prompt_tokens_details", "cached_tokens"),
        cache_hit: u64_at(u, "prompt_cache_hit_tokens"),
        cache_write: details("prompt_tokens_details", "cache_write_tokens"),
        reasoning_detail: details("completion_tokens_details", "reasoning_tokens"),
        reasoning_beside: u64_at(u, "reasoning_tokens"),
    })
}

/// The counts of a typed `usage` object.
fn completion_counts(u: &CompletionUsage) -> CompletionCounts {
    CompletionCounts {
        prompt: Some(u.prompt_tokens),
        completion: Some(u.completion_tokens),
        cached: u.prompt_tokens_details.and_then(|d| d.cached_tokens),
        cache_hit: u.prompt_cache_hit_tokens,
        cache_write: u.prompt_tokens_details.and_then(|d| d.cache_write_tokens),
        reasoning_detail: u.completion_tokens_details.and_then(|d| d.reasoning_tokens),
        reasoning_beside: u.reasoning_tokens,
    }
}

/// Usage from an OpenAI-shaped raw `usage` object.
pub(crate) fn openai_usage(u: &Value, completion_includes_reasoning: bool) -> Option<Usage> {
    normalize(value_counts(u)?, completion_includes_reasoning)
}

/// Usage from a typed `usage` object.
pub(crate) fn completion_usage(
    u: &CompletionUsage,
    completion_includes_reasoning: bool,
) -> Option<Usage> {
    normalize(completion_counts(u), completion_includes_reasoning)
}
