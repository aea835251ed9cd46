//! Streamed calls: the span ends with the stream, with the facts its chunks
//! gave. Transcripts are composed from each provider's API reference.

mod anthropic;
mod bedrock;
mod clients;
mod cohere;
mod gemini;
mod ollama;
mod openai;
mod shapes;

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::pin::pin;

use bytes::Bytes;
use futures::{Stream, StreamExt};
use llm_trace_testkit::capture::{attributes, Capture};
use opentelemetry::trace::Status;
use opentelemetry::{Array, StringValue, Value};

/// A string-array attribute value.
pub fn strs(items: &[&'static str]) -> Value {
    Value::Array(Array::String(
        items.iter().map(|s| StringValue::from(*s)).collect(),
    ))
}

/// The captured `gen_ai.output.messages` of a span's attributes, as JSON.
pub fn output_messages(attributes: &BTreeMap<String, Value>) -> serde_json::Value {
    match attributes.get("gen_ai.output.messages") {
        Some(Value::String(s)) => serde_json::from_str(s.as_str()).unwrap(),
        other => panic!("gen_ai.output.messages: {other:?}"),
    }
}

/// Removes `gen_ai.response.time_to_first_chunk` after checking it is a
/// plausible number of seconds, and `llm_trace.cost.usd` (priced from the
/// usage: tests/cost.rs checks the figures; `openai.rs` checks one stream's)
/// after checking it is a positive amount when there is usage.
pub fn ttfc(attributes: &mut BTreeMap<String, Value>) {
    match attributes.remove("gen_ai.response.time_to_first_chunk") {
        Some(Value::F64(s)) => assert!((0.0..5.0).contains(&s), "time to first chunk {s}"),
        other => panic!("time to first chunk: {other:?}"),
    }
    match attributes.remove("llm_trace.cost.usd") {
        Some(Value::F64(usd)) => {
            assert!(usd > 0.0 && usd < 1.0, "cost {usd}");
            assert!(attributes.contains_key("gen_ai.usage.input_tokens"));
        }
        None => {}
        other => panic!("cost: {other:?}"),
    }
}

/// A client error with its own `error.type`.
#[derive(Debug)]
pub enum ApiError {
    RateLimited,
    Status(u16),
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::RateLimited => f.write_str("rate limited: try again in 1s"),
            ApiError::Status(code) => write!(f, "HTTP {code}"),
        }
    }
}

impl llm_trace::ErrorType for ApiError {
    fn error_type(&self) -> Cow<'static, str> {
        match self {
            ApiError::RateLimited => "rate_limited".into(),
            ApiError::Status(code) => code.to_string().into(),
        }
    }
}

/// The span status of a stream dropped before its end.
pub fn cancelled() -> Status {
    Status::error("cancelled: the stream was dropped before it ended")
}

/// Server-sent events as a server writes them: `event:` and `data:` lines
/// ended by `eol`, a blank line after each event.
pub fn sse(events: &[(&str, serde_json::Value)], eol: &str) -> Vec<u8> {
    let mut wire = String::new();
    for (name, data) in events {
        if !name.is_empty() {
            wire.push_str(&format!("event: {name}{eol}"));
        }
        wire.push_str(&format!("data: {data}{eol}{eol}"));
    }
    wire.into_bytes()
}

/// Newline-delimited JSON.
pub fn ndjson(lines: &[serde_json::Value]) -> Vec<u8> {
    lines
        .iter()
        .map(|line| format!("{line}\n"))
        .collect::<String>()
        .into_bytes()
}

/// How the wire bytes are cut into the items of a byte stream.
#[derive(Debug, Clone, Copy)]
pub enum Cut {
    /// One item.
    Whole,
    /// Between every `\r` and what follows it, and inside every JSON string
    /// that has an underscore (ids, event types, count names), at it.
    Awkward,
    /// Every `n` bytes.
    Every(usize),
}

/// Every way the tests cut a wire transcript.
pub const CUTS: [Cut; 4] = [Cut::Whole, Cut::Awkward, Cut::Every(1), Cut::Every(7)];

/// `wire` cut into byte-stream items.
pub fn pieces(wire: &[u8], cut: Cut) -> Vec<Bytes> {
    let ends: Vec<usize> = match cut {
        Cut::Whole => vec![],
        Cut::Awkward => (1..wire.len())
            .filter(|&i| wire[i - 1] == b'\r' || wire[i] == b'_')
            .collect(),
        Cut::Every(n) => (1..wire.len()).filter(|i| i % n == 0).collect(),
    };
    let mut items = Vec::with_capacity(ends.len() + 1);
    let mut from = 0;
    for end in ends.into_iter().chain([wire.len()]) {
        items.push(Bytes::copy_from_slice(&wire[from..end]));
        from = end;
    }
    items
}

#[test]
fn awkward_cuts_split_crlf_pairs_and_json_strings() {
    let wire = sse(
        &[("message_start", serde_json::json!({"id": "msg_1"}))],
        "\r\n",
    );
    let items = pieces(&wire, Cut::Awkward);
    assert_eq!(items.concat(), wire);
    assert!(
        items.iter().any(|i| i.starts_with(b"\n")),
        "a piece starts between \\r and \\n"
    );
    assert!(
        items.iter().any(|i| i.ends_with(b"\"msg")),
        "a piece ends inside a JSON string"
    );
}

/// The form a transcript reaches the instrumented function in.
#[derive(Debug, Clone, Copy)]
pub enum Form {
    /// `serde_json::Value` events (`json_stream`).
    Json,
    /// The provider's typed events (`typed_stream`).
    Typed,
    /// Raw wire bytes, cut as told (`wire_stream`).
    Wire(Cut),
}

impl Form {
    /// The `code.function.name` of the function each module has for the form.
    pub fn function(self, module: &str) -> String {
        let function = match self {
            Form::Json => "json_stream",
            Form::Typed => "typed_stream",
            Form::Wire(_) => "wire_stream",
        };
        format!("streams::{module}::{function}")
    }
}

/// Every form: JSON, typed (when the provider has a typed event), and the
/// wire bytes cut every way.
pub fn forms(typed: bool) -> Vec<Form> {
    let mut forms = vec![Form::Json];
    if typed {
        forms.push(Form::Typed);
    }
    forms.extend(CUTS.map(Form::Wire));
    forms
}

/// The byte-stream items of `events` on the wire (`encode` writes them),
/// and how many of them to read: all, or (`read: Some(k)`) those that
/// carry the first `k` events and half of the next one.
pub fn wire<E>(
    events: &[E],
    encode: impl Fn(&[E]) -> Vec<u8>,
    cut: Cut,
    read: Option<usize>,
) -> (Vec<Bytes>, Option<usize>) {
    match read {
        None => (pieces(&encode(events), cut), None),
        Some(k) => {
            let mut head = encode(&events[..k]);
            let next = encode(&events[k..=k]);
            let half = next.len() / 2;
            head.extend_from_slice(&next[..half]);
            let mut tail = next[half..].to_vec();
            tail.extend(encode(&events[k + 1..]));
            let mut items = pieces(&head, cut);
            let read = items.len();
            items.extend(pieces(&tail, cut));
            (items, Some(read))
        }
    }
}

/// What a traced stream left: its span's status and attributes (the time
/// to first chunk checked and removed), and how many items the caller got.
#[derive(Debug)]
pub struct Traced {
    pub items: usize,
    pub status: Status,
    pub attributes: BTreeMap<String, Value>,
}

/// Calls `call` under a capture of its own, reads the stream it returns (to
/// its end, or its first `read` items, then drops it), and gives the span
/// named `span`.
pub async fn traced<F, Fut, S, E>(span: &str, read: Option<usize>, call: F) -> Traced
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<S, E>>,
    S: Stream,
    E: fmt::Debug,
{
    let capture = Capture::new();
    let items = capture
        .run(async {
            let stream = call().await.expect("the call returns its stream");
            assert!(
                capture.spans().is_empty(),
                "the span is open while the stream is"
            );
            let mut stream = pin!(stream);
            let mut items = 0;
            while read.is_none_or(|n| items < n) {
                if stream.next().await.is_none() {
                    break;
                }
                items += 1;
            }
            items
        })
        .await;
    let span = capture.span(span);
    let mut attributes = attributes(&span);
    ttfc(&mut attributes);
    Traced {
        items,
        status: span.status,
        attributes,
    }
}
