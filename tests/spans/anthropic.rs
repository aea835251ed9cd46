use llm_trace::llm_call;
use llm_trace::provider::anthropic::{Message, MessagesRequest, MessagesResponse};
use llm_trace_testkit::attrs;
use llm_trace_testkit::capture::{attributes, Capture};
use serde_json::{json, Value};

use crate::strs;

#[derive(Debug)]
struct ApiError;

fn message_body() -> Value {
    json!({
        "id": "msg_01XFDUDYJgAACzvnptvVoYEL",
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-4-5-20250929",
        "content": [
            {"type": "thinking", "thinking": "The user wants weather.", "signature": "sig"},
            {"type": "text", "text": "Let me check."},
            {"type": "tool_use", "id": "toolu_01", "name": "get_weather", "input": {"city": "Oslo"}}
        ],
        "stop_reason": "tool_use",
        "stop_sequence": null,
        "usage": {
            "input_tokens": 50,
            "cache_creation_input_tokens": 200,
            "cache_read_input_tokens": 1000,
            "cache_creation": {"ephemeral_5m_input_tokens": 200, "ephemeral_1h_input_tokens": 0},
            "output_tokens": 75,
            "service_tier": "standard"
        }
    })
}

fn request() -> MessagesRequest {
    MessagesRequest {
        temperature: Some(0.7),
        top_p: Some(0.95),
        top_k: Some(40),
        stop_sequences: vec!["\n\nHuman:".into()],
        ..MessagesRequest::new(
            "claude-sonnet-4-5",
            1024,
            vec![Message::user("Weather in Oslo?")],
        )
    }
}

fn expected(function: &'static str) -> std::collections::BTreeMap<String, opentelemetry::Value> {
    let mut expected = attrs! {
        "code.function.name" => function,
        "gen_ai.operation.name" => "chat",
        "gen_ai.provider.name" => "anthropic",
        "server.address" => "api.anthropic.com",
        "server.port" => 443,
        "gen_ai.request.model" => "claude-sonnet-4-5",
        "gen_ai.request.temperature" => 0.7,
        "gen_ai.request.top_p" => 0.95,
        "gen_ai.request.top_k" => 40.0,
        "gen_ai.request.max_tokens" => 1024,
        "gen_ai.response.id" => "msg_01XFDUDYJgAACzvnptvVoYEL",
        "gen_ai.response.model" => "claude-sonnet-4-5-20250929",
        // 50 uncached + 1000 read from the cache + 200 written to it.
        "gen_ai.usage.input_tokens" => 1250,
        "gen_ai.usage.output_tokens" => 75,
        "gen_ai.usage.cache_read.input_tokens" => 1000,
        "gen_ai.usage.cache_write.input_tokens" => 200,
        // claude-sonnet-4-5 up to 200k input tokens: $3 input, $0.30 cache
        // read, $3.75 cache write, $15 output per million tokens.
        "llm_trace.cost.usd" => (50.0 * 3.0 + 1000.0 * 0.3 + 200.0 * 3.75 + 75.0 * 15.0) / 1e6,
        "app.flow" => "triage",
    };
    expected.insert(
        "gen_ai.request.stop_sequences".into(),
        strs(&["\n\nHuman:"]),
    );
    // As opentelemetry-instrumentation-anthropic records `tool_use`.
    expected.insert(
        "gen_ai.response.finish_reasons".into(),
        strs(&["tool_calls"]),
    );
    expected.insert(
        "llm_trace.response.tool_calls".into(),
        strs(&["get_weather"]),
    );
    expected
}

#[llm_call(provider = "anthropic", app.flow = "triage", request = req)]
async fn typed(req: MessagesRequest) -> Result<MessagesResponse, ApiError> {
    let _ = req;
    Ok(serde_json::from_value(message_body()).unwrap())
}

#[llm_call(provider = "anthropic", app.flow = "triage", request = req)]
async fn raw(req: Value) -> Result<Value, ApiError> {
    let _ = req;
    Ok(message_body())
}

#[tokio::test]
async fn typed_message_sums_cache_reads_and_writes_into_input_tokens() {
    let cap = Capture::new();
    let response = cap.run(typed(request())).await.unwrap();
    assert_eq!(response.text(), "Let me check.");

    let span = cap.span("chat claude-sonnet-4-5");
    assert_eq!(attributes(&span), expected("spans::anthropic::typed"));
}

#[tokio::test]
async fn raw_message_gives_the_same_attributes() {
    let cap = Capture::new();
    cap.run(raw(serde_json::to_value(request()).unwrap()))
        .await
        .unwrap();

    let span = cap.span("chat claude-sonnet-4-5");
    assert_eq!(attributes(&span), expected("spans::anthropic::raw"));
}

#[llm_call(provider = "anthropic", model = "claude-haiku-4-5")]
async fn no_cache() -> Value {
    json!({"id": "msg_2", "model": "claude-haiku-4-5", "stop_reason": "end_turn",
           "usage": {"input_tokens": 12, "output_tokens": 3}})
}

#[tokio::test]
async fn without_cache_fields_input_tokens_are_as_reported() {
    let cap = Capture::new();
    cap.run(no_cache()).await;
    let attrs = attributes(&cap.span("chat claude-haiku-4-5"));
    assert_eq!(attrs["gen_ai.usage.input_tokens"], 12.into());
    assert_eq!(attrs["gen_ai.usage.output_tokens"], 3.into());
    assert!(!attrs.contains_key("gen_ai.usage.cache_read.input_tokens"));
    assert!(!attrs.contains_key("gen_ai.usage.cache_write.input_tokens"));
    assert_eq!(attrs["gen_ai.response.finish_reasons"], strs(&["stop"]));
}
