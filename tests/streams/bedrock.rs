//! Bedrock `ConverseStream` (API reference: `ConverseStream`,
//! `ConverseStreamOutput`, `ConverseStreamMetadataEvent`, `TokenUsage`;
//! User Guide: "Prompt caching", "Use a prompt router"). Each event is read
//! as the SDKs serialize it (`{"metadata": {...}}`), as the bare payload of
//! its event-stream message (`{"usage": ..., "metrics": ...}`, its type in
//! the `:event-type` header), and as the typed `ConverseStreamEvent`.
//!
//! The wire is AWS's binary event-stream framing (not SSE), which a client
//! decodes into these events, so there are no wire-byte forms here.

use std::collections::BTreeMap;

use futures::{stream, Stream};
use llm_trace::llm_call;
use llm_trace::provider::bedrock::ConverseStreamEvent;
use llm_trace_testkit::attrs;
use opentelemetry::trace::Status;
use opentelemetry::Value as Attr;
use serde_json::{json, Map, Value};

use crate::{cancelled, strs, traced, ApiError, Traced};

const SPAN: &str = "chat anthropic.claude-sonnet-4-5";
const ROUTED: &str =
    "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5-haiku-20241022-v1:0";

/// How an event reaches the instrumented function.
#[derive(Debug, Clone, Copy)]
enum Shape {
    /// `{"<eventType>": payload}`, as `serde_json::Value`.
    Wrapped,
    /// The payload alone, as `serde_json::Value`.
    Bare,
    /// `ConverseStreamEvent`, deserialized from the wrapped form.
    Typed,
}

const SHAPES: [Shape; 3] = [Shape::Wrapped, Shape::Bare, Shape::Typed];

fn event(kind: &str, payload: Value) -> Value {
    let mut wrapped = Map::new();
    wrapped.insert(kind.to_owned(), payload);
    Value::Object(wrapped)
}

fn message_start() -> Value {
    event("messageStart", json!({"role": "assistant"}))
}

fn text(index: u32, text: &str) -> Value {
    event(
        "contentBlockDelta",
        json!({"delta": {"text": text}, "contentBlockIndex": index}),
    )
}

fn block_stop(index: u32) -> Value {
    event("contentBlockStop", json!({"contentBlockIndex": index}))
}

fn tool_start(index: u32, id: &str, name: &str) -> Value {
    event(
        "contentBlockStart",
        json!({"start": {"toolUse": {"toolUseId": id, "name": name}}, "contentBlockIndex": index}),
    )
}

fn tool_input(index: u32, input: &str) -> Value {
    event(
        "contentBlockDelta",
        json!({"delta": {"toolUse": {"input": input}}, "contentBlockIndex": index}),
    )
}

fn message_stop(reason: &str) -> Value {
    event("messageStop", json!({"stopReason": reason}))
}

fn metadata(usage: Value) -> Value {
    event(
        "metadata",
        json!({"usage": usage, "metrics": {"latencyMs": 1520}}),
    )
}

/// "Conversation streaming example": text, then the stop and the usage.
fn plain() -> Vec<Value> {
    vec![
        message_start(),
        text(0, "Hello! How can I"),
        text(0, " help you today?"),
        block_stop(0),
        message_stop("end_turn"),
        metadata(json!({"inputTokens": 12, "outputTokens": 10, "totalTokens": 22})),
    ]
}

/// A tool call whose input streams in pieces, on a cached prompt: Converse's
/// `inputTokens` leaves out the cache reads and writes.
fn tool_use() -> Vec<Value> {
    vec![
        message_start(),
        text(0, "Let me look up the most popular song."),
        block_stop(0),
        tool_start(1, "tooluse_kZJMlvQmRJ6eAyJE5GIl7Q", "top_song"),
        tool_input(1, "{\"sign\": \"WZ"),
        tool_input(1, "PZ\"}"),
        block_stop(1),
        message_stop("tool_use"),
        metadata(
            json!({"inputTokens": 120, "outputTokens": 58, "totalTokens": 3678,
                        "cacheReadInputTokens": 3000, "cacheWriteInputTokens": 500}),
        ),
    ]
}

/// A prompt router chose the model, and it reasoned first (reasoning has no
/// count of its own on Bedrock).
fn routed() -> Vec<Value> {
    let mut last = metadata(json!({"inputTokens": 40, "outputTokens": 210, "totalTokens": 250}));
    last["metadata"]["trace"] = json!({"promptRouter": {"invokedModelId": ROUTED}});
    vec![
        message_start(),
        event(
            "contentBlockDelta",
            json!({"delta": {"reasoningContent": {"text": "The user asks for a haiku."}},
                   "contentBlockIndex": 0}),
        ),
        event(
            "contentBlockDelta",
            json!({"delta": {"reasoningContent": {"signature": "ErcBCkgIAxABGAIiQ"}},
                   "contentBlockIndex": 0}),
        ),
        block_stop(0),
        text(1, "Autumn moonlight—"),
        block_stop(1),
        message_stop("max_tokens"),
        last,
    ]
}

/// The payload of a wrapped event.
fn bare(event: Value) -> Value {
    match event {
        Value::Object(wrapped) => wrapped
            .into_iter()
            .next()
            .map(|(_, payload)| payload)
            .expect("one event"),
        other => other,
    }
}

#[llm_call(
    provider = "aws.bedrock",
    model = "anthropic.claude-sonnet-4-5",
    server = "bedrock-runtime.us-east-1.amazonaws.com"
)]
async fn json_stream(
    items: Vec<Value>,
) -> Result<impl Stream<Item = Result<Value, ApiError>>, ApiError> {
    Ok(stream::iter(items.into_iter().map(Ok)))
}

#[llm_call(
    provider = "aws.bedrock",
    model = "anthropic.claude-sonnet-4-5",
    server = "bedrock-runtime.us-east-1.amazonaws.com"
)]
async fn bare_stream(
    items: Vec<Value>,
) -> Result<impl Stream<Item = Result<Value, ApiError>>, ApiError> {
    Ok(stream::iter(items.into_iter().map(Ok)))
}

#[llm_call(
    provider = "aws.bedrock",
    model = "anthropic.claude-sonnet-4-5",
    server = "bedrock-runtime.us-east-1.amazonaws.com"
)]
async fn typed_stream(
    items: Vec<ConverseStreamEvent>,
) -> Result<impl Stream<Item = Result<ConverseStreamEvent, ApiError>>, ApiError> {
    Ok(stream::iter(items.into_iter().map(Ok)))
}

/// Streams `events` in `shape`, read to the end or (`read`) only the first
/// events, then dropped.
async fn run(shape: Shape, events: Vec<Value>, read: Option<usize>) -> Traced {
    let count = events.len();
    let traced = match shape {
        Shape::Wrapped => traced(SPAN, read, || json_stream(events)).await,
        Shape::Bare => {
            traced(SPAN, read, || {
                bare_stream(events.into_iter().map(bare).collect())
            })
            .await
        }
        Shape::Typed => {
            let typed = events
                .into_iter()
                .map(|e| serde_json::from_value(e).expect("a ConverseStreamEvent"))
                .collect();
            traced(SPAN, read, || typed_stream(typed)).await
        }
    };
    assert_eq!(traced.items, read.unwrap_or(count), "{shape:?}");
    traced
}

/// The span's attributes: the call's own, then `facts`.
fn expected(shape: Shape, facts: BTreeMap<String, Attr>) -> BTreeMap<String, Attr> {
    let function = match shape {
        Shape::Wrapped => "json_stream",
        Shape::Bare => "bare_stream",
        Shape::Typed => "typed_stream",
    };
    let mut all = attrs! {
        "gen_ai.operation.name" => "chat",
        "gen_ai.provider.name" => "aws.bedrock",
        "gen_ai.request.model" => "anthropic.claude-sonnet-4-5",
        "gen_ai.request.stream" => true,
        "server.address" => "bedrock-runtime.us-east-1.amazonaws.com",
        "code.function.name" => format!("streams::bedrock::{function}"),
    };
    all.extend(facts);
    all
}

#[tokio::test]
async fn a_plain_stream_takes_its_stop_reason_and_the_metadata_usage() {
    for shape in SHAPES {
        let traced = run(shape, plain(), None).await;
        assert_eq!(traced.status, Status::Unset, "{shape:?}");
        assert_eq!(
            traced.attributes,
            expected(
                shape,
                attrs! {
                    "gen_ai.response.finish_reasons" => strs(&["end_turn"]),
                    "gen_ai.usage.input_tokens" => 12,
                    "gen_ai.usage.output_tokens" => 10,
                }
            ),
            "{shape:?}"
        );
    }
}

#[tokio::test]
async fn a_tool_use_block_is_a_tool_call_and_cache_buckets_add_to_the_input() {
    for shape in SHAPES {
        let traced = run(shape, tool_use(), None).await;
        assert_eq!(traced.status, Status::Unset, "{shape:?}");
        assert_eq!(
            traced.attributes,
            expected(
                shape,
                attrs! {
                    "gen_ai.response.finish_reasons" => strs(&["tool_use"]),
                    // 120 uncached + 3000 read + 500 written.
                    "gen_ai.usage.input_tokens" => 3620,
                    "gen_ai.usage.output_tokens" => 58,
                    "gen_ai.usage.cache_read.input_tokens" => 3000,
                    "gen_ai.usage.cache_write.input_tokens" => 500,
                    "llm_trace.response.tool_calls" => strs(&["top_song"]),
                }
            ),
            "{shape:?}"
        );
    }
}

#[tokio::test]
async fn a_prompt_routers_choice_is_the_response_model() {
    for shape in SHAPES {
        let traced = run(shape, routed(), None).await;
        assert_eq!(traced.status, Status::Unset, "{shape:?}");
        assert_eq!(
            traced.attributes,
            expected(
                shape,
                attrs! {
                    "gen_ai.response.model" => ROUTED,
                    "gen_ai.response.finish_reasons" => strs(&["max_tokens"]),
                    "gen_ai.usage.input_tokens" => 40,
                    "gen_ai.usage.output_tokens" => 210,
                }
            ),
            "{shape:?}"
        );
    }
}

#[tokio::test]
async fn dropped_inside_the_tool_input_the_call_is_cancelled_with_its_tool_call() {
    for shape in SHAPES {
        let traced = run(shape, tool_use(), Some(5)).await;
        assert_eq!(traced.status, cancelled(), "{shape:?}");
        assert_eq!(
            traced.attributes,
            expected(
                shape,
                attrs! {
                    "gen_ai.response.finish_reasons" => strs(&["error"]),
                    "llm_trace.response.tool_calls" => strs(&["top_song"]),
                    "error.type" => "cancelled",
                    "llm_trace.cancelled" => true,
                }
            ),
            "{shape:?}"
        );
    }
}

#[tokio::test]
async fn a_throttling_exception_fails_the_call() {
    // A bare exception payload (`{"message": ...}`) names no exception (its
    // type is the `:exception-type` header): the wrapped and typed forms.
    for shape in [Shape::Wrapped, Shape::Typed] {
        let mut events = tool_use();
        events.truncate(2);
        events.push(event(
            "throttlingException",
            json!({"message": "Too many tokens, please wait before trying again."}),
        ));
        let traced = run(shape, events, None).await;
        assert_eq!(
            traced.status,
            Status::error("Too many tokens, please wait before trying again."),
            "{shape:?}"
        );
        assert_eq!(
            traced.attributes,
            expected(
                shape,
                attrs! {
                    "gen_ai.response.finish_reasons" => strs(&["error"]),
                    "error.type" => "throttlingException",
                }
            ),
            "{shape:?}"
        );
    }
}

#[tokio::test]
async fn a_model_stream_error_after_the_stop_keeps_the_stop_reason() {
    for shape in [Shape::Wrapped, Shape::Typed] {
        let mut events = plain();
        events.pop();
        events.push(event(
            "modelStreamErrorException",
            json!({"message": "Model stream error", "originalStatusCode": 500,
                   "originalMessage": "Internal error"}),
        ));
        let traced = run(shape, events, None).await;
        assert_eq!(
            traced.status,
            Status::error("Model stream error"),
            "{shape:?}"
        );
        assert_eq!(
            traced.attributes,
            expected(
                shape,
                attrs! {
                    "gen_ai.response.finish_reasons" => strs(&["end_turn"]),
                    "error.type" => "modelStreamErrorException",
                }
            ),
            "{shape:?}"
        );
    }
}
