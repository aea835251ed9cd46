//! AWS Bedrock: the Converse API (`POST /model/{modelId}/converse`) and
//! Titan Text Embeddings (`InvokeModel` with `amazon.titan-embed-text-v2:0`).
//!
//! Normalization, with its sources (Amazon Bedrock API Reference and User
//! Guide):
//!
//! - **Input tokens.** Converse's `usage.inputTokens` counts only the input
//!   that was neither read from nor written to the prompt cache; the cache
//!   buckets are reported apart in `cacheReadInputTokens` and
//!   `cacheWriteInputTokens` (`TokenUsage`; User Guide, "Prompt caching":
//!   total input = `inputTokens + cacheReadInputTokens +
//!   cacheWriteInputTokens`). `gen_ai.usage.input_tokens` is all input, so
//!   the three are summed; the cache buckets are also recorded as
//!   `gen_ai.usage.cache_read.input_tokens` and
//!   `gen_ai.usage.cache_write.input_tokens`.
//! - **Output tokens** are `usage.outputTokens`. Bedrock does not report
//!   reasoning tokens apart (they are inside `outputTokens`), so
//!   `gen_ai.usage.reasoning.output_tokens` is never set.
//! - **Finish reasons** are `[stopReason]` as Bedrock writes it (`end_turn`,
//!   `tool_use`, `max_tokens`, `stop_sequence`, `guardrail_intervened`,
//!   `content_filtered`, ...).
//! - **Tool calls** are the `toolUse` blocks of `output.message.content`
//!   (`toolUseId`, `name`).
//! - **Response id**: none. Converse's body has no id (the request id is the
//!   `x-amzn-RequestId` HTTP header).
//! - **Response model**: `trace.promptRouter.invokedModelId` when a prompt
//!   router chose the model; otherwise none (the body does not repeat the
//!   model).
//! - **Request model** is `modelId`. It is a path parameter of the HTTP API,
//!   not a body field, but SDK users have it, and raw bodies that carry it
//!   are read. Request parameters come from `inferenceConfig` (`maxTokens`,
//!   `temperature`, `topP`, `stopSequences`) and `top_k` from
//!   `additionalModelRequestFields` (the Anthropic models' top-k).
//! - **Embeddings** (Titan Text Embeddings v2, `InvokeModel` body; User Guide,
//!   "Amazon Titan Embeddings Text"): `inputTextTokenCount` is the input
//!   tokens and the length of `embedding` is
//!   `gen_ai.embeddings.dimension.count`. Name the operation in the
//!   annotation: `#[llm_call(provider = Bedrock, operation = "embeddings")]`.
//!
//! Bedrock endpoints are regional (`bedrock-runtime.{region}.amazonaws.com`),
//! so [`Bedrock`] has no default `server.address`: give it with
//! `server = "bedrock-runtime.eu-west-1.amazonaws.com"` in the annotation.
//!
//! A raw [`serde_json::Value`] is read as a Titan embeddings body when it has
//! `embedding`, `embeddingsByType` or `inputTextTokenCount` (requests:
//! `inputText`), and as a Converse body otherwise.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::value::{array_at, f64_at, str_at, string_at, strings_at, text_at, u64_at};
use super::{
    ChunkFacts, Provider, RequestFacts, RequestInfo, ResponseFacts, ResponseInfo, StreamFacts,
    ToolCall, Usage,
};
use crate::model::{InputMessage, OutputMessage, Part, RequestContent, ToolDefinition};
use crate::semconv as sc;

/// AWS Bedrock (`gen_ai.provider.name = "aws.bedrock"`): Converse and Titan
/// text embeddings.
///
/// Endpoints are regional, so there is no default `server.address`; name the
/// regional endpoint with `server = "bedrock-runtime.us-east-1.amazonaws.com"`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Bedrock;

impl Provider for Bedrock {
    const NAME: &'static str = "aws.bedrock";
    const DEFAULT_OPERATION: &'static str = "chat";
    const SERVER_ADDRESS: Option<&'static str> = None;
    const SERVER_PORT: Option<u16> = None;
}

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
    #[serde(deserialize_with = "object_or_null")]
    pub tool_use: Option<ToolUseBlock>,
    /// The model's reasoning.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(deserialize_with = "object_or_null")]
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
    #[serde(deserialize_with = "object_or_null")]
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
    #[serde(deserialize_with = "object_or_null")]
    pub output: Option<ConverseOutput>,
    /// `end_turn`, `tool_use`, `max_tokens`, `stop_sequence`,
    /// `guardrail_intervened`, `content_filtered`, ...
    pub stop_reason: Option<String>,
    /// Token usage.
    #[serde(deserialize_with = "object_or_null")]
    pub usage: Option<TokenUsage>,
    /// Latency.
    #[serde(deserialize_with = "object_or_null")]
    pub metrics: Option<ConverseMetrics>,
    /// Model-specific response fields that were asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub additional_model_response_fields: Option<Value>,
    /// Guardrail and prompt-router trace.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(deserialize_with = "object_or_null")]
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

    fn invoked_model(&self) -> Option<&str> {
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
    #[serde(deserialize_with = "object_or_null")]
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
    #[serde(deserialize_with = "object_or_null")]
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
    fn dimension_count(&self) -> Option<u64> {
        if !self.embedding.is_empty() {
            return Some(self.embedding.len() as u64);
        }
        self.embeddings_by_type.as_ref().and_then(by_type_len)
    }
}

/// An optional struct that only a JSON object (or null) gives: serde's
/// derived structs also accept arrays, read by position, which would turn
/// `"usage": [5]` into 5 input tokens.
fn object_or_null<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    struct ObjectOrNull<T>(std::marker::PhantomData<T>);

    impl<'de, T: Deserialize<'de>> serde::de::Visitor<'de> for ObjectOrNull<T> {
        type Value = Option<T>;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("an object or null")
        }

        fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_some<D: serde::Deserializer<'de>>(
            self,
            deserializer: D,
        ) -> Result<Self::Value, D::Error> {
            deserializer.deserialize_map(self)
        }

        fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
            T::deserialize(serde::de::value::MapAccessDeserializer::new(map)).map(Some)
        }
    }

    deserializer.deserialize_option(ObjectOrNull(std::marker::PhantomData))
}

/// Sums Bedrock's separate input buckets; `None` when no count is present.
fn normalize(
    input: Option<u64>,
    output: Option<u64>,
    cache_read: Option<u64>,
    cache_write: Option<u64>,
) -> Option<Usage> {
    if input.is_none() && output.is_none() && cache_read.is_none() && cache_write.is_none() {
        return None;
    }
    let total_input = match (input, cache_read, cache_write) {
        (None, None, None) => None,
        (i, r, w) => Some(
            i.unwrap_or(0)
                .saturating_add(r.unwrap_or(0))
                .saturating_add(w.unwrap_or(0)),
        ),
    };
    Some(Usage {
        input_tokens: total_input,
        output_tokens: output,
        cache_read_input_tokens: cache_read,
        cache_write_input_tokens: cache_write,
        ..Usage::default()
    })
}

fn titan_usage(input_text_token_count: Option<u64>) -> Option<Usage> {
    Some(Usage {
        input_tokens: Some(input_text_token_count?),
        ..Usage::default()
    })
}

/// The length of the first non-empty array of `embeddingsByType`.
fn by_type_len(by_type: &Value) -> Option<u64> {
    ["float", "binary"]
        .iter()
        .map(|k| array_at(by_type, k).len())
        .find(|&n| n > 0)
        .map(|n| n as u64)
}

fn is_titan_response(v: &Value) -> bool {
    ["embedding", "embeddingsByType", "inputTextTokenCount"]
        .iter()
        .any(|k| v.get(k).is_some())
}

impl RequestFacts<Bedrock> for ConverseRequest {
    fn request_model(&self) -> Option<&str> {
        self.model_id.as_deref().filter(|m| !m.is_empty())
    }

    fn request_info(&self) -> RequestInfo<'_> {
        let config = self.inference_config.as_ref();
        RequestInfo {
            model: RequestFacts::<Bedrock>::request_model(self).map(Cow::Borrowed),
            temperature: config.and_then(|c| c.temperature),
            top_p: config.and_then(|c| c.top_p),
            top_k: self
                .additional_model_request_fields
                .as_ref()
                .and_then(|f| f64_at(f, "top_k")),
            max_tokens: config.and_then(|c| c.max_tokens),
            stop_sequences: config
                .map(|c| {
                    c.stop_sequences
                        .iter()
                        .map(|s| Cow::Borrowed(s.as_str()))
                        .collect()
                })
                .unwrap_or_default(),
            provider_attributes: guardrail_id(self.extra.get("guardrailConfig")),
            ..RequestInfo::default()
        }
    }

    fn request_content(&self) -> Option<RequestContent> {
        converse_request_content(&serde_json::to_value(self).ok()?)
    }
}

impl RequestFacts<Bedrock> for TitanEmbeddingRequest {
    fn request_model(&self) -> Option<&str> {
        self.model_id.as_deref().filter(|m| !m.is_empty())
    }

    fn request_info(&self) -> RequestInfo<'_> {
        RequestInfo {
            model: RequestFacts::<Bedrock>::request_model(self).map(Cow::Borrowed),
            encoding_formats: self
                .embedding_types
                .iter()
                .map(|t| Cow::Borrowed(t.as_str()))
                .collect(),
            ..RequestInfo::default()
        }
    }
}

/// `aws.bedrock.guardrail.id` from a Converse `guardrailConfig`.
fn guardrail_id(config: Option<&Value>) -> Vec<(Cow<'static, str>, Cow<'_, str>)> {
    config
        .and_then(|c| str_at(c, "guardrailIdentifier"))
        .filter(|id| !id.is_empty())
        .map(|id| (Cow::Borrowed(sc::AWS_BEDROCK_GUARDRAIL_ID), id))
        .into_iter()
        .collect()
}

impl RequestFacts<Bedrock> for Value {
    fn request_model(&self) -> Option<&str> {
        self.get("modelId")?.as_str()
    }

    fn request_info(&self) -> RequestInfo<'_> {
        let model = str_at(self, "modelId");
        if self.get("inputText").is_some() {
            return RequestInfo {
                model,
                encoding_formats: strings_at(self, "embeddingTypes"),
                ..RequestInfo::default()
            };
        }
        static EMPTY: Value = Value::Null;
        let empty = &EMPTY;
        let config = self.get("inferenceConfig").unwrap_or(empty);
        let extra = self.get("additionalModelRequestFields").unwrap_or(empty);
        RequestInfo {
            model,
            temperature: f64_at(config, "temperature"),
            top_p: f64_at(config, "topP"),
            top_k: f64_at(extra, "top_k"),
            max_tokens: u64_at(config, "maxTokens"),
            stop_sequences: strings_at(config, "stopSequences"),
            provider_attributes: guardrail_id(self.get("guardrailConfig")),
            ..RequestInfo::default()
        }
    }

    fn request_content(&self) -> Option<RequestContent> {
        converse_request_content(self)
    }
}

impl ResponseFacts<Bedrock> for ConverseResponse {
    fn response_info(&self) -> ResponseInfo<'_> {
        ResponseInfo {
            id: None,
            model: self.invoked_model().map(Cow::Borrowed),
            finish_reasons: self
                .stop_reason
                .as_deref()
                .map(Cow::Borrowed)
                .into_iter()
                .collect(),
            usage: ResponseFacts::<Bedrock>::usage(self),
            tool_calls: self
                .content()
                .iter()
                .filter_map(|b| b.tool_use.as_ref())
                .filter(|t| !t.name.is_empty())
                .map(|t| {
                    ToolCall::new(
                        Some(t.tool_use_id.as_str()).filter(|s| !s.is_empty()),
                        t.name.as_str(),
                    )
                })
                .collect(),
            embeddings_dimension_count: None,
            provider_attributes: Vec::new(),
        }
    }

    fn usage(&self) -> Option<Usage> {
        self.usage.as_ref()?.normalized()
    }

    fn response_model(&self) -> Option<&str> {
        self.invoked_model()
    }

    fn output_messages(&self) -> Option<Vec<OutputMessage>> {
        converse_output_messages(&serde_json::to_value(self).ok()?)
    }
}

impl ResponseFacts<Bedrock> for TitanEmbeddingResponse {
    fn response_info(&self) -> ResponseInfo<'_> {
        ResponseInfo {
            usage: ResponseFacts::<Bedrock>::usage(self),
            embeddings_dimension_count: self.dimension_count(),
            ..ResponseInfo::default()
        }
    }

    fn usage(&self) -> Option<Usage> {
        titan_usage(self.input_text_token_count)
    }
}

impl ResponseFacts<Bedrock> for Value {
    fn response_info(&self) -> ResponseInfo<'_> {
        if is_titan_response(self) {
            let dimensions = match array_at(self, "embedding").len() {
                0 => self.get("embeddingsByType").and_then(by_type_len),
                n => Some(n as u64),
            };
            return ResponseInfo {
                usage: ResponseFacts::<Bedrock>::usage(self),
                embeddings_dimension_count: dimensions,
                ..ResponseInfo::default()
            };
        }
        let content = self
            .get("output")
            .and_then(|o| o.get("message"))
            .map(|m| array_at(m, "content"))
            .unwrap_or(&[]);
        ResponseInfo {
            id: None,
            model: ResponseFacts::<Bedrock>::response_model(self).map(Cow::Borrowed),
            finish_reasons: str_at(self, "stopReason").into_iter().collect(),
            usage: ResponseFacts::<Bedrock>::usage(self),
            tool_calls: content
                .iter()
                .filter_map(|b| b.get("toolUse"))
                .filter_map(|t| {
                    Some(ToolCall {
                        id: str_at(t, "toolUseId"),
                        name: str_at(t, "name")?,
                    })
                })
                .collect(),
            embeddings_dimension_count: None,
            provider_attributes: Vec::new(),
        }
    }

    fn usage(&self) -> Option<Usage> {
        if is_titan_response(self) {
            return titan_usage(u64_at(self, "inputTextTokenCount"));
        }
        converse_usage(self)
    }

    fn response_model(&self) -> Option<&str> {
        routed_model(self)
    }

    fn output_messages(&self) -> Option<Vec<OutputMessage>> {
        converse_output_messages(self)
    }
}

/// The content of a Converse request body: `system` blocks as system
/// instructions, `messages`, and `toolConfig.tools`.
fn converse_request_content(body: &Value) -> Option<RequestContent> {
    let messages = body.get("messages")?.as_array()?;
    let tools = body
        .get("toolConfig")
        .map(|c| array_at(c, "tools"))
        .unwrap_or(&[]);
    Some(RequestContent {
        input_messages: messages
            .iter()
            .filter_map(|m| {
                let role = m.get("role")?.as_str()?;
                Some(InputMessage::new(role, blocks(m)))
            })
            .collect(),
        system_instructions: array_at(body, "system").iter().filter_map(block).collect(),
        tool_definitions: tools
            .iter()
            .filter_map(|t| {
                let spec = t.get("toolSpec")?;
                Some(ToolDefinition::function(
                    text_at(spec, "name"),
                    string_at(spec, "description"),
                    spec.get("inputSchema").and_then(|s| s.get("json")).cloned(),
                ))
            })
            .collect(),
    })
}

fn blocks(message: &Value) -> Vec<Part> {
    array_at(message, "content")
        .iter()
        .filter_map(block)
        .collect()
}

/// One content block (a union: the member set names its kind) as a part;
/// cache points are markers, not content.
fn block(b: &Value) -> Option<Part> {
    if let Some(text) = b.get("text").and_then(Value::as_str) {
        return Some(Part::text(text));
    }
    if let Some(call) = b.get("toolUse") {
        return Some(Part::tool_call(
            string_at(call, "toolUseId"),
            text_at(call, "name"),
            call.get("input").cloned().unwrap_or(Value::Null),
        ));
    }
    if let Some(result) = b.get("toolResult") {
        return Some(Part::tool_call_response(
            string_at(result, "toolUseId"),
            tool_result(array_at(result, "content")),
        ));
    }
    if let Some(reasoning) = b.get("reasoningContent") {
        let text = reasoning
            .get("reasoningText")
            .map_or("", |r| text_at(r, "text"));
        // Reasoning the provider encrypted has no text to show.
        return Some(if text.is_empty() {
            Part::other("redacted_reasoning", Map::new())
        } else {
            Part::reasoning(text)
        });
    }
    for (kind, modality) in [
        ("image", "image"),
        ("document", "document"),
        ("video", "video"),
    ] {
        if let Some(media) = b.get(kind) {
            let mime = str_at(media, "format").map(|f| media_type(modality, &f));
            let source = media.get("source").unwrap_or(&Value::Null);
            if let Some(bytes) = source.get("bytes").and_then(Value::as_str) {
                return Some(Part::Blob {
                    mime_type: mime,
                    modality: modality.to_owned(),
                    content: bytes.to_owned(),
                });
            }
            if let Some(uri) = source.get("s3Location").and_then(|l| l.get("uri")) {
                return Some(Part::Uri {
                    mime_type: mime,
                    modality: modality.to_owned(),
                    uri: uri.as_str().unwrap_or("").to_owned(),
                });
            }
        }
    }
    let map = b.as_object()?;
    let (kind, fields) = map.iter().next()?;
    if kind == "cachePoint" {
        return None;
    }
    let mut fields = fields.as_object().cloned().unwrap_or_default();
    fields.remove("type");
    Some(Part::other(kind, fields))
}

/// The MIME type of a Converse media `format`.
fn media_type(modality: &str, format: &str) -> String {
    let document = match format {
        "pdf" => "application/pdf",
        "csv" => "text/csv",
        "html" => "text/html",
        "txt" => "text/plain",
        "md" => "text/markdown",
        "doc" => "application/msword",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xls" => "application/vnd.ms-excel",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        _ => "",
    };
    if modality == "document" && !document.is_empty() {
        document.to_owned()
    } else {
        format!("{modality}/{format}")
    }
}

/// A `toolResult`'s content: the text when it is all text, the JSON when it
/// is one JSON block, the blocks otherwise.
fn tool_result(content: &[Value]) -> Value {
    if content.iter().all(|c| c.get("text").is_some()) {
        return Value::String(content.iter().map(|c| text_at(c, "text")).collect());
    }
    match content {
        [one] if one.get("json").is_some() => one["json"].clone(),
        _ => Value::Array(content.to_vec()),
    }
}

/// The one output message of a Converse response body.
fn converse_output_messages(v: &Value) -> Option<Vec<OutputMessage>> {
    let message = v.get("output")?.get("message")?;
    Some(vec![OutputMessage::new(
        str_at(message, "role").unwrap_or(Cow::Borrowed("assistant")),
        blocks(message),
        v.get("stopReason").and_then(Value::as_str),
    )])
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

/// The exception names a `ConverseStream` can end with.
const STREAM_EXCEPTIONS: [&str; 5] = [
    "internalServerException",
    "modelStreamErrorException",
    "throttlingException",
    "validationException",
    "serviceUnavailableException",
];

fn observe_tool_start(start: &Value, stream: &mut StreamFacts) {
    if let Some(tool) = start.get("toolUse") {
        if let Some(name) = tool.get("name").and_then(Value::as_str) {
            stream.tool_call(tool.get("toolUseId").and_then(Value::as_str), name);
        }
    }
}

fn observe_exception(name: &str, body: &Value, stream: &mut StreamFacts) {
    let message = body.get("message").and_then(Value::as_str).unwrap_or("");
    stream.__fail(Cow::Owned(name.to_owned()), &message);
}

impl ChunkFacts<Bedrock> for ConverseStreamEvent {
    fn observe(&self, stream: &mut StreamFacts) {
        if self.message_start.is_some() {
            stream.choice(0);
        }
        if let Some(start) = self
            .content_block_start
            .as_ref()
            .and_then(|s| s.start.as_ref())
        {
            observe_tool_start(start, stream);
        }
        if let Some(delta) = &self.content_block_delta {
            observe_delta(delta, stream);
        }
        if let Some(reason) = self
            .message_stop
            .as_ref()
            .and_then(|m| m.stop_reason.as_deref())
        {
            stream.finish_reason(0, reason);
        }
        if let Some(metadata) = &self.metadata {
            if let Some(usage) = metadata.usage.as_ref().and_then(TokenUsage::normalized) {
                stream.merge_usage(usage);
            }
            let routed = metadata
                .trace
                .as_ref()
                .and_then(|t| t.prompt_router.as_ref())
                .and_then(|r| r.invoked_model_id.as_deref());
            if let Some(model) = routed {
                stream.model(model);
            }
        }
        for name in STREAM_EXCEPTIONS {
            if let Some(body) = self.exceptions.get(name) {
                observe_exception(name, body, stream);
            }
        }
    }
}

/// A raw event: `{"metadata": {...}}` as the SDKs serialize it, or the bare
/// event-stream payload (`{"usage": ..., "metrics": ...}`, `{"stopReason":
/// ...}`, `{"start": ..., "contentBlockIndex": 0}`, `{"role": ...}`).
impl ChunkFacts<Bedrock> for Value {
    fn observe(&self, stream: &mut StreamFacts) {
        let Some(object) = self.as_object() else {
            return;
        };
        for (key, body) in object {
            match key.as_str() {
                "messageStart" | "role" => stream.choice(0),
                "contentBlockDelta" => observe_delta(body, stream),
                "contentBlockStart" => {
                    if let Some(start) = body.get("start") {
                        observe_tool_start(start, stream);
                    }
                }
                "start" => observe_tool_start(body, stream),
                "messageStop" => {
                    if let Some(reason) = body.get("stopReason").and_then(Value::as_str) {
                        stream.finish_reason(0, reason);
                    }
                }
                "stopReason" => {
                    if let Some(reason) = body.as_str() {
                        stream.finish_reason(0, reason);
                    }
                }
                "metadata" => observe_metadata(body, stream),
                "usage" => observe_metadata(self, stream),
                name if STREAM_EXCEPTIONS.contains(&name) => observe_exception(name, body, stream),
                _ => {}
            }
        }
    }
}

/// A `contentBlockDelta`: a piece of text, reasoning or a tool call's input
/// (kept only with content capture on).
fn observe_delta(body: &Value, stream: &mut StreamFacts) {
    let Some(delta) = body.get("delta").filter(|_| stream.captures_content()) else {
        return;
    };
    if let Some(text) = delta.get("text").and_then(Value::as_str) {
        stream.text(0, text);
    }
    let reasoning = delta.get("reasoningContent").and_then(|r| r.get("text"));
    if let Some(text) = reasoning.and_then(Value::as_str) {
        stream.reasoning(0, text);
    }
    let input = delta.get("toolUse").and_then(|t| t.get("input"));
    if let Some(input) = input.and_then(Value::as_str) {
        let block = u64_at(body, "contentBlockIndex").and_then(|i| usize::try_from(i).ok());
        stream.tool_call_delta(0, block.unwrap_or(0), None, None, input);
    }
}

/// A stream's `metadata`: the same `usage` and `trace` as a Converse
/// response's.
fn observe_metadata(metadata: &Value, stream: &mut StreamFacts) {
    if let Some(usage) = converse_usage(metadata) {
        stream.merge_usage(usage);
    }
    if let Some(model) = routed_model(metadata) {
        stream.model(model);
    }
}

/// The normalized `usage` of a raw Converse response (or stream `metadata`).
fn converse_usage(v: &Value) -> Option<Usage> {
    let u = v.get("usage")?;
    normalize(
        u64_at(u, "inputTokens"),
        u64_at(u, "outputTokens"),
        u64_at(u, "cacheReadInputTokens"),
        u64_at(u, "cacheWriteInputTokens"),
    )
}

/// `trace.promptRouter.invokedModelId`: the model a prompt router chose.
fn routed_model(v: &Value) -> Option<&str> {
    v.get("trace")?
        .get("promptRouter")?
        .get("invokedModelId")?
        .as_str()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// Both readings of a body: raw and typed.
    fn both(body: &Value) -> (ResponseInfo<'_>, ConverseResponse) {
        let raw = ResponseFacts::<Bedrock>::response_info(body);
        let typed: ConverseResponse = serde_json::from_value(body.clone()).unwrap();
        (raw, typed)
    }

    fn assert_same(body: &Value, expected: &ResponseInfo<'_>) {
        let (raw, typed) = both(body);
        assert_eq!(&raw, expected, "raw");
        assert_eq!(
            &ResponseFacts::<Bedrock>::response_info(&typed),
            expected,
            "typed"
        );
        assert_eq!(ResponseFacts::<Bedrock>::usage(body), expected.usage);
        assert_eq!(ResponseFacts::<Bedrock>::usage(&typed), expected.usage);
        assert_eq!(
            ResponseFacts::<Bedrock>::response_model(body),
            expected.model.as_deref()
        );
        assert_eq!(
            ResponseFacts::<Bedrock>::response_model(&typed),
            expected.model.as_deref()
        );
    }

    #[test]
    fn provider_constants() {
        assert_eq!(Bedrock::NAME, "aws.bedrock");
        assert_eq!(Bedrock::DEFAULT_OPERATION, "chat");
        assert_eq!(Bedrock::SERVER_ADDRESS, None);
        assert_eq!(Bedrock::SERVER_PORT, None);
    }

    #[test]
    fn plain_text() {
        let body = json!({
            "output": {"message": {"role": "assistant", "content": [
                {"text": "Hello! How can I help you today?"}
            ]}},
            "stopReason": "end_turn",
            "usage": {"inputTokens": 12, "outputTokens": 10, "totalTokens": 22},
            "metrics": {"latencyMs": 611}
        });
        assert_same(
            &body,
            &ResponseInfo {
                finish_reasons: vec!["end_turn".into()],
                usage: Some(Usage {
                    input_tokens: Some(12),
                    output_tokens: Some(10),
                    ..Usage::default()
                }),
                ..ResponseInfo::default()
            },
        );
        let (_, typed) = both(&body);
        assert_eq!(typed.text(), "Hello! How can I help you today?");
        assert_eq!(typed.metrics.unwrap().latency_ms, Some(611));
        assert_eq!(typed.usage.unwrap().total_tokens, Some(22));
    }

    #[test]
    fn tool_use() {
        let body = json!({
            "output": {"message": {"role": "assistant", "content": [
                {"text": "I'll look up the most popular song on WZPZ."},
                {"toolUse": {"toolUseId": "tooluse_kZJMlvQmRJ6eAyJE5GIl7Q",
                             "name": "top_song", "input": {"sign": "WZPZ"}}},
                {"toolUse": {"toolUseId": "tooluse_2", "name": "weather",
                             "input": {"city": "Seattle"}}}
            ]}},
            "stopReason": "tool_use",
            "usage": {"inputTokens": 375, "outputTokens": 72, "totalTokens": 447},
            "metrics": {"latencyMs": 1410}
        });
        assert_same(
            &body,
            &ResponseInfo {
                finish_reasons: vec!["tool_use".into()],
                usage: Some(Usage {
                    input_tokens: Some(375),
                    output_tokens: Some(72),
                    ..Usage::default()
                }),
                tool_calls: vec![
                    ToolCall::new(Some("tooluse_kZJMlvQmRJ6eAyJE5GIl7Q"), "top_song"),
                    ToolCall::new(Some("tooluse_2"), "weather"),
                ],
                ..ResponseInfo::default()
            },
        );
        let (_, typed) = both(&body);
        assert_eq!(
            typed.content()[1].tool_use.as_ref().unwrap().input,
            json!({"sign": "WZPZ"})
        );
    }

    #[test]
    fn cache_reads_and_writes_are_added_to_input() {
        // totalTokens = inputTokens + cacheRead + cacheWrite + outputTokens.
        let body = json!({
            "output": {"message": {"role": "assistant", "content": [{"text": "Summary..."}]}},
            "stopReason": "max_tokens",
            "usage": {"inputTokens": 14, "outputTokens": 120, "totalTokens": 3200,
                      "cacheReadInputTokens": 2048, "cacheWriteInputTokens": 1018},
            "metrics": {"latencyMs": 2200}
        });
        assert_same(
            &body,
            &ResponseInfo {
                finish_reasons: vec!["max_tokens".into()],
                usage: Some(Usage {
                    input_tokens: Some(3080),
                    output_tokens: Some(120),
                    cache_read_input_tokens: Some(2048),
                    cache_write_input_tokens: Some(1018),
                    ..Usage::default()
                }),
                ..ResponseInfo::default()
            },
        );
    }

    #[test]
    fn reasoning_content_is_in_output_tokens() {
        let body = json!({
            "output": {"message": {"role": "assistant", "content": [
                {"reasoningContent": {"reasoningText": {
                    "text": "The user asks for 2+2. That is 4.",
                    "signature": "ErcBCkgIAhABGAIiQ..."}}},
                {"reasoningContent": {"redactedContent": "EmwKAhgBEgy3va3pzix"}},
                {"text": "4"}
            ]}},
            "stopReason": "end_turn",
            "usage": {"inputTokens": 45, "outputTokens": 210, "totalTokens": 255,
                      "cacheReadInputTokens": 0, "cacheWriteInputTokens": 0},
            "metrics": {"latencyMs": 3021}
        });
        assert_same(
            &body,
            &ResponseInfo {
                finish_reasons: vec!["end_turn".into()],
                usage: Some(Usage {
                    input_tokens: Some(45),
                    output_tokens: Some(210),
                    cache_read_input_tokens: Some(0),
                    cache_write_input_tokens: Some(0),
                    reasoning_output_tokens: None,
                    ..Usage::default()
                }),
                ..ResponseInfo::default()
            },
        );
        let (_, typed) = both(&body);
        let reasoning = typed.content()[0].reasoning_content.as_ref().unwrap();
        assert_eq!(
            reasoning.reasoning_text.as_ref().unwrap().text,
            "The user asks for 2+2. That is 4."
        );
        assert_eq!(typed.text(), "4");
    }

    #[test]
    fn prompt_router_names_the_response_model() {
        let model =
            "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0";
        let body = json!({
            "output": {"message": {"role": "assistant", "content": [{"text": "Hi"}]}},
            "stopReason": "guardrail_intervened",
            "usage": {"inputTokens": 5, "outputTokens": 1, "totalTokens": 6},
            "metrics": {"latencyMs": 100},
            "trace": {"promptRouter": {"invokedModelId": model}, "guardrail": {}}
        });
        assert_same(
            &body,
            &ResponseInfo {
                model: Some(model.into()),
                finish_reasons: vec!["guardrail_intervened".into()],
                usage: Some(Usage {
                    input_tokens: Some(5),
                    output_tokens: Some(1),
                    ..Usage::default()
                }),
                ..ResponseInfo::default()
            },
        );
    }

    #[test]
    fn request_facts_from_inference_config() {
        let body = json!({
            "modelId": "anthropic.claude-3-5-sonnet-20240620-v1:0",
            "messages": [{"role": "user", "content": [{"text": "Hello"}, {"cachePoint": {"type": "default"}}]}],
            "system": [{"text": "Be brief."}],
            "inferenceConfig": {"maxTokens": 512, "temperature": 0.5, "topP": 0.9,
                                "stopSequences": ["\n\nHuman:", "END"]},
            "toolConfig": {"tools": []},
            "additionalModelRequestFields": {"top_k": 200}
        });
        let expected = RequestInfo {
            model: Some("anthropic.claude-3-5-sonnet-20240620-v1:0".into()),
            temperature: Some(0.5),
            top_p: Some(0.9),
            top_k: Some(200.0),
            max_tokens: Some(512),
            stop_sequences: vec!["\n\nHuman:".into(), "END".into()],
            ..RequestInfo::default()
        };
        assert_eq!(RequestFacts::<Bedrock>::request_info(&body), expected);
        assert_eq!(
            RequestFacts::<Bedrock>::request_model(&body),
            Some("anthropic.claude-3-5-sonnet-20240620-v1:0")
        );
        let typed: ConverseRequest = serde_json::from_value(body.clone()).unwrap();
        assert_eq!(RequestFacts::<Bedrock>::request_info(&typed), expected);
        // Unknown block kinds survive a round trip.
        assert_eq!(serde_json::to_value(&typed).unwrap(), body);

        let built = ConverseRequest {
            inference_config: Some(InferenceConfig {
                max_tokens: Some(100),
                ..InferenceConfig::default()
            }),
            ..ConverseRequest::new("amazon.nova-lite-v1:0", vec![Message::user("Hi")])
        };
        assert_eq!(
            RequestFacts::<Bedrock>::request_info(&built),
            RequestInfo {
                model: Some("amazon.nova-lite-v1:0".into()),
                max_tokens: Some(100),
                ..RequestInfo::default()
            }
        );
        assert_eq!(
            serde_json::to_value(&built).unwrap(),
            json!({"modelId": "amazon.nova-lite-v1:0",
                   "messages": [{"role": "user", "content": [{"text": "Hi"}]}],
                   "inferenceConfig": {"maxTokens": 100}})
        );

        // Without modelId (the HTTP body): no model.
        let bare = json!({"messages": [], "inferenceConfig": {"maxTokens": 5}});
        assert_eq!(RequestFacts::<Bedrock>::request_model(&bare), None);
        let bare_typed: ConverseRequest = serde_json::from_value(bare.clone()).unwrap();
        assert_eq!(RequestFacts::<Bedrock>::request_model(&bare_typed), None);
        assert_eq!(
            RequestFacts::<Bedrock>::request_info(&bare).max_tokens,
            Some(5)
        );
    }

    #[test]
    fn titan_embedding() {
        let request = json!({"inputText": "What are the different services that you offer?",
                             "dimensions": 256, "normalize": true});
        assert_eq!(
            RequestFacts::<Bedrock>::request_info(&request),
            RequestInfo::default()
        );
        let typed_request: TitanEmbeddingRequest = serde_json::from_value(request.clone()).unwrap();
        assert_eq!(typed_request.dimensions, Some(256));
        assert_eq!(
            RequestFacts::<Bedrock>::request_info(&typed_request),
            RequestInfo::default()
        );
        assert_eq!(serde_json::to_value(&typed_request).unwrap(), request);
        let with_model = json!({"modelId": "amazon.titan-embed-text-v2:0", "inputText": "x"});
        assert_eq!(
            RequestFacts::<Bedrock>::request_info(&with_model)
                .model
                .as_deref(),
            Some("amazon.titan-embed-text-v2:0")
        );

        let vector: Vec<f64> = (0..256).map(|i| f64::from(i) / 256.0).collect();
        let body = json!({"embedding": vector, "inputTextTokenCount": 9,
                          "embeddingsByType": {"float": vector}});
        let expected = ResponseInfo {
            usage: Some(Usage {
                input_tokens: Some(9),
                ..Usage::default()
            }),
            embeddings_dimension_count: Some(256),
            ..ResponseInfo::default()
        };
        assert_eq!(ResponseFacts::<Bedrock>::response_info(&body), expected);
        let typed: TitanEmbeddingResponse = serde_json::from_value(body.clone()).unwrap();
        assert_eq!(ResponseFacts::<Bedrock>::response_info(&typed), expected);
        assert_eq!(ResponseFacts::<Bedrock>::usage(&typed), expected.usage);

        // Binary only: the dimension count comes from embeddingsByType.
        let binary =
            json!({"inputTextTokenCount": 3, "embeddingsByType": {"binary": [1, 0, 1, 1]}});
        let typed: TitanEmbeddingResponse = serde_json::from_value(binary.clone()).unwrap();
        for info in [
            ResponseFacts::<Bedrock>::response_info(&binary),
            ResponseFacts::<Bedrock>::response_info(&typed),
        ] {
            assert_eq!(info.embeddings_dimension_count, Some(4));
            assert_eq!(info.usage.unwrap().input_tokens, Some(3));
        }
    }

    #[test]
    fn malformed_raw_bodies_give_no_usage_and_no_panic() {
        let huge = "x".repeat(1 << 20);
        let bodies = [
            // Missing usage.
            json!({"output": {"message": {"role": "assistant", "content": [{"text": "hi"}]}},
                   "stopReason": "end_turn"}),
            // Wrong types.
            json!({"usage": {"inputTokens": "12", "outputTokens": 3.5, "cacheReadInputTokens": true},
                   "stopReason": 5, "output": "nope"}),
            // Negative numbers.
            json!({"usage": {"inputTokens": -1, "outputTokens": -5, "cacheWriteInputTokens": -2}}),
            // A 1 MB string where a number belongs.
            json!({"usage": {"inputTokens": huge, "outputTokens": huge}}),
            // Arrays where objects are expected.
            json!({"usage": [1, 2, 3], "output": [], "trace": []}),
            json!({"usage": {}, "output": {"message": []}}),
            json!({"output": {"message": {"content": {"toolUse": {"name": "x"}}}}}),
            json!({"output": {"message": {"content": [{"toolUse": []}, {"toolUse": {"toolUseId": 1}}, 7]}}}),
            // Not objects at all.
            json!([]),
            json!(null),
            json!("body"),
            json!(42),
        ];
        for body in &bodies {
            let info = ResponseFacts::<Bedrock>::response_info(body);
            assert_eq!(info.usage, None, "{body:.80}");
            assert_eq!(ResponseFacts::<Bedrock>::usage(body), None);
            assert!(info.tool_calls.is_empty());
            assert_eq!(info.id, None);
            assert_eq!(info.model, None);
            let _ = RequestFacts::<Bedrock>::request_info(body);
        }
        assert_eq!(
            ResponseFacts::<Bedrock>::response_info(&bodies[0]).finish_reasons,
            ["end_turn"]
        );

        // A huge string where a string belongs is carried through.
        let body = json!({"stopReason": huge,
                          "output": {"message": {"content": [{"toolUse": {"toolUseId": huge, "name": huge}}]}}});
        let info = ResponseFacts::<Bedrock>::response_info(&body);
        assert_eq!(info.finish_reasons[0].len(), 1 << 20);
        assert_eq!(info.tool_calls[0].name.len(), 1 << 20);
        assert_eq!(info.usage, None);

        // Titan bodies.
        for body in [
            json!({"embedding": "abc", "inputTextTokenCount": -3}),
            json!({"embedding": {}, "inputTextTokenCount": "9", "embeddingsByType": []}),
            json!({"inputTextTokenCount": huge}),
        ] {
            let info = ResponseFacts::<Bedrock>::response_info(&body);
            assert_eq!(info, ResponseInfo::default());
        }

        // Malformed requests.
        let request = json!({"modelId": 7, "inferenceConfig": [1],
                             "additionalModelRequestFields": "top_k"});
        assert_eq!(
            RequestFacts::<Bedrock>::request_info(&request),
            RequestInfo::default()
        );
        let request = json!({"inferenceConfig": {"maxTokens": -1, "temperature": "hot",
                                                 "topP": [], "stopSequences": {}}});
        assert_eq!(
            RequestFacts::<Bedrock>::request_info(&request),
            RequestInfo::default()
        );
    }

    #[test]
    fn partial_usage_keeps_the_valid_counts() {
        let body = json!({"usage": {"inputTokens": 10, "outputTokens": -1}});
        assert_eq!(
            ResponseFacts::<Bedrock>::usage(&body),
            Some(Usage {
                input_tokens: Some(10),
                ..Usage::default()
            })
        );
        let body = json!({"usage": {"outputTokens": 4}});
        assert_eq!(
            ResponseFacts::<Bedrock>::usage(&body),
            Some(Usage {
                output_tokens: Some(4),
                ..Usage::default()
            })
        );
        let typed: ConverseResponse = serde_json::from_value(json!({"usage": {}})).unwrap();
        assert_eq!(ResponseFacts::<Bedrock>::usage(&typed), None);
    }

    #[test]
    fn typed_deserialization_of_wrong_types_is_an_error() {
        for body in [
            json!({"usage": {"inputTokens": "12"}}),
            json!({"usage": {"inputTokens": -1}}),
            json!({"usage": [1]}),
            json!({"stopReason": 5}),
            json!({"output": []}),
            json!({"output": {"message": {"content": {}}}}),
            json!({"output": {"message": {"content": [{"toolUse": []}]}}}),
            json!({"output": {"message": {"content": [{"reasoningContent": [1]}]}}}),
            json!({"trace": {"promptRouter": ["model"]}}),
            json!({"metrics": [5]}),
            json!("x".repeat(1 << 20)),
        ] {
            assert!(
                serde_json::from_value::<ConverseResponse>(body.clone()).is_err(),
                "{body:.80}"
            );
        }
        // serde reads a top-level array as a struct by position: an empty
        // one is an empty response, with no facts.
        let empty: ConverseResponse = serde_json::from_value(json!([])).unwrap();
        assert_eq!(
            ResponseFacts::<Bedrock>::response_info(&empty),
            ResponseInfo::default()
        );
        // A tool call without a name is no tool call.
        let nameless: ConverseResponse = serde_json::from_value(
            json!({"output": {"message": {"content": [{"toolUse": {"toolUseId": "t1"}}]}}}),
        )
        .unwrap();
        assert!(ResponseFacts::<Bedrock>::response_info(&nameless)
            .tool_calls
            .is_empty());
        for body in [
            json!({"embedding": "abc"}),
            json!({"inputTextTokenCount": -3}),
            json!(null),
        ] {
            assert!(serde_json::from_value::<TitanEmbeddingResponse>(body).is_err());
        }
        for body in [
            json!({"inferenceConfig": {"maxTokens": -1}}),
            json!({"messages": {}}),
            json!({"modelId": 7}),
        ] {
            assert!(serde_json::from_value::<ConverseRequest>(body).is_err());
        }
    }
}
