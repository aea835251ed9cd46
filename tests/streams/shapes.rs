//! The function shapes that return streams, and what happens around them:
//! plain and `Result` returns, boxed streams, the `stream` flag, functions
//! that are not `async`, panics, sampling, nesting, raw SSE bytes.

use std::pin::Pin;

use bytes::Bytes;
use futures::stream::{self, BoxStream};
use futures::{Stream, StreamExt};
use llm_trace::llm_call;
use llm_trace::provider::anthropic::MessagesRequest;
use llm_trace::provider::openai::{ChatMessage, ChatRequest};
use llm_trace_testkit::attrs;
use llm_trace_testkit::capture::{attributes, Capture};
use llm_trace_testkit::mock::MockServer;
use opentelemetry::trace::{Status, TraceContextExt};
use serde_json::{json, Value};

use crate::openai::plain_chunks;
use crate::{strs, ttfc, ApiError};

/// Not `async`: the span starts at the call, the stream is built inside it.
#[llm_call(provider = "openai", model = "gpt-4o-mini")]
fn sync_stream(chunks: Vec<Value>) -> impl Stream<Item = Value> {
    stream::iter(chunks)
}

#[llm_call(provider = "openai", model = "gpt-4o-mini")]
async fn boxed(chunks: Vec<Value>) -> BoxStream<'static, Value> {
    stream::iter(chunks).boxed()
}

type ChunkStream = Pin<Box<dyn Stream<Item = Result<Value, ApiError>> + Send>>;

/// The return type is an alias: `stream` says it is a stream.
#[llm_call(provider = "openai", model = "gpt-4o-mini", stream)]
async fn aliased(chunks: Vec<Value>) -> Result<ChunkStream, ApiError> {
    Ok(Box::pin(stream::iter(chunks.into_iter().map(Ok))))
}

/// The same alias without the flag: the type says it is a stream.
#[llm_call(provider = "openai", model = "gpt-4o-mini")]
async fn aliased_unflagged(chunks: Vec<Value>) -> Result<ChunkStream, ApiError> {
    Ok(Box::pin(stream::iter(chunks.into_iter().map(Ok))))
}

/// An alias of `BoxStream`, without the flag.
type ValueStream = BoxStream<'static, Value>;

#[llm_call(provider = "openai", model = "gpt-4o-mini")]
async fn box_stream_alias(chunks: Vec<Value>) -> ValueStream {
    stream::iter(chunks).boxed()
}

/// A stream that may not be there, without the flag.
#[llm_call(provider = "openai", model = "gpt-4o-mini")]
async fn optional_stream(chunks: Vec<Value>) -> Option<ChunkStream> {
    Some(Box::pin(stream::iter(chunks.into_iter().map(Ok))))
}

/// Not `async`, returning an alias: `stream` says it is a stream.
#[llm_call(provider = "openai", model = "gpt-4o-mini", stream)]
fn sync_aliased(chunks: Vec<Value>) -> ValueStream {
    stream::iter(chunks).boxed()
}

#[tokio::test]
async fn every_shape_gives_the_same_span() {
    for shape in [
        "sync",
        "boxed",
        "aliased",
        "aliased_unflagged",
        "box_stream_alias",
        "optional_stream",
        "sync_aliased",
    ] {
        let capture = Capture::new();
        let count = capture
            .run(async {
                match shape {
                    "sync" => sync_stream(plain_chunks()).count().await,
                    "boxed" => boxed(plain_chunks()).await.count().await,
                    "aliased" => aliased(plain_chunks()).await.unwrap().count().await,
                    "aliased_unflagged" => {
                        aliased_unflagged(plain_chunks())
                            .await
                            .unwrap()
                            .count()
                            .await
                    }
                    "box_stream_alias" => box_stream_alias(plain_chunks()).await.count().await,
                    "optional_stream" => {
                        optional_stream(plain_chunks()).await.unwrap().count().await
                    }
                    _ => sync_aliased(plain_chunks()).count().await,
                }
            })
            .await;
        assert_eq!(count, 5);
        let mut attributes = attributes(&capture.span("chat gpt-4o-mini"));
        ttfc(&mut attributes);
        let function = attributes.remove("code.function.name").unwrap();
        assert!(function.as_str().ends_with(match shape {
            "sync" => "sync_stream",
            other => other,
        }));
        assert_eq!(
            attributes,
            attrs! {
                "gen_ai.operation.name" => "chat",
                "gen_ai.provider.name" => "openai",
                "gen_ai.request.model" => "gpt-4o-mini",
                "gen_ai.request.stream" => true,
                "server.address" => "api.openai.com",
                "server.port" => 443,
                "gen_ai.response.id" => "chatcmpl-1",
                "gen_ai.response.model" => "gpt-4o-mini-2024-07-18",
                "gen_ai.response.finish_reasons" => strs(&["stop"]),
                "gen_ai.usage.input_tokens" => 19,
                "gen_ai.usage.output_tokens" => 10,
                "gen_ai.usage.cache_read.input_tokens" => 0,
                "gen_ai.usage.reasoning.output_tokens" => 0,
            },
            "{shape}"
        );
    }
}

#[tokio::test]
async fn a_stream_never_polled_is_cancelled_without_a_first_chunk() {
    let capture = Capture::new();
    capture
        .run(async { drop(boxed(plain_chunks()).await) })
        .await;
    let span = capture.span("chat gpt-4o-mini");
    let attributes = attributes(&span);
    assert_eq!(attributes["error.type"], "cancelled".into());
    assert_eq!(
        attributes["gen_ai.response.finish_reasons"],
        strs(&["error"])
    );
    assert!(!attributes.contains_key("gen_ai.response.time_to_first_chunk"));
    assert!(!attributes.contains_key("gen_ai.response.id"));
}

#[tokio::test]
async fn a_stream_dropped_after_each_chunk_ends_its_span_exactly_once() {
    let chunks = plain_chunks();
    for taken in 0..=chunks.len() + 1 {
        let capture = Capture::new();
        capture
            .run(async {
                let mut s = boxed(chunks.clone()).await;
                for _ in 0..taken {
                    s.next().await;
                }
            })
            .await;
        let spans = capture.spans();
        assert_eq!(spans.len(), 1, "after {taken} chunks");
        let attributes = attributes(&spans[0]);
        let cancelled = taken <= chunks.len();
        assert_eq!(
            attributes.get("error.type"),
            cancelled.then(|| "cancelled".into()).as_ref(),
            "after {taken} chunks"
        );
        // The usage arrives with the last chunk.
        assert_eq!(
            attributes.contains_key("gen_ai.usage.input_tokens"),
            taken >= chunks.len(),
            "after {taken} chunks"
        );
        assert_eq!(
            attributes["gen_ai.response.finish_reasons"],
            if taken >= 4 {
                strs(&["stop"])
            } else {
                strs(&["error"])
            },
            "after {taken} chunks"
        );
        assert!(
            !opentelemetry::Context::current()
                .span()
                .span_context()
                .is_valid(),
            "the context is restored"
        );
    }
}

#[llm_call(provider = "openai", model = "gpt-4o-mini")]
fn panicking() -> impl Stream<Item = Value> {
    stream::iter(plain_chunks()).map(|c| {
        if c["choices"][0]["delta"]["content"] == "Hello" {
            panic!("chunk handler failed");
        }
        c
    })
}

#[tokio::test]
async fn a_panic_while_polling_ends_the_span_and_propagates_unchanged() {
    let capture = Capture::new();
    let outcome = capture
        .run(async {
            let mut s = Box::pin(panicking());
            s.next().await;
            std::panic::AssertUnwindSafe(s.next())
                .catch_unwind_next()
                .await
        })
        .await;
    let payload = outcome.expect_err("the panic reaches the caller");
    assert_eq!(
        payload.downcast_ref::<&str>(),
        Some(&"chunk handler failed")
    );
    let span = capture.span("chat gpt-4o-mini");
    assert_eq!(attributes(&span)["error.type"], "panic".into());
    assert_eq!(span.status, Status::error("panicked: chunk handler failed"));
}

/// `catch_unwind` for the one future these tests poll.
trait CatchUnwindNext: std::future::Future + Sized {
    fn catch_unwind_next(self) -> futures::future::CatchUnwind<Self>
    where
        Self: std::panic::UnwindSafe,
    {
        futures::FutureExt::catch_unwind(self)
    }
}

impl<F: std::future::Future> CatchUnwindNext for F {}

#[tokio::test]
async fn sampled_out_streams_pass_their_items_through_and_export_nothing() {
    let capture = Capture::sampled_out();
    let items: Vec<Value> = capture.run(boxed(plain_chunks())).await.collect().await;
    assert_eq!(items, plain_chunks());
    assert!(capture.spans().is_empty());
}

#[llm_call(operation = "execute_tool", tool = "lookup")]
async fn lookup() -> u32 {
    7
}

/// An agent's stream runs work between its items: its span is current
/// around every poll.
#[llm_call(operation = "invoke_agent", agent = "researcher")]
fn agent_with_tool_calls() -> impl Stream<Item = u32> {
    stream::iter(0..2).then(|_| lookup())
}

/// A model call's stream is its response: it runs a tool before its first
/// item (as a stream that sends its request when first polled) and one
/// after, which a response stream does not do.
#[llm_call(provider = "openai", model = "gpt-4o-mini")]
fn chat_with_tool_calls() -> impl Stream<Item = u32> {
    stream::iter(0..2).then(|_| lookup())
}

/// The same, kept current around every poll by the body.
#[llm_call(provider = "openai", model = "gpt-4o-mini")]
fn chat_with_context() -> impl Stream<Item = u32> {
    use opentelemetry::context::FutureExt;
    stream::iter(0..2)
        .then(|_| lookup())
        .with_context(opentelemetry::Context::current())
}

/// The parents of the tool spans a stream started, in order, named by the
/// span they point to.
async fn tool_parents<S: Stream<Item = u32>>(stream: fn() -> S) -> Vec<String> {
    let capture = Capture::new();
    let total: u32 = capture
        .run(async { stream().collect::<Vec<_>>().await })
        .await
        .iter()
        .sum();
    assert_eq!(total, 14);
    let spans = capture.spans();
    let root = capture.context().span().span_context().span_id();
    let name_of = |id| match spans.iter().find(|s| s.span_context.span_id() == id) {
        Some(span) => span.name.to_string(),
        None if id == root => "test root".to_owned(),
        None => format!("unknown span {id}"),
    };
    let mut tools: Vec<_> = spans
        .iter()
        .filter(|s| s.name == "execute_tool lookup")
        .collect();
    tools.sort_by_key(|s| s.start_time);
    tools.iter().map(|s| name_of(s.parent_span_id)).collect()
}

#[tokio::test]
async fn spans_started_while_an_agent_stream_is_polled_are_its_children() {
    let parents = tool_parents(agent_with_tool_calls).await;
    assert_eq!(parents, ["invoke_agent researcher"; 2]);
}

#[tokio::test]
async fn a_model_call_stream_is_current_until_its_first_item() {
    let parents = tool_parents(chat_with_tool_calls).await;
    assert_eq!(parents, ["chat gpt-4o-mini", "test root"]);
    let parents = tool_parents(chat_with_context).await;
    assert_eq!(parents, ["chat gpt-4o-mini"; 2]);
}

/// Raw SSE bytes, as `reqwest`'s `bytes_stream()` gives them.
#[llm_call(provider = "openai", request = request, server = base_url)]
async fn openai_sse(
    base_url: &str,
    request: &ChatRequest,
) -> Result<impl Stream<Item = reqwest::Result<Bytes>>, reqwest::Error> {
    let body = json!({
        "model": request.model, "messages": request.messages, "stream": true,
        "stream_options": {"include_usage": true},
    });
    let response = reqwest::Client::new()
        .post(format!("{base_url}/v1/chat/completions"))
        .json(&body)
        .send()
        .await?
        .error_for_status()?;
    Ok(response.bytes_stream())
}

#[llm_call(provider = "anthropic", request = request, server = base_url)]
async fn anthropic_sse(
    base_url: &str,
    request: &MessagesRequest,
) -> Result<impl Stream<Item = reqwest::Result<Bytes>>, reqwest::Error> {
    let response = reqwest::Client::new()
        .post(format!("{base_url}/v1/messages"))
        .json(request)
        .send()
        .await?
        .error_for_status()?;
    Ok(response.bytes_stream())
}

#[tokio::test]
async fn raw_sse_bytes_from_a_server_give_the_same_facts() {
    let server = MockServer::start().await.unwrap();
    let base_url = server.base_url();
    let port = server.addr().port();

    let capture = Capture::new();
    let request = ChatRequest::new("gpt-4o-mini", vec![ChatMessage::user("Say hello")]);
    let bytes: Vec<u8> = capture
        .run(async {
            let s = openai_sse(&base_url, &request).await.unwrap();
            s.map(|b| b.unwrap().to_vec()).concat().await
        })
        .await;
    let text = String::from_utf8(bytes).unwrap();
    assert!(text.ends_with("data: [DONE]\n\n"), "{text}");
    let mut attributes = attributes(&capture.span("chat gpt-4o-mini"));
    ttfc(&mut attributes);
    let id = attributes.remove("gen_ai.response.id").unwrap();
    assert!(id.as_str().starts_with("chatcmpl-"));
    assert_eq!(
        attributes,
        attrs! {
            "gen_ai.operation.name" => "chat",
            "gen_ai.provider.name" => "openai",
            "gen_ai.request.model" => "gpt-4o-mini",
            "gen_ai.request.stream" => true,
            "server.address" => "127.0.0.1",
            "server.port" => i64::from(port),
            "code.function.name" => "streams::shapes::openai_sse",
            "gen_ai.response.model" => "gpt-4o-mini-2024-07-18",
            "gen_ai.response.finish_reasons" => strs(&["stop"]),
            "gen_ai.usage.input_tokens" => 9,
            "gen_ai.usage.output_tokens" => 14,
            "gen_ai.usage.cache_read.input_tokens" => 0,
            "gen_ai.usage.reasoning.output_tokens" => 0,
        }
    );

    let capture = Capture::new();
    let request = MessagesRequest {
        stream: Some(true),
        ..MessagesRequest::new(
            "claude-haiku-4-5",
            200,
            vec![llm_trace::provider::anthropic::Message::user("Say hello")],
        )
    };
    capture
        .run(async {
            anthropic_sse(&base_url, &request)
                .await
                .unwrap()
                .count()
                .await
        })
        .await;
    let mut found = llm_trace_testkit::capture::attributes(&capture.span("chat claude-haiku-4-5"));
    ttfc(&mut found);
    let id = found
        .remove("gen_ai.response.id")
        .unwrap_or_else(|| panic!("{found:?}"));
    assert!(id.as_str().starts_with("msg_"));
    assert_eq!(
        found,
        attrs! {
            "gen_ai.operation.name" => "chat",
            "gen_ai.provider.name" => "anthropic",
            "gen_ai.request.model" => "claude-haiku-4-5",
            "gen_ai.request.max_tokens" => 200,
            "gen_ai.request.stream" => true,
            "server.address" => "127.0.0.1",
            "server.port" => i64::from(port),
            "code.function.name" => "streams::shapes::anthropic_sse",
            "gen_ai.response.model" => "claude-haiku-4-5-20251001",
            "gen_ai.response.finish_reasons" => strs(&["stop"]),
            "gen_ai.usage.input_tokens" => 10,
            "gen_ai.usage.output_tokens" => 15,
            "gen_ai.usage.cache_read.input_tokens" => 0,
            "gen_ai.usage.cache_write.input_tokens" => 0,
        }
    );
}
