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

pub use crate::provider::formats::ollama_chat::{
    ChatRequest, ChatResponse, ChatToolCall, EmbedInput, EmbedRequest, EmbedResponse, FunctionCall,
    Message, Options,
};
use crate::provider::Provider;

/// Ollama (`gen_ai.provider.name = "ollama"`), its native chat and embed API.
#[derive(Debug, Clone, Copy, Default)]
pub struct Ollama;

impl Provider for Ollama {
    const NAME: &'static str = "ollama";
    const DEFAULT_OPERATION: &'static str = "chat";
    const SERVER_ADDRESS: Option<&'static str> = Some("localhost");
    const SERVER_PORT: Option<u16> = Some(11434);
}

crate::provider::formats::ollama_chat::ollama_chat_facts!(Ollama);
