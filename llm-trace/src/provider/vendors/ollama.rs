//! Ollama's native API: `POST /api/chat` and `POST /api/embed`.
//!
//! Normalization (source: Ollama's API reference, `docs/api.md`, and the
//! `api` package of the Ollama server):
//!
//! - `gen_ai.usage.input_tokens` is `prompt_eval_count`, and
//!   `gen_ai.usage.output_tokens` is `eval_count` (thinking included: Ollama
//!   counts every generated token and reports no reasoning count apart).
//!   Ollama omits `prompt_eval_count` when it is zero, which happens when the
//!   whole prompt was served from its KV cache: the input count is then
//!   absent, not zero. Ollama reports no cache counts.
//! - `done_reason` (`stop`, `length`, `load`, `unload`) is the finish reason;
//!   `model` is the response model; responses carry no id.
//! - Embed responses give input tokens from `prompt_eval_count` and the
//!   dimension count from the length of the first embedding. The
//!   `embeddings` operation is named by the annotation
//!   (`#[llm_call(provider = "ollama", operation = "embeddings")]`).
//! - Request parameters live in `options`: `num_predict` is the output token
//!   limit (negative values mean "no limit" and are not reported); a
//!   `format` (`"json"` or a JSON schema) makes `gen_ai.output.type` `json`.
//!
//! Raw [`serde_json::Value`] bodies give the same facts as the typed ones; a
//! chat body is told from an embed body by its `embeddings` field (or the
//! `embedding` field of the older `/api/embeddings`).

use serde_json::Value;

use super::super::formats::ollama_chat::{content, facts, stream};
use super::vendor;
use crate::content::{OutputMessage, RequestContent};
use crate::provider::{
    ChunkFacts, RequestFacts, RequestInfo, ResponseFacts, ResponseInfo, StreamFacts, Usage,
};

pub use super::super::formats::ollama_chat::{
    ChatRequest, ChatResponse, ChatToolCall, EmbedInput, EmbedRequest, EmbedResponse, FunctionCall,
    Message, Options,
};

vendor! {
    /// Ollama (`gen_ai.provider.name = "ollama"`), its native chat and embed API.
    Ollama { name: "ollama", operation: "chat", server: "localhost", port: 11434 }
}

impl RequestFacts<Ollama> for ChatRequest {
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

impl RequestFacts<Ollama> for EmbedRequest {
    fn request_model(&self) -> Option<&str> {
        facts::RequestView::model(self)
    }
    fn request_info(&self) -> RequestInfo<'_> {
        facts::request_info(self)
    }
}

impl RequestFacts<Ollama> for Value {
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

impl ResponseFacts<Ollama> for ChatResponse {
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
        content::output_messages(&serde_json::to_value(self).ok()?)
    }
}

impl ResponseFacts<Ollama> for EmbedResponse {
    fn response_info(&self) -> ResponseInfo<'_> {
        facts::response_info(self)
    }
    fn usage(&self) -> Option<Usage> {
        facts::ResponseView::usage(self)
    }
    fn response_model(&self) -> Option<&str> {
        facts::ResponseView::model(self)
    }
}

impl ResponseFacts<Ollama> for Value {
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
        content::output_messages(self)
    }
}

/// One NDJSON line of a streamed `/api/chat` reply.
impl ChunkFacts<Ollama> for ChatResponse {
    fn observe(&self, facts: &mut StreamFacts) {
        stream::observe(self, facts)
    }
}

impl ChunkFacts<Ollama> for Value {
    fn observe(&self, facts: &mut StreamFacts) {
        stream::observe(self, facts)
    }
}
