//! The facts of Ollama chat and embed requests and responses (and of the
//! chat's streamed lines), read one way from the typed bodies and from raw
//! JSON: each form answers a few accessors ([`RequestView`],
//! [`ResponseView`]) and one function per fact reads them.

use std::borrow::Cow;

use serde_json::Value;

use super::types::{ChatRequest, ChatResponse, EmbedRequest, EmbedResponse, Options};
use crate::model::value::{array_at, bool_at, f64_at, i64_at, str_at, strings_at, u64_at};
use crate::provider::{RequestInfo, ResponseInfo, ToolCall, Usage};

/// The usage of the prompt and generation counts; `None` without either.
pub(crate) fn usage(input: Option<u64>, output: Option<u64>) -> Option<Usage> {
    if input.is_none() && output.is_none() {
        return None;
    }
    Some(Usage {
        input_tokens: input,
        output_tokens: output,
        ..Usage::default()
    })
}

/// `gen_ai.output.type` from a `format`.
fn output_type(format: &Value) -> Option<Cow<'static, str>> {
    match format {
        Value::String(s) if s == "json" => Some(Cow::Borrowed("json")),
        Value::Object(_) => Some(Cow::Borrowed("json")),
        _ => None,
    }
}

fn non_empty(s: &str) -> Option<Cow<'_, str>> {
    Some(Cow::Borrowed(s)).filter(|s| !s.is_empty())
}

/// The model parameters of a request's `options`, typed or raw.
pub(crate) trait OptionsView {
    fn temperature(&self) -> Option<f64>;
    fn top_p(&self) -> Option<f64>;
    fn top_k(&self) -> Option<f64>;
    fn num_predict(&self) -> Option<u64>;
    fn stop(&self) -> Vec<Cow<'_, str>>;
    fn seed(&self) -> Option<i64>;
    fn frequency_penalty(&self) -> Option<f64>;
    fn presence_penalty(&self) -> Option<f64>;
}

impl OptionsView for Options {
    fn temperature(&self) -> Option<f64> {
        self.temperature
    }
    fn top_p(&self) -> Option<f64> {
        self.top_p
    }
    fn top_k(&self) -> Option<f64> {
        self.top_k.map(|k| k as f64)
    }
    fn num_predict(&self) -> Option<u64> {
        self.num_predict.and_then(|n| u64::try_from(n).ok())
    }
    fn stop(&self) -> Vec<Cow<'_, str>> {
        self.stop
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
}

impl OptionsView for Value {
    fn temperature(&self) -> Option<f64> {
        f64_at(self, "temperature")
    }
    fn top_p(&self) -> Option<f64> {
        f64_at(self, "top_p")
    }
    fn top_k(&self) -> Option<f64> {
        f64_at(self, "top_k")
    }
    fn num_predict(&self) -> Option<u64> {
        u64_at(self, "num_predict")
    }
    fn stop(&self) -> Vec<Cow<'_, str>> {
        strings_at(self, "stop")
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
}

/// What a chat or embed request says, as the typed requests and a raw body
/// give it.
pub(crate) trait RequestView {
    type Options: OptionsView;
    /// `gen_ai.request.model` as `request_model` reports it.
    fn model(&self) -> Option<&str>;
    /// The model as `request_info` reports it.
    fn info_model(&self) -> Option<Cow<'_, str>>;
    fn options(&self) -> Option<&Self::Options> {
        None
    }
    fn stream(&self) -> Option<bool> {
        None
    }
    fn format(&self) -> Option<&Value> {
        None
    }
}

impl RequestView for ChatRequest {
    type Options = Options;
    fn model(&self) -> Option<&str> {
        Some(self.model.as_str()).filter(|m| !m.is_empty())
    }
    fn info_model(&self) -> Option<Cow<'_, str>> {
        non_empty(&self.model)
    }
    fn options(&self) -> Option<&Options> {
        self.options.as_ref()
    }
    fn stream(&self) -> Option<bool> {
        self.stream
    }
    fn format(&self) -> Option<&Value> {
        self.format.as_ref()
    }
}

impl RequestView for EmbedRequest {
    type Options = Options;
    fn model(&self) -> Option<&str> {
        Some(self.model.as_str()).filter(|m| !m.is_empty())
    }
    fn info_model(&self) -> Option<Cow<'_, str>> {
        non_empty(&self.model)
    }
}

/// A chat or embed request body.
impl RequestView for Value {
    type Options = Value;
    fn model(&self) -> Option<&str> {
        self.get("model")?.as_str()
    }
    fn info_model(&self) -> Option<Cow<'_, str>> {
        str_at(self, "model")
    }
    fn options(&self) -> Option<&Value> {
        self.get("options")
    }
    fn stream(&self) -> Option<bool> {
        bool_at(self, "stream")
    }
    fn format(&self) -> Option<&Value> {
        self.get("format")
    }
}

/// The request parameters of a chat or embed request.
pub(crate) fn request_info<R: RequestView>(r: &R) -> RequestInfo<'_> {
    let o = r.options();
    RequestInfo {
        model: r.info_model(),
        temperature: o.and_then(|o| o.temperature()),
        top_p: o.and_then(|o| o.top_p()),
        top_k: o.and_then(|o| o.top_k()),
        max_tokens: o.and_then(|o| o.num_predict()),
        stop_sequences: o.map(|o| o.stop()).unwrap_or_default(),
        seed: o.and_then(|o| o.seed()),
        frequency_penalty: o.and_then(|o| o.frequency_penalty()),
        presence_penalty: o.and_then(|o| o.presence_penalty()),
        stream: r.stream(),
        output_type: r.format().and_then(output_type),
        ..RequestInfo::default()
    }
}

/// What a chat or embed response (or a streamed chat line) says, as the
/// typed responses and a raw body give it.
pub(crate) trait ResponseView {
    /// `Some` (with the embeddings' length, if known) for an embed response.
    fn embed(&self) -> Option<Option<u64>> {
        None
    }
    /// `gen_ai.response.model` as `response_model` reports it.
    fn model(&self) -> Option<&str>;
    /// The model as `response_info` reports it.
    fn info_model(&self) -> Option<Cow<'_, str>>;
    fn done_reason(&self) -> Option<Cow<'_, str>> {
        None
    }
    fn usage(&self) -> Option<Usage>;
    /// Calls `f` with each tool call of the message, in order.
    fn tool_calls<'a>(&'a self, _f: impl FnMut(ToolCall<'a>)) {}
    /// The message's text and thinking.
    fn text(&self) -> Option<&str> {
        None
    }
    fn thinking(&self) -> Option<&str> {
        None
    }
    /// The error a failed stream ends with.
    fn error(&self) -> Option<&str> {
        None
    }
}

impl ResponseView for ChatResponse {
    fn model(&self) -> Option<&str> {
        Some(self.model.as_str()).filter(|m| !m.is_empty())
    }
    fn info_model(&self) -> Option<Cow<'_, str>> {
        non_empty(&self.model)
    }
    fn done_reason(&self) -> Option<Cow<'_, str>> {
        self.done_reason.as_deref().map(Cow::Borrowed)
    }
    fn usage(&self) -> Option<Usage> {
        usage(self.prompt_eval_count, self.eval_count)
    }
    fn tool_calls<'a>(&'a self, f: impl FnMut(ToolCall<'a>)) {
        self.message
            .iter()
            .flat_map(|m| &m.tool_calls)
            .map(|c| ToolCall::new(c.id.as_deref(), c.function.name.as_str()))
            .for_each(f);
    }
    fn text(&self) -> Option<&str> {
        self.message.as_ref().map(|m| m.content.as_str())
    }
    fn thinking(&self) -> Option<&str> {
        self.message.as_ref()?.thinking.as_deref()
    }
}

impl ResponseView for EmbedResponse {
    fn embed(&self) -> Option<Option<u64>> {
        Some(
            self.embeddings
                .first()
                .map(|e| e.len() as u64)
                .filter(|&n| n > 0),
        )
    }
    fn model(&self) -> Option<&str> {
        Some(self.model.as_str()).filter(|m| !m.is_empty())
    }
    fn info_model(&self) -> Option<Cow<'_, str>> {
        non_empty(&self.model)
    }
    fn usage(&self) -> Option<Usage> {
        usage(self.prompt_eval_count, None)
    }
}

fn is_embed(v: &Value) -> bool {
    v.get("embeddings").is_some() || v.get("embedding").is_some()
}

/// A chat or embed response body; one with `embeddings` (or `embedding`) is
/// read as embed.
impl ResponseView for Value {
    fn embed(&self) -> Option<Option<u64>> {
        if !is_embed(self) {
            return None;
        }
        let first = match (self.get("embeddings"), self.get("embedding")) {
            (Some(Value::Array(all)), _) => all.first(),
            (_, Some(one)) => Some(one),
            _ => None,
        };
        Some(match first {
            Some(Value::Array(e)) if !e.is_empty() => Some(e.len() as u64),
            _ => None,
        })
    }
    fn model(&self) -> Option<&str> {
        self.get("model")?.as_str()
    }
    fn info_model(&self) -> Option<Cow<'_, str>> {
        str_at(self, "model")
    }
    fn done_reason(&self) -> Option<Cow<'_, str>> {
        str_at(self, "done_reason")
    }
    fn usage(&self) -> Option<Usage> {
        let output = if is_embed(self) {
            None
        } else {
            u64_at(self, "eval_count")
        };
        usage(u64_at(self, "prompt_eval_count"), output)
    }
    fn tool_calls<'a>(&'a self, f: impl FnMut(ToolCall<'a>)) {
        self.get("message")
            .map(|m| array_at(m, "tool_calls"))
            .unwrap_or_default()
            .iter()
            .filter_map(|c| {
                Some(ToolCall {
                    id: str_at(c, "id"),
                    name: str_at(c.get("function")?, "name")?,
                })
            })
            .for_each(f);
    }
    fn text(&self) -> Option<&str> {
        self.get("message")?.get("content")?.as_str()
    }
    fn thinking(&self) -> Option<&str> {
        self.get("message")?.get("thinking")?.as_str()
    }
    fn error(&self) -> Option<&str> {
        // `{"error": "..."}` ends a stream that failed midway.
        Some(self.get("error")?.as_str().unwrap_or(""))
    }
}

/// Everything a chat or embed response says about the call.
pub(crate) fn response_info(r: &impl ResponseView) -> ResponseInfo<'_> {
    if let Some(dimension_count) = r.embed() {
        return ResponseInfo {
            model: r.info_model(),
            usage: r.usage(),
            embeddings_dimension_count: dimension_count,
            ..ResponseInfo::default()
        };
    }
    let mut tool_calls = Vec::new();
    r.tool_calls(|call| tool_calls.push(call));
    ResponseInfo {
        model: r.info_model(),
        finish_reasons: r.done_reason().into_iter().collect(),
        usage: r.usage(),
        tool_calls,
        ..ResponseInfo::default()
    }
}
