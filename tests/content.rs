//! Opt-in content capture on exported spans and events: what is recorded
//! with each mode, nothing without an opt-in, redaction, bounds.
//!
//! The capture mode of these functions comes from their annotation; some
//! tests change process-wide settings (the redactor, the bound, the logger
//! provider), so every test takes [`SETTINGS`].

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

use llm_trace::content::{self, ContentKind, InputMessage, OutputMessage, Part, RequestContent};
use llm_trace::llm_call;
use llm_trace::provider::anthropic::{Message, MessagesRequest, MessagesResponse};
use llm_trace::provider::openai::{ChatCompletion, ChatMessage, ChatRequest};
use llm_trace::provider::{Provider, RequestFacts, RequestInfo, ResponseFacts, ResponseInfo};
use llm_trace_testkit::capture::{attributes, Capture};
use opentelemetry::logs::AnyValue;
use opentelemetry::Value as AttributeValue;
use opentelemetry_sdk::logs::{InMemoryLogExporter, SdkLoggerProvider};
use serde_json::{json, Value};

static SETTINGS: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

async fn settings() -> tokio::sync::MutexGuard<'static, ()> {
    SETTINGS.lock().await
}

const CONTENT_KEYS: [&str; 4] = [
    "gen_ai.input.messages",
    "gen_ai.output.messages",
    "gen_ai.system_instructions",
    "gen_ai.tool.definitions",
];

fn chat_request() -> ChatRequest {
    ChatRequest {
        tools: Some(vec![json!({
            "type": "function",
            "function": {
                "name": "get_weather",
                "description": "Weather of a city",
                "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}
            }
        })]),
        ..ChatRequest::new(
            "gpt-4o-mini",
            vec![
                ChatMessage::system("You answer in one word."),
                ChatMessage::user("Weather in Oslo?"),
            ],
        )
    }
}

fn chat_completion() -> ChatCompletion {
    serde_json::from_value(json!({
        "id": "chatcmpl-1",
        "model": "gpt-4o-mini-2024-07-18",
        "choices": [{"index": 0, "finish_reason": "stop",
                     "message": {"role": "assistant", "content": "Rainy."}}],
        "usage": {"prompt_tokens": 20, "completion_tokens": 2, "total_tokens": 22}
    }))
    .unwrap()
}

fn json_attribute(attributes: &BTreeMap<String, AttributeValue>, key: &str) -> Value {
    match attributes.get(key) {
        Some(AttributeValue::String(s)) => serde_json::from_str(s.as_str())
            .unwrap_or_else(|e| panic!("{key} is not JSON ({e}): {s}")),
        other => panic!("{key}: expected a JSON string, got {other:?}"),
    }
}

#[llm_call(provider = "openai", capture_content = "span_only", request = req)]
async fn chat_span_only(req: ChatRequest) -> Result<ChatCompletion, std::io::Error> {
    let _ = &req;
    Ok(chat_completion())
}

#[llm_call(provider = "openai", request = req)]
async fn chat_default(req: ChatRequest) -> Result<ChatCompletion, std::io::Error> {
    let _ = &req;
    Ok(chat_completion())
}

#[llm_call(provider = "openai", capture_content = "no_content", request = req)]
async fn chat_no_content(req: ChatRequest) -> Result<ChatCompletion, std::io::Error> {
    let _ = &req;
    Ok(chat_completion())
}

#[tokio::test]
async fn span_only_records_messages_and_tools_in_the_conventions_json() {
    let _settings = settings().await;
    let capture = Capture::new();
    capture.run(chat_span_only(chat_request())).await.unwrap();
    let attributes = attributes(&capture.span("chat gpt-4o-mini"));
    assert_eq!(
        attributes["gen_ai.input.messages"].as_str(),
        r#"[{"role":"system","parts":[{"type":"text","content":"You answer in one word."}]},{"role":"user","parts":[{"type":"text","content":"Weather in Oslo?"}]}]"#
    );
    assert_eq!(
        attributes["gen_ai.output.messages"].as_str(),
        r#"[{"role":"assistant","parts":[{"type":"text","content":"Rainy."}],"finish_reason":"stop"}]"#
    );
    // Type and name only: the conventions advise against the rest by default.
    assert_eq!(
        attributes["gen_ai.tool.definitions"].as_str(),
        r#"[{"type":"function","name":"get_weather"}]"#
    );
    // Chat Completions keeps system messages in the history.
    assert!(!attributes.contains_key("gen_ai.system_instructions"));
    // The other attributes are unchanged.
    assert_eq!(attributes["gen_ai.response.id"].as_str(), "chatcmpl-1");
    assert_eq!(
        attributes["gen_ai.usage.input_tokens"],
        AttributeValue::I64(20)
    );
}

#[tokio::test]
async fn without_an_opt_in_no_content_attribute_is_recorded() {
    let _settings = settings().await;
    for annotated in [false, true] {
        let capture = Capture::new();
        if annotated {
            capture.run(chat_no_content(chat_request())).await.unwrap();
        } else {
            capture.run(chat_default(chat_request())).await.unwrap();
        }
        let attributes = attributes(&capture.span("chat gpt-4o-mini"));
        for key in CONTENT_KEYS {
            assert!(!attributes.contains_key(key), "{key} recorded");
        }
        let everything = format!("{attributes:?}");
        assert!(!everything.contains("Oslo"), "{everything}");
        assert!(!everything.contains("Rainy"), "{everything}");
        assert_eq!(
            attributes["gen_ai.usage.input_tokens"],
            AttributeValue::I64(20)
        );
    }
}

#[llm_call(provider = "anthropic", capture_content = "span_only", request = body)]
async fn anthropic_span_only(body: MessagesRequest) -> Result<MessagesResponse, std::io::Error> {
    let _ = &body;
    Ok(serde_json::from_value(json!({
        "id": "msg_1", "type": "message", "role": "assistant", "model": "claude-haiku-4-5",
        "content": [{"type": "text", "text": "Bonjour"}],
        "stop_reason": "end_turn",
        "usage": {"input_tokens": 10, "output_tokens": 2}
    }))
    .unwrap())
}

#[tokio::test]
async fn a_separate_system_prompt_is_the_system_instructions() {
    let _settings = settings().await;
    let capture = Capture::new();
    let request = MessagesRequest {
        system: Some(json!("Translate to French.")),
        ..MessagesRequest::new("claude-haiku-4-5", 64, vec![Message::user("Hello")])
    };
    capture.run(anthropic_span_only(request)).await.unwrap();
    let attributes = attributes(&capture.span("chat claude-haiku-4-5"));
    assert_eq!(
        json_attribute(&attributes, "gen_ai.system_instructions"),
        json!([{"type": "text", "content": "Translate to French."}])
    );
    assert_eq!(
        json_attribute(&attributes, "gen_ai.input.messages"),
        json!([{"role": "user", "parts": [{"type": "text", "content": "Hello"}]}])
    );
    assert_eq!(
        json_attribute(&attributes, "gen_ai.output.messages"),
        json!([{"role": "assistant", "parts": [{"type": "text", "content": "Bonjour"}],
                "finish_reason": "stop"}])
    );
    assert!(!attributes.contains_key("gen_ai.tool.definitions"));
}

/// A backend whose content reads are counted: capture must not even read
/// content unless it records it.
struct Counted;

static CONTENT_READS: AtomicUsize = AtomicUsize::new(0);

impl Provider for Counted {
    const NAME: &'static str = "counted";
    const DEFAULT_OPERATION: &'static str = "chat";
}

struct CountedRequest(&'static str);
struct CountedResponse(&'static str);

impl RequestFacts<Counted> for CountedRequest {
    fn request_model(&self) -> Option<&str> {
        Some("counted-1")
    }
    fn request_info(&self) -> RequestInfo<'_> {
        RequestInfo::default()
    }
    fn request_content(&self) -> Option<RequestContent> {
        CONTENT_READS.fetch_add(1, Ordering::SeqCst);
        Some(RequestContent {
            input_messages: vec![InputMessage::new("user", vec![Part::text(self.0)])],
            ..RequestContent::default()
        })
    }
}

impl ResponseFacts<Counted> for CountedResponse {
    fn response_info(&self) -> ResponseInfo<'_> {
        ResponseInfo::default()
    }
    fn output_messages(&self) -> Option<Vec<OutputMessage>> {
        CONTENT_READS.fetch_add(1, Ordering::SeqCst);
        Some(vec![OutputMessage::new(
            "assistant",
            vec![Part::text(self.0)],
            Some("stop"),
        )])
    }
}

#[llm_call(provider = Counted, request = req)]
async fn counted_default(req: CountedRequest) -> CountedResponse {
    let _ = &req;
    CountedResponse("reply")
}

#[llm_call(provider = Counted, capture_content = "span_and_event", request = req)]
async fn counted_on(req: CountedRequest) -> CountedResponse {
    let _ = &req;
    CountedResponse("reply")
}

/// The one test that reads the counter, so parallel tests cannot disturb it.
#[tokio::test]
async fn content_is_read_only_when_capture_is_on_and_the_span_records() {
    let _settings = settings().await;
    let before = CONTENT_READS.load(Ordering::SeqCst);
    Capture::new()
        .run(counted_default(CountedRequest("hi")))
        .await;
    Capture::sampled_out()
        .run(counted_on(CountedRequest("hi")))
        .await;
    counted_on(CountedRequest("no parent, still sampled")).await;
    let after_off = CONTENT_READS.load(Ordering::SeqCst);
    // The unparented call records (the test provider samples everything):
    // its request and response were read, and nothing else.
    assert_eq!(after_off - before, 2);

    let capture = Capture::new();
    capture
        .run(counted_on(CountedRequest("custom prompt")))
        .await;
    assert_eq!(CONTENT_READS.load(Ordering::SeqCst) - after_off, 2);
    let attributes = attributes(&capture.span("chat counted-1"));
    assert_eq!(
        json_attribute(&attributes, "gen_ai.input.messages"),
        json!([{"role": "user", "parts": [{"type": "text", "content": "custom prompt"}]}])
    );
    assert_eq!(
        json_attribute(&attributes, "gen_ai.output.messages"),
        json!([{"role": "assistant", "parts": [{"type": "text", "content": "reply"}],
                "finish_reason": "stop"}])
    );
}

#[tokio::test]
async fn the_redactor_rewrites_every_value_before_it_is_recorded() {
    let _settings = settings().await;
    let seen = std::sync::Arc::new(Mutex::new(Vec::new()));
    let kinds = seen.clone();
    content::set_redactor(move |kind: ContentKind, value: &mut Value| {
        kinds.lock().unwrap().push(kind);
        content::for_each_string(value, |text| {
            if text.contains("Oslo") {
                *text = text.replace("Oslo", "[city]");
            }
        });
        if kind == ContentKind::ToolDefinitions {
            *value = Value::Null; // recorded as nothing
        }
    });
    let capture = Capture::new();
    capture.run(chat_span_only(chat_request())).await.unwrap();
    content::clear_redactor();

    let attributes = attributes(&capture.span("chat gpt-4o-mini"));
    assert_eq!(
        json_attribute(&attributes, "gen_ai.input.messages")[1],
        json!({"role": "user", "parts": [{"type": "text", "content": "Weather in [city]?"}]})
    );
    assert!(!attributes.contains_key("gen_ai.tool.definitions"));
    assert!(!format!("{attributes:?}").contains("Oslo"));
    assert_eq!(
        *seen.lock().unwrap(),
        [
            ContentKind::InputMessages,
            ContentKind::ToolDefinitions,
            ContentKind::OutputMessages
        ]
    );
}

#[tokio::test]
async fn a_redactor_that_panics_records_nothing_and_the_call_is_unchanged() {
    let _settings = settings().await;
    content::set_redactor(|kind: ContentKind, _: &mut Value| {
        if kind == ContentKind::InputMessages {
            panic!("redactor bug");
        }
    });
    let capture = Capture::new();
    let result = capture.run(chat_span_only(chat_request())).await;
    content::clear_redactor();

    assert_eq!(result.unwrap().id, "chatcmpl-1");
    let attributes = attributes(&capture.span("chat gpt-4o-mini"));
    assert!(!attributes.contains_key("gen_ai.input.messages"));
    assert!(attributes.contains_key("gen_ai.output.messages"));
}

#[tokio::test]
async fn each_value_is_bounded_with_a_visible_marker() {
    let _settings = settings().await;
    content::set_max_bytes(400);
    let long = "word ".repeat(1000);
    let request = ChatRequest::new("gpt-4o-mini", vec![ChatMessage::user(long.clone())]);
    let capture = Capture::new();
    capture.run(chat_span_only(request)).await.unwrap();
    content::set_max_bytes(content::DEFAULT_MAX_BYTES);

    let attributes = attributes(&capture.span("chat gpt-4o-mini"));
    let json = attributes["gen_ai.input.messages"].as_str().into_owned();
    assert!(json.len() <= 400, "{}", json.len());
    let value: Value = serde_json::from_str(&json).unwrap();
    let text = value[0]["parts"][0]["content"].as_str().unwrap();
    let kept = text.find('…').unwrap();
    assert_eq!(text[..kept], long[..kept]);
    assert_eq!(
        &text[kept..],
        format!("…[truncated {} bytes]", long.len() - kept)
    );
    // The short output is within the bound and whole.
    assert_eq!(
        json_attribute(&attributes, "gen_ai.output.messages")[0]["parts"][0]["content"],
        "Rainy."
    );
}

#[tokio::test]
async fn tool_definition_details_are_recorded_on_request() {
    let _settings = settings().await;
    content::set_tool_definition_details(true);
    let capture = Capture::new();
    capture.run(chat_span_only(chat_request())).await.unwrap();
    content::set_tool_definition_details(false);

    let attributes = attributes(&capture.span("chat gpt-4o-mini"));
    assert_eq!(
        json_attribute(&attributes, "gen_ai.tool.definitions"),
        json!([{"type": "function", "name": "get_weather", "description": "Weather of a city",
                "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}])
    );
}

/// The logger provider content events go to, for the event tests.
fn logs() -> &'static InMemoryLogExporter {
    static EXPORTER: OnceLock<InMemoryLogExporter> = OnceLock::new();
    EXPORTER.get_or_init(|| {
        let exporter = InMemoryLogExporter::default();
        let provider = SdkLoggerProvider::builder()
            .with_simple_exporter(exporter.clone())
            .build();
        content::set_logger_provider(&provider);
        exporter
    })
}

/// The content events of one trace, as JSON-like maps.
fn events_of(trace_id: opentelemetry::trace::TraceId) -> Vec<(String, BTreeMap<String, Value>)> {
    logs()
        .get_emitted_logs()
        .unwrap()
        .into_iter()
        .filter(|log| log.record.trace_context().map(|c| c.trace_id) == Some(trace_id))
        .map(|log| {
            let name = log.record.event_name().unwrap_or_default().to_owned();
            let attributes = log
                .record
                .attributes_iter()
                .map(|(k, v)| (k.as_str().to_owned(), any_json(v)))
                .collect();
            (name, attributes)
        })
        .collect()
}

fn any_json(value: &AnyValue) -> Value {
    match value {
        AnyValue::Int(i) => json!(i),
        AnyValue::Double(f) => json!(f),
        AnyValue::String(s) => json!(s.as_str()),
        AnyValue::Boolean(b) => json!(b),
        AnyValue::ListAny(items) => Value::Array(items.iter().map(any_json).collect()),
        AnyValue::Map(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.as_str().to_owned(), any_json(v)))
                .collect(),
        ),
        other => panic!("unexpected {other:?}"),
    }
}

#[llm_call(provider = "openai", capture_content = "event_only", request = req)]
async fn chat_event_only(req: ChatRequest) -> Result<ChatCompletion, std::io::Error> {
    let _ = &req;
    Ok(chat_completion())
}

#[llm_call(provider = "openai", capture_content = "span_and_event", request = req)]
async fn chat_both_failing(req: ChatRequest) -> Result<ChatCompletion, std::io::Error> {
    let _ = &req;
    Err(std::io::Error::new(std::io::ErrorKind::TimedOut, "slow"))
}

#[tokio::test]
async fn event_only_emits_the_details_event_in_structured_form_and_no_span_content() {
    let _settings = settings().await;
    logs();
    let capture = Capture::new();
    capture.run(chat_event_only(chat_request())).await.unwrap();
    let span = capture.span("chat gpt-4o-mini");
    let attributes = attributes(&span);
    for key in CONTENT_KEYS {
        assert!(!attributes.contains_key(key), "{key} on the span");
    }

    let events = events_of(span.span_context.trace_id());
    assert_eq!(events.len(), 1);
    let (name, event) = &events[0];
    assert_eq!(name, "gen_ai.client.inference.operation.details");
    let expected: BTreeMap<String, Value> = [
        ("gen_ai.operation.name", json!("chat")),
        ("gen_ai.provider.name", json!("openai")),
        ("gen_ai.request.model", json!("gpt-4o-mini")),
        ("server.address", json!("api.openai.com")),
        ("server.port", json!(443)),
        ("gen_ai.response.id", json!("chatcmpl-1")),
        ("gen_ai.response.model", json!("gpt-4o-mini-2024-07-18")),
        ("gen_ai.response.finish_reasons", json!(["stop"])),
        ("gen_ai.usage.input_tokens", json!(20)),
        ("gen_ai.usage.output_tokens", json!(2)),
        (
            "gen_ai.input.messages",
            json!([
                {"role": "system", "parts": [{"type": "text", "content": "You answer in one word."}]},
                {"role": "user", "parts": [{"type": "text", "content": "Weather in Oslo?"}]}
            ]),
        ),
        (
            "gen_ai.output.messages",
            json!([{"role": "assistant", "parts": [{"type": "text", "content": "Rainy."}],
                    "finish_reason": "stop"}]),
        ),
        (
            "gen_ai.tool.definitions",
            json!([{"type": "function", "name": "get_weather"}]),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    assert_eq!(event, &expected);
    // The event is in the span's trace context.
    let log = logs()
        .get_emitted_logs()
        .unwrap()
        .into_iter()
        .find(|l| {
            l.record.trace_context().map(|c| c.trace_id) == Some(span.span_context.trace_id())
        })
        .unwrap();
    assert_eq!(
        log.record.trace_context().unwrap().span_id,
        span.span_context.span_id()
    );
}

#[tokio::test]
async fn a_failed_call_emits_the_event_with_its_error_type_and_keeps_span_content() {
    let _settings = settings().await;
    logs();
    let capture = Capture::new();
    assert!(capture
        .run(chat_both_failing(chat_request()))
        .await
        .is_err());
    let span = capture.span("chat gpt-4o-mini");
    let attributes = attributes(&span);
    assert!(attributes.contains_key("gen_ai.input.messages"));
    assert!(!attributes.contains_key("gen_ai.output.messages"));

    let events = events_of(span.span_context.trace_id());
    assert_eq!(events.len(), 1);
    let event = &events[0].1;
    assert_eq!(event["error.type"], json!("std::io::error::Error"));
    assert_eq!(
        event["gen_ai.input.messages"][1]["parts"][0]["content"],
        "Weather in Oslo?"
    );
    assert!(!event.contains_key("gen_ai.output.messages"));
}
