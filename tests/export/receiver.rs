//! The OTLP test receiver (`llm_trace_testkit::receiver`) against the real
//! opentelemetry-otlp exporters (gRPC via tonic, HTTP/protobuf via the
//! blocking reqwest client) and against hand-made requests: decoding,
//! recording, error answers and fault controls.
//!
//! The SDK's batch processor and periodic reader run on their own threads;
//! flushes run on a blocking thread so they never stall the runtime that
//! serves the receiver (a current-thread runtime would deadlock).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use llm_trace_testkit::receiver::{
    attribute, AttrValue, ExportStatus, MetricKind, NumberValue, Protocol, Receiver, Signal,
    HTTP_TRACES_PATH, PROTOBUF_CONTENT_TYPE,
};
use opentelemetry::metrics::MeterProvider as _;
use opentelemetry::trace::{SpanKind, Status, TraceContextExt, Tracer as _, TracerProvider as _};
use opentelemetry::{Context, InstrumentationScope, KeyValue};
use opentelemetry_otlp::{
    MetricExporter, Protocol as OtlpProtocol, RetryPolicy, SpanExporter, WithExportConfig,
    WithHttpConfig, WithTonicConfig,
};
use opentelemetry_proto::tonic::collector::trace::v1::trace_service_client::TraceServiceClient;
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue, KeyValue as ProtoKeyValue};
use opentelemetry_proto::tonic::trace::v1::{span, status, ResourceSpans, ScopeSpans, Span};
use opentelemetry_sdk::metrics::{PeriodicReader, SdkMeterProvider, Temporality};
use opentelemetry_sdk::trace::SdkTracerProvider;
use opentelemetry_sdk::Resource;
use prost::Message as _;

const WAIT: Duration = Duration::from_secs(10);

#[derive(Debug, Clone, Copy)]
enum Transport {
    Grpc,
    Http,
}

fn resource() -> Resource {
    Resource::builder_empty()
        .with_service_name("receiver-test")
        .with_attribute(KeyValue::new("deployment.environment.name", "test"))
        .build()
}

/// A span exporter for `transport` pointed at `receiver`. Must run inside a
/// tokio runtime (tonic builds its channel there).
fn span_exporter(receiver: &Receiver, transport: Transport, retry: RetryPolicy) -> SpanExporter {
    match transport {
        Transport::Grpc => SpanExporter::builder()
            .with_tonic()
            .with_endpoint(receiver.grpc_endpoint())
            .with_timeout(Duration::from_secs(5))
            .with_retry_policy(retry)
            .build(),
        Transport::Http => SpanExporter::builder()
            .with_http()
            .with_protocol(OtlpProtocol::HttpBinary)
            // A programmatic HTTP endpoint is used as is: the full URL.
            .with_endpoint(receiver.http_traces_url())
            .with_timeout(Duration::from_secs(5))
            .with_retry_policy(retry)
            .build(),
    }
    .expect("span exporter builds")
}

fn metric_exporter(receiver: &Receiver, transport: Transport) -> MetricExporter {
    match transport {
        Transport::Grpc => MetricExporter::builder()
            .with_tonic()
            .with_endpoint(receiver.grpc_endpoint())
            .with_temporality(Temporality::Cumulative)
            .build(),
        Transport::Http => MetricExporter::builder()
            .with_http()
            .with_protocol(OtlpProtocol::HttpBinary)
            .with_endpoint(receiver.http_metrics_url())
            .with_temporality(Temporality::Cumulative)
            .build(),
    }
    .expect("metric exporter builds")
}

fn tracer_provider(exporter: SpanExporter) -> SdkTracerProvider {
    SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(resource())
        .build()
}

/// Flushes and shuts down on a blocking thread, as the exporters need.
async fn flush_and_shutdown_traces(provider: SdkTracerProvider) {
    tokio::task::spawn_blocking(move || {
        provider.force_flush().expect("force_flush");
        provider.shutdown().expect("shutdown");
    })
    .await
    .expect("flush thread");
}

fn protocol_of(transport: Transport) -> Protocol {
    match transport {
        Transport::Grpc => Protocol::Grpc,
        Transport::Http => Protocol::HttpProtobuf,
    }
}

async fn exports_a_span_tree(transport: Transport) {
    let receiver = Receiver::start().await.expect("receiver starts");
    let provider = tracer_provider(span_exporter(&receiver, transport, RetryPolicy::default()));
    let tracer = provider.tracer_with_scope(
        InstrumentationScope::builder("llm-trace-test")
            .with_version("1.2.3")
            .build(),
    );
    tracer.in_span("invoke_agent planner", |cx| {
        let parent = cx.span();
        parent.set_attribute(KeyValue::new("feature", "summarize"));
        let mut child = tracer
            .span_builder("chat gpt-4o-mini")
            .with_kind(SpanKind::Client)
            .with_attributes([
                KeyValue::new("gen_ai.provider.name", "openai"),
                KeyValue::new("gen_ai.usage.input_tokens", 120_i64),
                KeyValue::new("gen_ai.request.temperature", 0.25_f64),
                KeyValue::new("gen_ai.request.stream", false),
                KeyValue::new(
                    "gen_ai.response.finish_reasons",
                    opentelemetry::Value::Array(
                        vec![opentelemetry::StringValue::from("stop"), "length".into()].into(),
                    ),
                ),
            ])
            .start_with_context(&tracer, &cx);
        opentelemetry::trace::Span::add_event(&mut child, "gen_ai.evaluation.result", vec![]);
        opentelemetry::trace::Span::set_status(&mut child, Status::error("rate limited"));
        opentelemetry::trace::Span::end(&mut child);
    });
    flush_and_shutdown_traces(provider).await;

    let spans = receiver.wait_for_spans(2, WAIT).await;
    assert_eq!(spans.len(), 2, "{spans:#?}");

    let chat = receiver.span_named("chat gpt-4o-mini").expect("chat span");
    assert_eq!(chat.protocol, protocol_of(transport));
    assert_eq!(chat.kind(), span::SpanKind::Client);
    assert_eq!(chat.scope_name, "llm-trace-test");
    assert_eq!(chat.scope_version, "1.2.3");
    assert_eq!(chat.attr("gen_ai.provider.name").unwrap(), "openai");
    assert_eq!(chat.attr("gen_ai.usage.input_tokens").unwrap(), 120_i64);
    assert_eq!(chat.attr("gen_ai.request.temperature").unwrap(), 0.25_f64);
    assert_eq!(chat.attr("gen_ai.request.stream").unwrap(), false);
    assert_eq!(
        chat.attr("gen_ai.response.finish_reasons").unwrap(),
        AttrValue::Array(vec!["stop".into(), "length".into()])
    );
    assert_eq!(chat.attrs().len(), 5, "{:#?}", chat.attrs());
    assert_eq!(chat.status_code(), status::StatusCode::Error);
    assert_eq!(chat.status_message(), "rate limited");
    assert_eq!(chat.event_names(), ["gen_ai.evaluation.result"]);
    assert_eq!(chat.resource_attr("service.name").unwrap(), "receiver-test");
    assert_eq!(
        chat.resource_attr("deployment.environment.name").unwrap(),
        "test"
    );

    let agent = receiver.parent_of(&chat).expect("the parent arrived");
    assert_eq!(agent.name(), "invoke_agent planner");
    assert!(agent.is_root());
    assert!(chat.is_child_of(&agent));
    assert_eq!(chat.trace_id(), agent.trace_id());
    assert_eq!(chat.parent_span_id(), Some(agent.span_id()));
    assert_eq!(chat.trace_id().len(), 32);
    assert_eq!(agent.span_id().len(), 16);
    assert_eq!(receiver.children_of(&agent), vec![chat.clone()]);
    assert_eq!(agent.attr("feature").unwrap(), "summarize");
    assert_eq!(agent.kind(), span::SpanKind::Internal);

    let requests = receiver.requests();
    assert!(!requests.is_empty());
    assert!(requests.iter().all(|r| r.status == ExportStatus::Ok
        && r.signal == Signal::Traces
        && r.protocol == protocol_of(transport)));
    assert_eq!(requests.iter().map(|r| r.items).sum::<usize>(), 2);
    assert_eq!(receiver.requests_received(), requests.len());
    let decoded = receiver.trace_requests();
    assert_eq!(decoded.len(), requests.len());
}

#[tokio::test(flavor = "multi_thread")]
async fn grpc_span_export_is_decoded() {
    exports_a_span_tree(Transport::Grpc).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn http_protobuf_span_export_is_decoded() {
    exports_a_span_tree(Transport::Http).await;
}

async fn exports_metrics(transport: Transport) {
    let receiver = Receiver::start().await.expect("receiver starts");
    let reader = PeriodicReader::builder(metric_exporter(&receiver, transport))
        // Only the explicit flush exports.
        .with_interval(Duration::from_secs(3600))
        .build();
    let provider = SdkMeterProvider::builder()
        .with_reader(reader)
        .with_resource(resource())
        .build();
    let meter = provider.meter("llm-trace-test");
    let duration = meter
        .f64_histogram("gen_ai.client.operation.duration")
        .with_unit("s")
        .with_description("GenAI operation duration.")
        .with_boundaries(vec![0.01, 0.1, 1.0, 10.0])
        .build();
    let attrs = [
        KeyValue::new("gen_ai.operation.name", "chat"),
        KeyValue::new("gen_ai.provider.name", "openai"),
    ];
    duration.record(0.05, &attrs);
    duration.record(2.5, &attrs);
    let calls = meter.u64_counter("llm_trace.test.calls").build();
    calls.add(3, &[KeyValue::new("feature", "summarize")]);

    tokio::task::spawn_blocking(move || {
        provider.force_flush().expect("force_flush");
        provider.shutdown().expect("shutdown");
    })
    .await
    .expect("flush thread");

    let points = receiver
        .wait_for_metric("gen_ai.client.operation.duration", WAIT)
        .await;
    let point = points.last().expect("a histogram point");
    assert_eq!(point.protocol, protocol_of(transport));
    assert_eq!(point.kind, MetricKind::Histogram);
    assert_eq!(point.unit, "s");
    assert_eq!(point.description, "GenAI operation duration.");
    assert_eq!(point.scope_name, "llm-trace-test");
    assert_eq!(point.count, Some(2));
    assert_eq!(point.sum, Some(2.55));
    assert_eq!(point.min, Some(0.05));
    assert_eq!(point.max, Some(2.5));
    assert_eq!(point.explicit_bounds, [0.01, 0.1, 1.0, 10.0]);
    assert_eq!(point.bucket_counts, [0, 1, 0, 1, 0]);
    assert_eq!(point.attributes.len(), 2);
    assert_eq!(point.attr("gen_ai.operation.name").unwrap(), "chat");
    assert_eq!(point.attr("gen_ai.provider.name").unwrap(), "openai");
    assert_eq!(
        point.resource_attr("service.name").unwrap(),
        "receiver-test"
    );

    let counter = receiver.metric_points("llm_trace.test.calls");
    let counter = counter.last().expect("a counter point");
    assert_eq!(counter.kind, MetricKind::Sum { monotonic: true });
    assert_eq!(counter.value, Some(NumberValue::Int(3)));
    assert_eq!(counter.attr("feature").unwrap(), "summarize");
    assert!(receiver
        .requests()
        .iter()
        .all(|r| r.signal == Signal::Metrics && r.status == ExportStatus::Ok));
    assert!(!receiver.metrics_requests().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn grpc_metric_export_is_decoded() {
    exports_metrics(Transport::Grpc).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn http_protobuf_metric_export_is_decoded() {
    exports_metrics(Transport::Http).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn headers_and_metadata_are_recorded() {
    let receiver = Receiver::start().await.expect("receiver starts");
    let mut metadata = opentelemetry_otlp::tonic_types::metadata::MetadataMap::new();
    metadata.insert("x-api-key", "grpc-secret".parse().unwrap());
    let grpc = SpanExporter::builder()
        .with_tonic()
        .with_endpoint(receiver.grpc_endpoint())
        .with_metadata(metadata)
        .build()
        .unwrap();
    let http = SpanExporter::builder()
        .with_http()
        .with_protocol(OtlpProtocol::HttpBinary)
        .with_endpoint(receiver.http_traces_url())
        .with_headers(HashMap::from([(
            "x-api-key".to_owned(),
            "http-secret".to_owned(),
        )]))
        .build()
        .unwrap();
    for exporter in [grpc, http] {
        let provider = tracer_provider(exporter);
        provider.tracer("t").in_span("s", |_| {});
        flush_and_shutdown_traces(provider).await;
    }
    assert_eq!(receiver.wait_for_spans(2, WAIT).await.len(), 2);
    let requests = receiver.requests();
    let grpc = requests
        .iter()
        .find(|r| r.protocol == Protocol::Grpc)
        .unwrap();
    let http = requests
        .iter()
        .find(|r| r.protocol == Protocol::HttpProtobuf)
        .unwrap();
    assert_eq!(grpc.header("x-api-key"), Some("grpc-secret"));
    assert_eq!(http.header("X-Api-Key"), Some("http-secret"));
    assert_eq!(http.header("content-type"), Some(PROTOBUF_CONTENT_TYPE));
}

fn one_span_request(name: &str) -> ExportTraceServiceRequest {
    ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            scope_spans: vec![ScopeSpans {
                spans: vec![Span {
                    trace_id: vec![1; 16],
                    span_id: vec![2; 8],
                    name: name.to_owned(),
                    attributes: vec![ProtoKeyValue {
                        key: "k".to_owned(),
                        value: Some(AnyValue {
                            value: Some(any_value::Value::StringValue("v".to_owned())),
                        }),
                        ..Default::default()
                    }],
                    ..Default::default()
                }],
                ..Default::default()
            }],
            ..Default::default()
        }],
    }
}

async fn http_post(
    url: &str,
    content_type: &str,
    body: Vec<u8>,
) -> Result<(u16, bytes::Bytes), reqwest::Error> {
    let response = reqwest::Client::new()
        .post(url)
        .header("content-type", content_type)
        .body(body)
        .timeout(Duration::from_secs(5))
        .send()
        .await?;
    let status = response.status().as_u16();
    Ok((status, response.bytes().await?))
}

/// `google.rpc.Status`, what OTLP/HTTP error bodies carry.
#[derive(Clone, PartialEq, prost::Message)]
struct RpcStatus {
    #[prost(int32, tag = "1")]
    code: i32,
    #[prost(string, tag = "2")]
    message: String,
}

#[tokio::test(flavor = "multi_thread")]
async fn http_rejects_what_is_not_otlp_protobuf() {
    let receiver = Receiver::start().await.expect("receiver starts");
    let traces = receiver.http_traces_url();

    let (status, body) = http_post(&traces, PROTOBUF_CONTENT_TYPE, vec![0xff, 0xff, 0xff])
        .await
        .unwrap();
    assert_eq!(status, 400);
    let rpc = RpcStatus::decode(body).expect("a google.rpc.Status body");
    assert_eq!(rpc.code, tonic::Code::InvalidArgument as i32);
    assert!(rpc.message.contains("undecodable"), "{}", rpc.message);

    let (status, _) = http_post(&traces, "application/json", b"{}".to_vec())
        .await
        .unwrap();
    assert_eq!(status, 415);
    let (status, _) = http_post(
        &format!("{}/v1/profiles", receiver.http_endpoint()),
        PROTOBUF_CONTENT_TYPE,
        Vec::new(),
    )
    .await
    .unwrap();
    assert_eq!(status, 404);
    let get = reqwest::get(&traces).await.unwrap();
    assert_eq!(get.status().as_u16(), 405);

    // A valid request still works afterwards, and the content type may
    // carry parameters.
    let request = one_span_request("ok").encode_to_vec();
    let (status, body) = http_post(&traces, "application/x-protobuf; charset=binary", request)
        .await
        .unwrap();
    assert_eq!(status, 200);
    ExportTraceServiceResponse::decode(body).expect("an encoded response");

    let spans = receiver.spans();
    assert_eq!(spans.len(), 1);
    assert_eq!(spans[0].attr("k").unwrap(), "v");
    assert_eq!(spans[0].protocol, Protocol::HttpProtobuf);
    let statuses: Vec<_> = receiver.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [ExportStatus::InvalidArgument, ExportStatus::Ok]);
    assert_eq!(receiver.requests_received(), 2);
}

/// Sends raw bytes as a gRPC `TraceService/Export` message.
#[derive(Debug, Clone, Default)]
struct RawCodec;

#[derive(Debug, Clone, Default)]
struct RawEncoder;

#[derive(Debug, Clone, Default)]
struct ResponseDecoder;

impl tonic::codec::Encoder for RawEncoder {
    type Item = Vec<u8>;
    type Error = tonic::Status;

    fn encode(
        &mut self,
        item: Vec<u8>,
        dst: &mut tonic::codec::EncodeBuf<'_>,
    ) -> Result<(), tonic::Status> {
        bytes::BufMut::put_slice(dst, &item);
        Ok(())
    }
}

impl tonic::codec::Decoder for ResponseDecoder {
    type Item = ExportTraceServiceResponse;
    type Error = tonic::Status;

    fn decode(
        &mut self,
        src: &mut tonic::codec::DecodeBuf<'_>,
    ) -> Result<Option<ExportTraceServiceResponse>, tonic::Status> {
        ExportTraceServiceResponse::decode(src)
            .map(Some)
            .map_err(|e| tonic::Status::internal(e.to_string()))
    }
}

impl tonic::codec::Codec for RawCodec {
    type Encode = Vec<u8>;
    type Decode = ExportTraceServiceResponse;
    type Encoder = RawEncoder;
    type Decoder = ResponseDecoder;

    fn encoder(&mut self) -> RawEncoder {
        RawEncoder
    }

    fn decoder(&mut self) -> ResponseDecoder {
        ResponseDecoder
    }
}

async fn grpc_client(receiver: &Receiver) -> TraceServiceClient<tonic::transport::Channel> {
    TraceServiceClient::connect(receiver.grpc_endpoint())
        .await
        .expect("grpc connects")
}

#[tokio::test(flavor = "multi_thread")]
async fn grpc_rejects_undecodable_messages_as_invalid_argument() {
    let receiver = Receiver::start().await.expect("receiver starts");
    let channel = tonic::transport::Endpoint::from_shared(receiver.grpc_endpoint())
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut grpc = tonic::client::Grpc::new(channel);
    grpc.ready().await.unwrap();
    let path = tonic::codegen::http::uri::PathAndQuery::from_static(
        "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
    );
    let error = grpc
        .unary(tonic::Request::new(vec![0xff, 0xff, 0xff]), path, RawCodec)
        .await
        .expect_err("garbage is rejected");
    assert_eq!(error.code(), tonic::Code::InvalidArgument, "{error:?}");

    // The same connection still serves valid requests.
    let mut client = grpc_client(&receiver).await;
    client
        .export(one_span_request("after garbage"))
        .await
        .expect("valid request accepted");
    assert_eq!(receiver.spans().len(), 1);
    assert_eq!(receiver.spans()[0].protocol, Protocol::Grpc);
}

#[tokio::test(flavor = "multi_thread")]
async fn set_status_rejects_without_recording() {
    let receiver = Receiver::start().await.expect("receiver starts");
    let mut client = grpc_client(&receiver).await;
    let traces = receiver.http_traces_url();
    let body = one_span_request("x").encode_to_vec();

    for (status, code, http) in [
        (ExportStatus::Unavailable, tonic::Code::Unavailable, 503),
        (
            ExportStatus::ResourceExhausted,
            tonic::Code::ResourceExhausted,
            429,
        ),
        (ExportStatus::Internal, tonic::Code::Internal, 500),
        (
            ExportStatus::InvalidArgument,
            tonic::Code::InvalidArgument,
            400,
        ),
    ] {
        receiver.set_status(status);
        assert_eq!(receiver.status(), status);
        let error = client
            .export(one_span_request("x"))
            .await
            .expect_err("rejected");
        assert_eq!(error.code(), code);
        let (answer, body) = http_post(&traces, PROTOBUF_CONTENT_TYPE, body.clone())
            .await
            .unwrap();
        assert_eq!(answer, http);
        assert_eq!(RpcStatus::decode(body).unwrap().code, code as i32);
    }
    assert!(receiver.spans().is_empty());
    assert_eq!(receiver.requests_received(), 8);
    assert!(receiver
        .requests()
        .iter()
        .all(|r| r.status != ExportStatus::Ok && r.items == 1));

    receiver.set_status(ExportStatus::Ok);
    client
        .export(one_span_request("x"))
        .await
        .expect("accepted");
    assert_eq!(receiver.spans().len(), 1);
}

/// The exporters retry `UNAVAILABLE` / `503` (0.33 ships a retry policy):
/// a receiver that recovers within the backoff gets the data.
async fn exporter_retries_until_accepted(transport: Transport) {
    let receiver = Arc::new(Receiver::start().await.expect("receiver starts"));
    receiver.set_status(ExportStatus::Unavailable);
    let retry = RetryPolicy::default()
        .with_max_retries(10)
        .with_initial_delay(Duration::from_millis(50))
        .with_max_delay(Duration::from_millis(200));
    let provider = tracer_provider(span_exporter(&receiver, transport, retry));
    provider.tracer("t").in_span("retried", |_| {});

    let recover = {
        let receiver = Arc::clone(&receiver);
        tokio::spawn(async move {
            // Wait until the first attempt was rejected, then recover.
            assert!(
                receiver
                    .wait_for(|r| r.requests_received() >= 1, WAIT)
                    .await
            );
            receiver.set_status(ExportStatus::Ok);
        })
    };
    flush_and_shutdown_traces(provider).await;
    recover.await.unwrap();

    let spans = receiver.wait_for_spans(1, WAIT).await;
    assert_eq!(spans.len(), 1);
    assert_eq!(spans[0].name(), "retried");
    let statuses: Vec<_> = receiver.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses.first(), Some(&ExportStatus::Unavailable));
    assert_eq!(statuses.last(), Some(&ExportStatus::Ok));
}

#[tokio::test(flavor = "multi_thread")]
async fn grpc_exporter_retries_unavailable() {
    exporter_retries_until_accepted(Transport::Grpc).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn http_exporter_retries_503() {
    exporter_retries_until_accepted(Transport::Http).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn set_delay_answers_slowly() {
    let receiver = Receiver::start().await.expect("receiver starts");
    receiver.set_delay(Duration::from_secs(5));
    let mut client = grpc_client(&receiver).await;

    let mut request = tonic::Request::new(one_span_request("slow"));
    request.set_timeout(Duration::from_millis(200));
    let started = Instant::now();
    let error = client.export(request).await.expect_err("times out");
    // tonic's client reports its own deadline as CANCELLED ("Timeout
    // expired"), a server-side one as DEADLINE_EXCEEDED.
    assert!(
        matches!(
            error.code(),
            tonic::Code::Cancelled | tonic::Code::DeadlineExceeded
        ),
        "{error:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(2));

    let http = reqwest::Client::new()
        .post(receiver.http_traces_url())
        .header("content-type", PROTOBUF_CONTENT_TYPE)
        .body(one_span_request("slow").encode_to_vec())
        .timeout(Duration::from_millis(200))
        .send()
        .await;
    assert!(http.expect_err("times out").is_timeout());
    assert_eq!(receiver.requests_received(), 2);

    receiver.set_delay(Duration::from_millis(300));
    let started = Instant::now();
    client
        .export(one_span_request("slow"))
        .await
        .expect("answered");
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert!(
        receiver
            .wait_for(|r| r.spans_named("slow").len() == 1, WAIT)
            .await
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn shutdown_refuses_and_drops_connections_and_restart_resumes() {
    let mut receiver = Receiver::start().await.expect("receiver starts");
    let (grpc_addr, http_addr) = (receiver.grpc_addr(), receiver.http_addr());
    let mut client = grpc_client(&receiver).await;
    client.export(one_span_request("before")).await.unwrap();

    // An in-flight request is dropped unanswered, at once.
    receiver.set_delay(Duration::from_secs(30));
    let in_flight = {
        let mut client = client.clone();
        tokio::spawn(async move {
            let started = Instant::now();
            let result = client.export(one_span_request("in flight")).await;
            (result, started.elapsed())
        })
    };
    assert!(
        receiver
            .wait_for(|r| r.requests_received() == 2, WAIT)
            .await
    );
    receiver.shutdown().await;
    assert!(!receiver.is_running());
    let (result, elapsed) = in_flight.await.unwrap();
    let error = result.expect_err("connection dropped");
    // tonic reports the broken connection as UNKNOWN "transport error"
    // (BrokenPipe), not UNAVAILABLE.
    assert!(elapsed < Duration::from_secs(10), "{elapsed:?} {error:?}");

    // Both ports refuse connections.
    for addr in [grpc_addr, http_addr] {
        let refused = tokio::net::TcpStream::connect(addr).await;
        assert!(refused.is_err(), "{addr} still accepts");
    }
    receiver.set_delay(Duration::ZERO);
    let error = client
        .export(one_span_request("while down"))
        .await
        .expect_err("receiver is down");
    // A client that has not yet seen its connection dropped reports the
    // closed connection as Cancelled; one that has, as Unavailable.
    assert!(
        matches!(
            error.code(),
            tonic::Code::Unavailable | tonic::Code::Cancelled
        ),
        "{error:?}"
    );

    receiver
        .restart()
        .await
        .expect("restarts on the same ports");
    assert!(receiver.is_running());
    assert_eq!(receiver.grpc_addr(), grpc_addr);
    assert_eq!(receiver.http_addr(), http_addr);
    // The old client reconnects by itself.
    let mut reconnected = false;
    for _ in 0..50 {
        if client.export(one_span_request("after")).await.is_ok() {
            reconnected = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(reconnected);
    let (status, _) = http_post(
        &receiver.http_traces_url(),
        PROTOBUF_CONTENT_TYPE,
        one_span_request("after").encode_to_vec(),
    )
    .await
    .unwrap();
    assert_eq!(status, 200);
    let names: Vec<_> = receiver
        .spans()
        .iter()
        .map(|s| s.name().to_owned())
        .collect();
    assert_eq!(names, ["before", "after", "after"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn start_on_takes_over_the_ports_of_a_stopped_receiver() {
    let mut first = Receiver::start().await.expect("receiver starts");
    let (grpc, http) = (first.grpc_addr().port(), first.http_addr().port());
    assert!(
        Receiver::start_on(grpc, 0).await.is_err(),
        "the port is taken while the first one runs"
    );
    first.shutdown().await;
    let second = Receiver::start_on(grpc, http)
        .await
        .expect("ports free again");
    assert_eq!(second.grpc_endpoint(), format!("http://127.0.0.1:{grpc}"));
    assert_eq!(second.http_endpoint(), format!("http://127.0.0.1:{http}"));
    assert_eq!(
        second.http_traces_url(),
        format!("http://127.0.0.1:{http}{HTTP_TRACES_PATH}")
    );
    let mut client = grpc_client(&second).await;
    client.export(one_span_request("second")).await.unwrap();
    assert_eq!(second.spans().len(), 1);
    assert!(first.spans().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn exporter_survives_a_receiver_that_goes_away_and_comes_back() {
    let mut receiver = Receiver::start().await.expect("receiver starts");
    let provider = tracer_provider(span_exporter(
        &receiver,
        Transport::Grpc,
        RetryPolicy::disabled(),
    ));
    let tracer = provider.tracer("t");
    tracer.in_span("one", |_| {});
    let flush = |provider: SdkTracerProvider| async move {
        tokio::task::spawn_blocking(move || {
            let result = provider.force_flush();
            (provider, result)
        })
        .await
        .unwrap()
    };
    let (provider, result) = flush(provider).await;
    result.expect("first flush");
    receiver.shutdown().await;
    tracer.in_span("lost", |_| {});
    let (provider, result) = flush(provider).await;
    assert!(result.is_err(), "export to a dead receiver fails");
    receiver.restart().await.unwrap();
    let tracer = provider.tracer("t");
    let mut delivered = false;
    let mut provider = provider;
    for _ in 0..50 {
        tracer.in_span("three", |_| {});
        let (p, result) = flush(provider).await;
        provider = p;
        if result.is_ok() && !receiver.spans_named("three").is_empty() {
            delivered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(delivered, "export resumes after restart");
    assert!(receiver.spans_named("lost").is_empty());
    flush_and_shutdown_traces(provider).await;
}

#[test]
fn attribute_helpers_convert_any_value() {
    let kv = |key: &str, value| ProtoKeyValue {
        key: key.to_owned(),
        value: Some(AnyValue { value }),
        ..Default::default()
    };
    let kvs = vec![
        kv("s", Some(any_value::Value::StringValue("x".into()))),
        kv("i", Some(any_value::Value::IntValue(-3))),
        kv("d", Some(any_value::Value::DoubleValue(1.5))),
        kv("b", Some(any_value::Value::BoolValue(true))),
        kv("raw", Some(any_value::Value::BytesValue(vec![1, 2]))),
        kv("none", None),
        kv(
            "map",
            Some(any_value::Value::KvlistValue(
                opentelemetry_proto::tonic::common::v1::KeyValueList {
                    values: vec![kv("inner", Some(any_value::Value::IntValue(1)))],
                },
            )),
        ),
        kv("i", Some(any_value::Value::IntValue(7))),
    ];
    assert_eq!(attribute(&kvs, "s").unwrap(), "x");
    assert_eq!(
        attribute(&kvs, "i").unwrap(),
        7_i64,
        "the last duplicate wins"
    );
    assert_eq!(attribute(&kvs, "d").unwrap(), 1.5_f64);
    assert_eq!(attribute(&kvs, "d").unwrap().as_f64(), Some(1.5));
    assert_eq!(attribute(&kvs, "i").unwrap().as_f64(), Some(7.0));
    assert_eq!(attribute(&kvs, "b").unwrap(), true);
    assert_eq!(attribute(&kvs, "none").unwrap(), AttrValue::Empty);
    assert_eq!(attribute(&kvs, "missing"), None);
    assert_eq!(
        attribute(&kvs, "map").unwrap().to_json(),
        serde_json::json!({"inner": 1})
    );
    assert_eq!(
        attribute(&kvs, "raw").unwrap().to_json(),
        serde_json::json!([1, 2])
    );
    assert_eq!(attribute(&kvs, "s").unwrap().to_string(), "x");
    assert_eq!(attribute(&kvs, "b").unwrap().to_string(), "true");
    let map = llm_trace_testkit::receiver::attributes(&kvs);
    assert_eq!(map.len(), 7);
    assert_eq!(map["i"], 7_i64);
    assert_ne!(AttrValue::Int(1), 1.0_f64, "types are distinguished");
    assert_eq!(
        llm_trace_testkit::receiver::hex_id(&[0, 0xab, 0x10]),
        "00ab10"
    );
}

/// The span tree survives a context handed across threads (sanity check that
/// nothing in the test set-up depends on thread-locals).
#[tokio::test(flavor = "multi_thread")]
async fn spans_from_another_thread_keep_their_parent() {
    let receiver = Receiver::start().await.expect("receiver starts");
    let provider = tracer_provider(span_exporter(
        &receiver,
        Transport::Http,
        RetryPolicy::default(),
    ));
    let tracer = provider.tracer("t");
    let parent = tracer.start("parent");
    let cx = Context::current_with_span(parent);
    let child_cx = cx.clone();
    let child_tracer = provider.tracer("t");
    std::thread::spawn(move || {
        let _guard = child_cx.attach();
        child_tracer.in_span("child", |_| {});
    })
    .join()
    .unwrap();
    cx.span().end();
    flush_and_shutdown_traces(provider).await;
    receiver.wait_for_spans(2, WAIT).await;
    let child = receiver.span_named("child").unwrap();
    let parent = receiver.span_named("parent").unwrap();
    assert!(child.is_child_of(&parent));
    assert_eq!(receiver.parent_of(&child).unwrap(), parent);
}
