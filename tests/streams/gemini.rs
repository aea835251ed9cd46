//! Gemini `streamGenerateContent?alt=sse` on the Gemini API and on Vertex AI
//! (API references: `models.streamGenerateContent`, `GenerateContentResponse`,
//! `UsageMetadata`; "Thinking", "Function calling", "Context caching").
//! Every chunk is a whole `GenerateContentResponse`: the usage is
//! cumulative and the last chunk has the finish reason. Vertex AI's
//! chunks carry `createTime`, and their usage before the last chunk is only
//! `{"trafficType": "ON_DEMAND"}`.

use std::collections::BTreeMap;

use bytes::Bytes;
use futures::{stream, Stream};
use llm_trace::llm_call;
use llm_trace::provider::gemini::GenerateContentResponse;
use llm_trace_testkit::attrs;
use opentelemetry::trace::Status;
use opentelemetry::Value as Attr;
use serde_json::{json, Value};

use crate::{cancelled, forms, sse, strs, traced, wire, ApiError, Form, Traced};

const SPAN: &str = "generate_content gemini-2.5-flash";

/// The two APIs that serve Gemini.
#[derive(Debug, Clone, Copy)]
enum Api {
    Gemini,
    Vertex,
}

/// A chunk of candidate 0 with `parts`, its finish reason when the last.
fn chunk(parts: Value, finish: Option<&str>, usage: Value, id: &str) -> Value {
    let mut candidate = json!({"content": {"parts": parts, "role": "model"}, "index": 0});
    if let Some(reason) = finish {
        candidate["finishReason"] = json!(reason);
    }
    json!({"candidates": [candidate], "usageMetadata": usage,
           "modelVersion": "gemini-2.5-flash", "responseId": id})
}

/// The same chunks as Vertex AI writes them.
fn on_vertex(chunks: Vec<Value>) -> Vec<Value> {
    chunks
        .into_iter()
        .map(|mut chunk| {
            if chunk.get("error").is_some() {
                return chunk;
            }
            chunk["createTime"] = json!("2025-09-03T14:54:45.066123Z");
            let last = chunk["candidates"][0].get("finishReason").is_some();
            if last {
                chunk["usageMetadata"]["trafficType"] = json!("ON_DEMAND");
            } else {
                chunk["usageMetadata"] = json!({"trafficType": "ON_DEMAND"});
            }
            chunk
        })
        .collect()
}

/// A thinking model's answer: thoughts counted from the first chunk on.
fn thinking() -> Vec<Value> {
    let id = "mAitaLmkHPPlz7IPvtfUqQ4";
    let details = json!([{"modality": "TEXT", "tokenCount": 9}]);
    vec![
        chunk(
            json!([{"text": "The capital"}]),
            None,
            json!({"promptTokenCount": 9, "totalTokenCount": 731,
                   "promptTokensDetails": details, "thoughtsTokenCount": 722}),
            id,
        ),
        chunk(
            json!([{"text": " of France"}]),
            None,
            json!({"promptTokenCount": 9, "candidatesTokenCount": 3, "totalTokenCount": 734,
                   "promptTokensDetails": details, "thoughtsTokenCount": 722}),
            id,
        ),
        chunk(
            json!([{"text": " is Paris."}]),
            Some("STOP"),
            json!({"promptTokenCount": 9, "candidatesTokenCount": 7, "totalTokenCount": 738,
                   "promptTokensDetails": details, "thoughtsTokenCount": 722}),
            id,
        ),
    ]
}

/// Two parallel function calls in one chunk, the first with its thought
/// signature; the tool results of an earlier turn counted apart
/// (`toolUsePromptTokenCount`).
fn function_calls() -> Vec<Value> {
    let id = "kT6yaPXUEYiQz7IP2Lf1mAY";
    vec![
        chunk(
            json!([{"text": "Checking both."}]),
            None,
            json!({"promptTokenCount": 118, "toolUsePromptTokenCount": 40,
                   "totalTokenCount": 262, "thoughtsTokenCount": 104}),
            id,
        ),
        chunk(
            json!([
                {"functionCall": {"name": "get_weather", "args": {"location": "Oslo"}},
                 "thoughtSignature": "CiIBVKhc7oDHdmbXmH+WDAqY5IQbfxH8Ke9AgTyIWWsgm4xJ"},
                {"functionCall": {"name": "get_time", "args": {"timezone": "Europe/Oslo"}}}
            ]),
            Some("STOP"),
            json!({"promptTokenCount": 118, "toolUsePromptTokenCount": 40,
                   "candidatesTokenCount": 38, "totalTokenCount": 300,
                   "thoughtsTokenCount": 104}),
            id,
        ),
    ]
}

/// A prompt mostly served from cached content.
fn cached() -> Vec<Value> {
    let id = "c2VhcmNoLWNhY2hlZC1jb250ZW50";
    let usage = |candidates: u64| {
        json!({"promptTokenCount": 2600, "cachedContentTokenCount": 2048,
               "candidatesTokenCount": candidates, "totalTokenCount": 2600 + candidates,
               "cacheTokensDetails": [{"modality": "TEXT", "tokenCount": 2048}]})
    };
    vec![
        chunk(json!([{"text": "The notice period"}]), None, usage(4), id),
        chunk(
            json!([{"text": " is three months."}]),
            Some("STOP"),
            usage(9),
            id,
        ),
    ]
}

/// What a stream that fails midway ends with.
fn overloaded() -> Value {
    json!({"error": {"code": 503, "message": "The model is overloaded. Please try again later.",
                     "status": "UNAVAILABLE"}})
}

#[llm_call(provider = "gcp.gemini", model = "gemini-2.5-flash")]
async fn json_stream(
    items: Vec<Value>,
) -> Result<impl Stream<Item = Result<Value, ApiError>>, ApiError> {
    Ok(stream::iter(items.into_iter().map(Ok)))
}

#[llm_call(provider = "gcp.gemini", model = "gemini-2.5-flash")]
async fn typed_stream(
    items: Vec<GenerateContentResponse>,
) -> Result<impl Stream<Item = Result<GenerateContentResponse, ApiError>>, ApiError> {
    Ok(stream::iter(items.into_iter().map(Ok)))
}

#[llm_call(provider = "gcp.gemini", model = "gemini-2.5-flash")]
async fn wire_stream(
    items: Vec<Bytes>,
) -> Result<impl Stream<Item = Result<Bytes, ApiError>>, ApiError> {
    Ok(stream::iter(items.into_iter().map(Ok)))
}

mod vertex {
    use super::*;

    #[llm_call(provider = "gcp.vertex_ai", model = "gemini-2.5-flash")]
    pub async fn json_stream(
        items: Vec<Value>,
    ) -> Result<impl Stream<Item = Result<Value, ApiError>>, ApiError> {
        Ok(stream::iter(items.into_iter().map(Ok)))
    }

    #[llm_call(provider = "gcp.vertex_ai", model = "gemini-2.5-flash")]
    pub async fn typed_stream(
        items: Vec<GenerateContentResponse>,
    ) -> Result<impl Stream<Item = Result<GenerateContentResponse, ApiError>>, ApiError> {
        Ok(stream::iter(items.into_iter().map(Ok)))
    }

    #[llm_call(provider = "gcp.vertex_ai", model = "gemini-2.5-flash")]
    pub async fn wire_stream(
        items: Vec<Bytes>,
    ) -> Result<impl Stream<Item = Result<Bytes, ApiError>>, ApiError> {
        Ok(stream::iter(items.into_iter().map(Ok)))
    }
}

/// Gemini's SSE: `data:` lines only, CRLF line ends.
fn encode(chunks: &[Value]) -> Vec<u8> {
    let events: Vec<(&str, Value)> = chunks.iter().map(|c| ("", c.clone())).collect();
    sse(&events, "\r\n")
}

/// Streams `chunks` (written for the Gemini API; rewritten for Vertex AI)
/// in `form`, read to the end or (`read`) only the first chunks, then
/// dropped.
async fn run(api: Api, form: Form, chunks: Vec<Value>, read: Option<usize>) -> Traced {
    let chunks = match api {
        Api::Gemini => chunks,
        Api::Vertex => on_vertex(chunks),
    };
    let typed = || -> Vec<GenerateContentResponse> {
        chunks
            .iter()
            .map(|c| serde_json::from_value(c.clone()).expect("a GenerateContentResponse"))
            .collect()
    };
    let traced = match (api, form) {
        (Api::Gemini, Form::Json) => traced(SPAN, read, || json_stream(chunks.clone())).await,
        (Api::Gemini, Form::Typed) => traced(SPAN, read, || typed_stream(typed())).await,
        (Api::Vertex, Form::Json) => {
            traced(SPAN, read, || vertex::json_stream(chunks.clone())).await
        }
        (Api::Vertex, Form::Typed) => traced(SPAN, read, || vertex::typed_stream(typed())).await,
        (api, Form::Wire(cut)) => {
            let (items, read) = wire(&chunks, encode, cut, read);
            return match api {
                Api::Gemini => traced(SPAN, read, || wire_stream(items)).await,
                Api::Vertex => traced(SPAN, read, || vertex::wire_stream(items)).await,
            };
        }
    };
    assert_eq!(traced.items, read.unwrap_or(chunks.len()), "{form:?}");
    traced
}

/// The span's attributes: the call's own, then `facts`.
fn expected(api: Api, form: Form, facts: BTreeMap<String, Attr>) -> BTreeMap<String, Attr> {
    let (provider, address, module) = match api {
        Api::Gemini => ("gcp.gemini", "generativelanguage.googleapis.com", "gemini"),
        Api::Vertex => (
            "gcp.vertex_ai",
            "aiplatform.googleapis.com",
            "gemini::vertex",
        ),
    };
    let mut all = attrs! {
        "gen_ai.operation.name" => "generate_content",
        "gen_ai.provider.name" => provider,
        "gen_ai.request.model" => "gemini-2.5-flash",
        "gen_ai.request.stream" => true,
        "server.address" => address,
        "server.port" => 443,
        "code.function.name" => form.function(module),
        "gen_ai.response.model" => "gemini-2.5-flash",
    };
    all.extend(facts);
    all
}

const APIS: [Api; 2] = [Api::Gemini, Api::Vertex];

#[tokio::test]
async fn thoughts_count_as_output_and_reasoning_and_the_last_chunk_finishes() {
    for api in APIS {
        for form in forms(true) {
            let traced = run(api, form, thinking(), None).await;
            assert_eq!(traced.status, Status::Unset, "{api:?} {form:?}");
            assert_eq!(
                traced.attributes,
                expected(
                    api,
                    form,
                    attrs! {
                        "gen_ai.response.id" => "mAitaLmkHPPlz7IPvtfUqQ4",
                        "gen_ai.response.finish_reasons" => strs(&["stop"]),
                        "gen_ai.usage.input_tokens" => 9,
                        // 7 candidates + 722 thoughts.
                        "gen_ai.usage.output_tokens" => 729,
                        "gen_ai.usage.reasoning.output_tokens" => 722,
                    }
                ),
                "{api:?} {form:?}"
            );
        }
    }
}

#[tokio::test]
async fn function_call_parts_are_the_tool_calls_and_tool_use_prompt_counts_as_input() {
    for api in APIS {
        for form in forms(true) {
            let traced = run(api, form, function_calls(), None).await;
            assert_eq!(traced.status, Status::Unset, "{api:?} {form:?}");
            assert_eq!(
                traced.attributes,
                expected(
                    api,
                    form,
                    attrs! {
                        "gen_ai.response.id" => "kT6yaPXUEYiQz7IP2Lf1mAY",
                        "gen_ai.response.finish_reasons" => strs(&["stop"]),
                        // 118 prompt + 40 tool results.
                        "gen_ai.usage.input_tokens" => 158,
                        "gen_ai.usage.output_tokens" => 142,
                        "gen_ai.usage.reasoning.output_tokens" => 104,
                        "llm_trace.response.tool_calls" => strs(&["get_weather", "get_time"]),
                    }
                ),
                "{api:?} {form:?}"
            );
        }
    }
}

#[tokio::test]
async fn cached_content_tokens_are_cache_reads_inside_the_prompt_count() {
    for api in APIS {
        for form in forms(true) {
            let traced = run(api, form, cached(), None).await;
            assert_eq!(traced.status, Status::Unset, "{api:?} {form:?}");
            assert_eq!(
                traced.attributes,
                expected(
                    api,
                    form,
                    attrs! {
                        "gen_ai.response.id" => "c2VhcmNoLWNhY2hlZC1jb250ZW50",
                        "gen_ai.response.finish_reasons" => strs(&["stop"]),
                        "gen_ai.usage.input_tokens" => 2600,
                        "gen_ai.usage.output_tokens" => 9,
                        "gen_ai.usage.cache_read.input_tokens" => 2048,
                    }
                ),
                "{api:?} {form:?}"
            );
        }
    }
}

#[tokio::test]
async fn dropped_after_the_first_chunk_the_call_keeps_the_usage_it_reported() {
    for form in forms(true) {
        let traced = run(Api::Gemini, form, thinking(), Some(1)).await;
        assert_eq!(traced.status, cancelled(), "{form:?}");
        assert_eq!(
            traced.attributes,
            expected(
                Api::Gemini,
                form,
                attrs! {
                    "gen_ai.response.id" => "mAitaLmkHPPlz7IPvtfUqQ4",
                    "gen_ai.response.finish_reasons" => strs(&["error"]),
                    "gen_ai.usage.input_tokens" => 9,
                    "gen_ai.usage.output_tokens" => 722,
                    "gen_ai.usage.reasoning.output_tokens" => 722,
                    "error.type" => "cancelled",
                    "llm_trace.cancelled" => true,
                }
            ),
            "{form:?}"
        );
    }
}

#[tokio::test]
async fn dropped_on_vertex_before_the_last_chunk_the_call_has_no_usage() {
    for form in forms(true) {
        let traced = run(Api::Vertex, form, thinking(), Some(2)).await;
        assert_eq!(traced.status, cancelled(), "{form:?}");
        assert_eq!(
            traced.attributes,
            expected(
                Api::Vertex,
                form,
                attrs! {
                    "gen_ai.response.id" => "mAitaLmkHPPlz7IPvtfUqQ4",
                    "gen_ai.response.finish_reasons" => strs(&["error"]),
                    "error.type" => "cancelled",
                    "llm_trace.cancelled" => true,
                }
            ),
            "{form:?}"
        );
    }
}

#[tokio::test]
async fn an_error_chunk_fails_the_call_with_its_status() {
    // A typed chunk has no `error`: typed clients yield the error as an
    // `Err` item instead (tests/streams/openai.rs).
    for api in APIS {
        for form in forms(false) {
            let mut chunks = cached();
            chunks.truncate(1);
            chunks.push(overloaded());
            let traced = run(api, form, chunks, None).await;
            assert_eq!(
                traced.status,
                Status::error("The model is overloaded. Please try again later."),
                "{api:?} {form:?}"
            );
            let mut facts = attrs! {
                "gen_ai.response.id" => "c2VhcmNoLWNhY2hlZC1jb250ZW50",
                "gen_ai.response.finish_reasons" => strs(&["error"]),
                "error.type" => "UNAVAILABLE",
            };
            if let Api::Gemini = api {
                facts.extend(attrs! {
                    "gen_ai.usage.input_tokens" => 2600,
                    "gen_ai.usage.output_tokens" => 4,
                    "gen_ai.usage.cache_read.input_tokens" => 2048,
                });
            }
            assert_eq!(
                traced.attributes,
                expected(api, form, facts),
                "{api:?} {form:?}"
            );
        }
    }
}
