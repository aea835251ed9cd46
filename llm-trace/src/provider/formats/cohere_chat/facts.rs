//! The facts of v2 Chat and Embed requests and responses, read one way from
//! the typed bodies and from raw JSON: each form answers a few accessors
//! ([`RequestView`], [`ResponseView`]) and one function per fact reads them.

use std::borrow::Cow;

use serde_json::Value;

use super::types::{ChatRequest, ChatResponse, EmbedRequest, EmbedResponse, TokenCounts};
use crate::model::value::{array_at, bool_at, f64_at, i64_at, str_at, strings_at, u64_at};
use crate::provider::wire::count::count_at;
use crate::provider::{RequestInfo, ResponseInfo, ToolCall, Usage};

/// Cohere's counts with the conventions' meaning: the tokens used, or the
/// tokens billed where the body gives only those.
pub(crate) fn normalize(
    tokens: Option<TokenCounts>,
    billed: Option<TokenCounts>,
    cached: Option<u64>,
) -> Usage {
    let tokens = tokens.unwrap_or_default();
    let billed = billed.unwrap_or_default();
    Usage {
        input_tokens: tokens.input_tokens.or(billed.input_tokens),
        output_tokens: tokens.output_tokens.or(billed.output_tokens),
        cache_read_input_tokens: cached,
        billable_input_tokens: billed.input_tokens,
        billable_output_tokens: billed.output_tokens,
        ..Usage::default()
    }
}

/// `None` when no count was readable.
fn non_empty(u: Usage) -> Option<Usage> {
    Some(u).filter(|u| *u != Usage::default())
}

/// `gen_ai.output.type` from a `response_format`.
fn output_type(format: &Value) -> Option<Cow<'static, str>> {
    match format.get("type")?.as_str()? {
        "json_object" | "json_schema" => Some(Cow::Borrowed("json")),
        "text" => Some(Cow::Borrowed("text")),
        _ => None,
    }
}

/// The normalized `usage` of a raw v2 chat response (or of a stream's
/// `message-end`).
pub(crate) fn chat_usage(u: &Value) -> Option<Usage> {
    non_empty(normalize(
        value_counts(u.get("tokens")),
        value_counts(u.get("billed_units")),
        count_at(u, "cached_tokens"),
    ))
}

/// Token counts from a raw `tokens` / `billed_units` object.
fn value_counts(v: Option<&Value>) -> Option<TokenCounts> {
    let v = v?;
    Some(TokenCounts {
        input_tokens: count_at(v, "input_tokens"),
        output_tokens: count_at(v, "output_tokens"),
    })
}

/// Dimension count from a raw `embeddings` value: by type (v2) or a plain
/// list of float vectors (v1).
fn value_dimension_count(e: &Value) -> Option<u64> {
    fn first_len(v: Option<&Value>) -> Option<u64> {
        match v?.as_array()?.first()? {
            Value::Array(items) if !items.is_empty() => Some(items.len() as u64),
            _ => None,
        }
    }
    if e.is_array() {
        return first_len(Some(e));
    }
    first_len(e.get("float"))
        .or_else(|| first_len(e.get("int8")))
        .or_else(|| first_len(e.get("uint8")))
        .or_else(|| {
            first_len(e.get("binary"))
                .or_else(|| first_len(e.get("ubinary")))
                .map(|n| n.saturating_mul(8))
        })
}

/// What a v2 Chat or Embed request says, as the typed requests and a raw
/// body give it. The parameters an Embed request lacks default to none.
pub(crate) trait RequestView {
    /// `gen_ai.request.model` as `request_model` reports it.
    fn model(&self) -> Option<&str>;
    /// The model as `request_info` reports it.
    fn info_model(&self) -> Option<Cow<'_, str>> {
        self.model().map(Cow::Borrowed)
    }
    fn temperature(&self) -> Option<f64> {
        None
    }
    fn top_p(&self) -> Option<f64> {
        None
    }
    fn top_k(&self) -> Option<f64> {
        None
    }
    fn max_tokens(&self) -> Option<u64> {
        None
    }
    fn stop_sequences(&self) -> Vec<Cow<'_, str>> {
        Vec::new()
    }
    fn seed(&self) -> Option<i64> {
        None
    }
    fn frequency_penalty(&self) -> Option<f64> {
        None
    }
    fn presence_penalty(&self) -> Option<f64> {
        None
    }
    fn stream(&self) -> Option<bool> {
        None
    }
    fn response_format(&self) -> Option<&Value> {
        None
    }
    fn embedding_types(&self) -> Vec<Cow<'_, str>> {
        Vec::new()
    }
}

impl RequestView for ChatRequest {
    fn model(&self) -> Option<&str> {
        Some(self.model.as_str()).filter(|m| !m.is_empty())
    }
    fn temperature(&self) -> Option<f64> {
        self.temperature
    }
    fn top_p(&self) -> Option<f64> {
        self.p
    }
    fn top_k(&self) -> Option<f64> {
        self.k.map(|k| k as f64)
    }
    fn max_tokens(&self) -> Option<u64> {
        self.max_tokens
    }
    fn stop_sequences(&self) -> Vec<Cow<'_, str>> {
        self.stop_sequences
            .iter()
            .map(|s| Cow::Borrowed(s.as_str()))
            .collect()
    }
    fn seed(&self) -> Option<i64> {
        self.seed
    }
    fn frequency_penalty(&self) -> Option<f64> {
        self.frequency_penalty
    }
    fn presence_penalty(&self) -> Option<f64> {
        self.presence_penalty
    }
    fn stream(&self) -> Option<bool> {
        self.stream
    }
    fn response_format(&self) -> Option<&Value> {
        self.response_format.as_ref()
    }
}

impl RequestView for EmbedRequest {
    fn model(&self) -> Option<&str> {
        Some(self.model.as_str()).filter(|m| !m.is_empty())
    }
    fn embedding_types(&self) -> Vec<Cow<'_, str>> {
        self.embedding_types
            .iter()
            .map(|t| Cow::Borrowed(t.as_str()))
            .collect()
    }
}

/// A Chat or Embed request body. The `max_tokens` of an Embed request (one
/// with `embedding_types`) truncates its input and is not reported.
impl RequestView for Value {
    fn model(&self) -> Option<&str> {
        self.get("model")?.as_str()
    }
    fn info_model(&self) -> Option<Cow<'_, str>> {
        str_at(self, "model")
    }
    fn temperature(&self) -> Option<f64> {
        f64_at(self, "temperature")
    }
    fn top_p(&self) -> Option<f64> {
        f64_at(self, "p")
    }
    fn top_k(&self) -> Option<f64> {
        f64_at(self, "k")
    }
    fn max_tokens(&self) -> Option<u64> {
        u64_at(self, "max_tokens").filter(|_| self.get("embedding_types").is_none())
    }
    fn stop_sequences(&self) -> Vec<Cow<'_, str>> {
        strings_at(self, "stop_sequences")
    }
    fn seed(&self) -> Option<i64> {
        i64_at(self, "seed")
    }
    fn frequency_penalty(&self) -> Option<f64> {
        f64_at(self, "frequency_penalty")
    }
    fn presence_penalty(&self) -> Option<f64> {
        f64_at(self, "presence_penalty")
    }
    fn stream(&self) -> Option<bool> {
        bool_at(self, "stream")
    }
    fn response_format(&self) -> Option<&Value> {
        self.get("response_format")
    }
    fn embedding_types(&self) -> Vec<Cow<'_, str>> {
        strings_at(self, "embedding_types")
    }
}

/// The request parameters of a Chat or Embed request.
pub(crate) fn request_info(r: &impl RequestView) -> RequestInfo<'_> {
    RequestInfo {
        model: r.info_model(),
        temperature: r.temperature(),
        top_p: r.top_p(),
        top_k: r.top_k(),
        max_tokens: r.max_tokens(),
        stop_sequences: r.stop_sequences(),
        seed: r.seed(),
        frequency_penalty: r.frequency_penalty(),
        presence_penalty: r.presence_penalty(),
        stream: r.stream(),
        output_type: r.response_format().and_then(output_type),
        encoding_formats: r.embedding_types(),
        ..RequestInfo::default()
    }
}

/// What a v2 Chat or Embed response says, as the typed responses and a raw
/// body give it.
pub(crate) trait ResponseView {
    /// `Some` (with the embeddings' length, if known) for an Embed response.
    fn embed(&self) -> Option<Option<u64>> {
        None
    }
    fn id(&self) -> Option<Cow<'_, str>>;
    fn finish_reason(&self) -> Option<Cow<'_, str>> {
        None
    }
    fn usage(&self) -> Option<Usage>;
    fn tool_calls(&self) -> Vec<ToolCall<'_>> {
        Vec::new()
    }
}

impl ResponseView for ChatResponse {
    fn id(&self) -> Option<Cow<'_, str>> {
        Some(Cow::Borrowed(self.id.as_str())).filter(|s| !s.is_empty())
    }
    fn finish_reason(&self) -> Option<Cow<'_, str>> {
        self.finish_reason.as_deref().map(Cow::Borrowed)
    }
    fn usage(&self) -> Option<Usage> {
        non_empty(self.usage?.into())
    }
    fn tool_calls(&self) -> Vec<ToolCall<'_>> {
        self.message
            .iter()
            .flat_map(|m| &m.tool_calls)
            .filter_map(|c| {
                Some(ToolCall::new(
                    c.id.as_deref(),
                    c.function.as_ref()?.name.as_str(),
                ))
            })
            .collect()
    }
}

impl ResponseView for EmbedResponse {
    fn embed(&self) -> Option<Option<u64>> {
        Some(self.embeddings.dimension_count())
    }
    fn id(&self) -> Option<Cow<'_, str>> {
        Some(Cow::Borrowed(self.id.as_str())).filter(|s| !s.is_empty())
    }
    fn usage(&self) -> Option<Usage> {
        let meta = self.meta?;
        non_empty(normalize(meta.tokens, meta.billed_units, None))
    }
}

/// A Chat or Embed response body; one with `embeddings` is read as Embed.
impl ResponseView for Value {
    fn embed(&self) -> Option<Option<u64>> {
        self.get("embeddings").map(value_dimension_count)
    }
    fn id(&self) -> Option<Cow<'_, str>> {
        str_at(self, "id")
    }
    fn finish_reason(&self) -> Option<Cow<'_, str>> {
        str_at(self, "finish_reason")
    }
    fn usage(&self) -> Option<Usage> {
        if self.get("embeddings").is_some() {
            let meta = self.get("meta")?;
            return non_empty(normalize(
                value_counts(meta.get("tokens")),
                value_counts(meta.get("billed_units")),
                None,
            ));
        }
        chat_usage(self.get("usage")?)
    }
    fn tool_calls(&self) -> Vec<ToolCall<'_>> {
        let tool_calls = match self.get("message") {
            Some(m @ Value::Object(_)) => array_at(m, "tool_calls"),
            _ => &[],
        };
        tool_calls
            .iter()
            .filter_map(|c| {
                Some(ToolCall {
                    id: str_at(c, "id"),
                    name: str_at(c.get("function")?, "name")?,
                })
            })
            .collect()
    }
}

/// Everything a v2 Chat or Embed response says about the call.
pub(crate) fn response_info(r: &impl ResponseView) -> ResponseInfo<'_> {
    if let Some(dimension_count) = r.embed() {
        return ResponseInfo {
            id: r.id(),
            usage: r.usage(),
            embeddings_dimension_count: dimension_count,
            ..ResponseInfo::default()
        };
    }
    ResponseInfo {
        id: r.id(),
        finish_reasons: r.finish_reason().into_iter().collect(),
        usage: r.usage(),
        tool_calls: r.tool_calls(),
        ..ResponseInfo::default()
    }
}
