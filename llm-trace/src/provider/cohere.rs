//! Cohere v2 Chat (`POST /v2/chat`) and Embed (`POST /v2/embed`).
//!
//! Normalization (sources: the v2 Chat and Embed API references and the
//! `Usage` / `ApiMeta` types of Cohere's SDKs):
//!
//! - Cohere reports two counts per direction: `usage.tokens` (tokens the
//!   model used) and `usage.billed_units` (tokens billed). `input_tokens` and
//!   `output_tokens` come from `tokens`; `billable_input_tokens` and
//!   `billable_output_tokens` from `billed_units`, which the
//!   `gen_ai.client.token.usage` metric reports when present, as the GenAI
//!   conventions ask when a provider reports both. When `tokens` is absent the
//!   billed counts stand in for it.
//! - `usage.cached_tokens` (prompt tokens served from Cohere's cache, part of
//!   the input tokens) becomes `gen_ai.usage.cache_read.input_tokens`.
//! - `finish_reason` (`COMPLETE`, `MAX_TOKENS`, `STOP_SEQUENCE`, `TOOL_CALL`,
//!   `ERROR`, ...) is reported as given; the response carries no model name.
//! - Embed responses give their input tokens from `meta.tokens` (or
//!   `meta.billed_units`), billable input tokens from `meta.billed_units`, and
//!   the dimension count from the first returned embedding (`float`, `int8`,
//!   `uint8`; packed `binary`/`ubinary` vectors count 8 dimensions a byte).
//!   The `embeddings` operation is named by the annotation
//!   (`#[llm_call(provider = "cohere", operation = "embeddings")]`).
//!
//! Counts are read as whole non-negative numbers, written as integers or as
//! floats with no fraction (`12.0`), since Cohere's schema types them as
//! numbers. Raw [`serde_json::Value`] bodies of either endpoint give the same
//! facts as the typed ones; a chat body is told from an embed body by its
//! `embeddings` field. The typed responses refuse (with `Err`) a field of the
//! wrong type, an array where an object belongs included.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::value::{array_at, bool_at, f64_at, i64_at, str_at, strings_at, u64_at};
use super::wire::chat_message::{chat_input_message, chat_parts, chat_tool_definition};
use super::wire::count::{count, count_at};
use super::wire::de::{null_default, object, object_or_default, objects};
use super::{
    ChunkFacts, Provider, RequestFacts, RequestInfo, ResponseFacts, ResponseInfo, StreamFacts,
    ToolCall, Usage,
};
use crate::content::{OutputMessage, Part, RequestContent};

/// Cohere (`gen_ai.provider.name = "cohere"`), the v2 Chat and Embed APIs.
#[derive(Debug, Clone, Copy, Default)]
pub struct Cohere;

impl Provider for Cohere {
    const NAME: &'static str = "cohere";
    const DEFAULT_OPERATION: &'static str = "chat";
    const SERVER_ADDRESS: Option<&'static str> = Some("api.cohere.com");
    const SERVER_PORT: Option<u16> = Some(443);
}

/// A v2 Chat request body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChatRequest {
    /// Model id, e.g. `command-a-03-2025`.
    pub model: String,
    /// The conversation so far.
    pub messages: Vec<Message>,
    /// Sampling temperature.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f64>,
    /// Nucleus sampling mass (`top_p`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p: Option<f64>,
    /// Top-k sampling.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub k: Option<u64>,
    /// Output token limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_tokens: Option<u64>,
    /// Stop sequences.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stop_sequences: Vec<String>,
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
    /// `{"type": "text" | "json_object", ...}`.
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
    pub fn new(model: impl Into<String>, messages: Vec<Message>) -> Self {
        ChatRequest {
            model: model.into(),
            messages,
            ..ChatRequest::default()
        }
    }
}

/// One turn of a conversation (`system`, `user`, `assistant` or `tool`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Message {
    /// `system`, `user`, `assistant` or `tool`.
    pub role: String,
    /// Text or content blocks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<Value>,
    /// Every other message field (`tool_calls`, `tool_call_id`, `tool_plan`, ...).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Message {
    /// A `system` turn with text content.
    pub fn system(text: impl Into<String>) -> Self {
        Message::text("system", text)
    }
    /// A `user` turn with text content.
    pub fn user(text: impl Into<String>) -> Self {
        Message::text("user", text)
    }
    /// An `assistant` turn with text content.
    pub fn assistant(text: impl Into<String>) -> Self {
        Message::text("assistant", text)
    }
    fn text(role: &str, text: impl Into<String>) -> Self {
        Message {
            role: role.into(),
            content: Some(Value::String(text.into())),
            extra: Map::new(),
        }
    }
}

/// A v2 Chat response body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ChatResponse {
    /// Response id.
    pub id: String,
    /// `COMPLETE`, `MAX_TOKENS`, `STOP_SEQUENCE`, `TOOL_CALL`, `ERROR`, ...
    pub finish_reason: Option<String>,
    /// The generated message.
    #[serde(deserialize_with = "object")]
    pub message: Option<AssistantMessage>,
    /// Token usage.
    #[serde(deserialize_with = "object")]
    pub usage: Option<ChatUsage>,
}

impl ChatResponse {
    /// The concatenated text blocks of the message.
    pub fn text(&self) -> String {
        self.message
            .iter()
            .flat_map(|m| &m.content)
            .filter(|b| b.kind == "text")
            .filter_map(|b| b.text.as_deref())
            .collect()
    }
}

/// The `message` of a Chat response.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AssistantMessage {
    /// `assistant`.
    pub role: String,
    /// Content blocks (`text`, `thinking`).
    #[serde(deserialize_with = "objects")]
    pub content: Vec<ContentBlock>,
    /// Tool calls the model asked for.
    #[serde(deserialize_with = "objects", skip_serializing_if = "Vec::is_empty")]
    pub tool_calls: Vec<ChatToolCall>,
    /// The model's plan before its tool calls.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tool_plan: Option<String>,
}

/// A content block of a Chat response.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ContentBlock {
    /// `text` or `thinking`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Text of a `text` block.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Reasoning of a `thinking` block.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thinking: Option<String>,
}

/// A tool call of a Chat response.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ChatToolCall {
    /// Tool call id.
    pub id: Option<String>,
    /// `function`.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// The function called.
    #[serde(deserialize_with = "object")]
    pub function: Option<FunctionCall>,
}

/// The function of a [`ChatToolCall`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FunctionCall {
    /// Tool name.
    pub name: String,
    /// Arguments, a JSON document as a string.
    pub arguments: Option<String>,
}

/// `usage` of a Chat response, as Cohere reports it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ChatUsage {
    /// Tokens billed.
    #[serde(deserialize_with = "object")]
    pub billed_units: Option<TokenCounts>,
    /// Tokens used.
    #[serde(deserialize_with = "object")]
    pub tokens: Option<TokenCounts>,
    /// Prompt tokens served from the cache (part of the input tokens).
    #[serde(deserialize_with = "count", skip_serializing_if = "Option::is_none")]
    pub cached_tokens: Option<u64>,
}

impl From<ChatUsage> for Usage {
    fn from(u: ChatUsage) -> Usage {
        normalize(u.tokens, u.billed_units, u.cached_tokens)
    }
}

/// Input and output token counts (`usage.tokens`, `usage.billed_units`,
/// `meta.tokens`, `meta.billed_units`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TokenCounts {
    /// Input tokens.
    #[serde(deserialize_with = "count", skip_serializing_if = "Option::is_none")]
    pub input_tokens: Option<u64>,
    /// Output tokens.
    #[serde(deserialize_with = "count", skip_serializing_if = "Option::is_none")]
    pub output_tokens: Option<u64>,
}

/// A v2 Embed request body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EmbedRequest {
    /// Model id, e.g. `embed-v4.0`.
    pub model: String,
    /// `search_document`, `search_query`, `classification`, `clustering`, `image`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_type: Option<String>,
    /// Texts to embed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub texts: Vec<String>,
    /// Mixed text and image inputs, as content blocks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inputs: Option<Vec<Value>>,
    /// `float`, `int8`, `uint8`, `binary`, `ubinary`, `base64`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub embedding_types: Vec<String>,
    /// Requested embedding length (`embed-v4.0` and later).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_dimension: Option<u64>,
    /// Every other request field, passed through as given.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A v2 Embed response body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EmbedResponse {
    /// Response id.
    pub id: String,
    /// The embeddings, one list per requested type.
    #[serde(deserialize_with = "object_or_default")]
    pub embeddings: Embeddings,
    /// The texts embedded.
    #[serde(
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub texts: Vec<String>,
    /// Usage and API metadata.
    #[serde(deserialize_with = "object")]
    pub meta: Option<EmbedMeta>,
}

/// The `embeddings` of an Embed response, by type.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Embeddings {
    /// `float` embeddings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub float: Option<Vec<Vec<f64>>>,
    /// `int8` embeddings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub int8: Option<Vec<Vec<i64>>>,
    /// `uint8` embeddings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uint8: Option<Vec<Vec<i64>>>,
    /// `binary` embeddings (8 dimensions a value).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub binary: Option<Vec<Vec<i64>>>,
    /// `ubinary` embeddings (8 dimensions a value).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ubinary: Option<Vec<Vec<i64>>>,
    /// `base64` embeddings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base64: Option<Vec<String>>,
}

impl Embeddings {
    /// The length of the embeddings, from the first non-empty type.
    pub fn dimension_count(&self) -> Option<u64> {
        fn first<T>(v: &Option<Vec<Vec<T>>>) -> Option<u64> {
            Some(v.as_ref()?.first()?.len() as u64).filter(|&n| n > 0)
        }
        first(&self.float)
            .or_else(|| first(&self.int8))
            .or_else(|| first(&self.uint8))
            .or_else(|| {
                first(&self.binary)
                    .or_else(|| first(&self.ubinary))
                    .map(|n| n.saturating_mul(8))
            })
    }
}

/// The `meta` of an Embed response.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct EmbedMeta {
    /// Tokens billed.
    #[serde(deserialize_with = "object")]
    pub billed_units: Option<TokenCounts>,
    /// Tokens used.
    #[serde(deserialize_with = "object")]
    pub tokens: Option<TokenCounts>,
}

fn normalize(
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

impl RequestFacts<Cohere> for ChatRequest {
    fn request_model(&self) -> Option<&str> {
        Some(self.model.as_str()).filter(|m| !m.is_empty())
    }

    fn request_info(&self) -> RequestInfo<'_> {
        RequestInfo {
            model: RequestFacts::<Cohere>::request_model(self).map(Cow::Borrowed),
            temperature: self.temperature,
            top_p: self.p,
            top_k: self.k.map(|k| k as f64),
            max_tokens: self.max_tokens,
            stop_sequences: self
                .stop_sequences
                .iter()
                .map(|s| Cow::Borrowed(s.as_str()))
                .collect(),
            seed: self.seed,
            frequency_penalty: self.frequency_penalty,
            presence_penalty: self.presence_penalty,
            stream: self.stream,
            output_type: self.response_format.as_ref().and_then(output_type),
            ..RequestInfo::default()
        }
    }

    fn request_content(&self) -> Option<RequestContent> {
        chat_request_content(&serde_json::to_value(self).ok()?)
    }
}

impl RequestFacts<Cohere> for EmbedRequest {
    fn request_model(&self) -> Option<&str> {
        Some(self.model.as_str()).filter(|m| !m.is_empty())
    }

    fn request_info(&self) -> RequestInfo<'_> {
        RequestInfo {
            model: RequestFacts::<Cohere>::request_model(self).map(Cow::Borrowed),
            encoding_formats: self
                .embedding_types
                .iter()
                .map(|t| Cow::Borrowed(t.as_str()))
                .collect(),
            ..RequestInfo::default()
        }
    }
}

/// A Chat or Embed request body. The `max_tokens` of an Embed request (one
/// with `embedding_types`) truncates its input and is not reported.
impl RequestFacts<Cohere> for Value {
    fn request_model(&self) -> Option<&str> {
        self.get("model")?.as_str()
    }

    fn request_info(&self) -> RequestInfo<'_> {
        let embed = self.get("embedding_types").is_some();
        RequestInfo {
            model: str_at(self, "model"),
            temperature: f64_at(self, "temperature"),
            top_p: f64_at(self, "p"),
            top_k: f64_at(self, "k"),
            max_tokens: u64_at(self, "max_tokens").filter(|_| !embed),
            stop_sequences: strings_at(self, "stop_sequences"),
            seed: i64_at(self, "seed"),
            frequency_penalty: f64_at(self, "frequency_penalty"),
            presence_penalty: f64_at(self, "presence_penalty"),
            stream: bool_at(self, "stream"),
            output_type: self.get("response_format").and_then(output_type),
            encoding_formats: strings_at(self, "embedding_types"),
            ..RequestInfo::default()
        }
    }

    fn request_content(&self) -> Option<RequestContent> {
        chat_request_content(self)
    }
}

impl ResponseFacts<Cohere> for ChatResponse {
    fn response_info(&self) -> ResponseInfo<'_> {
        ResponseInfo {
            id: Some(Cow::Borrowed(self.id.as_str())).filter(|s| !s.is_empty()),
            finish_reasons: self
                .finish_reason
                .as_deref()
                .map(Cow::Borrowed)
                .into_iter()
                .collect(),
            usage: ResponseFacts::<Cohere>::usage(self),
            tool_calls: self
                .message
                .iter()
                .flat_map(|m| &m.tool_calls)
                .filter_map(|c| {
                    Some(ToolCall::new(
                        c.id.as_deref(),
                        c.function.as_ref()?.name.as_str(),
                    ))
                })
                .collect(),
            ..ResponseInfo::default()
        }
    }

    fn usage(&self) -> Option<Usage> {
        non_empty(self.usage?.into())
    }

    fn output_messages(&self) -> Option<Vec<OutputMessage>> {
        chat_output_messages(&serde_json::to_value(self).ok()?)
    }
}

impl ResponseFacts<Cohere> for EmbedResponse {
    fn response_info(&self) -> ResponseInfo<'_> {
        ResponseInfo {
            id: Some(Cow::Borrowed(self.id.as_str())).filter(|s| !s.is_empty()),
            usage: ResponseFacts::<Cohere>::usage(self),
            embeddings_dimension_count: self.embeddings.dimension_count(),
            ..ResponseInfo::default()
        }
    }

    fn usage(&self) -> Option<Usage> {
        let meta = self.meta?;
        non_empty(normalize(meta.tokens, meta.billed_units, None))
    }
}

/// A Chat or Embed response body; one with `embeddings` is read as Embed.
impl ResponseFacts<Cohere> for Value {
    fn response_info(&self) -> ResponseInfo<'_> {
        if let Some(embeddings) = self.get("embeddings") {
            return ResponseInfo {
                id: str_at(self, "id"),
                usage: ResponseFacts::<Cohere>::usage(self),
                embeddings_dimension_count: value_dimension_count(embeddings),
                ..ResponseInfo::default()
            };
        }
        let tool_calls = match self.get("message") {
            Some(m @ Value::Object(_)) => array_at(m, "tool_calls"),
            _ => &[],
        };
        ResponseInfo {
            id: str_at(self, "id"),
            finish_reasons: str_at(self, "finish_reason").into_iter().collect(),
            usage: ResponseFacts::<Cohere>::usage(self),
            tool_calls: tool_calls
                .iter()
                .filter_map(|c| {
                    Some(ToolCall {
                        id: str_at(c, "id"),
                        name: str_at(c.get("function")?, "name")?,
                    })
                })
                .collect(),
            ..ResponseInfo::default()
        }
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

    fn output_messages(&self) -> Option<Vec<OutputMessage>> {
        chat_output_messages(self)
    }
}

/// The content of a v2 Chat request body. Its messages have OpenAI's shape
/// (system messages in the history, `tool_calls`, `tool` messages), with
/// `thinking` parts, `document` parts, and an assistant's `tool_plan`.
fn chat_request_content(body: &Value) -> Option<RequestContent> {
    let messages = body.get("messages")?.as_array()?;
    Some(RequestContent {
        input_messages: messages
            .iter()
            .filter_map(|m| {
                let mut message = chat_input_message(m)?;
                if let Some(plan) = m.get("tool_plan").and_then(Value::as_str) {
                    message.parts.insert(0, Part::reasoning(plan));
                }
                Some(message)
            })
            .collect(),
        system_instructions: Vec::new(),
        tool_definitions: array_at(body, "tools")
            .iter()
            .filter_map(chat_tool_definition)
            .collect(),
    })
}

/// The one output message of a v2 Chat response body.
fn chat_output_messages(v: &Value) -> Option<Vec<OutputMessage>> {
    let message = v.get("message").filter(|m| m.is_object())?;
    let mut parts = Vec::new();
    if let Some(plan) = message.get("tool_plan").and_then(Value::as_str) {
        parts.push(Part::reasoning(plan));
    }
    chat_parts(message, &mut parts);
    Some(vec![OutputMessage::new(
        str_at(message, "role").unwrap_or(Cow::Borrowed("assistant")),
        parts,
        v.get("finish_reason").and_then(Value::as_str),
    )])
}

/// One event of a streamed v2 chat (`"stream": true`): `message-start`
/// (id), `tool-call-start` (tool calls), `message-end` (finish reason,
/// usage, and the `error` of a failed generation); the content events add
/// nothing to the facts.
impl ChunkFacts<Cohere> for Value {
    fn observe(&self, stream: &mut StreamFacts) {
        let delta = self.get("delta");
        match self.get("type").and_then(Value::as_str) {
            Some("content-delta") => {
                let text = delta
                    .and_then(|d| d.get("message"))
                    .and_then(|m| m.get("content"))
                    .and_then(|c| c.get("text"))
                    .and_then(Value::as_str);
                if let Some(text) = text {
                    stream.text(0, text);
                }
            }
            Some("message-start") => {
                if let Some(id) = self.get("id").and_then(Value::as_str) {
                    stream.id(id);
                }
                stream.choice(0);
            }
            Some("tool-call-start") => {
                let call = delta
                    .and_then(|d| d.get("message"))
                    .and_then(|m| m.get("tool_calls"));
                if let Some(call) = call {
                    let name = call.get("function").and_then(|f| f.get("name"));
                    if let Some(name) = name.and_then(Value::as_str) {
                        stream.tool_call(call.get("id").and_then(Value::as_str), name);
                    }
                }
            }
            Some("message-end") => {
                let Some(delta) = delta else {
                    return;
                };
                if let Some(reason) = delta.get("finish_reason").and_then(Value::as_str) {
                    stream.finish_reason(0, reason);
                }
                if let Some(usage) = delta.get("usage").and_then(chat_usage) {
                    stream.merge_usage(usage);
                }
                // A generation that failed midway ends with its message:
                // the call failed, under its finish reason (`ERROR`).
                let error = delta.get("error").and_then(Value::as_str);
                if let Some(message) = error.filter(|e| !e.is_empty()) {
                    let kind = delta
                        .get("finish_reason")
                        .and_then(Value::as_str)
                        .filter(|r| !r.is_empty())
                        .unwrap_or("error");
                    stream.__fail(Cow::Owned(kind.to_owned()), &message);
                }
            }
            _ => {}
        }
    }
}

/// The normalized `usage` of a raw v2 chat response (or of a stream's
/// `message-end`).
fn chat_usage(u: &Value) -> Option<Usage> {
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn raw(body: &Value) -> ResponseInfo<'_> {
        ResponseFacts::<Cohere>::response_info(body)
    }

    fn typed_chat(body: &Value) -> ChatResponse {
        serde_json::from_value(body.clone()).expect("a Chat response")
    }

    /// The plain answer of the Chat reference.
    fn plain() -> Value {
        json!({
            "id": "c14c80c3-18eb-4519-9460-6c92edd8cfb4",
            "finish_reason": "COMPLETE",
            "message": {
                "role": "assistant",
                "content": [{"type": "text", "text": "LLMs stand for Large Language Models."}]
            },
            "usage": {
                "billed_units": {"input_tokens": 17, "output_tokens": 10},
                "tokens": {"input_tokens": 17, "output_tokens": 10}
            }
        })
    }

    /// A tool call, as in the tool-use guide; counts written as floats.
    fn tool_call() -> Value {
        json!({
            "id": "4b3a4f2e-0c1d-4d4b-8b0a-2d6f0b8f1b11",
            "finish_reason": "TOOL_CALL",
            "message": {
                "role": "assistant",
                "tool_plan": "I will look up the weather in Toronto.",
                "tool_calls": [
                    {
                        "id": "get_weather_1byjy32y4hvq",
                        "type": "function",
                        "function": {"name": "get_weather", "arguments": "{\"location\":\"Toronto\"}"}
                    },
                    {
                        "id": "get_time_2kxq",
                        "type": "function",
                        "function": {"name": "get_time", "arguments": "{}"}
                    }
                ]
            },
            "usage": {
                "billed_units": {"input_tokens": 37.0, "output_tokens": 28.0},
                "tokens": {"input_tokens": 1014.0, "output_tokens": 57.0}
            }
        })
    }

    /// Billed units well below the tokens used (prompt template and
    /// reasoning are not billed), with cached prompt tokens.
    fn billed_differs() -> Value {
        json!({
            "id": "d5b4e2a0-7f7e-4c6c-9b39-3f0d4a1f6c2e",
            "finish_reason": "MAX_TOKENS",
            "message": {
                "role": "assistant",
                "content": [
                    {"type": "thinking", "thinking": "The user wants a haiku..."},
                    {"type": "text", "text": "Autumn moonlight"}
                ]
            },
            "usage": {
                "billed_units": {"input_tokens": 120, "output_tokens": 300},
                "tokens": {"input_tokens": 1520, "output_tokens": 512},
                "cached_tokens": 1024
            }
        })
    }

    #[test]
    fn plain_chat() {
        let body = plain();
        let expected = ResponseInfo {
            id: Some("c14c80c3-18eb-4519-9460-6c92edd8cfb4".into()),
            model: None,
            finish_reasons: vec!["COMPLETE".into()],
            usage: Some(Usage {
                input_tokens: Some(17),
                output_tokens: Some(10),
                billable_input_tokens: Some(17),
                billable_output_tokens: Some(10),
                ..Usage::default()
            }),
            tool_calls: vec![],
            embeddings_dimension_count: None,
            provider_attributes: Vec::new(),
        };
        assert_eq!(raw(&body), expected);
        let typed = typed_chat(&body);
        assert_eq!(ResponseFacts::<Cohere>::response_info(&typed), expected);
        assert_eq!(ResponseFacts::<Cohere>::usage(&typed), expected.usage);
        assert_eq!(ResponseFacts::<Cohere>::usage(&body), expected.usage);
        assert_eq!(ResponseFacts::<Cohere>::response_model(&typed), None);
        assert_eq!(typed.text(), "LLMs stand for Large Language Models.");
    }

    #[test]
    fn tool_call_chat() {
        let body = tool_call();
        let expected = ResponseInfo {
            id: Some("4b3a4f2e-0c1d-4d4b-8b0a-2d6f0b8f1b11".into()),
            model: None,
            finish_reasons: vec!["TOOL_CALL".into()],
            usage: Some(Usage {
                input_tokens: Some(1014),
                output_tokens: Some(57),
                billable_input_tokens: Some(37),
                billable_output_tokens: Some(28),
                ..Usage::default()
            }),
            tool_calls: vec![
                ToolCall::new(Some("get_weather_1byjy32y4hvq"), "get_weather"),
                ToolCall::new(Some("get_time_2kxq"), "get_time"),
            ],
            embeddings_dimension_count: None,
            provider_attributes: Vec::new(),
        };
        assert_eq!(raw(&body), expected);
        let typed = typed_chat(&body);
        assert_eq!(ResponseFacts::<Cohere>::response_info(&typed), expected);
        let message = typed.message.as_ref().unwrap();
        assert_eq!(
            message.tool_plan.as_deref(),
            Some("I will look up the weather in Toronto.")
        );
        assert_eq!(
            message.tool_calls[0]
                .function
                .as_ref()
                .unwrap()
                .arguments
                .as_deref(),
            Some("{\"location\":\"Toronto\"}")
        );
    }

    #[test]
    fn billed_units_differ_from_tokens() {
        let body = billed_differs();
        let expected = ResponseInfo {
            id: Some("d5b4e2a0-7f7e-4c6c-9b39-3f0d4a1f6c2e".into()),
            model: None,
            finish_reasons: vec!["MAX_TOKENS".into()],
            usage: Some(Usage {
                input_tokens: Some(1520),
                output_tokens: Some(512),
                cache_read_input_tokens: Some(1024),
                cache_write_input_tokens: None,
                reasoning_output_tokens: None,
                billable_input_tokens: Some(120),
                billable_output_tokens: Some(300),
            }),
            tool_calls: vec![],
            embeddings_dimension_count: None,
            provider_attributes: Vec::new(),
        };
        assert_eq!(raw(&body), expected);
        let typed = typed_chat(&body);
        assert_eq!(ResponseFacts::<Cohere>::response_info(&typed), expected);
        assert_eq!(typed.text(), "Autumn moonlight");
    }

    #[test]
    fn billed_units_alone_stand_in_for_tokens() {
        let body =
            json!({"id": "x", "usage": {"billed_units": {"input_tokens": 5, "output_tokens": 2}}});
        let expected = Some(Usage {
            input_tokens: Some(5),
            output_tokens: Some(2),
            billable_input_tokens: Some(5),
            billable_output_tokens: Some(2),
            ..Usage::default()
        });
        assert_eq!(raw(&body).usage, expected);
        assert_eq!(ResponseFacts::<Cohere>::usage(&typed_chat(&body)), expected);
    }

    #[test]
    fn chat_request_facts() {
        let body = json!({
            "model": "command-a-03-2025",
            "messages": [
                {"role": "system", "content": "Be brief."},
                {"role": "user", "content": "Hello"}
            ],
            "temperature": 0.3,
            "p": 0.75,
            "k": 40,
            "max_tokens": 256,
            "stop_sequences": ["END"],
            "seed": 42,
            "frequency_penalty": 0.1,
            "presence_penalty": 0.2,
            "stream": false,
            "response_format": {"type": "json_object"},
            "safety_mode": "CONTEXTUAL"
        });
        let expected = RequestInfo {
            model: Some("command-a-03-2025".into()),
            temperature: Some(0.3),
            top_p: Some(0.75),
            top_k: Some(40.0),
            max_tokens: Some(256),
            stop_sequences: vec!["END".into()],
            seed: Some(42),
            choice_count: None,
            frequency_penalty: Some(0.1),
            presence_penalty: Some(0.2),
            stream: Some(false),
            output_type: Some("json".into()),
            encoding_formats: Vec::new(),
            provider_attributes: Vec::new(),
        };
        assert_eq!(RequestFacts::<Cohere>::request_info(&body), expected);
        assert_eq!(
            RequestFacts::<Cohere>::request_model(&body),
            Some("command-a-03-2025")
        );
        let typed: ChatRequest = serde_json::from_value(body.clone()).unwrap();
        assert_eq!(RequestFacts::<Cohere>::request_info(&typed), expected);
        assert_eq!(typed.extra.get("safety_mode"), Some(&json!("CONTEXTUAL")));
        // A round trip keeps every field.
        assert_eq!(serde_json::to_value(&typed).unwrap(), body);

        let built = ChatRequest::new("command-r", vec![Message::system("s"), Message::user("u")]);
        assert_eq!(
            RequestFacts::<Cohere>::request_info(&built),
            RequestInfo {
                model: Some("command-r".into()),
                ..RequestInfo::default()
            }
        );
        assert_eq!(built.messages[1].role, "user");
    }

    /// The Embed reference's answer, shortened to 4 dimensions.
    fn embed_body() -> Value {
        json!({
            "id": "da6e531f-54c6-4a73-bf92-f60566d8d753",
            "embeddings": {
                "float": [[0.016296387, -0.008354187, -0.04699707, 0.012207031], [0.1, 0.2, 0.3, 0.4]],
                "int8": [[-21, -11, -60, 15], [1, 2, 3, 4]]
            },
            "texts": ["hello", "goodbye"],
            "meta": {
                "api_version": {"version": "2"},
                "billed_units": {"input_tokens": 2}
            },
            "response_type": "embeddings_by_type"
        })
    }

    #[test]
    fn embed_response() {
        let body = embed_body();
        let expected = ResponseInfo {
            id: Some("da6e531f-54c6-4a73-bf92-f60566d8d753".into()),
            model: None,
            finish_reasons: vec![],
            usage: Some(Usage {
                input_tokens: Some(2),
                billable_input_tokens: Some(2),
                ..Usage::default()
            }),
            tool_calls: vec![],
            embeddings_dimension_count: Some(4),
            provider_attributes: Vec::new(),
        };
        assert_eq!(raw(&body), expected);
        let typed: EmbedResponse = serde_json::from_value(body.clone()).unwrap();
        assert_eq!(ResponseFacts::<Cohere>::response_info(&typed), expected);
        assert_eq!(ResponseFacts::<Cohere>::usage(&typed), expected.usage);
        assert_eq!(typed.texts, ["hello", "goodbye"]);

        // Packed binary vectors: 8 dimensions a byte; used tokens from meta.tokens.
        let binary = json!({
            "id": "b",
            "embeddings": {"ubinary": [[12, 255, 3]]},
            "meta": {"billed_units": {"input_tokens": 3}, "tokens": {"input_tokens": 7}}
        });
        let info = raw(&binary);
        assert_eq!(info.embeddings_dimension_count, Some(24));
        assert_eq!(
            info.usage,
            Some(Usage {
                input_tokens: Some(7),
                billable_input_tokens: Some(3),
                ..Usage::default()
            })
        );
        let typed: EmbedResponse = serde_json::from_value(binary.clone()).unwrap();
        assert_eq!(ResponseFacts::<Cohere>::response_info(&typed), info);

        // A v1 body (`embeddings` a list of float vectors) read raw.
        let v1 = json!({"id": "v1", "embeddings": [[0.1, 0.2, 0.3]], "meta": {"billed_units": {"input_tokens": 1}}});
        assert_eq!(raw(&v1).embeddings_dimension_count, Some(3));
        assert_eq!(raw(&v1).usage.unwrap().input_tokens, Some(1));
    }

    #[test]
    fn embed_request_facts() {
        let body = json!({
            "model": "embed-v4.0",
            "texts": ["hello", "goodbye"],
            "input_type": "classification",
            "embedding_types": ["float", "int8"],
            "output_dimension": 1024,
            "max_tokens": 512
        });
        let expected = RequestInfo {
            model: Some("embed-v4.0".into()),
            encoding_formats: vec!["float".into(), "int8".into()],
            ..RequestInfo::default()
        };
        // `max_tokens` of an embed request truncates input; it is not an output limit.
        assert_eq!(RequestFacts::<Cohere>::request_info(&body), expected);
        let typed: EmbedRequest = serde_json::from_value(body.clone()).unwrap();
        assert_eq!(RequestFacts::<Cohere>::request_info(&typed), expected);
        assert_eq!(typed.output_dimension, Some(1024));
        assert_eq!(serde_json::to_value(&typed).unwrap(), body);
    }

    #[test]
    fn malformed_bodies_give_no_usage_and_no_panic() {
        let huge = "x".repeat(1 << 20);
        let bodies = [
            json!({"id": "no-usage", "finish_reason": "COMPLETE", "message": {"role": "assistant", "content": []}}),
            json!({"usage": {}}),
            json!({"usage": null}),
            json!({"usage": "17 tokens"}),
            json!({"usage": [17, 10]}),
            json!({"usage": {"tokens": [17, 10], "billed_units": [5, 2]}}),
            json!({"usage": {"tokens": {"input_tokens": "17", "output_tokens": true}}}),
            json!({"usage": {"tokens": {"input_tokens": -17, "output_tokens": -1.0}}}),
            json!({"usage": {"tokens": {"input_tokens": 1.5, "output_tokens": 1e300}}}),
            json!({"usage": {"tokens": {"input_tokens": huge.clone()}}, "id": huge.clone()}),
            json!({"message": [], "finish_reason": 7, "id": {}}),
            json!({"message": {"tool_calls": {"id": "x"}}}),
            json!({"message": {"tool_calls": [{"function": []}, 3, {"function": {"name": 5}}]}}),
            json!({"embeddings": {"float": "nope"}, "meta": []}),
            json!({"embeddings": {"float": [[]]}, "meta": {"billed_units": {"input_tokens": -3}}}),
            json!({"embeddings": [], "meta": {"billed_units": [3]}}),
            json!([1, 2, 3]),
            json!(huge.clone()),
            json!(null),
        ];
        for body in &bodies {
            let info = raw(body);
            assert_eq!(info.usage, None, "{body:.80}");
            assert!(info.tool_calls.is_empty());
            assert_eq!(info.embeddings_dimension_count, None);
            assert_eq!(ResponseFacts::<Cohere>::usage(body), None);
            let _ = RequestFacts::<Cohere>::request_info(body);
            // Typed reading refuses what it cannot read, or reads no usage.
            if let Ok(typed) = serde_json::from_value::<ChatResponse>(body.clone()) {
                assert_eq!(ResponseFacts::<Cohere>::usage(&typed), None, "{body:.80}");
            }
            if let Ok(typed) = serde_json::from_value::<EmbedResponse>(body.clone()) {
                assert_eq!(ResponseFacts::<Cohere>::usage(&typed), None, "{body:.80}");
                assert_eq!(typed.embeddings.dimension_count(), None);
            }
        }
        assert_eq!(raw(&bodies[9]).id.map(|s| s.len()), Some(1 << 20));
    }

    #[test]
    fn typed_wrong_types_are_errors() {
        let wrong = [
            json!({"usage": {"tokens": {"input_tokens": "17"}}}),
            json!({"usage": {"tokens": {"input_tokens": -17}}}),
            json!({"usage": {"tokens": {"input_tokens": 1.5}}}),
            json!({"usage": {"tokens": [17, 10]}}),
            json!({"usage": {"billed_units": [1, 2]}}),
            json!({"usage": [17, 10]}),
            json!({"message": []}),
            json!({"message": {"content": [["text", "hi"]]}}),
            json!({"message": {"tool_calls": {"id": "x"}}}),
            json!({"message": {"tool_calls": [["id", "function"]]}}),
            json!({"message": {"tool_calls": [{"function": ["get_weather"]}]}}),
            json!({"finish_reason": 7}),
            json!({"id": {}}),
            json!([1, 2, 3]),
        ];
        for body in &wrong {
            assert!(
                serde_json::from_value::<ChatResponse>(body.clone()).is_err(),
                "{body}"
            );
        }
        for body in [
            json!({"embeddings": {"float": "nope"}}),
            json!({"embeddings": [[0.1, 0.2]]}),
            json!({"meta": {"billed_units": {"input_tokens": -3}}}),
            json!({"meta": {"billed_units": [3]}}),
            json!({"meta": []}),
        ] {
            assert!(
                serde_json::from_value::<EmbedResponse>(body.clone()).is_err(),
                "{body}"
            );
        }
        assert!(
            serde_json::from_value::<ChatRequest>(json!({"model": "m", "messages": {}})).is_err()
        );
        assert!(serde_json::from_value::<ChatRequest>(
            json!({"model": "m", "messages": [], "k": -1})
        )
        .is_err());
        assert!(serde_json::from_str::<ChatResponse>(
            "{\"usage\": {\"tokens\": {\"input_tokens\": 1e400}}}"
        )
        .is_err());
    }
}
