//! Ollama's native API: `POST /api/chat` and `POST /api/embed`.
//!
//! Normalization (source: Ollama's API reference, `docs/api.md`, and the
//! `api` package of the Ollama server):
//!
//! - `gen_ai.usage.input_tokens` is `prompt_eval_count`, and
//!   `gen_ai.usage.output_tokens` is `eval_count` (thinking included: Ollama
//!   counts every generated token and reports no reasoning count apart).
//!   Ollama omits `prompt_eval_count` when it is zero, which happens when the
//!   whole prompt was served from its KV cache: the input count is then
//!   absent, not zero. Ollama reports no cache counts.
//! - `done_reason` (`stop`, `length`, `load`, `unload`) is the finish reason;
//!   `model` is the response model; responses carry no id.
//! - Embed responses give input tokens from `prompt_eval_count` and the
//!   dimension count from the length of the first embedding. The
//!   `embeddings` operation is named by the annotation
//!   (`#[llm_call(provider = "ollama", operation = "embeddings")]`).
//! - Request parameters live in `options`: `num_predict` is the output token
//!   limit (negative values mean "no limit" and are not reported); a
//!   `format` (`"json"` or a JSON schema) makes `gen_ai.output.type` `json`.
//!
//! Raw [`serde_json::Value`] bodies give the same facts as the typed ones; a
//! chat body is told from an embed body by its `embeddings` field (or the
//! `embedding` field of the older `/api/embeddings`).

use serde_json::Value;

use super::super::formats::ollama_chat::{content, facts, stream};
use super::vendor;
use crate::model::{OutputMessage, RequestContent};
use crate::provider::{
    ChunkFacts, RequestFacts, RequestInfo, ResponseFacts, ResponseInfo, StreamFacts, Usage,
};

pub use super::super::formats::ollama_chat::{
    ChatRequest, ChatResponse, ChatToolCall, EmbedInput, EmbedRequest, EmbedResponse, FunctionCall,
    Message, Options,
};

vendor! {
    /// Ollama (`gen_ai.provider.name = "ollama"`), its native chat and embed API.
    Ollama { name: "ollama", operation: "chat", server: "localhost", port: 11434 }
}

impl RequestFacts<Ollama> for ChatRequest {
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

impl RequestFacts<Ollama> for EmbedRequest {
    fn request_model(&self) -> Option<&str> {
        facts::RequestView::model(self)
    }
    fn request_info(&self) -> RequestInfo<'_> {
        facts::request_info(self)
    }
}

impl RequestFacts<Ollama> for Value {
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

impl ResponseFacts<Ollama> for ChatResponse {
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
        content::output_messages(&serde_json::to_value(self).ok()?)
    }
}

impl ResponseFacts<Ollama> for EmbedResponse {
    fn response_info(&self) -> ResponseInfo<'_> {
        facts::response_info(self)
    }
    fn usage(&self) -> Option<Usage> {
        facts::ResponseView::usage(self)
    }
    fn response_model(&self) -> Option<&str> {
        facts::ResponseView::model(self)
    }
}

impl ResponseFacts<Ollama> for Value {
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
        content::output_messages(self)
    }
}

/// One NDJSON line of a streamed `/api/chat` reply.
impl ChunkFacts<Ollama> for ChatResponse {
    fn observe(&self, facts: &mut StreamFacts) {
        stream::observe(self, facts)
    }
}

impl ChunkFacts<Ollama> for Value {
    fn observe(&self, facts: &mut StreamFacts) {
        stream::observe(self, facts)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use std::borrow::Cow;

    use serde_json::Value;

    use super::*;
    use crate::provider::ToolCall;

    fn raw(body: &Value) -> ResponseInfo<'_> {
        ResponseFacts::<Ollama>::response_info(body)
    }

    fn typed_chat(body: &Value) -> ChatResponse {
        serde_json::from_value(body.clone()).expect("a chat response")
    }

    /// "Chat request (Structured outputs)" of the API reference.
    fn plain() -> Value {
        json!({
            "model": "llama3.1",
            "created_at": "2024-12-06T00:46:58.265747Z",
            "message": {"role": "assistant", "content": "{\"age\": 22, \"available\": false}"},
            "done_reason": "stop",
            "done": true,
            "total_duration": 2254970291u64,
            "load_duration": 574751416,
            "prompt_eval_count": 34,
            "prompt_eval_duration": 1502000000,
            "eval_count": 12,
            "eval_duration": 175000000
        })
    }

    /// "Chat request (with tools)" of the API reference.
    fn tool_call() -> Value {
        json!({
            "model": "llama3.2",
            "created_at": "2024-07-22T20:33:28.123648Z",
            "message": {
                "role": "assistant",
                "content": "",
                "tool_calls": [
                    {
                        "function": {
                            "name": "get_current_weather",
                            "arguments": {"format": "celsius", "location": "Paris, FR"}
                        }
                    },
                    {
                        "id": "call_7f3a",
                        "function": {"index": 1, "name": "get_time", "arguments": {}}
                    }
                ]
            },
            "done_reason": "stop",
            "done": true,
            "total_duration": 885095291,
            "load_duration": 3753500,
            "prompt_eval_count": 122,
            "prompt_eval_duration": 328493000,
            "eval_count": 33,
            "eval_duration": 552222000
        })
    }

    /// A thinking model (`"think": true`) stopped by the output limit.
    fn thinking() -> Value {
        json!({
            "model": "qwen3:8b",
            "created_at": "2025-05-29T09:35:56.836222Z",
            "message": {
                "role": "assistant",
                "content": "The answer is 42",
                "thinking": "The user asks for the answer. Let me think step by step..."
            },
            "done_reason": "length",
            "done": true,
            "total_duration": 4083443000u64,
            "load_duration": 20876000,
            "prompt_eval_count": 17,
            "prompt_eval_duration": 96000000,
            "eval_count": 256,
            "eval_duration": 3960000000u64
        })
    }

    #[test]
    fn plain_chat() {
        let body = plain();
        let expected = ResponseInfo {
            id: None,
            model: Some("llama3.1".into()),
            finish_reasons: vec!["stop".into()],
            usage: Some(Usage {
                input_tokens: Some(34),
                output_tokens: Some(12),
                ..Usage::default()
            }),
            tool_calls: vec![],
            embeddings_dimension_count: None,
            provider_attributes: Vec::new(),
        };
        assert_eq!(raw(&body), expected);
        assert_eq!(
            ResponseFacts::<Ollama>::response_model(&body),
            Some("llama3.1")
        );
        let typed = typed_chat(&body);
        assert_eq!(ResponseFacts::<Ollama>::response_info(&typed), expected);
        assert_eq!(ResponseFacts::<Ollama>::usage(&typed), expected.usage);
        assert_eq!(
            ResponseFacts::<Ollama>::response_model(&typed),
            Some("llama3.1")
        );
        assert_eq!(typed.text(), "{\"age\": 22, \"available\": false}");
        assert_eq!(typed.total_duration, Some(2254970291));
    }

    #[test]
    fn tool_call_chat() {
        let body = tool_call();
        let expected = ResponseInfo {
            id: None,
            model: Some("llama3.2".into()),
            finish_reasons: vec!["stop".into()],
            usage: Some(Usage {
                input_tokens: Some(122),
                output_tokens: Some(33),
                ..Usage::default()
            }),
            tool_calls: vec![
                ToolCall::new(None::<&str>, "get_current_weather"),
                ToolCall::new(Some("call_7f3a"), "get_time"),
            ],
            embeddings_dimension_count: None,
            provider_attributes: Vec::new(),
        };
        assert_eq!(raw(&body), expected);
        let typed = typed_chat(&body);
        assert_eq!(ResponseFacts::<Ollama>::response_info(&typed), expected);
        let calls = &typed.message.as_ref().unwrap().tool_calls;
        assert_eq!(calls[0].function.arguments["location"], "Paris, FR");
        assert_eq!(calls[1].function.index, Some(1));
    }

    #[test]
    fn thinking_chat() {
        let body = thinking();
        let expected = ResponseInfo {
            id: None,
            model: Some("qwen3:8b".into()),
            finish_reasons: vec!["length".into()],
            usage: Some(Usage {
                input_tokens: Some(17),
                output_tokens: Some(256),
                cache_read_input_tokens: None,
                cache_write_input_tokens: None,
                reasoning_output_tokens: None,
                billable_input_tokens: None,
                billable_output_tokens: None,
            }),
            tool_calls: vec![],
            embeddings_dimension_count: None,
            provider_attributes: Vec::new(),
        };
        assert_eq!(raw(&body), expected);
        let typed = typed_chat(&body);
        assert_eq!(ResponseFacts::<Ollama>::response_info(&typed), expected);
        assert_eq!(
            typed.message.as_ref().unwrap().thinking.as_deref(),
            Some("The user asks for the answer. Let me think step by step...")
        );
    }

    #[test]
    fn streamed_and_cached_bodies() {
        // A streamed line before the last: no usage, no finish reason.
        let chunk = json!({
            "model": "llama3.2",
            "created_at": "2023-08-04T08:52:19.385406455-07:00",
            "message": {"role": "assistant", "content": "The", "images": null},
            "done": false
        });
        let expected = ResponseInfo {
            model: Some("llama3.2".into()),
            ..ResponseInfo::default()
        };
        assert_eq!(raw(&chunk), expected);
        assert_eq!(
            ResponseFacts::<Ollama>::response_info(&typed_chat(&chunk)),
            expected
        );

        // A fully cached prompt: Ollama omits `prompt_eval_count`.
        let cached =
            json!({"model": "orca2", "done": true, "eval_count": 39, "prompt_eval_duration": 0});
        let usage = Some(Usage {
            output_tokens: Some(39),
            ..Usage::default()
        });
        assert_eq!(raw(&cached).usage, usage);
        assert_eq!(ResponseFacts::<Ollama>::usage(&typed_chat(&cached)), usage);

        // Loading a model: a finish reason, no usage.
        let load = json!({
            "model": "llama3.2", "created_at": "2024-09-12T21:17:29.110811Z",
            "message": {"role": "assistant", "content": ""}, "done_reason": "load", "done": true
        });
        let info = raw(&load);
        assert_eq!(info.finish_reasons, vec![Cow::Borrowed("load")]);
        assert_eq!(info.usage, None);
        assert_eq!(
            ResponseFacts::<Ollama>::response_info(&typed_chat(&load)),
            info
        );
    }

    #[test]
    fn chat_request_facts() {
        let body = json!({
            "model": "llama3.2",
            "messages": [{"role": "user", "content": "why is the sky blue?"}],
            "options": {
                "temperature": 0.8,
                "top_p": 0.9,
                "top_k": 20,
                "num_predict": 100,
                "stop": ["\n", "user:"],
                "seed": 42,
                "num_ctx": 1024,
                "presence_penalty": 1.5,
                "frequency_penalty": 1.0,
                "mirostat": 1
            },
            "stream": false,
            "format": {"type": "object", "properties": {"age": {"type": "integer"}}},
            "think": true
        });
        let expected = RequestInfo {
            model: Some("llama3.2".into()),
            temperature: Some(0.8),
            top_p: Some(0.9),
            top_k: Some(20.0),
            max_tokens: Some(100),
            stop_sequences: vec!["\n".into(), "user:".into()],
            seed: Some(42),
            choice_count: None,
            frequency_penalty: Some(1.0),
            presence_penalty: Some(1.5),
            stream: Some(false),
            output_type: Some("json".into()),
            encoding_formats: Vec::new(),
            provider_attributes: Vec::new(),
        };
        assert_eq!(RequestFacts::<Ollama>::request_info(&body), expected);
        assert_eq!(
            RequestFacts::<Ollama>::request_model(&body),
            Some("llama3.2")
        );
        let typed: ChatRequest = serde_json::from_value(body.clone()).unwrap();
        assert_eq!(RequestFacts::<Ollama>::request_info(&typed), expected);
        assert_eq!(typed.options.as_ref().unwrap().num_ctx, Some(1024));
        assert_eq!(typed.extra.get("think"), Some(&json!(true)));
        assert_eq!(serde_json::to_value(&typed).unwrap(), body);

        // No limit (`num_predict: -1`), JSON mode, nothing else.
        let unlimited =
            json!({"model": "m", "messages": [], "options": {"num_predict": -1}, "format": "json"});
        let expected = RequestInfo {
            model: Some("m".into()),
            output_type: Some("json".into()),
            ..RequestInfo::default()
        };
        assert_eq!(RequestFacts::<Ollama>::request_info(&unlimited), expected);
        let typed: ChatRequest = serde_json::from_value(unlimited).unwrap();
        assert_eq!(RequestFacts::<Ollama>::request_info(&typed), expected);

        let built = ChatRequest::new("llama3.2", vec![Message::system("s"), Message::user("u")]);
        assert_eq!(
            RequestFacts::<Ollama>::request_info(&built),
            RequestInfo {
                model: Some("llama3.2".into()),
                ..RequestInfo::default()
            }
        );
    }

    #[test]
    fn embed_bodies() {
        let request = json!({"model": "embeddinggemma", "input": ["why is the sky blue?", "why is the grass green?"], "dimensions": 256});
        let typed: EmbedRequest = serde_json::from_value(request.clone()).unwrap();
        assert_eq!(typed.dimensions, Some(256));
        let expected = RequestInfo {
            model: Some("embeddinggemma".into()),
            ..RequestInfo::default()
        };
        assert_eq!(RequestFacts::<Ollama>::request_info(&typed), expected);
        assert_eq!(RequestFacts::<Ollama>::request_info(&request), expected);
        assert_eq!(serde_json::to_value(&typed).unwrap(), request);
        let one: EmbedRequest =
            serde_json::from_value(json!({"model": "m", "input": "hi"})).unwrap();
        assert_eq!(one.input, EmbedInput::Text("hi".into()));

        let body = json!({
            "model": "embeddinggemma",
            "embeddings": [
                [0.010071029, -0.0017594862, 0.05007221, 0.04692972, 0.054916814],
                [-0.0098027075, 0.06042469, 0.025257962, -0.006364387, 0.07272725]
            ],
            "total_duration": 14143917,
            "load_duration": 1019500,
            "prompt_eval_count": 8
        });
        let expected = ResponseInfo {
            id: None,
            model: Some("embeddinggemma".into()),
            finish_reasons: vec![],
            usage: Some(Usage {
                input_tokens: Some(8),
                ..Usage::default()
            }),
            tool_calls: vec![],
            embeddings_dimension_count: Some(5),
            provider_attributes: Vec::new(),
        };
        assert_eq!(raw(&body), expected);
        let typed: EmbedResponse = serde_json::from_value(body.clone()).unwrap();
        assert_eq!(ResponseFacts::<Ollama>::response_info(&typed), expected);
        assert_eq!(ResponseFacts::<Ollama>::usage(&typed), expected.usage);
        assert_eq!(
            ResponseFacts::<Ollama>::response_model(&typed),
            Some("embeddinggemma")
        );

        // The older `/api/embeddings`: one `embedding`, no counts.
        let legacy =
            json!({"embedding": [0.5670403838157654, 0.009260174818336964, 0.23178744316101074]});
        assert_eq!(raw(&legacy).embeddings_dimension_count, Some(3));
        assert_eq!(raw(&legacy).usage, None);
    }

    #[test]
    fn malformed_bodies_give_no_usage_and_no_panic() {
        let huge = "x".repeat(1 << 20);
        let bodies = [
            json!({"model": "llama3.2", "message": {"role": "assistant", "content": "hi"}, "done": true}),
            json!({"prompt_eval_count": null, "eval_count": null}),
            json!({"prompt_eval_count": "26", "eval_count": true}),
            json!({"prompt_eval_count": -26, "eval_count": -1}),
            json!({"prompt_eval_count": 2.5, "eval_count": 1e300}),
            json!({"prompt_eval_count": [26], "eval_count": {"n": 1}}),
            json!({"prompt_eval_count": huge.clone(), "model": huge.clone()}),
            json!({"message": [], "done_reason": 3, "model": {}}),
            json!({"message": {"tool_calls": {"function": {"name": "f"}}}}),
            json!({"message": {"tool_calls": [3, {"function": []}, {"function": {"name": 5}}]}}),
            json!({"embeddings": {"float": [[1.0]]}, "prompt_eval_count": -8}),
            json!({"embeddings": [[]], "prompt_eval_count": "8"}),
            json!({"embedding": "nope"}),
            json!([1, 2, 3]),
            json!(huge.clone()),
            json!(null),
        ];
        for body in &bodies {
            let info = raw(body);
            assert_eq!(info.usage, None, "{body:.80}");
            assert!(info.tool_calls.is_empty());
            assert_eq!(info.embeddings_dimension_count, None);
            assert_eq!(ResponseFacts::<Ollama>::usage(body), None);
            let _ = RequestFacts::<Ollama>::request_info(body);
            if let Ok(typed) = serde_json::from_value::<ChatResponse>(body.clone()) {
                assert_eq!(ResponseFacts::<Ollama>::usage(&typed), None, "{body:.80}");
            }
            if let Ok(typed) = serde_json::from_value::<EmbedResponse>(body.clone()) {
                assert_eq!(ResponseFacts::<Ollama>::response_info(&typed).usage, None);
                assert_eq!(
                    ResponseFacts::<Ollama>::response_info(&typed).embeddings_dimension_count,
                    None
                );
            }
        }
        assert_eq!(raw(&bodies[6]).model.map(|s| s.len()), Some(1 << 20));

        // Malformed request bodies.
        for body in [
            json!({"model": 5, "options": [1], "format": 3}),
            json!({"options": {"num_predict": "100", "stop": 7, "temperature": "hot"}}),
            json!({"options": "fast"}),
        ] {
            let info = RequestFacts::<Ollama>::request_info(&body);
            assert_eq!(info, RequestInfo::default(), "{body}");
        }
    }

    #[test]
    fn typed_wrong_types_are_errors() {
        let wrong = [
            json!({"prompt_eval_count": "26"}),
            json!({"prompt_eval_count": -26}),
            json!({"eval_count": 2.5}),
            json!({"eval_count": [1]}),
            json!({"message": []}),
            json!({"message": {"tool_calls": {"function": {"name": "f"}}}}),
            json!({"message": {"tool_calls": [{"function": []}]}}),
            json!({"message": {"tool_calls": [[{"name": "f"}]]}}),
            json!({"message": ["assistant", "hi"]}),
            json!({"done_reason": 3}),
            json!({"model": {}}),
            json!({"done": "yes"}),
        ];
        for body in &wrong {
            assert!(
                serde_json::from_value::<ChatResponse>(body.clone()).is_err(),
                "{body}"
            );
        }
        assert!(
            serde_json::from_value::<EmbedResponse>(json!({"embeddings": {"float": []}})).is_err()
        );
        assert!(serde_json::from_value::<EmbedResponse>(json!({"prompt_eval_count": -8})).is_err());
        assert!(serde_json::from_value::<EmbedRequest>(json!({"model": "m", "input": 5})).is_err());
        assert!(serde_json::from_value::<ChatRequest>(
            json!({"model": "m", "messages": [], "options": {"top_k": -1}})
        )
        .is_err());
        assert!(
            serde_json::from_value::<ChatRequest>(json!({"model": "m", "messages": {}})).is_err()
        );
        assert!(serde_json::from_value::<ChatRequest>(
            json!({"model": "m", "messages": [], "options": [0.8, 0.9]})
        )
        .is_err());
    }

    /// A streamed reply read line by line as typed responses and as raw
    /// JSON, with content capture on: the same facts and the same assembled
    /// output. (The typed lines once skipped the message's thinking.)
    #[test]
    fn typed_and_raw_streams_capture_the_same_content() {
        let lines = [
            json!({"model": "qwen3", "message": {"role": "assistant", "content": "", "thinking": "Hmm."}, "done": false}),
            json!({"model": "qwen3", "message": {"role": "assistant", "content": "Paris."}, "done": false}),
            json!({"model": "qwen3", "message": {"role": "assistant", "content": ""}, "done": true,
                   "done_reason": "stop", "prompt_eval_count": 12, "eval_count": 4}),
        ];
        let mut raw = StreamFacts::new();
        let mut typed = StreamFacts::new();
        raw.capture_content();
        typed.capture_content();
        for line in &lines {
            ChunkFacts::<Ollama>::observe(line, &mut raw);
            let line: ChatResponse = serde_json::from_value(line.clone()).unwrap();
            ChunkFacts::<Ollama>::observe(&line, &mut typed);
        }
        assert_eq!(typed.response_info(false), raw.response_info(false));
        let output = raw.take_output_messages(false).unwrap();
        assert_eq!(typed.take_output_messages(false).unwrap(), output);
        assert_eq!(
            output[0].parts,
            [
                crate::model::Part::reasoning("Hmm."),
                crate::model::Part::text("Paris."),
            ]
        );
    }
}
