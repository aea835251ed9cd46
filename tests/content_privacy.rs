//! The privacy default, end to end through `llm_trace::init` and the
//! embedded default's files: with capture off, no byte of any exported file
//! (traces, metrics, logs) holds a prompt, a system prompt, a tool or a
//! completion; with capture on, each is found exactly where the conventions
//! put it.

use std::fs;
use std::path::{Path, PathBuf};

use llm_trace::content::{self, CaptureMode};
use llm_trace::llm_call;
use llm_trace::provider::anthropic::{Message, MessagesRequest, MessagesResponse};
use llm_trace::provider::openai::{ChatCompletion, ChatMessage, ChatRequest};
use serde_json::{json, Value};

const PROMPT: &str = "prompt-7f3a what is my balance";
const SYSTEM: &str = "system-51c2 you are a bank clerk";
const TOOL: &str = "tool_e8a0";
const COMPLETION: &str = "completion-9b2c it is 42 euros";
const SECRETS: [&str; 4] = [PROMPT, SYSTEM, TOOL, COMPLETION];

#[llm_call(provider = "openai", request = req)]
async fn chat(req: ChatRequest) -> Result<ChatCompletion, std::io::Error> {
    let _ = &req;
    Ok(serde_json::from_value(json!({
        "id": "chatcmpl-privacy", "model": "gpt-4o-mini",
        "choices": [{"index": 0, "finish_reason": "stop",
                     "message": {"role": "assistant", "content": COMPLETION}}],
        "usage": {"prompt_tokens": 30, "completion_tokens": 8, "total_tokens": 38}
    }))
    .unwrap())
}

#[llm_call(provider = "anthropic", request = body)]
async fn messages(body: MessagesRequest) -> Result<MessagesResponse, std::io::Error> {
    let _ = &body;
    Ok(serde_json::from_value(json!({
        "id": "msg_privacy", "type": "message", "role": "assistant", "model": "claude-haiku-4-5",
        "content": [{"type": "text", "text": COMPLETION}],
        "stop_reason": "end_turn", "usage": {"input_tokens": 30, "output_tokens": 8}
    }))
    .unwrap())
}

#[llm_call(provider = "openai", request = req)]
async fn failing(req: ChatRequest) -> Result<ChatCompletion, std::io::Error> {
    let _ = &req;
    Err(std::io::Error::other("upstream refused"))
}

fn chat_request() -> ChatRequest {
    ChatRequest {
        tools: Some(vec![
            json!({"type": "function", "function": {"name": TOOL}}),
        ]),
        ..ChatRequest::new(
            "gpt-4o-mini",
            vec![ChatMessage::system(SYSTEM), ChatMessage::user(PROMPT)],
        )
    }
}

fn messages_request() -> MessagesRequest {
    MessagesRequest {
        system: Some(json!(SYSTEM)),
        tools: Some(vec![
            json!({"name": TOOL, "input_schema": {"type": "object"}}),
        ]),
        ..MessagesRequest::new("claude-haiku-4-5", 100, vec![Message::user(PROMPT)])
    }
}

/// Runs the calls with telemetry going to `traces` (and the files beside it).
fn run_calls(traces: &Path, capture: Option<CaptureMode>) {
    let mut builder = llm_trace::builder()
        .env_vars(Vec::<(String, String)>::new())
        .file(traces);
    if let Some(mode) = capture {
        builder = builder.capture_content(mode);
    }
    let telemetry = builder.init().expect("init");
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(async {
            chat(chat_request()).await.unwrap();
            messages(messages_request()).await.unwrap();
            failing(chat_request()).await.unwrap_err();
        });
    telemetry.shutdown().expect("shutdown");
}

/// Every file the run wrote, rotated parts included.
fn written_files(dir: &Path, stem: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with(stem))
        .collect();
    files.sort();
    files
}

fn lines(path: &Path) -> Vec<Value> {
    fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// `(span name, attribute key, value)` of every exported span attribute.
fn span_attributes(path: &Path) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    for request in lines(path) {
        for rs in request["resourceSpans"].as_array().unwrap() {
            for ss in rs["scopeSpans"].as_array().unwrap() {
                for span in ss["spans"].as_array().unwrap() {
                    let name = span["name"].as_str().unwrap().to_owned();
                    for kv in span["attributes"].as_array().unwrap() {
                        out.push((
                            name.clone(),
                            kv["key"].as_str().unwrap().to_owned(),
                            kv["value"].clone(),
                        ));
                    }
                }
            }
        }
    }
    out
}

fn log_records(path: &Path) -> Vec<Value> {
    let mut out = Vec::new();
    for request in lines(path) {
        for rl in request["resourceLogs"].as_array().unwrap() {
            for sl in rl["scopeLogs"].as_array().unwrap() {
                out.extend(sl["logRecords"].as_array().unwrap().iter().cloned());
            }
        }
    }
    out
}

/// OTLP/JSON `AnyValue` as plain JSON.
fn plain(value: &Value) -> Value {
    if let Some(s) = value.get("stringValue") {
        return s.clone();
    }
    if let Some(i) = value.get("intValue") {
        return json!(i
            .as_str()
            .map_or_else(|| i.as_i64().unwrap(), |s| s.parse().unwrap()));
    }
    if let Some(b) = value.get("boolValue") {
        return b.clone();
    }
    if let Some(d) = value.get("doubleValue") {
        return d.clone();
    }
    if let Some(list) = value.get("arrayValue") {
        return Value::Array(
            list["values"]
                .as_array()
                .map(|v| v.iter().map(plain).collect())
                .unwrap_or_default(),
        );
    }
    if let Some(map) = value.get("kvlistValue") {
        return Value::Object(
            map["values"]
                .as_array()
                .map(|v| {
                    v.iter()
                        .map(|kv| (kv["key"].as_str().unwrap().to_owned(), plain(&kv["value"])))
                        .collect()
                })
                .unwrap_or_default(),
        );
    }
    panic!("unexpected OTLP value {value}")
}

#[test]
fn capture_off_exports_no_content_and_capture_on_exports_it_where_expected() {
    let dir =
        std::env::temp_dir().join(format!("llm-trace-content-privacy-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();

    // Off: the default, no opt-in anywhere.
    assert_eq!(content::capture_mode(), CaptureMode::NoContent);
    run_calls(&dir.join("off.jsonl"), None);
    let files = written_files(&dir, "off");
    let names: Vec<String> = files
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    // Nothing is logged without capture: no logs file at all.
    assert_eq!(names, ["off.jsonl", "off.metrics.jsonl"]);
    let mut exported = Vec::new();
    for file in &files {
        exported.extend(fs::read(file).unwrap());
    }
    // The scan is not vacuous: the three calls were exported.
    let text = String::from_utf8(exported).unwrap();
    assert!(text.contains("chatcmpl-privacy") && text.contains("msg_privacy"));
    assert!(text.contains("upstream refused"));
    for secret in SECRETS {
        assert!(
            !text.contains(secret),
            "{secret:?} was exported with capture off"
        );
    }
    for key in [
        "gen_ai.input.messages",
        "gen_ai.output.messages",
        "gen_ai.system_instructions",
        "gen_ai.tool.definitions",
    ] {
        assert!(!text.contains(key), "{key} was exported with capture off");
    }

    // On: spans and events.
    run_calls(&dir.join("on.jsonl"), Some(CaptureMode::SpanAndEvent));
    content::set_capture_mode(CaptureMode::NoContent);
    let attributes = span_attributes(&dir.join("on.jsonl"));
    let holding = |secret: &str| -> Vec<(String, String)> {
        attributes
            .iter()
            .filter(|(_, _, v)| v.to_string().contains(secret))
            .map(|(span, key, _)| (span.clone(), key.clone()))
            .collect()
    };
    let chat = "chat gpt-4o-mini".to_owned();
    let claude = "chat claude-haiku-4-5".to_owned();
    let input = "gen_ai.input.messages".to_owned();
    // The failing call records its input too, not an output.
    assert_eq!(
        holding(PROMPT),
        [
            (chat.clone(), input.clone()),
            (claude.clone(), input.clone()),
            (chat.clone(), input.clone())
        ]
    );
    assert_eq!(
        holding(SYSTEM),
        [
            (chat.clone(), input.clone()),
            (claude.clone(), "gen_ai.system_instructions".to_owned()),
            (chat.clone(), input.clone())
        ]
    );
    let tools = "gen_ai.tool.definitions".to_owned();
    assert_eq!(
        holding(TOOL),
        [
            (chat.clone(), tools.clone()),
            (claude.clone(), tools.clone()),
            (chat.clone(), tools)
        ]
    );
    let output = "gen_ai.output.messages".to_owned();
    assert_eq!(
        holding(COMPLETION),
        [(chat.clone(), output.clone()), (claude, output)]
    );
    let (_, _, chat_input) = attributes
        .iter()
        .find(|(span, key, _)| *span == chat && *key == input)
        .unwrap();
    assert_eq!(
        chat_input["stringValue"].as_str().unwrap(),
        format!(
            r#"[{{"role":"system","parts":[{{"type":"text","content":"{SYSTEM}"}}]}},{{"role":"user","parts":[{{"type":"text","content":"{PROMPT}"}}]}}]"#
        )
    );

    // One details event per call, structured, in its span's trace.
    let records = log_records(&dir.join("on.logs.jsonl"));
    assert_eq!(records.len(), 3);
    for record in &records {
        assert_eq!(
            record["eventName"],
            "gen_ai.client.inference.operation.details"
        );
        assert_eq!(record["traceId"].as_str().unwrap().len(), 32);
    }
    let event: serde_json::Map<String, Value> = records[1]["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|kv| (kv["key"].as_str().unwrap().to_owned(), plain(&kv["value"])))
        .collect();
    assert_eq!(event["gen_ai.provider.name"], "anthropic");
    assert_eq!(event["gen_ai.response.id"], "msg_privacy");
    assert_eq!(
        event["gen_ai.input.messages"],
        json!([{"role": "user", "parts": [{"type": "text", "content": PROMPT}]}])
    );
    assert_eq!(
        event["gen_ai.system_instructions"],
        json!([{"type": "text", "content": SYSTEM}])
    );
    assert_eq!(
        event["gen_ai.output.messages"],
        json!([{"role": "assistant", "parts": [{"type": "text", "content": COMPLETION}],
                "finish_reason": "stop"}])
    );
    let failed: serde_json::Map<String, Value> = records[2]["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|kv| (kv["key"].as_str().unwrap().to_owned(), plain(&kv["value"])))
        .collect();
    assert_eq!(failed["error.type"], "std::io::error::Error");
    assert!(!failed.contains_key("gen_ai.output.messages"));

    let _ = fs::remove_dir_all(&dir);
}
