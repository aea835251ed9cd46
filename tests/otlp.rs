//! `llm_trace::init` verified against a real OTLP receiver, not against our
//! own exporter: the receiver (`llm_trace_testkit::receiver`) is built from
//! `opentelemetry-proto`'s generated gRPC services and an HTTP server that
//! decodes protobuf, and these tests assert what it DECODED.
//!
//! Configuration goes through the standard `OTEL_*` variables (handed to
//! `init` with `Builder::env_vars`, so the variable path is what is tested,
//! without touching the process environment).
//!
//! `http/json` is not covered here: the receiver accepts only
//! `application/x-protobuf` bodies (it answers `415` to anything else), so
//! it cannot decode OTLP/JSON.
//!
//! `init` installs global providers, which are process-wide: the tests of
//! this binary take turns.

use std::collections::BTreeMap;
use std::time::Duration;

use llm_trace::llm_call;
use llm_trace_testkit::receiver::{
    AttrValue, ExportStatus, MetricKind, MetricPoint, NumberValue, Protocol, ReceivedSpan,
    Receiver, Signal,
};
use opentelemetry::trace::{
    FutureExt, SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState, Tracer,
};
use opentelemetry::{global, Context};
use opentelemetry_proto::tonic::metrics::v1::AggregationTemporality;
use opentelemetry_proto::tonic::trace::v1::span::SpanKind;
use opentelemetry_proto::tonic::trace::v1::status::StatusCode;
use serde_json::{json, Value};

/// Tests that install global providers take turns.
static TURN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The conventions' recommended `gen_ai.client.token.usage` buckets,
/// written out here rather than read from llm-trace.
const TOKEN_USAGE_BOUNDS: [f64; 14] = [
    1.0, 4.0, 16.0, 64.0, 256.0, 1024.0, 4096.0, 16384.0, 65536.0, 262144.0, 1048576.0, 4194304.0,
    16777216.0, 67108864.0,
];

/// The conventions' recommended `gen_ai.client.operation.duration` buckets (s).
const DURATION_BOUNDS: [f64; 14] = [
    0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
];

/// Upper bound of every wait for data to arrive.
const WAIT: Duration = Duration::from_secs(10);

const SERVICE: &str = "support-bot";
/// `OTEL_EXPORTER_OTLP_HEADERS`: `%3D` is a percent-encoded `=`.
const HEADERS: &str = "x-api-key=s3cr%3Dt, x-team=llm";
// Values are percent-encoded in the variable, as the specification says.
const RESOURCE_ATTRIBUTES: &str =
    "deployment.environment.name=staging,service.version=2.4.1,team=llm%20ops%2Ceu";

#[derive(Debug)]
struct ApiError;

/// A chat completion answered from the request: `user_id` scales the usage
/// so every call's tokens are known.
#[llm_call(provider = "openai", prompt_id = 5, feature = "summarize",
           fields(user.id = user_id, user.tier = %tier), request = req)]
async fn summarize(req: Value, user_id: i64, tier: &str) -> Result<Value, ApiError> {
    Ok(json!({
        "id": format!("chatcmpl-sum-{user_id}"),
        "object": "chat.completion",
        "model": "gpt-4o-mini-2024-07-18",
        "choices": [{"index": 0, "finish_reason": "stop",
                     "message": {"role": "assistant", "content": "short"}}],
        "usage": {"prompt_tokens": 100 * user_id, "completion_tokens": 20 * user_id,
                  "total_tokens": 120 * user_id}
    }))
}

/// A call whose body makes another instrumented call.
#[llm_call(provider = "openai", feature = "plan", request = req)]
async fn plan(req: Value) -> Result<Value, ApiError> {
    summarize(summarize_request(), 3, "free").await?;
    Ok(json!({
        "id": "chatcmpl-plan",
        "model": "gpt-4o-2024-08-06",
        "choices": [{"index": 0, "finish_reason": "length",
                     "message": {"role": "assistant", "content": "step 1"}}],
        "usage": {"prompt_tokens": 50, "completion_tokens": 5, "total_tokens": 55}
    }))
}

fn summarize_request() -> Value {
    json!({"model": "gpt-4o-mini", "temperature": 0.2, "max_tokens": 256,
           "messages": [{"role": "user", "content": "Summarize the ticket"}]})
}

fn plan_request() -> Value {
    json!({"model": "gpt-4o", "seed": 42, "max_completion_tokens": 64,
           "messages": [{"role": "user", "content": "Plan the answer"}]})
}

/// The work of one request: a user span around a `plan` call (which nests
/// a `summarize` call for user 3) and a direct `summarize` call for user 1.
///
/// ```text
/// answer_question            (user span, scope "app")
/// ├── chat gpt-4o            (plan)
/// │   └── chat gpt-4o-mini   (summarize, user 3)
/// └── chat gpt-4o-mini       (summarize, user 1)
/// ```
async fn answer_question() {
    let root = global::tracer("app").start("answer_question");
    let cx = Context::current_with_span(root);
    async {
        plan(plan_request()).await.expect("plan succeeds");
        summarize(summarize_request(), 1, "pro")
            .await
            .expect("summarize succeeds");
    }
    .with_context(cx.clone())
    .await;
    cx.span().end();
}

fn s(value: &str) -> AttrValue {
    AttrValue::String(value.to_owned())
}

fn strings(values: &[&str]) -> AttrValue {
    AttrValue::Array(values.iter().map(|v| s(v)).collect())
}

fn map(
    entries: impl IntoIterator<Item = (&'static str, AttrValue)>,
) -> BTreeMap<String, AttrValue> {
    entries
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
}

fn summarize_attributes(user_id: i64, tier: &str) -> BTreeMap<String, AttrValue> {
    map([
        ("code.function.name", s("otlp::summarize")),
        ("gen_ai.operation.name", s("chat")),
        ("gen_ai.provider.name", s("openai")),
        ("server.address", s("api.openai.com")),
        ("server.port", AttrValue::Int(443)),
        ("gen_ai.request.model", s("gpt-4o-mini")),
        ("gen_ai.request.temperature", AttrValue::Double(0.2)),
        ("gen_ai.request.max_tokens", AttrValue::Int(256)),
        ("gen_ai.response.id", s(&format!("chatcmpl-sum-{user_id}"))),
        ("gen_ai.response.model", s("gpt-4o-mini-2024-07-18")),
        ("gen_ai.response.finish_reasons", strings(&["stop"])),
        ("gen_ai.usage.input_tokens", AttrValue::Int(100 * user_id)),
        ("gen_ai.usage.output_tokens", AttrValue::Int(20 * user_id)),
        // gpt-4o-mini: $0.15 input, $0.60 output per million tokens.
        (
            "llm_trace.cost.usd",
            AttrValue::Double(((100 * user_id) as f64 * 0.15 + (20 * user_id) as f64 * 0.6) / 1e6),
        ),
        ("openai.api.type", s("chat_completions")),
        ("prompt_id", AttrValue::Int(5)),
        ("feature", s("summarize")),
        ("user.id", AttrValue::Int(user_id)),
        ("user.tier", s(tier)),
    ])
}

fn plan_attributes() -> BTreeMap<String, AttrValue> {
    map([
        ("code.function.name", s("otlp::plan")),
        ("gen_ai.operation.name", s("chat")),
        ("gen_ai.provider.name", s("openai")),
        ("server.address", s("api.openai.com")),
        ("server.port", AttrValue::Int(443)),
        ("gen_ai.request.model", s("gpt-4o")),
        ("gen_ai.request.seed", AttrValue::Int(42)),
        ("gen_ai.request.max_tokens", AttrValue::Int(64)),
        ("gen_ai.response.id", s("chatcmpl-plan")),
        ("gen_ai.response.model", s("gpt-4o-2024-08-06")),
        ("gen_ai.response.finish_reasons", strings(&["length"])),
        ("gen_ai.usage.input_tokens", AttrValue::Int(50)),
        ("gen_ai.usage.output_tokens", AttrValue::Int(5)),
        // gpt-4o: $2.50 input, $10 output per million tokens.
        (
            "llm_trace.cost.usd",
            AttrValue::Double((50.0 * 2.5 + 5.0 * 10.0) / 1e6),
        ),
        ("feature", s("plan")),
    ])
}

/// The resource every span and data point arrives with: the service name
/// and `OTEL_RESOURCE_ATTRIBUTES` from the variables, plus the SDK's own.
fn expected_resource() -> BTreeMap<String, AttrValue> {
    map([
        ("service.name", s(SERVICE)),
        ("deployment.environment.name", s("staging")),
        ("service.version", s("2.4.1")),
        ("team", s("llm ops,eu")),
        ("telemetry.sdk.name", s("opentelemetry")),
        ("telemetry.sdk.language", s("rust")),
        ("telemetry.sdk.version", s("0.33.1")),
    ])
}

/// The one span whose `gen_ai.response.id` is `id`.
fn span_with_response_id<'a>(spans: &'a [ReceivedSpan], id: &str) -> &'a ReceivedSpan {
    let found: Vec<_> = spans
        .iter()
        .filter(|span| span.attr("gen_ai.response.id").as_ref() == Some(&s(id)))
        .collect();
    assert_eq!(found.len(), 1, "one span answered {id}: {spans:#?}");
    found[0]
}

/// The last (cumulative, so current) point of `name` whose attributes
/// include every pair in `having`.
fn last_point<'a>(
    points: &'a [MetricPoint],
    name: &str,
    having: &[(&str, &str)],
) -> &'a MetricPoint {
    points
        .iter()
        .rev()
        .find(|p| {
            p.name == name
                && having
                    .iter()
                    .all(|(k, v)| p.attr(k).and_then(AttrValue::as_str) == Some(*v))
        })
        .unwrap_or_else(|| panic!("no {name} point with {having:?}: {points:#?}"))
}

fn metric_attributes(
    request_model: &str,
    response_model: &str,
    token_type: Option<&str>,
) -> BTreeMap<String, AttrValue> {
    let mut attributes = map([
        ("gen_ai.operation.name", s("chat")),
        ("gen_ai.provider.name", s("openai")),
        ("gen_ai.request.model", s(request_model)),
        ("gen_ai.response.model", s(response_model)),
        ("server.address", s("api.openai.com")),
        ("server.port", AttrValue::Int(443)),
    ]);
    if let Some(token_type) = token_type {
        attributes.insert("gen_ai.token.type".into(), s(token_type));
    }
    attributes
}

/// Bucket counts for `values` over `bounds` (a value equal to a bound
/// belongs to that bound's bucket, as OTLP explicit buckets are `(lo, hi]`).
fn buckets(bounds: &[f64], values: &[f64]) -> Vec<u64> {
    let mut counts = vec![0; bounds.len() + 1];
    for value in values {
        let index = bounds
            .iter()
            .position(|bound| value <= bound)
            .unwrap_or(bounds.len());
        counts[index] += 1;
    }
    counts
}

fn assert_token_usage(
    points: &[MetricPoint],
    (request_model, response_model): (&str, &str),
    token_type: &str,
    values: &[f64],
) {
    let point = last_point(
        points,
        "gen_ai.client.token.usage",
        &[
            ("gen_ai.request.model", request_model),
            ("gen_ai.token.type", token_type),
        ],
    );
    let context = format!("{request_model} {token_type}: {point:#?}");
    assert_eq!(point.kind, MetricKind::Histogram, "{context}");
    assert_eq!(point.unit, "{token}", "{context}");
    assert_eq!(point.description, "Number of input and output tokens used");
    assert_eq!(point.scope_name, "llm-trace", "{context}");
    assert_eq!(
        point.temporality,
        AggregationTemporality::Cumulative,
        "{context}"
    );
    assert_eq!(
        point.attributes,
        metric_attributes(request_model, response_model, Some(token_type)),
        "{context}"
    );
    assert_eq!(point.explicit_bounds, TOKEN_USAGE_BOUNDS, "{context}");
    assert_eq!(point.count, Some(values.len() as u64), "{context}");
    assert_eq!(point.sum, Some(values.iter().sum()), "{context}");
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    assert_eq!(point.min, Some(min), "{context}");
    assert_eq!(point.max, Some(max), "{context}");
    assert_eq!(
        point.bucket_counts,
        buckets(&TOKEN_USAGE_BOUNDS, values),
        "{context}"
    );
    assert_eq!(point.resource, expected_resource(), "{context}");
}

fn assert_cost(points: &[MetricPoint], (request_model, response_model): (&str, &str), usd: f64) {
    let point = last_point(
        points,
        "llm_trace.client.cost",
        &[("gen_ai.request.model", request_model)],
    );
    let context = format!("{request_model}: {point:#?}");
    assert_eq!(point.kind, MetricKind::Sum { monotonic: true }, "{context}");
    assert_eq!(point.unit, "USD", "{context}");
    assert_eq!(
        point.attributes,
        metric_attributes(request_model, response_model, None),
        "{context}"
    );
    let Some(NumberValue::Double(total)) = point.value else {
        panic!("a double sum: {context}");
    };
    // Added call by call: equal up to rounding.
    assert!((total - usd).abs() < 1e-15, "{total} != {usd}: {context}");
}

fn assert_duration(
    points: &[MetricPoint],
    (request_model, response_model): (&str, &str),
    count: u64,
) {
    let point = last_point(
        points,
        "gen_ai.client.operation.duration",
        &[("gen_ai.request.model", request_model)],
    );
    let context = format!("{request_model}: {point:#?}");
    assert_eq!(point.kind, MetricKind::Histogram, "{context}");
    assert_eq!(point.unit, "s", "{context}");
    assert_eq!(point.description, "GenAI operation duration");
    assert_eq!(point.scope_name, "llm-trace", "{context}");
    assert_eq!(
        point.attributes,
        metric_attributes(request_model, response_model, None),
        "{context}"
    );
    assert_eq!(point.explicit_bounds, DURATION_BOUNDS, "{context}");
    assert_eq!(point.count, Some(count), "{context}");
    assert_eq!(point.bucket_counts.iter().sum::<u64>(), count, "{context}");
    // The bodies return at once: well under a second in total.
    let sum = point.sum.expect("a duration sum");
    assert!(sum > 0.0 && sum < 1.0, "{context}");
    assert_eq!(point.resource, expected_resource(), "{context}");
}

/// Points `init` at `receiver` over `protocol` through the variables only,
/// makes the calls, shuts down, and asserts everything the receiver decoded.
async fn calls_arrive_decoded_over(protocol: &str) {
    let _turn = TURN.lock().await;
    let receiver = Receiver::start().await.expect("receiver starts");
    let (endpoint, expected_protocol) = match protocol {
        "grpc" => (receiver.grpc_endpoint(), Protocol::Grpc),
        "http/protobuf" => (receiver.http_endpoint(), Protocol::HttpProtobuf),
        other => panic!("no receiver for {other}"),
    };
    let telemetry = llm_trace::builder()
        .env_vars([
            ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint.as_str()),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", protocol),
            ("OTEL_SERVICE_NAME", SERVICE),
            ("OTEL_RESOURCE_ATTRIBUTES", RESOURCE_ATTRIBUTES),
            ("OTEL_EXPORTER_OTLP_HEADERS", HEADERS),
            // Only shutdown exports metrics: one cumulative export, exact totals.
            ("OTEL_METRIC_EXPORT_INTERVAL", "3600000"),
        ])
        .init()
        .expect("init");

    answer_question().await;

    tokio::task::spawn_blocking(move || telemetry.shutdown())
        .await
        .expect("shutdown thread")
        .expect("shutdown reports no error");

    // ---- spans ----
    let spans = receiver.wait_for_spans(4, WAIT).await;
    assert_eq!(spans.len(), 4, "{spans:#?}");
    let root = receiver
        .span_named("answer_question")
        .expect("the user span arrived");
    let plan = receiver.span_named("chat gpt-4o").expect("plan arrived");
    let nested = span_with_response_id(&spans, "chatcmpl-sum-3");
    let direct = span_with_response_id(&spans, "chatcmpl-sum-1");

    assert!(root.is_root());
    assert_eq!(root.kind(), SpanKind::Internal);
    assert_eq!(root.scope_name, "app");
    assert!(root.attrs().is_empty(), "{:#?}", root.attrs());

    for (span, name, parent) in [
        (&plan, "chat gpt-4o", &root),
        (nested, "chat gpt-4o-mini", &plan),
        (direct, "chat gpt-4o-mini", &root),
    ] {
        assert_eq!(span.name(), name);
        assert_eq!(span.kind(), SpanKind::Client, "{name}");
        assert_eq!(span.status_code(), StatusCode::Unset, "{name}");
        assert_eq!(span.scope_name, "llm-trace", "{name}");
        assert_eq!(span.scope_version, env!("CARGO_PKG_VERSION"), "{name}");
        assert_eq!(span.protocol, expected_protocol);
        assert_eq!(span.trace_id(), root.trace_id(), "{name}: one trace");
        assert_eq!(
            span.parent_span_id(),
            Some(parent.span_id()),
            "{name} is a child of {}",
            parent.name()
        );
        assert!(span.event_names().is_empty(), "{name}");
    }
    assert_eq!(plan.attrs(), plan_attributes());
    assert_eq!(nested.attrs(), summarize_attributes(3, "free"));
    assert_eq!(direct.attrs(), summarize_attributes(1, "pro"));
    // Children end before their parents.
    assert!(nested.span.end_time_unix_nano <= plan.span.end_time_unix_nano);
    assert!(plan.span.end_time_unix_nano <= root.span.end_time_unix_nano);
    assert_eq!(
        receiver
            .children_of(&root)
            .iter()
            .map(|s| s.span_id())
            .collect::<std::collections::BTreeSet<_>>(),
        [plan.span_id(), direct.span_id()].into_iter().collect()
    );
    for span in &spans {
        assert_eq!(span.resource, expected_resource(), "{}", span.name());
    }

    // ---- metrics ----
    let points = receiver
        .wait_for_metric("gen_ai.client.operation.duration", WAIT)
        .await;
    assert!(!points.is_empty(), "metrics arrived");
    let points = receiver.metrics();
    let mini = ("gpt-4o-mini", "gpt-4o-mini-2024-07-18");
    let four = ("gpt-4o", "gpt-4o-2024-08-06");
    assert_token_usage(&points, mini, "input", &[300.0, 100.0]);
    assert_token_usage(&points, mini, "output", &[60.0, 20.0]);
    assert_token_usage(&points, four, "input", &[50.0]);
    assert_token_usage(&points, four, "output", &[5.0]);
    assert_duration(&points, mini, 2);
    assert_duration(&points, four, 1);
    // gpt-4o-mini: $0.15 input, $0.60 output; gpt-4o: $2.50, $10 per
    // million tokens.
    let mini_cost = (300.0 * 0.15 + 60.0 * 0.6) / 1e6 + (100.0 * 0.15 + 20.0 * 0.6) / 1e6;
    assert_cost(&points, mini, mini_cost);
    assert_cost(&points, four, (50.0 * 2.5 + 5.0 * 10.0) / 1e6);
    // One series per (model, token type) and two per model (duration,
    // cost): nothing else.
    let mut series: Vec<_> = points
        .iter()
        .map(|p| (p.name.as_str(), format!("{:?}", p.attributes)))
        .collect();
    series.sort();
    series.dedup();
    assert_eq!(series.len(), 8, "{series:#?}");
    assert!(points.iter().all(|p| p.protocol == expected_protocol));

    // ---- requests and headers ----
    let requests = receiver.requests();
    for signal in [Signal::Traces, Signal::Metrics] {
        assert!(
            requests.iter().any(|r| r.signal == signal),
            "a {signal:?} request arrived: {requests:#?}"
        );
    }
    for request in &requests {
        assert_eq!(request.status, ExportStatus::Ok, "{request:#?}");
        assert_eq!(request.protocol, expected_protocol);
        assert_eq!(request.header("x-api-key"), Some("s3cr=t"), "{request:#?}");
        assert_eq!(request.header("x-team"), Some("llm"), "{request:#?}");
    }
    assert_eq!(
        requests
            .iter()
            .filter(|r| r.signal == Signal::Traces)
            .map(|r| r.items)
            .sum::<usize>(),
        4,
        "each span was sent once"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grpc_export_delivers_the_span_tree_resource_headers_and_metrics() {
    calls_arrive_decoded_over("grpc").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_protobuf_export_delivers_the_span_tree_resource_headers_and_metrics() {
    calls_arrive_decoded_over("http/protobuf").await;
}

/// `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` and `OTEL_EXPORTER_OTLP_METRICS_ENDPOINT`
/// are full URLs used as written (no `/v1/...` appended), and with
/// `parentbased_traceidratio` at ratio 0 only the call under a sampled
/// remote parent is exported, while every call reaches the metrics.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signal_endpoints_are_used_as_written_and_sampled_out_calls_still_reach_the_metrics() {
    let _turn = TURN.lock().await;
    let receiver = Receiver::start().await.expect("receiver starts");
    let (traces_url, metrics_url) = (receiver.http_traces_url(), receiver.http_metrics_url());
    let telemetry = llm_trace::builder()
        .env_vars([
            ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", traces_url.as_str()),
            ("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", metrics_url.as_str()),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"),
            ("OTEL_TRACES_SAMPLER", "parentbased_traceidratio"),
            ("OTEL_TRACES_SAMPLER_ARG", "0"),
            ("OTEL_SERVICE_NAME", SERVICE),
            ("OTEL_RESOURCE_ATTRIBUTES", RESOURCE_ATTRIBUTES),
            ("OTEL_METRIC_EXPORT_INTERVAL", "3600000"),
        ])
        .init()
        .expect("init");

    // A sampled parent from another process (as a `traceparent` header
    // would carry it): the call under it is sampled.
    let remote = SpanContext::new(
        TraceId::from_hex("4bf92f3577b34da6a3ce929d0e0e4736").unwrap(),
        SpanId::from_hex("00f067aa0ba902b7").unwrap(),
        TraceFlags::SAMPLED,
        true,
        TraceState::default(),
    );
    summarize(summarize_request(), 1, "pro")
        .with_context(Context::new().with_remote_span_context(remote))
        .await
        .expect("summarize succeeds");
    // Roots at ratio 0: sampled out.
    for user in [2, 4] {
        summarize(summarize_request(), user, "pro")
            .await
            .expect("summarize succeeds");
    }

    tokio::task::spawn_blocking(move || telemetry.shutdown())
        .await
        .expect("shutdown thread")
        .expect("shutdown reports no error");

    let spans = receiver.wait_for_spans(1, WAIT).await;
    assert_eq!(spans.len(), 1, "only the remotely sampled call: {spans:#?}");
    let span = &spans[0];
    assert_eq!(span.name(), "chat gpt-4o-mini");
    assert_eq!(span.trace_id(), "4bf92f3577b34da6a3ce929d0e0e4736");
    assert_eq!(span.parent_span_id().as_deref(), Some("00f067aa0ba902b7"));
    assert_eq!(span.attrs(), summarize_attributes(1, "pro"));
    assert_eq!(span.protocol, Protocol::HttpProtobuf);

    receiver
        .wait_for_metric("gen_ai.client.operation.duration", WAIT)
        .await;
    let points = receiver.metrics();
    let mini = ("gpt-4o-mini", "gpt-4o-mini-2024-07-18");
    assert_token_usage(&points, mini, "input", &[100.0, 200.0, 400.0]);
    assert_token_usage(&points, mini, "output", &[20.0, 40.0, 80.0]);
    assert_duration(&points, mini, 3);
    // Both signals went to their own URL, unchanged (the receiver answers
    // 404 to any other path, and records nothing).
    let requests = receiver.requests();
    assert!(requests.iter().all(|r| r.status == ExportStatus::Ok));
    assert_eq!(
        requests
            .iter()
            .filter(|r| r.signal == Signal::Traces)
            .map(|r| r.items)
            .sum::<usize>(),
        1
    );
    assert!(requests.iter().any(|r| r.signal == Signal::Metrics));
}
