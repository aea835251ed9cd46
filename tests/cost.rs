//! `llm_trace.cost.usd` and `llm_trace.client.cost`: each call's cost from
//! its normalized usage, every token kind at its own price, checked against
//! values computed by hand from the prices stated next to them (genai-prices'
//! data, USD per million tokens unless said otherwise).
//!
//! The expected values are written in the order the cost is summed (uncached
//! input, cache reads, cache writes, output, reasoning; then divided by a
//! million), so the comparisons are exact.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use llm_trace::cost::{self, ModelPrices, PriceTable};
use llm_trace::llm_call;
use llm_trace::semconv::{LLM_TRACE_CLIENT_COST, LLM_TRACE_COST_USD};
use llm_trace_testkit::capture::{attributes, Capture};
use opentelemetry::{global, Value};
use opentelemetry_sdk::metrics::data::{AggregatedMetrics, MetricData};
use opentelemetry_sdk::metrics::{InMemoryMetricExporter, PeriodicReader, SdkMeterProvider};
use serde_json::json;

struct Meters {
    provider: SdkMeterProvider,
    exporter: InMemoryMetricExporter,
}

fn meters() -> &'static Meters {
    static METERS: OnceLock<Meters> = OnceLock::new();
    METERS.get_or_init(|| {
        let exporter = InMemoryMetricExporter::default();
        let provider = SdkMeterProvider::builder()
            .with_reader(PeriodicReader::builder(exporter.clone()).build())
            .build();
        global::set_meter_provider(provider.clone());
        llm_trace::metrics::set_metadata_keys(["prompt_id"]);
        Meters { provider, exporter }
    })
}

/// The cost counter's data points (attributes, value) whose request model is `model`.
fn cost_points(model: &str) -> Vec<(BTreeMap<String, Value>, f64)> {
    let m = meters();
    assert!(cost::flush(std::time::Duration::from_secs(60)));
    m.provider.force_flush().unwrap();
    let exported = m.exporter.get_finished_metrics().unwrap();
    let latest = exported.last().expect("metrics were exported");
    let mut points = Vec::new();
    for scope in latest.scope_metrics() {
        for metric in scope
            .metrics()
            .filter(|m| m.name() == LLM_TRACE_CLIENT_COST)
        {
            assert_eq!(metric.unit(), "USD");
            let AggregatedMetrics::F64(MetricData::Sum(sum)) = metric.data() else {
                panic!("{LLM_TRACE_CLIENT_COST} is an f64 counter");
            };
            assert!(sum.is_monotonic());
            for point in sum.data_points() {
                let attributes: BTreeMap<String, Value> = point
                    .attributes()
                    .map(|kv| (kv.key.as_str().to_owned(), kv.value.clone()))
                    .collect();
                points.push((attributes, point.value()));
            }
        }
    }
    points.retain(|(a, _)| a.get("gen_ai.request.model") == Some(&Value::from(model.to_owned())));
    points
}

/// The cost attribute of the one span named `name` (`None`: no attribute).
fn span_cost(cap: &Capture, name: &str) -> Option<f64> {
    match attributes(&cap.span(name)).get(LLM_TRACE_COST_USD) {
        None => None,
        Some(Value::F64(usd)) => Some(*usd),
        Some(other) => panic!("{LLM_TRACE_COST_USD} is an f64, not {other:?}"),
    }
}

#[llm_call(provider = "openai", request = req)]
async fn openai(req: serde_json::Value, response: serde_json::Value) -> serde_json::Value {
    let _ = req;
    response
}

#[llm_call(provider = "anthropic", request = req)]
async fn anthropic(req: serde_json::Value, response: serde_json::Value) -> serde_json::Value {
    let _ = req;
    response
}

#[llm_call(provider = "gcp.gemini", model = "gemini-2.5-flash")]
async fn gemini(response: serde_json::Value) -> serde_json::Value {
    response
}

#[llm_call(provider = "perplexity", request = req)]
async fn perplexity(req: serde_json::Value, response: serde_json::Value) -> serde_json::Value {
    let _ = req;
    response
}

#[llm_call(provider = "mistral_ai", request = req)]
async fn mistral(req: serde_json::Value, response: serde_json::Value) -> serde_json::Value {
    let _ = req;
    response
}

fn chat_response(model: &str, usage: serde_json::Value) -> serde_json::Value {
    json!({
        "id": "chatcmpl-1", "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}],
        "usage": usage
    })
}

#[tokio::test]
async fn plain_usage_costs_input_and_output_at_their_prices() {
    let cap = Capture::new();
    let response = chat_response(
        "gpt-4o-mini-2024-07-18",
        json!({"prompt_tokens": 1000, "completion_tokens": 200}),
    );
    cap.run(openai(json!({"model": "gpt-4o-mini"}), response))
        .await;
    // gpt-4o-mini: $0.15 input, $0.60 output.
    assert_eq!(
        span_cost(&cap, "chat gpt-4o-mini"),
        Some((1000.0 * 0.15 + 200.0 * 0.6) / 1e6)
    );
}

#[tokio::test]
async fn openai_cached_tokens_are_charged_at_the_cached_price_not_twice() {
    let cap = Capture::new();
    let response = chat_response(
        "gpt-4.1",
        json!({"prompt_tokens": 5000, "completion_tokens": 300,
               "prompt_tokens_details": {"cached_tokens": 4096}}),
    );
    cap.run(openai(json!({"model": "gpt-4.1"}), response)).await;
    // gpt-4.1: $2 input, $0.50 cached input, $8 output. `prompt_tokens`
    // includes the 4096 cached tokens: 904 are charged at the input price.
    assert_eq!(
        span_cost(&cap, "chat gpt-4.1"),
        Some((904.0 * 2.0 + 4096.0 * 0.5 + 300.0 * 8.0) / 1e6)
    );
}

#[tokio::test]
async fn anthropic_cache_reads_and_writes_each_have_their_price() {
    let cap = Capture::new();
    let response = json!({
        "id": "msg_1", "type": "message", "role": "assistant",
        "model": "claude-haiku-4-5-20251001", "stop_reason": "end_turn",
        "content": [{"type": "text", "text": "ok"}],
        "usage": {"input_tokens": 100, "cache_read_input_tokens": 2000,
                  "cache_creation_input_tokens": 500, "output_tokens": 50}
    });
    cap.run(anthropic(json!({"model": "claude-haiku-4-5"}), response))
        .await;
    let attrs = attributes(&cap.span("chat claude-haiku-4-5"));
    assert_eq!(attrs["gen_ai.usage.input_tokens"], Value::I64(2600));
    // claude-haiku-4-5: $1 input, $0.10 cache read, $1.25 cache write
    // (5 minutes), $5 output.
    assert_eq!(
        attrs[LLM_TRACE_COST_USD],
        Value::F64((100.0 * 1.0 + 2000.0 * 0.1 + 500.0 * 1.25 + 50.0 * 5.0) / 1e6)
    );
}

#[tokio::test]
async fn gemini_thoughts_are_charged_as_output() {
    let cap = Capture::new();
    let response = json!({
        "modelVersion": "gemini-2.5-flash", "responseId": "r1",
        "candidates": [{"content": {"role": "model", "parts": [{"text": "ok"}]}, "finishReason": "STOP"}],
        "usageMetadata": {"promptTokenCount": 100, "candidatesTokenCount": 50,
                          "thoughtsTokenCount": 200, "totalTokenCount": 350}
    });
    cap.run(gemini(response)).await;
    let attrs = attributes(&cap.span("generate_content gemini-2.5-flash"));
    assert_eq!(attrs["gen_ai.usage.output_tokens"], Value::I64(250));
    assert_eq!(
        attrs["gen_ai.usage.reasoning.output_tokens"],
        Value::I64(200)
    );
    // gemini-2.5-flash: $0.30 input, $2.50 output (thinking included).
    assert_eq!(
        attrs[LLM_TRACE_COST_USD],
        Value::F64((100.0 * 0.3 + 250.0 * 2.5) / 1e6)
    );
}

#[tokio::test]
async fn reasoning_tokens_with_a_price_of_their_own_are_charged_at_it() {
    let cap = Capture::new();
    let response = chat_response(
        "sonar-deep-research",
        json!({"prompt_tokens": 100, "completion_tokens": 1000,
               "completion_tokens_details": {"reasoning_tokens": 800}}),
    );
    cap.run(perplexity(
        json!({"model": "sonar-deep-research"}),
        response,
    ))
    .await;
    // sonar-deep-research: $2 input, $8 output, $3 reasoning: 200 answer
    // tokens at $8 and 800 reasoning tokens at $3.
    assert_eq!(
        span_cost(&cap, "chat sonar-deep-research"),
        Some((100.0 * 2.0 + 200.0 * 8.0 + 800.0 * 3.0) / 1e6)
    );
}

#[tokio::test]
async fn a_price_per_request_is_added_to_the_tokens() {
    let cap = Capture::new();
    let response = chat_response(
        "sonar",
        json!({"prompt_tokens": 100, "completion_tokens": 50}),
    );
    cap.run(perplexity(json!({"model": "sonar"}), response))
        .await;
    // sonar: $1 input, $1 output, and $12 per thousand requests.
    assert_eq!(
        span_cost(&cap, "chat sonar"),
        Some((100.0 * 1.0 + 50.0 * 1.0) / 1e6 + 0.012)
    );
}

#[tokio::test]
async fn tiered_prices_follow_the_number_of_input_tokens() {
    let cap = Capture::new();
    let response = |input: u64| {
        json!({
            "id": "msg_2", "model": "claude-sonnet-4-5-20250929", "stop_reason": "end_turn",
            "usage": {"input_tokens": input, "cache_read_input_tokens": 100000, "output_tokens": 1000}
        })
    };
    let request = json!({"model": "claude-sonnet-4-5"});
    cap.run(anthropic(request.clone(), response(100_000))).await;
    cap.run(anthropic(request, response(100_001))).await;
    let mut costs: Vec<f64> = cap
        .spans()
        .iter()
        .map(|s| match attributes(s)[LLM_TRACE_COST_USD] {
            Value::F64(usd) => usd,
            ref other => panic!("{other:?}"),
        })
        .collect();
    costs.sort_by(f64::total_cmp);
    // claude-sonnet-4-5 up to 200k input tokens: $3 input, $0.30 cache read,
    // $15 output; above: $6, $0.60, $22.50, for every token of the call.
    assert_eq!(
        costs,
        [
            (100_000.0 * 3.0 + 100_000.0 * 0.3 + 1000.0 * 15.0) / 1e6,
            (100_001.0 * 6.0 + 100_000.0 * 0.6 + 1000.0 * 22.5) / 1e6,
        ]
    );
}

#[tokio::test]
async fn dated_snapshots_resolve_to_their_model() {
    let cap = Capture::new();
    let usage = json!({"input_tokens": 1000, "output_tokens": 100});
    let response = json!({"id": "msg_3", "model": "claude-3-5-sonnet-20241022", "usage": usage});
    cap.run(anthropic(
        json!({"model": "claude-3-5-sonnet-20241022"}),
        response,
    ))
    .await;
    // claude-3-5-sonnet: $3 input, $15 output.
    assert_eq!(
        span_cost(&cap, "chat claude-3-5-sonnet-20241022"),
        Some((1000.0 * 3.0 + 100.0 * 15.0) / 1e6)
    );

    // genai-prices names Mistral's models by their `-latest` alias only:
    // the dated `mistral-small-2503` falls back to `mistral-small-latest`
    // ($0.15 input, $0.60 output).
    let response = chat_response(
        "mistral-small-2503",
        json!({"prompt_tokens": 1000, "completion_tokens": 100}),
    );
    cap.run(mistral(json!({"model": "mistral-small-2503"}), response))
        .await;
    assert_eq!(
        span_cost(&cap, "chat mistral-small-2503"),
        Some((1000.0 * 0.15 + 100.0 * 0.6) / 1e6)
    );
}

#[tokio::test]
async fn the_request_model_prices_a_response_without_one() {
    let cap = Capture::new();
    let response = json!({"choices": [], "usage": {"prompt_tokens": 10, "completion_tokens": 10}});
    cap.run(openai(json!({"model": "gpt-4o-mini"}), response))
        .await;
    // gpt-4o-mini: $0.15 input, $0.60 output.
    assert_eq!(
        span_cost(&cap, "chat gpt-4o-mini"),
        Some((10.0 * 0.15 + 10.0 * 0.6) / 1e6)
    );
}

#[tokio::test]
async fn an_unknown_model_gets_no_cost_at_all() {
    meters();
    let cap = Capture::new();
    let response = chat_response(
        "acme-private-7b",
        json!({"prompt_tokens": 10, "completion_tokens": 10}),
    );
    cap.run(openai(json!({"model": "acme-private-7b"}), response))
        .await;
    let attrs = attributes(&cap.span("chat acme-private-7b"));
    assert_eq!(attrs["gen_ai.usage.input_tokens"], Value::I64(10));
    assert!(!attrs.contains_key(LLM_TRACE_COST_USD));
    assert!(cost_points("acme-private-7b").is_empty());
}

#[llm_call(provider = "openai", request = req, prompt_id = 7)]
async fn summarize(req: serde_json::Value, response: serde_json::Value) -> serde_json::Value {
    let _ = req;
    response
}

#[tokio::test]
async fn the_cost_counter_adds_every_call_sampled_or_not_by_prompt_id() {
    meters();
    let response = chat_response(
        "gpt-4o-2024-08-06",
        json!({"prompt_tokens": 2000, "completion_tokens": 100,
               "prompt_tokens_details": {"cached_tokens": 1024}}),
    );
    let request = json!({"model": "gpt-4o"});
    let sampled = Capture::new();
    sampled
        .run(summarize(request.clone(), response.clone()))
        .await;
    let sampled_out = Capture::sampled_out();
    sampled_out.run(summarize(request, response)).await;
    assert!(sampled_out.spans().is_empty());

    // gpt-4o: $2.50 input, $1.25 cached input, $10 output.
    let one = (976.0 * 2.5 + 1024.0 * 1.25 + 100.0 * 10.0) / 1e6;
    assert_eq!(span_cost(&sampled, "chat gpt-4o"), Some(one));
    let points = cost_points("gpt-4o");
    assert_eq!(points.len(), 1, "{points:?}");
    let (attributes, total) = &points[0];
    assert_eq!(*total, one + one);
    let expected: BTreeMap<String, Value> = [
        ("gen_ai.operation.name", Value::from("chat")),
        ("gen_ai.provider.name", Value::from("openai")),
        ("gen_ai.request.model", Value::from("gpt-4o")),
        ("gen_ai.response.model", Value::from("gpt-4o-2024-08-06")),
        ("server.address", Value::from("api.openai.com")),
        ("server.port", Value::I64(443)),
        ("prompt_id", Value::I64(7)),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    assert_eq!(*attributes, expected);
}

/// Overrides are process-wide, so one test sets them in turn, for models no
/// other test in this file uses.
#[tokio::test]
async fn overrides_from_a_table_and_a_file_win_over_genai_prices() {
    let usage = json!({"prompt_tokens": 1000, "completion_tokens": 100,
                       "prompt_tokens_details": {"cached_tokens": 400}});
    let call = |model: &'static str| {
        let usage = usage.clone();
        async move {
            let cap = Capture::new();
            cap.run(openai(json!({"model": model}), chat_response(model, usage)))
                .await;
            span_cost(&cap, &format!("chat {model}"))
        }
    };
    // gpt-4.1-nano in genai-prices: $0.10 input, $0.025 cached, $0.40 output.
    assert_eq!(
        call("gpt-4.1-nano").await,
        Some((600.0 * 0.1 + 400.0 * 0.025 + 100.0 * 0.4) / 1e6)
    );

    // A negotiated price; the snapshot and fine-tunes (prefix) follow it.
    cost::set_prices(
        PriceTable::new()
            .model(
                "openai",
                "gpt-4.1-nano",
                ModelPrices::new(0.08, 0.32).cache_read(0.02),
            )
            .model("*", "ft:gpt-4.1-nano:acme:*", ModelPrices::new(0.2, 0.8)),
    );
    let negotiated = Some((600.0 * 0.08 + 400.0 * 0.02 + 100.0 * 0.32) / 1e6);
    assert_eq!(call("gpt-4.1-nano").await, negotiated);
    assert_eq!(call("gpt-4.1-nano-2025-04-14").await, negotiated);
    // No cache read price: cached tokens are charged as input.
    assert_eq!(
        call("ft:gpt-4.1-nano:acme:support:9x").await,
        Some((1000.0 * 0.2 + 100.0 * 0.8) / 1e6)
    );

    // The same from a file named by LLM_TRACE_PRICES, with the builder's
    // table over it: installed by the guard's settings, never by a builder
    // told not to install.
    let dir = std::env::temp_dir().join(format!("llm-trace-cost-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("prices.json");
    std::fs::write(
        &file,
        r#"{"models": [
            {"provider": "openai", "model": "gpt-4.1-nano", "input_mtok": 0.05, "output_mtok": 0.2},
            {"model": "acme-local-13b", "input_mtok": 0.01, "output_mtok": 0.03}
        ]}"#,
    )
    .unwrap();
    let init = |builder: llm_trace::export::Builder| {
        builder
            .env_vars([
                ("LLM_TRACE_PRICES", file.to_str().unwrap()),
                ("OTEL_TRACES_EXPORTER", "none"),
                ("OTEL_METRICS_EXPORTER", "none"),
            ])
            .file(dir.join("traces.jsonl"))
            .without_global_install()
            .init()
    };
    let telemetry = init(llm_trace::builder()).unwrap();
    // Not installed: the prices set before still hold.
    assert_eq!(call("gpt-4.1-nano").await, negotiated);
    assert_eq!(call("acme-local-13b").await, None);
    assert_eq!(
        call("ft:gpt-4.1-nano:acme:support:9x").await,
        Some((1000.0 * 0.2 + 100.0 * 0.8) / 1e6)
    );
    telemetry.settings().install();
    assert_eq!(
        call("gpt-4.1-nano").await,
        Some((1000.0 * 0.05 + 100.0 * 0.2) / 1e6)
    );
    assert_eq!(
        call("acme-local-13b").await,
        Some((1000.0 * 0.01 + 100.0 * 0.03) / 1e6)
    );
    // The table set before is replaced: genai-prices has no price for the
    // fine-tune, so it has none again.
    assert_eq!(call("ft:gpt-4.1-nano:acme:support:9x").await, None);
    drop(telemetry);

    let telemetry = init(llm_trace::builder().prices(PriceTable::new().model(
        "openai",
        "gpt-4.1-nano",
        ModelPrices::new(1.0, 2.0),
    )))
    .unwrap();
    assert_eq!(
        call("gpt-4.1-nano").await,
        Some((1000.0 * 0.05 + 100.0 * 0.2) / 1e6)
    );
    telemetry.settings().install();
    assert_eq!(
        call("gpt-4.1-nano").await,
        Some((1000.0 * 1.0 + 100.0 * 2.0) / 1e6)
    );
    drop(telemetry);

    // A broken file fails init, naming the file and the mistake.
    std::fs::write(&file, r#"{"models": [{"model": "x", "input_mtoks": 1}]}"#).unwrap();
    let error = init(llm_trace::builder()).unwrap_err().to_string();
    assert!(
        error.starts_with(&format!(
            "price table {}: unknown field `input_mtoks`",
            file.display()
        )),
        "{error}"
    );

    cost::set_prices(PriceTable::new());
    assert_eq!(call("acme-local-13b").await, None);
    std::fs::remove_dir_all(&dir).unwrap();
}
