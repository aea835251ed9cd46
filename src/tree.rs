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
//! Children are found by parent span id and ordered by start time; a span
//! whose parent is not among the given spans is a root. Attributes are
//! sorted by key and aligned per span; strings are quoted so that `"5"` and
//! `5` read differently.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::time::Duration;

use opentelemetry::trace::{SpanId, Status, TraceId};
use opentelemetry::{Array, Value};
use opentelemetry_sdk::trace::SpanData;

/// Renders `spans` as one tree per root, separated by blank lines.
///
/// Every span appears exactly once, even with inconsistent parent ids
/// (cycles are cut where they would repeat).
pub fn render(spans: &[SpanData]) -> String {
    let index: HashMap<(TraceId, SpanId), usize> = spans
        .iter()
        .enumerate()
        .map(|(i, s)| ((s.span_context.trace_id(), s.span_context.span_id()), i))
        .collect();
    let parent_of = |s: &SpanData| {
        index
            .get(&(s.span_context.trace_id(), s.parent_span_id))
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
        (a.start_time, &a.name).cmp(&(b.start_time, &b.name))
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
        render_node(spans, &children, &mut visited, start, "", "", &mut out);
    }
    out
}

/// Writes one span and, below it, its attributes and its children.
/// `line_prefix` starts the span's own line, `prefix` every line under it.
fn render_node(
    spans: &[SpanData],
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

    let mut attributes: Vec<(&str, &Value)> = span
        .attributes
        .iter()
        .map(|kv| (kv.key.as_str(), &kv.value))
        .collect();
    attributes.sort_by(|a, b| a.0.cmp(b.0));
    let width = attributes.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    let attribute_prefix = format!("{prefix}{}", if kids.is_empty() { "    " } else { "│   " });
    for (key, value) in attributes {
        let _ = writeln!(
            out,
            "{attribute_prefix}{key:<width$}  {}",
            value_text(value)
        );
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

fn duration_ms(span: &SpanData) -> String {
    let elapsed = span
        .end_time
        .duration_since(span.start_time)
        .unwrap_or(Duration::ZERO);
    format!("{:.2} ms", elapsed.as_secs_f64() * 1000.0)
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

#[cfg(test)]
mod tests {
    use std::time::{Duration, SystemTime};

    use opentelemetry::trace::{SpanContext, SpanKind, TraceFlags, TraceState};
    use opentelemetry::{InstrumentationScope, KeyValue, StringValue};
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

    #[test]
    fn renders_nesting_durations_status_and_sorted_aligned_attributes() {
        // Given in end order, as an exporter sees them; the parent 0x99 of
        // the last span is absent, so it is a root.
        let spans = vec![
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
        ];

        let expected = "\
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
        assert_eq!(render(&spans), expected);
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
}
