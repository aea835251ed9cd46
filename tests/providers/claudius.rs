//! llm-trace's `claudius` feature: facts from claudius's own Messages types.
//!
//! Bodies follow the Anthropic API reference (Messages, tool use, prompt
//! caching) and are deserialized into claudius's types, as its client does.

use std::borrow::Cow;

use claudius::{
    CacheControlEphemeral, KnownModel, Message, MessageCreateParams, MessageParam, Model,
    OutputConfig, OutputFormat, TextBlock,
};
use llm_trace::llm_call;
use llm_trace::provider::{
    Anthropic, RequestFacts, RequestInfo, ResponseFacts, ResponseInfo, ToolCall, Usage,
};
use llm_trace_testkit::capture::{attributes, Capture};
use llm_trace_testkit::mock::MockServer;
use opentelemetry::{Array, StringValue, Value};
use serde_json::json;

fn response(body: serde_json::Value) -> Message {
    serde_json::from_value(body).expect("claudius deserializes the body")
}

fn info(message: &Message) -> ResponseInfo<'_> {
    ResponseFacts::<Anthropic>::response_info(message)
}

fn strs(items: &[&'static str]) -> Value {
    Value::Array(Array::String(
        items.iter().map(|s| StringValue::from(*s)).collect(),
    ))
}

#[test]
fn a_plain_message_gives_its_id_model_stop_reason_and_usage() {
    let message = response(json!({
        "id": "msg_013Zva2CMHLNnXjNJJKqJ2EF",
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-4-5-20250929",
        "content": [{"type": "text", "text": "Hi! My name is Claude."}],
        "stop_reason": "end_turn",
        "stop_sequence": null,
        "usage": {"input_tokens": 2095, "output_tokens": 503}
    }));
    assert_eq!(
        message.model,
        Model::Known(KnownModel::ClaudeSonnet4520250929)
    );
    let usage = Usage {
        input_tokens: Some(2095),
        output_tokens: Some(503),
        ..Usage::default()
    };
    assert_eq!(
        info(&message),
        ResponseInfo {
            id: Some("msg_013Zva2CMHLNnXjNJJKqJ2EF".into()),
            model: Some("claude-sonnet-4-5-20250929".into()),
            finish_reasons: vec!["end_turn".into()],
            usage: Some(usage),
            ..ResponseInfo::default()
        }
    );
    assert_eq!(ResponseFacts::<Anthropic>::usage(&message), Some(usage));
    assert_eq!(
        ResponseFacts::<Anthropic>::response_model(&message),
        Some("claude-sonnet-4-5-20250929")
    );
}

#[test]
fn tool_use_blocks_are_the_tool_calls() {
    let message = response(json!({
        "id": "msg_01Aq9w938a90dw8q",
        "type": "message",
        "role": "assistant",
        "model": "claude-opus-4-1-20250805",
        "content": [
            {"type": "text", "text": "I'll check the current weather in San Francisco for you."},
            {"type": "tool_use", "id": "toolu_01A09q90qw90lq917835lq9", "name": "get_weather",
             "input": {"location": "San Francisco, CA", "unit": "celsius"}},
            {"type": "tool_use", "id": "toolu_01B19q90qw90lq917835lq0", "name": "get_time",
             "input": {"timezone": "America/Los_Angeles"}}
        ],
        "stop_reason": "tool_use",
        "stop_sequence": null,
        "usage": {"input_tokens": 384, "output_tokens": 112}
    }));
    assert_eq!(
        info(&message),
        ResponseInfo {
            id: Some("msg_01Aq9w938a90dw8q".into()),
            model: Some("claude-opus-4-1-20250805".into()),
            finish_reasons: vec!["tool_use".into()],
            usage: Some(Usage {
                input_tokens: Some(384),
                output_tokens: Some(112),
                ..Usage::default()
            }),
            tool_calls: vec![
                ToolCall::new(Some("toolu_01A09q90qw90lq917835lq9"), "get_weather"),
                ToolCall::new(Some("toolu_01B19q90qw90lq917835lq0"), "get_time"),
            ],
            ..ResponseInfo::default()
        }
    );
}

#[test]
fn cache_reads_and_writes_are_summed_into_the_input_tokens() {
    // A model claudius does not know by name (`Model::Custom`), and the
    // newer usage fields (`cache_creation` by TTL, `service_tier`) it skips.
    let message = response(json!({
        "id": "msg_01XFDUDYJgAACzvnptvVoYEL",
        "type": "message",
        "role": "assistant",
        "model": "claude-3-5-haiku-20241022",
        "content": [{"type": "text", "text": "Pride and Prejudice opens with ..."}],
        "stop_reason": "max_tokens",
        "stop_sequence": null,
        "usage": {
            "input_tokens": 21,
            "cache_creation_input_tokens": 1800,
            "cache_read_input_tokens": 188086,
            "cache_creation": {"ephemeral_5m_input_tokens": 1800, "ephemeral_1h_input_tokens": 0},
            "output_tokens": 393,
            "service_tier": "standard"
        }
    }));
    assert_eq!(
        message.model,
        Model::Custom("claude-3-5-haiku-20241022".into())
    );
    assert_eq!(
        info(&message),
        ResponseInfo {
            id: Some("msg_01XFDUDYJgAACzvnptvVoYEL".into()),
            model: Some("claude-3-5-haiku-20241022".into()),
            finish_reasons: vec!["max_tokens".into()],
            usage: Some(Usage {
                input_tokens: Some(21 + 1800 + 188086),
                output_tokens: Some(393),
                cache_read_input_tokens: Some(188086),
                cache_write_input_tokens: Some(1800),
                ..Usage::default()
            }),
            ..ResponseInfo::default()
        }
    );
}

#[test]
fn thinking_tokens_are_reasoning_output_tokens_and_negative_counts_are_none() {
    let message = response(json!({
        "id": "msg_think", "type": "message", "role": "assistant", "model": "claude-opus-4-5",
        "content": [
            {"type": "thinking", "thinking": "Let me work this out.", "signature": "EqQBCgIYAhIM"},
            {"type": "text", "text": "42"}
        ],
        "stop_reason": "end_turn", "stop_sequence": null,
        "usage": {"input_tokens": 30, "output_tokens": 260,
                  "output_tokens_details": {"thinking_tokens": 240}}
    }));
    assert_eq!(
        ResponseFacts::<Anthropic>::usage(&message),
        Some(Usage {
            input_tokens: Some(30),
            output_tokens: Some(260),
            reasoning_output_tokens: Some(240),
            ..Usage::default()
        })
    );

    // claudius stores counts as `i32`: a negative one is no count, and the
    // others still add up.
    let malformed = response(json!({
        "id": "", "type": "message", "role": "assistant", "model": "",
        "content": [], "stop_sequence": null,
        "usage": {"input_tokens": -5, "output_tokens": -1, "cache_read_input_tokens": 10,
                  "cache_creation_input_tokens": -3}
    }));
    assert_eq!(
        info(&malformed),
        ResponseInfo {
            usage: Some(Usage {
                input_tokens: Some(10),
                cache_read_input_tokens: Some(10),
                ..Usage::default()
            }),
            ..ResponseInfo::default()
        }
    );
}

#[test]
fn an_api_reference_request_body_gives_its_parameters() {
    // claudius's `stream` has no serde default, so the body states it.
    let params: MessageCreateParams = serde_json::from_value(json!({
        "model": "claude-sonnet-4-5",
        "max_tokens": 1024,
        "messages": [{"role": "user", "content": "Hello, world"}],
        "stream": false
    }))
    .unwrap();
    assert_eq!(
        RequestFacts::<Anthropic>::request_model(&params),
        Some("claude-sonnet-4-5")
    );
    assert_eq!(
        RequestFacts::<Anthropic>::request_info(&params),
        RequestInfo {
            model: Some("claude-sonnet-4-5".into()),
            max_tokens: Some(1024),
            stream: Some(false),
            ..RequestInfo::default()
        }
    );
}

#[test]
fn a_built_request_gives_sampling_stops_stream_and_output_type() {
    let params = MessageCreateParams::new(
        2048,
        vec![MessageParam::user("Extract the contact.")],
        KnownModel::ClaudeHaiku45.into(),
    )
    .with_temperature(0.7)
    .unwrap()
    .with_top_p(0.95)
    .unwrap()
    .with_top_k(40)
    .with_stop_sequences(vec!["\n\nHuman:".into(), "END".into()])
    .with_stream(true)
    .with_output_config(OutputConfig::new().with_format(OutputFormat::json_schema(
        json!({"type": "object", "properties": {"email": {"type": "string"}}}),
    )));
    assert_eq!(
        RequestFacts::<Anthropic>::request_info(&params),
        RequestInfo {
            model: Some("claude-haiku-4-5".into()),
            temperature: Some(0.7),
            top_p: Some(0.95),
            top_k: Some(40.0),
            max_tokens: Some(2048),
            stop_sequences: vec![Cow::Borrowed("\n\nHuman:"), Cow::Borrowed("END")],
            stream: Some(true),
            output_type: Some("json".into()),
            ..RequestInfo::default()
        }
    );
}

fn tool_use_with_cache() -> Message {
    response(json!({
        "id": "msg_01CachedToolUse",
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-4-5-20250929",
        "content": [
            {"type": "text", "text": "Let me look that up."},
            {"type": "tool_use", "id": "toolu_01", "name": "get_weather", "input": {"city": "Oslo"}}
        ],
        "stop_reason": "tool_use",
        "stop_sequence": null,
        "usage": {"input_tokens": 50, "cache_creation_input_tokens": 200,
                  "cache_read_input_tokens": 1000, "output_tokens": 75}
    }))
}

#[llm_call(provider = "anthropic", request = req)]
async fn ask(req: MessageCreateParams) -> Result<Message, claudius::Error> {
    let _ = req;
    Ok(tool_use_with_cache())
}

#[tokio::test]
async fn a_call_on_claudius_types_records_the_anthropic_span() {
    let cap = Capture::new();
    let req = MessageCreateParams::new(
        1024,
        vec![MessageParam::user("What's the weather in Oslo?")],
        KnownModel::ClaudeSonnet4520250929.into(),
    )
    .with_temperature(0.2)
    .unwrap();
    cap.run(ask(req)).await.unwrap();
    let attrs = attributes(&cap.span("chat claude-sonnet-4-5-20250929"));
    assert_eq!(attrs["gen_ai.provider.name"], Value::from("anthropic"));
    assert_eq!(attrs["gen_ai.operation.name"], Value::from("chat"));
    assert_eq!(attrs["server.address"], Value::from("api.anthropic.com"));
    assert_eq!(
        attrs["gen_ai.request.model"],
        Value::from("claude-sonnet-4-5-20250929")
    );
    assert_eq!(attrs["gen_ai.request.max_tokens"], Value::I64(1024));
    assert_eq!(attrs["gen_ai.request.temperature"], Value::F64(0.2));
    assert_eq!(attrs["gen_ai.request.stream"], Value::Bool(false));
    assert_eq!(
        attrs["gen_ai.response.id"],
        Value::from("msg_01CachedToolUse")
    );
    assert_eq!(
        attrs["gen_ai.response.model"],
        Value::from("claude-sonnet-4-5-20250929")
    );
    assert_eq!(
        attrs["gen_ai.response.finish_reasons"],
        strs(&["tool_calls"])
    );
    assert_eq!(attrs["gen_ai.usage.input_tokens"], Value::I64(1250));
    assert_eq!(attrs["gen_ai.usage.output_tokens"], Value::I64(75));
    assert_eq!(
        attrs["gen_ai.usage.cache_read.input_tokens"],
        Value::I64(1000)
    );
    assert_eq!(
        attrs["gen_ai.usage.cache_write.input_tokens"],
        Value::I64(200)
    );
    assert_eq!(
        attrs["llm_trace.response.tool_calls"],
        strs(&["get_weather"])
    );
}

#[llm_call(provider = "anthropic", request = params, server = base_url)]
async fn send(
    client: &claudius::Anthropic,
    base_url: &str,
    params: MessageCreateParams,
) -> Result<Message, claudius::Error> {
    client.send(params).await
}

#[tokio::test]
async fn claudius_own_client_records_a_cache_write_then_a_cache_read() {
    // claudius's HTTP client against the offline mock, which simulates the
    // prompt cache: the first call writes the marked system prompt, the
    // second reads it.
    let server = MockServer::start().await.unwrap();
    let base_url = server.base_url();
    let client = claudius::Anthropic::new(Some("sk-ant-offline".into()))
        .unwrap()
        .with_base_url(base_url.clone());
    let system = TextBlock::new("You are a terse assistant. ".repeat(40))
        .with_cache_control(CacheControlEphemeral::new());
    let cap = Capture::new();
    let mut messages = Vec::new();
    for question in ["What is OpenTelemetry?", "What is a span?"] {
        let params = MessageCreateParams::new(
            200,
            vec![MessageParam::user(question)],
            KnownModel::ClaudeSonnet45.into(),
        )
        .with_system_blocks(vec![system.clone()]);
        messages.push(cap.run(send(&client, &base_url, params)).await.unwrap());
    }
    let spans = cap.spans();
    assert_eq!(spans.len(), 2);
    for (span, message) in spans.iter().zip(&messages) {
        assert_eq!(span.name, "chat claude-sonnet-4-5");
        let attrs = attributes(span);
        let u = &message.usage;
        let written = u.cache_creation_input_tokens.unwrap_or(0);
        let read = u.cache_read_input_tokens.unwrap_or(0);
        assert_eq!(
            attrs["gen_ai.usage.input_tokens"],
            Value::I64(i64::from(u.input_tokens + written + read))
        );
        assert_eq!(
            attrs["gen_ai.usage.output_tokens"],
            Value::I64(u.output_tokens.into())
        );
        assert_eq!(attrs["gen_ai.response.id"], Value::from(message.id.clone()));
        assert_eq!(attrs["server.address"], Value::from("127.0.0.1"));
    }
    let (first, second) = (&messages[0].usage, &messages[1].usage);
    assert!(first.cache_creation_input_tokens.unwrap_or(0) > 0);
    assert_eq!(first.cache_read_input_tokens.unwrap_or(0), 0);
    assert_eq!(
        second.cache_read_input_tokens,
        first.cache_creation_input_tokens
    );
    let first_attrs = attributes(&spans[0]);
    let second_attrs = attributes(&spans[1]);
    assert_eq!(
        first_attrs["gen_ai.usage.cache_write.input_tokens"],
        Value::I64(first.cache_creation_input_tokens.unwrap().into())
    );
    assert_eq!(
        second_attrs["gen_ai.usage.cache_read.input_tokens"],
        Value::I64(second.cache_read_input_tokens.unwrap().into())
    );
}

/// Opt-in content: claudius's types read exactly as the same bodies read raw.
#[test]
fn content_of_claudius_types_is_the_raw_bodies_content() {
    use llm_trace::provider::{parse_output_messages, parse_request_content};
    let request = json!({
        "model": "claude-sonnet-4-5", "max_tokens": 512, "stream": false,
        "system": "You are terse.",
        "messages": [
            {"role": "user", "content": "Weather in Oslo?"},
            {"role": "assistant", "content": [
                {"type": "tool_use", "id": "toolu_1", "name": "weather", "input": {"city": "Oslo"}}
            ]},
            {"role": "user", "content": [
                {"type": "tool_result", "tool_use_id": "toolu_1", "content": "rain"}
            ]}
        ],
        "tools": [{"type": "custom", "name": "weather", "input_schema": {"type": "object"}}]
    });
    let params: MessageCreateParams = serde_json::from_value(request.clone()).unwrap();
    let content = RequestFacts::<Anthropic>::request_content(&params).unwrap();
    assert_eq!(
        content,
        parse_request_content("anthropic", &request)
            .unwrap()
            .unwrap()
    );
    assert_eq!(
        serde_json::to_value(&content.system_instructions).unwrap(),
        json!([{"type": "text", "content": "You are terse."}])
    );
    assert_eq!(
        serde_json::to_value(&content.input_messages[2]).unwrap(),
        json!({"role": "user", "parts": [
            {"type": "tool_call_response", "id": "toolu_1", "response": "rain"}
        ]})
    );

    let message = tool_use_with_cache();
    let body = serde_json::to_value(&message).unwrap();
    let output = ResponseFacts::<Anthropic>::output_messages(&message).unwrap();
    assert_eq!(
        Some(output.clone()),
        parse_output_messages("anthropic", &body).unwrap()
    );
    assert_eq!(output[0].finish_reason.as_deref(), Some("tool_call"));
}
