//! OpenAI Chat Completions (`POST /v1/chat/completions`).
//!
//! [`ChatRequest`] and [`ChatCompletion`] hold what a call needs and what
//! instrumentation reads; unknown fields are ignored on input (and kept in
//! [`ChatRequest::extra`] for requests). Raw [`serde_json::Value`] bodies give
//! the same facts.
//!
//! OpenAI's `prompt_tokens` already includes `cached_tokens`, and
//! `completion_tokens` already includes `reasoning_tokens`: both map onto the
//! GenAI conventions unchanged.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::value::{array_at, bool_at, f64_at, i64_at, str_at, strings_at, u64_at};
use super::{
    ChunkFacts, Provider, RequestFacts, RequestInfo, ResponseFacts, ResponseInfo, StreamFacts,
    ToolCall, Usage,
};
// Shared with other formats; `pub(crate)` here for the callers of the old path.
pub(crate) use super::wire::chat_message::{
    chat_input_message, chat_parts, chat_tool_definition, tool_result,
};
pub(crate) use super::wire::stream_error;
use crate::content::{OutputMessage, RequestContent};
use crate::semconv as sc;

/// OpenAI (`gen_ai.provider.name = "openai"`), the Chat Completions API.
#[derive(Debug, Clone, Copy, Default)]
pub struct OpenAi;

/// Providers that speak OpenAI's Chat Completions format: the request and
/// response types of this module, and raw JSON bodies, describe their calls.
///
/// Implement it (with [`Provider`]) for a server of your own that serves the
/// format, or use `#[llm_call(provider = openai_compatible("name"))]`.
#[diagnostic::on_unimplemented(
    message = "the request or response type is of OpenAI's Chat Completions format, but the provider `{Self}` does not speak it",
    label = "the request type and the provider disagree",
    note = "name a provider of OpenAI's format (`provider = \"openai\"`, `\"deepseek\"`, `openai_compatible(\"name\")`, ...), or pass the provider's own request type (`llm_trace::provider::anthropic::MessagesRequest` for `\"anthropic\"`)",
    note = "a type of your own that speaks the format: `impl llm_trace::provider::OpenAiCompatible for {Self} {{}}`"
)]
pub trait OpenAiCompatible: Provider {
    /// Whether `completion_tokens` already counts the reasoning tokens of
    /// `completion_tokens_details` (OpenAI: yes; xAI: no, they are added).
    const COMPLETION_INCLUDES_REASONING: bool = true;
}

impl OpenAiCompatible for OpenAi {}

impl Provider for OpenAi {
    const NAME: &'static str = "openai";
    const DEFAULT_OPERATION: &'static str = "chat";
    const SERVER_ADDRESS: Option<&'static str> = Some("api.openai.com");
    const SERVER_PORT: Option<u16> = Some(443);
}

/// A Chat Completions request body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChatRequest {
    /// Model id, e.g. `gpt-4o-mini`.
    pub model: String,
    /// The conversation so far.
    pub messages: Vec<ChatMessage>,
    /// Sampling temperature.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f64>,
    /// Nucleus sampling mass.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_p: Option<f64>,
    /// Output token limit (older name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_tokens: Option<u64>,
    /// Output token limit, reasoning included (newer name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_completion_tokens: Option<u64>,
    /// Number of choices to generate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<u64>,
    /// Stop sequences.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop: Option<Stop>,
    /// Sampling seed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<i64>,
    /// Frequency penalty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frequency_penalty: Option<f64>,
    /// Presence penalty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub presence_penalty: Option<f64>,
    /// Stream the answer as server-sent events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream: Option<bool>,
    /// `{"type": "text" | "json_object" | "json_schema", ...}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_format: Option<Value>,
    /// Tool definitions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tools: Option<Vec<Value>>,
    /// Every other request field, passed through as given.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl ChatRequest {
    /// A request for `model` with `messages` and nothing else set.
    pub fn new(model: impl Into<String>, messages: Vec<ChatMessage>) -> Self {
        ChatRequest {
            model: model.into(),
            messages,
            ..ChatRequest::default()
        }
    }
}

/// `stop`: one sequence or several.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Stop {
    /// A single stop sequence.
    One(String),
    /// Up to four stop sequences.
    Many(Vec<String>),
}

/// One message of a conversation, in a request or a response.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChatMessage {
    /// `system`, `developer`, `user`, `assistant` or `tool`.
    pub role: String,
    /// Text, or an array of content parts; absent on tool-call-only replies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<Content>,
    /// Tool calls an assistant message asks for.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tool_calls: Vec<MessageToolCall>,
    /// The tool call a `tool` message answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_call_id: Option<String>,
}

impl ChatMessage {
    /// A message with `role` and text `content`.
    pub fn new(role: impl Into<String>, content: impl Into<String>) -> Self {
        ChatMessage {
            role: role.into(),
            content: Some(Content::Text(content.into())),
            ..ChatMessage::default()
        }
    }
    /// A `system` message.
    pub fn system(content: impl Into<String>) -> Self {
        Self::new("system", content)
    }
    /// A `user` message.
    pub fn user(content: impl Into<String>) -> Self {
        Self::new("user", content)
    }
    /// An `assistant` message.
    pub fn assistant(content: impl Into<String>) -> Self {
        Self::new("assistant", content)
    }
    /// The text of this message, when it is plain text.
    pub fn text(&self) -> Option<&str> {
        match &self.content {
            Some(Content::Text(text)) => Some(text),
            _ => None,
        }
    }
}

/// Message content: plain text or typed parts (images, audio, ...).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Content {
    /// Plain text.
    Text(String),
    /// Content parts, kept as JSON.
    Parts(Vec<Value>),
}

/// A tool call inside an assistant message.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MessageToolCall {
    /// Call id, echoed by the `tool` message that answers it.
    #[serde(default)]
    pub id: String,
    /// `function`.
    #[serde(default, rename = "type")]
    pub kind: String,
    /// The function to call.
    #[serde(default)]
    pub function: FunctionCall,
}

/// The function of a tool call.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FunctionCall {
    /// Function name.
    #[serde(default)]
    pub name: String,
    /// Arguments as a JSON string.
    #[serde(default)]
    pub arguments: String,
}

/// A Chat Completions response body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ChatCompletion {
    /// Response id (`chatcmpl-...`).
    pub id: String,
    /// `chat.completion`.
    pub object: String,
    /// Unix seconds.
    pub created: u64,
    /// The model that answered.
    pub model: String,
    /// One entry per requested choice.
    pub choices: Vec<Choice>,
    /// Token usage.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usage: Option<CompletionUsage>,
    /// Backend configuration fingerprint.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub system_fingerprint: Option<String>,
    /// Service tier that served the request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_tier: Option<String>,
}

/// One choice of a completion.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Choice {
    /// Position among the choices.
    pub index: u32,
    /// The generated message.
    pub message: ChatMessage,
    /// `stop`, `length`, `tool_calls`, `content_filter`, ...
    pub finish_reason: Option<String>,
}

/// `usage` of a completion.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CompletionUsage {
    /// Input tokens, cached ones included.
    pub prompt_tokens: u64,
    /// Output tokens, reasoning included.
    pub completion_tokens: u64,
    /// Sum of the two.
    pub total_tokens: u64,
    /// Breakdown of the input tokens.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prompt_tokens_details: Option<PromptTokensDetails>,
    /// Breakdown of the output tokens.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub completion_tokens_details: Option<CompletionTokensDetails>,
    /// Input tokens served from DeepSeek's context cache.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prompt_cache_hit_tokens: Option<u64>,
    /// Input tokens DeepSeek did not find in its context cache.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prompt_cache_miss_tokens: Option<u64>,
    /// Reasoning tokens reported beside `completion_tokens` (Perplexity).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reasoning_tokens: Option<u64>,
}

/// `usage.prompt_tokens_details`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PromptTokensDetails {
    /// Input tokens read from the prompt cache.
    pub cached_tokens: Option<u64>,
    /// Input tokens written to the prompt cache (OpenRouter, Azure).
    pub cache_write_tokens: Option<u64>,
    /// Audio input tokens.
    pub audio_tokens: Option<u64>,
}

/// `usage.completion_tokens_details`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CompletionTokensDetails {
    /// Reasoning tokens (included in `completion_tokens`).
    pub reasoning_tokens: Option<u64>,
    /// Audio output tokens.
    pub audio_tokens: Option<u64>,
}

impl<P: OpenAiCompatible> RequestFacts<P> for ChatRequest {
    fn request_model(&self) -> Option<&str> {
        Some(&self.model)
            .filter(|m| !m.is_empty())
            .map(String::as_str)
    }

    fn request_info(&self) -> RequestInfo<'_> {
        RequestInfo {
            model: RequestFacts::<P>::request_model(self).map(Cow::Borrowed),
            temperature: self.temperature,
            top_p: self.top_p,
            max_tokens: self.max_completion_tokens.or(self.max_tokens),
            stop_sequences: match &self.stop {
                Some(Stop::One(s)) => vec![Cow::Borrowed(s.as_str())],
                Some(Stop::Many(v)) => v.iter().map(|s| Cow::Borrowed(s.as_str())).collect(),
                None => Vec::new(),
            },
            seed: self.seed,
            choice_count: self.n,
            frequency_penalty: self.frequency_penalty,
            presence_penalty: self.presence_penalty,
            stream: self.stream,
            output_type: self.response_format.as_ref().and_then(output_type),
            provider_attributes: openai_request_attributes::<P>(
                self.extra
                    .get("service_tier")
                    .and_then(Value::as_str)
                    .map(Cow::Borrowed),
            ),
            ..RequestInfo::default()
        }
    }

    fn request_content(&self) -> Option<RequestContent> {
        chat_request_content(&serde_json::to_value(self).ok()?)
    }
}

impl<P: OpenAiCompatible> RequestFacts<P> for Value {
    fn request_model(&self) -> Option<&str> {
        self.get("model")?.as_str()
    }

    fn request_info(&self) -> RequestInfo<'_> {
        if let Some(mut info) = super::responses::responses_request_info(self) {
            info.provider_attributes = openai_request_attributes::<P>(str_at(self, "service_tier"));
            return info;
        }
        RequestInfo {
            model: str_at(self, "model"),
            temperature: f64_at(self, "temperature"),
            top_p: f64_at(self, "top_p"),
            max_tokens: u64_at(self, "max_completion_tokens")
                .or_else(|| u64_at(self, "max_tokens")),
            stop_sequences: strings_at(self, "stop"),
            seed: i64_at(self, "seed"),
            choice_count: u64_at(self, "n"),
            frequency_penalty: f64_at(self, "frequency_penalty"),
            presence_penalty: f64_at(self, "presence_penalty"),
            stream: bool_at(self, "stream"),
            output_type: self.get("response_format").and_then(output_type),
            encoding_formats: str_at(self, "encoding_format").into_iter().collect(),
            provider_attributes: openai_request_attributes::<P>(str_at(self, "service_tier")),
            ..RequestInfo::default()
        }
    }

    fn request_content(&self) -> Option<RequestContent> {
        if super::responses::is_responses_request(self) {
            return super::responses::responses_request_content(self);
        }
        chat_request_content(self)
    }
}

/// The `openai.*` request attributes: `openai.request.service_tier`. Only
/// for OpenAI itself: the conventions tie the `openai.*` attributes to
/// `gen_ai.provider.name = "openai"` (other servers of the format are not
/// expected to carry them).
pub(crate) fn openai_request_attributes<'a, P: Provider>(
    service_tier: Option<Cow<'a, str>>,
) -> Vec<(Cow<'static, str>, Cow<'a, str>)> {
    match service_tier {
        Some(tier) if P::NAME == OpenAi::NAME && !tier.is_empty() => {
            vec![(Cow::Borrowed(sc::OPENAI_REQUEST_SERVICE_TIER), tier)]
        }
        _ => Vec::new(),
    }
}

/// The `openai.*` response attributes: `openai.api.type` (the response's
/// shape tells the API apart, where an embeddings request body and a
/// Responses one may not), `openai.response.service_tier` and
/// `openai.response.system_fingerprint`; OpenAI only, as the request's.
pub(crate) fn openai_response_attributes<'a, P: Provider>(
    api: Option<&'static str>,
    service_tier: Option<&'a str>,
    system_fingerprint: Option<&'a str>,
) -> Vec<(Cow<'static, str>, Cow<'a, str>)> {
    if P::NAME != OpenAi::NAME {
        return Vec::new();
    }
    let mut attributes = Vec::with_capacity(3);
    if let Some(api) = api {
        attributes.push((Cow::Borrowed(sc::OPENAI_API_TYPE), Cow::Borrowed(api)));
    }
    for (key, value) in [
        (sc::OPENAI_RESPONSE_SERVICE_TIER, service_tier),
        (sc::OPENAI_RESPONSE_SYSTEM_FINGERPRINT, system_fingerprint),
    ] {
        if let Some(value) = value.filter(|v| !v.is_empty()) {
            attributes.push((Cow::Borrowed(key), Cow::Borrowed(value)));
        }
    }
    attributes
}

/// `gen_ai.output.type` from a `response_format`.
fn output_type(format: &Value) -> Option<Cow<'static, str>> {
    match format.get("type")?.as_str()? {
        "json_object" | "json_schema" => Some(Cow::Borrowed("json")),
        "text" => Some(Cow::Borrowed("text")),
        _ => None,
    }
}

impl<P: OpenAiCompatible> ResponseFacts<P> for ChatCompletion {
    fn response_info(&self) -> ResponseInfo<'_> {
        ResponseInfo {
            id: Some(Cow::Borrowed(self.id.as_str())).filter(|s| !s.is_empty()),
            model: Some(Cow::Borrowed(self.model.as_str())).filter(|s| !s.is_empty()),
            finish_reasons: self
                .choices
                .iter()
                .filter_map(|c| c.finish_reason.as_deref().map(Cow::Borrowed))
                .collect(),
            usage: ResponseFacts::<P>::usage(self),
            tool_calls: self
                .choices
                .iter()
                .flat_map(|c| &c.message.tool_calls)
                .map(|t| ToolCall::new(Some(t.id.as_str()), t.function.name.as_str()))
                .collect(),
            provider_attributes: openai_response_attributes::<P>(
                Some("chat_completions"),
                self.service_tier.as_deref(),
                self.system_fingerprint.as_deref(),
            ),
            ..ResponseInfo::default()
        }
    }

    fn response_model(&self) -> Option<&str> {
        Some(self.model.as_str()).filter(|m| !m.is_empty())
    }

    fn output_messages(&self) -> Option<Vec<OutputMessage>> {
        chat_output_messages(&serde_json::to_value(self).ok()?)
    }

    fn usage(&self) -> Option<Usage> {
        completion_usage(self.usage.as_ref()?, P::COMPLETION_INCLUDES_REASONING)
    }
}

impl<P: OpenAiCompatible> ResponseFacts<P> for Value {
    fn response_info(&self) -> ResponseInfo<'_> {
        if let Some(mut info) = super::responses::responses_info(self) {
            info.provider_attributes = openai_response_attributes::<P>(
                Some("responses"),
                text_of(self, "service_tier"),
                None,
            );
            return info;
        }
        let choices = array_at(self, "choices");
        ResponseInfo {
            id: str_at(self, "id"),
            model: str_at(self, "model"),
            finish_reasons: choices
                .iter()
                .filter_map(|c| str_at(c, "finish_reason"))
                .collect(),
            usage: ResponseFacts::<P>::usage(self),
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
            embeddings_dimension_count: embedding_dimension(self),
            provider_attributes: openai_response_attributes::<P>(
                match text_of(self, "object") {
                    Some("chat.completion") => Some("chat_completions"),
                    _ => None,
                },
                text_of(self, "service_tier"),
                text_of(self, "system_fingerprint"),
            ),
        }
    }

    fn response_model(&self) -> Option<&str> {
        self.get("model")?.as_str()
    }

    fn output_messages(&self) -> Option<Vec<OutputMessage>> {
        if super::responses::is_responses_body(self) {
            return super::responses::responses_output_messages(self);
        }
        chat_output_messages(self)
    }

    fn usage(&self) -> Option<Usage> {
        if super::responses::is_responses_body(self) {
            return super::responses::responses_usage(self);
        }
        openai_usage(self.get("usage")?, P::COMPLETION_INCLUDES_REASONING)
    }
}

/// A string field of a body, borrowed.
fn text_of<'a>(body: &'a Value, key: &str) -> Option<&'a str> {
    body.get(key)?.as_str()
}

/// The content of a Chat Completions request body: its `messages` (system
/// messages included: they are part of the history) and `tools`.
pub(crate) fn chat_request_content(body: &Value) -> Option<RequestContent> {
    let messages = body.get("messages")?.as_array()?;
    Some(RequestContent {
        input_messages: messages.iter().filter_map(chat_input_message).collect(),
        system_instructions: Vec::new(),
        tool_definitions: array_at(body, "tools")
            .iter()
            .filter_map(chat_tool_definition)
            .collect(),
    })
}

/// The output messages of a Chat Completions response body: one per choice.
pub(crate) fn chat_output_messages(body: &Value) -> Option<Vec<OutputMessage>> {
    let choices = body.get("choices")?.as_array()?;
    Some(
        choices
            .iter()
            .map(|c| {
                let message = c.get("message").unwrap_or(&Value::Null);
                let mut parts = Vec::new();
                chat_parts(message, &mut parts);
                OutputMessage::new(
                    str_at(message, "role").unwrap_or(Cow::Borrowed("assistant")),
                    parts,
                    c.get("finish_reason").and_then(Value::as_str),
                )
            })
            .collect(),
    )
}

/// The length of the first vector of an embeddings body (`"object": "list"`
/// with `data[].embedding`); base64-encoded vectors give none.
fn embedding_dimension(body: &Value) -> Option<u64> {
    if body.get("object")?.as_str()? != "list" {
        return None;
    }
    let first = array_at(body, "data").first()?;
    Some(first.get("embedding")?.as_array()?.len() as u64)
}

/// An embeddings request (`POST /v1/embeddings`, `operation = "embeddings"`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EmbeddingRequest {
    /// Model id, e.g. `text-embedding-3-small`.
    pub model: String,
    /// A string, an array of strings, or token arrays.
    pub input: Value,
    /// Output dimensions (text-embedding-3 models).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dimensions: Option<u64>,
    /// `float` or `base64`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoding_format: Option<String>,
    /// Every other request field, passed through as given.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// An embeddings response.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EmbeddingResponse {
    /// `list`.
    pub object: String,
    /// One embedding per input.
    pub data: Vec<Embedding>,
    /// The model that answered.
    pub model: String,
    /// Token usage (`prompt_tokens`, `total_tokens`).
    pub usage: Option<EmbeddingUsage>,
}

/// One embedding of an [`EmbeddingResponse`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Embedding {
    /// Position of its input.
    pub index: u64,
    /// The vector (a base64 string when `encoding_format` is `base64`).
    pub embedding: Value,
}

/// `usage` of an embeddings response.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct EmbeddingUsage {
    /// Input tokens.
    pub prompt_tokens: u64,
    /// Equal to `prompt_tokens`.
    pub total_tokens: u64,
}

impl<P: OpenAiCompatible> RequestFacts<P> for EmbeddingRequest {
    fn request_model(&self) -> Option<&str> {
        Some(self.model.as_str()).filter(|m| !m.is_empty())
    }

    fn request_info(&self) -> RequestInfo<'_> {
        RequestInfo {
            model: RequestFacts::<P>::request_model(self).map(Cow::Borrowed),
            encoding_formats: self
                .encoding_format
                .as_deref()
                .map(Cow::Borrowed)
                .into_iter()
                .collect(),
            ..RequestInfo::default()
        }
    }
}

impl<P: OpenAiCompatible> ResponseFacts<P> for EmbeddingResponse {
    fn response_info(&self) -> ResponseInfo<'_> {
        ResponseInfo {
            model: Some(Cow::Borrowed(self.model.as_str())).filter(|m| !m.is_empty()),
            usage: ResponseFacts::<P>::usage(self),
            embeddings_dimension_count: self
                .data
                .first()
                .and_then(|e| e.embedding.as_array())
                .map(|v| v.len() as u64),
            ..ResponseInfo::default()
        }
    }

    fn response_model(&self) -> Option<&str> {
        Some(self.model.as_str()).filter(|m| !m.is_empty())
    }

    fn usage(&self) -> Option<Usage> {
        let usage = self.usage?;
        Some(Usage {
            input_tokens: Some(usage.prompt_tokens),
            ..Usage::default()
        })
    }
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

/// One chunk of a streamed Chat Completion (`"stream": true`): a
/// `chat.completion.chunk`. With `stream_options.include_usage`, the last
/// chunk has no choices and carries the usage.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ChatCompletionChunk {
    /// Response id, the same in every chunk.
    pub id: String,
    /// `chat.completion.chunk`.
    pub object: String,
    /// Unix seconds.
    pub created: u64,
    /// The model that answers.
    pub model: String,
    /// The choices this chunk continues.
    pub choices: Vec<ChunkChoice>,
    /// Token usage, in the last chunk only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usage: Option<CompletionUsage>,
}

/// One choice's part of a [`ChatCompletionChunk`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ChunkChoice {
    /// The choice's position.
    pub index: u32,
    /// What this chunk adds to the message.
    pub delta: ChunkDelta,
    /// Set in the choice's last chunk.
    pub finish_reason: Option<String>,
}

/// The message delta of a [`ChunkChoice`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ChunkDelta {
    /// `assistant`, in the first chunk.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// A piece of the text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    /// Pieces of tool calls; the first piece of each has its id and name.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tool_calls: Vec<ChunkToolCall>,
}

/// A piece of a streamed tool call.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ChunkToolCall {
    /// The call's position among the message's tool calls.
    pub index: u32,
    /// The call's id, in its first piece.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The function's name (first piece) and a piece of its arguments.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub function: Option<ChunkFunction>,
}

/// The function part of a [`ChunkToolCall`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ChunkFunction {
    /// The function's name, in the call's first piece.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// A piece of the JSON arguments.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arguments: Option<String>,
}

/// The conventions' usage of a typed `usage` object.
fn completion_usage(u: &CompletionUsage, completion_includes_reasoning: bool) -> Option<Usage> {
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

impl<P: OpenAiCompatible> ChunkFacts<P> for ChatCompletionChunk {
    fn observe(&self, stream: &mut StreamFacts) {
        stream.id(&self.id);
        stream.model(&self.model);
        for choice in &self.choices {
            let index = choice.index as usize;
            stream.choice(index);
            if let Some(text) = &choice.delta.content {
                stream.text(index, text);
            }
            for call in &choice.delta.tool_calls {
                let function = call.function.as_ref();
                stream.openai_tool_call_delta(
                    index,
                    call.index as usize,
                    call.id.as_deref(),
                    function.and_then(|f| f.name.as_deref()),
                    function.and_then(|f| f.arguments.as_deref()),
                );
            }
            if let Some(reason) = &choice.finish_reason {
                stream.finish_reason(index, reason);
            }
        }
        if let Some(usage) = self
            .usage
            .as_ref()
            .and_then(|u| completion_usage(u, P::COMPLETION_INCLUDES_REASONING))
        {
            stream.merge_usage(usage);
        }
    }
}

/// The fields of a raw `chat.completion.chunk` that its facts come from,
/// borrowed from the event's bytes (a bytes stream's events are read through
/// it instead of a [`Value`], which allocates every key and string).
#[derive(Deserialize)]
struct RawChunk<'a> {
    #[serde(borrow)]
    id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    model: Option<Cow<'a, str>>,
    #[serde(borrow)]
    choices: Option<Vec<RawChoice<'a>>>,
    usage: Option<Value>,
    /// Groq's last chunk: the usage, also without `stream_options`.
    x_groq: Option<RawGroq>,
    /// Present in Responses API events and error events: read as a `Value`.
    #[serde(rename = "type")]
    kind: Option<serde::de::IgnoredAny>,
    /// A mid-stream error object: read as a `Value`.
    error: Option<serde::de::IgnoredAny>,
}

/// Groq's `x_groq` object of a chunk.
#[derive(Deserialize)]
struct RawGroq {
    usage: Option<Value>,
}

#[derive(Deserialize)]
struct RawChoice<'a> {
    index: Option<u64>,
    #[serde(borrow)]
    delta: Option<RawDelta<'a>>,
    #[serde(borrow)]
    finish_reason: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct RawDelta<'a> {
    #[serde(borrow)]
    content: Option<Cow<'a, str>>,
    #[serde(borrow)]
    reasoning_content: Option<Cow<'a, str>>,
    #[serde(borrow)]
    reasoning: Option<Cow<'a, str>>,
    /// Tool calls: read as a `Value`.
    tool_calls: Option<serde::de::IgnoredAny>,
}

/// Observes the JSON of a raw `chat.completion.chunk` as
/// [`ChunkFacts::observe`] of its [`Value`] would, without building the
/// `Value`; `false` (nothing observed) for anything else: not an object, a
/// field of another type than a chunk's, tool calls, a `type` or an `error`.
fn observe_raw_chunk(
    event: &[u8],
    completion_includes_reasoning: bool,
    stream: &mut StreamFacts,
) -> bool {
    if event.trim_ascii_start().first() != Some(&b'{') {
        return false;
    }
    let Ok(chunk) = serde_json::from_slice::<RawChunk<'_>>(event) else {
        return false;
    };
    let choices = chunk.choices.as_deref().unwrap_or_default();
    if chunk.kind.is_some()
        || chunk.error.is_some()
        || choices
            .iter()
            .any(|c| c.delta.as_ref().is_some_and(|d| d.tool_calls.is_some()))
    {
        return false;
    }
    if let Some(id) = &chunk.id {
        stream.id(id);
    }
    if let Some(model) = &chunk.model {
        stream.model(model);
    }
    for choice in choices {
        let Some(index) = choice.index.and_then(|i| usize::try_from(i).ok()) else {
            continue;
        };
        stream.choice(index);
        if let Some(delta) = choice.delta.as_ref().filter(|_| stream.captures_content()) {
            if let Some(text) = &delta.content {
                stream.text(index, text);
            }
            for text in [&delta.reasoning_content, &delta.reasoning]
                .into_iter()
                .flatten()
            {
                stream.reasoning(index, text);
            }
        }
        if let Some(reason) = &choice.finish_reason {
            stream.finish_reason(index, reason);
        }
    }
    if let Some(usage) = chunk
        .usage
        .as_ref()
        .filter(|u| !u.is_null())
        .or_else(|| chunk.x_groq.as_ref()?.usage.as_ref())
        .and_then(|u| openai_usage(u, completion_includes_reasoning))
    {
        stream.merge_usage(usage);
    }
    true
}

/// A raw chunk: a `chat.completion.chunk`, or a Responses API stream event
/// (`{"type": "response.completed", ...}`).
impl<P: OpenAiCompatible> ChunkFacts<P> for Value {
    fn __observe_json(event: &[u8], stream: &mut StreamFacts) -> bool {
        observe_raw_chunk(event, P::COMPLETION_INCLUDES_REASONING, stream)
    }

    fn observe(&self, stream: &mut StreamFacts) {
        if super::responses::observe_event(self, stream) {
            return;
        }
        if let Some(id) = self.get("id").and_then(Value::as_str) {
            stream.id(id);
        }
        if let Some(model) = self.get("model").and_then(Value::as_str) {
            stream.model(model);
        }
        for choice in array_at(self, "choices") {
            let Some(index) = u64_at(choice, "index").and_then(|i| usize::try_from(i).ok()) else {
                continue;
            };
            stream.choice(index);
            let delta = choice.get("delta");
            if let Some(delta) = delta.filter(|_| stream.captures_content()) {
                if let Some(text) = delta.get("content").and_then(Value::as_str) {
                    stream.text(index, text);
                }
                // DeepSeek's and vLLM's reasoning deltas.
                for key in ["reasoning_content", "reasoning"] {
                    if let Some(text) = delta.get(key).and_then(Value::as_str) {
                        stream.reasoning(index, text);
                    }
                }
            }
            let calls = delta.map_or(&[][..], |d| array_at(d, "tool_calls"));
            for (position, call) in calls.iter().enumerate() {
                let function = call.get("function");
                let call_index = u64_at(call, "index")
                    .and_then(|i| usize::try_from(i).ok())
                    .unwrap_or(position);
                stream.openai_tool_call_delta(
                    index,
                    call_index,
                    call.get("id").and_then(Value::as_str),
                    function.and_then(|f| f.get("name")).and_then(Value::as_str),
                    function
                        .and_then(|f| f.get("arguments"))
                        .and_then(Value::as_str),
                );
            }
            if let Some(reason) = choice.get("finish_reason").and_then(Value::as_str) {
                stream.finish_reason(index, reason);
            }
        }
        if let Some(usage) =
            chunk_usage(self).and_then(|u| openai_usage(u, P::COMPLETION_INCLUDES_REASONING))
        {
            stream.merge_usage(usage);
        }
        if let Some(error) = self.get("error").filter(|e| e.is_object()) {
            // A mid-stream error object (OpenRouter, vLLM and others send one
            // in place of a chunk).
            stream_error(stream, error);
        }
    }
}

/// A chunk's `usage`, or Groq's `x_groq.usage` (its last chunk carries the
/// usage there, also when the request asked for no `stream_options`).
fn chunk_usage(chunk: &Value) -> Option<&Value> {
    chunk
        .get("usage")
        .filter(|u| !u.is_null())
        .or_else(|| chunk.get("x_groq")?.get("usage"))
}

#[cfg(test)]
mod tests {
    use super::{observe_raw_chunk, ChunkFacts, OpenAi, StreamFacts, Value};

    /// Raw events of every shape: what `observe_raw_chunk` reads must give
    /// the facts the parsed `Value` gives, and what it leaves must be left
    /// untouched.
    const EVENTS: &[&str] = &[
        r#"{"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}],"usage":null}"#,
        r#"{"id":"c1","model":"gpt-4o","choices":[{"index":0,"delta":{"content":"He said \"hi\"\n\u00e9"}}]}"#,
        r#"{"id":"","model":"","choices":[{"index":1,"delta":{"reasoning_content":"think","reasoning":"more"}}]}"#,
        r#"{"choices":[{"index":0,"delta":{},"finish_reason":"stop"},{"index":1,"delta":null,"finish_reason":"length"}]}"#,
        r#"{"choices":[],"usage":{"prompt_tokens":12,"completion_tokens":30,"prompt_tokens_details":{"cached_tokens":4},"completion_tokens_details":{"reasoning_tokens":9}}}"#,
        r#"{"choices":null,"usage":null,"id":null,"model":null}"#,
        r#"{"choices":[{"delta":{"content":"no index"}},{"index":-1},{"index":0.5},{"index":3,"delta":"text"}]}"#,
        r#"{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","function":{"name":"f","arguments":"{\"a\""}}]}}]}"#,
        r#"{"choices":[{"index":0,"delta":{"tool_calls":null,"content":"x"}}]}"#,
        r#"{"type":"response.output_text.delta","delta":"hey"}"#,
        r#"{"type":"other","id":"t1","choices":[{"index":0,"finish_reason":"stop"}]}"#,
        r#"{"type":null,"id":"t2"}"#,
        r#"{"error":{"code":"rate_limit","message":"slow down"}}"#,
        r#"{"error":null,"id":"e1"}"#,
        r#"{"id":7,"model":["m"],"choices":{"index":0}}"#,
        r#"{"id":"d1","id":"d2"}"#,
        r#"{"choices":[{"index":0,"finish_reason":5}]}"#,
        r#"{"choices":[{"index":0,"delta":{"content":["part"]}}]}"#,
        r#"["c1","gpt-4o"]"#,
        r#""chunk""#,
        r#"  {"id":"ws"}  "#,
        r#"{"id":"#,
        r#"{"id":"x"} trailing"#,
        "",
    ];

    fn facts(capture: bool) -> StreamFacts {
        let mut facts = StreamFacts::new();
        if capture {
            facts.capture_content();
        }
        facts
    }

    #[test]
    fn raw_chunks_give_the_facts_of_their_parsed_values() {
        for capture in [false, true] {
            for event in EVENTS {
                let mut by_value = facts(capture);
                if let Ok(value) = serde_json::from_str::<Value>(event) {
                    <Value as ChunkFacts<OpenAi>>::observe(&value, &mut by_value);
                }
                let mut raw = facts(capture);
                let read = observe_raw_chunk(event.as_bytes(), true, &mut raw);
                if read {
                    assert_eq!(format!("{raw:?}"), format!("{by_value:?}"), "{event}");
                } else {
                    assert_eq!(
                        format!("{raw:?}"),
                        format!("{:?}", facts(capture)),
                        "left untouched: {event}"
                    );
                }
            }
            // The whole sequence, through a bytes stream's decoder.
            let mut by_value = facts(capture);
            let mut by_bytes = facts(capture);
            for event in EVENTS {
                if let Ok(value) = serde_json::from_str::<Value>(event) {
                    <Value as ChunkFacts<OpenAi>>::observe(&value, &mut by_value);
                }
                by_bytes.feed::<OpenAi>(format!("data: {event}\n\n").as_bytes());
            }
            // The end takes the decoder.
            by_bytes.end_of_stream();
            assert_eq!(
                format!("{by_bytes:?}"),
                format!("{by_value:?}"),
                "capture: {capture}"
            );
            assert!(by_value.failed(), "the error event is the stream's failure");
        }
    }

    #[test]
    fn plain_text_chunks_are_read_without_a_value() {
        let chunk = r#"{"id":"c1","model":"gpt-4o","choices":[{"index":0,"delta":{"content":" word"},"finish_reason":null}],"usage":null}"#;
        assert!(observe_raw_chunk(chunk.as_bytes(), true, &mut facts(true)));
        let tool = r#"{"choices":[{"index":0,"delta":{"tool_calls":[]}}]}"#;
        assert!(!observe_raw_chunk(tool.as_bytes(), true, &mut facts(false)));
    }
}
