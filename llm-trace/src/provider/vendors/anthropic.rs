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
use crate::model::{OutputMessage, RequestContent};
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// Found by the hostile-input property tests: another provider's usage
    /// (or counts of the wrong type) gave a usage without a single count.
    #[test]
    fn a_usage_object_without_anthropic_counts_is_no_usage() {
        for usage in [
            json!({}),
            json!({"prompt_tokens": 12, "completion_tokens": 3}),
            json!({"inputTokens": 375, "outputTokens": 16}),
            json!({"input_tokens": "12", "output_tokens": -1}),
        ] {
            let body = json!({"id": "msg_1", "usage": usage});
            assert_eq!(ResponseFacts::<Anthropic>::usage(&body), None, "{usage}");
            assert_eq!(ResponseFacts::<Anthropic>::response_info(&body).usage, None);
        }
        let body = json!({"usage": {"output_tokens": 3}});
        assert_eq!(
            ResponseFacts::<Anthropic>::usage(&body),
            Some(Usage {
                output_tokens: Some(3),
                ..Usage::default()
            })
        );
    }
}
