//! Cohere v2 chat streams (API reference: "Chat" with `"stream": true`,
//! `StreamedChatResponseV2`: `message-start`, `content-*`, `tool-plan-delta`,
//! `tool-call-*`, `message-end` with `finish_reason`, `usage` and, when the
//! generation failed, `error`). Server-sent events named by their type.

use std::collections::BTreeMap;

use bytes::Bytes;
use futures::{stream, Stream};
use llm_trace::llm_call;
use llm_trace_testkit::attrs;
use opentelemetry::trace::Status;
use opentelemetry::Value as Attr;
use serde_json::{json, Value};

use crate::{cancelled, forms, sse, strs, traced, wire, ApiError, Form, Traced};

const SPAN: &str = "chat command-a-03-2025";

fn message_start(id: &str) -> Value {
    json!({"type": "message-start", "id": id, "delta": {"message": {
        "role": "assistant", "content": [], "tool_plan": "", "tool_calls": [], "citations": []}}})
}

fn content(index: u32, text: &str) -> Vec<Value> {
    vec![
        json!({"type": "content-start", "index": index,
               "delta": {"message": {"content": {"type": "text", "text": ""}}}}),
        json!({"type": "content-delta", "index": index,
               "delta": {"message": {"content": {"text": text}}}, "logprobs": null}),
        json!({"type": "content-end", "index": index}),
    ]
}

fn message_end(delta: Value) -> Value {
    json!({"type": "message-end", "delta": delta})
}

/// A text answer, billed and used counts apart.
fn plain() -> Vec<Value> {
    let mut events = vec![message_start("29f14a5a-11de-4cae-9800-25e4747408ea")];
    events.extend(content(0, "Hello! How can I help you today?"));
    events.push(message_end(json!({"finish_reason": "COMPLETE", "usage": {
        "billed_units": {"input_tokens": 3, "output_tokens": 9},
        "tokens": {"input_tokens": 69, "output_tokens": 9}}})));
    events
}

/// A tool plan, then two tool calls whose arguments stream in pieces, on a
/// prompt partly served from Cohere's cache.
fn tool_calls() -> Vec<Value> {
    let call = |index: u32, id: &str, name: &str, arguments: &[&str]| {
        let mut events = vec![json!({"type": "tool-call-start", "index": index, "delta": {
            "message": {"tool_calls": {"id": id, "type": "function",
                                       "function": {"name": name, "arguments": ""}}}}})];
        events.extend(arguments.iter().map(|piece| {
            json!({"type": "tool-call-delta", "index": index, "delta": {
                "message": {"tool_calls": {"function": {"arguments": piece}}}}})
        }));
        events.push(json!({"type": "tool-call-end", "index": index}));
        events
    };
    let mut events = vec![
        message_start("b8d2e2e0-6d7a-4d9a-9a4f-2b0c5b3f1d11"),
        json!({"type": "tool-plan-delta", "delta": {"message": {"tool_plan": "I will look up"}}}),
        json!({"type": "tool-plan-delta", "delta": {"message": {"tool_plan": " the weather and the time."}}}),
    ];
    events.extend(call(
        0,
        "get_weather_1byjy32y4hvq",
        "get_weather",
        &["{\n    \"location\": \"", "Toronto\"\n}"],
    ));
    events.extend(call(
        1,
        "get_time_k2n3c8sd0f1a",
        "get_time",
        &["{\"timezone\": \"America/Toronto\"}"],
    ));
    events.push(message_end(json!({"finish_reason": "TOOL_CALL", "usage": {
        "billed_units": {"input_tokens": 37, "output_tokens": 28},
        "tokens": {"input_tokens": 1290, "output_tokens": 60},
        "cached_tokens": 1024}})));
    events
}

#[llm_call(provider = "cohere", model = "command-a-03-2025")]
async fn json_stream(
    items: Vec<Value>,
) -> Result<impl Stream<Item = Result<Value, ApiError>>, ApiError> {
    Ok(stream::iter(items.into_iter().map(Ok)))
}

#[llm_call(provider = "cohere", model = "command-a-03-2025")]
async fn wire_stream(
    items: Vec<Bytes>,
) -> Result<impl Stream<Item = Result<Bytes, ApiError>>, ApiError> {
    Ok(stream::iter(items.into_iter().map(Ok)))
}

/// Cohere's SSE: each event named by its type, LF line ends.
fn encode(events: &[Value]) -> Vec<u8> {
    let named: Vec<(&str, Value)> = events
        .iter()
        .map(|e| (e["type"].as_str().expect("a type"), e.clone()))
        .collect();
    sse(&named, "\n")
}

/// Streams `events` in `form`, read to the end or (`read`) only the first
/// events, then dropped.
async fn run(form: Form, events: Vec<Value>, read: Option<usize>) -> Traced {
    let count = events.len();
    let traced = match form {
        Form::Json => traced(SPAN, read, || json_stream(events)).await,
        Form::Typed => unreachable!("Cohere's events are read as JSON"),
        Form::Wire(cut) => {
            let (items, read) = wire(&events, encode, cut, read);
            return traced(SPAN, read, || wire_stream(items)).await;
        }
    };
    assert_eq!(traced.items, read.unwrap_or(count), "{form:?}");
    traced
}

/// The span's attributes: the call's own, then `facts`.
fn expected(form: Form, facts: BTreeMap<String, Attr>) -> BTreeMap<String, Attr> {
    let mut all = attrs! {
        "gen_ai.operation.name" => "chat",
        "gen_ai.provider.name" => "cohere",
        "gen_ai.request.model" => "command-a-03-2025",
        "gen_ai.request.stream" => true,
        "server.address" => "api.cohere.com",
        "server.port" => 443,
        "code.function.name" => form.function("cohere"),
    };
    all.extend(facts);
    all
}

#[tokio::test]
async fn message_end_gives_the_reason_and_the_used_tokens() {
    for form in forms(false) {
        let traced = run(form, plain(), None).await;
        assert_eq!(traced.status, Status::Unset, "{form:?}");
        assert_eq!(
            traced.attributes,
            expected(
                form,
                attrs! {
                    "gen_ai.response.id" => "29f14a5a-11de-4cae-9800-25e4747408ea",
                    "gen_ai.response.finish_reasons" => strs(&["COMPLETE"]),
                    // `tokens`, not `billed_units` (those go to the metric).
                    "gen_ai.usage.input_tokens" => 69,
                    "gen_ai.usage.output_tokens" => 9,
                }
            ),
            "{form:?}"
        );
    }
}

#[tokio::test]
async fn tool_call_starts_are_the_tool_calls_and_cached_tokens_are_cache_reads() {
    for form in forms(false) {
        let traced = run(form, tool_calls(), None).await;
        assert_eq!(traced.status, Status::Unset, "{form:?}");
        assert_eq!(
            traced.attributes,
            expected(
                form,
                attrs! {
                    "gen_ai.response.id" => "b8d2e2e0-6d7a-4d9a-9a4f-2b0c5b3f1d11",
                    "gen_ai.response.finish_reasons" => strs(&["TOOL_CALL"]),
                    "gen_ai.usage.input_tokens" => 1290,
                    "gen_ai.usage.output_tokens" => 60,
                    "gen_ai.usage.cache_read.input_tokens" => 1024,
                    "llm_trace.response.tool_calls" => strs(&["get_weather", "get_time"]),
                }
            ),
            "{form:?}"
        );
    }
}

#[tokio::test]
async fn dropped_inside_the_second_tool_call_the_call_is_cancelled_with_both() {
    for form in forms(false) {
        // Through the second call's start.
        let traced = run(form, tool_calls(), Some(8)).await;
        assert_eq!(traced.status, cancelled(), "{form:?}");
        assert_eq!(
            traced.attributes,
            expected(
                form,
                attrs! {
                    "gen_ai.response.id" => "b8d2e2e0-6d7a-4d9a-9a4f-2b0c5b3f1d11",
                    "gen_ai.response.finish_reasons" => strs(&["error"]),
                    "llm_trace.response.tool_calls" => strs(&["get_weather", "get_time"]),
                    "error.type" => "cancelled",
                    "llm_trace.cancelled" => true,
                }
            ),
            "{form:?}"
        );
    }
}

#[tokio::test]
async fn a_message_end_with_an_error_fails_the_call_and_keeps_its_reason_and_usage() {
    let mut events = vec![message_start("5d2c6a3e-0f8b-4c1e-8a7d-9e6f4b2a1c30")];
    events.extend(content(0, "The report"));
    events.push(message_end(json!({
        "error": "internal server error, this has been reported to our developers",
        "finish_reason": "ERROR",
        "usage": {"billed_units": {"input_tokens": 12, "output_tokens": 2},
                  "tokens": {"input_tokens": 80, "output_tokens": 2}}})));
    for form in forms(false) {
        let traced = run(form, events.clone(), None).await;
        assert_eq!(
            traced.status,
            Status::error("internal server error, this has been reported to our developers"),
            "{form:?}"
        );
        assert_eq!(
            traced.attributes,
            expected(
                form,
                attrs! {
                    "gen_ai.response.id" => "5d2c6a3e-0f8b-4c1e-8a7d-9e6f4b2a1c30",
                    "gen_ai.response.finish_reasons" => strs(&["ERROR"]),
                    "gen_ai.usage.input_tokens" => 80,
                    "gen_ai.usage.output_tokens" => 2,
                    "error.type" => "ERROR",
                }
            ),
            "{form:?}"
        );
    }
}
