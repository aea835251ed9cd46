//! Anthropic Messages (`POST /v1/messages`).
//!
//! Anthropic reports `input_tokens` *without* the tokens read from or written
//! to the prompt cache (`cache_read_input_tokens`,
//! `cache_creation_input_tokens`). The GenAI conventions define
//! `gen_ai.usage.input_tokens` as all input tokens, so the three are summed.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::value::{
    array_at, bool_at, f64_at, other_part, str_at, string_at, strings_at, text_at, u64_at,
};
use super::{
    ChunkFacts, Provider, RequestFacts, RequestInfo, ResponseFacts, ResponseInfo, StreamFacts,
    ToolCall, Usage,
};
use crate::content::{InputMessage, OutputMessage, Part, RequestContent, ToolDefinition};

/// Anthropic (`gen_ai.provider.name = "anthropic"`), the Messages API.
#[derive(Debug, Clone, Copy, Default)]
pub struct Anthropic;

impl Provider for Anthropic {
    const NAME: &'static str = "anthropic";
    const DEFAULT_OPERATION: &'static str = "chat";
    const SERVER_ADDRESS: Option<&'static str> = Some("api.anthropic.com");
    const SERVER_PORT: Option<u16> = Some(443);
}

/// A Messages request body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MessagesRequest {
    /// Model id, e.g. `claude-sonnet-4-5`.
    pub model: String,
    /// Output token limit (required by the API).
    pub max_tokens: u64,
    /// The conversation so far.
    pub messages: Vec<Message>,
    /// System prompt: text or content blocks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<Value>,
    /// Sampling temperature.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f64>,
    /// Nucleus sampling mass.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_p: Option<f64>,
    /// Top-k sampling.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_k: Option<u64>,
    /// Custom stop sequences.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stop_sequences: Vec<String>,
    /// Stream the answer as server-sent events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream: Option<bool>,
    /// Tool definitions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tools: Option<Vec<Value>>,
    /// Every other request field, passed through as given.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl MessagesRequest {
    /// A request for `model` with `max_tokens` and `messages` and nothing else set.
    pub fn new(model: impl Into<String>, max_tokens: u64, messages: Vec<Message>) -> Self {
        MessagesRequest {
            model: model.into(),
            max_tokens,
            messages,
            ..MessagesRequest::default()
        }
    }
}

/// One turn of a conversation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Message {
    /// `user` or `assistant`.
    pub role: String,
    /// Text or content blocks.
    pub content: Value,
}

impl Message {
    /// A `user` turn with text content.
    pub fn user(text: impl Into<String>) -> Self {
        Message {
            role: "user".into(),
            content: Value::String(text.into()),
        }
    }
    /// An `assistant` turn with text content.
    pub fn assistant(text: impl Into<String>) -> Self {
        Message {
            role: "assistant".into(),
            content: Value::String(text.into()),
        }
    }
}

/// A Messages response body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MessagesResponse {
    /// Message id (`msg_...`).
    pub id: String,
    /// `message`.
    #[serde(rename = "type")]
    pub kind: String,
    /// `assistant`.
    pub role: String,
    /// Generated content blocks.
    pub content: Vec<ContentBlock>,
    /// The model that answered.
    pub model: String,
    /// `end_turn`, `max_tokens`, `stop_sequence`, `tool_use`, `pause_turn`, `refusal`.
    pub stop_reason: Option<String>,
    /// The stop sequence that ended generation, if any.
    pub stop_sequence: Option<String>,
    /// Token usage.
    pub usage: Option<MessagesUsage>,
}

impl MessagesResponse {
    /// The concatenated text blocks.
    pub fn text(&self) -> String {
        self.content
            .iter()
            .filter_map(|b| b.text.as_deref())
            .collect()
    }
}

/// A content block of a response (`text`, `tool_use`, `thinking`, ...).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ContentBlock {
    /// Block type.
    #[serde(rename = "type")]
    pub kind: String,
    /// Text of a `text` block.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Id of a `tool_use` block.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Tool name of a `tool_use` block.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Tool input of a `tool_use` block.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input: Option<Value>,
}

/// `usage` of a Messages response, as Anthropic reports it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct MessagesUsage {
    /// Input tokens after the last cache breakpoint (cache reads and writes excluded).
    pub input_tokens: u64,
    /// Output tokens.
    pub output_tokens: u64,
    /// Input tokens written to the cache.
    pub cache_creation_input_tokens: Option<u64>,
    /// Input tokens read from the cache.
    pub cache_read_input_tokens: Option<u64>,
    /// The cache writes by time to live; they sum to
    /// `cache_creation_input_tokens`, which they stand in for where a body
    /// gives only them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache_creation: Option<CacheCreation>,
}

/// `usage.cache_creation`: the input tokens written to the cache, by the
/// cache entry's time to live.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CacheCreation {
    /// Written to a 5-minute cache entry.
    pub ephemeral_5m_input_tokens: Option<u64>,
    /// Written to a 1-hour cache entry.
    pub ephemeral_1h_input_tokens: Option<u64>,
}

/// The sum of the cache writes by time to live, when any is given.
fn cache_writes_by_ttl(five_minutes: Option<u64>, one_hour: Option<u64>) -> Option<u64> {
    match (five_minutes, one_hour) {
        (None, None) => None,
        (a, b) => Some(a.unwrap_or(0).saturating_add(b.unwrap_or(0))),
    }
}

impl From<MessagesUsage> for Usage {
    fn from(u: MessagesUsage) -> Usage {
        normalize(
            Some(u.input_tokens),
            Some(u.output_tokens),
            u.cache_read_input_tokens,
            u.cache_creation_input_tokens.or_else(|| {
                let c = u.cache_creation?;
                cache_writes_by_ttl(c.ephemeral_5m_input_tokens, c.ephemeral_1h_input_tokens)
            }),
        )
    }
}

fn normalize(
    input: Option<u64>,
    output: Option<u64>,
    cache_read: Option<u64>,
    cache_write: Option<u64>,
) -> Usage {
    let total_input = match (input, cache_read, cache_write) {
        (None, None, None) => None,
        (i, r, w) => Some(
            i.unwrap_or(0)
                .saturating_add(r.unwrap_or(0))
                .saturating_add(w.unwrap_or(0)),
        ),
    };
    Usage {
        input_tokens: total_input,
        output_tokens: output,
        cache_read_input_tokens: cache_read,
        cache_write_input_tokens: cache_write,
        reasoning_output_tokens: None,
        ..Usage::default()
    }
}

impl RequestFacts<Anthropic> for MessagesRequest {
    fn request_model(&self) -> Option<&str> {
        Some(self.model.as_str()).filter(|m| !m.is_empty())
    }

    fn request_info(&self) -> RequestInfo<'_> {
        RequestInfo {
            model: self.request_model().map(Cow::Borrowed),
            temperature: self.temperature,
            top_p: self.top_p,
            top_k: self.top_k.map(|k| k as f64),
            max_tokens: Some(self.max_tokens),
            stop_sequences: self
                .stop_sequences
                .iter()
                .map(|s| Cow::Borrowed(s.as_str()))
                .collect(),
            stream: self.stream,
            ..RequestInfo::default()
        }
    }

    fn request_content(&self) -> Option<RequestContent> {
        messages_request_content(&serde_json::to_value(self).ok()?)
    }
}

impl RequestFacts<Anthropic> for Value {
    fn request_model(&self) -> Option<&str> {
        self.get("model")?.as_str()
    }

    fn request_info(&self) -> RequestInfo<'_> {
        RequestInfo {
            model: str_at(self, "model"),
            temperature: f64_at(self, "temperature"),
            top_p: f64_at(self, "top_p"),
            top_k: f64_at(self, "top_k"),
            max_tokens: u64_at(self, "max_tokens"),
            stop_sequences: strings_at(self, "stop_sequences"),
            stream: bool_at(self, "stream"),
            ..RequestInfo::default()
        }
    }

    fn request_content(&self) -> Option<RequestContent> {
        messages_request_content(self)
    }
}

impl ResponseFacts<Anthropic> for MessagesResponse {
    fn response_info(&self) -> ResponseInfo<'_> {
        ResponseInfo {
            id: Some(Cow::Borrowed(self.id.as_str())).filter(|s| !s.is_empty()),
            model: Some(Cow::Borrowed(self.model.as_str())).filter(|s| !s.is_empty()),
            finish_reasons: self
                .stop_reason
                .as_deref()
                .map(Cow::Borrowed)
                .into_iter()
                .collect(),
            usage: self.usage.map(Usage::from),
            tool_calls: self
                .content
                .iter()
                .filter(|b| b.kind == "tool_use")
                .filter_map(|b| Some(ToolCall::new(b.id.as_deref(), b.name.as_deref()?)))
                .collect(),
            ..ResponseInfo::default()
        }
    }

    fn response_model(&self) -> Option<&str> {
        Some(self.model.as_str()).filter(|m| !m.is_empty())
    }

    fn usage(&self) -> Option<Usage> {
        self.usage.map(Usage::from)
    }

    fn output_messages(&self) -> Option<Vec<OutputMessage>> {
        messages_output_messages(&serde_json::to_value(self).ok()?)
    }
}

impl ResponseFacts<Anthropic> for Value {
    fn response_info(&self) -> ResponseInfo<'_> {
        ResponseInfo {
            id: str_at(self, "id"),
            model: str_at(self, "model"),
            finish_reasons: str_at(self, "stop_reason").into_iter().collect(),
            usage: ResponseFacts::<Anthropic>::usage(self),
            tool_calls: array_at(self, "content")
                .iter()
                .filter(|b| b.get("type").and_then(Value::as_str) == Some("tool_use"))
                .filter_map(|b| {
                    Some(ToolCall {
                        id: str_at(b, "id"),
                        name: str_at(b, "name")?,
                    })
                })
                .collect(),
            ..ResponseInfo::default()
        }
    }

    fn response_model(&self) -> Option<&str> {
        self.get("model")?.as_str()
    }

    fn usage(&self) -> Option<Usage> {
        anthropic_usage(self.get("usage")?)
    }

    fn output_messages(&self) -> Option<Vec<OutputMessage>> {
        messages_output_messages(self)
    }
}

/// The content of a Messages request body: `system` as system instructions,
/// `messages`, `tools`.
pub(crate) fn messages_request_content(body: &Value) -> Option<RequestContent> {
    let messages = body.get("messages")?.as_array()?;
    Some(RequestContent {
        input_messages: messages
            .iter()
            .filter_map(|m| {
                let role = m.get("role")?.as_str()?;
                Some(InputMessage::new(role, blocks(m.get("content"))))
            })
            .collect(),
        system_instructions: blocks(body.get("system")),
        tool_definitions: array_at(body, "tools")
            .iter()
            .filter_map(tool_definition)
            .collect(),
    })
}

/// Text or content blocks as parts.
fn blocks(content: Option<&Value>) -> Vec<Part> {
    match content {
        Some(Value::String(text)) => vec![Part::text(text.as_str())],
        Some(Value::Array(blocks)) => blocks.iter().filter_map(block).collect(),
        _ => Vec::new(),
    }
}

/// One content block as a part.
fn block(b: &Value) -> Option<Part> {
    Some(match b.get("type")?.as_str()? {
        "text" => Part::text(text_at(b, "text")),
        "thinking" => Part::reasoning(text_at(b, "thinking")),
        "tool_use" => Part::tool_call(
            string_at(b, "id"),
            text_at(b, "name"),
            b.get("input").cloned().unwrap_or(Value::Null),
        ),
        "tool_result" => Part::tool_call_response(
            string_at(b, "tool_use_id"),
            super::wire::chat_message::tool_result(b.get("content")),
        ),
        kind @ ("image" | "document") => {
            let source = b.get("source")?;
            let modality = if kind == "image" { "image" } else { "document" };
            match source.get("type")?.as_str()? {
                "base64" => Part::Blob {
                    mime_type: string_at(source, "media_type"),
                    modality: modality.to_owned(),
                    content: text_at(source, "data").to_owned(),
                },
                "url" => Part::Uri {
                    mime_type: None,
                    modality: modality.to_owned(),
                    uri: text_at(source, "url").to_owned(),
                },
                "file" => Part::File {
                    mime_type: None,
                    modality: modality.to_owned(),
                    file_id: text_at(source, "file_id").to_owned(),
                },
                "text" => Part::text(text_at(source, "data")),
                _ => return other_part(b),
            }
        }
        _ => return other_part(b),
    })
}

/// `{"name", "description", "input_schema"}` as a function; server tools
/// (`web_search_20250305`, ...) by their type and name.
fn tool_definition(t: &Value) -> Option<ToolDefinition> {
    let name = t.get("name")?.as_str()?;
    Some(match t.get("type").and_then(Value::as_str) {
        None | Some("custom") => ToolDefinition::function(
            name,
            string_at(t, "description"),
            t.get("input_schema").cloned(),
        ),
        Some(kind) => ToolDefinition::builtin(kind, name),
    })
}

/// The one output message of a Messages response body.
pub(crate) fn messages_output_messages(v: &Value) -> Option<Vec<OutputMessage>> {
    let content = v.get("content")?.as_array()?;
    Some(vec![OutputMessage::new(
        str_at(v, "role").unwrap_or(Cow::Borrowed("assistant")),
        content.iter().filter_map(block).collect(),
        v.get("stop_reason").and_then(Value::as_str),
    )])
}

/// Usage from an Anthropic-shaped `usage` object, normalized; `None` when
/// it holds no count (another provider's usage, or none at all).
pub(crate) fn anthropic_usage(u: &Value) -> Option<Usage> {
    if !u.is_object() {
        return None;
    }
    let usage = normalize(
        u64_at(u, "input_tokens"),
        u64_at(u, "output_tokens"),
        u64_at(u, "cache_read_input_tokens"),
        u64_at(u, "cache_creation_input_tokens").or_else(|| {
            let c = u.get("cache_creation")?;
            cache_writes_by_ttl(
                u64_at(c, "ephemeral_5m_input_tokens"),
                u64_at(c, "ephemeral_1h_input_tokens"),
            )
        }),
    );
    (usage != Usage::default()).then_some(usage)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Found by the hostile-input property tests: another provider's usage
    /// (or counts of the wrong type) gave a usage without a single count.
    #[test]
    fn a_usage_object_without_anthropic_counts_is_no_usage() {
        for usage in [
            json!({}),
            json!({"prompt_tokens": 12, "completion_tokens": 3}),
            json!({"inputTokens": 375, "outputTokens": 16}),
            json!({"input_tokens": "12", "output_tokens": -1}),
        ] {
            let body = json!({"id": "msg_1", "usage": usage});
            assert_eq!(ResponseFacts::<Anthropic>::usage(&body), None, "{usage}");
            assert_eq!(ResponseFacts::<Anthropic>::response_info(&body).usage, None);
        }
        let body = json!({"usage": {"output_tokens": 3}});
        assert_eq!(
            ResponseFacts::<Anthropic>::usage(&body),
            Some(Usage {
                output_tokens: Some(3),
                ..Usage::default()
            })
        );
    }
}

/// One server-sent event of a streamed Messages response (`"stream": true`):
/// `message_start` (id, model, input usage), `content_block_start` (tool
/// calls), `content_block_delta`, `message_delta` (stop reason, cumulative
/// usage), `message_stop`, `ping`, `error`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MessageStreamEvent {
    /// The event type.
    #[serde(rename = "type")]
    pub kind: String,
    /// The message, without content, in `message_start`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<MessagesResponse>,
    /// The content block's position, in the `content_block_*` events.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<u32>,
    /// The block being opened, in `content_block_start`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_block: Option<ContentBlock>,
    /// A piece of a block (`content_block_delta`) or the message's end
    /// (`message_delta`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delta: Option<StreamDelta>,
    /// Cumulative usage, in `message_delta`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usage: Option<DeltaUsage>,
    /// The error of an `error` event.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<StreamError>,
}

/// The `delta` of a [`MessageStreamEvent`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct StreamDelta {
    /// `text_delta`, `input_json_delta`, `thinking_delta`, ... (block deltas only).
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// A piece of text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// A piece of a tool call's JSON input.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partial_json: Option<String>,
    /// Why the message ended, in `message_delta`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stop_reason: Option<String>,
    /// The stop sequence that ended it, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stop_sequence: Option<String>,
}

/// The cumulative `usage` of a `message_delta` event: output tokens always,
/// input and cache counts where the API repeats them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DeltaUsage {
    /// Input tokens, cache reads and writes excluded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_tokens: Option<u64>,
    /// Output tokens so far.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_tokens: Option<u64>,
    /// Input tokens written to the cache.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache_creation_input_tokens: Option<u64>,
    /// Input tokens read from the cache.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache_read_input_tokens: Option<u64>,
}

/// The error of an `error` event (`overloaded_error`, `api_error`, ...).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StreamError {
    /// The error type.
    #[serde(rename = "type")]
    pub kind: String,
    /// What happened.
    pub message: String,
}

/// Adds Anthropic's counts (input without the cache buckets) to the
/// stream's normalized usage: counts the event leaves out keep their value.
pub(crate) fn merge_counts(stream: &mut StreamFacts, counts: DeltaUsage) {
    let seen = stream.usage_mut();
    let read = counts
        .cache_read_input_tokens
        .or(seen.cache_read_input_tokens);
    let write = counts
        .cache_creation_input_tokens
        .or(seen.cache_write_input_tokens);
    let seen_raw_input = seen.input_tokens.map(|total| {
        total
            .saturating_sub(seen.cache_read_input_tokens.unwrap_or(0))
            .saturating_sub(seen.cache_write_input_tokens.unwrap_or(0))
    });
    let input = counts.input_tokens.or(seen_raw_input);
    let output = counts.output_tokens.or(seen.output_tokens);
    *seen = normalize(input, output, read, write);
}

fn value_counts(u: &Value) -> DeltaUsage {
    DeltaUsage {
        input_tokens: u64_at(u, "input_tokens"),
        output_tokens: u64_at(u, "output_tokens"),
        cache_creation_input_tokens: u64_at(u, "cache_creation_input_tokens"),
        cache_read_input_tokens: u64_at(u, "cache_read_input_tokens"),
    }
}

impl ChunkFacts<Anthropic> for MessageStreamEvent {
    fn observe(&self, stream: &mut StreamFacts) {
        match self.kind.as_str() {
            "message_start" => {
                if let Some(message) = &self.message {
                    stream.id(&message.id);
                    stream.model(&message.model);
                    stream.choice(0);
                    if let Some(u) = message.usage {
                        merge_counts(
                            stream,
                            DeltaUsage {
                                input_tokens: Some(u.input_tokens),
                                output_tokens: Some(u.output_tokens),
                                cache_creation_input_tokens: u.cache_creation_input_tokens,
                                cache_read_input_tokens: u.cache_read_input_tokens,
                            },
                        );
                    }
                }
            }
            "content_block_start" => {
                if let Some(block) = self.content_block.as_ref().filter(|b| b.kind == "tool_use") {
                    if let Some(name) = &block.name {
                        stream.tool_call(block.id.as_deref(), name);
                    }
                    let position = self.index.unwrap_or(0) as usize;
                    let (id, name) = (block.id.as_deref(), block.name.as_deref());
                    stream.tool_call_delta(0, position, id, name, "");
                }
            }
            "content_block_delta" => {
                let Some(delta) = &self.delta else {
                    return;
                };
                match delta.kind.as_deref() {
                    Some("text_delta") => stream.text(0, delta.text.as_deref().unwrap_or("")),
                    Some("input_json_delta") => {
                        let position = self.index.unwrap_or(0) as usize;
                        let json = delta.partial_json.as_deref().unwrap_or("");
                        stream.tool_call_delta(0, position, None, None, json);
                    }
                    _ => {}
                }
            }
            "message_delta" => {
                if let Some(reason) = self.delta.as_ref().and_then(|d| d.stop_reason.as_deref()) {
                    stream.finish_reason(0, reason);
                }
                if let Some(usage) = self.usage {
                    merge_counts(stream, usage);
                }
            }
            "error" => {
                let (kind, message) = self
                    .error
                    .as_ref()
                    .map_or(("error", ""), |e| (e.kind.as_str(), e.message.as_str()));
                let kind = if kind.is_empty() { "error" } else { kind };
                stream.__fail(Cow::Owned(kind.to_owned()), &message);
            }
            _ => {}
        }
    }
}

impl ChunkFacts<Anthropic> for Value {
    fn observe(&self, stream: &mut StreamFacts) {
        match self.get("type").and_then(Value::as_str) {
            Some("message_start") => {
                let Some(message) = self.get("message") else {
                    return;
                };
                if let Some(id) = message.get("id").and_then(Value::as_str) {
                    stream.id(id);
                }
                if let Some(model) = message.get("model").and_then(Value::as_str) {
                    stream.model(model);
                }
                stream.choice(0);
                if let Some(u) = message.get("usage").filter(|u| u.is_object()) {
                    merge_counts(stream, value_counts(u));
                }
            }
            Some("content_block_start") => {
                let Some(block) = self.get("content_block") else {
                    return;
                };
                if block.get("type").and_then(Value::as_str) == Some("tool_use") {
                    let id = block.get("id").and_then(Value::as_str);
                    let name = block.get("name").and_then(Value::as_str);
                    if let Some(name) = name {
                        stream.tool_call(id, name);
                    }
                    stream.tool_call_delta(0, block_index(self), id, name, "");
                }
            }
            Some("content_block_delta") => {
                let Some(delta) = self.get("delta").filter(|_| stream.captures_content()) else {
                    return;
                };
                let text = |key: &str| delta.get(key).and_then(Value::as_str).unwrap_or("");
                match delta.get("type").and_then(Value::as_str) {
                    Some("text_delta") => stream.text(0, text("text")),
                    Some("thinking_delta") => stream.reasoning(0, text("thinking")),
                    Some("input_json_delta") => {
                        let json = text("partial_json");
                        stream.tool_call_delta(0, block_index(self), None, None, json);
                    }
                    _ => {}
                }
            }
            Some("message_delta") => {
                let reason = self.get("delta").and_then(|d| d.get("stop_reason"));
                if let Some(reason) = reason.and_then(Value::as_str) {
                    stream.finish_reason(0, reason);
                }
                if let Some(u) = self.get("usage").filter(|u| u.is_object()) {
                    merge_counts(stream, value_counts(u));
                }
            }
            Some("error") => match self.get("error").filter(|e| e.is_object()) {
                Some(error) => super::wire::stream_error(stream, error),
                None => stream.__fail(Cow::Borrowed("error"), &""),
            },
            _ => {}
        }
    }
}

/// The content block position of a `content_block_*` event.
fn block_index(event: &Value) -> usize {
    u64_at(event, "index")
        .and_then(|i| usize::try_from(i).ok())
        .unwrap_or(0)
}
