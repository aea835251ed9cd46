//! Parity with the official OpenTelemetry instrumentations on the same
//! requests and replies: `gen_ai.request.encoding_formats`, finish reasons
//! as the provider's official instrumentation spells them, and the
//! provider-specific attributes the conventions define (`openai.*`,
//! `aws.bedrock.*`).

use llm_trace::llm_call;
use llm_trace::provider::openai::{ChatCompletion, ChatMessage, ChatRequest, EmbeddingRequest};
use llm_trace_testkit::capture::{attributes, Capture};
use opentelemetry::{Array, StringValue, Value};
use serde_json::json;

fn strings(values: &[&'static str]) -> Value {
    Value::Array(Array::String(
        values.iter().copied().map(StringValue::from).collect(),
    ))
}

/// The one span a capture holds, by attribute.
fn only_span(cap: &Capture) -> std::collections::BTreeMap<String, Value> {
    let spans = cap.spans();
    assert_eq!(spans.len(), 1);
    attributes(&spans[0])
}

// --- gen_ai.request.encoding_formats -------------------------------------

#[llm_call(provider = "openai", operation = "embeddings", request = req)]
async fn openai_embed(req: EmbeddingRequest) -> serde_json::Value {
    let _ = req;
    json!({"object": "list", "model": "text-embedding-3-small",
           "data": [{"object": "embedding", "index": 0, "embedding": "AAAAAA=="}],
           "usage": {"prompt_tokens": 8, "total_tokens": 8}})
}

#[tokio::test]
async fn openai_embeddings_record_the_encoding_format_asked_for() {
    let cap = Capture::new();
    let req = EmbeddingRequest {
        model: "text-embedding-3-small".into(),
        input: json!("The food was delicious"),
        encoding_format: Some("base64".into()),
        ..EmbeddingRequest::default()
    };
    cap.run(openai_embed(req)).await;
    let attrs = only_span(&cap);
    assert_eq!(
        attrs["gen_ai.request.encoding_formats"],
        strings(&["base64"])
    );

    // No format asked for: no attribute.
    let cap = Capture::new();
    let req = EmbeddingRequest {
        model: "text-embedding-3-small".into(),
        input: json!("x"),
        ..EmbeddingRequest::default()
    };
    cap.run(openai_embed(req)).await;
    assert!(!only_span(&cap).contains_key("gen_ai.request.encoding_formats"));
}

#[llm_call(provider = "mistral_ai", operation = "embeddings", request = body)]
async fn raw_embed(body: serde_json::Value) -> serde_json::Value {
    let _ = body;
    json!({"object": "list", "model": "mistral-embed", "data": [],
           "usage": {"prompt_tokens": 8, "total_tokens": 8}})
}

#[tokio::test]
async fn a_raw_openai_compatible_embeddings_body_records_its_encoding_format() {
    let cap = Capture::new();
    cap.run(raw_embed(json!({
        "model": "mistral-embed", "input": ["Embed this sentence."], "encoding_format": "float"
    })))
    .await;
    let attrs = only_span(&cap);
    assert_eq!(
        attrs["gen_ai.request.encoding_formats"],
        strings(&["float"])
    );
    assert_eq!(attrs["gen_ai.request.model"], Value::from("mistral-embed"));
}

#[llm_call(provider = "cohere", operation = "embeddings", request = body)]
async fn cohere_embed(body: serde_json::Value) -> serde_json::Value {
    let _ = body;
    json!({"id": "da6e531f", "embeddings": {"float": [[0.1, 0.2]], "int8": [[1, 2]]},
           "texts": ["hello"], "meta": {"billed_units": {"input_tokens": 1}}})
}

#[tokio::test]
async fn cohere_embeddings_record_their_embedding_types() {
    let cap = Capture::new();
    cap.run(cohere_embed(json!({
        "model": "embed-v4.0", "texts": ["hello"], "input_type": "classification",
        "embedding_types": ["float", "int8"]
    })))
    .await;
    assert_eq!(
        only_span(&cap)["gen_ai.request.encoding_formats"],
        strings(&["float", "int8"])
    );
}

// --- finish reasons as the official instrumentations record them ---------

#[llm_call(provider = "anthropic", model = "claude-sonnet-4-5")]
async fn anthropic_reply(stop_reason: &'static str) -> serde_json::Value {
    json!({"id": "msg_01", "type": "message", "role": "assistant",
           "model": "claude-sonnet-4-5-20250929", "content": [{"type": "text", "text": "ok"}],
           "stop_reason": stop_reason,
           "usage": {"input_tokens": 10, "output_tokens": 2}})
}

#[tokio::test]
async fn anthropic_stop_reasons_are_the_official_instrumentations_finish_reasons() {
    // opentelemetry-instrumentation-anthropic's mapping; others as sent.
    for (stop_reason, recorded) in [
        ("end_turn", "stop"),
        ("stop_sequence", "stop"),
        ("max_tokens", "length"),
        ("tool_use", "tool_calls"),
        ("pause_turn", "pause_turn"),
        ("refusal", "refusal"),
    ] {
        let cap = Capture::new();
        cap.run(anthropic_reply(stop_reason)).await;
        assert_eq!(
            only_span(&cap)["gen_ai.response.finish_reasons"],
            strings(&[recorded]),
            "{stop_reason}"
        );
    }
}

#[llm_call(provider = "anthropic", model = "claude-haiku-4-5")]
async fn anthropic_stream(
) -> Result<impl futures::Stream<Item = Result<serde_json::Value, std::io::Error>>, std::io::Error>
{
    Ok(futures::stream::iter(
        vec![
            json!({"type": "message_start", "message": {"id": "msg_02", "model": "claude-haiku-4-5",
                   "usage": {"input_tokens": 5, "output_tokens": 1}}}),
            json!({"type": "message_delta", "delta": {"stop_reason": "tool_use"},
                   "usage": {"output_tokens": 7}}),
            json!({"type": "message_stop"}),
        ]
        .into_iter()
        .map(Ok),
    ))
}

#[tokio::test]
async fn an_anthropic_streams_stop_reason_is_mapped_too() {
    use futures::StreamExt as _;
    let cap = Capture::new();
    cap.run(async {
        let stream = anthropic_stream().await.unwrap();
        stream.collect::<Vec<_>>().await
    })
    .await;
    assert_eq!(
        only_span(&cap)["gen_ai.response.finish_reasons"],
        strings(&["tool_calls"])
    );
}

#[llm_call(provider = "gcp.gemini", model = "gemini-2.5-flash")]
async fn gemini_reply(reason: &'static str) -> serde_json::Value {
    json!({"candidates": [{"content": {"role": "model", "parts": [{"text": "ok"}]},
                           "finishReason": reason, "index": 0}],
           "usageMetadata": {"promptTokenCount": 4, "candidatesTokenCount": 1, "totalTokenCount": 5},
           "modelVersion": "gemini-2.5-flash", "responseId": "r1"})
}

#[tokio::test]
async fn gemini_finish_reasons_are_lowercased_as_the_google_genai_instrumentation_does() {
    for (reason, recorded) in [
        ("STOP", "stop"),
        ("MAX_TOKENS", "max_tokens"),
        ("SAFETY", "safety"),
        ("MALFORMED_FUNCTION_CALL", "malformed_function_call"),
    ] {
        let cap = Capture::new();
        cap.run(gemini_reply(reason)).await;
        assert_eq!(
            only_span(&cap)["gen_ai.response.finish_reasons"],
            strings(&[recorded]),
            "{reason}"
        );
    }
}

#[llm_call(
    provider = "aws.bedrock",
    model = "anthropic.claude-3-haiku-20240307-v1:0"
)]
async fn bedrock_reply() -> serde_json::Value {
    json!({"output": {"message": {"role": "assistant", "content": [{"text": "ok"}]}},
           "stopReason": "end_turn",
           "usage": {"inputTokens": 12, "outputTokens": 10, "totalTokens": 22}})
}

#[tokio::test]
async fn bedrock_stop_reasons_stay_as_sent_as_the_botocore_instrumentation_records_them() {
    let cap = Capture::new();
    cap.run(bedrock_reply()).await;
    assert_eq!(
        only_span(&cap)["gen_ai.response.finish_reasons"],
        strings(&["end_turn"])
    );
}

// --- openai.* ------------------------------------------------------------

fn completion_body() -> serde_json::Value {
    json!({
        "id": "chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG", "object": "chat.completion",
        "created": 1741570283, "model": "gpt-4o-2024-08-06",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hi"},
                     "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 1117, "completion_tokens": 46, "total_tokens": 1163},
        "service_tier": "default", "system_fingerprint": "fp_fc9f1d7035"
    })
}

#[llm_call(provider = "openai", request = req)]
async fn openai_chat(req: ChatRequest) -> Result<ChatCompletion, std::io::Error> {
    let _ = req;
    Ok(serde_json::from_value(completion_body()).unwrap())
}

#[llm_call(provider = "deepseek", request = req)]
async fn deepseek_chat(req: ChatRequest) -> Result<ChatCompletion, std::io::Error> {
    let _ = req;
    Ok(serde_json::from_value(completion_body()).unwrap())
}

fn flex_request() -> ChatRequest {
    let mut req = ChatRequest::new("gpt-4o", vec![ChatMessage::user("hi")]);
    req.extra.insert("service_tier".into(), json!("flex"));
    req
}

#[tokio::test]
async fn openai_calls_record_the_service_tiers_fingerprint_and_api_type() {
    let cap = Capture::new();
    cap.run(openai_chat(flex_request())).await.unwrap();
    let attrs = only_span(&cap);
    assert_eq!(attrs["openai.request.service_tier"], Value::from("flex"));
    assert_eq!(
        attrs["openai.response.service_tier"],
        Value::from("default")
    );
    assert_eq!(
        attrs["openai.response.system_fingerprint"],
        Value::from("fp_fc9f1d7035")
    );
    assert_eq!(attrs["openai.api.type"], Value::from("chat_completions"));
}

#[tokio::test]
async fn openai_attributes_stay_off_other_providers_spans() {
    // The conventions tie `openai.*` to `gen_ai.provider.name = "openai"`.
    let cap = Capture::new();
    cap.run(deepseek_chat(flex_request())).await.unwrap();
    let attrs = only_span(&cap);
    assert!(attrs.keys().all(|k| !k.starts_with("openai.")), "{attrs:?}");
}

#[llm_call(provider = "openai", request = body)]
async fn openai_raw(body: serde_json::Value) -> serde_json::Value {
    let _ = body;
    json!({"id": "resp_67ccd2bed1ec8190b14f964abc054267", "object": "response",
           "status": "completed", "model": "gpt-4.1-2025-04-14", "service_tier": "priority",
           "output": [{"type": "message", "role": "assistant",
                       "content": [{"type": "output_text", "text": "hi"}]}],
           "usage": {"input_tokens": 36, "output_tokens": 87, "total_tokens": 123}})
}

#[tokio::test]
async fn a_raw_responses_api_call_records_its_api_type_and_tiers() {
    let cap = Capture::new();
    cap.run(openai_raw(json!({
        "model": "gpt-4.1", "input": "Tell me a story", "service_tier": "priority"
    })))
    .await;
    let attrs = only_span(&cap);
    assert_eq!(attrs["openai.api.type"], Value::from("responses"));
    assert_eq!(
        attrs["openai.request.service_tier"],
        Value::from("priority")
    );
    assert_eq!(
        attrs["openai.response.service_tier"],
        Value::from("priority")
    );
    assert!(!attrs.contains_key("openai.response.system_fingerprint"));
}

// --- aws.bedrock.* -------------------------------------------------------

#[llm_call(provider = "aws.bedrock", request = body)]
async fn bedrock_guarded(body: serde_json::Value) -> serde_json::Value {
    let _ = body;
    bedrock_reply_body()
}

fn bedrock_reply_body() -> serde_json::Value {
    json!({"output": {"message": {"role": "assistant", "content": [{"text": "ok"}]}},
           "stopReason": "guardrail_intervened",
           "usage": {"inputTokens": 12, "outputTokens": 10, "totalTokens": 22}})
}

#[tokio::test]
async fn a_bedrock_converse_request_with_a_guardrail_records_its_id() {
    let cap = Capture::new();
    cap.run(bedrock_guarded(json!({
        "modelId": "anthropic.claude-3-haiku-20240307-v1:0",
        "messages": [{"role": "user", "content": [{"text": "hi"}]}],
        "guardrailConfig": {"guardrailIdentifier": "sgi5gkybzqak", "guardrailVersion": "1",
                            "trace": "enabled"}
    })))
    .await;
    let attrs = only_span(&cap);
    assert_eq!(
        attrs["aws.bedrock.guardrail.id"],
        Value::from("sgi5gkybzqak")
    );
}
