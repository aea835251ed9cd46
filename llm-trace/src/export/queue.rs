//! The bounded span queue between instrumented calls and the exporter, and
//! its counts: what was exported, what failed to export, what was dropped.
//!
//! [`QueueProcessor`] is a batch span processor, like the SDK's
//! `BatchSpanProcessor` (same settings, same export thread, same flush and
//! shutdown contract), with two differences that matter when the collector
//! goes away and comes back:
//!
//! - when the queue is full, the **oldest** waiting span makes room for the
//!   new one. The SDK's processor refuses the new span instead, so after an
//!   outage it keeps exporting spans from the outage while the spans ended
//!   since the collector came back are dropped; here the spans ended while
//!   the collector was reachable are the ones kept, as long as the queue
//!   holds those that end before the exporter's retry backoff (at most
//!   half a second with the OTLP recommended policy) lets it notice.
//! - every finished span is counted exactly once, as exported, failed or
//!   dropped ([`SpanCounts`]); the SDK logs only a total of its drops.
//!
//! The queue is a lock-free ring ([`crossbeam_queue::ArrayQueue`]): a
//! finished span costs the caller one push, never a lock or a wait.

use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender, SyncSender, TryRecvError};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle, Thread};
use std::time::{Duration, Instant};

use crossbeam_queue::ArrayQueue;
use opentelemetry::{otel_error, otel_warn, Context};
use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::trace::{Span, SpanData, SpanExporter, SpanProcessor};
use opentelemetry_sdk::Resource;

/// What became of the spans of one [`Telemetry`](super::Telemetry) so far,
/// from [`Telemetry::span_counts`](super::Telemetry::span_counts).
///
/// Every span that ended while the guard was alive is in exactly one of
/// the four counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SpanCounts {
    /// Spans the exporter delivered (the collector accepted them).
    pub exported: u64,
    /// Spans whose export failed after the exporter's retries (collector
    /// unreachable, too slow, or refusing them): lost.
    pub failed: u64,
    /// Spans dropped to make room in a full queue (the oldest waiting span
    /// goes), or ended after shutdown: lost.
    pub dropped: u64,
    /// Spans waiting in the queue (at most `max_queue_size`) or in the
    /// export under way (at most `max_export_batch_size`) right now.
    pub queued: u64,
}

impl SpanCounts {
    /// Spans lost: [`failed`](Self::failed) plus [`dropped`](Self::dropped).
    pub fn lost(&self) -> u64 {
        self.failed + self.dropped
    }
}

/// The settings of a [`QueueProcessor`], as the `OTEL_BSP_*` variables
/// name them.
#[derive(Debug, Clone, Copy)]
pub(crate) struct QueueConfig {
    pub(crate) max_queue_size: usize,
    pub(crate) max_export_batch_size: usize,
    pub(crate) scheduled_delay: Duration,
    /// The bound on a `force_flush` without a timeout of its own.
    pub(crate) flush_timeout: Duration,
}

/// The specification's defaults of `OTEL_BSP_MAX_EXPORT_BATCH_SIZE` and
/// `OTEL_BSP_SCHEDULE_DELAY`.
pub(crate) const DEFAULT_MAX_EXPORT_BATCH_SIZE: usize = 512;
pub(crate) const DEFAULT_SCHEDULED_DELAY: Duration = Duration::from_millis(5000);

/// The counters of one queue, shared by the processor, its export thread
/// and the [`Telemetry`](super::Telemetry) guard.
pub(crate) struct QueueStats {
    spans: ArrayQueue<SpanData>,
    /// Spans taken from the queue for the export under way.
    exporting: AtomicUsize,
    exported: AtomicU64,
    failed: AtomicU64,
    dropped: AtomicU64,
}

impl fmt::Debug for QueueStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("QueueStats")
            .field("capacity", &self.spans.capacity())
            .field("counts", &self.counts())
            .finish()
    }
}

impl QueueStats {
    fn new(max_queue_size: usize) -> QueueStats {
        QueueStats {
            spans: ArrayQueue::new(max_queue_size.max(1)),
            exporting: AtomicUsize::new(0),
            exported: AtomicU64::new(0),
            failed: AtomicU64::new(0),
            dropped: AtomicU64::new(0),
        }
    }

    pub(crate) fn counts(&self) -> SpanCounts {
        SpanCounts {
            exported: self.exported.load(Ordering::Relaxed),
            failed: self.failed.load(Ordering::Relaxed),
            dropped: self.dropped.load(Ordering::Relaxed),
            queued: (self.spans.len() + self.exporting.load(Ordering::Relaxed)) as u64,
        }
    }

    fn drop_spans(&self, spans: u64) {
        if self.dropped.fetch_add(spans, Ordering::Relaxed) == 0 {
            otel_warn!(
                name: "llm_trace.span_dropping_started",
                max_queue_size = self.spans.capacity(),
                message = "the span queue is full: the oldest waiting spans are being dropped; \
                           further drops are counted in Telemetry::span_counts() and their total \
                           is reported at shutdown"
            );
        }
    }
}

/// What the export thread is asked besides exporting on schedule.
enum Control {
    Flush(SyncSender<OTelSdkResult>),
    Shutdown(Duration, SyncSender<OTelSdkResult>),
    Resource(Resource),
}

/// A batch span processor whose full queue drops its oldest span, and
/// counts every span's fate. See the [module](self) docs.
pub(crate) struct QueueProcessor {
    stats: Arc<QueueStats>,
    batch_size: usize,
    /// Set when a full batch is waiting and the export thread was woken, so
    /// the callers after it do not wake it again.
    woken: Arc<AtomicBool>,
    shut_down: AtomicBool,
    control: Mutex<Sender<Control>>,
    worker: Thread,
    handle: Mutex<Option<JoinHandle<()>>>,
    flush_timeout: Duration,
}

impl fmt::Debug for QueueProcessor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("QueueProcessor")
            .field("stats", &self.stats)
            .field("batch_size", &self.batch_size)
            .finish()
    }
}

impl QueueProcessor {
    /// Starts the export thread of `exporter`.
    pub(crate) fn new<E>(exporter: E, config: QueueConfig) -> std::io::Result<QueueProcessor>
    where
        E: SpanExporter + 'static,
    {
        let max_queue_size = config.max_queue_size.max(1);
        // The specification: the batch size must not exceed the queue size.
        let batch_size = config.max_export_batch_size.clamp(1, max_queue_size);
        let stats = Arc::new(QueueStats::new(max_queue_size));
        let woken = Arc::new(AtomicBool::new(false));
        let (control, requests) = mpsc::channel();
        let mut worker = Worker {
            exporter,
            stats: stats.clone(),
            woken: woken.clone(),
            batch_size,
            scheduled_delay: config.scheduled_delay,
            requests,
        };
        let handle = thread::Builder::new()
            .name("llm-trace-span-export".into())
            .spawn(move || {
                // The exporter's own HTTP/gRPC instrumentation must not
                // produce telemetry that comes back here.
                let _suppressed = Context::enter_telemetry_suppressed_scope();
                worker.run();
            })?;
        Ok(QueueProcessor {
            stats,
            batch_size,
            woken,
            shut_down: AtomicBool::new(false),
            control: Mutex::new(control),
            worker: handle.thread().clone(),
            handle: Mutex::new(Some(handle)),
            flush_timeout: config.flush_timeout,
        })
    }

    /// The counters this processor keeps.
    pub(crate) fn stats(&self) -> Arc<QueueStats> {
        self.stats.clone()
    }

    /// Sends a request to the export thread and waits for its answer at
    /// most `timeout`.
    fn request(
        &self,
        make: impl FnOnce(SyncSender<OTelSdkResult>) -> Control,
        timeout: Duration,
    ) -> OTelSdkResult {
        let (reply, answer) = mpsc::sync_channel(1);
        let sent = self
            .control
            .lock()
            .map_err(|_| OTelSdkError::InternalFailure("the span queue is poisoned".into()))?
            .send(make(reply));
        if sent.is_err() {
            return Err(OTelSdkError::AlreadyShutdown);
        }
        self.worker.unpark();
        match answer.recv_timeout(timeout) {
            Ok(result) => result,
            Err(RecvTimeoutError::Timeout) => Err(OTelSdkError::Timeout(timeout)),
            Err(RecvTimeoutError::Disconnected) => Err(OTelSdkError::InternalFailure(
                "the span export thread stopped".into(),
            )),
        }
    }
}

impl SpanProcessor for QueueProcessor {
    fn on_start(&self, _span: &mut Span, _cx: &Context) {}

    fn on_end(&self, span: SpanData) {
        if self.shut_down.load(Ordering::Relaxed) {
            self.stats.drop_spans(1);
            return;
        }
        if self.stats.spans.force_push(span).is_some() {
            self.stats.drop_spans(1);
        }
        // A load before the swap: while the thread is already woken (a
        // full queue during an outage), callers only read the flag's line.
        if self.stats.spans.len() >= self.batch_size
            && !self.woken.load(Ordering::Relaxed)
            && !self.woken.swap(true, Ordering::AcqRel)
        {
            self.worker.unpark();
        }
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.request(Control::Flush, self.flush_timeout)
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        if self.shut_down.swap(true, Ordering::AcqRel) {
            return Err(OTelSdkError::AlreadyShutdown);
        }
        let result = self.request(|reply| Control::Shutdown(timeout, reply), timeout);
        if result.is_ok() {
            if let Some(handle) = self.handle.lock().ok().and_then(|mut h| h.take()) {
                let _ = handle.join();
            }
        }
        let dropped = self.stats.dropped.load(Ordering::Relaxed);
        if dropped > 0 {
            otel_warn!(
                name: "llm_trace.spans_dropped",
                dropped_span_count = dropped,
                max_queue_size = self.stats.spans.capacity(),
                message = "spans were dropped because the span queue was full; raise \
                           OTEL_BSP_MAX_QUEUE_SIZE or lower OTEL_BSP_SCHEDULE_DELAY"
            );
        }
        result
    }

    fn set_resource(&mut self, resource: &Resource) {
        if let Ok(control) = self.control.lock() {
            let _ = control.send(Control::Resource(resource.clone()));
        }
        self.worker.unpark();
    }
}

/// The export thread's state.
struct Worker<E> {
    exporter: E,
    stats: Arc<QueueStats>,
    woken: Arc<AtomicBool>,
    batch_size: usize,
    scheduled_delay: Duration,
    requests: Receiver<Control>,
}

impl<E: SpanExporter> Worker<E> {
    fn run(&mut self) {
        let mut next_export = Instant::now() + self.scheduled_delay;
        loop {
            loop {
                match self.requests.try_recv() {
                    Ok(Control::Resource(resource)) => self.exporter.set_resource(&resource),
                    Ok(Control::Flush(reply)) => {
                        let result = self.drain();
                        let _ = reply.send(result);
                        next_export = Instant::now() + self.scheduled_delay;
                    }
                    Ok(Control::Shutdown(timeout, reply)) => {
                        let result = self.drain();
                        let closed = self.exporter.shutdown_with_timeout(timeout);
                        let _ = reply.send(result.and(closed));
                        self.drop_leftovers();
                        return;
                    }
                    Err(TryRecvError::Empty) => break,
                    // The processor is gone without a shutdown.
                    Err(TryRecvError::Disconnected) => {
                        let _ = self.drain();
                        let _ = self.exporter.shutdown();
                        self.drop_leftovers();
                        return;
                    }
                }
            }
            let now = Instant::now();
            let full = self.stats.spans.len() >= self.batch_size;
            if full || now >= next_export {
                self.woken.store(false, Ordering::Release);
                let _ = self.drain();
                next_export = Instant::now() + self.scheduled_delay;
            } else {
                thread::park_timeout(next_export - now);
            }
        }
    }

    /// Exports the spans waiting now, in batches; spans that end meanwhile
    /// wait for the next round, so a busy application cannot keep a flush
    /// going forever. Returns the last failed export's error, if any.
    fn drain(&mut self) -> OTelSdkResult {
        let mut left = self.stats.spans.len();
        let mut result = Ok(());
        while left > 0 {
            let mut batch = Vec::with_capacity(left.min(self.batch_size));
            while batch.len() < left.min(self.batch_size) {
                match self.stats.spans.pop() {
                    Some(span) => batch.push(span),
                    None => break,
                }
            }
            if batch.is_empty() {
                // Evicted by newer spans meanwhile.
                break;
            }
            left = left.saturating_sub(batch.len());
            if let Err(error) = self.export(batch) {
                result = Err(error);
            }
        }
        result
    }

    fn export(&mut self, batch: Vec<SpanData>) -> OTelSdkResult {
        let spans = batch.len();
        self.stats.exporting.store(spans, Ordering::Relaxed);
        let result = catch_unwind(AssertUnwindSafe(|| {
            futures_executor::block_on(self.exporter.export(batch))
        }))
        .unwrap_or_else(|_| {
            Err(OTelSdkError::InternalFailure(
                "the span exporter panicked".into(),
            ))
        });
        let count = match &result {
            Ok(()) => &self.stats.exported,
            Err(error) => {
                otel_error!(
                    name: "llm_trace.export_failed",
                    spans = spans,
                    error = format!("{error}")
                );
                &self.stats.failed
            }
        };
        // Counted before the batch leaves `exporting`: a reader never sees
        // a span in neither.
        count.fetch_add(spans as u64, Ordering::Relaxed);
        self.stats.exporting.store(0, Ordering::Relaxed);
        result
    }

    /// Spans that ended while shutting down: dropped, and counted.
    fn drop_leftovers(&self) {
        let mut left = 0;
        while self.stats.spans.pop().is_some() {
            left += 1;
        }
        if left > 0 {
            self.stats.drop_spans(left);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry::trace::{Tracer, TracerProvider as _};
    use opentelemetry::KeyValue;
    use opentelemetry_sdk::trace::SdkTracerProvider;

    /// Holds every export until released, then fails or succeeds; keeps
    /// the names of the spans it delivered.
    #[derive(Debug, Clone)]
    struct Gate {
        open: Arc<Mutex<bool>>,
        fail: Arc<AtomicBool>,
        delivered: Arc<Mutex<Vec<String>>>,
    }

    impl Gate {
        fn new(open: bool, fail: bool) -> Gate {
            Gate {
                open: Arc::new(Mutex::new(open)),
                fail: Arc::new(AtomicBool::new(fail)),
                delivered: Arc::default(),
            }
        }

        fn open(&self) {
            *self.open.lock().unwrap() = true;
        }
    }

    impl SpanExporter for Gate {
        async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
            while !*self.open.lock().unwrap() {
                std::thread::sleep(Duration::from_millis(1));
            }
            if self.fail.load(Ordering::Relaxed) {
                Err(OTelSdkError::InternalFailure("collector gone".into()))
            } else {
                let mut delivered = self.delivered.lock().unwrap();
                delivered.extend(batch.into_iter().map(|s| s.name.into_owned()));
                Ok(())
            }
        }
    }

    fn provider(gate: Gate, max_queue: usize) -> (SdkTracerProvider, Arc<QueueStats>) {
        provider_with(gate, max_queue, 4, Duration::from_millis(5))
    }

    fn provider_with(
        gate: Gate,
        max_queue_size: usize,
        max_export_batch_size: usize,
        scheduled_delay: Duration,
    ) -> (SdkTracerProvider, Arc<QueueStats>) {
        let config = QueueConfig {
            max_queue_size,
            max_export_batch_size,
            scheduled_delay,
            flush_timeout: Duration::from_secs(5),
        };
        let processor = QueueProcessor::new(gate, config).unwrap();
        let stats = processor.stats();
        let provider = SdkTracerProvider::builder()
            .with_span_processor(processor)
            .build();
        (provider, stats)
    }

    fn end_spans(provider: &SdkTracerProvider, names: std::ops::Range<usize>) {
        let tracer = provider.tracer("queue-test");
        for n in names {
            drop(tracer.start(n.to_string()));
        }
    }

    fn wait_until(what: impl Fn() -> bool) {
        let until = Instant::now() + Duration::from_secs(5);
        while !what() && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(1));
        }
        assert!(what(), "not reached within 5 s");
    }

    #[test]
    fn a_full_queue_drops_its_oldest_spans_and_counts_them() {
        let gate = Gate::new(false, false);
        let (provider, stats) = provider(gate.clone(), 16);
        // The first batch of 4 is taken for export and held at the gate.
        end_spans(&provider, 0..4);
        wait_until(|| stats.exporting.load(Ordering::Relaxed) == 4);
        end_spans(&provider, 4..100);
        let held = stats.counts();
        assert_eq!(held.queued, 20, "16 waiting, 4 exporting: {held:?}");
        assert_eq!(held.dropped, 80);
        assert_eq!(held.exported + held.failed, 0);

        gate.open();
        provider.force_flush().unwrap();
        assert_eq!(
            stats.counts(),
            SpanCounts {
                exported: 20,
                failed: 0,
                dropped: 80,
                queued: 0
            }
        );
        // The batch in flight, then the newest 16: spans 4..84 made room.
        let expected: Vec<String> = (0..4).chain(84..100).map(|n| n.to_string()).collect();
        assert_eq!(*gate.delivered.lock().unwrap(), expected);

        // Room again once the batches left.
        end_spans(&provider, 100..103);
        provider.shutdown().unwrap();
        let counts = stats.counts();
        assert_eq!(
            (counts.exported, counts.dropped, counts.queued),
            (23, 80, 0)
        );
    }

    #[test]
    fn failed_exports_are_counted_per_span() {
        let gate = Gate::new(true, true);
        let (provider, stats) = provider(gate.clone(), 64);
        end_spans(&provider, 0..10);
        assert!(provider.force_flush().is_err(), "the export failed");
        // The collector is back: later spans arrive.
        gate.fail.store(false, Ordering::Relaxed);
        end_spans(&provider, 10..12);
        provider.shutdown().unwrap();
        let counts = stats.counts();
        assert_eq!(
            counts,
            SpanCounts {
                exported: 2,
                failed: 10,
                dropped: 0,
                queued: 0
            }
        );
        assert_eq!(counts.lost(), 10);
        assert_eq!(*gate.delivered.lock().unwrap(), ["10", "11"]);
    }

    #[test]
    fn a_full_batch_is_exported_without_waiting_for_the_schedule() {
        let (provider, stats) =
            provider_with(Gate::new(true, false), 64, 8, Duration::from_secs(3600));
        end_spans(&provider, 0..7);
        std::thread::sleep(Duration::from_millis(50));
        assert_eq!(stats.counts().exported, 0, "less than a batch waits");
        end_spans(&provider, 7..8);
        wait_until(|| stats.counts().exported == 8);
        provider.shutdown().unwrap();
    }

    #[test]
    fn the_resource_reaches_the_exporter_and_a_panicking_export_is_a_failure() {
        #[derive(Debug, Default)]
        struct Panicky {
            resource: Arc<Mutex<Option<Resource>>>,
        }
        impl SpanExporter for Panicky {
            async fn export(&self, _batch: Vec<SpanData>) -> OTelSdkResult {
                panic!("exporter bug");
            }
            fn set_resource(&mut self, resource: &Resource) {
                *self.resource.lock().unwrap() = Some(resource.clone());
            }
        }
        let seen = Arc::new(Mutex::new(None));
        let processor = QueueProcessor::new(
            Panicky {
                resource: seen.clone(),
            },
            QueueConfig {
                max_queue_size: 8,
                max_export_batch_size: 8,
                scheduled_delay: Duration::from_millis(5),
                flush_timeout: Duration::from_secs(5),
            },
        )
        .unwrap();
        let stats = processor.stats();
        let provider = SdkTracerProvider::builder()
            .with_resource(
                Resource::builder_empty()
                    .with_attribute(KeyValue::new("service.name", "queue-test"))
                    .build(),
            )
            .with_span_processor(processor)
            .build();
        end_spans(&provider, 0..3);
        assert!(provider.force_flush().is_err());
        assert_eq!(stats.counts().failed, 3);
        // The thread survived the panic: it still answers.
        end_spans(&provider, 3..4);
        assert!(provider.force_flush().is_err());
        assert_eq!(stats.counts().failed, 4);
        let resource = seen.lock().unwrap().clone().expect("resource set");
        assert_eq!(
            resource.get(&opentelemetry::Key::new("service.name")),
            Some("queue-test".into())
        );
        let _ = provider.shutdown();
    }
}
