//! What `#[llm_call]` costs, next to the alternatives, in one run
//! (DESIGN.md, "Performance contract"; the targets are ratios between the
//! variants of one group).
//!
//! Every variant is one "LLM call" ([`common`]) run on the same
//! current-thread tokio runtime:
//!
//! - `uninstrumented`: the bare `async fn`, the floor;
//! - `llm_call`: under `#[llm_call(provider = "openai", request = req,
//!   prompt_id = 5, feature = "bench", fields(user.id = user_id))]`, which
//!   also records the GenAI client metrics (here to the global no-op meter
//!   provider: none is installed);
//! - `hand_naive`: the same span by hand, as the opentelemetry documentation
//!   writes it (every attribute built before the sampling decision);
//! - `hand_lazy`: the same span by hand, with care (only the attributes the
//!   conventions mark as relevant to sampling before the decision, the rest
//!   once the span is known to record);
//! - `tracing`: `tracing`'s `#[instrument]` with the same fields, bridged by
//!   `tracing-opentelemetry` 0.34 into the same SDK, with the layer's
//!   defaults (it adds location, thread, target and busy/idle attributes);
//!   `tracing_same_attributes`: the same with those turned off, so the span
//!   carries exactly the others' attributes;
//! - `sdk_floor` (recording only): the least the SDK takes to record the
//!   same span: every value a constant but the response's id and model, one
//!   vector, no metrics, no cost. Not a way to instrument (it knows its one
//!   response by heart); it shows how much of `llm_call` is the SDK's own.
//!
//! Groups:
//!
//! - `recording`: an `SdkTracerProvider` (always-on sampler) whose
//!   `BatchSpanProcessor` (default configuration) feeds an exporter that
//!   drops every batch; the provider is flushed after every [`CHUNK`] calls,
//!   untimed (see `common::bench_variant`);
//! - `sampled_out`: the same provider with the always-off sampler;
//! - `no_sdk`: no tracer provider installed (the API's no-op one);
//! - `off_switch`: the recording provider, with `llm_trace::set_enabled(false)`
//!   for `llm_call_switched_off`. (The compile-time switch, the `off`
//!   feature, has its own bench: `benches/compiled_out.rs`.)
//! - `stream` (200 chunks, instrumented vs not): typed chunks cloned from
//!   memory, the floor that shows the wrapper's own per-chunk cost;
//! - `stream_sse`: the same 200 chunks decoded from server-sent events as
//!   an OpenAI client decodes them (text buffer, `data` lines, JSON into the
//!   typed chunk), the stream an application consumes.
//!
//! Before timing, each variant runs once against an in-memory exporter and
//! the bench panics unless the instrumented variants record the same span
//! (name, kind, attributes and values; `code.function.name` aside, as each
//! names its own function; the `tracing` variant's finish reasons are text),
//! and unless the sampled-out and switched-off ones record none.
//!
//! After each group's criterion runs, the same variants are timed once
//! more, interleaved: they take turns (in reverse order every other round),
//! [`CHUNK`](common::CHUNK) calls each, for [`ROUNDS`] rounds, and each
//! ratio is the median of the per-round ratios. Criterion runs one variant after another, so load that changes
//! between them (other processes on a small shared machine) moves its
//! ratios; the interleaved ones see the same load on both sides.
//!
//! `cargo bench --bench overhead -- --warm-up-time 1 --measurement-time 3`;
//! criterion's estimates in `target/criterion/<group>/<variant>/new/`, and
//! the ratios the README's table shows, both ways, printed at the end of
//! each group and of the run.

mod common;

use std::sync::atomic::AtomicU64;
use std::time::Duration;

use common::{
    bench_variant, chunk_timer, hand_lazy, hand_naive, install_discarding, interleave, record_one,
    report_exported, sdk_floor, uninstrumented, with_llm_call, with_tracing, Layer, RESPONSE,
};
use criterion::Criterion;
use futures::{Stream, StreamExt};
use llm_trace::llm_call;
use llm_trace::provider::openai::ChatCompletionChunk;
use opentelemetry::trace::{noop::NoopTracerProvider, SpanKind};
use opentelemetry::{global, Value};
use opentelemetry_sdk::trace::Sampler;

/// Panics unless every instrumented variant records the same one span, and
/// the sampled-out ones none.
fn check_same_spans(rt: &tokio::runtime::Runtime) {
    assert!(record_one(rt, Sampler::AlwaysOn, None, uninstrumented).is_empty());
    let by_macro = record_one(rt, Sampler::AlwaysOn, None, with_llm_call);
    assert_eq!(by_macro.len(), 1, "one span per call");
    assert_eq!(by_macro[0].name, "chat bench-model");
    assert_eq!(by_macro[0].kind, SpanKind::Client);
    assert_eq!(by_macro[0].attributes.len(), 16, "{:#?}", by_macro[0]);
    assert_eq!(
        record_one(rt, Sampler::AlwaysOn, None, hand_naive),
        by_macro,
        "hand_naive"
    );
    assert_eq!(
        record_one(rt, Sampler::AlwaysOn, None, hand_lazy),
        by_macro,
        "hand_lazy"
    );
    assert_eq!(
        record_one(rt, Sampler::AlwaysOn, None, sdk_floor),
        by_macro,
        "sdk_floor"
    );
    let mut by_tracing = record_one(
        rt,
        Sampler::AlwaysOn,
        Some(Layer::SameAttributes),
        with_tracing,
    );
    assert_eq!(by_tracing.len(), 1, "one span per call");
    let reasons = by_tracing[0]
        .attributes
        .insert(
            "gen_ai.response.finish_reasons".into(),
            by_macro[0].attributes["gen_ai.response.finish_reasons"].clone(),
        )
        .expect("finish reasons");
    assert_eq!(reasons, Value::from(r#"["stop"]"#));
    assert_eq!(by_tracing, by_macro, "tracing");
    // With the layer's defaults: the same attributes and the layer's own.
    let mut by_tracing = record_one(rt, Sampler::AlwaysOn, Some(Layer::Defaults), with_tracing);
    let own: Vec<String> = by_tracing[0]
        .attributes
        .keys()
        .filter(|k| !by_macro[0].attributes.contains_key(*k))
        .cloned()
        .collect();
    for key in &own {
        by_tracing[0].attributes.remove(key);
    }
    by_tracing[0].attributes.insert(
        "gen_ai.response.finish_reasons".into(),
        by_macro[0].attributes["gen_ai.response.finish_reasons"].clone(),
    );
    assert_eq!(by_tracing, by_macro, "tracing, layer defaults");
    assert!(own.len() >= 6, "the layer's own attributes: {own:?}");

    assert!(record_one(rt, Sampler::AlwaysOff, None, with_llm_call).is_empty());
    assert!(record_one(rt, Sampler::AlwaysOff, None, hand_naive).is_empty());
    assert!(record_one(rt, Sampler::AlwaysOff, None, hand_lazy).is_empty());
    llm_trace::set_enabled(false);
    assert!(record_one(rt, Sampler::AlwaysOn, None, with_llm_call).is_empty());
    llm_trace::set_enabled(true);
    eprintln!(
        "checked: llm_call, hand_naive, hand_lazy, sdk_floor and tracing record the same {:?} with {} \
         attributes; sampled out and switched off, none",
        by_macro[0].name,
        by_macro[0].attributes.len() + 1
    );
}

/// Rounds of the interleaved measurement of each group.
const ROUNDS: usize = 1000;

/// The variants of one group, each with its iteration count.
struct Counts([AtomicU64; 7]);

fn main() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a current-thread runtime");
    check_same_spans(&rt);
    assert_eq!(RESPONSE.choices.len(), 1);

    let mut criterion = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();

    // Recording: every variant exports its spans.
    {
        let (provider, exporter) = install_discarding(Sampler::AlwaysOn);
        let counts = Counts(Default::default());
        let mut group = criterion.benchmark_group("recording");
        let flush = Some(&provider);
        bench_variant(
            &mut group,
            &rt,
            "uninstrumented",
            uninstrumented,
            &counts.0[0],
            None,
        );
        bench_variant(
            &mut group,
            &rt,
            "llm_call",
            with_llm_call,
            &counts.0[1],
            flush,
        );
        report_exported(&provider, &exporter, "llm_call", load(&counts.0[1]));
        bench_variant(
            &mut group,
            &rt,
            "hand_naive",
            hand_naive,
            &counts.0[2],
            flush,
        );
        report_exported(&provider, &exporter, "hand_naive", load(&counts.0[2]));
        bench_variant(&mut group, &rt, "hand_lazy", hand_lazy, &counts.0[3], flush);
        report_exported(&provider, &exporter, "hand_lazy", load(&counts.0[3]));
        bench_variant(&mut group, &rt, "sdk_floor", sdk_floor, &counts.0[6], flush);
        report_exported(&provider, &exporter, "sdk_floor", load(&counts.0[6]));
        let subscriber = common::tracing_subscriber(&provider, Layer::Defaults);
        tracing::subscriber::with_default(subscriber, || {
            bench_variant(
                &mut group,
                &rt,
                "tracing",
                with_tracing,
                &counts.0[4],
                flush,
            );
        });
        report_exported(&provider, &exporter, "tracing", load(&counts.0[4]));
        let subscriber = common::tracing_subscriber(&provider, Layer::SameAttributes);
        tracing::subscriber::with_default(subscriber, || {
            let name = "tracing_same_attributes";
            bench_variant(&mut group, &rt, name, with_tracing, &counts.0[5], flush);
        });
        report_exported(
            &provider,
            &exporter,
            "tracing_same_attributes",
            load(&counts.0[5]),
        );
        group.finish();
        eprintln!("\nrecording, interleaved:");
        let traced = |layer| {
            let subscriber = tracing::Dispatch::new(common::tracing_subscriber(&provider, layer));
            let timer = chunk_timer(with_tracing, flush);
            move |rt: &tokio::runtime::Runtime| {
                tracing::dispatcher::with_default(&subscriber, || timer(rt))
            }
        };
        interleave(
            &rt,
            &[
                &chunk_timer(with_llm_call, flush),
                &chunk_timer(hand_naive, flush),
                &chunk_timer(hand_lazy, flush),
                &traced(Layer::Defaults),
                &traced(Layer::SameAttributes),
                &chunk_timer(sdk_floor, flush),
            ],
            ROUNDS,
            &[
                ("recording: llm_call / hand_naive", 0, 1),
                ("recording: llm_call / hand_lazy", 0, 2),
                ("recording: tracing / llm_call", 3, 0),
                ("recording: tracing (same attributes) / llm_call", 4, 0),
                ("recording: llm_call / SDK floor", 0, 5),
                ("recording: tracing / SDK floor", 3, 5),
            ],
        );
        provider.shutdown().expect("tracer provider shutdown");
    }

    // Sampled out, and without an SDK: nothing records.
    for (group_name, sampled_out) in [("sampled_out", true), ("no_sdk", false)] {
        let installed = sampled_out.then(|| install_discarding(Sampler::AlwaysOff));
        if !sampled_out {
            global::set_tracer_provider(NoopTracerProvider::new());
        }
        let counts = Counts(Default::default());
        let mut group = criterion.benchmark_group(group_name);
        bench_variant(
            &mut group,
            &rt,
            "uninstrumented",
            uninstrumented,
            &counts.0[0],
            None,
        );
        bench_variant(
            &mut group,
            &rt,
            "llm_call",
            with_llm_call,
            &counts.0[1],
            None,
        );
        bench_variant(
            &mut group,
            &rt,
            "hand_naive",
            hand_naive,
            &counts.0[2],
            None,
        );
        bench_variant(&mut group, &rt, "hand_lazy", hand_lazy, &counts.0[3], None);
        group.finish();
        eprintln!("\n{group_name}, interleaved:");
        let label = if sampled_out { "sampled out" } else { "no SDK" };
        interleave(
            &rt,
            &[
                &chunk_timer(with_llm_call, None),
                &chunk_timer(hand_naive, None),
                &chunk_timer(hand_lazy, None),
            ],
            ROUNDS,
            &[
                (&format!("{label}: llm_call / hand_naive"), 0, 1),
                (&format!("{label}: llm_call / hand_lazy"), 0, 2),
            ],
        );
        if let Some((provider, exporter)) = installed {
            provider.force_flush().expect("tracer provider flush");
            assert_eq!(load(&exporter.spans), 0, "sampled out: nothing exported");
            provider.shutdown().expect("tracer provider shutdown");
        }
    }

    // The run-time off switch, with a recording SDK installed.
    {
        let (provider, exporter) = install_discarding(Sampler::AlwaysOn);
        let counts = Counts(Default::default());
        let mut group = criterion.benchmark_group("off_switch");
        bench_variant(
            &mut group,
            &rt,
            "uninstrumented",
            uninstrumented,
            &counts.0[0],
            None,
        );
        llm_trace::set_enabled(false);
        bench_variant(
            &mut group,
            &rt,
            "llm_call_switched_off",
            with_llm_call,
            &counts.0[1],
            None,
        );
        group.finish();
        eprintln!("\noff_switch, interleaved:");
        let switched_off = |rt: &tokio::runtime::Runtime| {
            llm_trace::set_enabled(false);
            let elapsed = chunk_timer(with_llm_call, None)(rt);
            llm_trace::set_enabled(true);
            elapsed
        };
        interleave(
            &rt,
            &[&chunk_timer(uninstrumented, None), &switched_off],
            ROUNDS,
            &[("switched off: llm_call / uninstrumented", 1, 0)],
        );
        llm_trace::set_enabled(true);
        provider.force_flush().expect("tracer provider flush");
        assert_eq!(load(&exporter.spans), 0, "switched off: nothing exported");
        provider.shutdown().expect("tracer provider shutdown");
    }

    // Streams: 200 chunks consumed through the plain function and through
    // `#[llm_call]` (span recorded, every chunk observed), two ways:
    // - `stream`: typed chunks cloned from memory, the cheapest stream there
    //   is (no client does this: it is the floor that shows the wrapper's
    //   own per-chunk cost);
    // - `stream_sse`: the same chunks decoded from their server-sent events
    //   as a client does (async-openai through reqwest-eventsource: the
    //   bytes of each read buffered as text, the event's `data` lines
    //   joined, its JSON parsed into the typed chunk); no network.
    fn stream_group<P, I, F>(
        criterion: &mut Criterion,
        rt: &tokio::runtime::Runtime,
        group_name: &str,
        label: &str,
        plain_stream: fn() -> P,
        instrumented_stream: fn() -> F,
    ) where
        P: Stream<Item = Result<ChatCompletionChunk, common::ApiError>>,
        I: Stream<Item = Result<ChatCompletionChunk, common::ApiError>>,
        F: std::future::Future<Output = Result<I, common::ApiError>>,
    {
        let (provider, exporter) = install_discarding(Sampler::AlwaysOn);
        let mut group = criterion.benchmark_group(group_name);
        group.bench_function("uninstrumented", |b| {
            b.to_async(rt).iter(|| consume(plain_stream()))
        });
        // As `common::bench_variant` times calls: the provider is flushed
        // after every few streams, untimed, so that the export worker does
        // not wake (and take a core) while the caller is timed.
        let provider = &provider;
        group.bench_function("llm_call", |b| {
            b.to_async(rt).iter_custom(|iters| async move {
                let mut elapsed = Duration::ZERO;
                let mut left = iters;
                while left > 0 {
                    let turn = left.min(STREAMS_PER_TURN as u64);
                    left -= turn;
                    let start = std::time::Instant::now();
                    for _ in 0..turn {
                        consume(instrumented_stream().await.expect("a stream")).await;
                    }
                    elapsed += start.elapsed();
                    provider.force_flush().expect("tracer provider flush");
                }
                elapsed
            })
        });
        group.finish();
        provider.force_flush().expect("tracer provider flush");
        assert!(load(&exporter.spans) > 0, "stream spans were exported");
        eprintln!("\n{group_name}, interleaved:");
        let plain = |rt: &tokio::runtime::Runtime| {
            rt.block_on(async {
                let start = std::time::Instant::now();
                for _ in 0..STREAMS_PER_TURN {
                    consume(plain_stream()).await;
                }
                start.elapsed()
            })
        };
        let instrumented = |rt: &tokio::runtime::Runtime| {
            let elapsed = rt.block_on(async {
                let start = std::time::Instant::now();
                for _ in 0..STREAMS_PER_TURN {
                    consume(instrumented_stream().await.expect("a stream")).await;
                }
                start.elapsed()
            });
            provider.force_flush().expect("tracer provider flush");
            elapsed
        };
        interleave(rt, &[&plain, &instrumented], ROUNDS / 4, &[(label, 1, 0)]);
        provider.shutdown().expect("tracer provider shutdown");
    }
    stream_group(
        &mut criterion,
        &rt,
        "stream",
        "stream of 200 chunks: llm_call / uninstrumented",
        plain_stream,
        instrumented_stream,
    );
    check_sse_stream(&rt);
    stream_group(
        &mut criterion,
        &rt,
        "stream_sse",
        "stream of 200 SSE chunks: llm_call / uninstrumented",
        sse_stream,
        instrumented_sse_stream,
    );

    criterion.final_summary();
    common::print_ratios(&[
        (
            "recording: llm_call / hand_naive",
            "recording",
            "llm_call",
            "hand_naive",
        ),
        (
            "recording: llm_call / hand_lazy",
            "recording",
            "llm_call",
            "hand_lazy",
        ),
        (
            "recording: tracing / llm_call",
            "recording",
            "tracing",
            "llm_call",
        ),
        (
            "recording: tracing (same attributes) / llm_call",
            "recording",
            "tracing_same_attributes",
            "llm_call",
        ),
        (
            "recording: llm_call / SDK floor",
            "recording",
            "llm_call",
            "sdk_floor",
        ),
        (
            "recording: tracing / SDK floor",
            "recording",
            "tracing",
            "sdk_floor",
        ),
        (
            "sampled out: llm_call / hand_naive",
            "sampled_out",
            "llm_call",
            "hand_naive",
        ),
        (
            "sampled out: llm_call / hand_lazy",
            "sampled_out",
            "llm_call",
            "hand_lazy",
        ),
        (
            "no SDK: llm_call / hand_naive",
            "no_sdk",
            "llm_call",
            "hand_naive",
        ),
        (
            "no SDK: llm_call / hand_lazy",
            "no_sdk",
            "llm_call",
            "hand_lazy",
        ),
        (
            "switched off: llm_call / uninstrumented",
            "off_switch",
            "llm_call_switched_off",
            "uninstrumented",
        ),
        (
            "stream of 200 chunks: llm_call / uninstrumented",
            "stream",
            "llm_call",
            "uninstrumented",
        ),
        (
            "stream of 200 SSE chunks: llm_call / uninstrumented",
            "stream_sse",
            "llm_call",
            "uninstrumented",
        ),
    ]);
}

/// The JSON of the chunks of a streamed reply (role, 198 text pieces,
/// finish, usage).
fn chunks_json() -> Vec<serde_json::Value> {
    let chunk = |choices: serde_json::Value, usage: serde_json::Value| {
        serde_json::json!({
            "id": "chatcmpl-bench", "object": "chat.completion.chunk", "created": 1,
            "model": "bench-model-2024-07-18", "choices": choices, "usage": usage,
        })
    };
    let mut chunks = vec![chunk(
        serde_json::json!([{"index": 0, "delta": {"role": "assistant", "content": ""}}]),
        serde_json::Value::Null,
    )];
    for _ in 0..197 {
        chunks.push(chunk(
            serde_json::json!([{"index": 0, "delta": {"content": " word"}}]),
            serde_json::Value::Null,
        ));
    }
    chunks.push(chunk(
        serde_json::json!([{"index": 0, "delta": {}, "finish_reason": "stop"}]),
        serde_json::Value::Null,
    ));
    chunks.push(chunk(
        serde_json::json!([]),
        serde_json::json!({"prompt_tokens": 12, "completion_tokens": 198}),
    ));
    assert_eq!(chunks.len(), 200);
    chunks
}

/// The chunks, typed.
static CHUNKS: std::sync::LazyLock<Vec<ChatCompletionChunk>> = std::sync::LazyLock::new(|| {
    chunks_json()
        .into_iter()
        .map(|json| serde_json::from_value(json).expect("a chunk"))
        .collect()
});

/// Streams per turn of the interleaved stream measurement.
const STREAMS_PER_TURN: usize = 16;

/// The stream as a client yields it: each chunk a fresh value.
fn plain_stream() -> impl Stream<Item = Result<ChatCompletionChunk, common::ApiError>> {
    futures::stream::iter(CHUNKS.iter().cloned().map(Ok))
}

#[llm_call(provider = "openai", model = "bench-model")]
async fn instrumented_stream(
) -> Result<impl Stream<Item = Result<ChatCompletionChunk, common::ApiError>>, common::ApiError> {
    Ok(plain_stream())
}

/// The chunks as the server sends them: one server-sent event per read,
/// then `[DONE]`. Each event's JSON has the fields the OpenAI API sends and
/// the typed chunk does not keep (`system_fingerprint`, `service_tier`,
/// `obfuscation`, a choice's `logprobs`).
static SSE_READS: std::sync::LazyLock<Vec<bytes::Bytes>> = std::sync::LazyLock::new(|| {
    chunks_json()
        .into_iter()
        .map(|mut json| {
            json["system_fingerprint"] = "fp_0123456789".into();
            json["service_tier"] = "default".into();
            json["obfuscation"] = "Xq3fPz".into();
            for choice in json["choices"].as_array_mut().into_iter().flatten() {
                choice["logprobs"] = serde_json::Value::Null;
                if choice.get("finish_reason").is_none() {
                    choice["finish_reason"] = serde_json::Value::Null;
                }
            }
            bytes::Bytes::from(format!("data: {json}\n\n"))
        })
        .chain([bytes::Bytes::from_static(b"data: [DONE]\n\n")])
        .collect()
});

/// Decodes server-sent events into typed chunks the way an OpenAI client
/// does (async-openai 0.x: reqwest-eventsource's line parser, then
/// `serde_json::from_str` of each event's data).
struct SseChunks {
    reads: std::slice::Iter<'static, bytes::Bytes>,
    /// Text received and not yet parsed.
    buffer: String,
}

impl SseChunks {
    /// The `data` of the next complete event in the buffer.
    fn next_event(&mut self) -> Option<String> {
        let end = self.buffer.find("\n\n")?;
        let mut data = String::new();
        for line in self.buffer[..end].lines() {
            if let Some(value) = line.strip_prefix("data:") {
                if !data.is_empty() {
                    data.push('\n');
                }
                data.push_str(value.strip_prefix(' ').unwrap_or(value));
            }
        }
        self.buffer.drain(..end + 2);
        Some(data)
    }
}

impl Stream for SseChunks {
    type Item = Result<ChatCompletionChunk, common::ApiError>;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        loop {
            if let Some(data) = self.next_event() {
                if data == "[DONE]" {
                    return std::task::Poll::Ready(None);
                }
                let chunk = serde_json::from_str(&data).map_err(|_| common::ApiError);
                return std::task::Poll::Ready(Some(chunk));
            }
            let Some(read) = self.reads.next() else {
                return std::task::Poll::Ready(None);
            };
            match std::str::from_utf8(read) {
                Ok(text) => self.buffer.push_str(text),
                Err(_) => return std::task::Poll::Ready(Some(Err(common::ApiError))),
            }
        }
    }
}

/// The stream as a client yields it from the wire: each chunk decoded.
fn sse_stream() -> SseChunks {
    SseChunks {
        reads: SSE_READS.iter(),
        buffer: String::new(),
    }
}

#[llm_call(provider = "openai", model = "bench-model")]
async fn instrumented_sse_stream(
) -> Result<impl Stream<Item = Result<ChatCompletionChunk, common::ApiError>>, common::ApiError> {
    Ok(sse_stream())
}

/// Panics unless the decoded stream yields the typed chunks, and its span
/// has the same attributes as the typed stream's.
fn check_sse_stream(rt: &tokio::runtime::Runtime) {
    let decoded: Vec<ChatCompletionChunk> = rt.block_on(
        sse_stream()
            .map(|chunk| chunk.expect("every event decodes"))
            .collect(),
    );
    assert_eq!(decoded, *CHUNKS, "the events decode to the typed chunks");
    let span = |sse: bool| {
        let exporter = opentelemetry_sdk::trace::InMemorySpanExporter::default();
        let provider = opentelemetry_sdk::trace::SdkTracerProvider::builder()
            .with_simple_exporter(exporter.clone())
            .build();
        global::set_tracer_provider(provider.clone());
        rt.block_on(async {
            if sse {
                consume(instrumented_sse_stream().await.expect("a stream")).await;
            } else {
                consume(instrumented_stream().await.expect("a stream")).await;
            }
        });
        let spans = exporter.get_finished_spans().expect("in-memory exporter");
        provider.shutdown().expect("tracer provider shutdown");
        assert_eq!(spans.len(), 1, "one span per stream");
        let mut attributes: std::collections::BTreeMap<String, Value> = spans[0]
            .attributes
            .iter()
            .map(|kv| (kv.key.to_string(), kv.value.clone()))
            .collect();
        // Timing, and each function's own name.
        let ttfc = attributes.remove("gen_ai.response.time_to_first_chunk");
        assert!(ttfc.is_some(), "time to first chunk: {attributes:#?}");
        assert!(attributes.remove("code.function.name").is_some());
        (spans[0].name.to_string(), attributes)
    };
    let typed = span(false);
    assert_eq!(typed.0, "chat bench-model");
    assert_eq!(
        typed.1["gen_ai.usage.output_tokens"],
        Value::I64(198),
        "{typed:#?}"
    );
    assert_eq!(span(true), typed, "the decoded stream's span");
    eprintln!(
        "checked: the decoded stream yields the typed chunks; both streams record {:?} with the \
         same {} attributes",
        typed.0,
        typed.1.len() + 2
    );
}

async fn consume<S: Stream<Item = Result<ChatCompletionChunk, common::ApiError>>>(stream: S) {
    let mut stream = std::pin::pin!(stream);
    while let Some(chunk) = stream.next().await {
        std::hint::black_box(chunk.ok());
    }
}

fn load(counter: &AtomicU64) -> u64 {
    counter.load(std::sync::atomic::Ordering::Relaxed)
}
