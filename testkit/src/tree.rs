//! Finished spans as a readable, indented tree.
//!
//! ```text
//! answer_question  12.50 ms  [unset]
//! │   question.id  7
//! ├── chat gpt-4o-mini  3.25 ms  [unset]
//! │       gen_ai.operation.name  "chat"
//! │       gen_ai.usage.input_tokens  57
//! └── chat force-429  0.75 ms  [error: HTTP 429]
//!         error.type  "http_429"
//! ```
//!
//! The tree is drawn from [`Span`], a small neutral record of what it shows,
//! converted from either side of an exporter: the SDK's in-memory
//! [`SpanData`], or an OTLP [`proto::Span`] as read back from an OTLP/JSON
//! file (the embedded default of `llm_trace::init`) or received over OTLP.
//! Both conversions render a span identically.
//!
//! Children are found by parent span id and ordered by start time; a span
//! whose parent is not among the given spans is a root. Attributes are
//! sorted by key and aligned per span; strings are quoted so that `"5"` and
//! `5` read differently.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::time::{SystemTime, UNIX_EPOCH};

use opentelemetry::trace::{SpanId, Status, TraceId};
use opentelemetry::{Array, Value};
use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue};
use opentelemetry_proto::tonic::trace::v1 as proto;
use opentelemetry_sdk::trace::SpanData;

/// What the tree shows of one span, whichever representation it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Span {
    /// The span name.
    pub name: String,
    /// Its trace.
    pub trace_id: TraceId,
    /// Its id.
    pub span_id: SpanId,
    /// Its parent's id; [`SpanId::INVALID`] for a root.
    pub parent_span_id: SpanId,
    /// Start, in nanoseconds since the Unix epoch.
    pub start_unix_nanos: u64,
    /// End, in nanoseconds since the Unix epoch.
    pub end_unix_nanos: u64,
    /// The final status.
    pub status: Status,
    /// `(key, value as displayed)`, sorted by key.
    pub attributes: Vec<(String, String)>,
}

impl Span {
    /// The displayed value of the attribute `key` (strings quoted).
    pub fn attribute(&self, key: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    fn sorted(mut self) -> Span {
        self.attributes.sort_by(|a, b| a.0.cmp(&b.0));
        self
    }
}

impl From<&SpanData> for Span {
    fn from(span: &SpanData) -> Span {
        Span {
            name: span.name.to_string(),
            trace_id: span.span_context.trace_id(),
            span_id: span.span_context.span_id(),
            parent_span_id: span.parent_span_id,
            start_unix_nanos: unix_nanos(span.start_time),
            end_unix_nanos: unix_nanos(span.end_time),
            status: span.status.clone(),
            attributes: span
                .attributes
                .iter()
                .map(|kv| (kv.key.to_string(), value_text(&kv.value)))
                .collect(),
        }
        .sorted()
    }
}

impl From<SpanData> for Span {
    fn from(span: SpanData) -> Span {
        Span::from(&span)
    }
}

impl From<&proto::Span> for Span {
    /// Ids of the wrong length (OTLP's "invalid") become the invalid id, so a
    /// span with an empty `parentSpanId` is a root.
    fn from(span: &proto::Span) -> Span {
        let status = match &span.status {
            Some(s) if s.code == proto::status::StatusCode::Error as i32 => {
                Status::error(s.message.clone())
            }
            Some(s) if s.code == proto::status::StatusCode::Ok as i32 => Status::Ok,
            _ => Status::Unset,
        };
        Span {
            name: span.name.clone(),
            trace_id: <[u8; 16]>::try_from(span.trace_id.as_slice())
                .map_or(TraceId::INVALID, TraceId::from_bytes),
            span_id: span_id(&span.span_id),
            parent_span_id: span_id(&span.parent_span_id),
            start_unix_nanos: span.start_time_unix_nano,
            end_unix_nanos: span.end_time_unix_nano,
            status,
            attributes: span
                .attributes
                .iter()
                .map(|kv| (kv.key.clone(), any_value_text(kv.value.as_ref())))
                .collect(),
        }
        .sorted()
    }
}

impl From<proto::Span> for Span {
    fn from(span: proto::Span) -> Span {
        Span::from(&span)
    }
}

impl From<&Span> for Span {
    fn from(span: &Span) -> Span {
        span.clone()
    }
}

fn span_id(bytes: &[u8]) -> SpanId {
    <[u8; 8]>::try_from(bytes).map_or(SpanId::INVALID, SpanId::from_bytes)
}

fn unix_nanos(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
}

/// Renders `spans` as one tree per root, separated by blank lines. Takes
/// anything that converts to [`Span`]: `&[SpanData]`, `&[proto::Span]`,
/// `&[Span]`, or iterators of them.
///
/// Every span appears exactly once, even with inconsistent parent ids
/// (cycles are cut where they would repeat).
pub fn render<I>(spans: I) -> String
where
    I: IntoIterator,
    I::Item: Into<Span>,
{
    let spans: Vec<Span> = spans.into_iter().map(Into::into).collect();
    let index: HashMap<(TraceId, SpanId), usize> = spans
        .iter()
        .enumerate()
        .map(|(i, s)| ((s.trace_id, s.span_id), i))
        .collect();
    let parent_of = |s: &Span| {
        index
            .get(&(s.trace_id, s.parent_span_id))
            .copied()
            .filter(|_| s.parent_span_id != SpanId::INVALID)
    };

    let mut children: Vec<Vec<usize>> = vec![Vec::new(); spans.len()];
    let mut roots = Vec::new();
    for (i, span) in spans.iter().enumerate() {
        match parent_of(span) {
            Some(parent) if parent != i => children[parent].push(i),
            _ => roots.push(i),
        }
    }
    let by_start = |a: &usize, b: &usize| {
        let (a, b) = (&spans[*a], &spans[*b]);
        (a.start_unix_nanos, &a.name).cmp(&(b.start_unix_nanos, &b.name))
    };
    roots.sort_by(by_start);
    for list in &mut children {
        list.sort_by(by_start);
    }

    let mut out = String::new();
    let mut visited = vec![false; spans.len()];
    // Spans caught in a parent cycle have no root above them: they start
    // trees of their own after the real roots.
    let everything = 0..spans.len();
    for start in roots.into_iter().chain(everything) {
        if visited[start] {
            continue;
        }
        if !out.is_empty() {
            out.push('\n');
        }
        render_node(&spans, &children, &mut visited, start, "", "", &mut out);
    }
    out
}

/// Writes one span and, below it, its attributes and its children.
/// `line_prefix` starts the span's own line, `prefix` every line under it.
fn render_node(
    spans: &[Span],
    children: &[Vec<usize>],
    visited: &mut [bool],
    node: usize,
    line_prefix: &str,
    prefix: &str,
    out: &mut String,
) {
    visited[node] = true;
    let span = &spans[node];
    let kids: Vec<usize> = children[node]
        .iter()
        .copied()
        .filter(|&c| !visited[c])
        .collect();

    let _ = writeln!(
        out,
        "{line_prefix}{}  {}  [{}]",
        span.name,
        duration_ms(span),
        status(&span.status)
    );

    let width = span
        .attributes
        .iter()
        .map(|(k, _)| k.len())
        .max()
        .unwrap_or(0);
    let attribute_prefix = format!("{prefix}{}", if kids.is_empty() { "    " } else { "│   " });
    for (key, value) in &span.attributes {
        let _ = writeln!(out, "{attribute_prefix}{key:<width$}  {value}");
    }

    for (i, &child) in kids.iter().enumerate() {
        // A cycle may have reached this child through a sibling meanwhile.
        if visited[child] {
            continue;
        }
        let last = i + 1 == kids.len();
        let (branch, continuation) = if last {
            ("└── ", "    ")
        } else {
            ("├── ", "│   ")
        };
        render_node(
            spans,
            children,
            visited,
            child,
            &format!("{prefix}{branch}"),
            &format!("{prefix}{continuation}"),
            out,
        );
    }
}

fn duration_ms(span: &Span) -> String {
    let nanos = span.end_unix_nanos.saturating_sub(span.start_unix_nanos);
    format!("{:.2} ms", nanos as f64 / 1e6)
}

fn status(status: &Status) -> String {
    match status {
        Status::Unset => "unset".to_owned(),
        Status::Ok => "ok".to_owned(),
        Status::Error { description } if description.is_empty() => "error".to_owned(),
        Status::Error { description } => format!("error: {description}"),
    }
}

/// Strings quoted (escaped like Rust's `Debug`), floats always with a point,
/// arrays in brackets.
fn value_text(value: &Value) -> String {
    fn join<T>(items: &[T], f: impl Fn(&T) -> String) -> String {
        let parts: Vec<String> = items.iter().map(f).collect();
        format!("[{}]", parts.join(", "))
    }
    match value {
        Value::Bool(v) => v.to_string(),
        Value::I64(v) => v.to_string(),
        Value::F64(v) => format!("{v:?}"),
        Value::String(v) => format!("{:?}", v.as_str()),
        Value::Array(Array::Bool(v)) => join(v, bool::to_string),
        Value::Array(Array::I64(v)) => join(v, i64::to_string),
        Value::Array(Array::F64(v)) => join(v, |f| format!("{f:?}")),
        Value::Array(Array::String(v)) => join(v, |s| format!("{:?}", s.as_str())),
        // Value kinds added by later opentelemetry versions.
        other => other.to_string(),
    }
}

/// The same text for an OTLP value: an `intValue` reads like an `I64`, a
/// `doubleValue` like an `F64`. Maps (`kvlistValue`), which SDK attributes
/// cannot hold, read `{key: value, ...}`; bytes read as hex; an empty value
/// (what the OTLP/JSON file holds for a NaN or infinite double) as `(empty)`.
fn any_value_text(value: Option<&AnyValue>) -> String {
    let Some(value) = value.and_then(|v| v.value.as_ref()) else {
        return "(empty)".to_owned();
    };
    match value {
        any_value::Value::BoolValue(v) => v.to_string(),
        any_value::Value::IntValue(v) => v.to_string(),
        any_value::Value::DoubleValue(v) => format!("{v:?}"),
        any_value::Value::StringValue(v) => format!("{v:?}"),
        any_value::Value::ArrayValue(array) => {
            let parts: Vec<String> = array
                .values
                .iter()
                .map(|v| any_value_text(Some(v)))
                .collect();
            format!("[{}]", parts.join(", "))
        }
        any_value::Value::KvlistValue(list) => {
            let parts: Vec<String> = list
                .values
                .iter()
                .map(|kv| format!("{}: {}", kv.key, any_value_text(kv.value.as_ref())))
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
        any_value::Value::BytesValue(bytes) => {
            let mut hex = String::with_capacity(2 + 2 * bytes.len());
            hex.push_str("0x");
            for byte in bytes {
                let _ = write!(hex, "{byte:02x}");
            }
            hex
        }
        // An index into a profile's string table; spans do not use it.
        any_value::Value::StringValueStrindex(index) => format!("(string #{index})"),
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, SystemTime};

    use opentelemetry::trace::{SpanContext, SpanKind, TraceFlags, TraceState};
    use opentelemetry::{InstrumentationScope, KeyValue, StringValue};
    use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
    use opentelemetry_proto::transform::common::tonic::ResourceAttributesWithSchema;
    use opentelemetry_proto::transform::trace::tonic::group_spans_by_resource_and_scope;
    use opentelemetry_sdk::trace::{SpanEvents, SpanLinks};

    use super::*;

    fn span(
        id: u64,
        parent: u64,
        name: &'static str,
        (start_us, end_us): (u64, u64),
        status: Status,
        attributes: Vec<KeyValue>,
    ) -> SpanData {
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        SpanData {
            span_context: SpanContext::new(
                TraceId::from(1u128),
                SpanId::from(id),
                TraceFlags::SAMPLED,
                false,
                TraceState::default(),
            ),
            parent_span_id: SpanId::from(parent),
            parent_span_is_remote: false,
            span_kind: SpanKind::Client,
            name: name.into(),
            start_time: t0 + Duration::from_micros(start_us),
            end_time: t0 + Duration::from_micros(end_us),
            attributes,
            dropped_attributes_count: 0,
            events: SpanEvents::default(),
            links: SpanLinks::default(),
            status,
            instrumentation_scope: InstrumentationScope::builder("test").build(),
        }
    }

    /// Given in end order, as an exporter sees them; the parent 0x99 of the
    /// last span is absent, so it is a root.
    fn nested_spans() -> Vec<SpanData> {
        vec![
            span(
                2,
                1,
                "chat gpt-4o-mini",
                (1_000, 4_250),
                Status::Unset,
                vec![
                    KeyValue::new("gen_ai.usage.input_tokens", 57),
                    KeyValue::new("feature", "summarize"),
                    KeyValue::new("gen_ai.request.temperature", 1.0),
                    KeyValue::new(
                        "gen_ai.response.finish_reasons",
                        Value::Array(Array::String(vec![StringValue::from("stop")])),
                    ),
                    KeyValue::new("llm_trace.cancelled", false),
                ],
            ),
            span(
                4,
                3,
                "inner",
                (6_000, 6_500),
                Status::Ok,
                vec![KeyValue::new("prompt_id", "5")],
            ),
            span(
                3,
                1,
                "chat force-429",
                (5_000, 7_000),
                Status::error("HTTP 429: slow down"),
                vec![KeyValue::new("error.type", "http_429")],
            ),
            span(
                1,
                0,
                "answer_question",
                (0, 12_500),
                Status::Unset,
                vec![KeyValue::new("question.id", 7)],
            ),
            span(5, 0x99, "orphan", (20_000, 20_010), Status::Unset, vec![]),
        ]
    }

    const NESTED_TREE: &str = "\
answer_question  12.50 ms  [unset]
│   question.id  7
├── chat gpt-4o-mini  3.25 ms  [unset]
│       feature                         \"summarize\"
│       gen_ai.request.temperature      1.0
│       gen_ai.response.finish_reasons  [\"stop\"]
│       gen_ai.usage.input_tokens       57
│       llm_trace.cancelled             false
└── chat force-429  2.00 ms  [error: HTTP 429: slow down]
    │   error.type  \"http_429\"
    └── inner  0.50 ms  [ok]
            prompt_id  \"5\"

orphan  0.01 ms  [unset]
";

    #[test]
    fn renders_nesting_durations_status_and_sorted_aligned_attributes() {
        assert_eq!(render(nested_spans()), NESTED_TREE);
    }

    #[test]
    fn parent_cycles_do_not_lose_or_repeat_spans() {
        let spans = vec![
            span(1, 2, "a", (0, 1_000), Status::Unset, vec![]),
            span(2, 1, "b", (0, 1_000), Status::Unset, vec![]),
        ];
        assert_eq!(
            render(&spans),
            "a  1.00 ms  [unset]\n└── b  1.00 ms  [unset]\n"
        );
    }

    /// The path of the quickstart: spans exported as an OTLP/JSON line (the
    /// embedded default's file format), read back, rendered. Every id, time,
    /// status and attribute survives, so the tree is the same as from the
    /// SDK's own spans.
    #[test]
    fn spans_read_back_from_an_otlp_json_line_render_like_the_sdk_spans() {
        let request = ExportTraceServiceRequest {
            resource_spans: group_spans_by_resource_and_scope(
                nested_spans(),
                &ResourceAttributesWithSchema::default(),
            ),
        };
        let line = serde_json::to_string(&request).unwrap();
        assert!(!line.contains('\n'));
        let decoded: ExportTraceServiceRequest = serde_json::from_str(&line).unwrap();
        let spans: Vec<&proto::Span> = decoded
            .resource_spans
            .iter()
            .flat_map(|r| &r.scope_spans)
            .flat_map(|s| &s.spans)
            .collect();
        assert_eq!(spans.len(), 5);

        assert_eq!(render(spans.iter().copied()), NESTED_TREE);
        let sdk: Vec<Span> = nested_spans().iter().map(Span::from).collect();
        let mut read_back: Vec<Span> = spans.into_iter().map(Span::from).collect();
        read_back.sort_by_key(|s| sdk.iter().position(|t| t.span_id == s.span_id));
        assert_eq!(read_back, sdk);
    }

    /// OTLP/JSON as another producer (or a later version) may write it: hex
    /// ids, an empty parent id for a root, times and `intValue` as strings,
    /// status codes as numbers, and values SDK attributes cannot hold.
    #[test]
    fn a_hand_written_otlp_json_span_renders_every_value_kind() {
        let trace_id = "5b8efff798038103d269b633813fc60c";
        let line = serde_json::json!({"resourceSpans": [{"resource": {}, "scopeSpans": [{
            "scope": {"name": "x"},
            "spans": [
                {
                    "traceId": trace_id, "spanId": "eee19b7ec3c1b174", "parentSpanId": "",
                    "name": "root", "kind": 3,
                    "startTimeUnixNano": "1544712660000000000",
                    "endTimeUnixNano": "1544712661500000000",
                    "status": {"code": 2, "message": "boom"},
                    "attributes": [
                        {"key": "n", "value": {"intValue": "-3"}},
                        {"key": "f", "value": {"doubleValue": 0.5}},
                        {"key": "s", "value": {"stringValue": "a \"b\""}},
                        {"key": "b", "value": {"boolValue": true}},
                        {"key": "nan", "value": {}},
                        {"key": "arr", "value": {"arrayValue": {"values": [
                            {"intValue": "1"}, {"stringValue": "x"}]}}},
                        {"key": "map", "value": {"kvlistValue": {"values": [
                            {"key": "k", "value": {"boolValue": false}}]}}},
                        {"key": "raw", "value": {"bytesValue": "AQL/"}}
                    ]
                },
                {
                    "traceId": trace_id, "spanId": "eee19b7ec3c1b175",
                    "parentSpanId": "eee19b7ec3c1b174", "name": "child",
                    "startTimeUnixNano": "1544712660100000000",
                    "endTimeUnixNano": "1544712660100250000",
                    "status": {"code": 1}
                }
            ]
        }]}]})
        .to_string();
        let request: ExportTraceServiceRequest = serde_json::from_str(&line).unwrap();
        let spans = &request.resource_spans[0].scope_spans[0].spans;

        let root = Span::from(&spans[0]);
        assert_eq!(root.parent_span_id, SpanId::INVALID);
        assert_eq!(root.span_id, SpanId::from(0xeee1_9b7e_c3c1_b174u64));
        assert_eq!(root.attribute("n"), Some("-3"));
        assert_eq!(
            render(spans),
            "\
root  1500.00 ms  [error: boom]
│   arr  [1, \"x\"]
│   b    true
│   f    0.5
│   map  {k: false}
│   n    -3
│   nan  (empty)
│   raw  0x0102ff
│   s    \"a \\\"b\\\"\"
└── child  0.25 ms  [ok]
"
        );
    }
}
