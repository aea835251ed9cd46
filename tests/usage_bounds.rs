//! One reply cannot poison the metrics: usage counts no provider can
//! produce (over `MAX_PLAUSIBLE_TOKENS`) reach neither
//! `gen_ai.client.token.usage` nor the cost, and are counted as rejected;
//! the span keeps them as reported, marked `llm_trace.usage.rejected`.

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

#[llm_call(provider = "openai", request = req)]
async fn chat_stream(
    req: serde_json::Value,
    chunks: Vec<serde_json::Value>,
) -> Result<impl futures::Stream<Item = Result<serde_json::Value, std::io::Error>>, std::io::Error>
{
    let _ = req;
    Ok(futures::stream::iter(chunks.into_iter().map(Ok)))
}

fn reply(input: u64, output: u64) -> serde_json::Value {
    json!({
        "id": "chatcmpl-1", "model": "gpt-4o-mini-2024-07-18",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": input, "completion_tokens": output}
    })
}

#[tokio::test]
async fn a_reply_claiming_u64_max_tokens_reaches_no_metric_and_no_cost() {
    let exporter = InMemoryMetricExporter::default();
    let meters = SdkMeterProvider::builder()
        .with_reader(PeriodicReader::builder(exporter.clone()).build())
        .build();
    global::set_meter_provider(meters.clone());
    let request = json!({"model": "gpt-4o-mini", "messages": []});

    let honest = Capture::new();
    honest.run(chat(request.clone(), reply(1_000, 100))).await;
    // The same attributes as the honest call: on main the token histogram's
    // sum overflowed here (a panic inside the call in a debug build).
    let hostile = Capture::new();
    let out = hostile
        .run(chat(request.clone(), reply(u64::MAX, u64::MAX)))
        .await;
    assert_eq!(out, reply(u64::MAX, u64::MAX));
    // The same from a stream's last chunk.
    let streamed = Capture::new();
    let chunks = vec![
        json!({"id": "chatcmpl-2", "model": "gpt-4o-mini-2024-07-18",
               "choices": [{"index": 0, "delta": {"content": "ok"}, "finish_reason": "stop"}]}),
        json!({"id": "chatcmpl-2", "model": "gpt-4o-mini-2024-07-18", "choices": [],
               "usage": {"prompt_tokens": 10, "completion_tokens": u64::MAX}}),
    ];
    let items: Vec<_> = streamed
        .run(async {
            let s = chat_stream(request, chunks).await.unwrap();
            futures::StreamExt::collect::<Vec<_>>(s).await
        })
        .await;
    assert_eq!(items.len(), 2);

    let span = attributes(&hostile.span("chat gpt-4o-mini"));
    // The span is evidence: the counts as reported (saturated to i64).
    assert_eq!(
        span.get("gen_ai.usage.input_tokens"),
        Some(&Value::I64(i64::MAX))
    );
    assert_eq!(
        span.get("gen_ai.usage.output_tokens"),
        Some(&Value::I64(i64::MAX))
    );
    assert_eq!(
        span.get("llm_trace.usage.rejected"),
        Some(&Value::Bool(true))
    );
    assert_eq!(span.get(LLM_TRACE_COST_USD), None);
    let honest_span = attributes(&honest.span("chat gpt-4o-mini"));
    assert_eq!(honest_span.get("llm_trace.usage.rejected"), None);
    let one = (1_000.0 * 0.15 + 100.0 * 0.6) / 1e6;
    assert_eq!(honest_span.get(LLM_TRACE_COST_USD), Some(&Value::F64(one)));

    let span = attributes(&streamed.span("chat gpt-4o-mini"));
    assert_eq!(
        span.get("gen_ai.usage.output_tokens"),
        Some(&Value::I64(i64::MAX))
    );
    assert_eq!(span.get("gen_ai.usage.input_tokens"), Some(&Value::I64(10)));
    assert_eq!(
        span.get("llm_trace.usage.rejected"),
        Some(&Value::Bool(true))
    );
    assert_eq!(span.get(LLM_TRACE_COST_USD), None);

    assert_eq!(llm_trace::metrics::rejected_usage(), 2);

    assert!(llm_trace::cost::flush(Duration::from_secs(60)));
    meters.force_flush().unwrap();
    let exported = exporter.get_finished_metrics().unwrap();
    let latest = exported.last().expect("metrics were exported");
    let (mut cost, mut tokens) = (Vec::new(), Vec::new());
    for metric in latest.scope_metrics().flat_map(|s| s.metrics()) {
        match (metric.name(), metric.data()) {
            (LLM_TRACE_CLIENT_COST, AggregatedMetrics::F64(MetricData::Sum(sum))) => {
                cost.extend(sum.data_points().map(|p| p.value()));
            }
            (GEN_AI_CLIENT_TOKEN_USAGE, AggregatedMetrics::U64(MetricData::Histogram(h))) => {
                let mut points: Vec<(String, u64, u64)> = h
                    .data_points()
                    .map(|p| {
                        let kind = p
                            .attributes()
                            .find(|kv| kv.key.as_str() == "gen_ai.token.type")
                            .map(|kv| kv.value.as_str().into_owned())
                            .unwrap_or_default();
                        (kind, p.count(), p.sum())
                    })
                    .collect();
                points.sort();
                tokens.extend(points);
            }
            _ => {}
        }
    }
    // Only the honest call: one point per token type, its count and sum.
    assert_eq!(
        tokens,
        [
            ("input".to_owned(), 1, 1_000),
            ("output".to_owned(), 1, 100)
        ]
    );
    assert_eq!(cost, [one]);
}
