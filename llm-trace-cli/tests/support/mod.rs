//! A generated OTLP JSON-lines file of 103 000 spans whose figures are known
//! by construction, and helpers to run the command on it.
//!
//! 100 000 LLM calls, call `i` (0-based) starting at 2026-05-01T00:00:00Z
//! plus `i` × 36 ms (one hour in all), in four groups by `i % 4` of 25 000
//! calls each (`k = i / 4` is a call's index in its group):
//!
//! | group | provider / model | duration (ns) of the call whose rank is `j` | tokens | cost (µ$) | errors |
//! |---|---|---|---|---|---|
//! | 0 | openai / gpt-4o-mini, chat | 100 ms + j × 10 µs | in 1000 + k%100 (cached 500 if k even), out 200 + k%10, reasoning 0 | 317 + 20 × (k%10) | k%100 == 0: `http_429`, no usage, no cost |
//! | 1 | anthropic / claude-sonnet-4-5, chat | 500 ms + j × 40 µs | in 2000 + k%100 (cache read 1000 if k%4==0, write 200 if k%4==1), out 300 + k%10 | 1200 + 300 × (k%4) | none |
//! | 2 | gcp.gemini / gemini-2.5-flash, stream | 1000.0005 ms + j × 20 µs; first chunk 50 ms + j × 1 µs | in 800 + k%100 (cached 0), out 400 + k%10, reasoning 100 if k even | 100 | none |
//! | 3 | openai / text-embedding-3-small, embeddings | 20 ms + j × 1 µs | in 50 + k%10 | none | k%500 == 0: `timeout`, no usage |
//!
//! The rank `j` of call `k` is `k × 7919 mod 25000`, a permutation, so every
//! group's durations are exactly {base + j × step : j < 25 000} in shuffled
//! order and their nearest-rank percentiles are base + (⌈p·n/100⌉ − 1) × step.
//!
//! Groups 0 and 1 have `gen_ai.request.temperature` 0.2 (k even) or 0.8 (k
//! odd); group 1's calls carry a `gen_ai.evaluation.result` event scoring
//! 0.75 (k even) or 0.5 (k odd). Metadata on every call: `feature` =
//! summarize / search / triage by k%3, `prompt_id` = k%5 + 1 (an integer).
//! Group 3's spans come from a resource with `service.name = embedder`, the
//! others from `service.name = support-bot`.
//!
//! 1 000 call chains (t < 1000): a workflow span `invoke_workflow
//! support_ticket`, its agent `invoke_agent triage_agent`, under which the
//! group-0 and group-1 calls with k = 25·t and a tool span `execute_tool
//! order_lookup` (2 ms, 5 ms after the first call's start). When the
//! group-0 call failed (t % 4 == 0), the agent failed too (`http_429`).
//!
//! The file has 500 spans per line and three malformed lines (line 3: not
//! JSON, line 7: cut short, line 11: JSON without `resourceSpans`) and a
//! metrics line (line 15), all of which must be skipped.

#![allow(dead_code)]

use std::fmt::Write as _;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// LLM calls per group.
pub const N: u64 = 25_000;
/// 2026-05-01T00:00:00Z in Unix seconds.
pub const T0_SECONDS: u64 = 1_777_593_600;
const T0: u64 = T0_SECONDS * 1_000_000_000;
const STEP_BETWEEN_CALLS: u64 = 36_000_000;
const CHAINS: u64 = 1_000;

/// The rank of call `k` among its group's durations.
pub fn rank(k: u64) -> u64 {
    k * 7919 % N
}

/// The group-index `k` whose rank is `j`.
pub fn k_of_rank(j: u64) -> u64 {
    (0..N).find(|&k| rank(k) == j).unwrap()
}

/// Duration of group `g`'s call of rank `j`, in ns.
pub fn duration(g: u64, j: u64) -> u64 {
    match g {
        0 => 100_000_000 + j * 10_000,
        1 => 500_000_000 + j * 40_000,
        2 => 1_000_000_500 + j * 20_000,
        _ => 20_000_000 + j * 1_000,
    }
}

/// The start of call `i`, in ns since the epoch.
pub fn start(i: u64) -> u64 {
    T0 + i * STEP_BETWEEN_CALLS
}

/// The trace id of call `i`: its chain's when it is in one.
pub fn trace_id(i: u64) -> String {
    match chain_of(i) {
        Some(t) => chain_trace_id(t),
        None => format!("5a5a5a5a{i:024x}"),
    }
}

/// The trace id of chain `t`: unique from its 8th digit on.
pub fn chain_trace_id(t: u64) -> String {
    format!("{t:08x}c4a1c4a1c4a1c4a1c4a1c4a1")
}

fn chain_of(i: u64) -> Option<u64> {
    let (g, k) = (i % 4, i / 4);
    (g <= 1 && k % 25 == 0 && k / 25 < CHAINS).then_some(k / 25)
}

/// Whether call `i` failed.
pub fn failed(i: u64) -> bool {
    let (g, k) = (i % 4, i / 4);
    (g == 0 && k % 100 == 0) || (g == 3 && k % 500 == 0)
}

const FEATURES: [&str; 3] = ["summarize", "search", "triage"];

fn attr_str(out: &mut String, key: &str, value: &str) {
    write!(
        out,
        r#"{{"key":"{key}","value":{{"stringValue":"{value}"}}}},"#
    )
    .unwrap();
}
fn attr_int(out: &mut String, key: &str, value: u64) {
    write!(
        out,
        r#"{{"key":"{key}","value":{{"intValue":"{value}"}}}},"#
    )
    .unwrap();
}
fn attr_double(out: &mut String, key: &str, value: f64) {
    write!(
        out,
        r#"{{"key":"{key}","value":{{"doubleValue":{value:?}}}}},"#
    )
    .unwrap();
}
fn attr_bool(out: &mut String, key: &str, value: bool) {
    write!(out, r#"{{"key":"{key}","value":{{"boolValue":{value}}}}},"#).unwrap();
}

#[allow(clippy::too_many_arguments)]
fn span(
    out: &mut String,
    trace: &str,
    id: u64,
    parent: Option<u64>,
    name: &str,
    start: u64,
    end: u64,
    attributes: &str,
    events: &str,
    error: Option<&str>,
) {
    let parent = parent.map(|p| format!("{p:016x}")).unwrap_or_default();
    let status = match error {
        Some(message) => format!(r#"{{"message":"{message}","code":2}}"#),
        None => r#"{"message":"","code":0}"#.to_owned(),
    };
    write!(
        out,
        r#"{{"traceId":"{trace}","spanId":"{id:016x}","traceState":"","parentSpanId":"{parent}","flags":257,"name":"{name}","kind":3,"startTimeUnixNano":"{start}","endTimeUnixNano":"{end}","attributes":[{}],"droppedAttributesCount":0,"events":[{events}],"droppedEventsCount":0,"links":[],"droppedLinksCount":0,"status":{status}}},"#,
        attributes.trim_end_matches(',')
    )
    .unwrap();
}

fn call_span(out: &mut String, i: u64) {
    let (g, k) = (i % 4, i / 4);
    let j = rank(k);
    let begin = start(i);
    let end = begin + duration(g, j);
    let failed = failed(i);
    let mut a = String::new();
    let (operation, provider, model) = match g {
        0 => ("chat", "openai", "gpt-4o-mini"),
        1 => ("chat", "anthropic", "claude-sonnet-4-5"),
        2 => ("chat", "gcp.gemini", "gemini-2.5-flash"),
        _ => ("embeddings", "openai", "text-embedding-3-small"),
    };
    attr_str(&mut a, "gen_ai.operation.name", operation);
    attr_str(&mut a, "gen_ai.provider.name", provider);
    attr_str(&mut a, "gen_ai.request.model", model);
    if g <= 1 {
        attr_double(
            &mut a,
            "gen_ai.request.temperature",
            if k % 2 == 0 { 0.2 } else { 0.8 },
        );
    }
    if g == 2 {
        attr_bool(&mut a, "gen_ai.request.stream", true);
        attr_double(
            &mut a,
            "gen_ai.response.time_to_first_chunk",
            (50_000_000 + j * 1_000) as f64 / 1e9,
        );
    }
    attr_str(&mut a, "feature", FEATURES[(k % 3) as usize]);
    attr_int(&mut a, "prompt_id", k % 5 + 1);
    if !failed {
        match g {
            0 => {
                attr_int(&mut a, "gen_ai.usage.input_tokens", 1000 + k % 100);
                attr_int(
                    &mut a,
                    "gen_ai.usage.cache_read.input_tokens",
                    if k % 2 == 0 { 500 } else { 0 },
                );
                attr_int(&mut a, "gen_ai.usage.output_tokens", 200 + k % 10);
                attr_int(&mut a, "gen_ai.usage.reasoning.output_tokens", 0);
                attr_double(
                    &mut a,
                    "llm_trace.cost.usd",
                    (317 + 20 * (k % 10)) as f64 / 1e6,
                );
            }
            1 => {
                attr_int(&mut a, "gen_ai.usage.input_tokens", 2000 + k % 100);
                attr_int(
                    &mut a,
                    "gen_ai.usage.cache_read.input_tokens",
                    if k % 4 == 0 { 1000 } else { 0 },
                );
                attr_int(
                    &mut a,
                    "gen_ai.usage.cache_write.input_tokens",
                    if k % 4 == 1 { 200 } else { 0 },
                );
                attr_int(&mut a, "gen_ai.usage.output_tokens", 300 + k % 10);
                attr_double(
                    &mut a,
                    "llm_trace.cost.usd",
                    (1200 + 300 * (k % 4)) as f64 / 1e6,
                );
            }
            2 => {
                attr_int(&mut a, "gen_ai.usage.input_tokens", 800 + k % 100);
                attr_int(&mut a, "gen_ai.usage.cache_read.input_tokens", 0);
                attr_int(&mut a, "gen_ai.usage.output_tokens", 400 + k % 10);
                attr_int(
                    &mut a,
                    "gen_ai.usage.reasoning.output_tokens",
                    if k % 2 == 0 { 100 } else { 0 },
                );
                attr_double(&mut a, "llm_trace.cost.usd", 100.0 / 1e6);
            }
            _ => attr_int(&mut a, "gen_ai.usage.input_tokens", 50 + k % 10),
        }
    } else {
        attr_str(
            &mut a,
            "error.type",
            if g == 0 { "http_429" } else { "timeout" },
        );
    }
    let events = if g == 1 {
        format!(
            r#"{{"timeUnixNano":"{end}","name":"gen_ai.evaluation.result","attributes":[{{"key":"gen_ai.evaluation.name","value":{{"stringValue":"helpfulness"}}}},{{"key":"gen_ai.evaluation.score.value","value":{{"doubleValue":{}}}}}],"droppedAttributesCount":0}}"#,
            if k % 2 == 0 { "0.75" } else { "0.5" }
        )
    } else {
        String::new()
    };
    let parent = chain_of(i).map(|t| 0xb_0000_0000 + t);
    let error = failed.then_some(if g == 0 {
        "rate limited"
    } else {
        "deadline exceeded"
    });
    span(
        out,
        &trace_id(i),
        0x1_0000_0000 + i,
        parent,
        &format!("{operation} {model}"),
        begin,
        end,
        &a,
        &events,
        error,
    );
}

/// The chain spans of chain `t`: workflow, agent, tool.
fn chain_spans(out: &mut String, t: u64) {
    let first = 4 * 25 * t; // the group-0 call
    let second = first + 1; // the group-1 call
    let first_start = start(first);
    let end =
        (start(first) + duration(0, rank(25 * t))).max(start(second) + duration(1, rank(25 * t)));
    let trace = chain_trace_id(t);
    let mut a = String::new();
    attr_str(&mut a, "gen_ai.operation.name", "invoke_workflow");
    attr_str(&mut a, "gen_ai.workflow.name", "support_ticket");
    attr_str(&mut a, "tenant", "acme");
    span(
        out,
        &trace,
        0xa_0000_0000 + t,
        None,
        "invoke_workflow support_ticket",
        first_start - 1_000_000,
        end + 1_000_000,
        &a,
        "",
        None,
    );
    let failed = t % 4 == 0;
    let mut a = String::new();
    attr_str(&mut a, "gen_ai.operation.name", "invoke_agent");
    attr_str(&mut a, "gen_ai.agent.name", "triage_agent");
    attr_str(&mut a, "tenant", "acme");
    if failed {
        attr_str(&mut a, "error.type", "http_429");
    }
    span(
        out,
        &trace,
        0xb_0000_0000 + t,
        Some(0xa_0000_0000 + t),
        "invoke_agent triage_agent",
        first_start - 500_000,
        end + 500_000,
        &a,
        "",
        failed.then_some("rate limited"),
    );
    let mut a = String::new();
    attr_str(&mut a, "gen_ai.operation.name", "execute_tool");
    attr_str(&mut a, "gen_ai.tool.name", "order_lookup");
    attr_str(&mut a, "tenant", "acme");
    span(
        out,
        &trace,
        0xd_0000_0000 + t,
        Some(0xb_0000_0000 + t),
        "execute_tool order_lookup",
        first_start + 5_000_000,
        first_start + 7_000_000,
        &a,
        "",
        None,
    );
}

fn resource_spans(service: &str, spans: &str) -> String {
    format!(
        r#"{{"resource":{{"attributes":[{{"key":"service.name","value":{{"stringValue":"{service}"}}}}],"droppedAttributesCount":0}},"scopeSpans":[{{"scope":{{"name":"llm-trace","version":"0.1.0"}},"spans":[{}]}}]}}"#,
        spans.trim_end_matches(',')
    )
}

/// Writes the file described in the module docs to `path`.
pub fn write_file(path: &Path) {
    let mut out = BufWriter::new(File::create(path).unwrap());
    let mut line_number = 0;
    let mut emit = |out: &mut BufWriter<File>, line: &str| {
        line_number += 1;
        let bad = match line_number {
            3 => Some("this is not JSON"),
            7 => Some(r#"{"resourceSpans":[{"resource":{"attri"#),
            11 => Some(r#"{"hello":"world"}"#),
            15 => Some(r#"{"resourceMetrics":[{"resource":{"attributes":[]},"scopeMetrics":[]}]}"#),
            _ => None,
        };
        if let Some(bad) = bad {
            writeln!(out, "{bad}").unwrap();
            line_number += 1;
        }
        writeln!(out, "{line}").unwrap();
    };
    // 500 calls per line; group 3 under its own resource in the same line.
    for batch in 0..(4 * N / 500) {
        let (mut main, mut embedder) = (String::new(), String::new());
        for i in batch * 500..(batch + 1) * 500 {
            call_span(if i % 4 == 3 { &mut embedder } else { &mut main }, i);
            if i % 4 == 0 && i / 4 % 25 == 0 && i / 100 < CHAINS {
                chain_spans(&mut main, i / 100);
            }
        }
        let line = format!(
            r#"{{"resourceSpans":[{},{}]}}"#,
            resource_spans("support-bot", &main),
            resource_spans("embedder", &embedder)
        );
        emit(&mut out, &line);
    }
    out.flush().unwrap();
}

/// The generated file, written once per test binary.
pub fn file() -> &'static Path {
    static FILE: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    let (_, path) = FILE.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("llm-trace.jsonl");
        write_file(&path);
        (dir, path)
    });
    path
}

/// Runs the command (arguments after the program name); returns (exit
/// code, stdout, stderr).
pub fn run(args: &[&str]) -> (i32, String, String) {
    let mut out = Vec::new();
    let mut err = Vec::new();
    let code = llm_trace_cli::run(
        std::iter::once("llm-trace").chain(args.iter().copied()),
        &mut out,
        &mut err,
    );
    (
        code,
        String::from_utf8(out).unwrap(),
        String::from_utf8(err).unwrap(),
    )
}

/// Runs the command on the generated file and expects success.
pub fn run_ok(args: &[&str]) -> (String, String) {
    let path = file().to_str().unwrap().to_owned();
    let mut all: Vec<&str> = args.to_vec();
    all.push(&path);
    let (code, out, err) = run(&all);
    assert_eq!(code, 0, "llm-trace {args:?} failed: {err}");
    (out, err)
}

/// The nearest-rank percentile of group `g`'s durations, in ns.
pub fn percentile(g: u64, p: u64) -> u64 {
    duration(g, (p * N).div_ceil(100) - 1)
}
