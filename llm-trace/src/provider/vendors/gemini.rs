//! Google Gemini: `generateContent` (and `streamGenerateContent`'s last
//! chunk) and `embedContent` / `batchEmbedContents`, on the Gemini API
//! ([`Gemini`], `gcp.gemini`) and on Vertex AI ([`VertexAi`],
//! `gcp.vertex_ai`). Both serve the same JSON shapes.
//!
//! Normalization, with its sources (Gemini API reference, `UsageMetadata`;
//! Vertex AI REST reference, `GenerateContentResponse.UsageMetadata`):
//!
//! - **Input tokens** are `promptTokenCount + toolUsePromptTokenCount`.
//!   `promptTokenCount` already includes the cached content ("when
//!   `cachedContent` is set, this is still the total effective prompt size
//!   meaning this includes the number of tokens in the cached content"), so
//!   the cache is not added again. `toolUsePromptTokenCount` (the results of
//!   tool executions fed back to the model) is input that
//!   `promptTokenCount` does not count: `totalTokenCount` is the sum of
//!   prompt, candidates, tool-use prompt and thoughts tokens.
//! - **Cache read** is `cachedContentTokenCount`. Gemini reports no cache
//!   writes (caches are created by a separate `cachedContents` call).
//! - **Output tokens** are `candidatesTokenCount + thoughtsTokenCount`:
//!   Gemini counts thinking apart from the candidates, and
//!   `gen_ai.usage.output_tokens` includes reasoning.
//! - **Reasoning** is `thoughtsTokenCount`.
//! - **Finish reasons**: each candidate's `finishReason` as Gemini writes it
//!   (`STOP`, `MAX_TOKENS`, `SAFETY`, `RECITATION`, `MALFORMED_FUNCTION_CALL`,
//!   ...), in candidate order; a candidate without one is skipped.
//! - **Response id** is `responseId`; **response model** is `modelVersion`.
//! - **Tool calls** are the `functionCall` parts of every candidate, in
//!   order: the function's `name`, and its `id` when the API gives one
//!   (Gemini usually gives none).
//! - **Request model**: the model is part of the URL
//!   (`models/{model}:generateContent`), not of the body. Name it in the
//!   annotation (`#[llm_call(provider = "gcp.gemini", model =
//!   "gemini-2.5-flash")]`) or set [`GenerateContentRequest::model`], which
//!   is never serialized. A raw body that carries a `model` field (as batch
//!   requests do) is read, without its `models/` or Vertex resource prefix.
//! - **Request parameters** come from `generationConfig` (`temperature`,
//!   `topP`, `topK`, `maxOutputTokens`, `stopSequences`, `candidateCount`,
//!   `seed`, `presencePenalty`, `frequencyPenalty`); `gen_ai.output.type` is
//!   `json` when `responseMimeType` is `application/json`, `text` for
//!   `text/plain`, and otherwise `image` or `speech` from
//!   `responseModalities`.
//! - **Embeddings** (name the operation: `#[llm_call(provider =
//!   "gcp.gemini", operation = "embeddings")]`): the length of the (first)
//!   embedding's `values` is `gen_ai.embeddings.dimension.count`. The Gemini
//!   API's `EmbedContentResponse` reports no usage; Vertex AI's
//!   `embedContent` reports `usageMetadata.promptTokenCount`, which becomes
//!   the input tokens.
//!
//! A count that is missing, negative or not a number reads as absent; a
//! response whose usage has no count at all gives no usage.

use serde_json::Value;

use super::super::formats::generate_content::{content, facts, stream};
use super::vendor;
use crate::model::{OutputMessage, RequestContent};
use crate::provider::{
    ChunkFacts, RequestFacts, RequestInfo, ResponseFacts, ResponseInfo, StreamFacts, Usage,
};

pub use super::super::formats::generate_content::{
    Candidate, Content, ContentEmbedding, EmbedContentRequest, EmbedContentResponse, FunctionCall,
    GenerateContentRequest, GenerateContentResponse, GenerationConfig, Part, UsageMetadata,
};

vendor! {
    /// Google Gemini on the Gemini API (AI Studio),
    /// `gen_ai.provider.name = "gcp.gemini"`.
    Gemini { name: "gcp.gemini", operation: "generate_content", server: "generativelanguage.googleapis.com", port: 443 }
}

vendor! {
    /// Google Gemini on Vertex AI, `gen_ai.provider.name = "gcp.vertex_ai"`.
    ///
    /// Regional endpoints (`{region}-aiplatform.googleapis.com`) take the
    /// annotation's `server`.
    VertexAi { name: "gcp.vertex_ai", operation: "generate_content", server: "aiplatform.googleapis.com", port: 443 }
}

/// The facts of the `generateContent` format, for each vendor that serves it.
macro_rules! generate_content_facts {
    ($p:ty) => {
        impl RequestFacts<$p> for GenerateContentRequest {
            fn request_model(&self) -> Option<&str> {
                facts::RequestView::model(self)
            }
            fn request_info(&self) -> RequestInfo<'_> {
                facts::request_info(self)
            }
            fn request_content(&self) -> Option<RequestContent> {
                content::request_content(&serde_json::to_value(self).ok()?)
            }
        }

        impl RequestFacts<$p> for EmbedContentRequest {
            fn request_model(&self) -> Option<&str> {
                facts::RequestView::model(self)
            }
            fn request_info(&self) -> RequestInfo<'_> {
                facts::request_info(self)
            }
        }

        impl RequestFacts<$p> for Value {
            fn request_model(&self) -> Option<&str> {
                facts::RequestView::model(self)
            }
            fn request_info(&self) -> RequestInfo<'_> {
                facts::request_info(self)
            }
            fn request_content(&self) -> Option<RequestContent> {
                content::request_content(self)
            }
        }

        impl ResponseFacts<$p> for GenerateContentResponse {
            fn response_info(&self) -> ResponseInfo<'_> {
                facts::response_info(self)
            }
            fn usage(&self) -> Option<Usage> {
                facts::ResponseView::usage(self)
            }
            fn response_model(&self) -> Option<&str> {
                facts::ResponseView::model_version(self)
            }
            fn output_messages(&self) -> Option<Vec<OutputMessage>> {
                content::output_messages(&serde_json::to_value(self).ok()?)
            }
        }

        impl ResponseFacts<$p> for EmbedContentResponse {
            fn response_info(&self) -> ResponseInfo<'_> {
                facts::response_info(self)
            }
            fn usage(&self) -> Option<Usage> {
                facts::ResponseView::usage(self)
            }
        }

        impl ResponseFacts<$p> for Value {
            fn response_info(&self) -> ResponseInfo<'_> {
                facts::response_info(self)
            }
            fn usage(&self) -> Option<Usage> {
                facts::ResponseView::usage(self)
            }
            fn response_model(&self) -> Option<&str> {
                facts::ResponseView::model_version(self)
            }
            fn output_messages(&self) -> Option<Vec<OutputMessage>> {
                content::output_messages(self)
            }
        }

        impl ChunkFacts<$p> for GenerateContentResponse {
            fn observe(&self, facts: &mut StreamFacts) {
                stream::observe(self, facts)
            }
        }

        impl ChunkFacts<$p> for Value {
            fn observe(&self, facts: &mut StreamFacts) {
                stream::observe(self, facts)
            }
        }
    };
}

generate_content_facts!(Gemini);
generate_content_facts!(VertexAi);

#[cfg(test)]
mod tests {
    use serde_json::json;

    use std::borrow::Cow;

    use serde_json::Value;

    use super::*;
    use crate::provider::{Provider, ToolCall};

    fn raw<P: Provider>(v: &Value) -> ResponseInfo<'_>
    where
        Value: ResponseFacts<P>,
    {
        ResponseFacts::<P>::response_info(v)
    }

    /// Asserts that the raw body and its typed form give `expected`, for
    /// both providers.
    fn assert_both(body: &Value, expected: &ResponseInfo<'_>) {
        assert_eq!(&raw::<Gemini>(body), expected);
        assert_eq!(&raw::<VertexAi>(body), expected);
        assert_eq!(ResponseFacts::<Gemini>::usage(body), expected.usage);
        assert_eq!(
            ResponseFacts::<Gemini>::response_model(body),
            expected.model.as_deref()
        );
        let typed: GenerateContentResponse = serde_json::from_value(body.clone()).unwrap();
        assert_eq!(&ResponseFacts::<Gemini>::response_info(&typed), expected);
        assert_eq!(&ResponseFacts::<VertexAi>::response_info(&typed), expected);
        assert_eq!(ResponseFacts::<VertexAi>::usage(&typed), expected.usage);
        assert_eq!(
            ResponseFacts::<VertexAi>::response_model(&typed),
            expected.model.as_deref()
        );
    }

    #[test]
    fn names_servers_and_operation() {
        assert_eq!(Gemini::NAME, "gcp.gemini");
        assert_eq!(VertexAi::NAME, "gcp.vertex_ai");
        assert_eq!(Gemini::DEFAULT_OPERATION, "generate_content");
        assert_eq!(VertexAi::DEFAULT_OPERATION, "generate_content");
        assert_eq!(
            Gemini::SERVER_ADDRESS,
            Some("generativelanguage.googleapis.com")
        );
        assert_eq!(VertexAi::SERVER_ADDRESS, Some("aiplatform.googleapis.com"));
        assert_eq!(
            (Gemini::SERVER_PORT, VertexAi::SERVER_PORT),
            (Some(443), Some(443))
        );
    }

    #[test]
    fn plain_text() {
        let body = json!({
            "candidates": [{
                "content": {"parts": [{"text": "Once upon a time..."}], "role": "model"},
                "finishReason": "STOP",
                "avgLogprobs": -0.25
            }],
            "usageMetadata": {
                "promptTokenCount": 8, "candidatesTokenCount": 120, "totalTokenCount": 128,
                "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 8}]
            },
            "modelVersion": "gemini-2.0-flash",
            "responseId": "mAitaLmkHPPlz7IPvtfUqQ4"
        });
        assert_both(
            &body,
            &ResponseInfo {
                id: Some("mAitaLmkHPPlz7IPvtfUqQ4".into()),
                model: Some("gemini-2.0-flash".into()),
                finish_reasons: vec!["STOP".into()],
                usage: Some(Usage {
                    input_tokens: Some(8),
                    output_tokens: Some(120),
                    ..Usage::default()
                }),
                ..ResponseInfo::default()
            },
        );
        let typed: GenerateContentResponse = serde_json::from_value(body).unwrap();
        assert_eq!(typed.text(), "Once upon a time...");
    }

    #[test]
    fn function_call_with_tool_use_prompt_tokens() {
        let body = json!({
            "candidates": [{
                "content": {"role": "model", "parts": [
                    {"functionCall": {"name": "set_light_values", "args": {"brightness": 25, "color_temp": "warm"}}},
                    {"functionCall": {"id": "call-2", "name": "get_weather", "args": {"city": "Paris"}}}
                ]},
                "finishReason": "STOP",
                "index": 0
            }],
            "usageMetadata": {
                "promptTokenCount": 105, "candidatesTokenCount": 20,
                "toolUsePromptTokenCount": 40, "totalTokenCount": 165
            },
            "modelVersion": "gemini-2.5-flash",
            "responseId": "resp-fc"
        });
        assert_both(
            &body,
            &ResponseInfo {
                id: Some("resp-fc".into()),
                model: Some("gemini-2.5-flash".into()),
                finish_reasons: vec!["STOP".into()],
                usage: Some(Usage {
                    input_tokens: Some(145),
                    output_tokens: Some(20),
                    ..Usage::default()
                }),
                tool_calls: vec![
                    ToolCall::new(None::<&str>, "set_light_values"),
                    ToolCall::new(Some("call-2"), "get_weather"),
                ],
                ..ResponseInfo::default()
            },
        );
    }

    #[test]
    fn thinking_with_cached_content() {
        let body = json!({
            "candidates": [{
                "content": {"role": "model", "parts": [
                    {"text": "**Weighing the options**", "thought": true},
                    {"text": "The answer is 42.", "thoughtSignature": "c2lnbmF0dXJl"}
                ]},
                "finishReason": "STOP",
                "index": 0
            }],
            "usageMetadata": {
                "promptTokenCount": 2100,
                "cachedContentTokenCount": 2048,
                "candidatesTokenCount": 12,
                "thoughtsTokenCount": 380,
                "totalTokenCount": 2492,
                "cacheTokensDetails": [{"modality": "TEXT", "tokenCount": 2048}]
            },
            "modelVersion": "gemini-2.5-pro",
            "responseId": "resp-think"
        });
        assert_both(
            &body,
            &ResponseInfo {
                id: Some("resp-think".into()),
                model: Some("gemini-2.5-pro".into()),
                finish_reasons: vec!["STOP".into()],
                usage: Some(Usage {
                    input_tokens: Some(2100),
                    output_tokens: Some(392),
                    cache_read_input_tokens: Some(2048),
                    reasoning_output_tokens: Some(380),
                    ..Usage::default()
                }),
                ..ResponseInfo::default()
            },
        );
        let typed: GenerateContentResponse = serde_json::from_value(body).unwrap();
        assert_eq!(typed.text(), "The answer is 42.");
    }

    #[test]
    fn two_candidates_one_finish_reason_each() {
        let body = json!({
            "candidates": [
                {"content": {"role": "model", "parts": [{"text": "A"}]}, "finishReason": "STOP"},
                {"content": {"role": "model", "parts": [{"text": "B, cut"}]}, "finishReason": "MAX_TOKENS", "index": 1},
                {"finishReason": "SAFETY", "index": 2, "safetyRatings": []}
            ],
            "usageMetadata": {"promptTokenCount": 10, "candidatesTokenCount": 30, "totalTokenCount": 40},
            "modelVersion": "gemini-2.0-flash-001",
            "responseId": "resp-n",
            "createTime": "2025-01-01T00:00:00Z"
        });
        assert_both(
            &body,
            &ResponseInfo {
                id: Some("resp-n".into()),
                model: Some("gemini-2.0-flash-001".into()),
                finish_reasons: vec!["STOP".into(), "MAX_TOKENS".into(), "SAFETY".into()],
                usage: Some(Usage {
                    input_tokens: Some(10),
                    output_tokens: Some(30),
                    ..Usage::default()
                }),
                ..ResponseInfo::default()
            },
        );
    }

    #[test]
    fn blocked_prompt_has_no_candidates() {
        let body = json!({
            "promptFeedback": {"blockReason": "SAFETY"},
            "usageMetadata": {"promptTokenCount": 7, "totalTokenCount": 7},
            "modelVersion": "gemini-2.0-flash"
        });
        assert_both(
            &body,
            &ResponseInfo {
                model: Some("gemini-2.0-flash".into()),
                usage: Some(Usage {
                    input_tokens: Some(7),
                    ..Usage::default()
                }),
                ..ResponseInfo::default()
            },
        );
    }

    #[test]
    fn request_facts_typed_and_raw() {
        let body = json!({
            "contents": [{"role": "user", "parts": [{"text": "List three colors"}]}],
            "systemInstruction": {"parts": [{"text": "Answer in JSON."}]},
            "tools": [{"functionDeclarations": [{"name": "f"}]}],
            "safetySettings": [{"category": "HARM_CATEGORY_HARASSMENT", "threshold": "BLOCK_NONE"}],
            "generationConfig": {
                "temperature": 0.7, "topP": 0.95, "topK": 40, "maxOutputTokens": 256,
                "stopSequences": ["END", "STOP!"], "candidateCount": 2, "seed": -7,
                "presencePenalty": 0.5, "frequencyPenalty": 0.25,
                "responseMimeType": "application/json",
                "responseSchema": {"type": "ARRAY"},
                "thinkingConfig": {"thinkingBudget": 0}
            }
        });
        let expected = |model: Option<&'static str>| RequestInfo {
            model: model.map(Cow::Borrowed),
            temperature: Some(0.7),
            top_p: Some(0.95),
            top_k: Some(40.0),
            max_tokens: Some(256),
            stop_sequences: vec!["END".into(), "STOP!".into()],
            seed: Some(-7),
            choice_count: Some(2),
            presence_penalty: Some(0.5),
            frequency_penalty: Some(0.25),
            output_type: Some("json".into()),
            ..RequestInfo::default()
        };
        assert_eq!(RequestFacts::<Gemini>::request_model(&body), None);
        assert_eq!(RequestFacts::<Gemini>::request_info(&body), expected(None));
        assert_eq!(
            RequestFacts::<VertexAi>::request_info(&body),
            expected(None)
        );

        let mut typed: GenerateContentRequest = serde_json::from_value(body.clone()).unwrap();
        assert_eq!(typed.model, None);
        assert_eq!(RequestFacts::<Gemini>::request_info(&typed), expected(None));
        typed.model = Some("models/gemini-2.5-flash".into());
        assert_eq!(
            RequestFacts::<VertexAi>::request_model(&typed),
            Some("gemini-2.5-flash")
        );
        assert_eq!(
            RequestFacts::<Gemini>::request_info(&typed),
            expected(Some("gemini-2.5-flash"))
        );
        // The model never reaches the body; unknown fields pass through.
        assert_eq!(serde_json::to_value(&typed).unwrap(), body);

        let with_model = json!({
            "model": "projects/p/locations/us-central1/publishers/google/models/gemini-2.0-flash",
            "contents": []
        });
        assert_eq!(
            RequestFacts::<VertexAi>::request_model(&with_model),
            Some("gemini-2.0-flash")
        );
    }

    #[test]
    fn output_types() {
        let info = |config: Value| {
            RequestFacts::<Gemini>::request_info(&json!({"generationConfig": config}))
                .output_type
                .map(Cow::into_owned)
        };
        assert_eq!(
            info(json!({"responseMimeType": "text/plain"})).as_deref(),
            Some("text")
        );
        assert_eq!(
            info(json!({"responseModalities": ["TEXT", "IMAGE"]})).as_deref(),
            Some("image")
        );
        assert_eq!(
            info(json!({"responseModalities": ["AUDIO"]})).as_deref(),
            Some("speech")
        );
        assert_eq!(info(json!({"responseMimeType": "text/x.enum"})), None);
        assert_eq!(info(json!({})), None);
        let typed = GenerateContentRequest {
            generation_config: Some(GenerationConfig {
                response_mime_type: Some("application/json".into()),
                ..GenerationConfig::default()
            }),
            ..GenerateContentRequest::new("gemini-2.5-flash", vec![Content::user("hi")])
        };
        assert_eq!(
            RequestFacts::<Gemini>::request_info(&typed)
                .output_type
                .as_deref(),
            Some("json")
        );
    }

    #[test]
    fn embeddings() {
        // Gemini API embedContent: no usage.
        let single = json!({"embedding": {"values": [0.1, -0.2, 0.3, 0.4]}});
        let expected = ResponseInfo {
            embeddings_dimension_count: Some(4),
            ..ResponseInfo::default()
        };
        assert_eq!(raw::<Gemini>(&single), expected);
        let typed: EmbedContentResponse = serde_json::from_value(single).unwrap();
        assert_eq!(ResponseFacts::<Gemini>::response_info(&typed), expected);
        assert_eq!(ResponseFacts::<Gemini>::usage(&typed), None);

        // batchEmbedContents.
        let batch =
            json!({"embeddings": [{"values": [1.0, 2.0, 3.0]}, {"values": [4.0, 5.0, 6.0]}]});
        assert_eq!(raw::<Gemini>(&batch).embeddings_dimension_count, Some(3));
        let typed: EmbedContentResponse = serde_json::from_value(batch).unwrap();
        assert_eq!(typed.dimension_count(), Some(3));

        // Vertex AI embedContent reports the prompt tokens.
        let vertex = json!({
            "embedding": {"values": [0.5, 0.5]},
            "usageMetadata": {"promptTokenCount": 6, "totalTokenCount": 6},
            "truncated": false
        });
        let expected = ResponseInfo {
            usage: Some(Usage {
                input_tokens: Some(6),
                ..Usage::default()
            }),
            embeddings_dimension_count: Some(2),
            ..ResponseInfo::default()
        };
        assert_eq!(raw::<VertexAi>(&vertex), expected);
        let typed: EmbedContentResponse = serde_json::from_value(vertex).unwrap();
        assert_eq!(ResponseFacts::<VertexAi>::response_info(&typed), expected);

        let request = EmbedContentRequest::new("models/gemini-embedding-001", "hello");
        assert_eq!(
            RequestFacts::<Gemini>::request_model(&request),
            Some("gemini-embedding-001")
        );
        assert_eq!(
            serde_json::to_value(&request).unwrap(),
            json!({"content": {"parts": [{"text": "hello"}]}})
        );
        let raw_request =
            json!({"model": "models/text-embedding-004", "content": {"parts": [{"text": "x"}]}});
        assert_eq!(
            RequestFacts::<Gemini>::request_info(&raw_request),
            RequestInfo {
                model: Some("text-embedding-004".into()),
                ..RequestInfo::default()
            }
        );
    }

    #[test]
    fn malformed_bodies_give_no_usage_and_no_panic() {
        let huge = "x".repeat(1 << 20);
        let bodies = [
            json!({}),
            json!(null),
            json!([1, 2, 3]),
            json!("a string"),
            json!({"candidates": [{"finishReason": "STOP"}]}),
            json!({"usageMetadata": null}),
            json!({"usageMetadata": []}),
            json!({"usageMetadata": "12"}),
            json!({"usageMetadata": {}}),
            json!({"usageMetadata": {"promptTokenCount": "12", "candidatesTokenCount": "3"}}),
            json!({"usageMetadata": {"promptTokenCount": -5, "candidatesTokenCount": -1}}),
            json!({"usageMetadata": {"promptTokenCount": 1.5, "thoughtsTokenCount": true}}),
            json!({"usageMetadata": {"promptTokenCount": huge}}),
            json!({"candidates": {"0": {"finishReason": "STOP"}}}),
            json!({"candidates": [[]], "responseId": 7, "modelVersion": ["m"]}),
            json!({"candidates": [{"content": [], "finishReason": 3}]}),
            json!({"candidates": [{"content": {"parts": {"functionCall": {"name": "f"}}}}]}),
            json!({"candidates": [{"content": {"parts": [{"functionCall": []}, {"functionCall": {"name": 5}}]}}]}),
            json!({"embedding": "oops", "embeddings": {"values": [1]}}),
            json!({"embedding": {"values": {"0": 1.0}}}),
            json!({"responseId": huge, "usageMetadata": {"promptTokenCount": {"n": 1}}}),
        ];
        for body in &bodies {
            for info in [raw::<Gemini>(body), raw::<VertexAi>(body)] {
                assert_eq!(info.usage, None, "{body:.100}");
                assert!(info.tool_calls.is_empty());
                assert_eq!(info.embeddings_dimension_count, None);
                assert!(info.finish_reasons.len() <= 1);
            }
            assert_eq!(ResponseFacts::<Gemini>::usage(body), None);
            let _ = RequestFacts::<Gemini>::request_info(body);
            let _ = RequestFacts::<VertexAi>::request_model(body);
            // Typed parsing fails cleanly or gives no usage.
            if let Ok(typed) = serde_json::from_value::<GenerateContentResponse>(body.clone()) {
                assert_eq!(ResponseFacts::<Gemini>::usage(&typed), None, "{body:.100}");
            }
            if let Ok(typed) = serde_json::from_value::<EmbedContentResponse>(body.clone()) {
                assert_eq!(ResponseFacts::<Gemini>::response_info(&typed).usage, None);
            }
        }
        // The huge id is borrowed, not copied, and read as given.
        assert_eq!(
            raw::<Gemini>(&bodies[20]).id.map(|s| s.len()),
            Some(1 << 20)
        );

        // Wrong types are an error for the typed form, not a panic.
        for bad in [
            json!({"usageMetadata": {"promptTokenCount": "12"}}),
            json!({"usageMetadata": {"promptTokenCount": -5}}),
            json!({"usageMetadata": []}),
            json!({"usageMetadata": [5, 3]}),
            json!({"candidates": [{"content": [{"parts": []}]}]}),
            json!({"candidates": {"0": {}}}),
            json!({"candidates": [{"finishReason": 3}]}),
            json!({"responseId": 7}),
        ] {
            assert!(
                serde_json::from_value::<GenerateContentResponse>(bad.clone()).is_err(),
                "{bad}"
            );
        }
        assert!(
            serde_json::from_value::<EmbedContentResponse>(json!({"embedding": "oops"})).is_err()
        );
        assert!(
            serde_json::from_value::<EmbedContentResponse>(json!({"embedding": [[1.0, 2.0]]}))
                .is_err()
        );
        assert!(serde_json::from_value::<GenerateContentRequest>(
            json!({"contents": [], "generationConfig": {"temperature": "hot"}})
        )
        .is_err());
    }

    #[test]
    fn partial_usage_keeps_what_is_valid() {
        let body = json!({"usageMetadata": {"promptTokenCount": -1, "candidatesTokenCount": 4, "thoughtsTokenCount": "x"}});
        assert_eq!(
            ResponseFacts::<Gemini>::usage(&body),
            Some(Usage {
                output_tokens: Some(4),
                ..Usage::default()
            })
        );
        // Overflowing sums saturate.
        let body =
            json!({"usageMetadata": {"promptTokenCount": u64::MAX, "toolUsePromptTokenCount": 1}});
        assert_eq!(
            ResponseFacts::<Gemini>::usage(&body).unwrap().input_tokens,
            Some(u64::MAX)
        );
    }

    /// A stream read chunk by chunk as typed responses and as raw JSON, with
    /// content capture on: the same facts and the same assembled output.
    /// (The typed chunks once skipped the function call's arguments.)
    #[test]
    fn typed_and_raw_streams_capture_the_same_content() {
        let chunks = [
            json!({"candidates": [{"content": {"role": "model", "parts": [
                {"text": "Let me check.", "thought": true},
                {"text": "Checking the weather."}
            ]}}], "modelVersion": "gemini-2.5-flash", "responseId": "r1"}),
            json!({"candidates": [{"content": {"role": "model", "parts": [
                {"functionCall": {"name": "get_weather", "args": {"city": "Paris"}}}
            ]}, "finishReason": "STOP"}],
              "usageMetadata": {"promptTokenCount": 7, "candidatesTokenCount": 5, "thoughtsTokenCount": 2}}),
        ];
        let mut raw = StreamFacts::new();
        let mut typed = StreamFacts::new();
        raw.capture_content();
        typed.capture_content();
        for chunk in &chunks {
            ChunkFacts::<Gemini>::observe(chunk, &mut raw);
            let chunk: GenerateContentResponse = serde_json::from_value(chunk.clone()).unwrap();
            ChunkFacts::<Gemini>::observe(&chunk, &mut typed);
        }
        assert_eq!(typed.response_info(false), raw.response_info(false));
        let output = raw.take_output_messages(false).unwrap();
        assert_eq!(typed.take_output_messages(false).unwrap(), output);
        assert_eq!(
            output[0].parts,
            [
                crate::model::Part::reasoning("Let me check."),
                crate::model::Part::text("Checking the weather."),
                crate::model::Part::ToolCall {
                    id: None,
                    name: "get_weather".to_owned(),
                    arguments: json!({"city": "Paris"}),
                },
            ]
        );
    }
}
