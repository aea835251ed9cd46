//! Export throughput: `#[llm_call]` spans per second, end to end, through
//! the batch span processor of `llm_trace::init` (default settings: queue
//! 2048, batches of 512) into the local OTLP receiver (`testkit/src/receiver.rs`,
//! HTTP/protobuf and gRPC on loopback) and into the embedded JSON-lines
//! default, from one thread and from two.
//!
//! One timed iteration is one call. The producers (one or two threads, each
//! looping over `with_llm_call` on its own) make [`CHUNK`] calls between
//! them, then the provider is flushed: the time runs until every span of the
//! chunk has been exported, so criterion's elements per second are spans
//! delivered per second. Chunks stay below the queue's capacity, so a span
//! is dropped only if export falls a whole queue behind; after each target
//! the receiver's count of spans is checked against the calls made and any
//! shortfall printed. The callers never wait on export: they only hand
//! spans to the queue (a full queue drops them, see the README's export
//! section); the flush after each chunk is the benchmark's, not theirs.
//!
//! `cargo bench --bench export -- --warm-up-time 1 --measurement-time 3`
//! (the spans-per-second figures are criterion's `thrpt` lines, summarized
//! at the end).

mod common;

use std::hint::black_box;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use common::{with_llm_call, REQUEST};
use criterion::{Criterion, Throughput};
use llm_trace::export::Protocol;
use llm_trace::Telemetry;
use llm_trace_testkit::receiver::Receiver;

/// Calls between two flushes, across the producer threads: half the batch
/// processor's default queue.
const CHUNK: u64 = 1024;

/// Where the spans go.
#[derive(Clone, Copy)]
enum Target {
    Http,
    Grpc,
    Jsonl,
}

impl Target {
    fn name(self) -> &'static str {
        match self {
            Target::Http => "receiver_http",
            Target::Grpc => "receiver_grpc",
            Target::Jsonl => "jsonl",
        }
    }
}

/// `llm_trace::init` for `target`, with metrics off (they are aggregated in
/// memory and exported once a minute: not what this measures).
fn init(target: Target, receiver: &Receiver, dir: &std::path::Path) -> Telemetry {
    let builder = llm_trace::builder()
        .env_vars(Vec::<(String, String)>::new())
        .service_name("llm-trace-bench")
        .metrics(false);
    let builder = match target {
        Target::Http => builder
            .endpoint(receiver.http_endpoint())
            .protocol(Protocol::HttpBinary),
        Target::Grpc => builder
            .endpoint(receiver.grpc_endpoint())
            .protocol(Protocol::Grpc),
        // Rotation would delete spans before they are counted.
        Target::Jsonl => builder
            .file(dir.join("llm-trace.jsonl"))
            .file_max_bytes(1 << 30),
    };
    builder.init().expect("llm_trace::init")
}

/// Makes `calls` instrumented calls on this thread.
fn produce(calls: u64) {
    futures::executor::block_on(async {
        for _ in 0..calls {
            let _ = black_box(with_llm_call(black_box(7), &REQUEST).await);
        }
    });
}

fn main() {
    // The receiver's servers run here, on one thread of their own.
    let servers = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a runtime for the receiver");
    let receiver = servers.block_on(Receiver::start()).expect("receiver");
    receiver.set_count_only(true);
    let dir = std::env::temp_dir().join(format!("llm-trace-bench-export-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary directory");

    let mut criterion = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    let mut group = criterion.benchmark_group("export");
    group.throughput(Throughput::Elements(1));
    let mut summary = Vec::new();
    for target in [Target::Http, Target::Grpc, Target::Jsonl] {
        for threads in [1_u64, 2] {
            let telemetry = init(target, &receiver, &dir);
            let calls = AtomicU64::new(0);
            let name = format!(
                "{}/{threads}_thread{}",
                target.name(),
                if threads == 1 { "" } else { "s" }
            );
            group.bench_function(&name, |b| {
                b.iter_custom(|iters| {
                    calls.fetch_add(iters, Ordering::Relaxed);
                    let mut elapsed = Duration::ZERO;
                    let mut left = iters;
                    while left > 0 {
                        let chunk = left.min(CHUNK);
                        left -= chunk;
                        let start = Instant::now();
                        std::thread::scope(|s| {
                            for t in 0..threads {
                                let share = chunk / threads + u64::from(t < chunk % threads);
                                s.spawn(move || produce(share));
                            }
                        });
                        telemetry.force_flush().expect("flush");
                        elapsed += start.elapsed();
                    }
                    elapsed
                });
            });
            telemetry.shutdown().expect("shutdown");
            let calls = calls.load(Ordering::Relaxed);
            let delivered = match target {
                Target::Jsonl => spans_in_files(&dir),
                Target::Http | Target::Grpc => receiver.accepted_spans(),
            };
            receiver.clear();
            let _ = std::fs::remove_dir_all(&dir);
            let _ = std::fs::create_dir_all(&dir);
            if calls == 0 {
                // Filtered out of this run.
            } else if delivered < calls {
                eprintln!(
                    "WARNING {name}: {} of {calls} spans did not arrive",
                    calls - delivered
                );
            } else {
                eprintln!("{name}: all {calls} spans arrived");
            }
            summary.push(name);
        }
    }
    group.finish();
    criterion.final_summary();
    let _ = std::fs::remove_dir_all(&dir);
    drop(receiver);
    eprintln!("\nspans per second, end to end (this run):");
    for name in summary {
        match common::estimate_ns("export", &name) {
            Some(ns) => eprintln!("  {name:<28} {:>9.0}", 1e9 / ns),
            None => eprintln!("  {name:<28} (not measured in this run)"),
        }
    }
}

/// Spans in the JSON-lines files of `dir` (rotated ones included): one
/// `"spanId"` per span.
fn spans_in_files(dir: &std::path::Path) -> u64 {
    let mut spans = 0;
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path: PathBuf = entry.path();
        if let Ok(text) = std::fs::read_to_string(&path) {
            spans += text.matches("\"spanId\"").count() as u64;
        }
    }
    spans
}
