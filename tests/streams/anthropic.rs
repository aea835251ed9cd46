//! Anthropic Messages streams (API reference: "Streaming Messages" — the
//! event flow, the basic and tool-use examples, `ping` and `error` events;
//! "Prompt caching" and "Extended thinking" for the cache counts and the
//! thinking blocks).

use std::collections::BTreeMap;

use bytes::Bytes;
use futures::{stream, Stream};
use llm_trace::llm_call;
use llm_trace::provider::anthropic::MessageStreamEvent;
use llm_trace_testkit::attrs;
use opentelemetry::trace::Status;
use opentelemetry::Value as Attr;
use serde_json::{json, Value};

use crate::{cancelled, forms, sse, strs, traced, wire, ApiError, Form, Traced};

const MODEL: &str = "claude-sonnet-4-5-20250929";
const SPAN: &str = "chat claude-sonnet-4-5";

pub(crate) type Events = Vec<(&'static str, Value)>;

fn message_start(id: &str, usage: Value) -> (&'static str, Value) {
    (
        "message_start",
        json!({"type": "message_start", "message": {
            "id": id, "type": "message", "role": "assistant", "content": [], "model": MODEL,
            "stop_reason": null, "stop_sequence": null, "usage": usage}}),
    )
}

fn block_start(index: u32, block: Value) -> (&'static str, Value) {
    (
        "content_block_start",
        json!({"type": "content_block_start", "index": index, "content_block": block}),
    )
}

fn block_delta(index: u32, delta: Value) -> (&'static str, Value) {
    (
        "content_block_delta",
        json!({"type": "content_block_delta", "index": index, "delta": delta}),
    )
}

fn block_stop(index: u32) -> (&'static str, Value) {
    (
        "content_block_stop",
        json!({"type": "content_block_stop", "index": index}),
    )
}

fn text(index: u32, text: &str) -> (&'static str, Value) {
    block_delta(index, json!({"type": "text_delta", "text": text}))
}

fn message_delta(stop_reason: &str, usage: Value) -> (&'static str, Value) {
    (
        "message_delta",
        json!({"type": "message_delta",
               "delta": {"stop_reason": stop_reason, "stop_sequence": null}, "usage": usage}),
    )
}

fn message_stop() -> (&'static str, Value) {
    ("message_stop", json!({"type": "message_stop"}))
}

/// "Basic streaming request": input counted in `message_start`, the output
/// in `message_delta`, a `ping` among the blocks.
fn plain() -> Events {
    vec![
        message_start(
            "msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY",
            json!({"input_tokens": 25, "output_tokens": 1}),
        ),
        block_start(0, json!({"type": "text", "text": ""})),
        ("ping", json!({"type": "ping"})),
        text(0, "Hello"),
        text(0, "!"),
        block_stop(0),
        message_delta("end_turn", json!({"output_tokens": 15})),
        message_stop(),
    ]
}

/// Extended thinking, a text block and two tool calls whose inputs stream
/// as `input_json_delta`s; the `message_delta` of the newer API repeats the
/// input and cache counts beside the cumulative output.
pub(crate) fn tool_use() -> Events {
    let counts = |output: u64| {
        json!({"input_tokens": 472, "cache_creation_input_tokens": 0,
               "cache_read_input_tokens": 0, "output_tokens": output})
    };
    let mut start_usage = counts(2);
    start_usage["cache_creation"] =
        json!({"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 0});
    start_usage["service_tier"] = json!("standard");
    vec![
        message_start("msg_014p7gG3wDgGV9EUtLvnow3U", start_usage),
        block_start(
            0,
            json!({"type": "thinking", "thinking": "", "signature": ""}),
        ),
        block_delta(
            0,
            json!({"type": "thinking_delta", "thinking": "The user wants Oslo's weather and time."}),
        ),
        block_delta(
            0,
            json!({"type": "signature_delta", "signature": "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds"}),
        ),
        block_stop(0),
        block_start(1, json!({"type": "text", "text": ""})),
        text(1, "Let me check the weather and the time."),
        block_stop(1),
        block_start(
            2,
            json!({"type": "tool_use", "id": "toolu_01T1x1fJ34qAmk2tNTrN7Up6",
                   "name": "get_weather", "input": {}}),
        ),
        block_delta(2, json!({"type": "input_json_delta", "partial_json": ""})),
        block_delta(
            2,
            json!({"type": "input_json_delta", "partial_json": "{\"location\": \"Os"}),
        ),
        block_delta(
            2,
            json!({"type": "input_json_delta", "partial_json": "lo, Norway\"}"}),
        ),
        block_stop(2),
        block_start(
            3,
            json!({"type": "tool_use", "id": "toolu_01WYnC7pJ6ssbYNZA1k5Uf2t",
                   "name": "get_time", "input": {}}),
        ),
        block_delta(
            3,
            json!({"type": "input_json_delta", "partial_json": "{\"timezone\": \"Europe/Oslo\"}"}),
        ),
        block_stop(3),
        message_delta("tool_use", counts(89)),
        message_stop(),
    ]
}

/// A cached prompt: `message_start` has the cache counts and the
/// `message_delta` only the output, as the API long wrote it.
pub(crate) fn cached() -> Events {
    vec![
        message_start(
            "msg_01Cache7kqW2uPXtDvSGFdR4n",
            json!({"input_tokens": 12, "cache_creation_input_tokens": 1800,
                   "cache_read_input_tokens": 6000, "output_tokens": 1}),
        ),
        block_start(0, json!({"type": "text", "text": ""})),
        text(0, "Section 2 of the contract says"),
        text(0, " the notice period is three months."),
        block_stop(0),
        message_delta("end_turn", json!({"output_tokens": 120})),
        message_stop(),
    ]
}

#[llm_call(provider = "anthropic", model = "claude-sonnet-4-5")]
async fn json_stream(
    items: Vec<Value>,
) -> Result<impl Stream<Item = Result<Value, ApiError>>, ApiError> {
    Ok(stream::iter(items.into_iter().map(Ok)))
}

#[llm_call(provider = "anthropic", model = "claude-sonnet-4-5")]
async fn typed_stream(
    items: Vec<MessageStreamEvent>,
) -> Result<impl Stream<Item = Result<MessageStreamEvent, ApiError>>, ApiError> {
    Ok(stream::iter(items.into_iter().map(Ok)))
}

#[llm_call(provider = "anthropic", model = "claude-sonnet-4-5")]
async fn wire_stream(
    items: Vec<Bytes>,
) -> Result<impl Stream<Item = Result<Bytes, ApiError>>, ApiError> {
    Ok(stream::iter(items.into_iter().map(Ok)))
}

/// Streams `events` in `form`, read to the end or (`read`) only the first
/// events, then dropped.
async fn run(form: Form, events: &Events, read: Option<usize>) -> Traced {
    let data = || events.iter().map(|(_, data)| data.clone());
    let traced = match form {
        Form::Json => traced(SPAN, read, || json_stream(data().collect())).await,
        Form::Typed => {
            let typed = data()
                .map(|e| serde_json::from_value(e).expect("a MessageStreamEvent"))
                .collect();
            traced(SPAN, read, || typed_stream(typed)).await
        }
        Form::Wire(cut) => {
            let (items, read) = wire(events, |e| sse(e, "\r\n"), cut, read);
            return traced(SPAN, read, || wire_stream(items)).await;
        }
    };
    assert_eq!(traced.items, read.unwrap_or(events.len()), "{form:?}");
    traced
}

/// The span's attributes: the call's own, then `facts`.
fn expected(form: Form, facts: BTreeMap<String, Attr>) -> BTreeMap<String, Attr> {
    let mut all = attrs! {
        "gen_ai.operation.name" => "chat",
        "gen_ai.provider.name" => "anthropic",
        "gen_ai.request.model" => "claude-sonnet-4-5",
        "gen_ai.request.stream" => true,
        "server.address" => "api.anthropic.com",
        "server.port" => 443,
        "code.function.name" => form.function("anthropic"),
        "gen_ai.response.model" => MODEL,
    };
    all.extend(facts);
    all
}

#[tokio::test]
async fn a_plain_stream_takes_input_from_message_start_and_output_from_message_delta() {
    for form in forms(true) {
        let traced = run(form, &plain(), None).await;
        assert_eq!(traced.status, Status::Unset, "{form:?}");
        assert_eq!(
            traced.attributes,
            expected(
                form,
                attrs! {
                    "gen_ai.response.id" => "msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY",
                    "gen_ai.response.finish_reasons" => strs(&["stop"]),
                    "gen_ai.usage.input_tokens" => 25,
                    "gen_ai.usage.output_tokens" => 15,
                }
            ),
            "{form:?}"
        );
    }
}

#[tokio::test]
async fn tool_use_blocks_are_the_tool_calls_and_thinking_adds_no_count() {
    for form in forms(true) {
        let traced = run(form, &tool_use(), None).await;
        assert_eq!(traced.status, Status::Unset, "{form:?}");
        assert_eq!(
            traced.attributes,
            expected(
                form,
                attrs! {
                    "gen_ai.response.id" => "msg_014p7gG3wDgGV9EUtLvnow3U",
                    "gen_ai.response.finish_reasons" => strs(&["tool_calls"]),
                    "gen_ai.usage.input_tokens" => 472,
                    "gen_ai.usage.output_tokens" => 89,
                    "gen_ai.usage.cache_read.input_tokens" => 0,
                    "gen_ai.usage.cache_write.input_tokens" => 0,
                    "llm_trace.response.tool_calls" => strs(&["get_weather", "get_time"]),
                }
            ),
            "{form:?}"
        );
    }
}

#[tokio::test]
async fn cache_counts_of_message_start_stand_when_message_delta_gives_only_output() {
    for form in forms(true) {
        let traced = run(form, &cached(), None).await;
        assert_eq!(traced.status, Status::Unset, "{form:?}");
        assert_eq!(
            traced.attributes,
            expected(
                form,
                attrs! {
                    "gen_ai.response.id" => "msg_01Cache7kqW2uPXtDvSGFdR4n",
                    "gen_ai.response.finish_reasons" => strs(&["stop"]),
                    // 12 uncached + 1800 written + 6000 read.
                    "gen_ai.usage.input_tokens" => 7812,
                    "gen_ai.usage.output_tokens" => 120,
                    "gen_ai.usage.cache_read.input_tokens" => 6000,
                    "gen_ai.usage.cache_write.input_tokens" => 1800,
                }
            ),
            "{form:?}"
        );
    }
}

#[tokio::test]
async fn dropped_inside_a_tool_input_the_call_is_cancelled_with_the_usage_of_message_start() {
    for form in forms(true) {
        // Into the middle of `get_weather`'s input.
        let traced = run(form, &tool_use(), Some(11)).await;
        assert_eq!(traced.status, cancelled(), "{form:?}");
        assert_eq!(
            traced.attributes,
            expected(
                form,
                attrs! {
                    "gen_ai.response.id" => "msg_014p7gG3wDgGV9EUtLvnow3U",
                    "gen_ai.response.finish_reasons" => strs(&["error"]),
                    "gen_ai.usage.input_tokens" => 472,
                    "gen_ai.usage.output_tokens" => 2,
                    "gen_ai.usage.cache_read.input_tokens" => 0,
                    "gen_ai.usage.cache_write.input_tokens" => 0,
                    "llm_trace.response.tool_calls" => strs(&["get_weather"]),
                    "error.type" => "cancelled",
                    "llm_trace.cancelled" => true,
                }
            ),
            "{form:?}"
        );
    }
}

#[tokio::test]
async fn an_overloaded_error_event_fails_the_call_with_the_usage_seen_before() {
    let mut events = cached();
    events.truncate(3);
    events.push((
        "error",
        json!({"type": "error",
               "error": {"details": null, "type": "overloaded_error", "message": "Overloaded"},
               "request_id": "req_011CSHoEeqs5C35K2UUqR7Fy"}),
    ));
    for form in forms(true) {
        let traced = run(form, &events, None).await;
        assert_eq!(traced.status, Status::error("Overloaded"), "{form:?}");
        assert_eq!(
            traced.attributes,
            expected(
                form,
                attrs! {
                    "gen_ai.response.id" => "msg_01Cache7kqW2uPXtDvSGFdR4n",
                    "gen_ai.response.finish_reasons" => strs(&["error"]),
                    "gen_ai.usage.input_tokens" => 7812,
                    "gen_ai.usage.output_tokens" => 1,
                    "gen_ai.usage.cache_read.input_tokens" => 6000,
                    "gen_ai.usage.cache_write.input_tokens" => 1800,
                    "error.type" => "overloaded_error",
                }
            ),
            "{form:?}"
        );
    }
}
