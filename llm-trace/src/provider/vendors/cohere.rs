//! Cohere v2 Chat (`POST /v2/chat`) and Embed (`POST /v2/embed`).
//!
//! Normalization (sources: the v2 Chat and Embed API references and the
//! `Usage` / `ApiMeta` types of Cohere's SDKs):
//!
//! - Cohere reports two counts per direction: `usage.tokens` (tokens the
//!   model used) and `usage.billed_units` (tokens billed). `input_tokens` and
//!   `output_tokens` come from `tokens`; `billable_input_tokens` and
//!   `billable_output_tokens` from `billed_units`, which the
//!   `gen_ai.client.token.usage` metric reports when present, as the GenAI
//!   conventions ask when a provider reports both. When `tokens` is absent the
//!   billed counts stand in for it.
//! - `usage.cached_tokens` (prompt tokens served from Cohere's cache, part of
//!   the input tokens) becomes `gen_ai.usage.cache_read.input_tokens`.
//! - `finish_reason` (`COMPLETE`, `MAX_TOKENS`, `STOP_SEQUENCE`, `TOOL_CALL`,
//!   `ERROR`, ...) is reported as given; the response carries no model name.
//! - Embed responses give their input tokens from `meta.tokens` (or
//!   `meta.billed_units`), billable input tokens from `meta.billed_units`, and
//!   the dimension count from the first returned embedding (`float`, `int8`,
//!   `uint8`; packed `binary`/`ubinary` vectors count 8 dimensions a byte).
//!   The `embeddings` operation is named by the annotation
//!   (`#[llm_call(provider = "cohere", operation = "embeddings")]`).
//!
//! Counts are read as whole non-negative numbers, written as integers or as
//! floats with no fraction (`12.0`), since Cohere's schema types them as
//! numbers. Raw [`serde_json::Value`] bodies of either endpoint give the same
//! facts as the typed ones; a chat body is told from an embed body by its
//! `embeddings` field. The typed responses refuse (with `Err`) a field of the
//! wrong type, an array where an object belongs included.

use serde_json::Value;

use super::super::formats::cohere_chat::{content, facts, stream};
use super::vendor;
use crate::content::{OutputMessage, RequestContent};
use crate::provider::{
    ChunkFacts, RequestFacts, RequestInfo, ResponseFacts, ResponseInfo, StreamFacts, Usage,
};

pub use super::super::formats::cohere_chat::{
    AssistantMessage, ChatRequest, ChatResponse, ChatToolCall, ChatUsage, ContentBlock, EmbedMeta,
    EmbedRequest, EmbedResponse, Embeddings, FunctionCall, Message, TokenCounts,
};

vendor! {
    /// Cohere (`gen_ai.provider.name = "cohere"`), the v2 Chat and Embed APIs.
    Cohere { name: "cohere", operation: "chat", server: "api.cohere.com", port: 443 }
}

impl RequestFacts<Cohere> for ChatRequest {
    fn request_model(&self) -> Option<&str> {
        facts::RequestView::model(self)
    }
    fn request_info(&self) -> RequestInfo<'_> {
        facts::request_info(self)
    }
    fn request_content(&self) -> Option<RequestContent> {
        content::chat_request_content(&serde_json::to_value(self).ok()?)
    }
}

impl RequestFacts<Cohere> for EmbedRequest {
    fn request_model(&self) -> Option<&str> {
        facts::RequestView::model(self)
    }
    fn request_info(&self) -> RequestInfo<'_> {
        facts::request_info(self)
    }
}

impl RequestFacts<Cohere> for Value {
    fn request_model(&self) -> Option<&str> {
        facts::RequestView::model(self)
    }
    fn request_info(&self) -> RequestInfo<'_> {
        facts::request_info(self)
    }
    fn request_content(&self) -> Option<RequestContent> {
        content::chat_request_content(self)
    }
}

impl ResponseFacts<Cohere> for ChatResponse {
    fn response_info(&self) -> ResponseInfo<'_> {
        facts::response_info(self)
    }
    fn usage(&self) -> Option<Usage> {
        facts::ResponseView::usage(self)
    }
    fn output_messages(&self) -> Option<Vec<OutputMessage>> {
        content::chat_output_messages(&serde_json::to_value(self).ok()?)
    }
}

impl ResponseFacts<Cohere> for EmbedResponse {
    fn response_info(&self) -> ResponseInfo<'_> {
        facts::response_info(self)
    }
    fn usage(&self) -> Option<Usage> {
        facts::ResponseView::usage(self)
    }
}

impl ResponseFacts<Cohere> for Value {
    fn response_info(&self) -> ResponseInfo<'_> {
        facts::response_info(self)
    }
    fn usage(&self) -> Option<Usage> {
        facts::ResponseView::usage(self)
    }
    fn output_messages(&self) -> Option<Vec<OutputMessage>> {
        content::chat_output_messages(self)
    }
}

/// One event of a streamed v2 chat (`"stream": true`).
impl ChunkFacts<Cohere> for Value {
    fn observe(&self, facts: &mut StreamFacts) {
        stream::observe(self, facts)
    }
}
