//! `llm-trace trace <trace-id>`: one trace as an indented tree — workflow,
//! agents, LLM calls, tools — with a duration bar, tokens, cost, errors and
//! metadata on each node.

use std::collections::{HashMap, HashSet};
use std::io::{self, Write};

use serde_json::{json, Value as Json};

use crate::calls::one_line;
use crate::format::{self, Field, Format, Record};
use crate::input::{self, ReadStats, Source};
use crate::report::csv_field;
use crate::span::Span;

/// Width of the duration bars, in characters.
const BAR_WIDTH: usize = 30;

/// The spans of one trace.
#[derive(Debug, Clone)]
pub struct Trace {
    /// The full trace id.
    pub trace_id: String,
    /// Its spans, in reading order.
    pub spans: Vec<Span>,
    /// What reading found.
    pub read: ReadStats,
}

/// Why a trace could not be shown.
#[derive(Debug)]
pub enum TraceError {
    /// Not a trace id or a prefix of one.
    BadId(String),
    /// No span has it.
    NotFound(String),
    /// A prefix that several traces share.
    Ambiguous(String, Vec<String>),
    /// Reading failed.
    Io(io::Error),
}

impl std::fmt::Display for TraceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TraceError::BadId(id) => write!(
                f,
                "`{id}` is not a trace id: 32 hex digits, or at least the first 4 of them"
            ),
            TraceError::NotFound(id) => write!(f, "no span of trace {id} in the files read"),
            TraceError::Ambiguous(id, ids) => {
                write!(f, "{id} is the start of {} trace ids: ", ids.len())?;
                write!(f, "{}", ids[..ids.len().min(5)].join(", "))?;
                if ids.len() > 5 {
                    write!(f, ", ...")?;
                }
                Ok(())
            }
            TraceError::Io(e) => write!(f, "{e}"),
        }
    }
}

/// Reads the spans of the trace whose id is or starts with `id`.
///
/// Only lines containing `id` are decoded, so looking up one trace in a
/// large file costs little more than reading it.
pub fn find(sources: &[Source], id: &str, errors: &mut dyn Write) -> Result<Trace, TraceError> {
    let wanted = id.trim().to_ascii_lowercase();
    if wanted.len() < 4 || wanted.len() > 32 || !wanted.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(TraceError::BadId(id.to_owned()));
    }
    let mut spans = Vec::new();
    let read = input::read_spans(sources, Some(wanted.as_bytes()), errors, |span| {
        if span.trace_id.starts_with(&wanted) {
            spans.push(span);
        }
    })
    .map_err(TraceError::Io)?;
    let mut ids: Vec<String> = spans.iter().map(|s| s.trace_id.clone()).collect();
    ids.sort();
    ids.dedup();
    match ids.len() {
        0 => Err(TraceError::NotFound(wanted)),
        1 => Ok(Trace {
            trace_id: ids.remove(0),
            spans,
            read,
        }),
        _ => Err(TraceError::Ambiguous(wanted, ids)),
    }
}

/// A span placed in the tree.
struct Node<'a> {
    span: &'a Span,
    depth: usize,
    /// The tree drawing before the name (`│  ├─ `).
    prefix: String,
    /// The drawing before the lines under the name (metadata).
    continuation: String,
}

/// The spans in tree order: each parent before its children, children by
/// start time; spans whose parent is missing from the file are roots.
fn tree(spans: &[Span]) -> Vec<Node<'_>> {
    let ids: HashSet<&str> = spans.iter().map(|s| s.span_id.as_str()).collect();
    let mut children: HashMap<&str, Vec<&Span>> = HashMap::new();
    let mut roots = Vec::new();
    for span in spans {
        let parent = span.parent_span_id.as_str();
        if parent.is_empty() || parent == span.span_id || !ids.contains(parent) {
            roots.push(span);
        } else {
            children.entry(parent).or_default().push(span);
        }
    }
    let by_start = |a: &&Span, b: &&Span| a.start.cmp(&b.start).then(a.span_id.cmp(&b.span_id));
    roots.sort_by(by_start);
    for list in children.values_mut() {
        list.sort_by(by_start);
    }

    let mut nodes = Vec::new();
    let mut visited = HashSet::new();
    // (span, depth, prefix of its children, is last sibling)
    let mut stack: Vec<(&Span, usize, String, bool)> = Vec::new();
    let root_count = roots.len();
    for (i, root) in roots.into_iter().enumerate().rev() {
        stack.push((root, 0, String::new(), i + 1 == root_count));
    }
    while let Some((span, depth, indent, last)) = stack.pop() {
        if !visited.insert(span.span_id.as_str()) {
            continue;
        }
        let (prefix, child_indent) = if depth == 0 {
            (String::new(), String::new())
        } else if last {
            (format!("{indent}└─ "), format!("{indent}   "))
        } else {
            (format!("{indent}├─ "), format!("{indent}│  "))
        };
        let kids = children
            .get(span.span_id.as_str())
            .cloned()
            .unwrap_or_default();
        let continuation = if kids.is_empty() {
            format!("{child_indent}   ")
        } else {
            format!("{child_indent}│  ")
        };
        nodes.push(Node {
            span,
            depth,
            prefix,
            continuation,
        });
        let count = kids.len();
        for (i, kid) in kids.into_iter().enumerate().rev() {
            stack.push((kid, depth + 1, child_indent.clone(), i + 1 == count));
        }
    }
    nodes
}

/// The duration bar of `span` on the trace's time axis `[start, end]`.
fn bar(span: &Span, start: u64, end: u64) -> String {
    let total = end.saturating_sub(start).max(1) as f64;
    let scale =
        |t: u64| ((t.saturating_sub(start)) as f64 / total * BAR_WIDTH as f64).round() as usize;
    let from = scale(span.start).min(BAR_WIDTH - 1);
    let to = scale(span.end).clamp(from + 1, BAR_WIDTH);
    let mut bar = String::with_capacity(BAR_WIDTH * 3);
    for i in 0..BAR_WIDTH {
        bar.push(if (from..to).contains(&i) { '█' } else { '·' });
    }
    bar
}

/// The facts printed after a node's bar: tokens, cost, stream timing,
/// evaluations, and the error last.
fn facts(span: &Span) -> String {
    let mut parts = Vec::new();
    if let Some(provider) = span.provider() {
        parts.push(provider.to_string());
    }
    if let Some(input) = span.input_tokens() {
        let mut text = format!("in {}", format::count(input));
        let cached = span.cache_read_tokens().filter(|&c| c > 0);
        let written = span.cache_write_tokens().filter(|&c| c > 0);
        match (cached, written) {
            (Some(r), Some(w)) => {
                text += &format!(
                    " (cached {}, cache write {})",
                    format::count(r),
                    format::count(w)
                )
            }
            (Some(r), None) => text += &format!(" (cached {})", format::count(r)),
            (None, Some(w)) => text += &format!(" (cache write {})", format::count(w)),
            (None, None) => {}
        }
        parts.push(text);
    }
    if let Some(output) = span.output_tokens() {
        let mut text = format!("out {}", format::count(output));
        if let Some(r) = span.reasoning_tokens().filter(|&r| r > 0) {
            text += &format!(" (reasoning {})", format::count(r));
        }
        parts.push(text);
    }
    if let Some(cost) = span.cost_usd() {
        parts.push(format::usd(cost));
    }
    if let Some(ttfc) = span.time_to_first_chunk() {
        parts.push(format!("first chunk {}", format::duration(ttfc)));
    }
    for evaluation in &span.evaluations {
        parts.push(format!(
            "eval {}={}",
            evaluation.name.as_deref().unwrap_or("score"),
            evaluation.score
        ));
    }
    if span.failed() {
        let mut text = format!("✗ {}", span.error_type().unwrap_or_else(|| "error".into()));
        if !span.status_message.is_empty() {
            text += &format!(": {}", one_line(&span.status_message, 80));
        }
        parts.push(text);
    }
    parts.join("  ")
}

fn metadata_line(span: &Span) -> String {
    span.metadata()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("  ")
}

/// Writes the trace in `format`.
pub fn write(out: &mut dyn Write, trace: &Trace, format: Format) -> io::Result<()> {
    let nodes = tree(&trace.spans);
    let start = trace.spans.iter().map(|s| s.start).min().unwrap_or(0);
    let end = trace.spans.iter().map(|s| s.end).max().unwrap_or(start);
    match format {
        Format::Table => {
            let failed = trace.spans.iter().filter(|s| s.failed()).count();
            let llm_calls = trace.spans.iter().filter(|s| s.is_llm_call()).count();
            let cost: Option<f64> = trace
                .spans
                .iter()
                .filter_map(Span::cost_usd)
                .fold(None, |sum, c| Some(sum.unwrap_or(0.0) + c));
            write!(
                out,
                "trace {}  {}  {} spans, {} LLM calls",
                trace.trace_id,
                format::time(start),
                nodes.len(),
                llm_calls
            )?;
            write!(out, ", {}", format::duration(end.saturating_sub(start)))?;
            if let Some(cost) = cost {
                write!(out, ", {}", format::usd(cost))?;
            }
            if failed > 0 {
                write!(out, ", {failed} failed")?;
            }
            writeln!(out)?;
            let width = nodes
                .iter()
                .map(|n| n.prefix.chars().count() + n.span.name.chars().count())
                .max()
                .unwrap_or(0);
            for node in &nodes {
                let label = format!("{}{}", node.prefix, node.span.name);
                let pad = width - label.chars().count();
                let line = format!(
                    "{label}{:pad$}  {:>10}  {}  {}",
                    "",
                    format::duration(node.span.duration()),
                    bar(node.span, start, end),
                    facts(node.span),
                );
                writeln!(out, "{}", line.trim_end())?;
                let metadata = metadata_line(node.span);
                if !metadata.is_empty() {
                    writeln!(out, "{} {metadata}", node.continuation)?;
                }
            }
            Ok(())
        }
        Format::Json => {
            fn node_json(span: &Span, children: &HashMap<&str, Vec<&Span>>) -> Record {
                let kids: Vec<Record> = children
                    .get(span.span_id.as_str())
                    .map(|kids| kids.iter().map(|k| node_json(k, children)).collect())
                    .unwrap_or_default();
                let attributes = Record(
                    span.attributes
                        .iter()
                        .map(|(k, v)| (k.clone(), Field::Json(v.to_json())))
                        .collect(),
                );
                Record::default()
                    .with("name", span.name.clone())
                    .with("span_id", span.span_id.clone())
                    .with("parent_span_id", span.parent_span_id.clone())
                    .with("start", format::time(span.start))
                    .with("start_unix_nano", span.start.to_string())
                    .with("duration_ms", format::ms(span.duration()))
                    .with("failed", span.failed())
                    .with("error_type", json!(span.error_type()))
                    .with("status_message", span.status_message.clone())
                    .with("attributes", attributes)
                    .with(
                        "evaluations",
                        span.evaluations
                            .iter()
                            .map(|e| json!({"name": e.name, "score": e.score}))
                            .collect::<Vec<Json>>(),
                    )
                    .with("children", kids)
            }
            // Rebuild the parent → children relation from the tree order,
            // which already dropped cycles and placed orphans as roots.
            let mut children: HashMap<&str, Vec<&Span>> = HashMap::new();
            let mut parents: Vec<&Span> = Vec::new();
            let mut roots = Vec::new();
            for node in &nodes {
                parents.truncate(node.depth);
                match parents.last() {
                    Some(parent) => children
                        .entry(parent.span_id.as_str())
                        .or_default()
                        .push(node.span),
                    None => roots.push(node.span),
                }
                parents.push(node.span);
            }
            format::write_json(
                out,
                &Record::default()
                    .with("trace_id", trace.trace_id.clone())
                    .with("start", format::time(start))
                    .with("duration_ms", format::ms(end.saturating_sub(start)))
                    .with(
                        "roots",
                        roots
                            .iter()
                            .map(|r| node_json(r, &children))
                            .collect::<Vec<_>>(),
                    ),
            )
        }
        Format::Csv => {
            let header: Vec<String> = [
                "depth",
                "span_id",
                "parent_span_id",
                "name",
                "start",
                "duration_ms",
                "operation",
                "provider",
                "model",
                "input_tokens",
                "output_tokens",
                "cost_usd",
                "failed",
                "error_type",
            ]
            .iter()
            .map(|h| h.to_string())
            .collect();
            let opt = |v: Option<&str>| v.unwrap_or_default().to_string();
            let rows: Vec<Vec<String>> = nodes
                .iter()
                .map(|n| {
                    let s = n.span;
                    vec![
                        n.depth.to_string(),
                        s.span_id.clone(),
                        s.parent_span_id.clone(),
                        s.name.clone(),
                        format::time(s.start),
                        csv_field(&json!(format::ms(s.duration()))),
                        opt(s.operation()),
                        opt(s.provider()),
                        opt(s.model()),
                        format::csv_num(s.input_tokens()),
                        format::csv_num(s.output_tokens()),
                        format::csv_num(s.cost_usd()),
                        s.failed().to_string(),
                        s.error_type().unwrap_or_default(),
                    ]
                })
                .collect();
            format::write_csv(out, &header, &rows)
        }
    }
}
