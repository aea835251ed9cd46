//! The v2 Chat and Embed bodies as serde types. The typed responses refuse
//! (with `Err`) a field of the wrong type, an array where an object belongs
//! included.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::facts::normalize;
use crate::provider::wire::count::count;
use crate::provider::wire::de::{null_default, object, object_or_default, objects};
use crate::provider::Usage;

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
