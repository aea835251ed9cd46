//! Ollama's native API: `POST /api/chat` and `POST /api/embed`.
//!
//! Normalization (source: Ollama's API reference, `docs/api.md`, and the
//! `api` package of the Ollama server):
//!
//! - `gen_ai.usage.input_tokens` is `prompt_eval_count`, and
//!   `gen_ai.usage.output_tokens` is `eval_count` (thinking included: Ollama
//!   counts every generated token and reports no reasoning count apart).
//!   Ollama omits `prompt_eval_count` when it is zero, which happens when the
//!   whole prompt was served from its KV cache: the input count is then
//!   absent, not zero. Ollama reports no cache counts.
//! - `done_reason` (`stop`, `length`, `load`, `unload`) is the finish reason;
//!   `model` is the response model; responses carry no id.
//! - Embed responses give input tokens from `prompt_eval_count` and the
//!   dimension count from the length of the first embedding. The
//!   `embeddings` operation is named by the annotation
//!   (`#[llm_call(provider = "ollama", operation = "embeddings")]`).
//! - Request parameters live in `options`: `num_predict` is the output token
//!   limit (negative values mean "no limit" and are not reported); a
//!   `format` (`"json"` or a JSON schema) makes `gen_ai.output.type` `json`.
//!
//! Raw [`serde_json::Value`] bodies give the same facts as the typed ones; a
//! chat body is told from an embed body by its `embeddings` field (or the
//! `embedding` field of the older `/api/embeddings`).

use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::value::{
    array_at, bool_at, f64_at, i64_at, str_at, string_at, strings_at, text_at, u64_at,
};
use super::wire::chat_message::chat_tool_definition;
use super::wire::de::{null_default, object, object_or_default, objects};
use super::{
    ChunkFacts, Provider, RequestFacts, RequestInfo, ResponseFacts, ResponseInfo, StreamFacts,
    ToolCall, Usage,
};
use crate::content::{InputMessage, OutputMessage, Part, RequestContent};

/// Ollama (`gen_ai.provider.name = "ollama"`), its native chat and embed API.
#[derive(Debug, Clone, Copy, Default)]
pub struct Ollama;

impl Provider for Ollama {
    const NAME: &'static str = "ollama";
    const DEFAULT_OPERATION: &'static str = "chat";
    const SERVER_ADDRESS: Option<&'static str> = Some("localhost");
    const SERVER_PORT: Option<u16> = Some(11434);
}

/// An `/api/chat` request body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChatRequest {
    /// Model name, e.g. `llama3.2` or `qwen3:8b`.
    pub model: String,
    /// The conversation so far.
    pub messages: Vec<Message>,
    /// Model parameters.
    #[serde(
        default,
        deserialize_with = "object",
        skip_serializing_if = "Option::is_none"
    )]
    pub options: Option<Options>,
    /// Stream the answer as JSON lines (Ollama's default when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream: Option<bool>,
    /// `"json"` or a JSON schema.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<Value>,
    /// Tool definitions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tools: Option<Vec<Value>>,
    /// Every other request field (`think`, `keep_alive`, ...), passed through.
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

/// `options` of a request: the model parameters read here, and the rest.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Options {
    /// Sampling temperature.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f64>,
    /// Nucleus sampling mass.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_p: Option<f64>,
    /// Top-k sampling.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_k: Option<u64>,
    /// Output token limit (`-1`: none, `-2`: fill the context).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub num_predict: Option<i64>,
    /// Stop sequences.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stop: Vec<String>,
    /// Sampling seed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<i64>,
    /// Context window size.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub num_ctx: Option<u64>,
    /// Frequency penalty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frequency_penalty: Option<f64>,
    /// Presence penalty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub presence_penalty: Option<f64>,
    /// Every other option, passed through as given.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One chat message, of a request or a response.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Message {
    /// `system`, `user`, `assistant` or `tool`.
    pub role: String,
    /// Text content.
    #[serde(deserialize_with = "null_default")]
    pub content: String,
    /// The model's reasoning, for thinking models.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thinking: Option<String>,
    /// Base64-encoded images.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub images: Option<Vec<String>>,
    /// Tool calls the model asked for.
    #[serde(deserialize_with = "objects", skip_serializing_if = "Vec::is_empty")]
    pub tool_calls: Vec<ChatToolCall>,
    /// Every other message field (`tool_name`, ...).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Message {
    /// A `system` message.
    pub fn system(text: impl Into<String>) -> Self {
        Message::text("system", text)
    }
    /// A `user` message.
    pub fn user(text: impl Into<String>) -> Self {
        Message::text("user", text)
    }
    /// An `assistant` message.
    pub fn assistant(text: impl Into<String>) -> Self {
        Message::text("assistant", text)
    }
    fn text(role: &str, text: impl Into<String>) -> Self {
        Message {
            role: role.into(),
            content: text.into(),
            ..Message::default()
        }
    }
}

/// A tool call of a message.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ChatToolCall {
    /// Tool call id, where the server gives one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The function called.
    #[serde(deserialize_with = "object_or_default")]
    pub function: FunctionCall,
}

/// The function of a [`ChatToolCall`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FunctionCall {
    /// Position among the calls, where the server gives it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<u64>,
    /// Tool name.
    pub name: String,
    /// Arguments, a JSON object.
    pub arguments: Value,
}

/// An `/api/chat` response body (the whole reply, or the last streamed line).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ChatResponse {
    /// The model that answered.
    pub model: String,
    /// RFC 3339 creation time.
    pub created_at: String,
    /// The generated message.
    #[serde(deserialize_with = "object")]
    pub message: Option<Message>,
    /// Whether this is the last part of the reply.
    pub done: bool,
    /// `stop`, `length`, `load`, `unload`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub done_reason: Option<String>,
    /// Total time, in nanoseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_duration: Option<u64>,
    /// Model load time, in nanoseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub load_duration: Option<u64>,
    /// Prompt tokens evaluated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prompt_eval_count: Option<u64>,
    /// Prompt evaluation time, in nanoseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prompt_eval_duration: Option<u64>,
    /// Tokens generated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eval_count: Option<u64>,
    /// Generation time, in nanoseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eval_duration: Option<u64>,
}

impl ChatResponse {
    /// The message text.
    pub fn text(&self) -> &str {
        self.message.as_ref().map_or("", |m| m.content.as_str())
    }
}

/// An `/api/embed` request body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EmbedRequest {
    /// Model name, e.g. `embeddinggemma`.
    pub model: String,
    /// A text or a list of texts.
    pub input: EmbedInput,
    /// Requested embedding length, for models that support it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dimensions: Option<u64>,
    /// Truncate inputs longer than the context (Ollama's default) or fail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub truncate: Option<bool>,
    /// Every other request field (`options`, `keep_alive`, ...), passed through.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The `input` of an embed request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum EmbedInput {
    /// One text.
    Text(String),
    /// Several texts.
    Texts(Vec<String>),
}

impl Default for EmbedInput {
    fn default() -> Self {
        EmbedInput::Texts(Vec::new())
    }
}

/// An `/api/embed` response body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EmbedResponse {
    /// The model that embedded.
    pub model: String,
    /// One embedding per input.
    #[serde(deserialize_with = "null_default")]
    pub embeddings: Vec<Vec<f64>>,
    /// Total time, in nanoseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_duration: Option<u64>,
    /// Model load time, in nanoseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub load_duration: Option<u64>,
    /// Input tokens.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prompt_eval_count: Option<u64>,
}

fn usage(input: Option<u64>, output: Option<u64>) -> Option<Usage> {
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

impl RequestFacts<Ollama> for ChatRequest {
    fn request_model(&self) -> Option<&str> {
        Some(self.model.as_str()).filter(|m| !m.is_empty())
    }

    fn request_info(&self) -> RequestInfo<'_> {
        let o = self.options.as_ref();
        RequestInfo {
            model: non_empty(&self.model),
            temperature: o.and_then(|o| o.temperature),
            top_p: o.and_then(|o| o.top_p),
            top_k: o.and_then(|o| o.top_k).map(|k| k as f64),
            max_tokens: o
                .and_then(|o| o.num_predict)
                .and_then(|n| u64::try_from(n).ok()),
            stop_sequences: o
                .map(|o| o.stop.iter().map(|s| Cow::Borrowed(s.as_str())).collect())
                .unwrap_or_default(),
            seed: o.and_then(|o| o.seed),
            frequency_penalty: o.and_then(|o| o.frequency_penalty),
            presence_penalty: o.and_then(|o| o.presence_penalty),
            stream: self.stream,
            output_type: self.format.as_ref().and_then(output_type),
            ..RequestInfo::default()
        }
    }

    fn request_content(&self) -> Option<RequestContent> {
        request_content(&serde_json::to_value(self).ok()?)
    }
}

impl RequestFacts<Ollama> for EmbedRequest {
    fn request_model(&self) -> Option<&str> {
        Some(self.model.as_str()).filter(|m| !m.is_empty())
    }

    fn request_info(&self) -> RequestInfo<'_> {
        RequestInfo {
            model: non_empty(&self.model),
            ..RequestInfo::default()
        }
    }
}

/// A chat or embed request body.
impl RequestFacts<Ollama> for Value {
    fn request_model(&self) -> Option<&str> {
        self.get("model")?.as_str()
    }

    fn request_info(&self) -> RequestInfo<'_> {
        static NONE: Value = Value::Null;
        let o = self.get("options").unwrap_or(&NONE);
        RequestInfo {
            model: str_at(self, "model"),
            temperature: f64_at(o, "temperature"),
            top_p: f64_at(o, "top_p"),
            top_k: f64_at(o, "top_k"),
            max_tokens: u64_at(o, "num_predict"),
            stop_sequences: strings_at(o, "stop"),
            seed: i64_at(o, "seed"),
            frequency_penalty: f64_at(o, "frequency_penalty"),
            presence_penalty: f64_at(o, "presence_penalty"),
            stream: bool_at(self, "stream"),
            output_type: self.get("format").and_then(output_type),
            ..RequestInfo::default()
        }
    }

    fn request_content(&self) -> Option<RequestContent> {
        request_content(self)
    }
}

impl ResponseFacts<Ollama> for ChatResponse {
    fn response_info(&self) -> ResponseInfo<'_> {
        ResponseInfo {
            model: non_empty(&self.model),
            finish_reasons: self
                .done_reason
                .as_deref()
                .map(Cow::Borrowed)
                .into_iter()
                .collect(),
            usage: ResponseFacts::<Ollama>::usage(self),
            tool_calls: self
                .message
                .iter()
                .flat_map(|m| &m.tool_calls)
                .map(|c| ToolCall::new(c.id.as_deref(), c.function.name.as_str()))
                .collect(),
            ..ResponseInfo::default()
        }
    }

    fn usage(&self) -> Option<Usage> {
        usage(self.prompt_eval_count, self.eval_count)
    }

    fn response_model(&self) -> Option<&str> {
        Some(self.model.as_str()).filter(|m| !m.is_empty())
    }

    fn output_messages(&self) -> Option<Vec<OutputMessage>> {
        output_messages(&serde_json::to_value(self).ok()?)
    }
}

impl ResponseFacts<Ollama> for EmbedResponse {
    fn response_info(&self) -> ResponseInfo<'_> {
        ResponseInfo {
            model: non_empty(&self.model),
            usage: ResponseFacts::<Ollama>::usage(self),
            embeddings_dimension_count: self
                .embeddings
                .first()
                .map(|e| e.len() as u64)
                .filter(|&n| n > 0),
            ..ResponseInfo::default()
        }
    }

    fn usage(&self) -> Option<Usage> {
        usage(self.prompt_eval_count, None)
    }

    fn response_model(&self) -> Option<&str> {
        Some(self.model.as_str()).filter(|m| !m.is_empty())
    }
}

/// A chat or embed response body; one with `embeddings` (or `embedding`) is
/// read as embed.
impl ResponseFacts<Ollama> for Value {
    fn response_info(&self) -> ResponseInfo<'_> {
        if is_embed(self) {
            let first = match (self.get("embeddings"), self.get("embedding")) {
                (Some(Value::Array(all)), _) => all.first(),
                (_, Some(one)) => Some(one),
                _ => None,
            };
            return ResponseInfo {
                model: str_at(self, "model"),
                usage: ResponseFacts::<Ollama>::usage(self),
                embeddings_dimension_count: match first {
                    Some(Value::Array(e)) if !e.is_empty() => Some(e.len() as u64),
                    _ => None,
                },
                ..ResponseInfo::default()
            };
        }
        ResponseInfo {
            model: str_at(self, "model"),
            finish_reasons: str_at(self, "done_reason").into_iter().collect(),
            usage: ResponseFacts::<Ollama>::usage(self),
            tool_calls: self
                .get("message")
                .map(|m| array_at(m, "tool_calls"))
                .unwrap_or_default()
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
        let output = if is_embed(self) {
            None
        } else {
            u64_at(self, "eval_count")
        };
        usage(u64_at(self, "prompt_eval_count"), output)
    }

    fn response_model(&self) -> Option<&str> {
        self.get("model")?.as_str()
    }

    fn output_messages(&self) -> Option<Vec<OutputMessage>> {
        output_messages(self)
    }
}

/// The content of an `/api/chat` body (`messages`, `tools`), or of an
/// `/api/generate` body (`prompt` as a user message, `system` as system
/// instructions).
fn request_content(body: &Value) -> Option<RequestContent> {
    if let Some(prompt) = body.get("prompt").and_then(Value::as_str) {
        let mut parts = vec![Part::text(prompt)];
        parts.extend(images(body));
        return Some(RequestContent {
            input_messages: vec![InputMessage::new("user", parts)],
            system_instructions: str_at(body, "system")
                .map(|s| vec![Part::text(s)])
                .unwrap_or_default(),
            tool_definitions: Vec::new(),
        });
    }
    let messages = body.get("messages")?.as_array()?;
    Some(RequestContent {
        input_messages: messages
            .iter()
            .filter_map(|m| {
                let role = m.get("role")?.as_str()?;
                let parts = if role == "tool" {
                    vec![Part::tool_call_response(
                        string_at(m, "tool_call_id"),
                        m.get("content").cloned().unwrap_or(Value::Null),
                    )]
                } else {
                    message_parts(m)
                };
                Some(InputMessage {
                    name: string_at(m, "tool_name"),
                    ..InputMessage::new(role, parts)
                })
            })
            .collect(),
        system_instructions: Vec::new(),
        tool_definitions: array_at(body, "tools")
            .iter()
            .filter_map(chat_tool_definition)
            .collect(),
    })
}

/// Base64 `images` as blobs (Ollama does not say their type).
fn images(m: &Value) -> impl Iterator<Item = Part> + '_ {
    array_at(m, "images").iter().filter_map(|i| {
        Some(Part::Blob {
            mime_type: None,
            modality: "image".to_owned(),
            content: i.as_str()?.to_owned(),
        })
    })
}

/// Thinking, text, images and tool calls (arguments are a JSON object).
fn message_parts(m: &Value) -> Vec<Part> {
    let mut parts = Vec::new();
    if let Some(thinking) = m.get("thinking").and_then(Value::as_str) {
        parts.push(Part::reasoning(thinking));
    }
    if let Some(text) = m.get("content").and_then(Value::as_str) {
        if !text.is_empty() {
            parts.push(Part::text(text));
        }
    }
    parts.extend(images(m));
    for call in array_at(m, "tool_calls") {
        let function = call.get("function").unwrap_or(&Value::Null);
        parts.push(Part::tool_call(
            string_at(call, "id"),
            text_at(function, "name"),
            function.get("arguments").cloned().unwrap_or(Value::Null),
        ));
    }
    parts
}

/// The one output message of an `/api/chat` or `/api/generate` response.
fn output_messages(v: &Value) -> Option<Vec<OutputMessage>> {
    let reason = v.get("done_reason").and_then(Value::as_str);
    if let Some(message) = v.get("message").filter(|m| m.is_object()) {
        return Some(vec![OutputMessage::new(
            str_at(message, "role").unwrap_or(Cow::Borrowed("assistant")),
            message_parts(message),
            reason,
        )]);
    }
    let text = v.get("response")?.as_str()?;
    let mut parts = Vec::new();
    if let Some(thinking) = v.get("thinking").and_then(Value::as_str) {
        parts.push(Part::reasoning(thinking));
    }
    parts.push(Part::text(text));
    Some(vec![OutputMessage::new("assistant", parts, reason)])
}

/// One NDJSON line of a streamed `/api/chat` reply: a piece of the message,
/// and on the last line (`"done": true`) the reason and the counts.
impl ChunkFacts<Ollama> for ChatResponse {
    fn observe(&self, stream: &mut StreamFacts) {
        stream.model(&self.model);
        stream.choice(0);
        if let Some(message) = &self.message {
            stream.text(0, &message.content);
        }
        for call in self.message.iter().flat_map(|m| &m.tool_calls) {
            stream.tool_call(call.id.as_deref(), &call.function.name);
        }
        if let Some(reason) = &self.done_reason {
            stream.finish_reason(0, reason);
        }
        if let Some(usage) = usage(self.prompt_eval_count, self.eval_count) {
            stream.merge_usage(usage);
        }
    }
}

impl ChunkFacts<Ollama> for Value {
    fn observe(&self, stream: &mut StreamFacts) {
        if let Some(error) = self.get("error") {
            // `{"error": "..."}` ends a stream that failed midway.
            let message = error.as_str().unwrap_or("");
            stream.__fail(Cow::Borrowed("error"), &message);
            return;
        }
        if let Some(model) = self.get("model").and_then(Value::as_str) {
            stream.model(model);
        }
        stream.choice(0);
        if let Some(message) = self.get("message").filter(|_| stream.captures_content()) {
            if let Some(text) = message.get("content").and_then(Value::as_str) {
                stream.text(0, text);
            }
            if let Some(text) = message.get("thinking").and_then(Value::as_str) {
                stream.reasoning(0, text);
            }
        }
        let calls = self
            .get("message")
            .map_or(&[][..], |m| array_at(m, "tool_calls"));
        for call in calls {
            let name = call.get("function").and_then(|f| f.get("name"));
            if let Some(name) = name.and_then(Value::as_str) {
                stream.tool_call(call.get("id").and_then(Value::as_str), name);
            }
        }
        if let Some(reason) = self.get("done_reason").and_then(Value::as_str) {
            stream.finish_reason(0, reason);
        }
        if let Some(usage) = usage(
            u64_at(self, "prompt_eval_count"),
            u64_at(self, "eval_count"),
        ) {
            stream.merge_usage(usage);
        }
    }
}

fn is_embed(v: &Value) -> bool {
    v.get("embeddings").is_some() || v.get("embedding").is_some()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn raw(body: &Value) -> ResponseInfo<'_> {
        ResponseFacts::<Ollama>::response_info(body)
    }

    fn typed_chat(body: &Value) -> ChatResponse {
        serde_json::from_value(body.clone()).expect("a chat response")
    }

    /// "Chat request (Structured outputs)" of the API reference.
    fn plain() -> Value {
        json!({
            "model": "llama3.1",
            "created_at": "2024-12-06T00:46:58.265747Z",
            "message": {"role": "assistant", "content": "{\"age\": 22, \"available\": false}"},
            "done_reason": "stop",
            "done": true,
            "total_duration": 2254970291u64,
            "load_duration": 574751416,
            "prompt_eval_count": 34,
            "prompt_eval_duration": 1502000000,
            "eval_count": 12,
            "eval_duration": 175000000
        })
    }

    /// "Chat request (with tools)" of the API reference.
    fn tool_call() -> Value {
        json!({
            "model": "llama3.2",
            "created_at": "2024-07-22T20:33:28.123648Z",
            "message": {
                "role": "assistant",
                "content": "",
                "tool_calls": [
                    {
                        "function": {
                            "name": "get_current_weather",
                            "arguments": {"format": "celsius", "location": "Paris, FR"}
                        }
                    },
                    {
                        "id": "call_7f3a",
                        "function": {"index": 1, "name": "get_time", "arguments": {}}
                    }
                ]
            },
            "done_reason": "stop",
            "done": true,
            "total_duration": 885095291,
            "load_duration": 3753500,
            "prompt_eval_count": 122,
            "prompt_eval_duration": 328493000,
            "eval_count": 33,
            "eval_duration": 552222000
        })
    }

    /// A thinking model (`"think": true`) stopped by the output limit.
    fn thinking() -> Value {
        json!({
            "model": "qwen3:8b",
            "created_at": "2025-05-29T09:35:56.836222Z",
            "message": {
                "role": "assistant",
                "content": "The answer is 42",
                "thinking": "The user asks for the answer. Let me think step by step..."
            },
            "done_reason": "length",
            "done": true,
            "total_duration": 4083443000u64,
            "load_duration": 20876000,
            "prompt_eval_count": 17,
            "prompt_eval_duration": 96000000,
            "eval_count": 256,
            "eval_duration": 3960000000u64
        })
    }

    #[test]
    fn plain_chat() {
        let body = plain();
        let expected = ResponseInfo {
            id: None,
            model: Some("llama3.1".into()),
            finish_reasons: vec!["stop".into()],
            usage: Some(Usage {
                input_tokens: Some(34),
                output_tokens: Some(12),
                ..Usage::default()
            }),
            tool_calls: vec![],
            embeddings_dimension_count: None,
            provider_attributes: Vec::new(),
        };
        assert_eq!(raw(&body), expected);
        assert_eq!(
            ResponseFacts::<Ollama>::response_model(&body),
            Some("llama3.1")
        );
        let typed = typed_chat(&body);
        assert_eq!(ResponseFacts::<Ollama>::response_info(&typed), expected);
        assert_eq!(ResponseFacts::<Ollama>::usage(&typed), expected.usage);
        assert_eq!(
            ResponseFacts::<Ollama>::response_model(&typed),
            Some("llama3.1")
        );
        assert_eq!(typed.text(), "{\"age\": 22, \"available\": false}");
        assert_eq!(typed.total_duration, Some(2254970291));
    }

    #[test]
    fn tool_call_chat() {
        let body = tool_call();
        let expected = ResponseInfo {
            id: None,
            model: Some("llama3.2".into()),
            finish_reasons: vec!["stop".into()],
            usage: Some(Usage {
                input_tokens: Some(122),
                output_tokens: Some(33),
                ..Usage::default()
            }),
            tool_calls: vec![
                ToolCall::new(None::<&str>, "get_current_weather"),
                ToolCall::new(Some("call_7f3a"), "get_time"),
            ],
            embeddings_dimension_count: None,
            provider_attributes: Vec::new(),
        };
        assert_eq!(raw(&body), expected);
        let typed = typed_chat(&body);
        assert_eq!(ResponseFacts::<Ollama>::response_info(&typed), expected);
        let calls = &typed.message.as_ref().unwrap().tool_calls;
        assert_eq!(calls[0].function.arguments["location"], "Paris, FR");
        assert_eq!(calls[1].function.index, Some(1));
    }

    #[test]
    fn thinking_chat() {
        let body = thinking();
        let expected = ResponseInfo {
            id: None,
            model: Some("qwen3:8b".into()),
            finish_reasons: vec!["length".into()],
            usage: Some(Usage {
                input_tokens: Some(17),
                output_tokens: Some(256),
                cache_read_input_tokens: None,
                cache_write_input_tokens: None,
                reasoning_output_tokens: None,
                billable_input_tokens: None,
                billable_output_tokens: None,
            }),
            tool_calls: vec![],
            embeddings_dimension_count: None,
            provider_attributes: Vec::new(),
        };
        assert_eq!(raw(&body), expected);
        let typed = typed_chat(&body);
        assert_eq!(ResponseFacts::<Ollama>::response_info(&typed), expected);
        assert_eq!(
            typed.message.as_ref().unwrap().thinking.as_deref(),
            Some("The user asks for the answer. Let me think step by step...")
        );
    }

    #[test]
    fn streamed_and_cached_bodies() {
        // A streamed line before the last: no usage, no finish reason.
        let chunk = json!({
            "model": "llama3.2",
            "created_at": "2023-08-04T08:52:19.385406455-07:00",
            "message": {"role": "assistant", "content": "The", "images": null},
            "done": false
        });
        let expected = ResponseInfo {
            model: Some("llama3.2".into()),
            ..ResponseInfo::default()
        };
        assert_eq!(raw(&chunk), expected);
        assert_eq!(
            ResponseFacts::<Ollama>::response_info(&typed_chat(&chunk)),
            expected
        );

        // A fully cached prompt: Ollama omits `prompt_eval_count`.
        let cached =
            json!({"model": "orca2", "done": true, "eval_count": 39, "prompt_eval_duration": 0});
        let usage = Some(Usage {
            output_tokens: Some(39),
            ..Usage::default()
        });
        assert_eq!(raw(&cached).usage, usage);
        assert_eq!(ResponseFacts::<Ollama>::usage(&typed_chat(&cached)), usage);

        // Loading a model: a finish reason, no usage.
        let load = json!({
            "model": "llama3.2", "created_at": "2024-09-12T21:17:29.110811Z",
            "message": {"role": "assistant", "content": ""}, "done_reason": "load", "done": true
        });
        let info = raw(&load);
        assert_eq!(info.finish_reasons, vec![Cow::Borrowed("load")]);
        assert_eq!(info.usage, None);
        assert_eq!(
            ResponseFacts::<Ollama>::response_info(&typed_chat(&load)),
            info
        );
    }

    #[test]
    fn chat_request_facts() {
        let body = json!({
            "model": "llama3.2",
            "messages": [{"role": "user", "content": "why is the sky blue?"}],
            "options": {
                "temperature": 0.8,
                "top_p": 0.9,
                "top_k": 20,
                "num_predict": 100,
                "stop": ["\n", "user:"],
                "seed": 42,
                "num_ctx": 1024,
                "presence_penalty": 1.5,
                "frequency_penalty": 1.0,
                "mirostat": 1
            },
            "stream": false,
            "format": {"type": "object", "properties": {"age": {"type": "integer"}}},
            "think": true
        });
        let expected = RequestInfo {
            model: Some("llama3.2".into()),
            temperature: Some(0.8),
            top_p: Some(0.9),
            top_k: Some(20.0),
            max_tokens: Some(100),
            stop_sequences: vec!["\n".into(), "user:".into()],
            seed: Some(42),
            choice_count: None,
            frequency_penalty: Some(1.0),
            presence_penalty: Some(1.5),
            stream: Some(false),
            output_type: Some("json".into()),
            encoding_formats: Vec::new(),
            provider_attributes: Vec::new(),
        };
        assert_eq!(RequestFacts::<Ollama>::request_info(&body), expected);
        assert_eq!(
            RequestFacts::<Ollama>::request_model(&body),
            Some("llama3.2")
        );
        let typed: ChatRequest = serde_json::from_value(body.clone()).unwrap();
        assert_eq!(RequestFacts::<Ollama>::request_info(&typed), expected);
        assert_eq!(typed.options.as_ref().unwrap().num_ctx, Some(1024));
        assert_eq!(typed.extra.get("think"), Some(&json!(true)));
        assert_eq!(serde_json::to_value(&typed).unwrap(), body);

        // No limit (`num_predict: -1`), JSON mode, nothing else.
        let unlimited =
            json!({"model": "m", "messages": [], "options": {"num_predict": -1}, "format": "json"});
        let expected = RequestInfo {
            model: Some("m".into()),
            output_type: Some("json".into()),
            ..RequestInfo::default()
        };
        assert_eq!(RequestFacts::<Ollama>::request_info(&unlimited), expected);
        let typed: ChatRequest = serde_json::from_value(unlimited).unwrap();
        assert_eq!(RequestFacts::<Ollama>::request_info(&typed), expected);

        let built = ChatRequest::new("llama3.2", vec![Message::system("s"), Message::user("u")]);
        assert_eq!(
            RequestFacts::<Ollama>::request_info(&built),
            RequestInfo {
                model: Some("llama3.2".into()),
                ..RequestInfo::default()
            }
        );
    }

    #[test]
    fn embed_bodies() {
        let request = json!({"model": "embeddinggemma", "input": ["why is the sky blue?", "why is the grass green?"], "dimensions": 256});
        let typed: EmbedRequest = serde_json::from_value(request.clone()).unwrap();
        assert_eq!(typed.dimensions, Some(256));
        let expected = RequestInfo {
            model: Some("embeddinggemma".into()),
            ..RequestInfo::default()
        };
        assert_eq!(RequestFacts::<Ollama>::request_info(&typed), expected);
        assert_eq!(RequestFacts::<Ollama>::request_info(&request), expected);
        assert_eq!(serde_json::to_value(&typed).unwrap(), request);
        let one: EmbedRequest =
            serde_json::from_value(json!({"model": "m", "input": "hi"})).unwrap();
        assert_eq!(one.input, EmbedInput::Text("hi".into()));

        let body = json!({
            "model": "embeddinggemma",
            "embeddings": [
                [0.010071029, -0.0017594862, 0.05007221, 0.04692972, 0.054916814],
                [-0.0098027075, 0.06042469, 0.025257962, -0.006364387, 0.07272725]
            ],
            "total_duration": 14143917,
            "load_duration": 1019500,
            "prompt_eval_count": 8
        });
        let expected = ResponseInfo {
            id: None,
            model: Some("embeddinggemma".into()),
            finish_reasons: vec![],
            usage: Some(Usage {
                input_tokens: Some(8),
                ..Usage::default()
            }),
            tool_calls: vec![],
            embeddings_dimension_count: Some(5),
            provider_attributes: Vec::new(),
        };
        assert_eq!(raw(&body), expected);
        let typed: EmbedResponse = serde_json::from_value(body.clone()).unwrap();
        assert_eq!(ResponseFacts::<Ollama>::response_info(&typed), expected);
        assert_eq!(ResponseFacts::<Ollama>::usage(&typed), expected.usage);
        assert_eq!(
            ResponseFacts::<Ollama>::response_model(&typed),
            Some("embeddinggemma")
        );

        // The older `/api/embeddings`: one `embedding`, no counts.
        let legacy =
            json!({"embedding": [0.5670403838157654, 0.009260174818336964, 0.23178744316101074]});
        assert_eq!(raw(&legacy).embeddings_dimension_count, Some(3));
        assert_eq!(raw(&legacy).usage, None);
    }

    #[test]
    fn malformed_bodies_give_no_usage_and_no_panic() {
        let huge = "x".repeat(1 << 20);
        let bodies = [
            json!({"model": "llama3.2", "message": {"role": "assistant", "content": "hi"}, "done": true}),
            json!({"prompt_eval_count": null, "eval_count": null}),
            json!({"prompt_eval_count": "26", "eval_count": true}),
            json!({"prompt_eval_count": -26, "eval_count": -1}),
            json!({"prompt_eval_count": 2.5, "eval_count": 1e300}),
            json!({"prompt_eval_count": [26], "eval_count": {"n": 1}}),
            json!({"prompt_eval_count": huge.clone(), "model": huge.clone()}),
            json!({"message": [], "done_reason": 3, "model": {}}),
            json!({"message": {"tool_calls": {"function": {"name": "f"}}}}),
            json!({"message": {"tool_calls": [3, {"function": []}, {"function": {"name": 5}}]}}),
            json!({"embeddings": {"float": [[1.0]]}, "prompt_eval_count": -8}),
            json!({"embeddings": [[]], "prompt_eval_count": "8"}),
            json!({"embedding": "nope"}),
            json!([1, 2, 3]),
            json!(huge.clone()),
            json!(null),
        ];
        for body in &bodies {
            let info = raw(body);
            assert_eq!(info.usage, None, "{body:.80}");
            assert!(info.tool_calls.is_empty());
            assert_eq!(info.embeddings_dimension_count, None);
            assert_eq!(ResponseFacts::<Ollama>::usage(body), None);
            let _ = RequestFacts::<Ollama>::request_info(body);
            if let Ok(typed) = serde_json::from_value::<ChatResponse>(body.clone()) {
                assert_eq!(ResponseFacts::<Ollama>::usage(&typed), None, "{body:.80}");
            }
            if let Ok(typed) = serde_json::from_value::<EmbedResponse>(body.clone()) {
                assert_eq!(ResponseFacts::<Ollama>::response_info(&typed).usage, None);
                assert_eq!(
                    ResponseFacts::<Ollama>::response_info(&typed).embeddings_dimension_count,
                    None
                );
            }
        }
        assert_eq!(raw(&bodies[6]).model.map(|s| s.len()), Some(1 << 20));

        // Malformed request bodies.
        for body in [
            json!({"model": 5, "options": [1], "format": 3}),
            json!({"options": {"num_predict": "100", "stop": 7, "temperature": "hot"}}),
            json!({"options": "fast"}),
        ] {
            let info = RequestFacts::<Ollama>::request_info(&body);
            assert_eq!(info, RequestInfo::default(), "{body}");
        }
    }

    #[test]
    fn typed_wrong_types_are_errors() {
        let wrong = [
            json!({"prompt_eval_count": "26"}),
            json!({"prompt_eval_count": -26}),
            json!({"eval_count": 2.5}),
            json!({"eval_count": [1]}),
            json!({"message": []}),
            json!({"message": {"tool_calls": {"function": {"name": "f"}}}}),
            json!({"message": {"tool_calls": [{"function": []}]}}),
            json!({"message": {"tool_calls": [[{"name": "f"}]]}}),
            json!({"message": ["assistant", "hi"]}),
            json!({"done_reason": 3}),
            json!({"model": {}}),
            json!({"done": "yes"}),
        ];
        for body in &wrong {
            assert!(
                serde_json::from_value::<ChatResponse>(body.clone()).is_err(),
                "{body}"
            );
        }
        assert!(
            serde_json::from_value::<EmbedResponse>(json!({"embeddings": {"float": []}})).is_err()
        );
        assert!(serde_json::from_value::<EmbedResponse>(json!({"prompt_eval_count": -8})).is_err());
        assert!(serde_json::from_value::<EmbedRequest>(json!({"model": "m", "input": 5})).is_err());
        assert!(serde_json::from_value::<ChatRequest>(
            json!({"model": "m", "messages": [], "options": {"top_k": -1}})
        )
        .is_err());
        assert!(
            serde_json::from_value::<ChatRequest>(json!({"model": "m", "messages": {}})).is_err()
        );
        assert!(serde_json::from_value::<ChatRequest>(
            json!({"model": "m", "messages": [], "options": [0.8, 0.9]})
        )
        .is_err());
    }
}
