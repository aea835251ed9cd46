//! Cohere v2 Chat (`POST /v2/chat`) and Embed (`POST /v2/embed`). The vendor
//! that speaks it, and how its facts are normalized, is `provider::cohere`.

pub(crate) mod content;
pub(crate) mod facts;
pub(crate) mod stream;
mod types;

pub use types::{
    AssistantMessage, ChatRequest, ChatResponse, ChatToolCall, ChatUsage, ContentBlock, EmbedMeta,
    EmbedRequest, EmbedResponse, Embeddings, FunctionCall, Message, TokenCounts,
};
