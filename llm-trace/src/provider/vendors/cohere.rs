//! Cohere v2 Chat (`POST /v2/chat`) and Embed (`POST /v2/embed`).
//!
//! Normalization (sources: the v2 Chat and Embed API references and the
//! `Usage` / `ApiMeta` types of Cohere's SDKs):
//!
//! - Cohere reports two counts per direction: `usage.tokens` (tokens the
//!   model used) and `usage.billed_units` (tokens billed). `input_tokens` and
//!   `output_tokens` come from `tokens`; `billable_input_tokens` and
//!   `billable_output_tokens` from `billed_units`, which the
//!   `gen_ai.client.token.usage` metric reports when present, as the GenAI
//!   conventions ask when a provider reports both. When `tokens` is absent the
//!   billed counts stand in for it.
//! - `usage.cached_tokens` (prompt tokens served from Cohere's cache, part of
//!   the input tokens) becomes `gen_ai.usage.cache_read.input_tokens`.
//! - `finish_reason` (`COMPLETE`, `MAX_TOKENS`, `STOP_SEQUENCE`, `TOOL_CALL`,
//!   `ERROR`, ...) is reported as given; the response carries no model name.
//! - Embed responses give their input tokens from `meta.tokens` (or
//!   `meta.billed_units`), billable input tokens from `meta.billed_units`, and
//!   the dimension count from the first returned embedding (`float`, `int8`,
//!   `uint8`; packed `binary`/`ubinary` vectors count 8 dimensions a byte).
//!   The `embeddings` operation is named by the annotation
//!   (`#[llm_call(provider = "cohere", operation = "embeddings")]`).
//!
//! Counts are read as whole non-negative numbers, written as integers or as
//! floats with no fraction (`12.0`), since Cohere's schema types them as
//! numbers. Raw [`serde_json::Value`] bodies of either endpoint give the same
//! facts as the typed ones; a chat body is told from an embed body by its
//! `embeddings` field. The typed responses refuse (with `Err`) a field of the
//! wrong type, an array where an object belongs included.

use serde_json::Value;

use super::super::formats::cohere_chat::{content, facts, stream};
use super::vendor;
use crate::model::{OutputMessage, RequestContent};
use crate::provider::{
    ChunkFacts, RequestFacts, RequestInfo, ResponseFacts, ResponseInfo, StreamFacts, Usage,
};

pub use super::super::formats::cohere_chat::{
    AssistantMessage, ChatRequest, ChatResponse, ChatToolCall, ChatUsage, ContentBlock, EmbedMeta,
    EmbedRequest, EmbedResponse, Embeddings, FunctionCall, Message, TokenCounts,
};

vendor! {
    /// Cohere (`gen_ai.provider.name = "cohere"`), the v2 Chat and Embed APIs.
    Cohere { name: "cohere", operation: "chat", server: "api.cohere.com", port: 443 }
}

impl RequestFacts<Cohere> for ChatRequest {
    fn request_model(&self) -> Option<&str> {
        facts::RequestView::model(self)
    }
    fn request_info(&self) -> RequestInfo<'_> {
        facts::request_info(self)
    }
    fn request_content(&self) -> Option<RequestContent> {
        content::chat_request_content(&serde_json::to_value(self).ok()?)
    }
}

impl RequestFacts<Cohere> for EmbedRequest {
    fn request_model(&self) -> Option<&str> {
        facts::RequestView::model(self)
    }
    fn request_info(&self) -> RequestInfo<'_> {
        facts::request_info(self)
    }
}

impl RequestFacts<Cohere> for Value {
    fn request_model(&self) -> Option<&str> {
        facts::RequestView::model(self)
    }
    fn request_info(&self) -> RequestInfo<'_> {
        facts::request_info(self)
    }
    fn request_content(&self) -> Option<RequestContent> {
        content::chat_request_content(self)
    }
}

impl ResponseFacts<Cohere> for ChatResponse {
    fn response_info(&self) -> ResponseInfo<'_> {
        facts::response_info(self)
    }
    fn usage(&self) -> Option<Usage> {
        facts::ResponseView::usage(self)
    }
    fn output_messages(&self) -> Option<Vec<OutputMessage>> {
        content::chat_output_messages(&serde_json::to_value(self).ok()?)
    }
}

impl ResponseFacts<Cohere> for EmbedResponse {
    fn response_info(&self) -> ResponseInfo<'_> {
        facts::response_info(self)
    }
    fn usage(&self) -> Option<Usage> {
        facts::ResponseView::usage(self)
    }
}

impl ResponseFacts<Cohere> for Value {
    fn response_info(&self) -> ResponseInfo<'_> {
        facts::response_info(self)
    }
    fn usage(&self) -> Option<Usage> {
        facts::ResponseView::usage(self)
    }
    fn output_messages(&self) -> Option<Vec<OutputMessage>> {
        content::chat_output_messages(self)
    }
}

/// One event of a streamed v2 chat (`"stream": true`).
impl ChunkFacts<Cohere> for Value {
    fn observe(&self, facts: &mut StreamFacts) {
        stream::observe(self, facts)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use serde_json::Value;

    use super::*;
    use crate::provider::ToolCall;

    fn raw(body: &Value) -> ResponseInfo<'_> {
        ResponseFacts::<Cohere>::response_info(body)
    }

    fn typed_chat(body: &Value) -> ChatResponse {
        serde_json::from_value(body.clone()).expect("a Chat response")
    }

    /// The plain answer of the Chat reference.
    fn plain() -> Value {
        json!({
            "id": "c14c80c3-18eb-4519-9460-6c92edd8cfb4",
            "finish_reason": "COMPLETE",
            "message": {
                "role": "assistant",
                "content": [{"type": "text", "text": "LLMs stand for Large Language Models."}]
            },
            "usage": {
                "billed_units": {"input_tokens": 17, "output_tokens": 10},
                "tokens": {"input_tokens": 17, "output_tokens": 10}
            }
        })
    }

    /// A tool call, as in the tool-use guide; counts written as floats.
    fn tool_call() -> Value {
        json!({
            "id": "4b3a4f2e-0c1d-4d4b-8b0a-2d6f0b8f1b11",
            "finish_reason": "TOOL_CALL",
            "message": {
                "role": "assistant",
                "tool_plan": "I will look up the weather in Toronto.",
                "tool_calls": [
                    {
                        "id": "get_weather_1byjy32y4hvq",
                        "type": "function",
                        "function": {"name": "get_weather", "arguments": "{\"location\":\"Toronto\"}"}
                    },
                    {
                        "id": "get_time_2kxq",
                        "type": "function",
                        "function": {"name": "get_time", "arguments": "{}"}
                    }
                ]
            },
            "usage": {
                "billed_units": {"input_tokens": 37.0, "output_tokens": 28.0},
                "tokens": {"input_tokens": 1014.0, "output_tokens": 57.0}
            }
        })
    }

    /// Billed units well below the tokens used (prompt template and
    /// reasoning are not billed), with cached prompt tokens.
    fn billed_differs() -> Value {
        json!({
            "id": "d5b4e2a0-7f7e-4c6c-9b39-3f0d4a1f6c2e",
            "finish_reason": "MAX_TOKENS",
            "message": {
                "role": "assistant",
                "content": [
                    {"type": "thinking", "thinking": "The user wants a haiku..."},
                    {"type": "text", "text": "Autumn moonlight"}
                ]
            },
            "usage": {
                "billed_units": {"input_tokens": 120, "output_tokens": 300},
                "tokens": {"input_tokens": 1520, "output_tokens": 512},
                "cached_tokens": 1024
            }
        })
    }

    #[test]
    fn plain_chat() {
        let body = plain();
        let expected = ResponseInfo {
            id: Some("c14c80c3-18eb-4519-9460-6c92edd8cfb4".into()),
            model: None,
            finish_reasons: vec!["COMPLETE".into()],
            usage: Some(Usage {
                input_tokens: Some(17),
                output_tokens: Some(10),
                billable_input_tokens: Some(17),
                billable_output_tokens: Some(10),
                ..Usage::default()
            }),
            tool_calls: vec![],
            embeddings_dimension_count: None,
            provider_attributes: Vec::new(),
        };
        assert_eq!(raw(&body), expected);
        let typed = typed_chat(&body);
        assert_eq!(ResponseFacts::<Cohere>::response_info(&typed), expected);
        assert_eq!(ResponseFacts::<Cohere>::usage(&typed), expected.usage);
        assert_eq!(ResponseFacts::<Cohere>::usage(&body), expected.usage);
        assert_eq!(ResponseFacts::<Cohere>::response_model(&typed), None);
        assert_eq!(typed.text(), "LLMs stand for Large Language Models.");
    }

    #[test]
    fn tool_call_chat() {
        let body = tool_call();
        let expected = ResponseInfo {
            id: Some("4b3a4f2e-0c1d-4d4b-8b0a-2d6f0b8f1b11".into()),
            model: None,
            finish_reasons: vec!["TOOL_CALL".into()],
            usage: Some(Usage {
                input_tokens: Some(1014),
                output_tokens: Some(57),
                billable_input_tokens: Some(37),
                billable_output_tokens: Some(28),
                ..Usage::default()
            }),
            tool_calls: vec![
                ToolCall::new(Some("get_weather_1byjy32y4hvq"), "get_weather"),
                ToolCall::new(Some("get_time_2kxq"), "get_time"),
            ],
            embeddings_dimension_count: None,
            provider_attributes: Vec::new(),
        };
        assert_eq!(raw(&body), expected);
        let typed = typed_chat(&body);
        assert_eq!(ResponseFacts::<Cohere>::response_info(&typed), expected);
        let message = typed.message.as_ref().unwrap();
        assert_eq!(
            message.tool_plan.as_deref(),
            Some("I will look up the weather in Toronto.")
        );
        assert_eq!(
            message.tool_calls[0]
                .function
                .as_ref()
                .unwrap()
                .arguments
                .as_deref(),
            Some("{\"location\":\"Toronto\"}")
        );
    }

    #[test]
    fn billed_units_differ_from_tokens() {
        let body = billed_differs();
        let expected = ResponseInfo {
            id: Some("d5b4e2a0-7f7e-4c6c-9b39-3f0d4a1f6c2e".into()),
            model: None,
            finish_reasons: vec!["MAX_TOKENS".into()],
            usage: Some(Usage {
                input_tokens: Some(1520),
                output_tokens: Some(512),
                cache_read_input_tokens: Some(1024),
                cache_write_input_tokens: None,
                reasoning_output_tokens: None,
                billable_input_tokens: Some(120),
                billable_output_tokens: Some(300),
            }),
            tool_calls: vec![],
            embeddings_dimension_count: None,
            provider_attributes: Vec::new(),
        };
        assert_eq!(raw(&body), expected);
        let typed = typed_chat(&body);
        assert_eq!(ResponseFacts::<Cohere>::response_info(&typed), expected);
        assert_eq!(typed.text(), "Autumn moonlight");
    }

    #[test]
    fn billed_units_alone_stand_in_for_tokens() {
        let body =
            json!({"id": "x", "usage": {"billed_units": {"input_tokens": 5, "output_tokens": 2}}});
        let expected = Some(Usage {
            input_tokens: Some(5),
            output_tokens: Some(2),
            billable_input_tokens: Some(5),
            billable_output_tokens: Some(2),
            ..Usage::default()
        });
        assert_eq!(raw(&body).usage, expected);
        assert_eq!(ResponseFacts::<Cohere>::usage(&typed_chat(&body)), expected);
    }

    #[test]
    fn chat_request_facts() {
        let body = json!({
            "model": "command-a-03-2025",
            "messages": [
                {"role": "system", "content": "Be brief."},
                {"role": "user", "content": "Hello"}
            ],
            "temperature": 0.3,
            "p": 0.75,
            "k": 40,
            "max_tokens": 256,
            "stop_sequences": ["END"],
            "seed": 42,
            "frequency_penalty": 0.1,
            "presence_penalty": 0.2,
            "stream": false,
            "response_format": {"type": "json_object"},
            "safety_mode": "CONTEXTUAL"
        });
        let expected = RequestInfo {
            model: Some("command-a-03-2025".into()),
            temperature: Some(0.3),
            top_p: Some(0.75),
            top_k: Some(40.0),
            max_tokens: Some(256),
            stop_sequences: vec!["END".into()],
            seed: Some(42),
            choice_count: None,
            frequency_penalty: Some(0.1),
            presence_penalty: Some(0.2),
            stream: Some(false),
            output_type: Some("json".into()),
            encoding_formats: Vec::new(),
            provider_attributes: Vec::new(),
        };
        assert_eq!(RequestFacts::<Cohere>::request_info(&body), expected);
        assert_eq!(
            RequestFacts::<Cohere>::request_model(&body),
            Some("command-a-03-2025")
        );
        let typed: ChatRequest = serde_json::from_value(body.clone()).unwrap();
        assert_eq!(RequestFacts::<Cohere>::request_info(&typed), expected);
        assert_eq!(typed.extra.get("safety_mode"), Some(&json!("CONTEXTUAL")));
        // A round trip keeps every field.
        assert_eq!(serde_json::to_value(&typed).unwrap(), body);

        let built = ChatRequest::new("command-r", vec![Message::system("s"), Message::user("u")]);
        assert_eq!(
            RequestFacts::<Cohere>::request_info(&built),
            RequestInfo {
                model: Some("command-r".into()),
                ..RequestInfo::default()
            }
        );
        assert_eq!(built.messages[1].role, "user");
    }

    /// The Embed reference's answer, shortened to 4 dimensions.
    fn embed_body() -> Value {
        json!({
            "id": "da6e531f-54c6-4a73-bf92-f60566d8d753",
            "embeddings": {
                "float": [[0.016296387, -0.008354187, -0.04699707, 0.012207031], [0.1, 0.2, 0.3, 0.4]],
                "int8": [[-21, -11, -60, 15], [1, 2, 3, 4]]
            },
            "texts": ["hello", "goodbye"],
            "meta": {
                "api_version": {"version": "2"},
                "billed_units": {"input_tokens": 2}
            },
            "response_type": "embeddings_by_type"
        })
    }

    #[test]
    fn embed_response() {
        let body = embed_body();
        let expected = ResponseInfo {
            id: Some("da6e531f-54c6-4a73-bf92-f60566d8d753".into()),
            model: None,
            finish_reasons: vec![],
            usage: Some(Usage {
                input_tokens: Some(2),
                billable_input_tokens: Some(2),
                ..Usage::default()
            }),
            tool_calls: vec![],
            embeddings_dimension_count: Some(4),
            provider_attributes: Vec::new(),
        };
        assert_eq!(raw(&body), expected);
        let typed: EmbedResponse = serde_json::from_value(body.clone()).unwrap();
        assert_eq!(ResponseFacts::<Cohere>::response_info(&typed), expected);
        assert_eq!(ResponseFacts::<Cohere>::usage(&typed), expected.usage);
        assert_eq!(typed.texts, ["hello", "goodbye"]);

        // Packed binary vectors: 8 dimensions a byte; used tokens from meta.tokens.
        let binary = json!({
            "id": "b",
            "embeddings": {"ubinary": [[12, 255, 3]]},
            "meta": {"billed_units": {"input_tokens": 3}, "tokens": {"input_tokens": 7}}
        });
        let info = raw(&binary);
        assert_eq!(info.embeddings_dimension_count, Some(24));
        assert_eq!(
            info.usage,
            Some(Usage {
                input_tokens: Some(7),
                billable_input_tokens: Some(3),
                ..Usage::default()
            })
        );
        let typed: EmbedResponse = serde_json::from_value(binary.clone()).unwrap();
        assert_eq!(ResponseFacts::<Cohere>::response_info(&typed), info);

        // A v1 body (`embeddings` a list of float vectors) read raw.
        let v1 = json!({"id": "v1", "embeddings": [[0.1, 0.2, 0.3]], "meta": {"billed_units": {"input_tokens": 1}}});
        assert_eq!(raw(&v1).embeddings_dimension_count, Some(3));
        assert_eq!(raw(&v1).usage.unwrap().input_tokens, Some(1));
    }

    #[test]
    fn embed_request_facts() {
        let body = json!({
            "model": "embed-v4.0",
            "texts": ["hello", "goodbye"],
            "input_type": "classification",
            "embedding_types": ["float", "int8"],
            "output_dimension": 1024,
            "max_tokens": 512
        });
        let expected = RequestInfo {
            model: Some("embed-v4.0".into()),
            encoding_formats: vec!["float".into(), "int8".into()],
            ..RequestInfo::default()
        };
        // `max_tokens` of an embed request truncates input; it is not an output limit.
        assert_eq!(RequestFacts::<Cohere>::request_info(&body), expected);
        let typed: EmbedRequest = serde_json::from_value(body.clone()).unwrap();
        assert_eq!(RequestFacts::<Cohere>::request_info(&typed), expected);
        assert_eq!(typed.output_dimension, Some(1024));
        assert_eq!(serde_json::to_value(&typed).unwrap(), body);
    }

    #[test]
    fn malformed_bodies_give_no_usage_and_no_panic() {
        let huge = "x".repeat(1 << 20);
        let bodies = [
            json!({"id": "no-usage", "finish_reason": "COMPLETE", "message": {"role": "assistant", "content": []}}),
            json!({"usage": {}}),
            json!({"usage": null}),
            json!({"usage": "17 tokens"}),
            json!({"usage": [17, 10]}),
            json!({"usage": {"tokens": [17, 10], "billed_units": [5, 2]}}),
            json!({"usage": {"tokens": {"input_tokens": "17", "output_tokens": true}}}),
            json!({"usage": {"tokens": {"input_tokens": -17, "output_tokens": -1.0}}}),
            json!({"usage": {"tokens": {"input_tokens": 1.5, "output_tokens": 1e300}}}),
            json!({"usage": {"tokens": {"input_tokens": huge.clone()}}, "id": huge.clone()}),
            json!({"message": [], "finish_reason": 7, "id": {}}),
            json!({"message": {"tool_calls": {"id": "x"}}}),
            json!({"message": {"tool_calls": [{"function": []}, 3, {"function": {"name": 5}}]}}),
            json!({"embeddings": {"float": "nope"}, "meta": []}),
            json!({"embeddings": {"float": [[]]}, "meta": {"billed_units": {"input_tokens": -3}}}),
            json!({"embeddings": [], "meta": {"billed_units": [3]}}),
            json!([1, 2, 3]),
            json!(huge.clone()),
            json!(null),
        ];
        for body in &bodies {
            let info = raw(body);
            assert_eq!(info.usage, None, "{body:.80}");
            assert!(info.tool_calls.is_empty());
            assert_eq!(info.embeddings_dimension_count, None);
            assert_eq!(ResponseFacts::<Cohere>::usage(body), None);
            let _ = RequestFacts::<Cohere>::request_info(body);
            // Typed reading refuses what it cannot read, or reads no usage.
            if let Ok(typed) = serde_json::from_value::<ChatResponse>(body.clone()) {
                assert_eq!(ResponseFacts::<Cohere>::usage(&typed), None, "{body:.80}");
            }
            if let Ok(typed) = serde_json::from_value::<EmbedResponse>(body.clone()) {
                assert_eq!(ResponseFacts::<Cohere>::usage(&typed), None, "{body:.80}");
                assert_eq!(typed.embeddings.dimension_count(), None);
            }
        }
        assert_eq!(raw(&bodies[9]).id.map(|s| s.len()), Some(1 << 20));
    }

    #[test]
    fn typed_wrong_types_are_errors() {
        let wrong = [
            json!({"usage": {"tokens": {"input_tokens": "17"}}}),
            json!({"usage": {"tokens": {"input_tokens": -17}}}),
            json!({"usage": {"tokens": {"input_tokens": 1.5}}}),
            json!({"usage": {"tokens": [17, 10]}}),
            json!({"usage": {"billed_units": [1, 2]}}),
            json!({"usage": [17, 10]}),
            json!({"message": []}),
            json!({"message": {"content": [["text", "hi"]]}}),
            json!({"message": {"tool_calls": {"id": "x"}}}),
            json!({"message": {"tool_calls": [["id", "function"]]}}),
            json!({"message": {"tool_calls": [{"function": ["get_weather"]}]}}),
            json!({"finish_reason": 7}),
            json!({"id": {}}),
            json!([1, 2, 3]),
        ];
        for body in &wrong {
            assert!(
                serde_json::from_value::<ChatResponse>(body.clone()).is_err(),
                "{body}"
            );
        }
        for body in [
            json!({"embeddings": {"float": "nope"}}),
            json!({"embeddings": [[0.1, 0.2]]}),
            json!({"meta": {"billed_units": {"input_tokens": -3}}}),
            json!({"meta": {"billed_units": [3]}}),
            json!({"meta": []}),
        ] {
            assert!(
                serde_json::from_value::<EmbedResponse>(body.clone()).is_err(),
                "{body}"
            );
        }
        assert!(
            serde_json::from_value::<ChatRequest>(json!({"model": "m", "messages": {}})).is_err()
        );
        assert!(serde_json::from_value::<ChatRequest>(
            json!({"model": "m", "messages": [], "k": -1})
        )
        .is_err());
        assert!(serde_json::from_str::<ChatResponse>(
            "{\"usage\": {\"tokens\": {\"input_tokens\": 1e400}}}"
        )
        .is_err());
    }
}
