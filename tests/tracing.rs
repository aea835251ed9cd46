//! `tracing` users: with `tracing-opentelemetry` bridging `tracing` spans to
//! OpenTelemetry, an `#[llm_call]` made inside a `tracing` span is that span's
//! child in the exported trace, and a `tracing` span opened inside the body
//! of an `#[llm_call]` is the call's child.
//!
//! With the layer's defaults this needs no code in llm-trace:
//! `tracing-opentelemetry` (since 0.32; 0.34 is the release built on
//! opentelemetry 0.33) activates a span's OpenTelemetry context while the
//! span is entered, which is where a call takes its parent from, and creates
//! the OpenTelemetry span of a contextual `tracing` span under the current
//! OpenTelemetry context, which inside a call's body is the call's. A layer
//! built with `with_context_activation(false)` activates nothing; then
//! llm-trace's `tracing` feature (enabled for this suite) gives a call the
//! current `tracing` span as parent when no OpenTelemetry span is current
//! (the `without_context_activation_*` tests).
//!
//! One tracer provider, installed globally (llm-trace starts its spans from
//! the global provider), feeds both llm-trace and the `tracing` layer and
//! exports into memory; the `tracing` subscriber is global too. Each test
//! works in a trace of its own and reads back only that trace's spans, so the
//! tests run in parallel.

use std::sync::OnceLock;

use llm_trace::llm_call;
use opentelemetry::trace::{FutureExt as _, SpanId, TraceContextExt, TraceId, TracerProvider as _};
use opentelemetry::{global, Context};
use opentelemetry_sdk::trace::{InMemorySpanExporter, Sampler, SdkTracerProvider, SpanData};
use tracing::Instrument;
use tracing_opentelemetry::OpenTelemetrySpanExt;
use tracing_subscriber::layer::SubscriberExt;

struct Telemetry {
    provider: SdkTracerProvider,
    exporter: InMemorySpanExporter,
}

/// Installs, once, the global tracer provider and the global `tracing`
/// subscriber: a registry with tracing-opentelemetry's layer, defaults
/// unchanged (context activation on).
fn telemetry() -> &'static Telemetry {
    static TELEMETRY: OnceLock<Telemetry> = OnceLock::new();
    TELEMETRY.get_or_init(|| {
        let exporter = InMemorySpanExporter::default();
        let provider = SdkTracerProvider::builder()
            .with_sampler(Sampler::ParentBased(Box::new(Sampler::AlwaysOn)))
            .with_simple_exporter(exporter.clone())
            .build();
        let layer = tracing_opentelemetry::layer().with_tracer(provider.tracer("app"));
        tracing::subscriber::set_global_default(tracing_subscriber::registry().with(layer))
            .expect("no other global `tracing` subscriber in this binary");
        global::set_tracer_provider(provider.clone());
        Telemetry { provider, exporter }
    })
}

fn exporter() -> &'static InMemorySpanExporter {
    &telemetry().exporter
}

/// A root `tracing` span, created once the subscriber is installed.
fn request_span() -> tracing::Span {
    exporter();
    tracing::info_span!("request")
}

/// The exported spans of one trace.
struct Trace(TraceId);

impl Trace {
    /// The trace of `span`, a `tracing` span (its OpenTelemetry span is
    /// started here if it was not yet).
    fn of(span: &tracing::Span) -> Trace {
        let id = span.context().span().span_context().trace_id();
        assert_ne!(id, TraceId::INVALID, "the `tracing` span has an OTel span");
        Trace(id)
    }

    fn spans(&self) -> Vec<SpanData> {
        exporter()
            .get_finished_spans()
            .expect("in-memory exporter")
            .into_iter()
            .filter(|s| s.span_context.trace_id() == self.0)
            .collect()
    }

    /// The one span named `name` in this trace.
    fn span(&self, name: &str) -> SpanData {
        let mut found: Vec<_> = self
            .spans()
            .into_iter()
            .filter(|s| s.name == name)
            .collect();
        assert_eq!(
            found.len(),
            1,
            "expected one span named {name:?} in the trace, got {}",
            found.len()
        );
        found.remove(0)
    }

    /// The spans named `name` in this trace.
    fn all(&self, name: &str) -> Vec<SpanData> {
        self.spans()
            .into_iter()
            .filter(|s| s.name == name)
            .collect()
    }
}

/// `child`'s exported parent is `parent`, in the same trace.
#[track_caller]
fn assert_parent(child: &SpanData, parent: &SpanData) {
    assert_eq!(
        child.span_context.trace_id(),
        parent.span_context.trace_id(),
        "{:?} and {:?} are in one trace",
        child.name,
        parent.name
    );
    assert_eq!(
        child.parent_span_id,
        parent.span_context.span_id(),
        "{:?} is a child of {:?}",
        child.name,
        parent.name
    );
}

#[llm_call(provider = "openai", model = "gpt-4o-mini", name = "llm")]
async fn ask() -> u8 {
    tokio::task::yield_now().await;
    1
}

#[test]
fn a_call_inside_a_sync_in_scope_block_on_is_the_spans_child() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let request = request_span();
    let trace = Trace::of(&request);
    assert_eq!(request.in_scope(|| rt.block_on(ask())), 1);
    drop(request);

    assert_parent(&trace.span("llm"), &trace.span("request"));
}

#[test]
fn a_call_inside_an_entered_span_around_a_multi_thread_block_on_is_its_child() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let request = request_span();
    let trace = Trace::of(&request);
    {
        let _entered = request.enter();
        assert_eq!(rt.block_on(ask()), 1);
    }
    drop(request);

    assert_parent(&trace.span("llm"), &trace.span("request"));
}

#[tracing::instrument]
async fn handle_request() -> u8 {
    // Resume on another worker, possibly, before calling.
    tokio::task::yield_now().await;
    ask().await + ask().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_awaited_in_an_instrumented_async_fn_is_its_child() {
    let request = request_span();
    let trace = Trace::of(&request);
    assert_eq!(handle_request().instrument(request.clone()).await, 2);
    drop(request);

    let handler = trace.span("handle_request");
    assert_parent(&handler, &trace.span("request"));
    let calls = trace.all("llm");
    assert_eq!(calls.len(), 2);
    for call in &calls {
        assert_parent(call, &handler);
    }
}

// `#[tracing::instrument]` and `#[llm_call]` on one function: attribute
// macros expand top first, and each wraps the body it is given, so the
// attribute written nearer the `fn` wraps the other's code and its span is
// the parent (as the README's "`tracing` users" says).
#[llm_call(provider = "openai", model = "gpt-4o-mini", name = "llm_above")]
#[tracing::instrument(name = "instrument_below")]
async fn llm_above_instrument() -> u8 {
    tokio::task::yield_now().await;
    1
}

#[tracing::instrument(name = "instrument_above")]
#[llm_call(provider = "openai", model = "gpt-4o-mini", name = "llm_below")]
async fn instrument_above_llm() -> u8 {
    tokio::task::yield_now().await;
    1
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_attribute_nearer_the_fn_is_the_parent_span() {
    let request = request_span();
    let trace = Trace::of(&request);
    let both = async { llm_above_instrument().await + instrument_above_llm().await };
    assert_eq!(both.instrument(request.clone()).await, 2);
    drop(request);

    let request = trace.span("request");
    let instrument_below = trace.span("instrument_below");
    assert_parent(&instrument_below, &request);
    assert_parent(&trace.span("llm_above"), &instrument_below);
    let llm_below = trace.span("llm_below");
    assert_parent(&llm_below, &request);
    assert_parent(&trace.span("instrument_above"), &llm_below);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_instrumented_with_a_span_is_its_child() {
    let request = request_span();
    let trace = Trace::of(&request);
    assert_eq!(ask().instrument(request.clone()).await, 1);
    drop(request);

    assert_parent(&trace.span("llm"), &trace.span("request"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spawned_call_instrumented_with_the_current_span_is_its_child() {
    let request = request_span();
    let trace = Trace::of(&request);
    let joined = async {
        let task = tokio::spawn(ask().instrument(tracing::Span::current()));
        task.await.unwrap()
    }
    .instrument(request.clone())
    .await;
    assert_eq!(joined, 1);
    drop(request);

    assert_parent(&trace.span("llm"), &trace.span("request"));
}

#[tracing::instrument]
async fn lookup_tool() -> u8 {
    tokio::task::yield_now().await;
    // A call made from a `tracing` span that is itself inside a call.
    ask().await + 1
}

#[llm_call(provider = "openai", model = "gpt-4o", name = "agent")]
async fn agent() -> u8 {
    // An instrumented fn, a sync scope and a plain `tracing` span inside
    // the body all nest under the call.
    let looked_up = lookup_tool().await;
    let scored = tracing::info_span!("score").in_scope(|| 3);
    let summarized = ask().instrument(tracing::info_span!("summarize")).await;
    looked_up + scored + summarized
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tracing_spans_inside_a_call_are_its_children_and_calls_inside_them_theirs() {
    let request = request_span();
    let trace = Trace::of(&request);
    assert_eq!(agent().instrument(request.clone()).await, 6);
    drop(request);

    let request = trace.span("request");
    let agent = trace.span("agent");
    let tool = trace.span("lookup_tool");
    let summarize = trace.span("summarize");
    assert_parent(&agent, &request);
    assert_parent(&tool, &agent);
    assert_parent(&trace.span("score"), &agent);
    assert_parent(&summarize, &agent);
    let calls = trace.all("llm");
    assert_eq!(calls.len(), 2);
    let parents: Vec<SpanId> = calls.iter().map(|c| c.parent_span_id).collect();
    assert!(
        parents.contains(&tool.span_context.span_id()),
        "{parents:?}"
    );
    assert!(
        parents.contains(&summarize.span_context.span_id()),
        "{parents:?}"
    );
}

#[llm_call(provider = "openai", model = "gpt-4o", name = "root call", response = none)]
async fn root_call() -> TraceId {
    let trace = Context::current().span().span_context().trace_id();
    lookup_tool().await;
    trace
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tracing_span_inside_a_call_outside_any_tracing_span_is_its_child() {
    exporter();
    let trace = Trace(root_call().with_context(Context::new()).await);

    let call = trace.span("root call");
    assert_eq!(call.parent_span_id, SpanId::INVALID, "the call is the root");
    let tool = trace.span("lookup_tool");
    assert_parent(&tool, &call);
    assert_parent(&trace.span("llm"), &tool);
}

// With `with_context_activation(false)`, entering a `tracing` span leaves the
// current OpenTelemetry context alone; llm-trace's `tracing` feature then
// takes the call's parent from the current `tracing` span. These tests
// install such a layer for their own thread only (a current-thread runtime
// polls everything there).

/// Runs `work` on this thread under a `tracing` subscriber whose
/// tracing-opentelemetry layer does not activate contexts.
fn without_context_activation<T>(work: impl FnOnce(&tokio::runtime::Runtime) -> T) -> T {
    let layer = tracing_opentelemetry::layer()
        .with_tracer(telemetry().provider.tracer("app"))
        .with_context_activation(false);
    let _subscriber = tracing::subscriber::set_default(tracing_subscriber::registry().with(layer));
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    work(&rt)
}

#[test]
fn without_context_activation_a_call_in_a_sync_scope_is_the_spans_child() {
    let trace = without_context_activation(|rt| {
        let request = tracing::info_span!("request");
        let trace = Trace::of(&request);
        assert_eq!(request.in_scope(|| rt.block_on(ask())), 1);
        trace
    });

    assert_parent(&trace.span("llm"), &trace.span("request"));
}

#[test]
fn without_context_activation_calls_in_instrumented_async_fns_are_their_children() {
    let trace = without_context_activation(|rt| {
        let request = tracing::info_span!("request");
        let trace = Trace::of(&request);
        let out = rt.block_on(handle_request().instrument(request.clone()));
        assert_eq!(out, 2);
        trace
    });

    let handler = trace.span("handle_request");
    assert_parent(&handler, &trace.span("request"));
    let calls = trace.all("llm");
    assert_eq!(calls.len(), 2);
    for call in &calls {
        assert_parent(call, &handler);
    }
}

#[test]
fn without_context_activation_a_call_inside_a_call_is_still_the_outer_calls_child() {
    // The current OpenTelemetry context (the outer call's) wins over the
    // current `tracing` span whenever it has a span.
    let trace = without_context_activation(|rt| {
        let request = tracing::info_span!("request");
        let trace = Trace::of(&request);
        assert_eq!(rt.block_on(agent().instrument(request.clone())), 6);
        trace
    });

    let agent = trace.span("agent");
    assert_parent(&agent, &trace.span("request"));
    let calls = trace.all("llm");
    assert_eq!(calls.len(), 2);
    for call in &calls {
        assert_parent(call, &agent);
    }
}

#[test]
fn without_context_activation_the_scopes_metadata_is_kept_under_the_tracing_parent() {
    let trace = without_context_activation(|rt| {
        let request = tracing::info_span!("request");
        let trace = Trace::of(&request);
        let scoped = llm_trace::with_metadata([("tenant", "acme")], ask());
        assert_eq!(rt.block_on(scoped.instrument(request.clone())), 1);
        trace
    });

    let call = trace.span("llm");
    assert_parent(&call, &trace.span("request"));
    let tenant = call
        .attributes
        .iter()
        .find(|kv| kv.key.as_str() == "tenant")
        .map(|kv| kv.value.clone());
    assert_eq!(tenant, Some(opentelemetry::Value::from("acme")));
}

#[test]
fn without_context_activation_a_call_outside_any_span_is_a_root() {
    let trace = Trace(without_context_activation(|rt| {
        rt.block_on(root_call().with_context(Context::new()))
    }));

    let call = trace.span("root call");
    assert_eq!(call.parent_span_id, SpanId::INVALID, "the call is the root");
    assert_parent(&trace.span("llm"), &call);
}
