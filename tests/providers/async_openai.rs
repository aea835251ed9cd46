//! llm-trace's `async-openai` feature: the facts of async-openai's own types.
//!
//! Bodies are composed from OpenAI's API reference and deserialized into
//! async-openai's types, as its client does; every normalized fact is
//! asserted, and each response's facts are checked against the same body read
//! raw (`parse_response("openai", ...)`), so both paths normalize alike.

use std::borrow::Cow;

use async_openai::types::chat::{
    CreateChatCompletionRequest, CreateChatCompletionResponse, CreateChatCompletionStreamResponse,
};
use async_openai::types::embeddings::{CreateEmbeddingRequest, CreateEmbeddingResponse};
use async_openai::types::responses::{CreateResponse, Response};
use llm_trace::llm_call;
use llm_trace::provider::{
    parse_response, AzureOpenAi, DeepSeek, OpenAi, RequestFacts, RequestInfo, ResponseFacts,
    ResponseInfo, ToolCall, Usage,
};
use llm_trace_testkit::capture::{attributes, Capture};
use opentelemetry::{Array, StringValue, Value};
use serde::de::DeserializeOwned;
use serde_json::json;

fn typed<T: DeserializeOwned>(body: &serde_json::Value) -> T {
    serde_json::from_value(body.clone()).expect("the body deserializes into async-openai's type")
}

fn response_facts<T: ResponseFacts<OpenAi>>(value: &T) -> ResponseInfo<'_> {
    value.response_info()
}

fn request_facts<T: RequestFacts<OpenAi>>(value: &T) -> RequestInfo<'_> {
    value.request_info()
}

fn strings(values: &[&'static str]) -> Vec<Cow<'static, str>> {
    values.iter().copied().map(Cow::Borrowed).collect()
}

/// Asserts the typed facts of `body` are `expected` (`openai.*` attributes
/// aside), and that the raw body gives the same, `openai.*` included.
fn assert_response<T>(body: &serde_json::Value, expected: &ResponseInfo<'_>)
where
    T: DeserializeOwned + ResponseFacts<OpenAi>,
{
    let value: T = typed(body);
    let facts = response_facts(&value);
    assert_eq!(facts, parse_response("openai", body).unwrap());
    let mut general = facts.clone();
    general.provider_attributes.clear();
    assert_eq!(&general, expected);
    assert_eq!(ResponseFacts::<OpenAi>::usage(&value), expected.usage);
    assert_eq!(
        ResponseFacts::<OpenAi>::response_model(&value),
        expected.model.as_deref()
    );
}

// ---- Chat Completions ----------------------------------------------------

fn chat_plain() -> serde_json::Value {
    json!({
        "id": "chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT",
        "object": "chat.completion",
        "created": 1741569952,
        "model": "gpt-4.1-2025-04-14",
        "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": "Hello! How can I assist you today?",
                        "refusal": null, "annotations": []},
            "logprobs": null,
            "finish_reason": "stop"
        }],
        "usage": {
            "prompt_tokens": 19, "completion_tokens": 10, "total_tokens": 29,
            "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0,
                "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0}
        },
        "service_tier": "default"
    })
}

#[test]
fn chat_completion_plain() {
    assert_response::<CreateChatCompletionResponse>(
        &chat_plain(),
        &ResponseInfo {
            id: Some("chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT".into()),
            model: Some("gpt-4.1-2025-04-14".into()),
            finish_reasons: strings(&["stop"]),
            usage: Some(Usage {
                input_tokens: Some(19),
                output_tokens: Some(10),
                cache_read_input_tokens: Some(0),
                reasoning_output_tokens: Some(0),
                ..Usage::default()
            }),
            ..ResponseInfo::default()
        },
    );
}

fn chat_tool_calls() -> serde_json::Value {
    json!({
        "id": "chatcmpl-abc123",
        "object": "chat.completion",
        "created": 1699896916,
        "model": "gpt-4o-mini",
        "choices": [{
            "index": 0,
            "message": {
                "role": "assistant",
                "content": null,
                "tool_calls": [
                    {"id": "call_abc123", "type": "function",
                     "function": {"name": "get_current_weather", "arguments": "{\n\"location\": \"Boston, MA\"\n}"}},
                    {"id": "call_def456", "type": "function",
                     "function": {"name": "get_time", "arguments": "{\"tz\": \"America/New_York\"}"}}
                ]
            },
            "logprobs": null,
            "finish_reason": "tool_calls"
        }],
        "usage": {
            "prompt_tokens": 82, "completion_tokens": 17, "total_tokens": 99,
            "completion_tokens_details": {"reasoning_tokens": 0, "accepted_prediction_tokens": 0,
                                          "rejected_prediction_tokens": 0}
        }
    })
}

#[test]
fn chat_completion_with_tool_calls() {
    assert_response::<CreateChatCompletionResponse>(
        &chat_tool_calls(),
        &ResponseInfo {
            id: Some("chatcmpl-abc123".into()),
            model: Some("gpt-4o-mini".into()),
            finish_reasons: strings(&["tool_calls"]),
            usage: Some(Usage {
                input_tokens: Some(82),
                output_tokens: Some(17),
                reasoning_output_tokens: Some(0),
                ..Usage::default()
            }),
            tool_calls: vec![
                ToolCall::new(Some("call_abc123"), "get_current_weather"),
                ToolCall::new(Some("call_def456"), "get_time"),
            ],
            ..ResponseInfo::default()
        },
    );
}

fn chat_cached_reasoning() -> serde_json::Value {
    json!({
        "id": "chatcmpl-C1x2",
        "object": "chat.completion",
        "created": 1741570283,
        "model": "o4-mini-2025-04-16",
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": "Plan A"}, "finish_reason": "stop"},
            {"index": 1, "message": {"role": "assistant", "content": "Plan"}, "finish_reason": "length"}
        ],
        "usage": {
            "prompt_tokens": 1200, "completion_tokens": 300, "total_tokens": 1500,
            "prompt_tokens_details": {"cached_tokens": 1024, "audio_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": 192, "audio_tokens": 0,
                "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0}
        },
        "system_fingerprint": "fp_a1b2"
    })
}

#[test]
fn chat_completion_with_cache_reads_reasoning_and_two_choices() {
    assert_response::<CreateChatCompletionResponse>(
        &chat_cached_reasoning(),
        &ResponseInfo {
            id: Some("chatcmpl-C1x2".into()),
            model: Some("o4-mini-2025-04-16".into()),
            finish_reasons: strings(&["stop", "length"]),
            usage: Some(Usage {
                input_tokens: Some(1200),
                output_tokens: Some(300),
                cache_read_input_tokens: Some(1024),
                reasoning_output_tokens: Some(192),
                ..Usage::default()
            }),
            ..ResponseInfo::default()
        },
    );
}

#[test]
fn chat_completion_content_filter_and_no_usage() {
    let body = json!({
        "id": "chatcmpl-f", "object": "chat.completion", "created": 1, "model": "gpt-4o",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": null},
                     "finish_reason": "content_filter"}]
    });
    assert_response::<CreateChatCompletionResponse>(
        &body,
        &ResponseInfo {
            id: Some("chatcmpl-f".into()),
            model: Some("gpt-4o".into()),
            finish_reasons: strings(&["content_filter"]),
            ..ResponseInfo::default()
        },
    );
}

// ---- Chat Completions stream chunks ------------------------------------

#[test]
fn stream_chunk_with_a_tool_call_start() {
    let body = json!({
        "id": "chatcmpl-123", "object": "chat.completion.chunk", "created": 1694268190,
        "model": "gpt-4o-mini", "system_fingerprint": "fp_44709d6fcb",
        "choices": [{"index": 0, "delta": {"role": "assistant", "content": null,
            "tool_calls": [{"index": 0, "id": "call_abc123", "type": "function",
                            "function": {"name": "get_current_weather", "arguments": ""}}]},
            "logprobs": null, "finish_reason": null}]
    });
    let chunk: CreateChatCompletionStreamResponse = typed(&body);
    assert_eq!(
        response_facts(&chunk),
        ResponseInfo {
            id: Some("chatcmpl-123".into()),
            model: Some("gpt-4o-mini".into()),
            tool_calls: vec![ToolCall::new(Some("call_abc123"), "get_current_weather")],
            ..ResponseInfo::default()
        }
    );
    // A later delta of the same call carries arguments only: no tool call.
    let body = json!({
        "id": "chatcmpl-123", "object": "chat.completion.chunk", "created": 1694268190,
        "model": "gpt-4o-mini",
        "choices": [{"index": 0, "delta": {"tool_calls": [{"index": 0,
            "function": {"arguments": "{\"location\":"}}]}, "finish_reason": null}]
    });
    let chunk: CreateChatCompletionStreamResponse = typed(&body);
    assert!(response_facts(&chunk).tool_calls.is_empty());
}

#[test]
fn stream_chunk_with_finish_reason() {
    let body = json!({
        "id": "chatcmpl-123", "object": "chat.completion.chunk", "created": 1694268190,
        "model": "gpt-4o-mini", "usage": null,
        "choices": [{"index": 0, "delta": {}, "logprobs": null, "finish_reason": "stop"}]
    });
    let chunk: CreateChatCompletionStreamResponse = typed(&body);
    assert_eq!(
        response_facts(&chunk),
        ResponseInfo {
            id: Some("chatcmpl-123".into()),
            model: Some("gpt-4o-mini".into()),
            finish_reasons: strings(&["stop"]),
            ..ResponseInfo::default()
        }
    );
    assert_eq!(ResponseFacts::<OpenAi>::usage(&chunk), None);
}

#[test]
fn final_stream_chunk_with_include_usage() {
    let body = json!({
        "id": "chatcmpl-123", "object": "chat.completion.chunk", "created": 1694268190,
        "model": "gpt-4o-mini", "choices": [],
        "usage": {"prompt_tokens": 1200, "completion_tokens": 40, "total_tokens": 1240,
                  "prompt_tokens_details": {"cached_tokens": 1152, "audio_tokens": 0},
                  "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0,
                      "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0}}
    });
    let chunk: CreateChatCompletionStreamResponse = typed(&body);
    let usage = Usage {
        input_tokens: Some(1200),
        output_tokens: Some(40),
        cache_read_input_tokens: Some(1152),
        reasoning_output_tokens: Some(0),
        ..Usage::default()
    };
    assert_eq!(
        response_facts(&chunk),
        ResponseInfo {
            id: Some("chatcmpl-123".into()),
            model: Some("gpt-4o-mini".into()),
            usage: Some(usage),
            ..ResponseInfo::default()
        }
    );
    assert_eq!(ResponseFacts::<OpenAi>::usage(&chunk), Some(usage));
}

/// With content capture on, a stream of async-openai chunks gives the same
/// output messages as OpenAI's raw chunks do: text and tool-call deltas
/// assembled per choice.
#[tokio::test]
async fn streamed_output_messages_are_captured_from_async_openai_chunks() {
    use futures::{stream, Stream, StreamExt};

    #[derive(Debug)]
    struct ApiError;

    #[llm_call(
        provider = "openai",
        model = "gpt-4o-mini",
        capture_content = "span_only"
    )]
    async fn chat(
        chunks: Vec<CreateChatCompletionStreamResponse>,
    ) -> Result<impl Stream<Item = Result<CreateChatCompletionStreamResponse, ApiError>>, ApiError>
    {
        Ok(stream::iter(chunks.into_iter().map(Ok)))
    }

    let chunk = |choices: serde_json::Value| -> CreateChatCompletionStreamResponse {
        typed(
            &json!({"id": "chatcmpl-9", "object": "chat.completion.chunk",
                      "created": 1694268190, "model": "gpt-4o-mini", "choices": choices}),
        )
    };
    let chunks = vec![
        chunk(
            json!([{"index": 0, "delta": {"role": "assistant", "content": ""}},
                     {"index": 1, "delta": {"role": "assistant", "tool_calls": [
                        {"index": 0, "id": "call_abc", "type": "function",
                         "function": {"name": "get_weather", "arguments": ""}}]}}]),
        ),
        chunk(json!([{"index": 1, "delta": {"tool_calls": [
            {"index": 0, "function": {"arguments": "{\"city\":"}}]}}])),
        chunk(json!([{"index": 0, "delta": {"content": "Sun"}}])),
        chunk(json!([{"index": 0, "delta": {"content": "ny."}}])),
        chunk(json!([{"index": 1, "delta": {"tool_calls": [
            {"index": 0, "function": {"arguments": "\"Oslo\"}"}}]}}])),
        chunk(json!([{"index": 1, "delta": {}, "finish_reason": "tool_calls"}])),
        chunk(json!([{"index": 0, "delta": {}, "finish_reason": "stop"}])),
    ];
    let capture = Capture::new();
    capture
        .run(async { chat(chunks).await.unwrap().count().await })
        .await;
    let span = capture.span("chat gpt-4o-mini");
    let messages = match attributes(&span).get("gen_ai.output.messages") {
        Some(Value::String(s)) => serde_json::from_str::<serde_json::Value>(s.as_str()).unwrap(),
        other => panic!("gen_ai.output.messages: {other:?}"),
    };
    assert_eq!(
        messages,
        json!([
            {"role": "assistant", "parts": [{"type": "text", "content": "Sunny."}],
             "finish_reason": "stop"},
            {"role": "assistant", "parts": [{"type": "tool_call", "id": "call_abc",
              "name": "get_weather", "arguments": {"city": "Oslo"}}],
             "finish_reason": "tool_call"},
        ])
    );
}

// ---- Responses API --------------------------------------------------------

fn response_text() -> serde_json::Value {
    json!({
        "id": "resp_67ccd2bed1ec8190b14f964abc0542670bb6a6b452d3795b",
        "object": "response",
        "created_at": 1741476542,
        "status": "completed",
        "error": null,
        "incomplete_details": null,
        "instructions": null,
        "max_output_tokens": null,
        "model": "gpt-4.1-2025-04-14",
        "output": [{
            "type": "message",
            "id": "msg_67ccd2bf17f0819081ff3bb2cf6508e60bb6a6b452d3795b",
            "status": "completed",
            "role": "assistant",
            "content": [{"type": "output_text",
                         "text": "In a peaceful grove beneath a silver moon...",
                         "annotations": []}]
        }],
        "parallel_tool_calls": true,
        "previous_response_id": null,
        "reasoning": {"effort": null, "summary": null},
        "store": true,
        "temperature": 1.0,
        "text": {"format": {"type": "text"}},
        "tool_choice": "auto",
        "tools": [],
        "top_p": 1.0,
        "truncation": "disabled",
        "usage": {
            "input_tokens": 36,
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": 87,
            "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": 123
        },
        "user": null,
        "metadata": {}
    })
}

#[test]
fn responses_api_text() {
    assert_response::<Response>(
        &response_text(),
        &ResponseInfo {
            id: Some("resp_67ccd2bed1ec8190b14f964abc0542670bb6a6b452d3795b".into()),
            model: Some("gpt-4.1-2025-04-14".into()),
            finish_reasons: strings(&["stop"]),
            usage: Some(Usage {
                input_tokens: Some(36),
                output_tokens: Some(87),
                cache_read_input_tokens: Some(0),
                reasoning_output_tokens: Some(0),
                ..Usage::default()
            }),
            ..ResponseInfo::default()
        },
    );
}

fn response_function_call() -> serde_json::Value {
    json!({
        "id": "resp_67ca09c5efe0819096d0511c92b8c890096610f474011cc0",
        "object": "response",
        "created_at": 1741294021,
        "status": "completed",
        "model": "o4-mini-2025-04-16",
        "output": [
            {"type": "reasoning", "id": "rs_67ca09c6", "summary": []},
            {"type": "function_call",
             "id": "fc_67ca09c6bedc8190a7abfec07b1a1332096610f474011cc0",
             "call_id": "call_unLAR8MvFNptuiZK6K6HCy5k",
             "name": "get_current_weather",
             "arguments": "{\"location\":\"Boston, MA\",\"unit\":\"celsius\"}",
             "status": "completed"}
        ],
        "parallel_tool_calls": true,
        "tool_choice": "auto",
        "usage": {
            "input_tokens": 2291,
            "input_tokens_details": {"cached_tokens": 2048},
            "output_tokens": 150,
            "output_tokens_details": {"reasoning_tokens": 128},
            "total_tokens": 2441
        },
        "metadata": {}
    })
}

#[test]
fn responses_api_function_call_with_cache_and_reasoning() {
    assert_response::<Response>(
        &response_function_call(),
        &ResponseInfo {
            id: Some("resp_67ca09c5efe0819096d0511c92b8c890096610f474011cc0".into()),
            model: Some("o4-mini-2025-04-16".into()),
            finish_reasons: strings(&["tool_calls"]),
            usage: Some(Usage {
                input_tokens: Some(2291),
                output_tokens: Some(150),
                cache_read_input_tokens: Some(2048),
                reasoning_output_tokens: Some(128),
                ..Usage::default()
            }),
            tool_calls: vec![ToolCall::new(
                Some("call_unLAR8MvFNptuiZK6K6HCy5k"),
                "get_current_weather",
            )],
            ..ResponseInfo::default()
        },
    );
}

#[test]
fn responses_api_incomplete_and_in_progress() {
    let body = json!({
        "id": "resp_inc", "object": "response", "created_at": 1741476542,
        "status": "incomplete",
        "incomplete_details": {"reason": "max_output_tokens"},
        "model": "gpt-4.1-2025-04-14", "output": [],
        "usage": {"input_tokens": 10, "input_tokens_details": {"cached_tokens": 0},
                  "output_tokens": 16, "output_tokens_details": {"reasoning_tokens": 16},
                  "total_tokens": 26}
    });
    assert_response::<Response>(
        &body,
        &ResponseInfo {
            id: Some("resp_inc".into()),
            model: Some("gpt-4.1-2025-04-14".into()),
            finish_reasons: strings(&["max_output_tokens"]),
            usage: Some(Usage {
                input_tokens: Some(10),
                output_tokens: Some(16),
                cache_read_input_tokens: Some(0),
                reasoning_output_tokens: Some(16),
                ..Usage::default()
            }),
            ..ResponseInfo::default()
        },
    );

    // A background response still running: no finish reason, no usage.
    let body = json!({
        "id": "resp_bg", "object": "response", "created_at": 1741476542,
        "status": "in_progress", "model": "o3-pro", "output": [], "usage": null
    });
    assert_response::<Response>(
        &body,
        &ResponseInfo {
            id: Some("resp_bg".into()),
            model: Some("o3-pro".into()),
            ..ResponseInfo::default()
        },
    );
}

// ---- Embeddings -------------------------------------------------------------

#[test]
fn embeddings_response() {
    let body = json!({
        "object": "list",
        "data": [
            {"object": "embedding", "embedding": [0.0023064255, -0.009327292, 0.015797347], "index": 0},
            {"object": "embedding", "embedding": [0.0118, -0.0021, 0.0003], "index": 1}
        ],
        "model": "text-embedding-3-small",
        "usage": {"prompt_tokens": 8, "total_tokens": 8}
    });
    assert_response::<CreateEmbeddingResponse>(
        &body,
        &ResponseInfo {
            model: Some("text-embedding-3-small".into()),
            usage: Some(Usage {
                input_tokens: Some(8),
                ..Usage::default()
            }),
            embeddings_dimension_count: Some(3),
            ..ResponseInfo::default()
        },
    );
}

// ---- Requests -----------------------------------------------------------------

#[test]
fn chat_request_parameters() {
    let req: CreateChatCompletionRequest = typed(&json!({
        "model": "gpt-4o-mini",
        "messages": [{"role": "developer", "content": "Be terse."},
                     {"role": "user", "content": "Hello!"}],
        "temperature": 0.2, "top_p": 0.9, "max_completion_tokens": 256, "max_tokens": 100,
        "stop": ["\n\n", "END"], "seed": 42, "n": 2,
        "frequency_penalty": 0.5, "presence_penalty": -0.25,
        "stream": true, "stream_options": {"include_usage": true},
        "response_format": {"type": "json_schema",
                            "json_schema": {"name": "answer", "schema": {"type": "object"}}}
    }));
    assert_eq!(
        RequestFacts::<OpenAi>::request_model(&req),
        Some("gpt-4o-mini")
    );
    assert_eq!(
        request_facts(&req),
        RequestInfo {
            model: Some("gpt-4o-mini".into()),
            temperature: Some(0.2),
            top_p: Some(0.9),
            max_tokens: Some(256),
            stop_sequences: strings(&["\n\n", "END"]),
            seed: Some(42),
            choice_count: Some(2),
            frequency_penalty: Some(0.5),
            presence_penalty: Some(-0.25),
            stream: Some(true),
            output_type: Some("json".into()),
            ..RequestInfo::default()
        }
    );

    let req: CreateChatCompletionRequest = typed(&json!({
        "model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Hi"}],
        "max_tokens": 100, "stop": "END", "response_format": {"type": "text"}
    }));
    assert_eq!(
        request_facts(&req),
        RequestInfo {
            model: Some("gpt-4o-mini".into()),
            max_tokens: Some(100),
            stop_sequences: strings(&["END"]),
            output_type: Some("text".into()),
            ..RequestInfo::default()
        }
    );
}

#[test]
fn responses_request_parameters() {
    let req: CreateResponse = typed(&json!({
        "model": "gpt-4.1",
        "instructions": "You are a helpful assistant.",
        "input": "Tell me a three sentence bedtime story about a unicorn.",
        "temperature": 0.7, "top_p": 1.0, "max_output_tokens": 512, "stream": false,
        "text": {"format": {"type": "json_schema", "name": "story",
                            "schema": {"type": "object"}, "strict": true}}
    }));
    assert_eq!(RequestFacts::<OpenAi>::request_model(&req), Some("gpt-4.1"));
    assert_eq!(
        request_facts(&req),
        RequestInfo {
            model: Some("gpt-4.1".into()),
            temperature: Some(0.7),
            top_p: Some(1.0),
            max_tokens: Some(512),
            stream: Some(false),
            output_type: Some("json".into()),
            ..RequestInfo::default()
        }
    );

    // A request that names a stored prompt instead of a model.
    let req: CreateResponse = typed(&json!({"input": "Hi", "prompt": {"id": "pmpt_123"}}));
    assert_eq!(RequestFacts::<OpenAi>::request_model(&req), None);
    assert_eq!(request_facts(&req), RequestInfo::default());
}

#[test]
fn embeddings_request_parameters() {
    let req: CreateEmbeddingRequest = typed(&json!({
        "model": "text-embedding-3-small",
        "input": ["The food was delicious", "and the waiter..."],
        "encoding_format": "float", "dimensions": 256
    }));
    assert_eq!(
        RequestFacts::<OpenAi>::request_model(&req),
        Some("text-embedding-3-small")
    );
    assert_eq!(
        request_facts(&req),
        RequestInfo {
            model: Some("text-embedding-3-small".into()),
            encoding_formats: vec!["float".into()],
            ..RequestInfo::default()
        }
    );
}

/// Every `OpenAiCompatible` provider reads the same types the same way.
#[test]
fn compatible_providers_read_the_same_facts() {
    // The same facts, but `openai.*` only for OpenAI itself.
    let completion: CreateChatCompletionResponse = typed(&chat_cached_reasoning());
    let mut openai = ResponseFacts::<OpenAi>::response_info(&completion);
    assert!(!openai.provider_attributes.is_empty());
    openai.provider_attributes.clear();
    assert_eq!(
        ResponseFacts::<AzureOpenAi>::response_info(&completion),
        openai
    );
    assert_eq!(
        ResponseFacts::<DeepSeek>::response_info(&completion),
        openai
    );
    let response: Response = typed(&response_function_call());
    let mut openai = ResponseFacts::<OpenAi>::response_info(&response);
    openai.provider_attributes.clear();
    assert_eq!(
        ResponseFacts::<AzureOpenAi>::response_info(&response),
        openai
    );
}

// ---- Spans ----------------------------------------------------------------------

#[llm_call(provider = "openai", request = req)]
async fn chat(
    req: &CreateChatCompletionRequest,
) -> Result<CreateChatCompletionResponse, std::io::Error> {
    let _ = req;
    Ok(typed(&chat_tool_calls()))
}

#[tokio::test]
async fn chat_completion_span() {
    let cap = Capture::new();
    let req: CreateChatCompletionRequest = typed(&json!({
        "model": "gpt-4o-mini",
        "messages": [{"role": "user", "content": "What's the weather in Boston?"}],
        "temperature": 0.2, "max_completion_tokens": 300, "seed": 7,
        "tools": [{"type": "function", "function": {"name": "get_current_weather",
                   "parameters": {"type": "object", "properties": {"location": {"type": "string"}}}}}]
    }));
    cap.run(chat(&req)).await.unwrap();
    let attrs = attributes(&cap.span("chat gpt-4o-mini"));
    let expect: [(&str, Value); 13] = [
        ("gen_ai.operation.name", "chat".into()),
        ("gen_ai.provider.name", "openai".into()),
        ("gen_ai.request.model", "gpt-4o-mini".into()),
        ("gen_ai.request.temperature", Value::F64(0.2)),
        ("gen_ai.request.max_tokens", Value::I64(300)),
        ("gen_ai.request.seed", Value::I64(7)),
        ("gen_ai.response.id", "chatcmpl-abc123".into()),
        ("gen_ai.response.model", "gpt-4o-mini".into()),
        (
            "gen_ai.response.finish_reasons",
            Value::Array(Array::String(vec![StringValue::from("tool_calls")])),
        ),
        ("gen_ai.usage.input_tokens", Value::I64(82)),
        ("gen_ai.usage.output_tokens", Value::I64(17)),
        ("gen_ai.usage.reasoning.output_tokens", Value::I64(0)),
        ("server.address", "api.openai.com".into()),
    ];
    for (key, value) in expect {
        assert_eq!(attrs.get(key), Some(&value), "{key}");
    }
    assert!(!attrs.contains_key("gen_ai.usage.cache_read.input_tokens"));
}

#[llm_call(provider = "azure.ai.openai", server = "https://acme.openai.azure.com", request = req)]
async fn azure_respond(req: CreateResponse) -> Result<Response, std::io::Error> {
    let _ = req;
    Ok(typed(&response_function_call()))
}

#[tokio::test]
async fn azure_responses_api_span() {
    let cap = Capture::new();
    let req: CreateResponse = typed(&json!({
        "model": "o4-mini-deployment", "input": "What's the weather in Boston?",
        "max_output_tokens": 1024
    }));
    cap.run(azure_respond(req)).await.unwrap();
    let attrs = attributes(&cap.span("chat o4-mini-deployment"));
    let expect: [(&str, Value); 10] = [
        ("gen_ai.provider.name", "azure.ai.openai".into()),
        ("server.address", "acme.openai.azure.com".into()),
        ("gen_ai.request.model", "o4-mini-deployment".into()),
        ("gen_ai.request.max_tokens", Value::I64(1024)),
        ("gen_ai.response.model", "o4-mini-2025-04-16".into()),
        (
            "gen_ai.response.finish_reasons",
            Value::Array(Array::String(vec![StringValue::from("tool_calls")])),
        ),
        ("gen_ai.usage.input_tokens", Value::I64(2291)),
        ("gen_ai.usage.cache_read.input_tokens", Value::I64(2048)),
        ("gen_ai.usage.output_tokens", Value::I64(150)),
        ("gen_ai.usage.reasoning.output_tokens", Value::I64(128)),
    ];
    for (key, value) in expect {
        assert_eq!(attrs.get(key), Some(&value), "{key}");
    }
}

/// Opt-in content: async-openai's types read exactly as the same bodies
/// read raw, messages, tools and outputs alike.
#[test]
fn content_of_async_openai_types_is_the_raw_bodies_content() {
    use llm_trace::provider::{parse_output_messages, parse_request_content};
    let request = json!({
        "model": "gpt-4o",
        "messages": [
            {"role": "system", "content": "Be terse."},
            {"role": "user", "content": [{"type": "text", "text": "Weather?"}]},
            {"role": "assistant", "tool_calls": [{"id": "call_1", "type": "function",
                "function": {"name": "weather", "arguments": "{\"city\":\"Oslo\"}"}}]},
            {"role": "tool", "tool_call_id": "call_1", "content": "rain"}
        ],
        "tools": [{"type": "function", "function": {"name": "weather",
                   "parameters": {"type": "object"}}}]
    });
    let typed_request: CreateChatCompletionRequest = typed(&request);
    let content = RequestFacts::<OpenAi>::request_content(&typed_request).unwrap();
    assert_eq!(
        content,
        parse_request_content("openai", &request).unwrap().unwrap()
    );
    assert_eq!(content.input_messages.len(), 4);
    assert_eq!(
        serde_json::to_value(&content.input_messages[2]).unwrap(),
        json!({"role": "assistant", "parts": [
            {"type": "tool_call", "id": "call_1", "name": "weather", "arguments": {"city": "Oslo"}}
        ]})
    );

    for body in [chat_tool_calls(), chat_plain()] {
        let completion: CreateChatCompletionResponse = typed(&body);
        assert_eq!(
            ResponseFacts::<OpenAi>::output_messages(&completion),
            parse_output_messages("openai", &body).unwrap()
        );
    }
    let response: Response = typed(&response_function_call());
    let messages = ResponseFacts::<OpenAi>::output_messages(&response).unwrap();
    assert_eq!(
        Some(messages),
        parse_output_messages("openai", &response_function_call()).unwrap()
    );
}
