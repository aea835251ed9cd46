//! Google Gemini: `generateContent` (and `streamGenerateContent`'s last
//! chunk) and `embedContent` / `batchEmbedContents`, on the Gemini API
//! ([`Gemini`], `gcp.gemini`) and on Vertex AI ([`VertexAi`],
//! `gcp.vertex_ai`). Both serve the same JSON shapes.
//!
//! Normalization, with its sources (Gemini API reference, `UsageMetadata`;
//! Vertex AI REST reference, `GenerateContentResponse.UsageMetadata`):
//!
//! - **Input tokens** are `promptTokenCount + toolUsePromptTokenCount`.
//!   `promptTokenCount` already includes the cached content ("when
//!   `cachedContent` is set, this is still the total effective prompt size
//!   meaning this includes the number of tokens in the cached content"), so
//!   the cache is not added again. `toolUsePromptTokenCount` (the results of
//!   tool executions fed back to the model) is input that
//!   `promptTokenCount` does not count: `totalTokenCount` is the sum of
//!   prompt, candidates, tool-use prompt and thoughts tokens.
//! - **Cache read** is `cachedContentTokenCount`. Gemini reports no cache
//!   writes (caches are created by a separate `cachedContents` call).
//! - **Output tokens** are `candidatesTokenCount + thoughtsTokenCount`:
//!   Gemini counts thinking apart from the candidates, and
//!   `gen_ai.usage.output_tokens` includes reasoning.
//! - **Reasoning** is `thoughtsTokenCount`.
//! - **Finish reasons**: each candidate's `finishReason` as Gemini writes it
//!   (`STOP`, `MAX_TOKENS`, `SAFETY`, `RECITATION`, `MALFORMED_FUNCTION_CALL`,
//!   ...), in candidate order; a candidate without one is skipped.
//! - **Response id** is `responseId`; **response model** is `modelVersion`.
//! - **Tool calls** are the `functionCall` parts of every candidate, in
//!   order: the function's `name`, and its `id` when the API gives one
//!   (Gemini usually gives none).
//! - **Request model**: the model is part of the URL
//!   (`models/{model}:generateContent`), not of the body. Name it in the
//!   annotation (`#[llm_call(provider = "gcp.gemini", model =
//!   "gemini-2.5-flash")]`) or set [`GenerateContentRequest::model`], which
//!   is never serialized. A raw body that carries a `model` field (as batch
//!   requests do) is read, without its `models/` or Vertex resource prefix.
//! - **Request parameters** come from `generationConfig` (`temperature`,
//!   `topP`, `topK`, `maxOutputTokens`, `stopSequences`, `candidateCount`,
//!   `seed`, `presencePenalty`, `frequencyPenalty`); `gen_ai.output.type` is
//!   `json` when `responseMimeType` is `application/json`, `text` for
//!   `text/plain`, and otherwise `image` or `speech` from
//!   `responseModalities`.
//! - **Embeddings** (name the operation: `#[llm_call(provider =
//!   "gcp.gemini", operation = "embeddings")]`): the length of the (first)
//!   embedding's `values` is `gen_ai.embeddings.dimension.count`. The Gemini
//!   API's `EmbedContentResponse` reports no usage; Vertex AI's
//!   `embedContent` reports `usageMetadata.promptTokenCount`, which becomes
//!   the input tokens.
//!
//! A count that is missing, negative or not a number reads as absent; a
//! response whose usage has no count at all gives no usage.

use serde_json::Value;

use super::super::formats::generate_content::{content, facts, stream};
use super::vendor;
use crate::content::{OutputMessage, RequestContent};
use crate::provider::{
    ChunkFacts, RequestFacts, RequestInfo, ResponseFacts, ResponseInfo, StreamFacts, Usage,
};

pub use super::super::formats::generate_content::{
    Candidate, Content, ContentEmbedding, EmbedContentRequest, EmbedContentResponse, FunctionCall,
    GenerateContentRequest, GenerateContentResponse, GenerationConfig, Part, UsageMetadata,
};

vendor! {
    /// Google Gemini on the Gemini API (AI Studio),
    /// `gen_ai.provider.name = "gcp.gemini"`.
    Gemini { name: "gcp.gemini", operation: "generate_content", server: "generativelanguage.googleapis.com", port: 443 }
}

vendor! {
    /// Google Gemini on Vertex AI, `gen_ai.provider.name = "gcp.vertex_ai"`.
    ///
    /// Regional endpoints (`{region}-aiplatform.googleapis.com`) take the
    /// annotation's `server`.
    VertexAi { name: "gcp.vertex_ai", operation: "generate_content", server: "aiplatform.googleapis.com", port: 443 }
}

/// The facts of the `generateContent` format, for each vendor that serves it.
macro_rules! generate_content_facts {
    ($p:ty) => {
        impl RequestFacts<$p> for GenerateContentRequest {
            fn request_model(&self) -> Option<&str> {
                facts::RequestView::model(self)
            }
            fn request_info(&self) -> RequestInfo<'_> {
                facts::request_info(self)
            }
            fn request_content(&self) -> Option<RequestContent> {
                content::request_content(&serde_json::to_value(self).ok()?)
            }
        }

        impl RequestFacts<$p> for EmbedContentRequest {
            fn request_model(&self) -> Option<&str> {
                facts::RequestView::model(self)
            }
            fn request_info(&self) -> RequestInfo<'_> {
                facts::request_info(self)
            }
        }

        impl RequestFacts<$p> for Value {
            fn request_model(&self) -> Option<&str> {
                facts::RequestView::model(self)
            }
            fn request_info(&self) -> RequestInfo<'_> {
                facts::request_info(self)
            }
            fn request_content(&self) -> Option<RequestContent> {
                content::request_content(self)
            }
        }

        impl ResponseFacts<$p> for GenerateContentResponse {
            fn response_info(&self) -> ResponseInfo<'_> {
                facts::response_info(self)
            }
            fn usage(&self) -> Option<Usage> {
                facts::ResponseView::usage(self)
            }
            fn response_model(&self) -> Option<&str> {
                facts::ResponseView::model_version(self)
            }
            fn output_messages(&self) -> Option<Vec<OutputMessage>> {
                content::output_messages(&serde_json::to_value(self).ok()?)
            }
        }

        impl ResponseFacts<$p> for EmbedContentResponse {
            fn response_info(&self) -> ResponseInfo<'_> {
                facts::response_info(self)
            }
            fn usage(&self) -> Option<Usage> {
                facts::ResponseView::usage(self)
            }
        }

        impl ResponseFacts<$p> for Value {
            fn response_info(&self) -> ResponseInfo<'_> {
                facts::response_info(self)
            }
            fn usage(&self) -> Option<Usage> {
                facts::ResponseView::usage(self)
            }
            fn response_model(&self) -> Option<&str> {
                facts::ResponseView::model_version(self)
            }
            fn output_messages(&self) -> Option<Vec<OutputMessage>> {
                content::output_messages(self)
            }
        }

        impl ChunkFacts<$p> for GenerateContentResponse {
            fn observe(&self, facts: &mut StreamFacts) {
                stream::observe(self, facts)
            }
        }

        impl ChunkFacts<$p> for Value {
            fn observe(&self, facts: &mut StreamFacts) {
                stream::observe(self, facts)
            }
        }
    };
}

generate_content_facts!(Gemini);
generate_content_facts!(VertexAi);
