//! Azure OpenAI (`gen_ai.provider.name = "azure.ai.openai"`): OpenAI's Chat
//! Completions and Responses APIs served from an Azure resource.
//!
//! [`AzureOpenAi`] is [`OpenAiCompatible`], so the types of
//! [`openai`](super::openai) and [`responses`](super::super::responses), and raw
//! [`serde_json::Value`] bodies of either API, describe its calls with the
//! same normalization as OpenAI's.
//!
//! - **Server.** Each resource has its own host,
//!   `{resource}.openai.azure.com`, so there is no default `server.address`:
//!   give it with `server = ...` (a URL or `host:port`).
//! - **Deployment vs model.** Azure routes by deployment name (in the URL of
//!   Chat Completions, in the `model` field of the Responses API), and a
//!   deployment's name is the user's choice. `gen_ai.request.model` is what
//!   the request names: the request's `model` field, or the annotation's
//!   `model = "<deployment>"` when the request type has none.
//!   `gen_ai.response.model` is the response's `model`, which Azure fills with
//!   the real model (`gpt-4o-2024-11-20`), so both are recorded.
//! - **Content filtering.** Azure's `prompt_filter_results` and per-choice
//!   `content_filter_results` are ignored; a filtered completion's
//!   `finish_reason` of `content_filter` (or a Responses API
//!   `incomplete_details.reason` of `content_filter`) is passed through as
//!   the finish reason.
//!
//! ```
//! use llm_trace::provider::openai::{ChatCompletion, ChatMessage, ChatRequest};
//!
//! /// Chat Completions on the deployment `support-bot` of resource `acme`:
//! /// `gen_ai.request.model` is `support-bot` (the request's `model`),
//! /// `gen_ai.response.model` the model Azure reports.
//! #[llm_trace::llm_call(
//!     provider = llm_trace::provider::azure::AzureOpenAi,
//!     server = "https://acme.openai.azure.com",
//!     request = request
//! )]
//! async fn answer(request: ChatRequest) -> Result<ChatCompletion, std::io::Error> {
//!     // POST https://acme.openai.azure.com/openai/deployments/support-bot/chat/completions
//! # let _ = &request;
//! # Ok(ChatCompletion::default())
//! }
//! # let _ = answer(ChatRequest::new("support-bot", vec![ChatMessage::user("hi")]));
//! ```

use super::openai::OpenAiCompatible;
use super::vendor;

vendor! {
    /// Azure OpenAI (`azure.ai.openai`): Chat Completions and Responses APIs, no
    /// default server (each resource has its own `{resource}.openai.azure.com`).
    AzureOpenAi { name: "azure.ai.openai", operation: "chat" }
    speaks OpenAiCompatible {}
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::provider::openai::ChatCompletion;
    use crate::provider::responses::{responses_info, Response};
    use crate::provider::Provider;
    use crate::provider::{
        RequestFacts, RequestInfo, ResponseFacts, ResponseInfo, ToolCall, Usage,
    };

    #[test]
    fn static_facts() {
        assert_eq!(AzureOpenAi::NAME, "azure.ai.openai");
        assert_eq!(AzureOpenAi::DEFAULT_OPERATION, "chat");
        assert_eq!(AzureOpenAi::SERVER_ADDRESS, None);
        assert_eq!(AzureOpenAi::SERVER_PORT, None);
    }

    // The Chat Completions response of Azure's REST reference: content
    // filter results on the prompt and on the choice are ignored.
    fn chat_body(finish_reason: &str) -> serde_json::Value {
        json!({
            "id": "chatcmpl-7R1nGnsXO8n4oi9UPz2f3UHdgAYMn",
            "object": "chat.completion",
            "created": 1686676106,
            "model": "gpt-4o-2024-11-20",
            "system_fingerprint": "fp_b705f0c291",
            "prompt_filter_results": [{
                "prompt_index": 0,
                "content_filter_results": {
                    "hate": {"filtered": false, "severity": "safe"},
                    "self_harm": {"filtered": false, "severity": "safe"},
                    "sexual": {"filtered": false, "severity": "safe"},
                    "violence": {"filtered": false, "severity": "safe"},
                    "jailbreak": {"filtered": false, "detected": false}
                }
            }],
            "choices": [{
                "index": 0,
                "finish_reason": finish_reason,
                "message": {"role": "assistant", "content": "Yes, customer managed keys are supported."},
                "content_filter_results": {
                    "hate": {"filtered": false, "severity": "safe"},
                    "self_harm": {"filtered": false, "severity": "safe"},
                    "sexual": {"filtered": false, "severity": "safe"},
                    "violence": {"filtered": true, "severity": "medium"},
                    "protected_material_text": {"filtered": false, "detected": false}
                },
                "logprobs": null
            }],
            "usage": {
                "prompt_tokens": 58,
                "completion_tokens": 68,
                "total_tokens": 126,
                "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
                "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0}
            }
        })
    }

    #[test]
    fn chat_completion_with_content_filter_results() {
        for reason in ["stop", "content_filter"] {
            let body = chat_body(reason);
            let expected = ResponseInfo {
                id: Some("chatcmpl-7R1nGnsXO8n4oi9UPz2f3UHdgAYMn".into()),
                model: Some("gpt-4o-2024-11-20".into()),
                finish_reasons: vec![reason.into()],
                usage: Some(Usage {
                    input_tokens: Some(58),
                    output_tokens: Some(68),
                    cache_read_input_tokens: Some(0),
                    cache_write_input_tokens: None,
                    reasoning_output_tokens: Some(0),
                    ..Usage::default()
                }),
                tool_calls: vec![],
                embeddings_dimension_count: None,
                provider_attributes: Vec::new(),
            };
            assert_eq!(ResponseFacts::<AzureOpenAi>::response_info(&body), expected);
            let typed: ChatCompletion = serde_json::from_value(body).unwrap();
            assert_eq!(
                ResponseFacts::<AzureOpenAi>::response_info(&typed),
                expected
            );
            assert_eq!(
                ResponseFacts::<AzureOpenAi>::response_model(&typed),
                Some("gpt-4o-2024-11-20")
            );
        }
    }

    #[test]
    fn deployment_is_the_request_model_and_the_response_gives_the_real_model() {
        let request = json!({"model": "support-bot", "messages": [{"role": "user", "content": "hi"}],
                             "max_completion_tokens": 100});
        assert_eq!(
            RequestFacts::<AzureOpenAi>::request_model(&request),
            Some("support-bot")
        );
        assert_eq!(
            RequestFacts::<AzureOpenAi>::request_info(&request),
            RequestInfo {
                model: Some("support-bot".into()),
                max_tokens: Some(100),
                ..RequestInfo::default()
            }
        );
        assert_eq!(
            ResponseFacts::<AzureOpenAi>::response_model(&chat_body("stop")),
            Some("gpt-4o-2024-11-20")
        );
    }

    // A Responses API call on Azure: `model` is the deployment in the
    // request, the real model in the response; a filtered answer is
    // `incomplete` with reason `content_filter`.
    #[test]
    fn responses_api_on_azure() {
        let body = json!({
            "id": "resp_67cb61fa3a448190bcf2c42d96f0d1a8",
            "object": "response",
            "created_at": 1741408624,
            "status": "incomplete",
            "incomplete_details": {"reason": "content_filter"},
            "model": "gpt-4.1-mini-2025-04-14",
            "output": [{
                "type": "function_call",
                "id": "fc_67cb61fb6d6c8190",
                "call_id": "call_Pt8Fh2B9b1",
                "name": "search_orders",
                "arguments": "{\"customer\":\"42\"}",
                "status": "completed"
            }],
            "content_filters": [{"blocked": true, "source_type": "completion"}],
            "usage": {
                "input_tokens": 120,
                "input_tokens_details": {"cached_tokens": 64},
                "output_tokens": 18,
                "output_tokens_details": {"reasoning_tokens": 0},
                "total_tokens": 138
            }
        });
        let expected = ResponseInfo {
            id: Some("resp_67cb61fa3a448190bcf2c42d96f0d1a8".into()),
            model: Some("gpt-4.1-mini-2025-04-14".into()),
            finish_reasons: vec!["content_filter".into()],
            usage: Some(Usage {
                input_tokens: Some(120),
                output_tokens: Some(18),
                cache_read_input_tokens: Some(64),
                cache_write_input_tokens: None,
                reasoning_output_tokens: Some(0),
                ..Usage::default()
            }),
            tool_calls: vec![ToolCall::new(Some("call_Pt8Fh2B9b1"), "search_orders")],
            embeddings_dimension_count: None,
            provider_attributes: Vec::new(),
        };
        assert_eq!(responses_info(&body), Some(expected.clone()));
        let typed: Response = serde_json::from_value(body).unwrap();
        assert_eq!(
            ResponseFacts::<AzureOpenAi>::response_info(&typed),
            expected
        );
    }

    #[test]
    fn malformed_chat_bodies_never_panic() {
        let huge = "y".repeat(1 << 20);
        let bodies = [
            json!({"id": "chatcmpl-1", "model": "gpt-4o", "choices": []}),
            json!({"usage": null, "prompt_filter_results": {"not": "an array"}}),
            json!({"usage": [58, 68], "choices": {"0": {}}}),
            json!({"usage": "none", "choices": [null, 1, [], {"message": []}]}),
            json!({"id": huge, "model": 5, "choices": [{"finish_reason": huge,
                   "content_filter_results": [], "message": {"tool_calls": {"a": 1}}}]}),
        ];
        for body in &bodies {
            let info = ResponseFacts::<AzureOpenAi>::response_info(body);
            assert_eq!(info.usage, None, "{body:.200}");
            assert!(info.tool_calls.is_empty());
        }
    }
}
