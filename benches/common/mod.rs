//! What the benchmarks share: one "LLM call" written in every variant they
//! compare, the exporter that discards spans, the check that the variants
//! record the same span, and the timing loop.
//!
//! Every variant takes a user id and a `&ChatRequest` and returns a fresh
//! copy of one small `ChatCompletion` (an un-instrumented call that decodes
//! a small response costs about as much), so the body does identical work
//! in all of them and only the instrumentation differs.
#![allow(dead_code)] // each bench binary uses its own part

use std::collections::BTreeMap;
use std::future::Future;
use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock};
use std::time::{Duration, Instant};

use criterion::measurement::WallTime;
use criterion::BenchmarkGroup;
use llm_trace::llm_call;
use llm_trace::provider::openai::{
    ChatCompletion, ChatMessage, ChatRequest, Choice, CompletionUsage,
};
use opentelemetry::trace::{FutureExt, Span, SpanKind, TraceContextExt, Tracer};
use opentelemetry::{global, Array, Context, KeyValue, StringValue, Value};
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{
    InMemorySpanExporter, Sampler, SdkTracerProvider, SpanData, SpanExporter,
};

/// The error type of the benchmarked calls (never produced).
#[derive(Debug)]
pub struct ApiError;

/// The request every call gets: a model and two request parameters.
pub static REQUEST: LazyLock<ChatRequest> = LazyLock::new(|| ChatRequest {
    temperature: Some(0.2),
    max_tokens: Some(256),
    ..ChatRequest::new("bench-model", vec![ChatMessage::user("Summarize: hi")])
});

/// The response every call returns a copy of: id, model, one choice, usage.
pub static RESPONSE: LazyLock<ChatCompletion> = LazyLock::new(|| ChatCompletion {
    id: "chatcmpl-bench".into(),
    object: "chat.completion".into(),
    created: 1_700_000_000,
    model: "bench-model-2024-07-18".into(),
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

/// The result of every variant.
pub type Output = Result<ChatCompletion, ApiError>;

/// The body every variant runs: a fresh copy of the response.
#[inline(always)]
fn respond(user_id: u64, req: &ChatRequest) -> Output {
    black_box((user_id, req));
    Ok(black_box(&*RESPONSE).clone())
}

/// No instrumentation: the floor.
pub async fn uninstrumented(user_id: u64, req: &ChatRequest) -> Output {
    respond(user_id, req)
}

/// `#[llm_call]`.
#[llm_call(
    provider = "openai",
    request = req,
    prompt_id = 5,
    feature = "bench",
    fields(user.id = user_id)
)]
pub async fn with_llm_call(user_id: u64, req: &ChatRequest) -> Output {
    respond(user_id, req)
}

/// The name every hand-written span gets its tracer under.
const TRACER: &str = "llm-trace-bench";

/// The same span by hand, the way the opentelemetry documentation writes
/// it: a tracer from `global::tracer`, every start-time attribute in the
/// `SpanBuilder` (built whether or not the span will record), the body run
/// through `FutureExt::with_context`, then the response attributes and
/// `end()`.
pub async fn hand_naive(user_id: u64, req: &ChatRequest) -> Output {
    let tracer = global::tracer(TRACER);
    let mut attributes = Vec::with_capacity(12);
    attributes.push(KeyValue::new("gen_ai.operation.name", "chat"));
    attributes.push(KeyValue::new("gen_ai.provider.name", "openai"));
    attributes.push(KeyValue::new("gen_ai.request.model", req.model.clone()));
    attributes.push(KeyValue::new("server.address", "api.openai.com"));
    attributes.push(KeyValue::new("server.port", 443_i64));
    attributes.push(KeyValue::new("openai.api.type", "chat_completions"));
    attributes.push(KeyValue::new(
        "code.function.name",
        concat!(module_path!(), "::hand_naive"),
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

    let result = async move { respond(user_id, req) }
        .with_context(cx.clone())
        .await;

    let span = cx.span();
    if let Ok(response) = &result {
        span.set_attributes(response_attributes(response));
    }
    span.end();
    result
}

/// The same span by hand, written with care: only the attributes the GenAI
/// conventions list as relevant to sampling go into the `SpanBuilder`, sized
/// once for every attribute the span will get; the rest (and the response)
/// are built only if the span records.
pub async fn hand_lazy(user_id: u64, req: &ChatRequest) -> Output {
    let tracer = global::tracer(TRACER);
    let mut attributes = Vec::with_capacity(17);
    attributes.push(KeyValue::new("gen_ai.operation.name", "chat"));
    attributes.push(KeyValue::new("gen_ai.provider.name", "openai"));
    attributes.push(KeyValue::new("gen_ai.request.model", req.model.clone()));
    attributes.push(KeyValue::new("server.address", "api.openai.com"));
    attributes.push(KeyValue::new("server.port", 443_i64));
    attributes.push(KeyValue::new("openai.api.type", "chat_completions"));
    let mut span = tracer
        .span_builder(format!("chat {}", req.model))
        .with_kind(SpanKind::Client)
        .with_attributes(attributes)
        .start(&tracer);
    if span.is_recording() {
        let mut attributes = Vec::with_capacity(6);
        attributes.push(KeyValue::new(
            "code.function.name",
            concat!(module_path!(), "::hand_lazy"),
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
        span.set_attributes(attributes);
    }
    let cx = Context::current_with_span(span);

    let result = async move { respond(user_id, req) }
        .with_context(cx.clone())
        .await;

    let span = cx.span();
    if span.is_recording() {
        if let Ok(response) = &result {
            span.set_attributes(response_attributes(response));
        }
    }
    span.end();
    result
}

/// The SDK's own floor for this span: what recording it through the SDK
/// costs at least. One vector sized once, every value but the response's id
/// and model a constant (the span name, the request's model and the finish
/// reason too), the body run with the span current, no metrics, no cost.
pub async fn sdk_floor(user_id: u64, req: &ChatRequest) -> Output {
    let tracer = global::tracer(TRACER);
    let mut attributes = Vec::with_capacity(17);
    attributes.push(KeyValue::new("gen_ai.operation.name", "chat"));
    attributes.push(KeyValue::new("gen_ai.provider.name", "openai"));
    attributes.push(KeyValue::new("gen_ai.request.model", "bench-model"));
    attributes.push(KeyValue::new("server.address", "api.openai.com"));
    attributes.push(KeyValue::new("server.port", 443_i64));
    attributes.push(KeyValue::new("openai.api.type", "chat_completions"));
    attributes.push(KeyValue::new(
        "code.function.name",
        concat!(module_path!(), "::sdk_floor"),
    ));
    attributes.push(KeyValue::new("gen_ai.request.temperature", 0.2));
    attributes.push(KeyValue::new("gen_ai.request.max_tokens", 256_i64));
    attributes.push(KeyValue::new("prompt_id", 5_i64));
    attributes.push(KeyValue::new("feature", "bench"));
    attributes.push(KeyValue::new("user.id", 7_i64));
    let span = tracer
        .span_builder("chat bench-model")
        .with_kind(SpanKind::Client)
        .with_attributes(attributes)
        .start(&tracer);
    let cx = Context::current_with_span(span);

    let result = async move { respond(user_id, req) }
        .with_context(cx.clone())
        .await;

    let span = cx.span();
    if let Ok(ChatCompletion {
        id,
        model,
        usage: Some(usage),
        ..
    }) = &result
    {
        span.set_attributes([
            KeyValue::new("gen_ai.response.id", id.clone()),
            KeyValue::new("gen_ai.response.model", model.clone()),
            KeyValue::new(
                "gen_ai.response.finish_reasons",
                Value::Array(Array::String(vec![StringValue::from("stop")])),
            ),
            KeyValue::new("gen_ai.usage.input_tokens", usage.prompt_tokens as i64),
            KeyValue::new("gen_ai.usage.output_tokens", usage.completion_tokens as i64),
        ]);
    }
    span.end();
    result
}

/// The response attributes of both hand-written variants.
fn response_attributes(response: &ChatCompletion) -> Vec<KeyValue> {
    let finish_reasons = response
        .choices
        .iter()
        .filter_map(|c| c.finish_reason.clone().map(StringValue::from))
        .collect();
    let mut attributes = Vec::with_capacity(5);
    attributes.push(KeyValue::new("gen_ai.response.id", response.id.clone()));
    attributes.push(KeyValue::new(
        "gen_ai.response.model",
        response.model.clone(),
    ));
    attributes.push(KeyValue::new(
        "gen_ai.response.finish_reasons",
        Value::Array(Array::String(finish_reasons)),
    ));
    if let Some(usage) = &response.usage {
        attributes.push(KeyValue::new(
            "gen_ai.usage.input_tokens",
            i64::try_from(usage.prompt_tokens).unwrap_or(i64::MAX),
        ));
        attributes.push(KeyValue::new(
            "gen_ai.usage.output_tokens",
            i64::try_from(usage.completion_tokens).unwrap_or(i64::MAX),
        ));
    }
    attributes
}

/// The same span through `tracing`'s `#[instrument]` and
/// `tracing-opentelemetry`: the fields are declared in the attribute (the
/// response's as `Empty`) and recorded from the body. `tracing` has no
/// arrays: the finish reasons are recorded as their `Debug` text.
#[tracing::instrument(
    name = "chat",
    skip_all,
    fields(
        otel.name = %format_args!("chat {}", req.model),
        otel.kind = "client",
        gen_ai.operation.name = "chat",
        gen_ai.provider.name = "openai",
        gen_ai.request.model = req.model.as_str(),
        server.address = "api.openai.com",
        server.port = 443_i64,
        openai.api.type = "chat_completions",
        code.function.name = concat!(module_path!(), "::with_tracing"),
        gen_ai.request.temperature = req.temperature,
        gen_ai.request.max_tokens = req.max_tokens.map(|v| i64::try_from(v).unwrap_or(i64::MAX)),
        prompt_id = 5_i64,
        feature = "bench",
        user.id = i64::try_from(user_id).unwrap_or(i64::MAX),
        gen_ai.response.id = tracing::field::Empty,
        gen_ai.response.model = tracing::field::Empty,
        gen_ai.response.finish_reasons = tracing::field::Empty,
        gen_ai.usage.input_tokens = tracing::field::Empty,
        gen_ai.usage.output_tokens = tracing::field::Empty,
    )
)]
pub async fn with_tracing(user_id: u64, req: &ChatRequest) -> Output {
    let result = respond(user_id, req);
    if let Ok(response) = &result {
        let span = tracing::Span::current();
        span.record("gen_ai.response.id", response.id.as_str());
        span.record("gen_ai.response.model", response.model.as_str());
        let reasons: Vec<&str> = response
            .choices
            .iter()
            .filter_map(|c| c.finish_reason.as_deref())
            .collect();
        span.record(
            "gen_ai.response.finish_reasons",
            tracing::field::debug(&reasons),
        );
        if let Some(usage) = &response.usage {
            span.record(
                "gen_ai.usage.input_tokens",
                i64::try_from(usage.prompt_tokens).unwrap_or(i64::MAX),
            );
            span.record(
                "gen_ai.usage.output_tokens",
                i64::try_from(usage.completion_tokens).unwrap_or(i64::MAX),
            );
        }
    }
    result
}

/// How the `tracing` variant's layer is configured.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Layer {
    /// `tracing-opentelemetry`'s defaults, as a `tracing` user gets them:
    /// the layer adds location, thread, target and busy/idle attributes.
    Defaults,
    /// The layer adds none of its own attributes: the span carries exactly
    /// the others' attributes.
    SameAttributes,
}

/// A `tracing` subscriber that bridges spans into `provider` through
/// `tracing-opentelemetry`.
pub fn tracing_subscriber(
    provider: &SdkTracerProvider,
    layer: Layer,
) -> impl tracing::Subscriber + Send + Sync {
    use opentelemetry::trace::TracerProvider as _;
    use tracing_subscriber::layer::SubscriberExt;
    let otel = tracing_opentelemetry::layer().with_tracer(provider.tracer(TRACER));
    let otel = match layer {
        Layer::Defaults => otel,
        Layer::SameAttributes => otel
            .with_location(false)
            .with_threads(false)
            .with_target(false)
            .with_tracked_inactivity(false),
    };
    tracing_subscriber::registry().with(otel)
}

/// An exporter that drops every batch, counting the spans it was handed.
#[derive(Debug, Default, Clone)]
pub struct DiscardExporter {
    pub spans: Arc<AtomicU64>,
}

impl SpanExporter for DiscardExporter {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        self.spans.fetch_add(batch.len() as u64, Ordering::Relaxed);
        drop(batch);
        Ok(())
    }
}

/// A variant's spans as recorded: name, kind and attributes (keys and
/// values), with `code.function.name` (each variant names its own function)
/// left out.
#[derive(Debug, PartialEq)]
pub struct Recorded {
    pub name: String,
    pub kind: SpanKind,
    pub attributes: BTreeMap<String, Value>,
}

/// Runs `call` once against an in-memory exporter (with `sampler`, and a
/// `tracing` subscriber with `layer`) and returns the spans it recorded.
pub fn record_one<F, Fut>(
    rt: &tokio::runtime::Runtime,
    sampler: Sampler,
    layer: Option<Layer>,
    call: F,
) -> Vec<Recorded>
where
    F: Fn(u64, &'static ChatRequest) -> Fut,
    Fut: Future<Output = Output>,
{
    let exporter = InMemorySpanExporter::default();
    let provider = SdkTracerProvider::builder()
        .with_sampler(sampler)
        .with_simple_exporter(exporter.clone())
        .build();
    global::set_tracer_provider(provider.clone());
    let run = || {
        let response = rt.block_on(call(7, &REQUEST)).expect("the call succeeds");
        assert_eq!(response.id, RESPONSE.id, "the call's result is unchanged");
    };
    match layer {
        Some(layer) => tracing::subscriber::with_default(tracing_subscriber(&provider, layer), run),
        None => run(),
    }
    // The first call of a model ends its span once its prices are resolved.
    assert!(llm_trace::cost::flush(std::time::Duration::from_secs(60)));
    let spans = exporter.get_finished_spans().expect("in-memory exporter");
    provider.shutdown().expect("tracer provider shutdown");
    spans
        .iter()
        .map(|span| {
            let mut attributes = BTreeMap::new();
            for kv in &span.attributes {
                let previous = attributes.insert(kv.key.as_str().to_owned(), kv.value.clone());
                assert!(previous.is_none(), "{} recorded twice", kv.key);
            }
            let function = attributes
                .remove("code.function.name")
                .expect("code.function.name");
            assert!(function.as_str().starts_with(module_path!()), "{function}");
            Recorded {
                name: span.name.to_string(),
                kind: span.span_kind.clone(),
                attributes,
            }
        })
        .collect()
}

/// Calls per timed chunk. The `BatchSpanProcessor` wakes its worker when 512
/// spans are pending (its default `max_export_batch_size`); flushing after
/// every smaller chunk, outside the timed region, keeps the worker asleep
/// while the caller is timed and the queue (default 2048) from overflowing.
pub const CHUNK: u64 = 256;

/// Benchmarks `call` under `name`, counting its iterations in `iterations`.
///
/// With `flush`, the provider is flushed after each chunk of [`CHUNK`] calls,
/// untimed: the numbers are the caller's cost with an idle export worker, as
/// in an application whose LLM calls take far longer than their export. (At
/// saturation on a small machine the worker falls behind, spans get dropped
/// and freed on the caller's thread instead, and the medians measure that
/// race rather than the instrumentation.)
pub fn bench_variant<F, Fut>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    rt: &tokio::runtime::Runtime,
    name: &str,
    call: F,
    iterations: &AtomicU64,
    flush: Option<&SdkTracerProvider>,
) where
    F: Fn(u64, &'static ChatRequest) -> Fut + Copy,
    Fut: Future<Output = Output>,
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

/// A tracer provider with `sampler` whose batch processor (default
/// configuration) feeds a [`DiscardExporter`]; installed globally.
pub fn install_discarding(sampler: Sampler) -> (SdkTracerProvider, DiscardExporter) {
    let exporter = DiscardExporter::default();
    let provider = SdkTracerProvider::builder()
        .with_sampler(sampler)
        .with_span_processor(
            opentelemetry_sdk::trace::BatchSpanProcessor::builder(exporter.clone()).build(),
        )
        .build();
    global::set_tracer_provider(provider.clone());
    (provider, exporter)
}

/// Checks after a variant ran that every span it started reached the
/// exporter (none dropped on a full queue); warns otherwise.
pub fn report_exported(
    provider: &SdkTracerProvider,
    exporter: &DiscardExporter,
    name: &str,
    spans: u64,
) {
    provider.force_flush().expect("tracer provider flush");
    let exported = exporter.spans.swap(0, Ordering::Relaxed);
    if exported < spans {
        eprintln!(
            "WARNING {name}: {} of {spans} spans were dropped on a full queue; \
             its time is not the steady-state export path",
            spans - exported
        );
    } else {
        eprintln!("{name}: all {spans} spans exported");
    }
}

/// Criterion's estimate of `group/variant` in this run, in nanoseconds per iteration.
pub fn estimate_ns(group: &str, variant: &str) -> Option<f64> {
    let dir = std::env::var_os("CRITERION_HOME")
        .map(std::path::PathBuf::from)
        .or_else(|| {
            std::env::var_os("CARGO_TARGET_DIR")
                .map(|t| std::path::PathBuf::from(t).join("criterion"))
        })
        .unwrap_or_else(|| std::path::PathBuf::from("target/criterion"));
    // Criterion keeps a `/` of a benchmark's name as `_` in its directory.
    let path = dir
        .join(group)
        .join(variant.replace('/', "_"))
        .join("new/estimates.json");
    let text = std::fs::read_to_string(path).ok()?;
    let estimates: serde_json::Value = serde_json::from_str(&text).ok()?;
    // The estimate criterion prints as `time:` (the slope of its linear
    // sampling; the mean where there is none).
    estimates["slope"]["point_estimate"]
        .as_f64()
        .or_else(|| estimates["mean"]["point_estimate"].as_f64())
}

/// Prints `numerator / denominator` of criterion's estimates of this run,
/// one line per `(label, group, numerator, denominator)`.
pub fn print_ratios(ratios: &[(&str, &str, &str, &str)]) {
    eprintln!("\nratios (this run):");
    for (label, group, numerator, denominator) in ratios {
        match (
            estimate_ns(group, numerator),
            estimate_ns(group, denominator),
        ) {
            (Some(n), Some(d)) => {
                eprintln!("  {label:<50} {:>6.2}   ({n:.1} ns / {d:.1} ns)", n / d)
            }
            _ => eprintln!("  {label:<50}    (not measured in this run)"),
        }
    }
}

/// Times [`CHUNK`] calls of `call` per invocation (then flushes `flush`,
/// untimed), for [`interleave`].
pub fn chunk_timer<'a, F, Fut>(
    call: F,
    flush: Option<&'a SdkTracerProvider>,
) -> impl Fn(&tokio::runtime::Runtime) -> Duration + 'a
where
    F: Fn(u64, &'static ChatRequest) -> Fut + Copy + 'a,
    Fut: Future<Output = Output>,
{
    move |rt| {
        let req: &'static ChatRequest = &REQUEST;
        let elapsed = rt.block_on(async {
            let start = Instant::now();
            for _ in 0..CHUNK {
                let _ = black_box(call(black_box(7), black_box(req)).await);
            }
            start.elapsed()
        });
        if let Some(provider) = flush {
            provider.force_flush().expect("tracer provider flush");
        }
        elapsed
    }
}

/// A second measurement that load changing over time cannot skew: the
/// variants take turns, one chunk each per round (in reverse order every
/// other round), for `rounds` rounds, and
/// each ratio is the median over the rounds of the two variants' times in
/// the same round. Prints one line per `(label, numerator, denominator)`
/// (indices into `variants`).
pub fn interleave(
    rt: &tokio::runtime::Runtime,
    variants: &[&dyn Fn(&tokio::runtime::Runtime) -> Duration],
    rounds: usize,
    ratios: &[(&str, usize, usize)],
) {
    for variant in variants {
        variant(rt); // warm up
    }
    let mut times = vec![Vec::with_capacity(rounds); variants.len()];
    for round in 0..rounds {
        // Every other round in reverse order: a variant measures faster or
        // slower by its place in the round (by up to 10 % here, from the
        // allocator and caches the previous turn left), which must not
        // count for or against any of them.
        let mut order: Vec<usize> = (0..variants.len()).collect();
        if round % 2 == 1 {
            order.reverse();
        }
        for i in order {
            times[i].push(variants[i](rt).as_secs_f64());
        }
    }
    for (label, numerator, denominator) in ratios {
        let mut per_round: Vec<f64> = times[*numerator]
            .iter()
            .zip(&times[*denominator])
            .map(|(n, d)| n / d)
            .collect();
        per_round.sort_by(f64::total_cmp);
        let median = per_round[per_round.len() / 2];
        let (low, high) = (
            per_round[per_round.len() / 4],
            per_round[per_round.len() * 3 / 4],
        );
        eprintln!("  {label:<50} {median:>6.2}   (interleaved, {rounds} rounds; quartiles {low:.2}..{high:.2})");
    }
}
