//! OpenAI Chat Completions (`POST /v1/chat/completions`).
//!
//! The format alone, provider-free: [`types`] (the bodies), [`facts`]
//! (request and response facts), [`stream`] (chunks) and [`content`];
//! `vendors::openai` binds it to every `OpenAiCompatible` provider.
//!
//! [`ChatRequest`] and [`ChatCompletion`] hold what a call needs and what
//! instrumentation reads; unknown fields are ignored on input (and kept in
//! [`ChatRequest::extra`] for requests). Raw [`serde_json::Value`] bodies give
//! the same facts.
//!
//! OpenAI's `prompt_tokens` already includes `cached_tokens`, and
//! `completion_tokens` already includes `reasoning_tokens`: both map onto the
//! GenAI conventions unchanged.

pub(crate) mod content;
pub(crate) mod facts;
pub(crate) mod stream;
pub(crate) mod types;

pub use types::{
    ChatCompletion, ChatCompletionChunk, ChatMessage, ChatRequest, Choice, ChunkChoice, ChunkDelta,
    ChunkFunction, ChunkToolCall, CompletionTokensDetails, CompletionUsage, Content, FunctionCall,
    MessageToolCall, PromptTokensDetails, Stop,
};
