//! Anthropic Messages (`POST /v1/messages`).
//!
//! Anthropic reports `input_tokens` *without* the tokens read from or written
//! to the prompt cache (`cache_read_input_tokens`,
//! `cache_creation_input_tokens`). The GenAI conventions define
//! `gen_ai.usage.input_tokens` as all input tokens, so the three are summed.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::value::{array_at, bool_at, f64_at, str_at, strings_at, u64_at};
use super::{Provider, RequestFacts, RequestInfo, ResponseFacts, ResponseInfo, ToolCall, Usage};

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
}

impl From<MessagesUsage> for Usage {
    fn from(u: MessagesUsage) -> Usage {
        normalize(
            Some(u.input_tokens),
            Some(u.output_tokens),
            u.cache_read_input_tokens,
            u.cache_creation_input_tokens,
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
        u64_at(u, "cache_creation_input_tokens"),
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
