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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::provider::{Anthropic, ResponseFacts, Usage};

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
