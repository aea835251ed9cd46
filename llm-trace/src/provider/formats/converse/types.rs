//! The Converse API's bodies (and Titan embeddings') as serde types.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::facts::{by_type_len, normalize};
use crate::provider::wire::de::object;
use crate::provider::Usage;

/// A Converse request.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ConverseRequest {
    /// Model or inference profile id (`anthropic.claude-...`, an ARN, ...).
    /// The HTTP API takes it in the path; leave it `None` when serializing
    /// the HTTP body.
    #[serde(rename = "modelId", skip_serializing_if = "Option::is_none")]
    pub model_id: Option<String>,
    /// The conversation so far.
    pub messages: Vec<Message>,
    /// System prompt blocks (`{"text": ...}`, `{"cachePoint": ...}`, ...).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub system: Vec<Value>,
    /// Inference parameters common to all models.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inference_config: Option<InferenceConfig>,
    /// Tool definitions and tool choice.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tool_config: Option<Value>,
    /// Model-specific parameters, passed through to the model.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub additional_model_request_fields: Option<Value>,
    /// Every other request field, passed through as given.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl ConverseRequest {
    /// A request for `model_id` with `messages` and nothing else set.
    pub fn new(model_id: impl Into<String>, messages: Vec<Message>) -> Self {
        ConverseRequest {
            model_id: Some(model_id.into()),
            messages,
            ..ConverseRequest::default()
        }
    }
}

/// `inferenceConfig` of a Converse request.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct InferenceConfig {
    /// Output token limit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_tokens: Option<u64>,
    /// Sampling temperature.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f64>,
    /// Nucleus sampling mass.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub top_p: Option<f64>,
    /// Custom stop sequences.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub stop_sequences: Vec<String>,
}

/// One turn of a conversation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Message {
    /// `user` or `assistant`.
    pub role: String,
    /// Content blocks.
    pub content: Vec<ContentBlock>,
}

impl Message {
    /// A `user` turn with one text block.
    pub fn user(text: impl Into<String>) -> Self {
        Message {
            role: "user".into(),
            content: vec![ContentBlock::text(text)],
        }
    }
    /// An `assistant` turn with one text block.
    pub fn assistant(text: impl Into<String>) -> Self {
        Message {
            role: "assistant".into(),
            content: vec![ContentBlock::text(text)],
        }
    }
}

/// A content block: a union of which exactly one member is set (`text`,
/// `toolUse`, `reasoningContent`, or another kind kept in `extra`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ContentBlock {
    /// Text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// A tool call the model asks for.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(deserialize_with = "object")]
    pub tool_use: Option<ToolUseBlock>,
    /// The model's reasoning.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(deserialize_with = "object")]
    pub reasoning_content: Option<ReasoningContentBlock>,
    /// Other block kinds (`image`, `toolResult`, `cachePoint`, ...), as given.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl ContentBlock {
    /// A text block.
    pub fn text(text: impl Into<String>) -> Self {
        ContentBlock {
            text: Some(text.into()),
            ..ContentBlock::default()
        }
    }
}

/// A `toolUse` block.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ToolUseBlock {
    /// Id of the tool call (`tooluse_...`).
    pub tool_use_id: String,
    /// Name of the tool.
    pub name: String,
    /// Input for the tool.
    pub input: Value,
}

/// A `reasoningContent` block.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ReasoningContentBlock {
    /// Reasoning text and its signature.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(deserialize_with = "object")]
    pub reasoning_text: Option<ReasoningText>,
    /// Reasoning the provider encrypted (base64).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redacted_content: Option<String>,
}

/// `reasoningText` of a reasoning block.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ReasoningText {
    /// The reasoning.
    pub text: String,
    /// Token that verifies the reasoning was generated by the model.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
}

/// A Converse response.
///
/// Tolerant of missing and unknown fields; a nested object of the wrong JSON
/// type (an array where `usage` or `toolUse` belongs, ...) is a
/// deserialization error rather than fields read by position.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ConverseResponse {
    /// The result: the generated message.
    #[serde(deserialize_with = "object")]
    pub output: Option<ConverseOutput>,
    /// `end_turn`, `tool_use`, `max_tokens`, `stop_sequence`,
    /// `guardrail_intervened`, `content_filtered`, ...
    pub stop_reason: Option<String>,
    /// Token usage.
    #[serde(deserialize_with = "object")]
    pub usage: Option<TokenUsage>,
    /// Latency.
    #[serde(deserialize_with = "object")]
    pub metrics: Option<ConverseMetrics>,
    /// Model-specific response fields that were asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub additional_model_response_fields: Option<Value>,
    /// Guardrail and prompt-router trace.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(deserialize_with = "object")]
    pub trace: Option<ConverseTrace>,
}

impl ConverseResponse {
    /// The concatenated text blocks of the output message.
    pub fn text(&self) -> String {
        self.content()
            .iter()
            .filter_map(|b| b.text.as_deref())
            .collect()
    }

    /// The content blocks of the output message (empty when there is none).
    pub fn content(&self) -> &[ContentBlock] {
        match self.output.as_ref().and_then(|o| o.message.as_ref()) {
            Some(m) => &m.content,
            None => &[],
        }
    }

    pub(crate) fn invoked_model(&self) -> Option<&str> {
        self.trace
            .as_ref()?
            .prompt_router
            .as_ref()?
            .invoked_model_id
            .as_deref()
            .filter(|m| !m.is_empty())
    }
}

/// `output` of a Converse response.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConverseOutput {
    /// The message the model generated.
    #[serde(deserialize_with = "object")]
    pub message: Option<Message>,
}

/// `usage` of a Converse response, as Bedrock reports it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct TokenUsage {
    /// Input tokens neither read from nor written to the cache.
    pub input_tokens: Option<u64>,
    /// Generated tokens, reasoning included.
    pub output_tokens: Option<u64>,
    /// All input and output tokens.
    pub total_tokens: Option<u64>,
    /// Input tokens read from the cache.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache_read_input_tokens: Option<u64>,
    /// Input tokens written to the cache.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache_write_input_tokens: Option<u64>,
}

impl TokenUsage {
    /// The usage normalized to the GenAI conventions (input includes cache
    /// reads and writes); `None` when no count is present.
    pub fn normalized(&self) -> Option<Usage> {
        normalize(
            self.input_tokens,
            self.output_tokens,
            self.cache_read_input_tokens,
            self.cache_write_input_tokens,
        )
    }
}

/// `metrics` of a Converse response.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ConverseMetrics {
    /// Latency of the call in milliseconds.
    pub latency_ms: Option<u64>,
}

/// `trace` of a Converse response.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ConverseTrace {
    /// The guardrail assessment, as given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub guardrail: Option<Value>,
    /// The prompt router's choice.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(deserialize_with = "object")]
    pub prompt_router: Option<PromptRouterTrace>,
}

/// `trace.promptRouter` of a Converse response.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct PromptRouterTrace {
    /// The model the router invoked.
    pub invoked_model_id: Option<String>,
}

/// A Titan Text Embeddings v2 `InvokeModel` request body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct TitanEmbeddingRequest {
    /// Model id (`amazon.titan-embed-text-v2:0`). The HTTP API takes it in the
    /// path; leave it `None` when serializing the HTTP body.
    #[serde(rename = "modelId", skip_serializing_if = "Option::is_none")]
    pub model_id: Option<String>,
    /// Text to embed.
    pub input_text: String,
    /// Embedding length: 1024 (default), 512 or 256.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dimensions: Option<u64>,
    /// Normalize the embedding (default true).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub normalize: Option<bool>,
    /// `float`, `binary` or both (default `float`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub embedding_types: Vec<String>,
}

/// A Titan Text Embeddings `InvokeModel` response body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct TitanEmbeddingResponse {
    /// The embedding.
    pub embedding: Vec<f64>,
    /// Tokens in the input text.
    pub input_text_token_count: Option<u64>,
    /// Embeddings by type (`float`, `binary`), as given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub embeddings_by_type: Option<Value>,
}

impl TitanEmbeddingResponse {
    pub(crate) fn dimension_count(&self) -> Option<u64> {
        if !self.embedding.is_empty() {
            return Some(self.embedding.len() as u64);
        }
        self.embeddings_by_type.as_ref().and_then(by_type_len)
    }
}

/// One event of a `ConverseStream` response, as the AWS SDKs and the
/// event-stream JSON payloads name them: `messageStart`, `contentBlockStart`
/// (tool calls), `contentBlockDelta`, `contentBlockStop`, `messageStop` (the
/// stop reason), `metadata` (usage, metrics), or an exception. Exactly one
/// field is set.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ConverseStreamEvent {
    /// The message starts (`{"role": "assistant"}`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_start: Option<Value>,
    /// A content block starts; a tool call's block names the tool.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_block_start: Option<ContentBlockStartEvent>,
    /// A piece of a content block.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_block_delta: Option<Value>,
    /// A content block ends.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_block_stop: Option<Value>,
    /// The message ends.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_stop: Option<MessageStopEvent>,
    /// Usage and metrics, after `messageStop`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<ConverseStreamMetadata>,
    /// `internalServerException`, `modelStreamErrorException`,
    /// `throttlingException`, `validationException`,
    /// `serviceUnavailableException`: the stream failed.
    #[serde(flatten, skip_serializing_if = "Map::is_empty")]
    pub exceptions: Map<String, Value>,
}

/// `contentBlockStart`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ContentBlockStartEvent {
    /// What starts: `{"toolUse": {"toolUseId": ..., "name": ...}}` for a tool call.
    pub start: Option<Value>,
    /// The block's position in the message.
    pub content_block_index: u32,
}

/// `messageStop`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct MessageStopEvent {
    /// `end_turn`, `tool_use`, `max_tokens`, ...
    pub stop_reason: Option<String>,
}

/// `metadata`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ConverseStreamMetadata {
    /// Token usage of the whole call.
    pub usage: Option<TokenUsage>,
    /// Latency.
    pub metrics: Option<ConverseMetrics>,
    /// The prompt router's choice, if one chose the model.
    pub trace: Option<ConverseTrace>,
}
