//! AWS Bedrock: the Converse API (`POST /model/{modelId}/converse`) and
//! Titan Text Embeddings (`InvokeModel` with `amazon.titan-embed-text-v2:0`).
//!
//! Normalization, with its sources (Amazon Bedrock API Reference and User
//! Guide):
//!
//! - **Input tokens.** Converse's `usage.inputTokens` counts only the input
//!   that was neither read from nor written to the prompt cache; the cache
//!   buckets are reported apart in `cacheReadInputTokens` and
//!   `cacheWriteInputTokens` (`TokenUsage`; User Guide, "Prompt caching":
//!   total input = `inputTokens + cacheReadInputTokens +
//!   cacheWriteInputTokens`). `gen_ai.usage.input_tokens` is all input, so
//!   the three are summed; the cache buckets are also recorded as
//!   `gen_ai.usage.cache_read.input_tokens` and
//!   `gen_ai.usage.cache_write.input_tokens`.
//! - **Output tokens** are `usage.outputTokens`. Bedrock does not report
//!   reasoning tokens apart (they are inside `outputTokens`), so
//!   `gen_ai.usage.reasoning.output_tokens` is never set.
//! - **Finish reasons** are `[stopReason]` as Bedrock writes it (`end_turn`,
//!   `tool_use`, `max_tokens`, `stop_sequence`, `guardrail_intervened`,
//!   `content_filtered`, ...).
//! - **Tool calls** are the `toolUse` blocks of `output.message.content`
//!   (`toolUseId`, `name`).
//! - **Response id**: none. Converse's body has no id (the request id is the
//!   `x-amzn-RequestId` HTTP header).
//! - **Response model**: `trace.promptRouter.invokedModelId` when a prompt
//!   router chose the model; otherwise none (the body does not repeat the
//!   model).
//! - **Request model** is `modelId`. It is a path parameter of the HTTP API,
//!   not a body field, but SDK users have it, and raw bodies that carry it
//!   are read. Request parameters come from `inferenceConfig` (`maxTokens`,
//!   `temperature`, `topP`, `stopSequences`) and `top_k` from
//!   `additionalModelRequestFields` (the Anthropic models' top-k).
//! - **Embeddings** (Titan Text Embeddings v2, `InvokeModel` body; User Guide,
//!   "Amazon Titan Embeddings Text"): `inputTextTokenCount` is the input
//!   tokens and the length of `embedding` is
//!   `gen_ai.embeddings.dimension.count`. Name the operation in the
//!   annotation: `#[llm_call(provider = Bedrock, operation = "embeddings")]`.
//!
//! Bedrock endpoints are regional (`bedrock-runtime.{region}.amazonaws.com`),
//! so [`Bedrock`] has no default `server.address`: give it with
//! `server = "bedrock-runtime.eu-west-1.amazonaws.com"` in the annotation.
//!
//! A raw [`serde_json::Value`] is read as a Titan embeddings body when it has
//! `embedding`, `embeddingsByType` or `inputTextTokenCount` (requests:
//! `inputText`), and as a Converse body otherwise.

use serde_json::Value;

use super::super::formats::converse::{content, facts, stream};
use super::vendor;
use crate::model::{OutputMessage, RequestContent};
use crate::provider::{
    ChunkFacts, RequestFacts, RequestInfo, ResponseFacts, ResponseInfo, StreamFacts, Usage,
};

pub use super::super::formats::converse::{
    ContentBlock, ContentBlockStartEvent, ConverseMetrics, ConverseOutput, ConverseRequest,
    ConverseResponse, ConverseStreamEvent, ConverseStreamMetadata, ConverseTrace, InferenceConfig,
    Message, MessageStopEvent, PromptRouterTrace, ReasoningContentBlock, ReasoningText,
    TitanEmbeddingRequest, TitanEmbeddingResponse, TokenUsage, ToolUseBlock,
};

vendor! {
    /// AWS Bedrock (`gen_ai.provider.name = "aws.bedrock"`): Converse and Titan
    /// text embeddings.
    ///
    /// Endpoints are regional, so there is no default `server.address`; name the
    /// regional endpoint with `server = "bedrock-runtime.us-east-1.amazonaws.com"`.
    Bedrock { name: "aws.bedrock", operation: "chat" }
}

impl RequestFacts<Bedrock> for ConverseRequest {
    fn request_model(&self) -> Option<&str> {
        facts::RequestView::model(self)
    }
    fn request_info(&self) -> RequestInfo<'_> {
        facts::request_info(self)
    }
    fn request_content(&self) -> Option<RequestContent> {
        content::converse_request_content(&serde_json::to_value(self).ok()?)
    }
}

impl RequestFacts<Bedrock> for TitanEmbeddingRequest {
    fn request_model(&self) -> Option<&str> {
        facts::RequestView::model(self)
    }
    fn request_info(&self) -> RequestInfo<'_> {
        facts::request_info(self)
    }
}

impl RequestFacts<Bedrock> for Value {
    fn request_model(&self) -> Option<&str> {
        facts::RequestView::model(self)
    }
    fn request_info(&self) -> RequestInfo<'_> {
        facts::request_info(self)
    }
    fn request_content(&self) -> Option<RequestContent> {
        content::converse_request_content(self)
    }
}

impl ResponseFacts<Bedrock> for ConverseResponse {
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
        content::converse_output_messages(&serde_json::to_value(self).ok()?)
    }
}

impl ResponseFacts<Bedrock> for TitanEmbeddingResponse {
    fn response_info(&self) -> ResponseInfo<'_> {
        facts::response_info(self)
    }
    fn usage(&self) -> Option<Usage> {
        facts::ResponseView::usage(self)
    }
}

impl ResponseFacts<Bedrock> for Value {
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
        content::converse_output_messages(self)
    }
}

impl ChunkFacts<Bedrock> for ConverseStreamEvent {
    fn observe(&self, facts: &mut StreamFacts) {
        stream::typed_events(self, |event| stream::observe(event, facts))
    }
}

/// A raw event: `{"metadata": {...}}` as the SDKs serialize it, or
/// the bare event-stream payload (`{"usage": ..., "metrics": ...}`,
/// `{"stopReason": ...}`, `{"start": ..., "contentBlockIndex": 0}`,
/// `{"role": ...}`).
impl ChunkFacts<Bedrock> for Value {
    fn observe(&self, facts: &mut StreamFacts) {
        stream::value_events(self, |event| stream::observe(event, facts))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use serde_json::Value;

    use super::*;
    use crate::provider::{Provider, ToolCall};

    /// Both readings of a body: raw and typed.
    fn both(body: &Value) -> (ResponseInfo<'_>, ConverseResponse) {
        let raw = ResponseFacts::<Bedrock>::response_info(body);
        let typed: ConverseResponse = serde_json::from_value(body.clone()).unwrap();
        (raw, typed)
    }

    fn assert_same(body: &Value, expected: &ResponseInfo<'_>) {
        let (raw, typed) = both(body);
        assert_eq!(&raw, expected, "raw");
        assert_eq!(
            &ResponseFacts::<Bedrock>::response_info(&typed),
            expected,
            "typed"
        );
        assert_eq!(ResponseFacts::<Bedrock>::usage(body), expected.usage);
        assert_eq!(ResponseFacts::<Bedrock>::usage(&typed), expected.usage);
        assert_eq!(
            ResponseFacts::<Bedrock>::response_model(body),
            expected.model.as_deref()
        );
        assert_eq!(
            ResponseFacts::<Bedrock>::response_model(&typed),
            expected.model.as_deref()
        );
    }

    #[test]
    fn provider_constants() {
        assert_eq!(Bedrock::NAME, "aws.bedrock");
        assert_eq!(Bedrock::DEFAULT_OPERATION, "chat");
        assert_eq!(Bedrock::SERVER_ADDRESS, None);
        assert_eq!(Bedrock::SERVER_PORT, None);
    }

    #[test]
    fn plain_text() {
        let body = json!({
            "output": {"message": {"role": "assistant", "content": [
                {"text": "Hello! How can I help you today?"}
            ]}},
            "stopReason": "end_turn",
            "usage": {"inputTokens": 12, "outputTokens": 10, "totalTokens": 22},
            "metrics": {"latencyMs": 611}
        });
        assert_same(
            &body,
            &ResponseInfo {
                finish_reasons: vec!["end_turn".into()],
                usage: Some(Usage {
                    input_tokens: Some(12),
                    output_tokens: Some(10),
                    ..Usage::default()
                }),
                ..ResponseInfo::default()
            },
        );
        let (_, typed) = both(&body);
        assert_eq!(typed.text(), "Hello! How can I help you today?");
        assert_eq!(typed.metrics.unwrap().latency_ms, Some(611));
        assert_eq!(typed.usage.unwrap().total_tokens, Some(22));
    }

    #[test]
    fn tool_use() {
        let body = json!({
            "output": {"message": {"role": "assistant", "content": [
                {"text": "I'll look up the most popular song on WZPZ."},
                {"toolUse": {"toolUseId": "tooluse_kZJMlvQmRJ6eAyJE5GIl7Q",
                             "name": "top_song", "input": {"sign": "WZPZ"}}},
                {"toolUse": {"toolUseId": "tooluse_2", "name": "weather",
                             "input": {"city": "Seattle"}}}
            ]}},
            "stopReason": "tool_use",
            "usage": {"inputTokens": 375, "outputTokens": 72, "totalTokens": 447},
            "metrics": {"latencyMs": 1410}
        });
        assert_same(
            &body,
            &ResponseInfo {
                finish_reasons: vec!["tool_use".into()],
                usage: Some(Usage {
                    input_tokens: Some(375),
                    output_tokens: Some(72),
                    ..Usage::default()
                }),
                tool_calls: vec![
                    ToolCall::new(Some("tooluse_kZJMlvQmRJ6eAyJE5GIl7Q"), "top_song"),
                    ToolCall::new(Some("tooluse_2"), "weather"),
                ],
                ..ResponseInfo::default()
            },
        );
        let (_, typed) = both(&body);
        assert_eq!(
            typed.content()[1].tool_use.as_ref().unwrap().input,
            json!({"sign": "WZPZ"})
        );
    }

    #[test]
    fn cache_reads_and_writes_are_added_to_input() {
        // totalTokens = inputTokens + cacheRead + cacheWrite + outputTokens.
        let body = json!({
            "output": {"message": {"role": "assistant", "content": [{"text": "Summary..."}]}},
            "stopReason": "max_tokens",
            "usage": {"inputTokens": 14, "outputTokens": 120, "totalTokens": 3200,
                      "cacheReadInputTokens": 2048, "cacheWriteInputTokens": 1018},
            "metrics": {"latencyMs": 2200}
        });
        assert_same(
            &body,
            &ResponseInfo {
                finish_reasons: vec!["max_tokens".into()],
                usage: Some(Usage {
                    input_tokens: Some(3080),
                    output_tokens: Some(120),
                    cache_read_input_tokens: Some(2048),
                    cache_write_input_tokens: Some(1018),
                    ..Usage::default()
                }),
                ..ResponseInfo::default()
            },
        );
    }

    #[test]
    fn reasoning_content_is_in_output_tokens() {
        let body = json!({
            "output": {"message": {"role": "assistant", "content": [
                {"reasoningContent": {"reasoningText": {
                    "text": "The user asks for 2+2. That is 4.",
                    "signature": "ErcBCkgIAhABGAIiQ..."}}},
                {"reasoningContent": {"redactedContent": "EmwKAhgBEgy3va3pzix"}},
                {"text": "4"}
            ]}},
            "stopReason": "end_turn",
            "usage": {"inputTokens": 45, "outputTokens": 210, "totalTokens": 255,
                      "cacheReadInputTokens": 0, "cacheWriteInputTokens": 0},
            "metrics": {"latencyMs": 3021}
        });
        assert_same(
            &body,
            &ResponseInfo {
                finish_reasons: vec!["end_turn".into()],
                usage: Some(Usage {
                    input_tokens: Some(45),
                    output_tokens: Some(210),
                    cache_read_input_tokens: Some(0),
                    cache_write_input_tokens: Some(0),
                    reasoning_output_tokens: None,
                    ..Usage::default()
                }),
                ..ResponseInfo::default()
            },
        );
        let (_, typed) = both(&body);
        let reasoning = typed.content()[0].reasoning_content.as_ref().unwrap();
        assert_eq!(
            reasoning.reasoning_text.as_ref().unwrap().text,
            "The user asks for 2+2. That is 4."
        );
        assert_eq!(typed.text(), "4");
    }

    #[test]
    fn prompt_router_names_the_response_model() {
        let model =
            "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0";
        let body = json!({
            "output": {"message": {"role": "assistant", "content": [{"text": "Hi"}]}},
            "stopReason": "guardrail_intervened",
            "usage": {"inputTokens": 5, "outputTokens": 1, "totalTokens": 6},
            "metrics": {"latencyMs": 100},
            "trace": {"promptRouter": {"invokedModelId": model}, "guardrail": {}}
        });
        assert_same(
            &body,
            &ResponseInfo {
                model: Some(model.into()),
                finish_reasons: vec!["guardrail_intervened".into()],
                usage: Some(Usage {
                    input_tokens: Some(5),
                    output_tokens: Some(1),
                    ..Usage::default()
                }),
                ..ResponseInfo::default()
            },
        );
    }

    #[test]
    fn request_facts_from_inference_config() {
        let body = json!({
            "modelId": "anthropic.claude-3-5-sonnet-20240620-v1:0",
            "messages": [{"role": "user", "content": [{"text": "Hello"}, {"cachePoint": {"type": "default"}}]}],
            "system": [{"text": "Be brief."}],
            "inferenceConfig": {"maxTokens": 512, "temperature": 0.5, "topP": 0.9,
                                "stopSequences": ["\n\nHuman:", "END"]},
            "toolConfig": {"tools": []},
            "additionalModelRequestFields": {"top_k": 200}
        });
        let expected = RequestInfo {
            model: Some("anthropic.claude-3-5-sonnet-20240620-v1:0".into()),
            temperature: Some(0.5),
            top_p: Some(0.9),
            top_k: Some(200.0),
            max_tokens: Some(512),
            stop_sequences: vec!["\n\nHuman:".into(), "END".into()],
            ..RequestInfo::default()
        };
        assert_eq!(RequestFacts::<Bedrock>::request_info(&body), expected);
        assert_eq!(
            RequestFacts::<Bedrock>::request_model(&body),
            Some("anthropic.claude-3-5-sonnet-20240620-v1:0")
        );
        let typed: ConverseRequest = serde_json::from_value(body.clone()).unwrap();
        assert_eq!(RequestFacts::<Bedrock>::request_info(&typed), expected);
        // Unknown block kinds survive a round trip.
        assert_eq!(serde_json::to_value(&typed).unwrap(), body);

        let built = ConverseRequest {
            inference_config: Some(InferenceConfig {
                max_tokens: Some(100),
                ..InferenceConfig::default()
            }),
            ..ConverseRequest::new("amazon.nova-lite-v1:0", vec![Message::user("Hi")])
        };
        assert_eq!(
            RequestFacts::<Bedrock>::request_info(&built),
            RequestInfo {
                model: Some("amazon.nova-lite-v1:0".into()),
                max_tokens: Some(100),
                ..RequestInfo::default()
            }
        );
        assert_eq!(
            serde_json::to_value(&built).unwrap(),
            json!({"modelId": "amazon.nova-lite-v1:0",
                   "messages": [{"role": "user", "content": [{"text": "Hi"}]}],
                   "inferenceConfig": {"maxTokens": 100}})
        );

        // Without modelId (the HTTP body): no model.
        let bare = json!({"messages": [], "inferenceConfig": {"maxTokens": 5}});
        assert_eq!(RequestFacts::<Bedrock>::request_model(&bare), None);
        let bare_typed: ConverseRequest = serde_json::from_value(bare.clone()).unwrap();
        assert_eq!(RequestFacts::<Bedrock>::request_model(&bare_typed), None);
        assert_eq!(
            RequestFacts::<Bedrock>::request_info(&bare).max_tokens,
            Some(5)
        );
    }

    #[test]
    fn titan_embedding() {
        let request = json!({"inputText": "What are the different services that you offer?",
                             "dimensions": 256, "normalize": true});
        assert_eq!(
            RequestFacts::<Bedrock>::request_info(&request),
            RequestInfo::default()
        );
        let typed_request: TitanEmbeddingRequest = serde_json::from_value(request.clone()).unwrap();
        assert_eq!(typed_request.dimensions, Some(256));
        assert_eq!(
            RequestFacts::<Bedrock>::request_info(&typed_request),
            RequestInfo::default()
        );
        assert_eq!(serde_json::to_value(&typed_request).unwrap(), request);
        let with_model = json!({"modelId": "amazon.titan-embed-text-v2:0", "inputText": "x"});
        assert_eq!(
            RequestFacts::<Bedrock>::request_info(&with_model)
                .model
                .as_deref(),
            Some("amazon.titan-embed-text-v2:0")
        );

        let vector: Vec<f64> = (0..256).map(|i| f64::from(i) / 256.0).collect();
        let body = json!({"embedding": vector, "inputTextTokenCount": 9,
                          "embeddingsByType": {"float": vector}});
        let expected = ResponseInfo {
            usage: Some(Usage {
                input_tokens: Some(9),
                ..Usage::default()
            }),
            embeddings_dimension_count: Some(256),
            ..ResponseInfo::default()
        };
        assert_eq!(ResponseFacts::<Bedrock>::response_info(&body), expected);
        let typed: TitanEmbeddingResponse = serde_json::from_value(body.clone()).unwrap();
        assert_eq!(ResponseFacts::<Bedrock>::response_info(&typed), expected);
        assert_eq!(ResponseFacts::<Bedrock>::usage(&typed), expected.usage);

        // Binary only: the dimension count comes from embeddingsByType.
        let binary =
            json!({"inputTextTokenCount": 3, "embeddingsByType": {"binary": [1, 0, 1, 1]}});
        let typed: TitanEmbeddingResponse = serde_json::from_value(binary.clone()).unwrap();
        for info in [
            ResponseFacts::<Bedrock>::response_info(&binary),
            ResponseFacts::<Bedrock>::response_info(&typed),
        ] {
            assert_eq!(info.embeddings_dimension_count, Some(4));
            assert_eq!(info.usage.unwrap().input_tokens, Some(3));
        }
    }

    #[test]
    fn malformed_raw_bodies_give_no_usage_and_no_panic() {
        let huge = "x".repeat(1 << 20);
        let bodies = [
            // Missing usage.
            json!({"output": {"message": {"role": "assistant", "content": [{"text": "hi"}]}},
                   "stopReason": "end_turn"}),
            // Wrong types.
            json!({"usage": {"inputTokens": "12", "outputTokens": 3.5, "cacheReadInputTokens": true},
                   "stopReason": 5, "output": "nope"}),
            // Negative numbers.
            json!({"usage": {"inputTokens": -1, "outputTokens": -5, "cacheWriteInputTokens": -2}}),
            // A 1 MB string where a number belongs.
            json!({"usage": {"inputTokens": huge, "outputTokens": huge}}),
            // Arrays where objects are expected.
            json!({"usage": [1, 2, 3], "output": [], "trace": []}),
            json!({"usage": {}, "output": {"message": []}}),
            json!({"output": {"message": {"content": {"toolUse": {"name": "x"}}}}}),
            json!({"output": {"message": {"content": [{"toolUse": []}, {"toolUse": {"toolUseId": 1}}, 7]}}}),
            // Not objects at all.
            json!([]),
            json!(null),
            json!("body"),
            json!(42),
        ];
        for body in &bodies {
            let info = ResponseFacts::<Bedrock>::response_info(body);
            assert_eq!(info.usage, None, "{body:.80}");
            assert_eq!(ResponseFacts::<Bedrock>::usage(body), None);
            assert!(info.tool_calls.is_empty());
            assert_eq!(info.id, None);
            assert_eq!(info.model, None);
            let _ = RequestFacts::<Bedrock>::request_info(body);
        }
        assert_eq!(
            ResponseFacts::<Bedrock>::response_info(&bodies[0]).finish_reasons,
            ["end_turn"]
        );

        // A huge string where a string belongs is carried through.
        let body = json!({"stopReason": huge,
                          "output": {"message": {"content": [{"toolUse": {"toolUseId": huge, "name": huge}}]}}});
        let info = ResponseFacts::<Bedrock>::response_info(&body);
        assert_eq!(info.finish_reasons[0].len(), 1 << 20);
        assert_eq!(info.tool_calls[0].name.len(), 1 << 20);
        assert_eq!(info.usage, None);

        // Titan bodies.
        for body in [
            json!({"embedding": "abc", "inputTextTokenCount": -3}),
            json!({"embedding": {}, "inputTextTokenCount": "9", "embeddingsByType": []}),
            json!({"inputTextTokenCount": huge}),
        ] {
            let info = ResponseFacts::<Bedrock>::response_info(&body);
            assert_eq!(info, ResponseInfo::default());
        }

        // Malformed requests.
        let request = json!({"modelId": 7, "inferenceConfig": [1],
                             "additionalModelRequestFields": "top_k"});
        assert_eq!(
            RequestFacts::<Bedrock>::request_info(&request),
            RequestInfo::default()
        );
        let request = json!({"inferenceConfig": {"maxTokens": -1, "temperature": "hot",
                                                 "topP": [], "stopSequences": {}}});
        assert_eq!(
            RequestFacts::<Bedrock>::request_info(&request),
            RequestInfo::default()
        );
    }

    #[test]
    fn partial_usage_keeps_the_valid_counts() {
        let body = json!({"usage": {"inputTokens": 10, "outputTokens": -1}});
        assert_eq!(
            ResponseFacts::<Bedrock>::usage(&body),
            Some(Usage {
                input_tokens: Some(10),
                ..Usage::default()
            })
        );
        let body = json!({"usage": {"outputTokens": 4}});
        assert_eq!(
            ResponseFacts::<Bedrock>::usage(&body),
            Some(Usage {
                output_tokens: Some(4),
                ..Usage::default()
            })
        );
        let typed: ConverseResponse = serde_json::from_value(json!({"usage": {}})).unwrap();
        assert_eq!(ResponseFacts::<Bedrock>::usage(&typed), None);
    }

    #[test]
    fn typed_deserialization_of_wrong_types_is_an_error() {
        for body in [
            json!({"usage": {"inputTokens": "12"}}),
            json!({"usage": {"inputTokens": -1}}),
            json!({"usage": [1]}),
            json!({"stopReason": 5}),
            json!({"output": []}),
            json!({"output": {"message": {"content": {}}}}),
            json!({"output": {"message": {"content": [{"toolUse": []}]}}}),
            json!({"output": {"message": {"content": [{"reasoningContent": [1]}]}}}),
            json!({"trace": {"promptRouter": ["model"]}}),
            json!({"metrics": [5]}),
            json!("x".repeat(1 << 20)),
        ] {
            assert!(
                serde_json::from_value::<ConverseResponse>(body.clone()).is_err(),
                "{body:.80}"
            );
        }
        // serde reads a top-level array as a struct by position: an empty
        // one is an empty response, with no facts.
        let empty: ConverseResponse = serde_json::from_value(json!([])).unwrap();
        assert_eq!(
            ResponseFacts::<Bedrock>::response_info(&empty),
            ResponseInfo::default()
        );
        // A tool call without a name is no tool call.
        let nameless: ConverseResponse = serde_json::from_value(
            json!({"output": {"message": {"content": [{"toolUse": {"toolUseId": "t1"}}]}}}),
        )
        .unwrap();
        assert!(ResponseFacts::<Bedrock>::response_info(&nameless)
            .tool_calls
            .is_empty());
        for body in [
            json!({"embedding": "abc"}),
            json!({"inputTextTokenCount": -3}),
            json!(null),
        ] {
            assert!(serde_json::from_value::<TitanEmbeddingResponse>(body).is_err());
        }
        for body in [
            json!({"inferenceConfig": {"maxTokens": -1}}),
            json!({"messages": {}}),
            json!({"modelId": 7}),
        ] {
            assert!(serde_json::from_value::<ConverseRequest>(body).is_err());
        }
    }
}
