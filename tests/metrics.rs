//! `gen_ai.client.token.usage` and `gen_ai.client.operation.duration` (and
//! for streams the time to first chunk and per output chunk):
//! recorded for every call, sampled or not, with the conventions' units,
//! buckets and attributes.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use llm_trace::metadata::{MAX_ATTRIBUTE_VALUE_BYTES, MAX_MODEL_BYTES};
use llm_trace::metrics::{DURATION_BOUNDARIES, TOKEN_USAGE_BOUNDARIES};
use llm_trace::semconv::{LLM_TRACE_CLIENT_COST, LLM_TRACE_COST_USD, OTHER};
use llm_trace::{llm_call, ErrorType};
use llm_trace_testkit::capture::{attributes, Capture};
use opentelemetry::trace::Status;
use opentelemetry::{global, Value};
use opentelemetry_sdk::metrics::data::{AggregatedMetrics, HistogramDataPoint, MetricData};
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
        llm_trace::metrics::set_metadata_keys(["feature", "tenant"]);
        Meters { provider, exporter }
    })
}

/// One histogram data point, reduced to what the tests compare.
#[derive(Debug, Clone, PartialEq)]
struct Point {
    attributes: BTreeMap<String, Value>,
    count: u64,
    sum: f64,
    bounds: Vec<f64>,
}

impl Point {
    fn from<T: Copy>(p: &HistogramDataPoint<T>, sum: impl Fn(T) -> f64) -> Point {
        Point {
            attributes: p
                .attributes()
                .map(|kv| (kv.key.as_str().to_owned(), kv.value.clone()))
                .collect(),
            count: p.count(),
            sum: sum(p.sum()),
            bounds: p.bounds().collect(),
        }
    }
}

/// The latest (cumulative) data points of `name` whose request model is `model`.
fn points(name: &str, model: &str) -> Vec<Point> {
    let m = meters();
    m.provider.force_flush().unwrap();
    let exported = m.exporter.get_finished_metrics().unwrap();
    let latest = exported.last().expect("metrics were exported");
    let mut points = Vec::new();
    for scope in latest.scope_metrics() {
        assert_eq!(scope.scope().name(), "llm-trace");
        for metric in scope.metrics().filter(|m| m.name() == name) {
            match metric.data() {
                AggregatedMetrics::U64(MetricData::Histogram(h)) => {
                    assert_eq!(metric.unit(), "{token}");
                    points.extend(h.data_points().map(|p| Point::from(p, |s| s as f64)));
                }
                AggregatedMetrics::F64(MetricData::Histogram(h)) => {
                    assert_eq!(metric.unit(), "s");
                    points.extend(h.data_points().map(|p| Point::from(p, |s| s)));
                }
                other => panic!("unexpected aggregation {other:?}"),
            }
        }
    }
    points.retain(|p| {
        p.attributes.get("gen_ai.request.model") == Some(&Value::from(model.to_owned()))
    });
    points.sort_by(|a, b| format!("{:?}", a.attributes).cmp(&format!("{:?}", b.attributes)));
    points
}

fn attrs(pairs: &[(&str, Value)]) -> BTreeMap<String, Value> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

#[llm_call(provider = "openai", request = body, feature = "summarize", prompt_id = 5)]
async fn chat(body: serde_json::Value) -> Result<serde_json::Value, std::io::Error> {
    let model = body["model"].as_str().unwrap_or_default().to_owned();
    Ok(json!({
        "id": "c1", "model": format!("{model}-2024"),
        "usage": {"prompt_tokens": 100, "completion_tokens": 20}
    }))
}

#[tokio::test]
async fn token_usage_and_duration_carry_the_conventions_attributes() {
    meters();
    let cap = Capture::new();
    cap.run(chat(json!({"model": "m-usage"}))).await.unwrap();
    cap.run(chat(json!({"model": "m-usage"}))).await.unwrap();

    let common = [
        ("gen_ai.operation.name", Value::from("chat")),
        ("gen_ai.provider.name", Value::from("openai")),
        ("gen_ai.request.model", Value::from("m-usage")),
        ("gen_ai.response.model", Value::from("m-usage-2024")),
        ("server.address", Value::from("api.openai.com")),
        ("server.port", Value::I64(443)),
        ("feature", Value::from("summarize")),
    ];
    let with_type = |t: &'static str| {
        let mut a = attrs(&common);
        a.insert("gen_ai.token.type".into(), Value::from(t));
        a
    };
    assert_eq!(
        points("gen_ai.client.token.usage", "m-usage"),
        vec![
            Point {
                attributes: with_type("input"),
                count: 2,
                sum: 200.0,
                bounds: TOKEN_USAGE_BOUNDARIES.to_vec()
            },
            Point {
                attributes: with_type("output"),
                count: 2,
                sum: 40.0,
                bounds: TOKEN_USAGE_BOUNDARIES.to_vec()
            },
        ]
    );
    let duration = points("gen_ai.client.operation.duration", "m-usage");
    assert_eq!(duration.len(), 1);
    assert_eq!(duration[0].attributes, attrs(&common));
    assert_eq!(duration[0].count, 2);
    assert_eq!(duration[0].bounds, DURATION_BOUNDARIES.to_vec());
    assert!(duration[0].sum > 0.0 && duration[0].sum < 5.0);
}

#[tokio::test]
async fn sampled_out_calls_are_measured_too() {
    meters();
    let cap = Capture::sampled_out();
    for _ in 0..3 {
        cap.run(chat(json!({"model": "m-sampled-out"})))
            .await
            .unwrap();
    }
    assert!(cap.spans().is_empty());
    let usage = points("gen_ai.client.token.usage", "m-sampled-out");
    assert_eq!(
        usage.iter().map(|p| (p.count, p.sum)).collect::<Vec<_>>(),
        [(3, 300.0), (3, 60.0)]
    );
    // The response model comes from the response even when nothing records.
    assert_eq!(
        usage[0].attributes["gen_ai.response.model"],
        Value::from("m-sampled-out-2024")
    );
}

#[llm_call(provider = "anthropic", model = "m-error")]
async fn failing() -> Result<u8, std::io::Error> {
    Err(std::io::Error::other("boom"))
}

#[tokio::test]
async fn failed_calls_have_an_error_type_and_no_token_usage() {
    meters();
    let cap = Capture::new();
    cap.run(failing()).await.unwrap_err();
    assert!(points("gen_ai.client.token.usage", "m-error").is_empty());
    let duration = points("gen_ai.client.operation.duration", "m-error");
    assert_eq!(duration.len(), 1);
    assert_eq!(
        duration[0].attributes["error.type"],
        Value::from("std::io::error::Error")
    );
    assert_eq!(
        duration[0].attributes["gen_ai.provider.name"],
        Value::from("anthropic")
    );
    assert!(!duration[0].attributes.contains_key("gen_ai.response.model"));
}

fn count(counter: &AtomicUsize, value: &'static str) -> &'static str {
    counter.fetch_add(1, Ordering::SeqCst);
    value
}

#[llm_call(provider = "openai", model = "m-metadata",
           fields(tenant = count(allowed, "acme"), user.id = count(other, "u-1")))]
async fn with_fields(allowed: &AtomicUsize, other: &AtomicUsize) -> serde_json::Value {
    json!({"usage": {"prompt_tokens": 1, "completion_tokens": 1}})
}

#[tokio::test]
async fn only_allowed_metadata_reaches_metrics_and_only_it_is_evaluated_when_sampled_out() {
    meters();
    let (allowed, other) = (AtomicUsize::new(0), AtomicUsize::new(0));
    let cap = Capture::sampled_out();
    cap.run(with_fields(&allowed, &other)).await;
    assert_eq!(
        allowed.load(Ordering::SeqCst),
        1,
        "an allowed key is evaluated for metrics"
    );
    assert_eq!(other.load(Ordering::SeqCst), 0, "other fields stay lazy");

    let duration = points("gen_ai.client.operation.duration", "m-metadata");
    assert_eq!(duration[0].attributes["tenant"], Value::from("acme"));
    assert!(!duration[0].attributes.contains_key("user.id"));
}

#[llm_call(provider = "openai", model = "m-cancelled")]
async fn never_finishes() -> u8 {
    std::future::pending::<()>().await;
    0
}

#[tokio::test]
async fn cancelled_calls_are_measured_with_their_error_type() {
    meters();
    let cap = Capture::new();
    let _ = cap
        .run(tokio::time::timeout(
            std::time::Duration::from_millis(5),
            never_finishes(),
        ))
        .await;
    let duration = points("gen_ai.client.operation.duration", "m-cancelled");
    assert_eq!(
        duration[0].attributes["error.type"],
        Value::from("cancelled")
    );
    assert_eq!(duration[0].count, 1);
}

#[llm_call(provider = "openai", model = "gpt-stream-metrics")]
async fn streamed(
    chunks: Vec<serde_json::Value>,
) -> Result<impl futures::Stream<Item = Result<serde_json::Value, std::io::Error>>, std::io::Error>
{
    use futures::StreamExt;
    // A pause before each chunk, so the times are measurably non-zero.
    Ok(futures::stream::iter(chunks).then(|c| async move {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        Ok(c)
    }))
}

#[tokio::test]
async fn streams_record_time_to_first_chunk_and_time_per_output_chunk() {
    use futures::StreamExt;
    meters();
    let chunk = |choices: serde_json::Value, usage: serde_json::Value| json!({"id": "s1", "model": "gpt-stream-metrics-2024", "choices": choices, "usage": usage});
    let chunks = vec![
        chunk(
            json!([{"index": 0, "delta": {"content": "a"}}]),
            json!(null),
        ),
        chunk(
            json!([{"index": 0, "delta": {"content": "b"}}]),
            json!(null),
        ),
        chunk(
            json!([{"index": 0, "delta": {}, "finish_reason": "stop"}]),
            json!(null),
        ),
        chunk(
            json!([]),
            json!({"prompt_tokens": 7, "completion_tokens": 3}),
        ),
    ];
    let count = streamed(chunks).await.unwrap().count().await;
    assert_eq!(count, 4);

    let common = attrs(&[
        ("gen_ai.operation.name", "chat".into()),
        ("gen_ai.provider.name", "openai".into()),
        ("gen_ai.request.model", "gpt-stream-metrics".into()),
        ("gen_ai.response.model", "gpt-stream-metrics-2024".into()),
        ("server.address", "api.openai.com".into()),
        ("server.port", 443.into()),
    ]);
    let first = points(
        "gen_ai.client.operation.time_to_first_chunk",
        "gpt-stream-metrics",
    );
    assert_eq!(first.len(), 1, "{first:?}");
    assert_eq!(first[0].attributes, common);
    assert_eq!(first[0].count, 1);
    assert!(
        first[0].sum >= 0.005,
        "time to first chunk {}",
        first[0].sum
    );
    assert_eq!(first[0].bounds, DURATION_BOUNDARIES);

    let per_chunk = points(
        "gen_ai.client.operation.time_per_output_chunk",
        "gpt-stream-metrics",
    );
    assert_eq!(per_chunk.len(), 1, "{per_chunk:?}");
    assert_eq!(per_chunk[0].attributes, common);
    assert_eq!(per_chunk[0].count, 3, "one per chunk after the first");
    assert!(
        per_chunk[0].sum >= 0.015,
        "time per chunk {}",
        per_chunk[0].sum
    );
    assert_eq!(
        per_chunk[0].bounds,
        llm_trace::metrics::CHUNK_INTERVAL_BOUNDARIES
    );

    let tokens = points("gen_ai.client.token.usage", "gpt-stream-metrics");
    assert_eq!(
        tokens.iter().map(|p| (p.count, p.sum)).collect::<Vec<_>>(),
        [(1, 7.0), (1, 3.0)]
    );
    let duration = points("gen_ai.client.operation.duration", "gpt-stream-metrics");
    assert_eq!(duration.len(), 1);
    assert!(duration[0].sum >= first[0].sum + per_chunk[0].sum - 1e-9);
}

/// The attributes of the cost counter's data points.
fn cost_points() -> Vec<BTreeMap<String, Value>> {
    let m = meters();
    assert!(llm_trace::cost::flush(std::time::Duration::from_secs(60)));
    m.provider.force_flush().unwrap();
    let exported = m.exporter.get_finished_metrics().unwrap();
    let latest = exported.last().expect("metrics were exported");
    let mut points = Vec::new();
    for scope in latest.scope_metrics() {
        for metric in scope
            .metrics()
            .filter(|m| m.name() == LLM_TRACE_CLIENT_COST)
        {
            let AggregatedMetrics::F64(MetricData::Sum(sum)) = metric.data() else {
                panic!("{LLM_TRACE_CLIENT_COST} is an f64 counter");
            };
            points.extend(sum.data_points().map(|p| {
                p.attributes()
                    .map(|kv| (kv.key.as_str().to_owned(), kv.value.clone()))
                    .collect()
            }));
        }
    }
    points
}

/// `text` as the span records a value over `limit` bytes: cut to `limit`
/// bytes, the last three of them the `…`.
fn cut(text: &str, limit: usize) -> String {
    format!("{}…", &text[..limit - '…'.len_utf8()])
}

#[tokio::test]
async fn long_models_are_other_on_metrics_and_get_no_cost() {
    meters();
    // Control: the same model within the bound is priced.
    let cap = Capture::new();
    cap.run(chat(json!({"model": "gpt-4o-mini"})))
        .await
        .unwrap();
    assert!(matches!(
        attributes(&cap.spans()[0]).get(LLM_TRACE_COST_USD),
        Some(Value::F64(usd)) if *usd > 0.0
    ));
    assert!(cost_points()
        .iter()
        .any(|a| a["gen_ai.request.model"] == Value::from("gpt-4o-mini")));

    let long = format!("gpt-4o-mini{}", "-x".repeat(150));
    assert!(long.len() > MAX_MODEL_BYTES);
    let cap = Capture::new();
    cap.run(chat(json!({"model": long}))).await.unwrap();

    let spans = cap.spans();
    assert_eq!(spans.len(), 1);
    let span = attributes(&spans[0]);
    assert_eq!(
        span["gen_ai.request.model"],
        Value::from(cut(&long, MAX_MODEL_BYTES))
    );
    assert_eq!(
        span["gen_ai.response.model"],
        Value::from(cut(&format!("{long}-2024"), MAX_MODEL_BYTES))
    );
    assert!(!span.contains_key(LLM_TRACE_COST_USD));

    let common = [
        ("gen_ai.operation.name", Value::from("chat")),
        ("gen_ai.provider.name", Value::from("openai")),
        ("gen_ai.request.model", Value::from(OTHER)),
        ("gen_ai.response.model", Value::from(OTHER)),
        ("server.address", Value::from("api.openai.com")),
        ("server.port", Value::I64(443)),
        ("feature", Value::from("summarize")),
    ];
    let with_type = |t: &'static str| {
        let mut a = attrs(&common);
        a.insert("gen_ai.token.type".into(), Value::from(t));
        a
    };
    assert_eq!(
        points("gen_ai.client.token.usage", OTHER),
        vec![
            Point {
                attributes: with_type("input"),
                count: 1,
                sum: 100.0,
                bounds: TOKEN_USAGE_BOUNDARIES.to_vec()
            },
            Point {
                attributes: with_type("output"),
                count: 1,
                sum: 20.0,
                bounds: TOKEN_USAGE_BOUNDARIES.to_vec()
            },
        ]
    );
    let duration = points("gen_ai.client.operation.duration", OTHER);
    assert_eq!(duration.len(), 1);
    assert_eq!(duration[0].attributes, attrs(&common));
    assert_eq!(duration[0].count, 1);

    let costs = cost_points();
    assert!(
        !costs.iter().any(|a| {
            a.get("gen_ai.request.model") == Some(&Value::from(OTHER))
                || a.get("gen_ai.response.model") == Some(&Value::from(OTHER))
        }),
        "no cost for a long model: {costs:?}"
    );
}

/// An error whose `error.type` is 10 KiB.
#[derive(Debug)]
struct LongTypeError;

impl fmt::Display for LongTypeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("failed")
    }
}

impl ErrorType for LongTypeError {
    fn error_type(&self) -> Cow<'static, str> {
        "e".repeat(10 << 10).into()
    }
}

#[llm_call(provider = "openai", model = "m-long-error-type")]
async fn long_error_type() -> Result<u8, LongTypeError> {
    Err(LongTypeError)
}

#[tokio::test]
async fn a_long_error_type_is_cut_on_the_span_and_other_on_metrics() {
    meters();
    let cap = Capture::new();
    cap.run(long_error_type()).await.unwrap_err();

    let span = cap.span("chat m-long-error-type");
    let error_type = attributes(&span)["error.type"].as_str().into_owned();
    assert_eq!(error_type.len(), MAX_MODEL_BYTES);
    assert_eq!(
        error_type,
        format!("{}…", "e".repeat(MAX_MODEL_BYTES - '…'.len_utf8()))
    );
    assert_eq!(span.status, Status::error("failed"));

    let duration = points("gen_ai.client.operation.duration", "m-long-error-type");
    assert_eq!(duration.len(), 1);
    assert_eq!(duration[0].attributes["error.type"], Value::from(OTHER));
}

#[llm_call(provider = "openai", model = "m-long-metadata", fields(tenant))]
async fn with_tenant(tenant: &str) -> serde_json::Value {
    json!({"usage": {"prompt_tokens": 1, "completion_tokens": 1}})
}

#[tokio::test]
async fn a_long_allowed_metadata_value_is_other_on_metrics_and_cut_on_the_span() {
    meters();
    let tenant = "t".repeat(10 << 10);
    let cap = Capture::new();
    cap.run(with_tenant(&tenant)).await;

    let span = cap.span("chat m-long-metadata");
    assert_eq!(
        attributes(&span)["tenant"],
        Value::from(cut(&tenant, MAX_ATTRIBUTE_VALUE_BYTES))
    );

    let duration = points("gen_ai.client.operation.duration", "m-long-metadata");
    assert_eq!(duration.len(), 1);
    assert_eq!(duration[0].attributes["tenant"], Value::from(OTHER));
    let usage = points("gen_ai.client.token.usage", "m-long-metadata");
    assert_eq!(usage.len(), 2);
    for point in usage {
        assert_eq!(point.attributes["tenant"], Value::from(OTHER));
    }

    // Just over the model bound: whole on the span, `_OTHER` on metrics.
    let tenant = "u".repeat(MAX_MODEL_BYTES + 1);
    let cap = Capture::new();
    cap.run(with_tenant(&tenant)).await;
    assert_eq!(
        attributes(&cap.span("chat m-long-metadata"))["tenant"],
        Value::from(tenant)
    );
    let duration = points("gen_ai.client.operation.duration", "m-long-metadata");
    assert_eq!(duration.len(), 1);
    assert_eq!(duration[0].count, 2);
}

#[llm_call(provider = "openai", model = "m-long-message")]
async fn long_message() -> Result<u8, std::io::Error> {
    Err(std::io::Error::other("x".repeat(10 << 10)))
}

#[tokio::test]
async fn a_long_error_message_is_cut_to_1024_bytes_in_the_status() {
    meters();
    let cap = Capture::new();
    cap.run(long_message()).await.unwrap_err();
    let span = cap.span("chat m-long-message");
    assert_eq!(span.status, Status::error(format!("{}…", "x".repeat(1024))));
}
