//! A batch whose export failed for a transient reason is kept by the export
//! thread and tried again until the collector takes it (issue 15, finding
//! 2); one the collector refuses as invalid fails at once.
//!
//! The collector is the real OTLP receiver of `llm_trace_testkit::receiver`:
//! torn down and rebuilt on the same port, or answering `503` / `429` with
//! a `Retry-After`, or `400`. Each test first makes the export fail with a
//! `force_flush` (which returns once the exporter gave up, its own retries
//! included), so the failure is certain to have happened before the
//! collector is back: no timing decides what the test sees. Every wait is
//! bounded (a failure guard, not a measurement).

use std::time::{Duration, Instant};

use llm_trace::export::{Protocol, SpanCounts};
use llm_trace::Telemetry;
use llm_trace_testkit::receiver::{ExportStatus, Receiver};
use opentelemetry::trace::{Tracer, TracerProvider as _};

/// Upper bound of every wait for spans to arrive.
const WAIT: Duration = Duration::from_secs(30);

/// Telemetry for `receiver` over `protocol`, traces only, not installed
/// globally (the tests of this binary run in parallel). The schedule delay
/// is an hour: every export here is a flush or a retry.
fn init(protocol: Protocol, receiver: &Receiver) -> Telemetry {
    let endpoint = match protocol {
        Protocol::Grpc => receiver.grpc_endpoint(),
        _ => receiver.http_endpoint(),
    };
    llm_trace::builder()
        .env_vars([("OTEL_SERVICE_NAME", "retries")])
        .endpoint(endpoint)
        .protocol(protocol)
        .scheduled_delay(Duration::from_secs(3600))
        .shutdown_timeout(Duration::from_secs(20))
        .metrics(false)
        .logs(false)
        .without_global_install()
        .init()
        .expect("init")
}

/// Ends spans named `{phase}-{n}` for `n` in `0..count`.
fn end_spans(telemetry: &Telemetry, phase: &str, count: usize) {
    let tracer = telemetry
        .tracer_provider()
        .expect("traces on")
        .tracer("retries");
    for n in 0..count {
        drop(tracer.start(format!("{phase}-{n}")));
    }
}

/// `force_flush` on a blocking thread (it waits for the exporter).
async fn flush(telemetry: &Telemetry) -> bool {
    let provider = telemetry.tracer_provider().expect("traces on").clone();
    tokio::task::spawn_blocking(move || provider.force_flush().is_ok())
        .await
        .expect("flush thread")
}

/// Flushes (so the export under way is counted), reads the counts, shuts
/// down; on a blocking thread.
async fn shut_down(telemetry: Telemetry) -> (bool, SpanCounts) {
    tokio::task::spawn_blocking(move || {
        let flushed = telemetry.force_flush();
        let counts = telemetry.span_counts();
        let result = flushed.and(telemetry.shutdown());
        if let Err(error) = &result {
            eprintln!("flush or shutdown: {error}");
        }
        (result.is_ok(), counts)
    })
    .await
    .expect("shutdown thread")
}

/// (exported, failed, dropped, queued).
fn fates(counts: SpanCounts) -> (u64, u64, u64, u64) {
    (
        counts.exported,
        counts.failed,
        counts.dropped,
        counts.queued,
    )
}

/// The sorted names of the spans of `phase` the receiver recorded.
fn arrived(receiver: &Receiver, phase: &str) -> Vec<String> {
    let prefix = format!("{phase}-");
    let mut names: Vec<String> = receiver
        .spans()
        .iter()
        .map(|s| s.name().to_owned())
        .filter(|name| name.starts_with(&prefix))
        .collect();
    names.sort();
    names
}

fn names(phase: &str, count: usize) -> Vec<String> {
    let mut names: Vec<String> = (0..count).map(|n| format!("{phase}-{n}")).collect();
    names.sort();
    names
}

async fn wait_for_all(receiver: &Receiver, phase: &str, count: usize) {
    let all = receiver
        .wait_for(|r| arrived(r, phase).len() >= count, WAIT)
        .await;
    assert!(
        all,
        "{} of {count} `{phase}` spans arrived within {WAIT:?}",
        arrived(receiver, phase).len()
    );
    assert_eq!(arrived(receiver, phase), names(phase, count));
}

/// The receiver is torn down; spans end while it is down, and an export of
/// them fails (connection refused); the receiver is rebuilt on the same
/// port; every span arrives, once, and none counts as failed.
async fn collector_rebuilt_on_the_same_port(protocol: Protocol) {
    let mut receiver = Receiver::start().await.expect("receiver");
    let telemetry = init(protocol, &receiver);
    end_spans(&telemetry, "before", 10);
    assert!(flush(&telemetry).await, "the receiver is up");
    wait_for_all(&receiver, "before", 10).await;

    receiver.shutdown().await;
    end_spans(&telemetry, "down", 100);
    assert!(
        !flush(&telemetry).await,
        "nothing listens: the export fails"
    );
    let counts = telemetry.span_counts();
    assert_eq!(
        (counts.failed, counts.queued),
        (0, 100),
        "the failed batch is kept, not counted failed: {counts:?}"
    );

    receiver.restart().await.expect("rebuilt on the same port");
    wait_for_all(&receiver, "down", 100).await;
    let (shut, counts) = shut_down(telemetry).await;
    assert!(shut);
    assert_eq!(fates(counts), (110, 0, 0, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grpc_spans_ended_while_the_collector_is_down_arrive_when_it_is_rebuilt_on_the_same_port() {
    collector_rebuilt_on_the_same_port(Protocol::Grpc).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_spans_ended_while_the_collector_is_down_arrive_when_it_is_rebuilt_on_the_same_port() {
    collector_rebuilt_on_the_same_port(Protocol::HttpBinary).await;
}

/// The receiver answers `status` with `Retry-After: 2`: the exporter's own
/// retries give up, the batch is kept, and it is tried again no sooner than
/// the collector asked; once the receiver accepts, every span arrives.
async fn throttled_with_retry_after(status: ExportStatus) {
    let receiver = Receiver::start().await.expect("receiver");
    receiver.set_status(status);
    receiver.set_retry_after(Some(Duration::from_secs(2)));
    let telemetry = init(Protocol::HttpBinary, &receiver);
    end_spans(&telemetry, "throttled", 20);
    assert!(!flush(&telemetry).await, "{status:?}: the export fails");
    let failed_at = Instant::now();
    let attempts = receiver.requests_received();
    let counts = telemetry.span_counts();
    assert_eq!(
        (counts.failed, counts.queued),
        (0, 20),
        "{status:?} is transient: the batch is kept ({counts:?})"
    );

    receiver.set_status(ExportStatus::Ok);
    wait_for_all(&receiver, "throttled", 20).await;
    // The retry is timed from the failure, a moment before the flush
    // returned; without the Retry-After the first retry comes within
    // 250 ms.
    assert!(
        failed_at.elapsed() >= Duration::from_millis(1900),
        "retried after {:?}, before the collector's Retry-After",
        failed_at.elapsed()
    );
    assert_eq!(
        receiver.requests_received(),
        attempts + 1,
        "one more attempt, taken"
    );
    let (shut, counts) = shut_down(telemetry).await;
    assert!(shut);
    assert_eq!(fates(counts), (20, 0, 0, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_503_with_retry_after_is_retried_after_it() {
    throttled_with_retry_after(ExportStatus::Unavailable).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_429_with_retry_after_is_retried_after_it() {
    throttled_with_retry_after(ExportStatus::ResourceExhausted).await;
}

/// The receiver refuses the data as invalid: the batch fails at once and
/// is never sent again, even once the receiver would take it.
async fn invalid_is_failed_not_retried(protocol: Protocol) {
    let receiver = Receiver::start().await.expect("receiver");
    receiver.set_status(ExportStatus::InvalidArgument);
    let telemetry = init(protocol, &receiver);
    end_spans(&telemetry, "invalid", 20);
    assert!(!flush(&telemetry).await, "the export fails");
    assert_eq!(
        receiver.requests_received(),
        1,
        "not retried by the exporter"
    );
    assert_eq!(fates(telemetry.span_counts()), (0, 20, 0, 0));
    receiver.set_status(ExportStatus::Ok);
    assert!(flush(&telemetry).await, "nothing is left to export");
    let (shut, counts) = shut_down(telemetry).await;
    assert!(shut);
    assert_eq!(receiver.requests_received(), 1, "not retried by the queue");
    assert!(arrived(&receiver, "invalid").is_empty());
    assert_eq!(fates(counts), (0, 20, 0, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_400_fails_the_batch_and_it_is_not_retried() {
    invalid_is_failed_not_retried(Protocol::HttpBinary).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grpc_invalid_argument_fails_the_batch_and_it_is_not_retried() {
    invalid_is_failed_not_retried(Protocol::Grpc).await;
}
