//! Anthropic Messages (`POST /v1/messages`).
//!
//! Anthropic reports `input_tokens` *without* the tokens read from or written
//! to the prompt cache (`cache_read_input_tokens`,
//! `cache_creation_input_tokens`). The GenAI conventions define
//! `gen_ai.usage.input_tokens` as all input tokens, so the three are summed.

pub(crate) mod content;
pub(crate) mod facts;
pub(crate) mod stream;
mod types;

pub use types::{
    CacheCreation, ContentBlock, DeltaUsage, Message, MessageStreamEvent, MessagesRequest,
    MessagesResponse, MessagesUsage, StreamDelta, StreamError,
};
