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

pub use crate::provider::formats::converse::{
    ContentBlock, ContentBlockStartEvent, ConverseMetrics, ConverseOutput, ConverseRequest,
    ConverseResponse, ConverseStreamEvent, ConverseStreamMetadata, ConverseTrace, InferenceConfig,
    Message, MessageStopEvent, PromptRouterTrace, ReasoningContentBlock, ReasoningText,
    TitanEmbeddingRequest, TitanEmbeddingResponse, TokenUsage, ToolUseBlock,
};
use crate::provider::Provider;

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

crate::provider::formats::converse::converse_facts!(Bedrock);
