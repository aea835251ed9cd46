use llm_trace::llm_call;
use llm_trace::provider::openai::{ChatCompletion, ChatMessage, ChatRequest, Stop};
use llm_trace_testkit::attrs;
use llm_trace_testkit::capture::{attributes, Capture};
use opentelemetry::trace::SpanKind;
use serde_json::{json, Value};

use crate::strs;

#[derive(Debug)]
struct ApiError;

/// Two choices, one asking for a tool; cached and reasoning tokens.
fn completion_body() -> Value {
    json!({
        "id": "chatcmpl-abc123",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": "gpt-4o-2024-08-06",
        "system_fingerprint": "fp_1",
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": null,
                    "tool_calls": [
                        {"id": "call_1", "type": "function",
                         "function": {"name": "get_weather", "arguments": "{\"city\":\"Oslo\"}"}},
                        {"id": "call_2", "type": "function",
                         "function": {"name": "get_time", "arguments": "{}"}}
                    ]
                },
                "finish_reason": "tool_calls"
            },
            {
                "index": 1,
                "message": {"role": "assistant", "content": "It is sunny."},
                "finish_reason": "stop",
                "logprobs": null
            }
        ],
        "usage": {
            "prompt_tokens": 1200,
            "completion_tokens": 300,
            "total_tokens": 1500,
            "prompt_tokens_details": {"cached_tokens": 1024, "audio_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": 256, "audio_tokens": 0}
        }
    })
}

fn full_request() -> ChatRequest {
    ChatRequest {
        temperature: Some(0.2),
        top_p: Some(0.9),
        max_completion_tokens: Some(512),
        n: Some(2),
        stop: Some(Stop::Many(vec!["END".into(), "STOP".into()])),
        seed: Some(42),
        frequency_penalty: Some(0.5),
        presence_penalty: Some(0.25),
        response_format: Some(json!({"type": "json_object"})),
        ..ChatRequest::new("gpt-4o", vec![ChatMessage::user("Weather in Oslo?")])
    }
}

fn expected_attributes(
    function: &'static str,
) -> std::collections::BTreeMap<String, opentelemetry::Value> {
    let mut expected = attrs! {
        "code.function.name" => function,
        "gen_ai.operation.name" => "chat",
        "gen_ai.provider.name" => "openai",
        "server.address" => "api.openai.com",
        "server.port" => 443,
        "gen_ai.request.model" => "gpt-4o",
        "gen_ai.request.temperature" => 0.2,
        "gen_ai.request.top_p" => 0.9,
        "gen_ai.request.max_tokens" => 512,
        "gen_ai.request.choice.count" => 2,
        "gen_ai.request.seed" => 42,
        "gen_ai.request.frequency_penalty" => 0.5,
        "gen_ai.request.presence_penalty" => 0.25,
        "gen_ai.output.type" => "json",
        "gen_ai.response.id" => "chatcmpl-abc123",
        "gen_ai.response.model" => "gpt-4o-2024-08-06",
        "gen_ai.usage.input_tokens" => 1200,
        "gen_ai.usage.output_tokens" => 300,
        "gen_ai.usage.cache_read.input_tokens" => 1024,
        "gen_ai.usage.reasoning.output_tokens" => 256,
        // gpt-4o (genai-prices): $2.50 input, $1.25 cached input, $10 output
        // (reasoning included) per million tokens.
        "llm_trace.cost.usd" => (176.0 * 2.5 + 1024.0 * 1.25 + 300.0 * 10.0) / 1e6,
        "prompt_id" => 5,
        "feature" => "weather",
        "openai.api.type" => "chat_completions",
        "openai.response.system_fingerprint" => "fp_1",
    };
    expected.insert(
        "gen_ai.request.stop_sequences".into(),
        strs(&["END", "STOP"]),
    );
    expected.insert(
        "gen_ai.response.finish_reasons".into(),
        strs(&["tool_calls", "stop"]),
    );
    expected.insert(
        "llm_trace.response.tool_calls".into(),
        strs(&["get_weather", "get_time"]),
    );
    expected
}

#[llm_call(provider = "openai", prompt_id = 5, feature = "weather", request = req)]
async fn typed(req: ChatRequest) -> Result<ChatCompletion, ApiError> {
    let _ = &req;
    Ok(serde_json::from_value(completion_body()).unwrap())
}

#[llm_call(provider = "openai", prompt_id = 5, feature = "weather", request = body)]
async fn raw(body: Value) -> Result<Value, ApiError> {
    let _ = &body;
    Ok(completion_body())
}

#[tokio::test]
async fn typed_request_and_response_give_every_semconv_attribute() {
    let cap = Capture::new();
    cap.run(typed(full_request())).await.unwrap();

    let span = cap.span("chat gpt-4o");
    assert_eq!(span.span_kind, SpanKind::Client);
    assert_eq!(span.parent_span_id, cap.root_span_id());
    assert_eq!(span.status, opentelemetry::trace::Status::Unset);
    assert_eq!(
        attributes(&span),
        expected_attributes("spans::openai::typed")
    );
    assert_eq!(span.instrumentation_scope.name(), "llm-trace");
}

#[tokio::test]
async fn raw_json_request_and_response_give_the_same_attributes() {
    let cap = Capture::new();
    let body = serde_json::to_value(full_request()).unwrap();
    cap.run(raw(body)).await.unwrap();

    let span = cap.span("chat gpt-4o");
    assert_eq!(attributes(&span), expected_attributes("spans::openai::raw"));
}

#[llm_call(provider = "openai", model = "gpt-4o-mini")]
async fn malformed() -> Value {
    json!({"id": 7, "model": ["not", "a", "string"], "choices": "nope", "usage": {"prompt_tokens": "ten"}})
}

#[tokio::test]
async fn malformed_body_gives_a_span_without_usage_and_the_value_unchanged() {
    let cap = Capture::new();
    let out = cap.run(malformed()).await;
    assert_eq!(out["usage"]["prompt_tokens"], "ten");

    let span = cap.span("chat gpt-4o-mini");
    assert_eq!(
        attributes(&span),
        attrs! {
            "code.function.name" => "spans::openai::malformed",
            "gen_ai.operation.name" => "chat",
            "gen_ai.provider.name" => "openai",
            "gen_ai.request.model" => "gpt-4o-mini",
            "server.address" => "api.openai.com",
            "server.port" => 443,
        }
    );
    assert_eq!(span.status, opentelemetry::trace::Status::Unset);
}

#[llm_call(provider = "openai", request = req)]
async fn not_json(req: Value) -> Value {
    let _ = req;
    json!("plain text, not a completion")
}

#[tokio::test]
async fn non_object_bodies_are_tolerated_on_both_sides() {
    let cap = Capture::new();
    cap.run(not_json(json!([1, 2, 3]))).await;
    let span = cap.span("chat");
    let attrs = attributes(&span);
    assert!(!attrs.contains_key("gen_ai.usage.input_tokens"));
    assert!(!attrs.contains_key("gen_ai.request.model"));
}

#[llm_call(provider = "openai", request = req)]
async fn single_choice(req: &ChatRequest) -> Result<ChatCompletion, ApiError> {
    let _ = req;
    Ok(serde_json::from_value(json!({
        "id": "chatcmpl-2", "model": "gpt-4o-mini",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"}, "finish_reason": "length"}],
        "usage": {"prompt_tokens": 9, "completion_tokens": 16, "total_tokens": 25}
    }))
    .unwrap())
}

#[tokio::test]
async fn borrowed_request_with_defaults_records_only_what_was_set() {
    let cap = Capture::new();
    let req = ChatRequest {
        max_tokens: Some(16),
        n: Some(1),
        stop: Some(Stop::One("\n".into())),
        ..ChatRequest::new("gpt-4o-mini", vec![ChatMessage::user("hi")])
    };
    cap.run(single_choice(&req)).await.unwrap();

    let span = cap.span("chat gpt-4o-mini");
    let mut expected = attrs! {
        "code.function.name" => "spans::openai::single_choice",
        "gen_ai.operation.name" => "chat",
        "gen_ai.provider.name" => "openai",
        "gen_ai.request.model" => "gpt-4o-mini",
        "server.address" => "api.openai.com",
        "server.port" => 443,
        "gen_ai.request.max_tokens" => 16,
        "gen_ai.response.id" => "chatcmpl-2",
        "gen_ai.response.model" => "gpt-4o-mini",
        "gen_ai.usage.input_tokens" => 9,
        "gen_ai.usage.output_tokens" => 16,
        // gpt-4o-mini: $0.15 input, $0.60 output per million tokens.
        "llm_trace.cost.usd" => (9.0 * 0.15 + 16.0 * 0.6) / 1e6,
        "openai.api.type" => "chat_completions",
    };
    expected.insert("gen_ai.request.stop_sequences".into(), strs(&["\n"]));
    expected.insert("gen_ai.response.finish_reasons".into(), strs(&["length"]));
    assert_eq!(attributes(&span), expected);
}
