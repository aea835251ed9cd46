//! `llm-trace report`: LLM calls grouped by attributes, with counts,
//! errors, tokens, cost and latency per group.

use std::collections::HashMap;
use std::io::{self, Write};

use serde_json::{json, Value as Json};

use crate::filter::Filter;
use crate::format::{self, Field, Format, Record};
use crate::input::{self, ReadStats, Source};
use crate::span::{Span, Value};
use crate::stats::{Accumulator, GroupStats};

/// The keys grouped by when none are given.
pub const DEFAULT_BY: &[&str] = &["gen_ai.provider.name", "gen_ai.request.model"];

/// The values of the grouping keys of one group (`None`: the key is missing).
pub type GroupKey = Vec<Option<Value>>;

/// The order groups are listed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum SortBy {
    /// Most calls first.
    #[default]
    Calls,
    /// Highest cost first (groups without cost data last).
    Cost,
    /// Most errors first.
    Errors,
    /// Slowest p95 latency first.
    P95,
    /// By the grouping values (numbers in numeric order).
    Key,
}

/// LLM calls grouped by the values of some keys.
#[derive(Debug, Clone)]
pub struct Grouped {
    /// The grouping keys.
    pub by: Vec<String>,
    /// Each group's values and figures, sorted.
    pub groups: Vec<(GroupKey, GroupStats)>,
    /// All calls together.
    pub total: GroupStats,
    /// What reading found.
    pub read: ReadStats,
}

/// Reads `sources` and groups the LLM calls that pass `filter` by `by`;
/// `also` sees each of those calls too (the HTML page's charts).
pub fn group(
    sources: &[Source],
    filter: &Filter,
    by: &[String],
    sort: SortBy,
    errors: &mut dyn Write,
    mut also: impl FnMut(&Span),
) -> io::Result<Grouped> {
    let mut accumulators: HashMap<GroupKey, Accumulator> = HashMap::new();
    let read = input::read_spans(sources, None, errors, |span| {
        if !span.is_llm_call() || !filter.matches(&span) {
            return;
        }
        let key: GroupKey = by.iter().map(|k| span.get(k).cloned()).collect();
        accumulators.entry(key).or_default().add(&span);
        also(&span);
    })?;
    let mut total = Accumulator::default();
    let mut groups: Vec<(GroupKey, GroupStats)> = accumulators
        .into_iter()
        .map(|(key, acc)| {
            total.merge(&acc);
            (key, acc.finish())
        })
        .collect();
    sort_groups(&mut groups, sort);
    Ok(Grouped {
        by: by.to_vec(),
        groups,
        total: total.finish(),
        read,
    })
}

fn sort_groups(groups: &mut [(GroupKey, GroupStats)], sort: SortBy) {
    groups.sort_by(|(ka, a), (kb, b)| {
        let primary = match sort {
            SortBy::Calls => b.calls.cmp(&a.calls),
            SortBy::Errors => b.errors.cmp(&a.errors),
            SortBy::Cost => b
                .cost_usd
                .unwrap_or(f64::NEG_INFINITY)
                .total_cmp(&a.cost_usd.unwrap_or(f64::NEG_INFINITY)),
            SortBy::P95 => b.latency.map(|l| l.p95).cmp(&a.latency.map(|l| l.p95)),
            SortBy::Key => std::cmp::Ordering::Equal,
        };
        primary.then_with(|| compare_keys(ka, kb))
    });
}

/// Group values in order, a missing key after every value.
pub fn compare_keys(a: &GroupKey, b: &GroupKey) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    for (x, y) in a.iter().zip(b) {
        let order = match (x, y) {
            (Some(x), Some(y)) => x.cmp(y),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        };
        if order != Ordering::Equal {
            return order;
        }
    }
    a.len().cmp(&b.len())
}

/// How a group value is shown: `-` for a missing key.
pub fn key_text(value: &Option<Value>) -> String {
    value
        .as_ref()
        .map(Value::to_string)
        .unwrap_or_else(|| "-".into())
}

/// A group's values as a JSON object keyed by the grouping keys, in order.
pub fn key_json(by: &[String], key: &GroupKey) -> Record {
    Record(
        by.iter()
            .zip(key)
            .map(|(k, v)| {
                let value = v.as_ref().map(Value::to_json).unwrap_or(Json::Null);
                (k.clone(), Field::Json(value))
            })
            .collect(),
    )
}

/// The table column headers after the grouping keys.
pub(crate) const TABLE_HEADERS: &[&str] = &[
    "calls",
    "errors",
    "error %",
    "input",
    "cached",
    "output",
    "reasoning",
    "cost",
    "cost/call",
    "p50 ms",
    "p95 ms",
    "p99 ms",
    "max ms",
    "ttft p50 ms",
];

/// A group's figures as displayed in the table.
pub(crate) fn table_cells(stats: &GroupStats) -> Vec<String> {
    let latency = |f: fn(&crate::stats::Percentiles) -> u64| {
        stats
            .latency
            .as_ref()
            .map(|p| format::ms_text(f(p)))
            .unwrap_or_else(|| "-".into())
    };
    vec![
        format::count(stats.calls),
        format::count(stats.errors),
        format::percent(stats.error_rate()),
        format::opt_count(stats.input_tokens),
        format::opt_count(stats.cache_read_tokens),
        format::opt_count(stats.output_tokens),
        format::opt_count(stats.reasoning_tokens),
        cost_text(stats),
        match stats.cost_per_call() {
            Some(c) => format::usd(c),
            None => "no data".into(),
        },
        latency(|p| p.p50),
        latency(|p| p.p95),
        latency(|p| p.p99),
        latency(|p| p.max),
        stats
            .time_to_first_chunk
            .map(|p| format::ms_text(p.p50))
            .unwrap_or_else(|| "-".into()),
    ]
}

/// The cost cell: the sum, `(priced/calls)` after it when only some calls
/// have a cost, `no data` when none has.
pub fn cost_text(stats: &GroupStats) -> String {
    match stats.cost_usd {
        None => "no data".into(),
        Some(cost) if stats.priced_calls < stats.calls => format!(
            "{} ({}/{})",
            format::usd(cost),
            format::count(stats.priced_calls),
            format::count(stats.calls)
        ),
        Some(cost) => format::usd(cost),
    }
}

/// The field names of a group's figures in JSON and CSV, in order.
pub const FIELDS: &[&str] = &[
    "calls",
    "errors",
    "error_rate",
    "input_tokens",
    "cache_read_input_tokens",
    "cache_write_input_tokens",
    "output_tokens",
    "reasoning_output_tokens",
    "cost_usd",
    "cost_per_call_usd",
    "priced_calls",
    "latency_p50_ms",
    "latency_p95_ms",
    "latency_p99_ms",
    "latency_max_ms",
    "streams",
    "ttft_p50_ms",
    "ttft_p95_ms",
    "ttft_p99_ms",
    "ttft_max_ms",
];

/// A group's figures as JSON values, in the order of [`FIELDS`]; `null`
/// where nothing was reported (no cost data is `null`, never `0`).
pub fn field_values(stats: &GroupStats) -> Vec<Json> {
    let ms = |p: Option<crate::stats::Percentiles>, f: fn(crate::stats::Percentiles) -> u64| {
        p.map(|p| json!(format::ms(f(p)))).unwrap_or(Json::Null)
    };
    vec![
        json!(stats.calls),
        json!(stats.errors),
        json!(stats.error_rate()),
        json!(stats.input_tokens),
        json!(stats.cache_read_tokens),
        json!(stats.cache_write_tokens),
        json!(stats.output_tokens),
        json!(stats.reasoning_tokens),
        json!(stats.cost_usd),
        json!(stats.cost_per_call()),
        json!(stats.priced_calls),
        ms(stats.latency, |p| p.p50),
        ms(stats.latency, |p| p.p95),
        ms(stats.latency, |p| p.p99),
        ms(stats.latency, |p| p.max),
        json!(stats.streams),
        ms(stats.time_to_first_chunk, |p| p.p50),
        ms(stats.time_to_first_chunk, |p| p.p95),
        ms(stats.time_to_first_chunk, |p| p.p99),
        ms(stats.time_to_first_chunk, |p| p.max),
    ]
}

fn fields_record(record: Record, stats: &GroupStats) -> Record {
    FIELDS
        .iter()
        .zip(field_values(stats))
        .fold(record, |record, (name, value)| record.with(*name, value))
}

/// A JSON value as a CSV field: numbers and strings as written, `null` empty.
pub fn csv_field(value: &Json) -> String {
    match value {
        Json::Null => String::new(),
        Json::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Writes the grouped figures in `format`.
pub fn write(out: &mut dyn Write, grouped: &Grouped, format: Format) -> io::Result<()> {
    match format {
        Format::Table => {
            if grouped.groups.is_empty() {
                return writeln!(out, "no LLM calls ({} spans read)", grouped.read.spans);
            }
            let mut headers = grouped.by.clone();
            headers.extend(TABLE_HEADERS.iter().map(|h| h.to_string()));
            let keys = grouped.by.len();
            let right: Vec<usize> = (keys..headers.len()).collect();
            let mut rows: Vec<Vec<String>> = grouped
                .groups
                .iter()
                .map(|(key, stats)| {
                    let mut row: Vec<String> = key.iter().map(key_text).collect();
                    row.extend(table_cells(stats));
                    row
                })
                .collect();
            if grouped.groups.len() > 1 {
                let mut row = vec!["total".to_string()];
                row.extend((1..keys).map(|_| String::new()));
                row.extend(table_cells(&grouped.total));
                rows.push(row);
            }
            format::write_table(out, &format::table(&headers, &right, rows))?;
            if grouped.groups.iter().any(|(_, s)| s.priced_calls < s.calls) {
                writeln!(
                    out,
                    "cost: sum of llm_trace.cost.usd; (n/m): n of m calls priced; no data: no call priced"
                )?;
            }
            Ok(())
        }
        Format::Json => {
            let groups: Vec<Record> = grouped
                .groups
                .iter()
                .map(|(key, stats)| {
                    fields_record(
                        Record::default().with("group", key_json(&grouped.by, key)),
                        stats,
                    )
                })
                .collect();
            format::write_json(
                out,
                &Record::default()
                    .with("by", grouped.by.clone())
                    .with("groups", groups)
                    .with("total", fields_record(Record::default(), &grouped.total))
                    .with("spans_read", grouped.read.spans)
                    .with("malformed_lines", grouped.read.malformed),
            )
        }
        Format::Csv => {
            let mut header = grouped.by.clone();
            header.extend(FIELDS.iter().map(|f| f.to_string()));
            let rows: Vec<Vec<String>> = grouped
                .groups
                .iter()
                .map(|(key, stats)| {
                    let mut row: Vec<String> = key
                        .iter()
                        .map(|v| v.as_ref().map(Value::to_string).unwrap_or_default())
                        .collect();
                    row.extend(field_values(stats).iter().map(csv_field));
                    row
                })
                .collect();
            format::write_csv(out, &header, &rows)
        }
    }
}
