//! The stream items of client crates, through llm-trace's features:
//! async-openai's `CreateChatCompletionStreamResponse` chunks, claudius's
//! `MessageStreamEvent`s (deserialized from the Anthropic transcripts of
//! tests/streams/anthropic.rs, as claudius's client does) and genai's
//! `ChatStreamEvent`s, whose facts are all in the closing `End(StreamEnd)`.

use async_openai::types::chat::CreateChatCompletionStreamResponse;
use futures::{stream, Stream};
use genai::chat::{
    ChatStreamEvent, MessageContent, PromptTokensDetails, StopReason, StreamChunk, StreamEnd,
    ToolCall as GenaiToolCall, ToolChunk, Usage as GenaiUsage,
};
use llm_trace::llm_call;
use llm_trace_testkit::attrs;
use opentelemetry::trace::Status;
use serde_json::{json, Value};

use crate::{cancelled, strs, traced, ApiError};

// ---- async-openai ---------------------------------------------------------

fn chunk(choices: Value) -> Value {
    json!({"id": "chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG", "object": "chat.completion.chunk",
           "created": 1741570283, "model": "gpt-4o-2024-08-06",
           "system_fingerprint": "fp_eb9dce56a8", "service_tier": "default",
           "choices": choices})
}

/// A tool call streamed in pieces, then the `include_usage` chunk with
/// cached and reasoning tokens.
fn openai_chunks() -> Vec<CreateChatCompletionStreamResponse> {
    let mut usage = chunk(json!([]));
    usage["usage"] = json!({"prompt_tokens": 2006, "completion_tokens": 300, "total_tokens": 2306,
        "prompt_tokens_details": {"cached_tokens": 1920, "audio_tokens": 0},
        "completion_tokens_details": {"reasoning_tokens": 192, "audio_tokens": 0,
            "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0}});
    [
        chunk(
            json!([{"index": 0, "delta": {"role": "assistant", "content": null, "tool_calls": [
            {"index": 0, "id": "call_DdmO9pD3xa9XTPNJ32zg2hcA", "type": "function",
             "function": {"name": "get_weather", "arguments": ""}}], "refusal": null},
            "logprobs": null, "finish_reason": null}]),
        ),
        chunk(json!([{"index": 0, "delta": {"tool_calls": [
            {"index": 0, "function": {"arguments": "{\"location\":\"Par"}}]},
            "logprobs": null, "finish_reason": null}])),
        chunk(json!([{"index": 0, "delta": {"tool_calls": [
            {"index": 0, "function": {"arguments": "is, France\"}"}}]},
            "logprobs": null, "finish_reason": null}])),
        chunk(json!([{"index": 0, "delta": {}, "logprobs": null, "finish_reason": "tool_calls"}])),
        usage,
    ]
    .into_iter()
    .map(|c| serde_json::from_value(c).expect("a CreateChatCompletionStreamResponse"))
    .collect()
}

#[llm_call(provider = "openai", model = "gpt-4o")]
async fn async_openai_stream(
    items: Vec<Result<CreateChatCompletionStreamResponse, ApiError>>,
) -> Result<impl Stream<Item = Result<CreateChatCompletionStreamResponse, ApiError>>, ApiError> {
    Ok(stream::iter(items))
}

fn openai_call() -> std::collections::BTreeMap<String, opentelemetry::Value> {
    attrs! {
        "gen_ai.operation.name" => "chat",
        "gen_ai.provider.name" => "openai",
        "gen_ai.request.model" => "gpt-4o",
        "gen_ai.request.stream" => true,
        "server.address" => "api.openai.com",
        "server.port" => 443,
        "code.function.name" => "streams::clients::async_openai_stream",
        "gen_ai.response.id" => "chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG",
        "gen_ai.response.model" => "gpt-4o-2024-08-06",
        "llm_trace.response.tool_calls" => strs(&["get_weather"]),
    }
}

#[tokio::test]
async fn async_openai_chunks_give_the_tool_call_reason_and_usage() {
    let items = openai_chunks().into_iter().map(Ok).collect();
    let traced = traced("chat gpt-4o", None, || async_openai_stream(items)).await;
    assert_eq!(traced.items, 5);
    assert_eq!(traced.status, Status::Unset);
    let mut expected = openai_call();
    expected.extend(attrs! {
        "gen_ai.response.finish_reasons" => strs(&["tool_calls"]),
        "gen_ai.usage.input_tokens" => 2006,
        "gen_ai.usage.output_tokens" => 300,
        "gen_ai.usage.cache_read.input_tokens" => 1920,
        "gen_ai.usage.reasoning.output_tokens" => 192,
    });
    assert_eq!(traced.attributes, expected);
}

/// async-openai's `ChatCompletionResponseStream`, what its client's
/// `create_stream` returns; the alias exists only under async-openai's
/// `_api` feature (with its `OpenAIError`), which the types-only
/// dependency leaves out, so this is the identical type with the test's
/// error.
type ChatCompletionResponseStream = std::pin::Pin<
    Box<dyn Stream<Item = Result<CreateChatCompletionStreamResponse, ApiError>> + Send>,
>;

/// No `stream` flag: the alias is read by type.
#[llm_call(provider = "openai", model = "gpt-4o")]
async fn async_openai_response_stream(
    items: Vec<Result<CreateChatCompletionStreamResponse, ApiError>>,
) -> Result<ChatCompletionResponseStream, ApiError> {
    Ok(Box::pin(stream::iter(items)))
}

#[tokio::test]
async fn async_openai_response_stream_alias_is_traced_without_the_flag() {
    let items = openai_chunks().into_iter().map(Ok).collect();
    let traced = traced("chat gpt-4o", None, || async_openai_response_stream(items)).await;
    assert_eq!(traced.items, 5);
    assert_eq!(traced.status, Status::Unset);
    let mut expected = openai_call();
    expected.extend(attrs! {
        "code.function.name" => "streams::clients::async_openai_response_stream",
        "gen_ai.response.finish_reasons" => strs(&["tool_calls"]),
        "gen_ai.usage.input_tokens" => 2006,
        "gen_ai.usage.output_tokens" => 300,
        "gen_ai.usage.cache_read.input_tokens" => 1920,
        "gen_ai.usage.reasoning.output_tokens" => 192,
    });
    assert_eq!(traced.attributes, expected);
}

#[tokio::test]
async fn async_openai_dropped_before_the_finish_is_cancelled() {
    let items = openai_chunks().into_iter().map(Ok).collect();
    let traced = traced("chat gpt-4o", Some(2), || async_openai_stream(items)).await;
    assert_eq!(traced.status, cancelled());
    let mut expected = openai_call();
    expected.extend(attrs! {
        "gen_ai.response.finish_reasons" => strs(&["error"]),
        "error.type" => "cancelled",
        "llm_trace.cancelled" => true,
    });
    assert_eq!(traced.attributes, expected);
}

#[tokio::test]
async fn async_openai_error_item_fails_the_call() {
    let mut items: Vec<_> = openai_chunks().into_iter().map(Ok).collect();
    items.truncate(3);
    items.push(Err(ApiError::Status(502)));
    let traced = traced("chat gpt-4o", None, || async_openai_stream(items)).await;
    assert_eq!(traced.items, 4, "the error reaches the caller");
    assert_eq!(traced.status, Status::error("HTTP 502"));
    let mut expected = openai_call();
    expected.extend(attrs! {
        "gen_ai.response.finish_reasons" => strs(&["error"]),
        "error.type" => "502",
    });
    assert_eq!(traced.attributes, expected);
}

// ---- claudius -------------------------------------------------------------

fn claudius_events(events: Vec<(&'static str, Value)>) -> Vec<claudius::MessageStreamEvent> {
    events
        .into_iter()
        .map(|(_, data)| serde_json::from_value(data).expect("a claudius MessageStreamEvent"))
        .collect()
}

#[llm_call(provider = "anthropic", model = "claude-sonnet-4-5")]
async fn claudius_stream(
    items: Vec<Result<claudius::MessageStreamEvent, ApiError>>,
) -> Result<impl Stream<Item = Result<claudius::MessageStreamEvent, ApiError>>, ApiError> {
    Ok(stream::iter(items))
}

fn anthropic_call() -> std::collections::BTreeMap<String, opentelemetry::Value> {
    attrs! {
        "gen_ai.operation.name" => "chat",
        "gen_ai.provider.name" => "anthropic",
        "gen_ai.request.model" => "claude-sonnet-4-5",
        "gen_ai.request.stream" => true,
        "server.address" => "api.anthropic.com",
        "server.port" => 443,
        "code.function.name" => "streams::clients::claudius_stream",
        "gen_ai.response.model" => "claude-sonnet-4-5-20250929",
    }
}

#[tokio::test]
async fn claudius_events_give_tool_calls_and_the_newer_message_delta_usage() {
    let mut events = crate::anthropic::tool_use();
    // claudius reads the thinking tokens Anthropic reports apart.
    let (_, delta) = &mut events[16];
    assert_eq!(delta["type"], "message_delta");
    delta["usage"]["output_tokens_details"] = json!({"thinking_tokens": 41});
    let items = claudius_events(events).into_iter().map(Ok).collect();
    let traced = traced("chat claude-sonnet-4-5", None, || claudius_stream(items)).await;
    assert_eq!(traced.items, 18);
    assert_eq!(traced.status, Status::Unset);
    let mut expected = anthropic_call();
    expected.extend(attrs! {
        "gen_ai.response.id" => "msg_014p7gG3wDgGV9EUtLvnow3U",
        "gen_ai.response.finish_reasons" => strs(&["tool_calls"]),
        "gen_ai.usage.input_tokens" => 472,
        "gen_ai.usage.output_tokens" => 89,
        "gen_ai.usage.cache_read.input_tokens" => 0,
        "gen_ai.usage.cache_write.input_tokens" => 0,
        "gen_ai.usage.reasoning.output_tokens" => 41,
        "llm_trace.response.tool_calls" => strs(&["get_weather", "get_time"]),
    });
    assert_eq!(traced.attributes, expected);
}

#[tokio::test]
async fn claudius_counts_of_message_start_stand_when_message_delta_leaves_them_out() {
    let mut events = crate::anthropic::cached();
    let (_, start) = &mut events[0];
    start["message"]["usage"]["output_tokens_details"] = json!({"thinking_tokens": 0});
    let items = claudius_events(events).into_iter().map(Ok).collect();
    let traced = traced("chat claude-sonnet-4-5", None, || claudius_stream(items)).await;
    assert_eq!(traced.status, Status::Unset);
    let mut expected = anthropic_call();
    expected.extend(attrs! {
        "gen_ai.response.id" => "msg_01Cache7kqW2uPXtDvSGFdR4n",
        "gen_ai.response.finish_reasons" => strs(&["stop"]),
        "gen_ai.usage.input_tokens" => 7812,
        "gen_ai.usage.output_tokens" => 120,
        "gen_ai.usage.cache_read.input_tokens" => 6000,
        "gen_ai.usage.cache_write.input_tokens" => 1800,
        "gen_ai.usage.reasoning.output_tokens" => 0,
    });
    assert_eq!(traced.attributes, expected);
}

#[tokio::test]
async fn claudius_dropped_mid_stream_keeps_the_usage_of_message_start() {
    let items = claudius_events(crate::anthropic::cached())
        .into_iter()
        .map(Ok)
        .collect();
    let traced = traced("chat claude-sonnet-4-5", Some(3), || claudius_stream(items)).await;
    assert_eq!(traced.status, cancelled());
    let mut expected = anthropic_call();
    expected.extend(attrs! {
        "gen_ai.response.id" => "msg_01Cache7kqW2uPXtDvSGFdR4n",
        "gen_ai.response.finish_reasons" => strs(&["error"]),
        "gen_ai.usage.input_tokens" => 7812,
        "gen_ai.usage.output_tokens" => 1,
        "gen_ai.usage.cache_read.input_tokens" => 6000,
        "gen_ai.usage.cache_write.input_tokens" => 1800,
        "error.type" => "cancelled",
        "llm_trace.cancelled" => true,
    });
    assert_eq!(traced.attributes, expected);
}

#[tokio::test]
async fn claudius_error_item_fails_the_call_with_the_usage_seen_before() {
    // claudius has no `error` event: its client yields the overloaded
    // error as an `Err` item.
    let mut items: Vec<_> = claudius_events(crate::anthropic::cached())
        .into_iter()
        .map(Ok)
        .collect();
    items.truncate(3);
    items.push(Err(ApiError::Status(529)));
    let traced = traced("chat claude-sonnet-4-5", None, || claudius_stream(items)).await;
    assert_eq!(traced.status, Status::error("HTTP 529"));
    let mut expected = anthropic_call();
    expected.extend(attrs! {
        "gen_ai.response.id" => "msg_01Cache7kqW2uPXtDvSGFdR4n",
        "gen_ai.response.finish_reasons" => strs(&["error"]),
        "gen_ai.usage.input_tokens" => 7812,
        "gen_ai.usage.output_tokens" => 1,
        "gen_ai.usage.cache_read.input_tokens" => 6000,
        "gen_ai.usage.cache_write.input_tokens" => 1800,
        "error.type" => "529",
    });
    assert_eq!(traced.attributes, expected);
}

// ---- genai ----------------------------------------------------------------

/// genai's events of an Anthropic tool call, with `capture_usage`,
/// `capture_stop_reason` and `capture_tool_calls` set: the usage as genai's
/// Anthropic adapter builds it (`prompt_tokens` includes both cache
/// buckets).
fn genai_events() -> Vec<ChatStreamEvent> {
    let call = GenaiToolCall {
        call_id: "toolu_01T1x1fJ34qAmk2tNTrN7Up6".into(),
        fn_name: "get_weather".into(),
        fn_arguments: json!({"location": "Oslo, Norway"}),
        thought_signatures: None,
    };
    vec![
        ChatStreamEvent::Start,
        ChatStreamEvent::ReasoningChunk(StreamChunk {
            content: "The user wants Oslo's weather.".into(),
        }),
        ChatStreamEvent::Chunk(StreamChunk {
            content: "Let me check the weather.".into(),
        }),
        ChatStreamEvent::Heartbeat,
        ChatStreamEvent::ToolCallChunk(ToolChunk {
            tool_call: call.clone(),
        }),
        ChatStreamEvent::End(StreamEnd {
            captured_usage: Some(GenaiUsage {
                prompt_tokens: Some(9972),
                prompt_tokens_details: Some(PromptTokensDetails {
                    cache_creation_tokens: Some(1500),
                    cached_tokens: Some(8000),
                    ..PromptTokensDetails::default()
                }),
                completion_tokens: Some(89),
                completion_tokens_details: None,
                total_tokens: Some(10061),
            }),
            captured_stop_reason: Some(StopReason::from("tool_use".to_owned())),
            captured_content: Some(
                MessageContent::from_text("Let me check the weather.").append(call),
            ),
            captured_reasoning_content: None,
            captured_response_id: None,
        }),
    ]
}

#[llm_call(provider = "anthropic", model = "claude-sonnet-4-5")]
async fn genai_stream(
    items: Vec<Result<ChatStreamEvent, ApiError>>,
) -> Result<impl Stream<Item = Result<ChatStreamEvent, ApiError>>, ApiError> {
    Ok(stream::iter(items))
}

fn genai_call() -> std::collections::BTreeMap<String, opentelemetry::Value> {
    let mut call = anthropic_call();
    call.remove("gen_ai.response.model");
    call.insert(
        "code.function.name".into(),
        "streams::clients::genai_stream".into(),
    );
    call
}

#[tokio::test]
async fn genai_events_give_the_facts_of_their_stream_end() {
    let items = genai_events().into_iter().map(Ok).collect();
    let traced = traced("chat claude-sonnet-4-5", None, || genai_stream(items)).await;
    assert_eq!(traced.items, 6);
    assert_eq!(traced.status, Status::Unset);
    let mut expected = genai_call();
    expected.extend(attrs! {
        "gen_ai.response.finish_reasons" => strs(&["tool_calls"]),
        "gen_ai.usage.input_tokens" => 9972,
        "gen_ai.usage.output_tokens" => 89,
        "gen_ai.usage.cache_read.input_tokens" => 8000,
        "gen_ai.usage.cache_write.input_tokens" => 1500,
        "llm_trace.response.tool_calls" => strs(&["get_weather"]),
    });
    assert_eq!(traced.attributes, expected);
}

#[tokio::test]
async fn genai_dropped_before_its_end_has_no_facts_but_the_cancellation() {
    let items = genai_events().into_iter().map(Ok).collect();
    let traced = traced("chat claude-sonnet-4-5", Some(5), || genai_stream(items)).await;
    assert_eq!(traced.status, cancelled());
    let mut expected = genai_call();
    expected.extend(attrs! {
        "gen_ai.response.finish_reasons" => strs(&["error"]),
        "error.type" => "cancelled",
        "llm_trace.cancelled" => true,
    });
    assert_eq!(traced.attributes, expected);
}

#[tokio::test]
async fn genai_error_item_fails_the_call() {
    let mut items: Vec<_> = genai_events().into_iter().map(Ok).collect();
    items.truncate(3);
    items.push(Err(ApiError::RateLimited));
    let traced = traced("chat claude-sonnet-4-5", None, || genai_stream(items)).await;
    assert_eq!(traced.items, 4);
    assert_eq!(
        traced.status,
        Status::error("rate limited: try again in 1s")
    );
    let mut expected = genai_call();
    expected.extend(attrs! {
        "gen_ai.response.finish_reasons" => strs(&["error"]),
        "error.type" => "rate_limited",
    });
    assert_eq!(traced.attributes, expected);
}

// ---- content capture through the client crates' stream items ---------------

#[llm_call(
    provider = "anthropic",
    model = "claude-sonnet-4-5",
    capture_content = "span_only"
)]
async fn anthropic_json_captured(
    items: Vec<Value>,
) -> Result<impl Stream<Item = Result<Value, ApiError>>, ApiError> {
    Ok(stream::iter(items.into_iter().map(Ok)))
}

#[llm_call(
    provider = "anthropic",
    model = "claude-sonnet-4-5",
    capture_content = "span_only"
)]
async fn claudius_captured(
    items: Vec<claudius::MessageStreamEvent>,
) -> Result<impl Stream<Item = Result<claudius::MessageStreamEvent, ApiError>>, ApiError> {
    Ok(stream::iter(items.into_iter().map(Ok)))
}

#[llm_call(
    provider = "anthropic",
    model = "claude-sonnet-4-5",
    capture_content = "span_only"
)]
async fn genai_captured(
    items: Vec<ChatStreamEvent>,
) -> Result<impl Stream<Item = Result<ChatStreamEvent, ApiError>>, ApiError> {
    Ok(stream::iter(items.into_iter().map(Ok)))
}

#[tokio::test]
async fn claudius_events_give_the_output_messages_the_raw_events_give() {
    let events = crate::anthropic::tool_use();
    let raw: Vec<Value> = events.iter().map(|(_, data)| data.clone()).collect();
    let by_json = traced("chat claude-sonnet-4-5", None, || {
        anthropic_json_captured(raw)
    })
    .await;
    let by_claudius = traced("chat claude-sonnet-4-5", None, || {
        claudius_captured(claudius_events(events))
    })
    .await;
    let expected = json!([{"role": "assistant", "parts": [
        {"type": "reasoning", "content": "The user wants Oslo's weather and time."},
        {"type": "text", "content": "Let me check the weather and the time."},
        {"type": "tool_call", "id": "toolu_01T1x1fJ34qAmk2tNTrN7Up6", "name": "get_weather",
         "arguments": {"location": "Oslo, Norway"}},
    ]}]);
    let by_json = crate::output_messages(&by_json.attributes);
    let parts = by_json[0]["parts"].as_array().expect("parts");
    assert_eq!(parts[..3], expected[0]["parts"].as_array().unwrap()[..]);
    assert_eq!(crate::output_messages(&by_claudius.attributes), by_json);
}

#[tokio::test]
async fn genai_events_give_text_and_reasoning_from_chunks_and_tool_calls_from_the_end() {
    let traced = traced("chat claude-sonnet-4-5", None, || {
        genai_captured(genai_events())
    })
    .await;
    assert_eq!(
        crate::output_messages(&traced.attributes),
        json!([{"role": "assistant", "parts": [
            {"type": "reasoning", "content": "The user wants Oslo's weather."},
            {"type": "text", "content": "Let me check the weather."},
            {"type": "tool_call", "id": "toolu_01T1x1fJ34qAmk2tNTrN7Up6", "name": "get_weather",
             "arguments": {"location": "Oslo, Norway"}},
        ], "finish_reason": "tool_call"}])
    );
}
