//! Anthropic (`gen_ai.provider.name = "anthropic"`): the Messages API
//! (`POST /v1/messages`).
//!
//! Anthropic reports `input_tokens` *without* the tokens read from or written
//! to the prompt cache (`cache_read_input_tokens`,
//! `cache_creation_input_tokens`). The GenAI conventions define
//! `gen_ai.usage.input_tokens` as all input tokens, so the three are summed.

use serde_json::Value;

use super::super::formats::messages::{content, facts, stream};
use super::vendor;
use crate::content::{OutputMessage, RequestContent};
use crate::provider::{
    ChunkFacts, RequestFacts, RequestInfo, ResponseFacts, ResponseInfo, StreamFacts, Usage,
};

pub use super::super::formats::messages::{
    CacheCreation, ContentBlock, DeltaUsage, Message, MessageStreamEvent, MessagesRequest,
    MessagesResponse, MessagesUsage, StreamDelta, StreamError,
};

vendor! {
    /// Anthropic (`gen_ai.provider.name = "anthropic"`), the Messages API.
    Anthropic { name: "anthropic", operation: "chat", server: "api.anthropic.com", port: 443 }
}

impl RequestFacts<Anthropic> for MessagesRequest {
    fn request_model(&self) -> Option<&str> {
        facts::RequestView::model(self)
    }
    fn request_info(&self) -> RequestInfo<'_> {
        facts::request_info(self)
    }
    fn request_content(&self) -> Option<RequestContent> {
        content::messages_request_content(&serde_json::to_value(self).ok()?)
    }
}

impl RequestFacts<Anthropic> for Value {
    fn request_model(&self) -> Option<&str> {
        facts::RequestView::model(self)
    }
    fn request_info(&self) -> RequestInfo<'_> {
        facts::request_info(self)
    }
    fn request_content(&self) -> Option<RequestContent> {
        content::messages_request_content(self)
    }
}

impl ResponseFacts<Anthropic> for MessagesResponse {
    fn response_info(&self) -> ResponseInfo<'_> {
        facts::response_info(self)
    }
    fn response_model(&self) -> Option<&str> {
        facts::ResponseView::model(self)
    }
    fn usage(&self) -> Option<Usage> {
        facts::usage(self)
    }
    fn output_messages(&self) -> Option<Vec<OutputMessage>> {
        content::messages_output_messages(&serde_json::to_value(self).ok()?)
    }
}

impl ResponseFacts<Anthropic> for Value {
    fn response_info(&self) -> ResponseInfo<'_> {
        facts::response_info(self)
    }
    fn response_model(&self) -> Option<&str> {
        facts::ResponseView::model(self)
    }
    fn usage(&self) -> Option<Usage> {
        facts::usage(self)
    }
    fn output_messages(&self) -> Option<Vec<OutputMessage>> {
        content::messages_output_messages(self)
    }
}

impl ChunkFacts<Anthropic> for MessageStreamEvent {
    fn observe(&self, stream: &mut StreamFacts) {
        stream::observe(stream::typed_event(self), stream)
    }
}

impl ChunkFacts<Anthropic> for Value {
    fn observe(&self, stream: &mut StreamFacts) {
        stream::observe(stream::value_event(self), stream)
    }
}
