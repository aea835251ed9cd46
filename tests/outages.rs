//! Collector outages, measured: a steady stream of instrumented calls runs
//! while the real OTLP receiver of `llm_trace_testkit::receiver` is
//!
//! 1. absent when telemetry starts, and appears later;
//! 2. killed mid-run (and stays dead);
//! 3. answering every export only after 1.5 s;
//! 4. restarted on the same port mid-run (a redeploy);
//!
//! and, for each, compares the callers' latency percentiles with a healthy
//! run in this same process, checks that the span queue never holds more
//! than its bound (`OTEL_BSP_MAX_QUEUE_SIZE` waiting, plus the batch being
//! exported or kept for another attempt), that every span ended while the
//! receiver was up arrived exactly once (span ids and call numbers counted
//! at the receiver; a full queue drops its oldest spans, so the spans ended
//! while the kept batch waits for its next attempt are kept), and that
//! every span is accounted for:
//! `Telemetry::span_counts()` says how many were exported, failed, dropped
//! or are still queued, and the receiver holds the exported ones (and,
//! when it died between taking a batch and answering, that batch, kept for
//! another attempt). `tests/outage_harness.rs` is the outage run of the
//! README's figures: a queue sized for the outage loses nothing.
//!
//! The numbers are printed (`cargo test --test outages -- --nocapture`).
//! Latency bounds are loose on purpose: the suite runs on a shared 2-core
//! machine beside other test binaries. What they catch is a caller that
//! waits for the exporter — that would cost milliseconds to seconds here,
//! not microseconds.

use std::collections::{BTreeMap, BTreeSet};
use std::net::TcpListener;
use std::ops::Range;
use std::time::{Duration, Instant};

use llm_trace::export::{Protocol, SpanCounts};
use llm_trace::llm_call;
use llm_trace::Telemetry;
use llm_trace_testkit::receiver::{AttrValue, Receiver};
use serde_json::{json, Value};

/// The configured queue bound, set through its variable: half a second of
/// calls, less than these outages last (so they drop), more than end while
/// a kept batch waits for its next attempt after the receiver returns.
const QUEUE: u64 = 1024;
/// The configured export batch size: the most spans in flight besides the
/// queue's.
const BATCH: u64 = 256;
/// Calls per millisecond tick: about 2 000 calls a second, enough to fill
/// the queue within a fraction of a second once export stalls.
const BURST: u64 = 2;
/// Upper bound of every wait for spans to arrive.
const WAIT: Duration = Duration::from_secs(10);
/// No call may take this long: a call that waited for an export (a retry
/// backoff, an export timeout, the 1.5 s answer of the slow receiver)
/// would. The margin absorbs scheduler stalls on a loaded machine.
const CALL_BOUND: Duration = Duration::from_millis(250);

#[derive(Debug)]
struct ApiError;

#[llm_call(provider = "openai", model = "gpt-4o-mini", fields(scenario = scenario, n = n))]
async fn call(scenario: &'static str, n: u64) -> Result<Value, ApiError> {
    Ok(json!({
        "id": "chatcmpl-1",
        "model": "gpt-4o-mini-2024-07-18",
        "choices": [{"index": 0, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 2}
    }))
}

/// The calls of one scenario: their latencies, and the highest queue
/// occupancy seen between bursts.
struct Stream {
    scenario: &'static str,
    next: u64,
    latencies: Vec<Duration>,
    max_queued: u64,
}

impl Stream {
    fn new(scenario: &'static str) -> Stream {
        Stream {
            scenario,
            next: 0,
            latencies: Vec::new(),
            max_queued: 0,
        }
    }

    /// Calls at a steady pace for `length`; returns the numbers `n` made.
    async fn run(&mut self, telemetry: &Telemetry, length: Duration) -> Range<u64> {
        self.run_until(telemetry, length, |_| false).await
    }

    /// Calls at a steady pace until `done` holds of the span counts (or
    /// `length` passed); returns the numbers `n` made.
    async fn run_until(
        &mut self,
        telemetry: &Telemetry,
        length: Duration,
        done: impl Fn(&SpanCounts) -> bool,
    ) -> Range<u64> {
        let first = self.next;
        let until = Instant::now() + length;
        let mut tick = tokio::time::interval(Duration::from_millis(1));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        while Instant::now() < until && !done(&telemetry.span_counts()) {
            tick.tick().await;
            for _ in 0..BURST {
                let n = self.next;
                let started = Instant::now();
                let response = call(self.scenario, n).await;
                self.latencies.push(started.elapsed());
                assert!(response.is_ok(), "the call's result is its own");
                self.next += 1;
            }
            self.max_queued = self.max_queued.max(telemetry.span_counts().queued);
        }
        first..self.next
    }

    fn calls(&self) -> u64 {
        self.next
    }
}

/// p50, p99 and max of a scenario's call latencies.
#[derive(Debug, Clone, Copy)]
struct Latency {
    p50: Duration,
    p99: Duration,
    max: Duration,
}

impl Latency {
    fn of(latencies: &[Duration]) -> Latency {
        let mut sorted = latencies.to_vec();
        sorted.sort_unstable();
        let at = |q: f64| sorted[((sorted.len() - 1) as f64 * q).round() as usize];
        Latency {
            p50: at(0.50),
            p99: at(0.99),
            max: sorted[sorted.len() - 1],
        }
    }
}

/// A loopback port nothing listens on.
fn unused_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral port");
    listener.local_addr().expect("its address").port()
}

fn port_of(protocol: Protocol, receiver: &Receiver) -> u16 {
    match protocol {
        Protocol::Grpc => receiver.grpc_addr().port(),
        _ => receiver.http_addr().port(),
    }
}

async fn start_on(protocol: Protocol, port: u16) -> Receiver {
    match protocol {
        Protocol::Grpc => Receiver::start_on(port, 0).await,
        _ => Receiver::start_on(0, port).await,
    }
    .expect("the receiver starts on the noted port")
}

/// Telemetry for the receiver on `port`: the queue bound from
/// `OTEL_BSP_MAX_QUEUE_SIZE`, exports every 20 ms, one export (retries
/// included) given `export_timeout`, traces only (the metrics exporter's
/// retries against a dead receiver would only lengthen the test).
fn init(protocol: Protocol, port: u16, export_timeout: Duration) -> Telemetry {
    let queue = QUEUE.to_string();
    let batch = BATCH.to_string();
    llm_trace::builder()
        .env_vars([
            ("OTEL_SERVICE_NAME", "outages"),
            ("OTEL_BSP_MAX_QUEUE_SIZE", queue.as_str()),
            ("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", batch.as_str()),
            ("OTEL_BSP_SCHEDULE_DELAY", "20"),
        ])
        .endpoint(format!("http://127.0.0.1:{port}"))
        .protocol(protocol)
        .export_timeout(export_timeout)
        .metrics(false)
        .init()
        .expect("init")
}

/// Exports what is queued (bounded by the shutdown timeout) and returns
/// the final counts; the guard is then shut down.
async fn finish(telemetry: Telemetry) -> SpanCounts {
    tokio::task::spawn_blocking(move || {
        let _ = telemetry.force_flush();
        let counts = telemetry.span_counts();
        let _ = telemetry.shutdown();
        counts
    })
    .await
    .expect("flush thread")
}

/// What the receiver holds of `scenario`, per call number `n`, after
/// checking that no span id arrived twice.
fn delivered(receiver: &Receiver, scenario: &str) -> BTreeMap<u64, usize> {
    let wanted = AttrValue::String(scenario.to_owned());
    let spans: Vec<_> = receiver
        .spans()
        .into_iter()
        .filter(|s| s.attr("scenario").as_ref() == Some(&wanted))
        .collect();
    let ids: BTreeSet<String> = spans.iter().map(|s| s.span_id()).collect();
    assert_eq!(
        ids.len(),
        spans.len(),
        "{scenario}: a span id arrived twice"
    );
    let mut by_n = BTreeMap::new();
    for span in &spans {
        let n = span.attr("n").and_then(|n| n.as_i64()).expect("n") as u64;
        *by_n.entry(n).or_insert(0) += 1;
    }
    by_n
}

/// Asserts every call of `range` arrived, each once.
fn assert_all_once(delivered: &BTreeMap<u64, usize>, range: Range<u64>, what: &str) {
    let missing: Vec<u64> = range
        .clone()
        .filter(|n| !delivered.contains_key(n))
        .collect();
    assert!(
        missing.is_empty(),
        "{what}: {} of {} calls did not arrive (first {:?})",
        missing.len(),
        range.end - range.start,
        &missing[..missing.len().min(10)]
    );
}

/// One scenario's measurements.
struct Outcome {
    scenario: &'static str,
    calls: u64,
    latency: Latency,
    counts: SpanCounts,
    delivered: u64,
    max_queued: u64,
}

impl Outcome {
    fn new(stream: &Stream, counts: SpanCounts, delivered: &BTreeMap<u64, usize>) -> Outcome {
        let outcome = Outcome {
            scenario: stream.scenario,
            calls: stream.calls(),
            latency: Latency::of(&stream.latencies),
            counts,
            delivered: delivered.len() as u64,
            max_queued: stream.max_queued,
        };
        // Every span exactly once, and all of them accounted for.
        assert!(
            delivered.values().all(|&times| times == 1),
            "{}: a call arrived twice",
            outcome.scenario
        );
        // A collector that dies after taking a batch but before answering
        // has it, while the exporter keeps it for another attempt (or,
        // at shutdown, counts it failed): OTLP cannot tell.
        assert!(
            counts.exported <= outcome.delivered
                && outcome.delivered <= counts.exported + counts.failed + counts.queued,
            "{}: the receiver holds {} spans: the exported ones, and at most the failed \
             or still queued ones besides ({counts:?})",
            outcome.scenario,
            outcome.delivered
        );
        // Counted after a flush: what is still queued is the batch kept for
        // a receiver that stays down, and the spans waiting behind it.
        assert_eq!(
            counts.exported + counts.lost() + counts.queued,
            outcome.calls,
            "{}: every call is exported, failed, dropped or queued ({counts:?})",
            outcome.scenario
        );
        assert!(
            outcome.max_queued <= QUEUE + BATCH,
            "{}: {} spans queued or in flight, over the bound {QUEUE} + {BATCH}",
            outcome.scenario,
            outcome.max_queued
        );
        assert!(
            outcome.latency.max < CALL_BOUND,
            "{}: a call took {:?}",
            outcome.scenario,
            outcome.latency.max
        );
        outcome
    }

    fn print(&self) {
        println!(
            "{:<22} {:>6} calls  p50 {:>7.1?}  p99 {:>8.1?}  max {:>8.1?}  \
             exported {:>6}  failed {:>5}  dropped {:>5}  max queued {:>4}",
            self.scenario,
            self.calls,
            self.latency.p50,
            self.latency.p99,
            self.latency.max,
            self.counts.exported,
            self.counts.failed,
            self.counts.dropped,
            self.max_queued,
        );
    }
}

async fn healthy(protocol: Protocol, scenario: &'static str) -> Outcome {
    let receiver = Receiver::start().await.expect("receiver");
    let telemetry = init(
        protocol,
        port_of(protocol, &receiver),
        Duration::from_secs(1),
    );
    let mut stream = Stream::new(scenario);
    let all = stream.run(&telemetry, Duration::from_secs(1)).await;
    let counts = finish(telemetry).await;
    assert_eq!(counts.queued, 0, "{scenario}: flushed");
    let delivered = delivered(&receiver, scenario);
    assert_all_once(&delivered, all, scenario);
    assert_eq!(counts.lost(), 0, "{scenario}: {counts:?}");
    Outcome::new(&stream, counts, &delivered)
}

/// Streams until export resumed after an outage: more than `since` spans
/// exported. The calls meanwhile are the ones the queue must keep: it
/// holds the newest spans, so they wait while the exporter's retry backoff
/// runs out and arrive once it reaches the collector again.
async fn reconnect(stream: &mut Stream, telemetry: &Telemetry, since: u64) -> Range<u64> {
    let resumed = |counts: &SpanCounts| counts.exported > since;
    let started = Instant::now();
    let calls = stream.run_until(telemetry, WAIT, resumed).await;
    assert!(
        resumed(&telemetry.span_counts()),
        "{}: export did not resume within {WAIT:?}",
        stream.scenario
    );
    println!(
        "{}: export resumed {:.0?} after the receiver did, {} calls meanwhile",
        stream.scenario,
        started.elapsed(),
        calls.end - calls.start
    );
    calls
}

/// (1) Nothing listens when telemetry starts; the receiver appears after
/// 700 ms. Every call made from then on arrives, including those made
/// before the exporter noticed.
async fn absent_at_start(protocol: Protocol) -> Outcome {
    let scenario = "absent at start";
    let port = unused_port();
    let telemetry = init(protocol, port, Duration::from_millis(500));
    let mut stream = Stream::new(scenario);
    stream.run(&telemetry, Duration::from_millis(700)).await;
    let receiver = start_on(protocol, port).await;
    let reconnecting = reconnect(&mut stream, &telemetry, 0).await;
    let present = stream.run(&telemetry, Duration::from_millis(700)).await;
    let counts = finish(telemetry).await;
    assert_eq!(counts.queued, 0, "{scenario}: flushed");
    let delivered = delivered(&receiver, scenario);
    assert_all_once(
        &delivered,
        reconnecting.start..present.end,
        "calls while the receiver was up",
    );
    // What the queue could not hold of the first 700 ms made room (the
    // oldest); nothing failed.
    assert_eq!(counts.failed, 0, "{counts:?}");
    Outcome::new(&stream, counts, &delivered)
}

/// (2) The receiver crashes mid-run and stays down. What it acknowledged is
/// every call up to some point, without gaps: only what was queued or in
/// flight at the crash (at most the queue bound and a batch) is lost among
/// the calls made while it was up.
async fn killed_mid_run(protocol: Protocol) -> Outcome {
    let scenario = "killed mid-run";
    let mut receiver = Receiver::start().await.expect("receiver");
    let telemetry = init(
        protocol,
        port_of(protocol, &receiver),
        Duration::from_millis(500),
    );
    let mut stream = Stream::new(scenario);
    let up = stream.run(&telemetry, Duration::from_millis(700)).await;
    receiver.shutdown().await;
    let down = stream.run(&telemetry, Duration::from_secs(1)).await;
    let counts = finish(telemetry).await;
    assert!(
        counts.queued > 0,
        "kept for the receiver's return: {counts:?}"
    );
    let delivered = delivered(&receiver, scenario);
    let acknowledged = delivered.len() as u64;
    assert_all_once(&delivered, up.start..acknowledged, "a prefix of the calls");
    assert!(
        up.end - acknowledged <= QUEUE + BATCH,
        "{} calls made while the receiver was up were lost: more than was queued",
        up.end - acknowledged
    );
    assert!(
        !delivered.keys().any(|n| down.contains(n)),
        "nothing arrives at a dead receiver"
    );
    Outcome::new(&stream, counts, &delivered)
}

/// (3) The receiver answers every export after 1.5 s (within the 3 s export
/// timeout), then recovers. Exports stall, so the queue fills and new spans
/// are dropped; none fails, nothing arrives twice, and every call made after
/// the recovery arrives.
async fn slow(protocol: Protocol) -> Outcome {
    let scenario = "answering after 1.5 s";
    let receiver = Receiver::start().await.expect("receiver");
    receiver.set_delay(Duration::from_millis(1500));
    let telemetry = init(
        protocol,
        port_of(protocol, &receiver),
        Duration::from_secs(3),
    );
    let mut stream = Stream::new(scenario);
    stream.run(&telemetry, Duration::from_millis(1600)).await;
    // Let the export in flight end, so the calls after recovery find room.
    receiver.set_delay(Duration::ZERO);
    let requests = receiver.requests().len();
    assert!(
        receiver
            .wait_for(|r| r.requests().len() > requests, WAIT)
            .await,
        "the slow export ends"
    );
    let recovered = stream.run(&telemetry, Duration::from_millis(700)).await;
    let counts = finish(telemetry).await;
    assert_eq!(counts.queued, 0, "{scenario}: flushed");
    let delivered = delivered(&receiver, scenario);
    assert_all_once(&delivered, recovered, "calls after the recovery");
    assert_eq!(counts.failed, 0, "slow is not failed: {counts:?}");
    assert!(counts.dropped > 0, "the stalled queue dropped: {counts:?}");
    Outcome::new(&stream, counts, &delivered)
}

/// (4) The receiver is restarted on the same port mid-run, as a redeploy
/// does: the export in flight is cut and retried against the new instance.
/// Nothing arrives twice, and every call made once the new instance
/// listens arrives.
async fn restarted(protocol: Protocol) -> Outcome {
    let scenario = "restarted";
    let mut receiver = Receiver::start().await.expect("receiver");
    let telemetry = init(
        protocol,
        port_of(protocol, &receiver),
        Duration::from_secs(1),
    );
    let mut stream = Stream::new(scenario);
    stream.run(&telemetry, Duration::from_millis(700)).await;
    receiver.restart().await.expect("restarts on the same port");
    let exported = telemetry.span_counts().exported;
    let reconnecting = reconnect(&mut stream, &telemetry, exported).await;
    let after = stream.run(&telemetry, Duration::from_millis(700)).await;
    let counts = finish(telemetry).await;
    assert_eq!(counts.queued, 0, "{scenario}: flushed");
    let delivered = delivered(&receiver, scenario);
    assert_all_once(
        &delivered,
        reconnecting.start..after.end,
        "calls after the restart",
    );
    Outcome::new(&stream, counts, &delivered)
}

/// Outage latencies against the slower of the two healthy runs: the median
/// within 25 µs (plus half the healthy median, for a loaded machine), the
/// 99th percentile within 4 times the healthy one plus 1 ms.
fn assert_close_to_healthy(outcome: &Outcome, healthy: Latency) {
    let p50_bound = healthy.p50 + healthy.p50 / 2 + Duration::from_micros(25);
    let p99_bound = healthy.p99 * 4 + Duration::from_millis(1);
    assert!(
        outcome.latency.p50 <= p50_bound,
        "{}: p50 {:?} against healthy {:?} (bound {p50_bound:?})",
        outcome.scenario,
        outcome.latency.p50,
        healthy.p50
    );
    assert!(
        outcome.latency.p99 <= p99_bound,
        "{}: p99 {:?} against healthy {:?} (bound {p99_bound:?})",
        outcome.scenario,
        outcome.latency.p99,
        healthy.p99
    );
}

async fn outages(protocol: Protocol) {
    // The first priced call of a process waits for genai-prices' bundled
    // data, which `init` starts loading on a thread of its own (≈200 ms in
    // a debug build): load it before measuring.
    let usage = llm_trace::provider::Usage {
        input_tokens: Some(10),
        output_tokens: Some(2),
        ..Default::default()
    };
    assert!(llm_trace::cost::cost_usd("openai", "gpt-4o-mini", &usage).is_some());
    let started = Instant::now();
    let before = healthy(protocol, "healthy").await;
    let outcomes = [
        absent_at_start(protocol).await,
        killed_mid_run(protocol).await,
        slow(protocol).await,
        restarted(protocol).await,
    ];
    let after = healthy(protocol, "healthy again").await;
    println!(
        "\n{protocol:?}, queue bound {QUEUE} (OTEL_BSP_MAX_QUEUE_SIZE), {BURST} calls per ms:"
    );
    before.print();
    for outcome in &outcomes {
        outcome.print();
    }
    after.print();
    println!("({:.1?} in all)", started.elapsed());
    let healthy = Latency {
        p50: before.latency.p50.max(after.latency.p50),
        p99: before.latency.p99.max(after.latency.p99),
        max: before.latency.max.max(after.latency.max),
    };
    for outcome in &outcomes {
        assert_close_to_healthy(outcome, healthy);
    }
}

/// The two transports take turns: each run measures latency, which the
/// other would disturb.
static TURN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grpc_outages_cost_callers_nothing_and_every_span_is_delivered_once_or_counted() {
    let _turn = TURN.lock().await;
    outages(Protocol::Grpc).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_outages_cost_callers_nothing_and_every_span_is_delivered_once_or_counted() {
    let _turn = TURN.lock().await;
    outages(Protocol::HttpBinary).await;
}
