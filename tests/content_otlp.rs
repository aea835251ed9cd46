//! Content capture over OTLP (gRPC and HTTP/protobuf) into the local
//! receiver: the details event arrives as a log record with structured
//! content, the span carries the JSON attributes; with capture off no
//! received byte holds the prompt or the completion.

use std::time::Duration;

use llm_trace::content::{self, CaptureMode};
use llm_trace::llm_call;
use llm_trace::provider::openai::{ChatCompletion, ChatMessage, ChatRequest};
use llm_trace_testkit::receiver::{hex_id, AttrValue, Receiver};
use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue};
use prost::Message;
use serde_json::{json, Value};

const PROMPT: &str = "prompt-a41d: summarize my medical file";
const COMPLETION: &str = "completion-c9e0: all clear";
const WAIT: Duration = Duration::from_secs(10);

#[llm_call(provider = "openai", request = req)]
async fn chat(req: ChatRequest) -> Result<ChatCompletion, std::io::Error> {
    let _ = &req;
    Ok(serde_json::from_value(json!({
        "id": "chatcmpl-otlp", "model": "gpt-4o-mini",
        "choices": [{"index": 0, "finish_reason": "stop",
                     "message": {"role": "assistant", "content": COMPLETION}}],
        "usage": {"prompt_tokens": 9, "completion_tokens": 4, "total_tokens": 13}
    }))
    .unwrap())
}

/// OTLP `AnyValue` as plain JSON.
fn plain(value: &AnyValue) -> Value {
    match value.value.as_ref() {
        Some(any_value::Value::StringValue(s)) => json!(s),
        Some(any_value::Value::IntValue(i)) => json!(i),
        Some(any_value::Value::DoubleValue(d)) => json!(d),
        Some(any_value::Value::BoolValue(b)) => json!(b),
        Some(any_value::Value::ArrayValue(list)) => {
            Value::Array(list.values.iter().map(plain).collect())
        }
        Some(any_value::Value::KvlistValue(map)) => Value::Object(
            map.values
                .iter()
                .map(|kv| (kv.key.clone(), kv.value.as_ref().map_or(Value::Null, plain)))
                .collect(),
        ),
        other => panic!("unexpected {other:?}"),
    }
}

/// Runs one call exporting to `receiver` over `protocol` with `mode`, through
/// the variables only.
async fn export_one_call(receiver: &Receiver, protocol: &str, mode: &str) {
    let endpoint = match protocol {
        "grpc" => receiver.grpc_endpoint(),
        _ => receiver.http_endpoint(),
    };
    let telemetry = llm_trace::builder()
        .env_vars([
            ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint.as_str()),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", protocol),
            ("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", mode),
        ])
        .init()
        .expect("init");
    let request = ChatRequest::new("gpt-4o-mini", vec![ChatMessage::user(PROMPT)]);
    chat(request).await.unwrap();
    tokio::task::spawn_blocking(move || telemetry.shutdown())
        .await
        .unwrap()
        .expect("shutdown reports no error");
}

/// Every byte the receiver accepted, re-encoded as on the wire.
fn received_bytes(receiver: &Receiver) -> Vec<u8> {
    let mut bytes = Vec::new();
    for (_, request) in receiver.trace_requests() {
        bytes.extend(request.encode_to_vec());
    }
    for (_, request) in receiver.metrics_requests() {
        bytes.extend(request.encode_to_vec());
    }
    for (_, request) in receiver.logs_requests() {
        bytes.extend(request.encode_to_vec());
    }
    bytes
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle.as_bytes())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_grpc_and_http_content_arrives_only_when_captured() {
    for protocol in ["grpc", "http/protobuf"] {
        // Off.
        let receiver = Receiver::start().await.expect("receiver starts");
        export_one_call(&receiver, protocol, "NO_CONTENT").await;
        let spans = receiver.wait_for_spans(1, WAIT).await;
        assert_eq!(spans.len(), 1, "{protocol}");
        let bytes = received_bytes(&receiver);
        assert!(
            contains(&bytes, "chatcmpl-otlp"),
            "{protocol}: the call arrived"
        );
        assert!(!contains(&bytes, PROMPT), "{protocol}: prompt exported");
        assert!(
            !contains(&bytes, COMPLETION),
            "{protocol}: completion exported"
        );
        assert!(
            receiver.logs_requests().is_empty(),
            "{protocol}: logs exported"
        );

        // On.
        let receiver = Receiver::start().await.expect("receiver starts");
        export_one_call(&receiver, protocol, "span_and_event").await;
        let span = receiver.wait_for_spans(1, WAIT).await.remove(0);
        assert_eq!(
            span.attr("gen_ai.input.messages"),
            Some(AttrValue::from(format!(
                r#"[{{"role":"user","parts":[{{"type":"text","content":"{PROMPT}"}}]}}]"#
            ))),
            "{protocol}"
        );
        let logs = receiver.logs_requests();
        let records: Vec<_> = logs
            .iter()
            .flat_map(|(_, r)| &r.resource_logs)
            .flat_map(|r| &r.scope_logs)
            .flat_map(|s| &s.log_records)
            .collect();
        assert_eq!(records.len(), 1, "{protocol}");
        let record = records[0];
        assert_eq!(
            record.event_name,
            "gen_ai.client.inference.operation.details"
        );
        assert_eq!(hex_id(&record.trace_id), span.trace_id());
        assert_eq!(hex_id(&record.span_id), span.span_id());
        let attribute = |key: &str| {
            record
                .attributes
                .iter()
                .find(|kv| kv.key == key)
                .and_then(|kv| kv.value.as_ref())
                .map(plain)
        };
        assert_eq!(
            attribute("gen_ai.input.messages"),
            Some(json!([{"role": "user", "parts": [{"type": "text", "content": PROMPT}]}]))
        );
        assert_eq!(
            attribute("gen_ai.output.messages"),
            Some(
                json!([{"role": "assistant", "parts": [{"type": "text", "content": COMPLETION}],
                         "finish_reason": "stop"}])
            )
        );
        assert_eq!(
            attribute("gen_ai.response.id"),
            Some(json!("chatcmpl-otlp"))
        );
        content::set_capture_mode(CaptureMode::NoContent);
    }
}
