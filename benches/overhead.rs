//! What `#[llm_call]` costs when the span records, next to the same span
//! written by hand with the opentelemetry API (DESIGN.md, "Performance
//! contract": recording must stay within a few percent of hand-written code).
//!
//! One criterion group, `overhead`, runs three variants of one "LLM call" on
//! the same current-thread tokio runtime, in one run. Each takes a user id and
//! a `&ChatRequest` and returns a `&'static ChatCompletion` built once, so the
//! body does identical, allocation-free work in all three and only the
//! instrumentation differs:
//!
//! - `uninstrumented`: the bare `async fn`; the floor (future creation,
//!   polling, `black_box`).
//! - `llm_call`: the same fn under
//!   `#[llm_call(provider = "openai", request = req, prompt_id = 5,
//!   feature = "bench", fields(user.id = user_id))]`: call-site and tracer
//!   lookup, span name formatting, sampling attributes, request attributes,
//!   metadata and fields, running the body in the span's context, response
//!   attributes, the call's cost, end; and the GenAI client metrics every call
//!   records (duration and token usage histograms, here to the global no-op
//!   meter provider, as no meter provider is installed). The hand-written
//!   variant records no metrics: that part of the difference is extra work,
//!   not overhead.
//! - `hand_written`: the same span as the opentelemetry documentation writes
//!   it: a tracer from `global::tracer`, a `SpanBuilder` (kind `Client`, name
//!   `chat {model}`) holding every start-time attribute, the body run through
//!   `FutureExt::with_context(Context::current_with_span(span))`, then the
//!   response attributes, the cost from `llm_trace::cost::cost_usd`, and
//!   `end()`.
//!
//! All spans go to an `SdkTracerProvider` (always-on sampler) whose
//! `BatchSpanProcessor` (default configuration) feeds an exporter that drops
//! every batch, installed with `global::set_tracer_provider` before the group
//! runs and shut down after it. Calls are timed in chunks of [`CHUNK`]; after
//! each chunk, untimed, the provider is flushed, so what is measured is the
//! caller's cost with an idle export worker (see [`bench_variant`]).
//!
//! Before benchmarking, one call of each variant runs against an in-memory
//! exporter and the bench panics unless the `llm_call` and `hand_written`
//! spans carry the same name, kind and attributes (keys and values; only the
//! value of `code.function.name` differs, as each names its own function).
//! After each variant, the spans that reached the exporter are counted
//! against its iterations, and a warning says if any were dropped.
//!
//! A second group, `cost`, times the price look-up alone: `cost_usd` for a
//! model whose prices this thread has resolved (every call after its
//! model's first, for a minute), once for a flat-priced model and once for a
//! tiered one. Before it, the first (resolving) look-up of two other models
//! is timed once and printed.
//!
//! `cargo bench --bench overhead`; medians in
//! `target/criterion/overhead/*/new/estimates.json`. On a machine with few
//! cores and other load, run it twice: the variants run one after another,
//! so load that changes between them moves their ratio.

use std::collections::BTreeMap;
use std::future::Future;
use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, OnceLock};
use std::time::{Duration, Instant};

use criterion::Criterion;
use llm_trace::llm_call;
use llm_trace::provider::openai::{
    ChatCompletion, ChatMessage, ChatRequest, Choice, CompletionUsage,
};
use llm_trace::provider::Usage;
use opentelemetry::trace::{FutureExt, SpanKind, TraceContextExt, Tracer};
use opentelemetry::{global, Array, Context, KeyValue, StringValue, Value};
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{
    BatchSpanProcessor, InMemorySpanExporter, Sampler, SdkTracerProvider, SpanData, SpanExporter,
};

/// The error type of the benchmarked calls (never produced).
#[derive(Debug)]
struct ApiError;

/// The request every call gets: a model and two request parameters.
static REQUEST: LazyLock<ChatRequest> = LazyLock::new(|| ChatRequest {
    temperature: Some(0.2),
    max_tokens: Some(256),
    ..ChatRequest::new("gpt-4o-mini", vec![ChatMessage::user("Summarize: hi")])
});

/// The response every call returns: id, model, one choice, usage.
static RESPONSE: LazyLock<ChatCompletion> = LazyLock::new(|| ChatCompletion {
    id: "chatcmpl-bench".into(),
    object: "chat.completion".into(),
    created: 1_700_000_000,
    model: "gpt-4o-mini-2024-07-18".into(),
    choices: vec![Choice {
        index: 0,
        message: ChatMessage::assistant("hi"),
        finish_reason: Some("stop".into()),
    }],
    usage: Some(CompletionUsage {
        prompt_tokens: 10,
        completion_tokens: 3,
        total_tokens: 13,
        ..CompletionUsage::default()
    }),
    ..ChatCompletion::default()
});

/// The body every variant runs: hand out the prebuilt response.
#[inline(always)]
fn respond() -> Result<&'static ChatCompletion, ApiError> {
    Ok(black_box(&*RESPONSE))
}

/// Variant 1: no instrumentation.
async fn uninstrumented(
    user_id: u64,
    req: &ChatRequest,
) -> Result<&'static ChatCompletion, ApiError> {
    black_box((user_id, req));
    respond()
}

/// Variant 2: `#[llm_call]`.
#[llm_call(
    provider = "openai",
    request = req,
    prompt_id = 5,
    feature = "bench",
    fields(user.id = user_id)
)]
async fn with_llm_call(
    user_id: u64,
    req: &ChatRequest,
) -> Result<&'static ChatCompletion, ApiError> {
    black_box((user_id, req));
    respond()
}

/// Variant 3: the same span with the opentelemetry API, by hand.
async fn hand_written(
    user_id: u64,
    req: &ChatRequest,
) -> Result<&'static ChatCompletion, ApiError> {
    let tracer = global::tracer("llm-trace-bench");
    let mut attributes = Vec::with_capacity(11);
    attributes.push(KeyValue::new("gen_ai.operation.name", "chat"));
    attributes.push(KeyValue::new("gen_ai.provider.name", "openai"));
    attributes.push(KeyValue::new("gen_ai.request.model", req.model.clone()));
    attributes.push(KeyValue::new("server.address", "api.openai.com"));
    attributes.push(KeyValue::new("server.port", 443_i64));
    attributes.push(KeyValue::new(
        "code.function.name",
        concat!(module_path!(), "::hand_written"),
    ));
    if let Some(temperature) = req.temperature {
        attributes.push(KeyValue::new("gen_ai.request.temperature", temperature));
    }
    if let Some(max_tokens) = req.max_tokens {
        let max_tokens = i64::try_from(max_tokens).unwrap_or(i64::MAX);
        attributes.push(KeyValue::new("gen_ai.request.max_tokens", max_tokens));
    }
    attributes.push(KeyValue::new("prompt_id", 5_i64));
    attributes.push(KeyValue::new("feature", "bench"));
    attributes.push(KeyValue::new(
        "user.id",
        i64::try_from(user_id).unwrap_or(i64::MAX),
    ));
    let span = tracer
        .span_builder(format!("chat {}", req.model))
        .with_kind(SpanKind::Client)
        .with_attributes(attributes)
        .start(&tracer);
    let cx = Context::current_with_span(span);

    let result = async move {
        black_box((user_id, req));
        respond()
    }
    .with_context(cx.clone())
    .await;

    let span = cx.span();
    if let Ok(response) = &result {
        let finish_reasons = response
            .choices
            .iter()
            .filter_map(|c| c.finish_reason.clone().map(StringValue::from))
            .collect();
        let mut attributes = vec![
            KeyValue::new("gen_ai.response.id", response.id.clone()),
            KeyValue::new("gen_ai.response.model", response.model.clone()),
            KeyValue::new(
                "gen_ai.response.finish_reasons",
                Value::Array(Array::String(finish_reasons)),
            ),
        ];
        if let Some(usage) = &response.usage {
            attributes.push(KeyValue::new(
                "gen_ai.usage.input_tokens",
                i64::try_from(usage.prompt_tokens).unwrap_or(i64::MAX),
            ));
            attributes.push(KeyValue::new(
                "gen_ai.usage.output_tokens",
                i64::try_from(usage.completion_tokens).unwrap_or(i64::MAX),
            ));
            let usage = Usage {
                input_tokens: Some(usage.prompt_tokens),
                output_tokens: Some(usage.completion_tokens),
                ..Usage::default()
            };
            if let Some(usd) = llm_trace::cost::cost_usd("openai", &response.model, &usage) {
                attributes.push(KeyValue::new("llm_trace.cost.usd", usd));
            }
        }
        span.set_attributes(attributes);
    }
    span.end();
    result
}

/// An exporter that drops every batch, counting the spans it was handed.
#[derive(Debug, Default, Clone)]
struct DiscardExporter {
    spans: Arc<AtomicU64>,
}

impl SpanExporter for DiscardExporter {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        self.spans.fetch_add(batch.len() as u64, Ordering::Relaxed);
        drop(batch);
        Ok(())
    }
}

/// Runs one call of each variant against an in-memory exporter and panics
/// unless `llm_call` and `hand_written` produce the same span.
fn check_same_span(rt: &tokio::runtime::Runtime) {
    let exporter = InMemorySpanExporter::default();
    let provider = SdkTracerProvider::builder()
        .with_sampler(Sampler::AlwaysOn)
        .with_simple_exporter(exporter.clone())
        .build();
    global::set_tracer_provider(provider.clone());

    let req: &'static ChatRequest = &REQUEST;
    rt.block_on(async {
        uninstrumented(7, req).await.unwrap();
        with_llm_call(7, req).await.unwrap();
        hand_written(7, req).await.unwrap();
    });
    let spans = exporter.get_finished_spans().unwrap();
    provider.shutdown().unwrap();
    assert_eq!(spans.len(), 2, "one span per instrumented variant");

    let attributes = |span: &SpanData| -> BTreeMap<String, Value> {
        span.attributes
            .iter()
            .map(|kv| (kv.key.as_str().to_owned(), kv.value.clone()))
            .collect()
    };
    let (macro_span, hand_span) = (&spans[0], &spans[1]);
    let (mut by_macro, mut by_hand) = (attributes(macro_span), attributes(hand_span));
    assert_eq!(macro_span.name, "chat gpt-4o-mini");
    assert_eq!(macro_span.name, hand_span.name);
    assert_eq!(macro_span.span_kind, SpanKind::Client);
    assert_eq!(macro_span.span_kind, hand_span.span_kind);
    assert_eq!(
        macro_span.attributes.len(),
        hand_span.attributes.len(),
        "attribute counts differ:\n llm_call: {by_macro:#?}\n hand_written: {by_hand:#?}"
    );
    assert_eq!(
        by_macro.remove("code.function.name"),
        Some(Value::from(concat!(module_path!(), "::with_llm_call")))
    );
    assert_eq!(
        by_hand.remove("code.function.name"),
        Some(Value::from(concat!(module_path!(), "::hand_written")))
    );
    assert_eq!(by_macro, by_hand, "attributes differ");
    eprintln!(
        "checked: llm_call and hand_written spans are both {:?} with the same {} attributes",
        macro_span.name,
        macro_span.attributes.len()
    );
}

/// The price look-up of one call's cost.
fn bench_cost(criterion: &mut Criterion) {
    let usage = Usage {
        input_tokens: Some(1200),
        cache_read_input_tokens: Some(1024),
        output_tokens: Some(300),
        reasoning_output_tokens: Some(256),
        ..Usage::default()
    };
    for (provider, model) in [("openai", "gpt-4.1-mini"), ("gcp.gemini", "gemini-2.5-pro")] {
        let start = Instant::now();
        let cost = llm_trace::cost::cost_usd(provider, model, &usage);
        eprintln!(
            "first look-up of {provider}/{model} (resolves its prices): {:?}",
            start.elapsed()
        );
        assert!(cost.is_some(), "{model} is priced");
    }
    let mut group = criterion.benchmark_group("cost");
    for (name, provider, model) in [
        ("cached_flat", "openai", "gpt-4o-mini-2024-07-18"),
        ("cached_tiered", "anthropic", "claude-sonnet-4-5-20250929"),
    ] {
        assert!(llm_trace::cost::cost_usd(provider, model, &usage).is_some());
        group.bench_function(name, |b| {
            b.iter(|| llm_trace::cost::cost_usd(black_box(provider), black_box(model), &usage))
        });
    }
    group.finish();
}

/// Calls per timed chunk. The `BatchSpanProcessor` wakes its worker when 512
/// spans are pending (its default `max_export_batch_size`); flushing after
/// every smaller chunk, outside the timed region, keeps the worker asleep
/// while the caller is timed and the queue (default 2048) from overflowing.
const CHUNK: u64 = 256;

/// Benchmarks `call` under `name`, counting its iterations in `iterations`.
///
/// With `flush`, the provider is flushed after each chunk of [`CHUNK`] calls,
/// untimed: the numbers are the caller's cost with an idle export worker, as
/// in an application whose LLM calls take far longer than their export. (At
/// saturation on a small machine the worker falls behind, spans get dropped
/// and freed on the caller's thread instead, and the medians measure that
/// race rather than the instrumentation.)
fn bench_variant<F, Fut>(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    rt: &tokio::runtime::Runtime,
    name: &str,
    call: F,
    iterations: &'static AtomicU64,
    flush: Option<&'static SdkTracerProvider>,
) where
    F: Fn(u64, &'static ChatRequest) -> Fut + Copy,
    Fut: Future<Output = Result<&'static ChatCompletion, ApiError>>,
{
    let req: &'static ChatRequest = &REQUEST;
    group.bench_function(name, |b| {
        b.to_async(rt).iter_custom(|iters| async move {
            iterations.fetch_add(iters, Ordering::Relaxed);
            let mut elapsed = Duration::ZERO;
            let mut left = iters;
            while left > 0 {
                let chunk = left.min(CHUNK);
                left -= chunk;
                let start = Instant::now();
                for _ in 0..chunk {
                    let _ = black_box(call(black_box(7), black_box(req)).await);
                }
                elapsed += start.elapsed();
                if let Some(provider) = flush {
                    provider.force_flush().expect("tracer provider flush");
                }
            }
            elapsed
        });
    });
}

/// Reports how many of a variant's `spans` reached the exporter since the
/// last report; warns when some were dropped.
struct Accounting<'a> {
    provider: &'a SdkTracerProvider,
    exporter: &'a DiscardExporter,
    exported: u64,
}

impl Accounting<'_> {
    fn report(&mut self, name: &str, spans: u64) {
        self.provider.force_flush().expect("tracer provider flush");
        let now = self.exporter.spans.load(Ordering::Relaxed);
        let exported = now - self.exported;
        self.exported = now;
        if exported < spans {
            eprintln!(
                "WARNING {name}: {} of {spans} spans were dropped on a full queue; \
                 its time is not the steady-state export path",
                spans - exported
            );
        } else if spans > 0 {
            eprintln!("{name}: all {spans} spans exported");
        }
    }
}

fn main() {
    static UNINSTRUMENTED: AtomicU64 = AtomicU64::new(0);
    static LLM_CALL: AtomicU64 = AtomicU64::new(0);
    static HAND_WRITTEN: AtomicU64 = AtomicU64::new(0);
    static PROVIDER: OnceLock<SdkTracerProvider> = OnceLock::new();

    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a current-thread runtime");
    check_same_span(&rt);

    let exporter = DiscardExporter::default();
    let provider = PROVIDER.get_or_init(|| {
        SdkTracerProvider::builder()
            .with_sampler(Sampler::AlwaysOn)
            .with_span_processor(BatchSpanProcessor::builder(exporter.clone()).build())
            .build()
    });
    global::set_tracer_provider(provider.clone());
    let mut accounting = Accounting {
        provider,
        exporter: &exporter,
        exported: 0,
    };

    let mut criterion = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    let mut group = criterion.benchmark_group("overhead");
    let (llm_call, hand) = (&LLM_CALL, &HAND_WRITTEN);
    bench_variant(
        &mut group,
        &rt,
        "uninstrumented",
        uninstrumented,
        &UNINSTRUMENTED,
        None,
    );
    accounting.report("uninstrumented", 0);
    bench_variant(
        &mut group,
        &rt,
        "llm_call",
        with_llm_call,
        llm_call,
        Some(provider),
    );
    accounting.report("llm_call", llm_call.load(Ordering::Relaxed));
    bench_variant(
        &mut group,
        &rt,
        "hand_written",
        hand_written,
        hand,
        Some(provider),
    );
    accounting.report("hand_written", hand.load(Ordering::Relaxed));
    group.finish();
    bench_cost(&mut criterion);
    criterion.final_summary();

    provider.shutdown().expect("tracer provider shutdown");
}
