//! No call waits on one-off work: the first call of a model neither loads
//! genai-prices' data nor resolves the model's prices on the caller's
//! thread, and its cost still reaches its span (`llm_trace.cost.usd`) and
//! `llm_trace.client.cost`, sampled or not.
//!
//! The price resolver is held back by the test (not timed): the calls
//! return while it is held, then it is released and the costs arrive.

use std::sync::mpsc;
use std::time::Duration;

use llm_trace::llm_call;
use llm_trace::semconv::{GEN_AI_CLIENT_TOKEN_USAGE, LLM_TRACE_CLIENT_COST, LLM_TRACE_COST_USD};
use llm_trace_testkit::capture::{attributes, Capture};
use opentelemetry::{global, Value};
use opentelemetry_sdk::metrics::data::{AggregatedMetrics, MetricData};
use opentelemetry_sdk::metrics::{InMemoryMetricExporter, PeriodicReader, SdkMeterProvider};
use serde_json::json;

#[llm_call(provider = "openai", request = req)]
async fn chat(req: serde_json::Value, response: serde_json::Value) -> serde_json::Value {
    let _ = req;
    response
}

/// The sums of `llm_trace.client.cost` and of the input tokens of
/// `gen_ai.client.token.usage` over every data point.
fn sums(provider: &SdkMeterProvider, exporter: &InMemoryMetricExporter) -> (f64, u64) {
    provider.force_flush().unwrap();
    let exported = exporter.get_finished_metrics().unwrap();
    let latest = exported.last().expect("metrics were exported");
    let (mut cost, mut input) = (0.0, 0);
    for metric in latest.scope_metrics().flat_map(|s| s.metrics()) {
        match (metric.name(), metric.data()) {
            (LLM_TRACE_CLIENT_COST, AggregatedMetrics::F64(MetricData::Sum(sum))) => {
                cost += sum.data_points().map(|p| p.value()).sum::<f64>();
            }
            (GEN_AI_CLIENT_TOKEN_USAGE, AggregatedMetrics::U64(MetricData::Histogram(h))) => {
                input += h
                    .data_points()
                    .filter(|p| p.attributes().any(|kv| kv.value == Value::from("input")))
                    .map(|p| p.sum())
                    .sum::<u64>();
            }
            _ => {}
        }
    }
    (cost, input)
}

#[test]
fn the_first_call_of_a_model_returns_before_its_prices_and_gets_its_cost_after() {
    let exporter = InMemoryMetricExporter::default();
    let meters = SdkMeterProvider::builder()
        .with_reader(PeriodicReader::builder(exporter.clone()).build())
        .build();
    global::set_meter_provider(meters.clone());
    let sampled = Capture::new();
    let sampled_out = Capture::sampled_out();
    let request = json!({"model": "gpt-4o-mini", "messages": []});
    let response = json!({
        "id": "chatcmpl-1", "model": "gpt-4o-mini-2024-07-18",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 1000, "completion_tokens": 100}
    });

    // Nothing has resolved a price in this process yet, and the resolver
    // (which also loads genai-prices' data) is held.
    let hold = llm_trace::cost::__hold_resolver();
    let (returned, calls) = mpsc::channel();
    let (req, resp) = (request.clone(), response.clone());
    let roots = (sampled.context().clone(), sampled_out.context().clone());
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        for root in [roots.0, roots.1] {
            let _attached = root.attach();
            let out = rt.block_on(chat(req.clone(), resp.clone()));
            returned.send(out).unwrap();
        }
    });
    // A call that waited for its prices would not return while the resolver
    // is held (the bound only turns such a hang into a failure).
    for _ in 0..2 {
        let out = calls
            .recv_timeout(Duration::from_secs(120))
            .expect("the call returned while its prices were not resolved");
        assert_eq!(out, response);
    }
    // Both calls are in the metrics already, but their cost is not.
    assert_eq!(sums(&meters, &exporter), (0.0, 2000));

    let released = std::time::SystemTime::now();
    drop(hold);
    // gpt-4o-mini: $0.15 input, $0.60 output per million tokens.
    let one = (1_000.0 * 0.15 + 100.0 * 0.6) / 1e6;
    let span = sampled.span("chat gpt-4o-mini");
    assert_eq!(
        attributes(&span).get(LLM_TRACE_COST_USD),
        Some(&Value::F64(one))
    );
    // The span ended when the call did, not when its cost arrived.
    assert!(span.start_time <= span.end_time && span.end_time < released);
    assert!(sampled_out.spans().is_empty());
    // The counter has both calls' cost, the sampled-out one's included.
    assert!(llm_trace::cost::flush(Duration::from_secs(60)));
    assert_eq!(sums(&meters, &exporter), (one + one, 2000));

    // Now the prices are known: a call costs at once (no resolver needed).
    let hold = llm_trace::cost::__hold_resolver();
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let again = Capture::new();
    rt.block_on(again.run(chat(request, response)));
    drop(hold);
    assert_eq!(
        attributes(&again.span("chat gpt-4o-mini")).get(LLM_TRACE_COST_USD),
        Some(&Value::F64(one))
    );
}
