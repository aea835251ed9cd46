//! The outage harness of issue 15: producers call an instrumented function
//! at a steady rate while the real OTLP receiver of
//! `llm_trace_testkit::receiver` is torn down mid-run and rebuilt on the same
//! port, over gRPC and over HTTP. It reports what arrived (by span id:
//! every call's span, at least once), the duplicates (only a batch the
//! receiver took but did not answer is sent again), what was dropped or
//! failed, the process's resident memory, and the callers' latency in and
//! out of the outage.
//!
//! - The short mode runs in CI (`cargo test --test outage_harness`):
//!   10 producers × 100 calls/s for 3 s, a 1 s outage, the queue sized for
//!   it: no span lost.
//! - The full runs are the README's figures (`cargo test --release --test
//!   outage_harness -- --ignored --nocapture --test-threads 1`): 10 producers × 100
//!   calls/s for 60 s with a 10 s outage, once with the queue sized to hold
//!   the outage (`OTEL_BSP_MAX_QUEUE_SIZE` 16384 ≥ 1000 calls/s × 10 s) and
//!   once with the default queue (2048), which drops, and counts it.
//!
//! The run's timeline (when the receiver goes down and comes back) is
//! wall-clock, as an outage is; what the assertions check does not depend
//! on it: a queue that holds every call of the run cannot drop, and the
//! harness waits (bounded) until every span is exported before it counts.

use std::collections::HashSet;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use llm_trace::export::{Protocol, SpanCounts, DEFAULT_MAX_QUEUE_SIZE};
use llm_trace::llm_call;
use llm_trace::Telemetry;
use llm_trace_testkit::receiver::Receiver;
use opentelemetry::trace::TraceContextExt;
use serde_json::{json, Value};

#[derive(Debug)]
struct ApiError;

/// Returns its own span's id, so the harness knows every call's span.
#[llm_call(provider = "openai", model = "gpt-4o-mini")]
async fn call() -> Result<Value, ApiError> {
    let cx = opentelemetry::Context::current();
    let id = cx.span().span_context().span_id().to_bytes();
    Ok(json!({
        "id": u64::from_be_bytes(id),
        "model": "gpt-4o-mini-2024-07-18",
        "choices": [{"index": 0, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 2}
    }))
}

/// One run's shape.
#[derive(Debug, Clone, Copy)]
struct Plan {
    producers: usize,
    /// Calls per second of each producer.
    rate: u32,
    length: Duration,
    /// When the receiver goes down, from the start.
    outage_at: Duration,
    outage: Duration,
    max_queue_size: usize,
}

/// One call as its producer saw it.
struct Made {
    span_id: u64,
    started: Instant,
    latency: Duration,
}

/// What a run measured.
#[derive(Debug)]
struct Report {
    calls: u64,
    counts: SpanCounts,
    /// Distinct span ids the receiver accepted, all of them calls' spans.
    delivered: u64,
    /// Spans the receiver accepted more than once (counted per repeat).
    duplicates: u64,
    /// Calls whose span never arrived.
    missing: u64,
    rss_before: u64,
    rss_peak: u64,
    /// (p50, p99, max) of calls made while the receiver was up.
    latency_up: (Duration, Duration, Duration),
    /// The same while it was down.
    latency_down: (Duration, Duration, Duration),
    /// From the receiver's return until every span ended before it was
    /// exported (or dropped).
    backlog_cleared: Duration,
}

/// Resident memory of this process, in KiB (Linux; 0 elsewhere).
fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kib| kib.parse().ok())
        })
        .unwrap_or(0)
}

/// Samples the resident memory until `until`.
async fn sample_until(until: Instant, peak: &mut u64) {
    while Instant::now() < until {
        *peak = (*peak).max(rss_kib());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn percentiles(mut latencies: Vec<Duration>) -> (Duration, Duration, Duration) {
    if latencies.is_empty() {
        return Default::default();
    }
    latencies.sort_unstable();
    let at = |q: f64| latencies[((latencies.len() - 1) as f64 * q).round() as usize];
    (at(0.5), at(0.99), latencies[latencies.len() - 1])
}

fn init(protocol: Protocol, receiver: &Receiver, max_queue_size: usize) -> Telemetry {
    let endpoint = match protocol {
        Protocol::Grpc => receiver.grpc_endpoint(),
        _ => receiver.http_endpoint(),
    };
    // The specification's defaults otherwise: batches of 512, exported
    // every 5 s or as soon as a batch is waiting, 10 s per export.
    llm_trace::builder()
        .env_vars([("OTEL_SERVICE_NAME", "outage-harness")])
        .endpoint(endpoint)
        .protocol(protocol)
        .max_queue_size(max_queue_size)
        .metrics(false)
        .logs(false)
        .init()
        .expect("init")
}

async fn run(protocol: Protocol, plan: Plan) -> Report {
    let mut receiver = Receiver::start().await.expect("receiver");
    receiver.set_count_only(true);
    let telemetry = init(protocol, &receiver, plan.max_queue_size);
    // The first priced call loads genai-prices' data: before the clock.
    call().await.expect("a first call");
    let rss_before = rss_kib();

    let start = Arc::new(Barrier::new(plan.producers + 1));
    let producers: Vec<_> = (0..plan.producers)
        .map(|p| {
            let start = start.clone();
            std::thread::spawn(move || {
                start.wait();
                let began = Instant::now();
                let every = Duration::from_secs(1) / plan.rate;
                // Spread the producers over one period.
                let offset = every * p as u32 / plan.producers as u32;
                let mut made = Vec::new();
                for i in 0.. {
                    let due = began + offset + every * i;
                    if due >= began + plan.length {
                        break;
                    }
                    if let Some(wait) = due.checked_duration_since(Instant::now()) {
                        std::thread::sleep(wait);
                    }
                    let started = Instant::now();
                    let response = futures::executor::block_on(call()).expect("its own result");
                    made.push(Made {
                        span_id: response["id"].as_u64().expect("a span id"),
                        started,
                        latency: started.elapsed(),
                    });
                }
                made
            })
        })
        .collect();
    start.wait();
    let began = Instant::now();
    let mut rss_peak = rss_before;
    sample_until(began + plan.outage_at, &mut rss_peak).await;
    receiver.shutdown().await;
    let down = Instant::now();
    sample_until(down + plan.outage, &mut rss_peak).await;
    receiver.restart().await.expect("rebuilt on the same port");
    let up = Instant::now();
    // The backlog: every span ended before the receiver returned.
    let at_up = telemetry.span_counts();
    let backlog = at_up.exported + at_up.failed + at_up.dropped + at_up.queued;
    let mut backlog_cleared = None;
    while Instant::now() < began + plan.length {
        rss_peak = rss_peak.max(rss_kib());
        let counts = telemetry.span_counts();
        if backlog_cleared.is_none() && counts.exported + counts.failed + counts.dropped >= backlog
        {
            backlog_cleared = Some(up.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    let made: Vec<Made> = producers
        .into_iter()
        .flat_map(|p| p.join().expect("producer"))
        .collect();
    let calls = made.len() as u64 + 1;
    // Every span exported, failed or dropped: nothing left queued or held.
    let settled = Instant::now() + Duration::from_secs(120);
    while telemetry.span_counts().queued > 0 && Instant::now() < settled {
        rss_peak = rss_peak.max(rss_kib());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let backlog_cleared = backlog_cleared.unwrap_or_else(|| up.elapsed());
    let counts = tokio::task::spawn_blocking(move || {
        let _ = telemetry.force_flush();
        let counts = telemetry.span_counts();
        let _ = telemetry.shutdown();
        counts
    })
    .await
    .expect("shutdown thread");

    let accepted = receiver.accepted_span_ids();
    let distinct: HashSet<u64> = accepted.iter().map(|id| u64::from_be_bytes(*id)).collect();
    let missing = made
        .iter()
        .filter(|m| !distinct.contains(&m.span_id))
        .count() as u64;
    let (mut latency_up, mut latency_down) = (Vec::new(), Vec::new());
    for m in &made {
        if m.started >= down && m.started < up {
            latency_down.push(m.latency);
        } else {
            latency_up.push(m.latency);
        }
    }
    Report {
        calls,
        counts,
        delivered: distinct.len() as u64,
        duplicates: accepted.len() as u64 - distinct.len() as u64,
        missing,
        rss_before,
        rss_peak,
        latency_up: percentiles(latency_up),
        latency_down: percentiles(latency_down),
        backlog_cleared,
    }
}

fn print(protocol: Protocol, plan: &Plan, r: &Report) {
    println!(
        "{protocol:?}: {} producers x {}/s for {:?}, {:?} outage, queue {}: {} calls, \
         {} delivered ({} missing, {} duplicates), exported {} failed {} dropped {} \
         queued {}; RSS {} -> peak {} KiB; latency up p50 {:?} p99 {:?} max {:?}, \
         down p50 {:?} p99 {:?} max {:?}; the outage's backlog exported {:.1?} after the receiver returned",
        plan.producers,
        plan.rate,
        plan.length,
        plan.outage,
        plan.max_queue_size,
        r.calls,
        r.delivered,
        r.missing,
        r.duplicates,
        r.counts.exported,
        r.counts.failed,
        r.counts.dropped,
        r.counts.queued,
        r.rss_before,
        r.rss_peak,
        r.latency_up.0,
        r.latency_up.1,
        r.latency_up.2,
        r.latency_down.0,
        r.latency_down.1,
        r.latency_down.2,
        r.backlog_cleared,
    );
}

/// What holds whatever the queue size: every span counted once, the
/// receiver holds the exported ones (and repeats of at most one batch: the
/// one it took when it went down), memory bounded.
fn assert_accounted(plan: &Plan, r: &Report) {
    assert_eq!(r.counts.queued, 0, "{r:?}");
    assert_eq!(
        r.counts.exported + r.counts.failed + r.counts.dropped,
        r.calls,
        "every call exported, failed or dropped: {r:?}"
    );
    assert_eq!(r.delivered + r.missing, r.calls, "only calls' spans: {r:?}");
    assert!(
        r.delivered >= r.counts.exported,
        "the exported spans arrived: {r:?}"
    );
    assert!(
        r.duplicates <= 512,
        "repeats only of the batch the receiver took as it went down: {r:?}"
    );
    // A span is a few KiB at most: the queue and a batch, with room for
    // the allocator's slack.
    let bound_kib = 64 * 1024 + (plan.max_queue_size as u64 + 512) * 8;
    assert!(
        r.rss_peak.saturating_sub(r.rss_before) < bound_kib,
        "RSS grew {} KiB (bound {bound_kib}): {r:?}",
        r.rss_peak - r.rss_before
    );
}

/// The queue holds the outage: nothing is lost.
fn assert_nothing_lost(r: &Report) {
    assert_eq!(
        (r.counts.dropped, r.counts.failed, r.missing),
        (0, 0, 0),
        "{r:?}"
    );
    assert_eq!(r.delivered, r.calls, "{r:?}");
}

/// The CI mode: 3 s at 1000 calls/s with a 1 s outage; the default queue
/// (2048) holds the outage's 1000 calls and the backoff's.
fn short_plan() -> Plan {
    Plan {
        producers: 10,
        rate: 100,
        length: Duration::from_secs(3),
        outage_at: Duration::from_secs(1),
        outage: Duration::from_secs(1),
        max_queue_size: DEFAULT_MAX_QUEUE_SIZE,
    }
}

/// The tests of this binary install global providers: they take turns.
static TURN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

async fn short(protocol: Protocol) {
    let _turn = TURN.lock().await;
    let plan = short_plan();
    let report = run(protocol, plan).await;
    print(protocol, &plan, &report);
    assert_accounted(&plan, &report);
    assert_nothing_lost(&report);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grpc_a_one_second_outage_loses_no_span() {
    short(Protocol::Grpc).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_a_one_second_outage_loses_no_span() {
    short(Protocol::HttpBinary).await;
}

/// The README's run: 60 s at 1000 calls/s, a 10 s outage from 20 s.
fn full_plan(max_queue_size: usize) -> Plan {
    Plan {
        producers: 10,
        rate: 100,
        length: Duration::from_secs(60),
        outage_at: Duration::from_secs(20),
        outage: Duration::from_secs(10),
        max_queue_size,
    }
}

async fn full(protocol: Protocol) {
    let _turn = TURN.lock().await;
    // Sized: 1000 calls/s × 10 s = 10 000 spans, plus the backoff's.
    let plan = full_plan(16384);
    let report = run(protocol, plan).await;
    print(protocol, &plan, &report);
    assert_accounted(&plan, &report);
    assert_nothing_lost(&report);

    // The default queue holds 2 s of this load: the outage's oldest spans
    // make room, and are counted.
    let plan = full_plan(DEFAULT_MAX_QUEUE_SIZE);
    let report = run(protocol, plan).await;
    print(protocol, &plan, &report);
    assert_accounted(&plan, &report);
    assert!(report.counts.dropped > 0, "{report:?}");
    assert_eq!(report.missing, report.counts.dropped + report.counts.failed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "the README's 60 s figures; run by hand"]
async fn grpc_full_outage_run() {
    full(Protocol::Grpc).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "the README's 60 s figures; run by hand"]
async fn http_full_outage_run() {
    full(Protocol::HttpBinary).await;
}
