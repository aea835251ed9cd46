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

use serde_json::Value;

use super::super::formats::converse::{content, facts, stream};
use super::vendor;
use crate::content::{OutputMessage, RequestContent};
use crate::provider::{
    ChunkFacts, RequestFacts, RequestInfo, ResponseFacts, ResponseInfo, StreamFacts, Usage,
};

pub use super::super::formats::converse::{
    ContentBlock, ContentBlockStartEvent, ConverseMetrics, ConverseOutput, ConverseRequest,
    ConverseResponse, ConverseStreamEvent, ConverseStreamMetadata, ConverseTrace, InferenceConfig,
    Message, MessageStopEvent, PromptRouterTrace, ReasoningContentBlock, ReasoningText,
    TitanEmbeddingRequest, TitanEmbeddingResponse, TokenUsage, ToolUseBlock,
};

vendor! {
    /// AWS Bedrock (`gen_ai.provider.name = "aws.bedrock"`): Converse and Titan
    /// text embeddings.
    ///
    /// Endpoints are regional, so there is no default `server.address`; name the
    /// regional endpoint with `server = "bedrock-runtime.us-east-1.amazonaws.com"`.
    Bedrock { name: "aws.bedrock", operation: "chat" }
}

impl RequestFacts<Bedrock> for ConverseRequest {
    fn request_model(&self) -> Option<&str> {
        facts::RequestView::model(self)
    }
    fn request_info(&self) -> RequestInfo<'_> {
        facts::request_info(self)
    }
    fn request_content(&self) -> Option<RequestContent> {
        content::converse_request_content(&serde_json::to_value(self).ok()?)
    }
}

impl RequestFacts<Bedrock> for TitanEmbeddingRequest {
    fn request_model(&self) -> Option<&str> {
        facts::RequestView::model(self)
    }
    fn request_info(&self) -> RequestInfo<'_> {
        facts::request_info(self)
    }
}

impl RequestFacts<Bedrock> for Value {
    fn request_model(&self) -> Option<&str> {
        facts::RequestView::model(self)
    }
    fn request_info(&self) -> RequestInfo<'_> {
        facts::request_info(self)
    }
    fn request_content(&self) -> Option<RequestContent> {
        content::converse_request_content(self)
    }
}

impl ResponseFacts<Bedrock> for ConverseResponse {
    fn response_info(&self) -> ResponseInfo<'_> {
        facts::response_info(self)
    }
    fn usage(&self) -> Option<Usage> {
        facts::ResponseView::usage(self)
    }
    fn response_model(&self) -> Option<&str> {
        facts::ResponseView::model(self)
    }
    fn output_messages(&self) -> Option<Vec<OutputMessage>> {
        content::converse_output_messages(&serde_json::to_value(self).ok()?)
    }
}

impl ResponseFacts<Bedrock> for TitanEmbeddingResponse {
    fn response_info(&self) -> ResponseInfo<'_> {
        facts::response_info(self)
    }
    fn usage(&self) -> Option<Usage> {
        facts::ResponseView::usage(self)
    }
}

impl ResponseFacts<Bedrock> for Value {
    fn response_info(&self) -> ResponseInfo<'_> {
        facts::response_info(self)
    }
    fn usage(&self) -> Option<Usage> {
        facts::ResponseView::usage(self)
    }
    fn response_model(&self) -> Option<&str> {
        facts::ResponseView::model(self)
    }
    fn output_messages(&self) -> Option<Vec<OutputMessage>> {
        content::converse_output_messages(self)
    }
}

impl ChunkFacts<Bedrock> for ConverseStreamEvent {
    fn observe(&self, facts: &mut StreamFacts) {
        stream::typed_events(self, |event| stream::observe(event, facts))
    }
}

/// A raw event: `{"metadata": {...}}` as the SDKs serialize it, or
/// the bare event-stream payload (`{"usage": ..., "metrics": ...}`,
/// `{"stopReason": ...}`, `{"start": ..., "contentBlockIndex": 0}`,
/// `{"role": ...}`).
impl ChunkFacts<Bedrock> for Value {
    fn observe(&self, facts: &mut StreamFacts) {
        stream::value_events(self, |event| stream::observe(event, facts))
    }
}
