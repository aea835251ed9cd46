//! `llm-trace slow` and `llm-trace errors`: single calls, listed.
//!
//! Both keep only the calls they will print (a bounded heap), so their
//! memory does not grow with the files.

use std::cmp::{Ordering, Reverse};
use std::collections::{BTreeMap, BinaryHeap};
use std::io::{self, Write};

use serde_json::{json, Value as Json};

use crate::filter::Filter;
use crate::format::{self, Field, Format, Record};
use crate::input::{self, ReadStats, Source};
use crate::report::csv_field;
use crate::span::{Span, Value};

/// A span ranked by `rank`, ties broken by reading order (earlier first).
struct Ranked {
    rank: u64,
    order: u64,
    span: Span,
}

impl PartialEq for Ranked {
    fn eq(&self, other: &Ranked) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Ranked {}
impl PartialOrd for Ranked {
    fn partial_cmp(&self, other: &Ranked) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
/// Greater is better: higher rank, then read earlier.
impl Ord for Ranked {
    fn cmp(&self, other: &Ranked) -> Ordering {
        self.rank
            .cmp(&other.rank)
            .then_with(|| other.order.cmp(&self.order))
    }
}

/// The best `n` spans by `rank`, best first.
struct Top {
    n: usize,
    heap: BinaryHeap<Reverse<Ranked>>,
    order: u64,
}

impl Top {
    fn new(n: usize) -> Top {
        Top {
            n,
            heap: BinaryHeap::with_capacity(n.min(1 << 16) + 1),
            order: 0,
        }
    }

    fn offer(&mut self, rank: u64, span: Span) {
        self.order += 1;
        if self.n == 0 {
            return;
        }
        let candidate = Ranked {
            rank,
            order: self.order,
            span,
        };
        if self.heap.len() < self.n {
            self.heap.push(Reverse(candidate));
        } else if self
            .heap
            .peek()
            .is_some_and(|Reverse(worst)| candidate > *worst)
        {
            self.heap.pop();
            self.heap.push(Reverse(candidate));
        }
    }

    fn into_sorted(self) -> Vec<Span> {
        let mut ranked: Vec<Ranked> = self.heap.into_iter().map(|Reverse(r)| r).collect();
        ranked.sort_by(|a, b| b.cmp(a));
        ranked.into_iter().map(|r| r.span).collect()
    }
}

/// The slowest LLM calls.
#[derive(Debug, Clone)]
pub struct Slowest {
    /// Slowest first.
    pub calls: Vec<Span>,
    /// LLM calls that passed the filter.
    pub considered: u64,
    /// What reading found.
    pub read: ReadStats,
}

/// The `top` slowest LLM calls of `sources` that pass `filter`.
pub fn slowest(
    sources: &[Source],
    filter: &Filter,
    top: usize,
    errors: &mut dyn Write,
) -> io::Result<Slowest> {
    let mut best = Top::new(top);
    let mut considered = 0;
    let read = input::read_spans(sources, None, errors, |span| {
        if span.is_llm_call() && filter.matches(&span) {
            considered += 1;
            best.offer(span.duration(), span);
        }
    })?;
    Ok(Slowest {
        calls: best.into_sorted(),
        considered,
        read,
    })
}

/// The failed spans of GenAI operations: LLM calls, tools, agents, workflows.
#[derive(Debug, Clone)]
pub struct Failures {
    /// Newest first, at most the limit asked for.
    pub spans: Vec<Span>,
    /// All failed spans that passed the filter.
    pub failed: u64,
    /// GenAI spans that passed the filter.
    pub considered: u64,
    /// Failures per `error.type` (`-` when there is none).
    pub by_type: BTreeMap<String, u64>,
    /// What reading found.
    pub read: ReadStats,
}

/// The newest `limit` failed GenAI spans of `sources` that pass `filter`.
pub fn failures(
    sources: &[Source],
    filter: &Filter,
    limit: usize,
    errors: &mut dyn Write,
) -> io::Result<Failures> {
    let mut newest = Top::new(limit);
    let (mut failed, mut considered) = (0, 0);
    let mut by_type = BTreeMap::new();
    let read = input::read_spans(sources, None, errors, |span| {
        if span.operation().is_none() || !filter.matches(&span) {
            return;
        }
        considered += 1;
        if span.failed() {
            failed += 1;
            *by_type
                .entry(span.error_type().unwrap_or_else(|| "-".into()))
                .or_insert(0) += 1;
            newest.offer(span.start, span);
        }
    })?;
    Ok(Failures {
        spans: newest.into_sorted(),
        failed,
        considered,
        by_type,
        read,
    })
}

fn opt_json<T: Into<Json>>(value: Option<T>) -> Json {
    value.map(Into::into).unwrap_or(Json::Null)
}

fn shown(span: &Span, show: &[String]) -> Vec<Json> {
    show.iter()
        .map(|k| span.get(k).map(Value::to_json).unwrap_or(Json::Null))
        .collect()
}

fn shown_text(span: &Span, show: &[String]) -> Vec<String> {
    show.iter()
        .map(|k| {
            span.get(k)
                .map(Value::to_string)
                .unwrap_or_else(|| "-".into())
        })
        .collect()
}

/// Writes one record per span (values in the order of `names`) as a JSON
/// array or CSV rows.
fn write_records(
    out: &mut dyn Write,
    format: Format,
    names: &[String],
    records: Vec<Vec<Json>>,
) -> io::Result<()> {
    match format {
        Format::Json => {
            let array: Vec<Record> = records
                .into_iter()
                .map(|values| {
                    Record(
                        names
                            .iter()
                            .cloned()
                            .zip(values.into_iter().map(Field::Json))
                            .collect(),
                    )
                })
                .collect();
            format::write_json(out, &array)
        }
        _ => {
            let rows: Vec<Vec<String>> = records
                .iter()
                .map(|values| values.iter().map(csv_field).collect())
                .collect();
            format::write_csv(out, names, &rows)
        }
    }
}

/// Writes the slowest calls; `show` adds attribute columns.
pub fn write_slowest(
    out: &mut dyn Write,
    slowest: &Slowest,
    show: &[String],
    format: Format,
) -> io::Result<()> {
    if format == Format::Table {
        if slowest.calls.is_empty() {
            return writeln!(out, "no LLM calls ({} spans read)", slowest.read.spans);
        }
        let mut headers: Vec<String> = [
            "ms", "start", "trace id", "call", "provider", "input", "output", "cost", "error",
        ]
        .iter()
        .map(|h| h.to_string())
        .collect();
        headers.extend(show.iter().cloned());
        let rows = slowest
            .calls
            .iter()
            .map(|span| {
                let mut row = vec![
                    format::ms_text(span.duration()),
                    format::time(span.start),
                    span.trace_id.clone(),
                    span.name.clone(),
                    span.provider().unwrap_or("-").to_string(),
                    format::opt_count(span.input_tokens()),
                    format::opt_count(span.output_tokens()),
                    span.cost_usd()
                        .map(format::usd)
                        .unwrap_or_else(|| "-".into()),
                    span.error_type().unwrap_or_default(),
                ];
                row.extend(shown_text(span, show));
                row
            })
            .collect();
        format::write_table(out, &format::table(&headers, &[0, 5, 6, 7], rows))?;
        return writeln!(
            out,
            "the {} slowest of {} LLM calls",
            slowest.calls.len(),
            format::count(slowest.considered)
        );
    }
    let mut names: Vec<String> = [
        "duration_ms",
        "start",
        "start_unix_nano",
        "trace_id",
        "span_id",
        "name",
        "provider",
        "model",
        "input_tokens",
        "output_tokens",
        "cost_usd",
        "error_type",
    ]
    .iter()
    .map(|h| h.to_string())
    .collect();
    names.extend(show.iter().cloned());
    let records = slowest
        .calls
        .iter()
        .map(|span| {
            let mut values = vec![
                json!(format::ms(span.duration())),
                json!(format::time(span.start)),
                json!(span.start.to_string()),
                json!(span.trace_id),
                json!(span.span_id),
                json!(span.name),
                opt_json(span.provider()),
                opt_json(span.model()),
                opt_json(span.input_tokens()),
                opt_json(span.output_tokens()),
                opt_json(span.cost_usd()),
                opt_json(span.error_type()),
            ];
            values.extend(shown(span, show));
            values
        })
        .collect();
    write_records(out, format, &names, records)
}

/// Writes the failures; `show` adds attribute columns.
pub fn write_failures(
    out: &mut dyn Write,
    failures: &Failures,
    show: &[String],
    format: Format,
) -> io::Result<()> {
    if format == Format::Table {
        if failures.spans.is_empty() {
            return writeln!(
                out,
                "no failed calls among {} GenAI spans",
                format::count(failures.considered)
            );
        }
        let mut headers: Vec<String> = ["start", "trace id", "span", "error.type", "message", "ms"]
            .iter()
            .map(|h| h.to_string())
            .collect();
        headers.extend(show.iter().cloned());
        let rows = failures
            .spans
            .iter()
            .map(|span| {
                let mut row = vec![
                    format::time(span.start),
                    span.trace_id.clone(),
                    span.name.clone(),
                    span.error_type().unwrap_or_else(|| "-".into()),
                    one_line(&span.status_message, 60),
                    format::ms_text(span.duration()),
                ];
                row.extend(shown_text(span, show));
                row
            })
            .collect();
        format::write_table(out, &format::table(&headers, &[5], rows))?;
        let by_type: Vec<String> = failures
            .by_type
            .iter()
            .map(|(t, n)| format!("{t} {}", format::count(*n)))
            .collect();
        let shown = if failures.spans.len() as u64 == failures.failed {
            String::new()
        } else {
            format!(" (newest {} shown)", failures.spans.len())
        };
        return writeln!(
            out,
            "{} failed of {} GenAI spans ({}){shown}; by error.type: {}",
            format::count(failures.failed),
            format::count(failures.considered),
            format::percent(failures.failed as f64 / failures.considered.max(1) as f64),
            by_type.join(", ")
        );
    }
    let mut names: Vec<String> = [
        "start",
        "start_unix_nano",
        "trace_id",
        "span_id",
        "name",
        "operation",
        "provider",
        "model",
        "error_type",
        "status_message",
        "duration_ms",
    ]
    .iter()
    .map(|h| h.to_string())
    .collect();
    names.extend(show.iter().cloned());
    let records = failures
        .spans
        .iter()
        .map(|span| {
            let mut values = vec![
                json!(format::time(span.start)),
                json!(span.start.to_string()),
                json!(span.trace_id),
                json!(span.span_id),
                json!(span.name),
                opt_json(span.operation()),
                opt_json(span.provider()),
                opt_json(span.model()),
                opt_json(span.error_type()),
                json!(span.status_message),
                json!(format::ms(span.duration())),
            ];
            values.extend(shown(span, show));
            values
        })
        .collect();
    write_records(out, format, &names, records)
}

/// `text` on one line, cut to `max` characters with an ellipsis.
pub fn one_line(text: &str, max: usize) -> String {
    let flat: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if flat.chars().count() <= max {
        flat
    } else {
        let mut cut: String = flat.chars().take(max.saturating_sub(1)).collect();
        cut.push('…');
        cut
    }
}
