//! Ollama's `/api/chat` and `/api/embed` bodies as serde types.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::provider::wire::de::{null_default, object, object_or_default, objects};

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
