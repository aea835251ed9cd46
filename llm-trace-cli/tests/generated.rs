//! Every command on a generated file of 103 000 spans with known figures
//! (see `support/mod.rs` for how each figure follows from the generator).

mod support;

use serde_json::Value;
use support::{duration, k_of_rank, percentile, run, run_ok, N};

/// The whitespace-separated cells of the table line that starts with `first`.
fn row(table: &str, first: &[&str]) -> Vec<String> {
    table
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .find(|cells| cells.len() >= first.len() && cells[..first.len()] == *first)
        .unwrap_or_else(|| panic!("no row {first:?} in\n{table}"))
        .into_iter()
        .map(str::to_owned)
        .collect()
}

fn ms(nanos: u64) -> f64 {
    nanos as f64 / 1e6
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

fn close(actual: &Value, expected: f64) {
    let actual = actual
        .as_f64()
        .unwrap_or_else(|| panic!("{actual} is not a number"));
    assert!(
        (actual - expected).abs() <= 1e-9 * expected.abs().max(1.0),
        "{actual} != {expected}"
    );
}

#[test]
fn report_table_has_each_groups_figures() {
    let (out, _) = run_ok(&["report"]);
    let header: Vec<&str> = out.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(
        header,
        [
            "gen_ai.provider.name",
            "gen_ai.request.model",
            "calls",
            "errors",
            "error",
            "%",
            "input",
            "cached",
            "output",
            "reasoning",
            "cost",
            "cost/call",
            "p50",
            "ms",
            "p95",
            "ms",
            "p99",
            "ms",
            "max",
            "ms",
            "ttft",
            "p50",
            "ms"
        ]
    );
    assert_eq!(
        row(&out, &["openai", "gpt-4o-mini"]),
        [
            "openai",
            "gpt-4o-mini",
            "25,000",
            "250",
            "1.0%",
            "25,987,500",
            "6,125,000",
            "5,062,500",
            "0",
            "$10.10",
            "(24,750/25,000)",
            "$0.0004079",
            "225.0",
            "337.5",
            "347.5",
            "350.0",
            "-"
        ]
    );
    assert_eq!(
        row(&out, &["anthropic"]),
        [
            "anthropic",
            "claude-sonnet-4-5",
            "25,000",
            "0",
            "0.0%",
            "51,237,500",
            "6,250,000",
            "7,612,500",
            "-",
            "$41.25",
            "$0.001650",
            "1000.0",
            "1450.0",
            "1490.0",
            "1500.0",
            "-"
        ]
    );
    assert_eq!(
        row(&out, &["gcp.gemini"]),
        [
            "gcp.gemini",
            "gemini-2.5-flash",
            "25,000",
            "0",
            "0.0%",
            "21,237,500",
            "0",
            "10,112,500",
            "1,250,000",
            "$2.500",
            "$0.0001000",
            "1250.0",
            "1475.0",
            "1495.0",
            "1500.0",
            "62.5"
        ]
    );
    // No call of the embeddings model has a cost: it says so, not $0.
    assert_eq!(
        row(&out, &["openai", "text-embedding-3-small"]),
        [
            "openai",
            "text-embedding-3-small",
            "25,000",
            "50",
            "0.2%",
            "1,360,000",
            "-",
            "-",
            "-",
            "no",
            "data",
            "no",
            "data",
            "32.5",
            "43.7",
            "44.7",
            "45.0",
            "-"
        ]
    );
    let total = row(&out, &["total"]);
    assert_eq!(
        total[..11],
        [
            "total",
            "100,000",
            "300",
            "0.3%",
            "99,822,500",
            "12,375,000",
            "22,787,500",
            "1,250,000",
            "$53.85",
            "(74,750/100,000)",
            "$0.0007203"
        ]
    );
    assert!(out.contains("no data: no call priced"));
}

#[test]
fn report_json_has_exact_sums_and_percentiles() {
    let (out, _) = run_ok(&["report", "--format", "json"]);
    let report = json(&out);
    assert_eq!(
        report["by"],
        serde_json::json!(["gen_ai.provider.name", "gen_ai.request.model"])
    );
    assert_eq!(report["spans_read"], 103_000);
    assert_eq!(report["malformed_lines"], 3);
    let groups = report["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 4);
    let group = |model: &str| {
        groups
            .iter()
            .find(|g| g["group"]["gen_ai.request.model"] == model)
            .unwrap()
    };

    let mini = group("gpt-4o-mini");
    assert_eq!(mini["group"]["gen_ai.provider.name"], "openai");
    assert_eq!(mini["calls"], 25_000);
    assert_eq!(mini["errors"], 250);
    close(&mini["error_rate"], 0.01);
    assert_eq!(mini["input_tokens"], 25_987_500);
    assert_eq!(mini["cache_read_input_tokens"], 6_125_000);
    assert_eq!(mini["cache_write_input_tokens"], Value::Null);
    assert_eq!(mini["output_tokens"], 5_062_500);
    assert_eq!(mini["reasoning_output_tokens"], 0);
    close(&mini["cost_usd"], 10.095_75);
    close(&mini["cost_per_call_usd"], 10.095_75 / 24_750.0);
    assert_eq!(mini["priced_calls"], 24_750);
    for (field, p) in [
        ("latency_p50_ms", 50),
        ("latency_p95_ms", 95),
        ("latency_p99_ms", 99),
    ] {
        close(&mini[field], ms(percentile(0, p)));
    }
    close(&mini["latency_p50_ms"], 224.99);
    close(&mini["latency_max_ms"], 349.99);
    assert_eq!(mini["streams"], 0);
    assert_eq!(mini["ttft_p50_ms"], Value::Null);

    let claude = group("claude-sonnet-4-5");
    assert_eq!(claude["cache_write_input_tokens"], 1_250_000);
    assert_eq!(claude["reasoning_output_tokens"], Value::Null);
    close(&claude["cost_usd"], 41.25);
    close(&claude["latency_p95_ms"], 1449.96);

    let gemini = group("gemini-2.5-flash");
    assert_eq!(gemini["streams"], 25_000);
    close(&gemini["ttft_p50_ms"], 62.499);
    close(&gemini["ttft_p95_ms"], 73.749);
    close(&gemini["ttft_p99_ms"], 74.749);
    close(&gemini["ttft_max_ms"], 74.999);
    close(&gemini["latency_p99_ms"], 1494.9805);

    let embeddings = group("text-embedding-3-small");
    assert_eq!(embeddings["cost_usd"], Value::Null);
    assert_eq!(embeddings["cost_per_call_usd"], Value::Null);
    assert_eq!(embeddings["priced_calls"], 0);
    assert_eq!(embeddings["output_tokens"], Value::Null);

    // The totals' percentiles are those of all 100 000 durations together.
    let mut all: Vec<u64> = (0..4)
        .flat_map(|g| (0..N).map(move |j| duration(g, j)))
        .collect();
    all.sort_unstable();
    let total = &report["total"];
    assert_eq!(total["calls"], 100_000);
    assert_eq!(total["errors"], 300);
    assert_eq!(total["input_tokens"], 99_822_500);
    close(&total["cost_usd"], 53.845_75);
    assert_eq!(total["priced_calls"], 74_750);
    close(&total["latency_p50_ms"], ms(all[49_999]));
    close(&total["latency_p95_ms"], ms(all[94_999]));
    close(&total["latency_p99_ms"], ms(all[98_999]));
    close(&total["latency_max_ms"], 1499.9805);
}

#[test]
fn report_csv_has_one_row_per_group_with_empty_unknowns() {
    let (out, _) = run_ok(&["report", "--format", "csv", "--sort", "key"]);
    let mut reader = csv::Reader::from_reader(out.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(
        header[..5],
        [
            "gen_ai.provider.name",
            "gen_ai.request.model",
            "calls",
            "errors",
            "error_rate"
        ]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let models: Vec<&str> = rows.iter().map(|r| &r[1]).collect();
    // --sort key: by provider, then model.
    assert_eq!(
        models,
        [
            "claude-sonnet-4-5",
            "gemini-2.5-flash",
            "gpt-4o-mini",
            "text-embedding-3-small"
        ]
    );
    let field = |row: &csv::StringRecord, name: &str| {
        row[header.iter().position(|h| h == name).unwrap()].to_owned()
    };
    let embeddings = &rows[3];
    assert_eq!(field(embeddings, "calls"), "25000");
    assert_eq!(field(embeddings, "errors"), "50");
    assert_eq!(field(embeddings, "input_tokens"), "1360000");
    assert_eq!(field(embeddings, "cost_usd"), "");
    assert_eq!(field(embeddings, "latency_p50_ms"), "32.499");
    assert_eq!(field(embeddings, "latency_max_ms"), "44.999");
    let claude = &rows[0];
    assert_eq!(field(claude, "cache_write_input_tokens"), "1250000");
    assert_eq!(field(claude, "latency_p50_ms"), "999.96");
    assert_eq!(field(claude, "priced_calls"), "25000");
}

#[test]
fn report_groups_by_any_metadata_key() {
    let (out, _) = run_ok(&["report", "--by", "feature", "--format", "json"]);
    let report = json(&out);
    let calls: Vec<(String, u64)> = report["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["group"]["feature"].as_str().unwrap().to_owned(),
                g["calls"].as_u64().unwrap(),
            )
        })
        .collect();
    // k % 3 over 25 000 calls in each of the 4 groups; most calls first.
    assert_eq!(
        calls,
        [
            ("summarize".into(), 4 * 8334),
            ("search".into(), 4 * 8333),
            ("triage".into(), 4 * 8333)
        ]
    );

    let (out, _) = run_ok(&[
        "report",
        "--by",
        "prompt_id,gen_ai.provider.name",
        "--sort",
        "key",
    ]);
    // prompt_id is an integer attribute; 5 000 calls of each group per value.
    assert_eq!(row(&out, &["1", "anthropic"])[2], "5,000");
    assert_eq!(row(&out, &["5", "openai"])[2], "10,000");
}

#[test]
fn since_and_until_select_by_start_time() {
    // Calls start 36 ms apart from 00:00:00: the second half starts at call 50 000.
    let (out, _) = run_ok(&[
        "report",
        "--since",
        "2026-05-01T00:30:00Z",
        "--format",
        "json",
    ]);
    let report = json(&out);
    assert_eq!(report["total"]["calls"], 50_000);
    let (out, _) = run_ok(&[
        "report",
        "--since",
        "2026-05-01T02:00:00+02:00",
        "--until",
        "2026-05-01T00:00:36Z",
        "--format",
        "json",
    ]);
    // [00:00:00, 00:00:36): calls 0 ..= 999.
    assert_eq!(json(&out)["total"]["calls"], 1_000);
    // Relative: the file is from 2026-05-01; an hour before now is later.
    let (out, _) = run_ok(&["report", "--since", "1h", "--format", "json"]);
    assert_eq!(json(&out)["total"]["calls"], 0);
}

#[test]
fn where_filters_by_span_and_resource_attributes() {
    let (out, _) = run_ok(&[
        "report",
        "--where",
        "service.name=embedder",
        "--format",
        "json",
    ]);
    assert_eq!(json(&out)["total"]["calls"], 25_000);
    let (out, _) = run_ok(&[
        "report",
        "--where",
        "prompt_id=2",
        "--where",
        "gen_ai.request.model!=gpt-4o-mini",
        "--format",
        "json",
    ]);
    assert_eq!(json(&out)["total"]["calls"], 15_000);
    let (out, _) = run_ok(&[
        "report",
        "--where",
        "gen_ai.request.temperature=0.8",
        "--format",
        "json",
    ]);
    assert_eq!(json(&out)["total"]["calls"], 25_000);
}

#[test]
fn malformed_lines_are_reported_with_their_line_and_skipped() {
    let (_, err) = run_ok(&["report"]);
    let path = support::file().display().to_string();
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 4, "{err}");
    assert!(lines[0].starts_with(&format!("llm-trace: {path}:3: not an OTLP/JSON trace line, skipped: expected ident at line 1 column 2")), "{err}");
    assert!(lines[1].starts_with(&format!("llm-trace: {path}:7: not an OTLP/JSON trace line, skipped: EOF while parsing a string at line 1 column 37")), "{err}");
    assert_eq!(
        lines[2],
        format!("llm-trace: {path}:11: no resourceSpans, skipped")
    );
    assert_eq!(
        lines[3],
        format!("llm-trace: {path}: 1 metrics or logs lines skipped (spans only are read)")
    );
}

#[test]
fn slow_lists_the_slowest_calls_first() {
    let (out, _) = run_ok(&[
        "slow", "--top", "3", "--format", "json", "--show", "feature",
    ]);
    let calls = json(&out);
    let calls = calls.as_array().unwrap();
    assert_eq!(calls.len(), 3);
    // 1499.9805 ms (gemini, rank 24 999), 1499.96 (claude, 24 999), 1499.9605 (gemini, 24 998).
    let expected = [(2, 24_999), (2, 24_998), (1, 24_999)];
    let mut expected: Vec<(u64, u64, u64)> = expected
        .iter()
        .map(|&(g, j)| (duration(g, j), g, k_of_rank(j)))
        .collect();
    expected.sort_by_key(|e| std::cmp::Reverse(e.0));
    for (call, (nanos, g, k)) in calls.iter().zip(&expected) {
        let i = 4 * k + g;
        close(&call["duration_ms"], ms(*nanos));
        assert_eq!(call["trace_id"], support::trace_id(i));
        assert_eq!(call["start_unix_nano"], support::start(i).to_string());
        assert_eq!(
            call["feature"],
            ["summarize", "search", "triage"][(*k % 3) as usize]
        );
    }
    close(&calls[0]["duration_ms"], 1499.9805);
    assert_eq!(calls[0]["model"], "gemini-2.5-flash");

    let (out, _) = run_ok(&[
        "slow",
        "--top",
        "2",
        "--where",
        "gen_ai.operation.name=embeddings",
    ]);
    assert_eq!(row(&out, &["45.0"])[3], "embeddings");
    assert!(
        out.ends_with("the 2 slowest of 25,000 LLM calls\n"),
        "{out}"
    );
}

#[test]
fn errors_lists_failures_newest_first_with_type_and_trace() {
    let (out, _) = run_ok(&["errors", "--limit", "5"]);
    // 250 rate-limited calls, 50 timeouts, 250 agents failing with their call.
    assert!(
        out.ends_with(
            "550 failed of 103,000 GenAI spans (0.5%) (newest 5 shown); by error.type: http_429 500, timeout 50\n"
        ),
        "{out}"
    );
    let (out, _) = run_ok(&[
        "errors",
        "--format",
        "json",
        "--where",
        "gen_ai.operation.name=chat",
    ]);
    let errors = json(&out);
    let errors = errors.as_array().unwrap();
    assert_eq!(errors.len(), 100, "the default limit");
    // Newest first: the last failed chat call is group 0's k = 24 900.
    let newest = 4 * 24_900;
    assert_eq!(errors[0]["trace_id"], support::trace_id(newest));
    assert_eq!(errors[0]["error_type"], "http_429");
    assert_eq!(errors[0]["status_message"], "rate limited");
    assert_eq!(
        errors[0]["start_unix_nano"],
        support::start(newest).to_string()
    );
    assert_eq!(errors[1]["trace_id"], support::trace_id(4 * 24_800));

    let (out, _) = run_ok(&[
        "errors",
        "--format",
        "csv",
        "--limit",
        "0",
        "--where",
        "error.type=timeout",
    ]);
    assert_eq!(out, "start,start_unix_nano,trace_id,span_id,name,operation,provider,model,error_type,status_message,duration_ms\n");
    let (out, _) = run_ok(&[
        "errors",
        "--format",
        "csv",
        "--limit",
        "1",
        "--where",
        "error.type=timeout",
    ]);
    let i = 4 * 24_500 + 3;
    let nanos = duration(3, support::rank(24_500));
    assert_eq!(
        out.lines().nth(1).unwrap(),
        format!(
            "2026-05-01T00:58:48.108Z,{},{},{:016x},embeddings text-embedding-3-small,embeddings,openai,text-embedding-3-small,timeout,deadline exceeded,{}",
            support::start(i),
            support::trace_id(i),
            0x1_0000_0000u64 + i,
            ms(nanos)
        )
    );
}

#[test]
fn trace_prints_a_failing_chain_as_a_tree() {
    // Chain 4: its gpt-4o-mini call (k = 100) was rate limited, and so was the agent.
    let id = support::chain_trace_id(4);
    let (out, _) = run_ok(&["trace", &id]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[0],
        format!("trace {id}  2026-05-01T00:00:14.399Z  5 spans, 2 LLM calls, 1214.0 ms, $0.001200, 2 failed")
    );
    let full = "█".repeat(30);
    assert_eq!(
        lines[1],
        format!("invoke_workflow support_ticket    1214.0 ms  {full}")
    );
    assert_eq!(lines[2], "│   tenant=acme");
    assert!(
        lines[3].starts_with("└─ invoke_agent triage_agent      1213.0 ms  "),
        "{out}"
    );
    assert!(lines[3].ends_with("✗ http_429: rate limited"), "{out}");
    assert_eq!(lines[4], "   │   tenant=acme");
    // k = 100 has rank 16 900: 100 ms + 169 ms.
    assert!(
        lines[5].starts_with("   ├─ chat gpt-4o-mini             269.0 ms  "),
        "{out}"
    );
    assert!(
        lines[5].ends_with("  openai  ✗ http_429: rate limited"),
        "{out}"
    );
    assert_eq!(lines[6], "   │      feature=search  prompt_id=1");
    assert!(
        lines[7].starts_with("   ├─ execute_tool order_lookup      2.0 ms  "),
        "{out}"
    );
    assert_eq!(lines[8], "   │      tenant=acme");
    // 500 ms + 16 900 × 40 µs; k = 100: cache read (k % 4 == 0), cost 1200 µ$.
    assert!(
        lines[9].starts_with("   └─ chat claude-sonnet-4-5      1176.0 ms  "),
        "{out}"
    );
    assert!(
        lines[9].ends_with(
            "  anthropic  in 2,000 (cached 1,000)  out 300  $0.001200  eval helpfulness=0.75"
        ),
        "{out}"
    );
    assert_eq!(lines[10], "          feature=search  prompt_id=1");
    assert_eq!(lines.len(), 11);

    // A prefix is enough when it is unique; JSON nests the children.
    let (out, _) = run_ok(&["trace", &id[..12], "--format", "json"]);
    let tree = json(&out);
    assert_eq!(tree["trace_id"], id.as_str());
    let agent = &tree["roots"][0]["children"][0];
    assert_eq!(agent["name"], "invoke_agent triage_agent");
    assert_eq!(agent["error_type"], "http_429");
    let names: Vec<&str> = agent["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "chat gpt-4o-mini",
            "execute_tool order_lookup",
            "chat claude-sonnet-4-5"
        ]
    );
    assert_eq!(
        agent["children"][2]["attributes"]["gen_ai.usage.input_tokens"],
        2000
    );

    let (out, _) = run_ok(&["trace", &id, "--format", "csv"]);
    let depths: Vec<&str> = out.lines().skip(1).map(|l| &l[..1]).collect();
    assert_eq!(depths, ["0", "1", "2", "2", "2"]);
}

#[test]
fn trace_says_when_an_id_is_unknown_or_ambiguous() {
    let path = support::file().to_str().unwrap();
    let (code, out, err) = run(&["trace", "0000ffffc4a1c4a1c4a1c4a1c4a1c4a1", path]);
    assert_eq!((code, out.as_str()), (1, ""));
    assert!(
        err.ends_with(
            "llm-trace: no span of trace 0000ffffc4a1c4a1c4a1c4a1c4a1c4a1 in the files read\n"
        ),
        "{err}"
    );
    // Chains 0 to 15 start with 0000000.
    let (code, _, err) = run(&["trace", "0000000", path]);
    assert_eq!(code, 1);
    assert!(
        err.ends_with(
            "0000000 is the start of 16 trace ids: 00000000c4a1c4a1c4a1c4a1c4a1c4a1, \
             00000001c4a1c4a1c4a1c4a1c4a1c4a1, 00000002c4a1c4a1c4a1c4a1c4a1c4a1, \
             00000003c4a1c4a1c4a1c4a1c4a1c4a1, 00000004c4a1c4a1c4a1c4a1c4a1c4a1, ...\n"
        ),
        "{err}"
    );
    let (code, _, err) = run(&["trace", "not-hex", path]);
    assert_eq!(code, 1);
    assert!(err.contains("`not-hex` is not a trace id"), "{err}");
}

#[test]
fn compare_puts_temperatures_side_by_side() {
    let (out, _) = run_ok(&[
        "compare",
        "--by",
        "gen_ai.request.temperature",
        "--where",
        "gen_ai.request.model=claude-sonnet-4-5",
    ]);
    assert_eq!(
        row(&out, &["gen_ai.request.temperature"])[1..],
        ["0.2", "(baseline)", "0.8"]
    );
    assert_eq!(row(&out, &["calls"])[1..], ["12,500", "12,500"]);
    // Even k: 2000 + k%100 over even k → 2049; odd → 2050.
    assert_eq!(
        row(&out, &["input", "tokens"])[4..],
        ["2049.0", "2050.0", "(+0.0%)"]
    );
    assert_eq!(
        row(&out, &["evaluation", "score"])[2..],
        ["0.750", "0.500", "(-0.250)"]
    );
    // Costs: k%4 ∈ {0, 2} → 1200, 1800 µ$ (mean 1500); {1, 3} → 1500, 2100 (mean 1800).
    assert_eq!(
        row(&out, &["cost", "/", "call"])[3..],
        ["$0.001500", "$0.001800", "(+20.0%)"]
    );

    let (out, _) = run_ok(&[
        "compare",
        "--by",
        "gen_ai.request.temperature",
        "--where",
        "gen_ai.request.model=gpt-4o-mini",
        "--baseline",
        "0.8",
        "--format",
        "json",
    ]);
    let comparison = json(&out);
    assert_eq!(comparison["baseline"]["gen_ai.request.temperature"], 0.8);
    let low = &comparison["groups"][0];
    assert_eq!(low["group"]["gen_ai.request.temperature"], 0.2);
    // All 250 failures have even k (k % 100 == 0): 2 % of the 12 500 even calls.
    close(&low["error_rate"], 0.02);
    close(&low["vs_baseline"]["error_rate_change_pp"], 2.0);
    assert_eq!(low["evaluation_score_mean"], Value::Null);

    let (out, _) = run_ok(&[
        "compare",
        "--by",
        "gen_ai.request.temperature",
        "--format",
        "csv",
    ]);
    let lines: Vec<&str> = out.lines().collect();
    // 0.2, 0.8, then the calls without a temperature (gemini and embeddings).
    assert_eq!(lines.len(), 4);
    assert!(lines[1].starts_with("0.2,25000,"), "{out}");
    assert!(lines[2].starts_with("0.8,25000,"), "{out}");
    assert!(lines[3].starts_with(",50000,"), "{out}");

    let path = support::file().to_str().unwrap();
    let (code, _, err) = run(&[
        "compare",
        "--by",
        "gen_ai.request.temperature",
        "--baseline",
        "0.5",
        path,
    ]);
    assert_eq!(code, 1);
    assert!(
        err.contains("no group `0.5`; the groups are: 0.2 | 0.8 | -"),
        "{err}"
    );
}

/// `/usr/bin/chromium`, which `.ci/run` installs; `None` (the test skips)
/// only outside CI.
fn chromium() -> Option<std::path::PathBuf> {
    let path = std::path::PathBuf::from("/usr/bin/chromium");
    if path.exists() {
        return Some(path);
    }
    if std::env::var_os("CI").is_some() {
        panic!("/usr/bin/chromium is missing: .ci/run installs Debian's chromium package");
    }
    eprintln!("skipped: /usr/bin/chromium is missing (apt-get install chromium)");
    None
}

/// The DOM of `page` after its scripts ran, from headless Chromium.
fn rendered_dom(chromium: &std::path::Path, page: &std::path::Path) -> String {
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};
    let profile = tempfile::tempdir().unwrap();
    let dom_path = profile.path().join("dom.html");
    let mut child = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!(
            "--user-data-dir={}",
            profile.path().join("profile").display()
        ))
        .arg("--dump-dom")
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&dom_path).unwrap())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("chromium did not finish within 120 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(status.success(), "chromium failed: {status}");
    std::fs::read_to_string(dom_path).unwrap()
}

/// The `<rect class="mark ...">` elements inside the element with `id`,
/// as (width, height).
fn marks(dom: &str, id: &str) -> (String, Vec<(f64, f64)>) {
    let start = dom
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id}"));
    let open_end = start + dom[start..].find('>').unwrap();
    let rendered = dom[start..open_end]
        .split("data-rendered=\"")
        .nth(1)
        .map(|rest| rest[..rest.find('"').unwrap()].to_owned())
        .unwrap_or_default();
    // A chart's element holds its <svg> only.
    let end = open_end + dom[open_end..].find("</div>").unwrap();
    let attribute = |tag: &str, name: &str| -> f64 {
        let rest = tag.split(&format!(" {name}=\"")).nth(1).unwrap();
        rest[..rest.find('"').unwrap()].parse().unwrap()
    };
    let rects = dom[open_end..end]
        .split("<rect ")
        .skip(1)
        .map(|tag| &tag[..tag.find('>').unwrap()])
        .filter(|tag| tag.contains("class=\"mark"))
        .map(|tag| (attribute(tag, "width"), attribute(tag, "height")))
        .collect();
    (rendered, rects)
}

#[test]
fn report_html_is_self_contained_and_renders_its_charts() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("report.html");
    let (out, err) = run_ok(&["report", "--html", page.to_str().unwrap()]);
    assert!(
        err.contains(&format!("llm-trace: wrote {}", page.display())),
        "{err}"
    );
    assert!(
        out.starts_with(" gen_ai.provider.name"),
        "the table is printed too"
    );
    let html = std::fs::read_to_string(&page).unwrap();
    // Nothing is fetched when the page is viewed.
    for outside in ["src=", "href=", "<link", "@import", "url(", "https:"] {
        assert!(
            !html.contains(outside),
            "the page refers to something outside: {outside}"
        );
    }
    assert!(html.contains("<td class=\"num\">$10.10 (24,750/25,000)</td>"));
    assert!(html.contains("<td class=\"num none\">no data</td>"));
    assert!(html.contains("100,000 LLM calls, 300 failed (0.3%), $53.85 (74,750/100,000)"));

    let Some(chromium) = chromium() else {
        return;
    };
    let dom = rendered_dom(&chromium, &page);
    // Cost: one bar per priced group (the embeddings model has no cost data).
    let (rendered, cost) = marks(&dom, "chart-cost");
    assert_eq!((rendered.as_str(), cost.len()), ("3", 3));
    assert!(dom.contains("no cost data (25000 calls)"));
    // Latency: the quarter-decade buckets each model's durations fall in —
    // embeddings 20–45 ms: 2, gpt-4o-mini 100–350 ms: 3, claude 0.5–1.5 s: 3,
    // gemini 1–1.5 s: 1.
    let (rendered, latency) = marks(&dom, "chart-latency");
    assert_eq!((rendered.as_str(), latency.len()), ("9", 9));
    // Calls over time: an hour in 60 one-minute columns, each with calls
    // and failed calls (a rate-limited call every 14.4 s).
    let (rendered, timeline) = marks(&dom, "chart-timeline");
    assert_eq!((rendered.as_str(), timeline.len()), ("120", 120));
    for (w, h) in cost.iter().chain(&latency).chain(&timeline) {
        assert!(*w > 0.0 && *h > 0.0, "an empty mark: {w} × {h}");
    }
}
