//! OpenAI Chat Completions and Responses streams (API reference: "Streaming
//! events", `stream_options.include_usage`).

use futures::{stream, Stream, StreamExt};
use llm_trace::llm_call;
use llm_trace::provider::openai::ChatCompletionChunk;
use llm_trace::provider::responses::ResponseStreamEvent;
use llm_trace_testkit::attrs;
use llm_trace_testkit::capture::{attributes, Capture};
use serde_json::{json, Value};

use crate::{ttfc, ApiError};

const MODEL: &str = "gpt-4o-mini-2024-07-18";

fn chunk(choices: Value) -> Value {
    json!({"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1,
           "model": MODEL, "system_fingerprint": "fp_1", "choices": choices})
}

/// Plain text, then the usage chunk `include_usage` adds (no choices).
pub fn plain_chunks() -> Vec<Value> {
    vec![
        chunk(
            json!([{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": null}]),
        ),
        chunk(json!([{"index": 0, "delta": {"content": "Hello"}, "finish_reason": null}])),
        chunk(json!([{"index": 0, "delta": {"content": " there"}, "finish_reason": null}])),
        chunk(json!([{"index": 0, "delta": {}, "finish_reason": "stop"}])),
        {
            let mut last = chunk(json!([]));
            last["usage"] = json!({"prompt_tokens": 19, "completion_tokens": 10, "total_tokens": 29,
                "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
                "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0}});
            last
        },
    ]
}

/// Two choices (`n: 2`): choice 1 calls a tool, its pieces spread over
/// chunks; cached and reasoning tokens in the usage.
fn tool_chunks() -> Vec<Value> {
    vec![
        chunk(
            json!([{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": null},
                     {"index": 1, "delta": {"role": "assistant", "content": null, "tool_calls": [
                        {"index": 0, "id": "call_abc", "type": "function",
                         "function": {"name": "get_weather", "arguments": ""}}]}, "finish_reason": null}]),
        ),
        chunk(
            json!([{"index": 1, "delta": {"tool_calls": [{"index": 0, "function": {"arguments": "{\"city\":"}}]}, "finish_reason": null}]),
        ),
        chunk(json!([{"index": 0, "delta": {"content": "Sunny."}, "finish_reason": null}])),
        chunk(
            json!([{"index": 1, "delta": {"tool_calls": [{"index": 0, "function": {"arguments": "\"Oslo\"}"}}]}, "finish_reason": null}]),
        ),
        chunk(json!([{"index": 1, "delta": {}, "finish_reason": "tool_calls"}])),
        chunk(json!([{"index": 0, "delta": {}, "finish_reason": "stop"}])),
        {
            let mut last = chunk(json!([]));
            last["usage"] = json!({"prompt_tokens": 2048, "completion_tokens": 600, "total_tokens": 2648,
                "prompt_tokens_details": {"cached_tokens": 1920},
                "completion_tokens_details": {"reasoning_tokens": 512}});
            last
        },
    ]
}

#[llm_call(provider = "openai", model = "gpt-4o-mini")]
async fn chat_stream(
    items: Vec<Result<Value, ApiError>>,
) -> Result<impl Stream<Item = Result<Value, ApiError>>, ApiError> {
    Ok(stream::iter(items))
}

#[llm_call(provider = "openai", model = "gpt-4o-mini")]
async fn typed_stream(
    items: Vec<ChatCompletionChunk>,
) -> Result<impl Stream<Item = Result<ChatCompletionChunk, ApiError>>, ApiError> {
    Ok(stream::iter(items.into_iter().map(Ok)))
}

fn ok(chunks: Vec<Value>) -> Vec<Result<Value, ApiError>> {
    chunks.into_iter().map(Ok).collect()
}

#[tokio::test]
async fn a_stream_to_its_end_takes_the_usage_of_its_last_chunk() {
    let capture = Capture::new();
    let items = capture
        .run(async {
            let s = chat_stream(ok(plain_chunks())).await.unwrap();
            assert!(
                capture.spans().is_empty(),
                "the span is open while the stream is"
            );
            s.collect::<Vec<_>>().await
        })
        .await;
    assert_eq!(items.len(), 5, "every chunk reaches the caller");
    let mut attributes = attributes(&capture.span("chat gpt-4o-mini"));
    // gpt-4o-mini: $0.15 per million input tokens, $0.60 per million output.
    let usd = 19.0 * 0.15 / 1e6 + 10.0 * 0.60 / 1e6;
    match attributes.get("llm_trace.cost.usd") {
        Some(opentelemetry::Value::F64(cost)) => assert!((cost - usd).abs() < 1e-12, "{cost}"),
        other => panic!("cost: {other:?}"),
    }
    ttfc(&mut attributes);
    assert_eq!(
        attributes,
        attrs! {
            "gen_ai.operation.name" => "chat",
            "gen_ai.provider.name" => "openai",
            "gen_ai.request.model" => "gpt-4o-mini",
            "gen_ai.request.stream" => true,
            "server.address" => "api.openai.com",
            "server.port" => 443,
            "code.function.name" => "streams::openai::chat_stream",
            "gen_ai.response.id" => "chatcmpl-1",
            "gen_ai.response.model" => MODEL,
            "gen_ai.response.finish_reasons" => crate::strs(&["stop"]),
            "gen_ai.usage.input_tokens" => 19,
            "gen_ai.usage.output_tokens" => 10,
            "gen_ai.usage.cache_read.input_tokens" => 0,
            "gen_ai.usage.reasoning.output_tokens" => 0,
        }
    );
}

#[tokio::test]
async fn typed_chunks_give_finish_reasons_by_choice_index_and_tool_calls() {
    let capture = Capture::new();
    let typed: Vec<ChatCompletionChunk> = tool_chunks()
        .into_iter()
        .map(|c| serde_json::from_value(c).unwrap())
        .collect();
    capture
        .run(async { typed_stream(typed).await.unwrap().collect::<Vec<_>>().await })
        .await;
    let mut attributes = attributes(&capture.span("chat gpt-4o-mini"));
    ttfc(&mut attributes);
    assert_eq!(
        attributes,
        attrs! {
            "gen_ai.operation.name" => "chat",
            "gen_ai.provider.name" => "openai",
            "gen_ai.request.model" => "gpt-4o-mini",
            "gen_ai.request.stream" => true,
            "server.address" => "api.openai.com",
            "server.port" => 443,
            "code.function.name" => "streams::openai::typed_stream",
            "gen_ai.response.id" => "chatcmpl-1",
            "gen_ai.response.model" => MODEL,
            "gen_ai.response.finish_reasons" => crate::strs(&["stop", "tool_calls"]),
            "gen_ai.usage.input_tokens" => 2048,
            "gen_ai.usage.output_tokens" => 600,
            "gen_ai.usage.cache_read.input_tokens" => 1920,
            "gen_ai.usage.reasoning.output_tokens" => 512,
            "llm_trace.response.tool_calls" => crate::strs(&["get_weather"]),
        }
    );
}

#[tokio::test]
async fn the_same_chunks_as_json_give_the_same_facts() {
    let capture = Capture::new();
    capture
        .run(async {
            chat_stream(ok(tool_chunks()))
                .await
                .unwrap()
                .collect::<Vec<_>>()
                .await
        })
        .await;
    let attributes = attributes(&capture.span("chat gpt-4o-mini"));
    assert_eq!(
        attributes["gen_ai.response.finish_reasons"],
        crate::strs(&["stop", "tool_calls"])
    );
    assert_eq!(
        attributes["gen_ai.usage.cache_read.input_tokens"],
        1920.into()
    );
    assert_eq!(
        attributes["llm_trace.response.tool_calls"],
        crate::strs(&["get_weather"])
    );
}

#[tokio::test]
async fn dropped_after_two_chunks_the_span_is_cancelled_with_error_at_the_open_choice() {
    let capture = Capture::new();
    capture
        .run(async {
            let mut s = Box::pin(chat_stream(ok(tool_chunks())).await.unwrap());
            s.next().await;
            s.next().await;
            assert!(capture.spans().is_empty());
        })
        .await;
    let span = capture.span("chat gpt-4o-mini");
    let mut attributes = attributes(&span);
    ttfc(&mut attributes);
    assert_eq!(attributes["error.type"], "cancelled".into());
    assert_eq!(attributes["llm_trace.cancelled"], true.into());
    assert_eq!(
        attributes["gen_ai.response.finish_reasons"],
        crate::strs(&["error", "error"])
    );
    assert!(!attributes.contains_key("gen_ai.usage.input_tokens"));
    assert_eq!(
        span.status,
        opentelemetry::trace::Status::error("cancelled: the stream was dropped before it ended")
    );
}

#[tokio::test]
async fn an_error_item_fails_the_span_and_keeps_the_usage_seen_before() {
    let capture = Capture::new();
    let mut chunks = ok(plain_chunks());
    chunks.insert(2, Err(ApiError::RateLimited));
    let items = capture
        .run(async { chat_stream(chunks).await.unwrap().collect::<Vec<_>>().await })
        .await;
    assert_eq!(items.len(), 6);
    assert!(items[2].is_err(), "the error reaches the caller unchanged");
    let span = capture.span("chat gpt-4o-mini");
    let mut attributes = attributes(&span);
    ttfc(&mut attributes);
    assert_eq!(attributes["error.type"], "rate_limited".into());
    // The choice finished after the error: its reason stands.
    assert_eq!(
        attributes["gen_ai.response.finish_reasons"],
        crate::strs(&["stop"])
    );
    assert_eq!(attributes["gen_ai.usage.input_tokens"], 19.into());
    assert!(!attributes.contains_key("llm_trace.cancelled"));
    assert_eq!(
        span.status,
        opentelemetry::trace::Status::error("rate limited: try again in 1s")
    );
}

#[tokio::test]
async fn an_error_before_the_choice_finishes_reports_error_at_its_position() {
    let capture = Capture::new();
    let mut chunks = ok(plain_chunks());
    chunks.truncate(2);
    chunks.push(Err(ApiError::Status(500)));
    capture
        .run(async { chat_stream(chunks).await.unwrap().collect::<Vec<_>>().await })
        .await;
    let mut attributes = attributes(&capture.span("chat gpt-4o-mini"));
    ttfc(&mut attributes);
    assert_eq!(attributes["error.type"], "500".into());
    assert_eq!(
        attributes["gen_ai.response.finish_reasons"],
        crate::strs(&["error"])
    );
}

#[tokio::test]
async fn a_failed_request_ends_the_span_before_any_stream() {
    let capture = Capture::new();
    #[llm_call(provider = "openai", model = "gpt-4o-mini")]
    async fn refused() -> Result<impl Stream<Item = Result<Value, ApiError>>, ApiError> {
        Err::<stream::Iter<std::vec::IntoIter<Result<Value, ApiError>>>, _>(ApiError::Status(401))
    }
    assert!(capture.run(refused()).await.is_err());
    let attributes = attributes(&capture.span("chat gpt-4o-mini"));
    assert_eq!(attributes["error.type"], "401".into());
    assert_eq!(attributes["gen_ai.request.stream"], true.into());
    assert!(!attributes.contains_key("gen_ai.response.time_to_first_chunk"));
}

/// The Responses API's events (API reference, "Streaming events").
fn response_events() -> Vec<Value> {
    let response = |status: &str, usage: Value, output: Value| {
        json!({"id": "resp_67c9", "object": "response", "created_at": 1741290958,
               "status": status, "model": "o4-mini-2025-04-16", "output": output, "usage": usage})
    };
    vec![
        json!({"type": "response.created", "sequence_number": 0,
               "response": response("in_progress", Value::Null, json!([]))}),
        json!({"type": "response.in_progress", "sequence_number": 1,
               "response": response("in_progress", Value::Null, json!([]))}),
        json!({"type": "response.output_item.added", "sequence_number": 2, "output_index": 0,
               "item": {"id": "msg_1", "type": "message", "status": "in_progress", "role": "assistant", "content": []}}),
        json!({"type": "response.output_text.delta", "sequence_number": 3, "item_id": "msg_1",
               "output_index": 0, "content_index": 0, "delta": "Hi"}),
        json!({"type": "response.completed", "sequence_number": 4,
               "response": response("completed",
                   json!({"input_tokens": 1500, "input_tokens_details": {"cached_tokens": 1024},
                          "output_tokens": 700, "output_tokens_details": {"reasoning_tokens": 640},
                          "total_tokens": 2200}),
                   json!([{"type": "message", "id": "msg_1", "status": "completed", "role": "assistant",
                           "content": [{"type": "output_text", "text": "Hi", "annotations": []}]}]))}),
    ]
}

#[llm_call(provider = "openai", operation = "chat", model = "o4-mini")]
async fn responses_stream(
    items: Vec<Value>,
) -> Result<impl Stream<Item = Result<Value, ApiError>>, ApiError> {
    Ok(stream::iter(items.into_iter().map(Ok)))
}

#[llm_call(provider = "openai", operation = "chat", model = "o4-mini")]
async fn typed_responses_stream(
    items: Vec<ResponseStreamEvent>,
) -> Result<impl Stream<Item = Result<ResponseStreamEvent, ApiError>>, ApiError> {
    Ok(stream::iter(items.into_iter().map(Ok)))
}

#[tokio::test]
async fn responses_stream_events_give_the_completed_responses_facts() {
    for typed in [false, true] {
        let capture = Capture::new();
        if typed {
            let events = response_events()
                .into_iter()
                .map(|e| serde_json::from_value(e).unwrap())
                .collect();
            capture
                .run(async { typed_responses_stream(events).await.unwrap().count().await })
                .await;
        } else {
            capture
                .run(async {
                    responses_stream(response_events())
                        .await
                        .unwrap()
                        .count()
                        .await
                })
                .await;
        }
        let mut attributes = attributes(&capture.span("chat o4-mini"));
        ttfc(&mut attributes);
        attributes.remove("code.function.name");
        assert_eq!(
            attributes,
            attrs! {
                "gen_ai.operation.name" => "chat",
                "gen_ai.provider.name" => "openai",
                "gen_ai.request.model" => "o4-mini",
                "gen_ai.request.stream" => true,
                "server.address" => "api.openai.com",
                "server.port" => 443,
                "gen_ai.response.id" => "resp_67c9",
                "gen_ai.response.model" => "o4-mini-2025-04-16",
                "gen_ai.response.finish_reasons" => crate::strs(&["stop"]),
                "gen_ai.usage.input_tokens" => 1500,
                "gen_ai.usage.output_tokens" => 700,
                "gen_ai.usage.cache_read.input_tokens" => 1024,
                "gen_ai.usage.reasoning.output_tokens" => 640,
            },
            "typed: {typed}"
        );
    }
}

#[tokio::test]
async fn a_responses_error_event_fails_the_call() {
    let capture = Capture::new();
    let mut events = response_events();
    events.truncate(4);
    events.push(
        json!({"type": "error", "sequence_number": 4, "code": "server_error",
                       "message": "The server had an error", "param": null}),
    );
    capture
        .run(async { responses_stream(events).await.unwrap().count().await })
        .await;
    let span = capture.span("chat o4-mini");
    let attributes = attributes(&span);
    assert_eq!(attributes["error.type"], "server_error".into());
    assert_eq!(attributes["gen_ai.response.id"], "resp_67c9".into());
    assert_eq!(
        attributes["gen_ai.response.finish_reasons"],
        crate::strs(&["error"])
    );
    assert_eq!(
        span.status,
        opentelemetry::trace::Status::error("The server had an error")
    );
}

#[llm_call(
    provider = "openai",
    model = "gpt-4o-mini",
    capture_content = "span_only"
)]
async fn captured_stream(
    items: Vec<Value>,
) -> Result<impl Stream<Item = Result<Value, ApiError>>, ApiError> {
    Ok(stream::iter(items.into_iter().map(Ok)))
}

#[tokio::test]
async fn with_capture_on_the_output_messages_are_assembled_from_the_chunks() {
    let capture = Capture::new();
    capture
        .run(async { captured_stream(tool_chunks()).await.unwrap().count().await })
        .await;
    assert_eq!(
        crate::output_messages(&attributes(&capture.span("chat gpt-4o-mini"))),
        json!([
            {"role": "assistant", "parts": [{"type": "text", "content": "Sunny."}],
             "finish_reason": "stop"},
            {"role": "assistant", "parts": [{"type": "tool_call", "id": "call_abc",
              "name": "get_weather", "arguments": {"city": "Oslo"}}],
             "finish_reason": "tool_call"},
        ])
    );

    // Dropped early: what arrived so far, the open choice marked as failed.
    let capture = Capture::new();
    capture
        .run(async {
            let mut s = Box::pin(captured_stream(plain_chunks()).await.unwrap());
            for _ in 0..3 {
                s.next().await;
            }
        })
        .await;
    assert_eq!(
        crate::output_messages(&attributes(&capture.span("chat gpt-4o-mini"))),
        json!([{"role": "assistant", "parts": [{"type": "text", "content": "Hello there"}],
                "finish_reason": "error"}])
    );
}

#[tokio::test]
async fn with_capture_off_no_text_reaches_the_span() {
    let capture = Capture::new();
    capture
        .run(async { chat_stream(ok(tool_chunks())).await.unwrap().count().await })
        .await;
    let span = capture.span("chat gpt-4o-mini");
    let exported = format!("{:?}", span.attributes);
    for text in ["Sunny", "Oslo", "output.messages"] {
        assert!(!exported.contains(text), "{text} in {exported}");
    }
}
