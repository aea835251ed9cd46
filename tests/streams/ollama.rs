//! Ollama `POST /api/chat` streams (API reference, `docs/api.md`: "Generate
//! a chat completion", streaming and tool-calling examples; "Thinking"):
//! NDJSON lines, the last with `"done": true`, `done_reason` and the counts;
//! a stream that fails midway ends with an `{"error": ...}` line.

use std::collections::BTreeMap;

use bytes::Bytes;
use futures::{stream, Stream};
use llm_trace::llm_call;
use llm_trace::provider::ollama::ChatResponse;
use llm_trace_testkit::attrs;
use opentelemetry::trace::Status;
use opentelemetry::Value as Attr;
use serde_json::{json, Value};

use crate::{cancelled, forms, ndjson, strs, traced, wire, ApiError, Form, Traced};

const SPAN: &str = "chat llama3.2";

fn line(model: &str, at: &str, message: Value) -> Value {
    json!({"model": model, "created_at": at, "message": message, "done": false})
}

fn done(model: &str, reason: &str, prompt: u64, eval: u64) -> Value {
    json!({"model": model, "created_at": "2023-08-04T19:22:45.499127Z",
           "message": {"role": "assistant", "content": ""},
           "done": true, "done_reason": reason, "total_duration": 4883583458u64,
           "load_duration": 1334875, "prompt_eval_count": prompt,
           "prompt_eval_duration": 342546000, "eval_count": eval,
           "eval_duration": 4535599000u64})
}

/// "Chat request (Streaming)".
fn plain() -> Vec<Value> {
    let at = "2023-08-04T08:52:19.385406455-07:00";
    vec![
        line(
            "llama3.2",
            at,
            json!({"role": "assistant", "content": "The", "images": null}),
        ),
        line(
            "llama3.2",
            at,
            json!({"role": "assistant", "content": " sky is blue"}),
        ),
        done("llama3.2", "stop", 26, 282),
    ]
}

/// A thinking model that calls two tools; Ollama gives each call whole, in
/// a line of its own, and reports no reasoning count.
fn tool_calls() -> Vec<Value> {
    let at = "2025-07-07T20:22:19.184789Z";
    vec![
        line(
            "qwen3",
            at,
            json!({"role": "assistant", "content": "", "thinking": "The user wants"}),
        ),
        line(
            "qwen3",
            at,
            json!({"role": "assistant", "content": "", "thinking": " two lookups."}),
        ),
        line(
            "qwen3",
            at,
            json!({"role": "assistant", "content": "", "tool_calls": [
                {"id": "call_u7bq1a3h", "function": {"index": 0, "name": "get_temperature",
                                                     "arguments": {"city": "New York"}}}]}),
        ),
        line(
            "qwen3",
            at,
            json!({"role": "assistant", "content": "", "tool_calls": [
                {"function": {"name": "get_conditions", "arguments": {"city": "New York"}}}]}),
        ),
        done("qwen3", "stop", 217, 90),
    ]
}

/// The whole prompt was in the KV cache: Ollama leaves out a zero
/// `prompt_eval_count`; cut short by `num_predict`.
fn kv_cached() -> Vec<Value> {
    let mut last = done("llama3.2", "length", 0, 64);
    last.as_object_mut().unwrap().remove("prompt_eval_count");
    vec![
        line(
            "llama3.2",
            "2025-01-10T10:00:00Z",
            json!({"role": "assistant", "content": "Once upon a time"}),
        ),
        last,
    ]
}

#[llm_call(provider = "ollama", model = "llama3.2")]
async fn json_stream(
    items: Vec<Value>,
) -> Result<impl Stream<Item = Result<Value, ApiError>>, ApiError> {
    Ok(stream::iter(items.into_iter().map(Ok)))
}

#[llm_call(provider = "ollama", model = "llama3.2")]
async fn typed_stream(
    items: Vec<ChatResponse>,
) -> Result<impl Stream<Item = Result<ChatResponse, ApiError>>, ApiError> {
    Ok(stream::iter(items.into_iter().map(Ok)))
}

#[llm_call(provider = "ollama", model = "llama3.2")]
async fn wire_stream(
    items: Vec<Bytes>,
) -> Result<impl Stream<Item = Result<Bytes, ApiError>>, ApiError> {
    Ok(stream::iter(items.into_iter().map(Ok)))
}

/// Streams `lines` in `form`, read to the end or (`read`) only the first
/// lines, then dropped. On the wire the last line has no newline when
/// `open_end` (Ollama ends each line with one; a proxy may not).
async fn run(form: Form, lines: Vec<Value>, read: Option<usize>, open_end: bool) -> Traced {
    let count = lines.len();
    let traced = match form {
        Form::Json => traced(SPAN, read, || json_stream(lines)).await,
        Form::Typed => {
            let typed = lines
                .into_iter()
                .map(|l| serde_json::from_value(l).expect("a ChatResponse"))
                .collect();
            traced(SPAN, read, || typed_stream(typed)).await
        }
        Form::Wire(cut) => {
            let (mut items, read) = wire(&lines, ndjson, cut, read);
            if open_end {
                let last = items.pop().expect("a piece");
                if last.len() > 1 {
                    items.push(last.slice(..last.len() - 1));
                }
            }
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
        "gen_ai.provider.name" => "ollama",
        "gen_ai.request.model" => "llama3.2",
        "gen_ai.request.stream" => true,
        "server.address" => "localhost",
        "server.port" => 11434,
        "code.function.name" => form.function("ollama"),
    };
    all.extend(facts);
    all
}

#[tokio::test]
async fn the_done_line_gives_the_reason_and_the_counts() {
    for open_end in [false, true] {
        for form in forms(true) {
            let traced = run(form, plain(), None, open_end).await;
            assert_eq!(traced.status, Status::Unset, "{form:?}");
            assert_eq!(
                traced.attributes,
                expected(
                    form,
                    attrs! {
                        "gen_ai.response.model" => "llama3.2",
                        "gen_ai.response.finish_reasons" => strs(&["stop"]),
                        "gen_ai.usage.input_tokens" => 26,
                        "gen_ai.usage.output_tokens" => 282,
                    }
                ),
                "{form:?}, open end: {open_end}"
            );
        }
    }
}

#[tokio::test]
async fn tool_calls_of_every_line_are_kept() {
    for form in forms(true) {
        let traced = run(form, tool_calls(), None, false).await;
        assert_eq!(traced.status, Status::Unset, "{form:?}");
        assert_eq!(
            traced.attributes,
            expected(
                form,
                attrs! {
                    "gen_ai.response.model" => "qwen3",
                    "gen_ai.response.finish_reasons" => strs(&["stop"]),
                    "gen_ai.usage.input_tokens" => 217,
                    "gen_ai.usage.output_tokens" => 90,
                    "llm_trace.response.tool_calls" => strs(&["get_temperature", "get_conditions"]),
                }
            ),
            "{form:?}"
        );
    }
}

#[tokio::test]
async fn a_prompt_served_from_the_kv_cache_has_no_input_count() {
    for form in forms(true) {
        let traced = run(form, kv_cached(), None, true).await;
        assert_eq!(traced.status, Status::Unset, "{form:?}");
        assert_eq!(
            traced.attributes,
            expected(
                form,
                attrs! {
                    "gen_ai.response.model" => "llama3.2",
                    "gen_ai.response.finish_reasons" => strs(&["length"]),
                    "gen_ai.usage.output_tokens" => 64,
                }
            ),
            "{form:?}"
        );
    }
}

#[tokio::test]
async fn dropped_before_the_done_line_the_call_is_cancelled_without_counts() {
    for form in forms(true) {
        let traced = run(form, tool_calls(), Some(3), false).await;
        assert_eq!(traced.status, cancelled(), "{form:?}");
        assert_eq!(
            traced.attributes,
            expected(
                form,
                attrs! {
                    "gen_ai.response.model" => "qwen3",
                    "gen_ai.response.finish_reasons" => strs(&["error"]),
                    "llm_trace.response.tool_calls" => strs(&["get_temperature"]),
                    "error.type" => "cancelled",
                    "llm_trace.cancelled" => true,
                }
            ),
            "{form:?}"
        );
    }
}

#[tokio::test]
async fn an_error_line_fails_the_call() {
    // A typed `ChatResponse` has no `error`: typed clients yield the error
    // as an `Err` item instead.
    for open_end in [false, true] {
        for form in forms(false) {
            let mut lines = plain();
            lines.truncate(2);
            lines.push(json!({"error": "an error was encountered while running the model: unexpected EOF"}));
            let traced = run(form, lines, None, open_end).await;
            assert_eq!(
                traced.status,
                Status::error("an error was encountered while running the model: unexpected EOF"),
                "{form:?}"
            );
            assert_eq!(
                traced.attributes,
                expected(
                    form,
                    attrs! {
                        "gen_ai.response.model" => "llama3.2",
                        "gen_ai.response.finish_reasons" => strs(&["error"]),
                        "error.type" => "error",
                    }
                ),
                "{form:?}, open end: {open_end}"
            );
        }
    }
}
