//! Where spans are read from — files, rotated parts, stdin, the default
//! file — and what happens with input that is not what it should be. Runs
//! the built binary where the process matters (stdin, working directory,
//! exit codes).

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

/// One OTLP/JSON line holding `calls` chat calls of `model`, 1 ms each.
fn line(model: &str, calls: u64) -> String {
    let spans: Vec<String> = (0..calls)
        .map(|n| {
            format!(
                r#"{{"traceId":"{n:032x}","spanId":"{n:016x}","parentSpanId":"","name":"chat {model}","kind":3,"startTimeUnixNano":"1777593600000000000","endTimeUnixNano":"1777593600001000000","attributes":[{{"key":"gen_ai.operation.name","value":{{"stringValue":"chat"}}}},{{"key":"gen_ai.provider.name","value":{{"stringValue":"openai"}}}},{{"key":"gen_ai.request.model","value":{{"stringValue":"{model}"}}}}],"status":{{"code":0}}}}"#
            )
        })
        .collect();
    format!(
        r#"{{"resourceSpans":[{{"resource":{{"attributes":[]}},"scopeSpans":[{{"scope":{{"name":"llm-trace"}},"spans":[{}]}}]}}]}}"#,
        spans.join(",")
    )
}

fn write(path: &Path, lines: &[String]) {
    let mut text = lines.join("\n");
    text.push('\n');
    std::fs::write(path, text).unwrap();
}

/// Runs the binary in `dir` with `stdin`.
fn binary(dir: &Path, args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_llm-trace"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
}

/// Calls per model, from `report --format json` run in-process.
fn calls_per_model(args: &[&str]) -> Vec<(String, u64)> {
    let mut out = Vec::new();
    let mut err = Vec::new();
    let mut all = vec!["llm-trace", "report", "--format", "json", "--sort", "key"];
    all.extend_from_slice(args);
    let code = llm_trace_cli::run(all, &mut out, &mut err);
    assert_eq!(code, 0, "{}", String::from_utf8_lossy(&err));
    let report: Value = serde_json::from_slice(&out).unwrap();
    report["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["group"]["gen_ai.request.model"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
                g["calls"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn rotated_parts_are_read_with_their_file_once_each() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("llm-trace.jsonl");
    write(&file, &[line("current", 1)]);
    write(&dir.path().join("llm-trace.jsonl.1"), &[line("part-1", 2)]);
    // No part 2: part 3 is read all the same.
    write(&dir.path().join("llm-trace.jsonl.3"), &[line("part-3", 4)]);
    write(
        &dir.path().join("other.jsonl"),
        &[line("other", 8), line("other", 8)],
    );
    let path = file.to_str().unwrap();
    let all = vec![
        ("current".to_owned(), 1),
        ("part-1".to_owned(), 2),
        ("part-3".to_owned(), 4),
    ];
    assert_eq!(calls_per_model(&[path]), all);
    // Naming a part too reads it once.
    let part = format!("{path}.1");
    assert_eq!(calls_per_model(&[path, &part, path]), all);
    assert_eq!(
        calls_per_model(&["--no-rotated", path]),
        [("current".to_owned(), 1)]
    );
    // Several files add up.
    let other = dir.path().join("other.jsonl");
    assert_eq!(
        calls_per_model(&["--no-rotated", path, other.to_str().unwrap()]),
        [("current".to_owned(), 1), ("other".to_owned(), 16)]
    );
}

#[test]
fn no_file_named_reads_llm_trace_jsonl_in_the_working_directory() {
    let dir = tempfile::tempdir().unwrap();
    let output = binary(dir.path(), &["report"], b"");
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        String::from_utf8(output.stderr).unwrap(),
        "llm-trace: llm-trace.jsonl: no such file (run a program that calls llm_trace::init(), \
         or name the files to read)\n"
    );

    write(
        &dir.path().join("llm-trace.jsonl"),
        &[line("gpt-4o-mini", 3)],
    );
    write(
        &dir.path().join("llm-trace.jsonl.2"),
        &[line("gpt-4o-mini", 2)],
    );
    let output = binary(dir.path(), &["report"], b"");
    assert_eq!(output.status.code(), Some(0));
    let out = String::from_utf8(output.stdout).unwrap();
    let cells: Vec<&str> = out.lines().nth(2).unwrap().split_whitespace().collect();
    assert_eq!(cells[..4], ["openai", "gpt-4o-mini", "5", "0"], "{out}");
}

#[test]
fn dash_reads_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let input = format!("{}\n{}\n", line("a", 2), line("b", 1));
    let output = binary(
        dir.path(),
        &["report", "-", "--format", "csv", "--sort", "key"],
        input.as_bytes(),
    );
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let out = String::from_utf8(output.stdout).unwrap();
    let rows: Vec<&str> = out
        .lines()
        .skip(1)
        .map(|l| &l[..l.find(",,").unwrap_or(l.len())])
        .collect();
    assert_eq!(rows, ["openai,a,2,0,0.0", "openai,b,1,0,0.0"], "{out}");
}

#[test]
fn a_missing_file_or_a_wrong_argument_fails_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let output = binary(dir.path(), &["slow", "nowhere.jsonl"], b"");
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        String::from_utf8(output.stderr).unwrap(),
        "llm-trace: nowhere.jsonl: no such file\n"
    );

    let output = binary(dir.path(), &["report", "--where", "feature"], b"");
    assert_eq!(output.status.code(), Some(2));
    let err = String::from_utf8(output.stderr).unwrap();
    assert!(err.contains("invalid value 'feature' for '--where <KEY=VALUE>': `feature`: expected key=value or key!=value"), "{err}");

    let output = binary(dir.path(), &["report", "--since", "last tuesday"], b"");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8(output.stderr)
        .unwrap()
        .contains("is neither an RFC 3339 time"));

    let output = binary(dir.path(), &["compare"], b"");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8(output.stderr)
        .unwrap()
        .contains("--by <KEYS>"));
}

#[test]
fn help_lists_the_commands() {
    let dir = tempfile::tempdir().unwrap();
    let output = binary(dir.path(), &["--help"], b"");
    assert_eq!(output.status.code(), Some(0));
    let out = String::from_utf8(output.stdout).unwrap();
    for command in ["report", "slow", "errors", "trace", "compare"] {
        assert!(out.contains(&format!("\n  {command} ")), "{out}");
    }
}

#[test]
fn garbage_lines_are_counted_after_the_first_ten() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.jsonl");
    let mut bytes = Vec::new();
    for _ in 0..25 {
        bytes.extend_from_slice(b"\xff\xfe not text\n");
    }
    bytes.extend_from_slice(line("m", 1).as_bytes());
    bytes.extend_from_slice(b"\n\n   \n{\"resourceSpans\":[]}\n");
    std::fs::write(&path, bytes).unwrap();
    let mut out = Vec::new();
    let mut err = Vec::new();
    let code = llm_trace_cli::run(
        ["llm-trace", "report", path.to_str().unwrap()],
        &mut out,
        &mut err,
    );
    assert_eq!(code, 0);
    let err = String::from_utf8(err).unwrap();
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 11, "{err}");
    assert!(lines[0].starts_with(&format!(
        "llm-trace: {}:1: not an OTLP/JSON trace line, skipped:",
        path.display()
    )));
    assert!(lines[9].starts_with(&format!("llm-trace: {}:10: ", path.display())));
    assert_eq!(
        lines[10],
        format!(
            "llm-trace: {}: 15 more malformed lines skipped",
            path.display()
        )
    );
    let out = String::from_utf8(out).unwrap();
    assert!(out.lines().nth(2).unwrap().contains(" m "), "{out}");
}

#[test]
fn otlp_json_is_read_as_leniently_as_its_rules_allow() {
    // Integers as numbers, the status code by name, a non-finite double as a
    // string, upper-case ids, no status at all: all valid OTLP/JSON readings.
    let lines = [
        r#"{"resourceSpans":[{"scopeSpans":[{"spans":[
            {"traceId":"ABCDEF00000000000000000000000001","spanId":"00000000000000AA","name":"chat m",
             "startTimeUnixNano":1777593600000000000,"endTimeUnixNano":"1777593600002000000",
             "attributes":[{"key":"gen_ai.operation.name","value":{"stringValue":"chat"}},
                           {"key":"gen_ai.provider.name","value":{"stringValue":"openai"}},
                           {"key":"gen_ai.request.model","value":{"stringValue":"m"}},
                           {"key":"gen_ai.usage.input_tokens","value":{"intValue":7}},
                           {"key":"llm_trace.cost.usd","value":{"doubleValue":"NaN"}}],
             "status":{"code":"STATUS_CODE_ERROR","message":"boom"}},
            {"traceId":"abcdef00000000000000000000000001","spanId":"00000000000000bb","name":"chat m",
             "startTimeUnixNano":"1777593600000000000","endTimeUnixNano":"1777593600004000000",
             "attributes":[{"key":"gen_ai.operation.name","value":{"stringValue":"chat"}},
                           {"key":"gen_ai.system","value":{"stringValue":"openai"}},
                           {"key":"gen_ai.request.model","value":{"stringValue":"m"}},
                           {"key":"gen_ai.usage.input_tokens","value":{"intValue":"5"}},
                           {"key":"ignored","value":{}}]}
        ]}]}]}"#
            .replace('\n', ""),
    ];
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.jsonl");
    write(&path, &lines);
    let mut out = Vec::new();
    let mut err = Vec::new();
    let args = [
        "llm-trace",
        "report",
        "--format",
        "json",
        path.to_str().unwrap(),
    ];
    assert_eq!(llm_trace_cli::run(args, &mut out, &mut err), 0);
    assert_eq!(String::from_utf8(err).unwrap(), "");
    let report: Value = serde_json::from_slice(&out).unwrap();
    let group = &report["groups"][0];
    assert_eq!(group["calls"], 2);
    assert_eq!(group["errors"], 1);
    assert_eq!(group["input_tokens"], 12);
    // A NaN cost is no cost.
    assert_eq!(group["cost_usd"], Value::Null);
    assert_eq!(group["latency_max_ms"], 4.0);

    let mut out = Vec::new();
    let args = ["llm-trace", "trace", "ABCDEF00", path.to_str().unwrap()];
    assert_eq!(llm_trace_cli::run(args, &mut out, &mut Vec::new()), 0);
    let out = String::from_utf8(out).unwrap();
    assert!(out.starts_with("trace abcdef00000000000000000000000001  2026-05-01T00:00:00.000Z  2 spans, 2 LLM calls, 4.0 ms, 1 failed\n"), "{out}");
    assert!(out.contains("✗ error: boom"), "{out}");
}
