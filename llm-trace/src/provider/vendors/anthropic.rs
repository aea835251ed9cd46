//! Anthropic (`gen_ai.provider.name = "anthropic"`): the Messages API
//! (`POST /v1/messages`).
//!
//! Anthropic reports `input_tokens` *without* the tokens read from or written
//! to the prompt cache (`cache_read_input_tokens`,
//! `cache_creation_input_tokens`). The GenAI conventions define
//! `gen_ai.usage.input_tokens` as all input tokens, so the three are summed.

pub use crate::provider::formats::messages::{
    CacheCreation, ContentBlock, DeltaUsage, Message, MessageStreamEvent, MessagesRequest,
    MessagesResponse, MessagesUsage, StreamDelta, StreamError,
};
use crate::provider::Provider;

/// Anthropic (`gen_ai.provider.name = "anthropic"`), the Messages API.
#[derive(Debug, Clone, Copy, Default)]
pub struct Anthropic;

impl Provider for Anthropic {
    const NAME: &'static str = "anthropic";
    const DEFAULT_OPERATION: &'static str = "chat";
    const SERVER_ADDRESS: Option<&'static str> = Some("api.anthropic.com");
    const SERVER_PORT: Option<u16> = Some(443);
}

crate::provider::formats::messages::messages_facts!(Anthropic);
