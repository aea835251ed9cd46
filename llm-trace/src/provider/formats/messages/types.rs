//! The Messages API's bodies as serde types: what a user without a client
//! crate builds and reads.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

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
