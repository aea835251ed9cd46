//! The bounded span queue between instrumented calls and the exporter, and
//! its counts: what was exported, what failed to export, what was dropped.
//!
//! The SDK's `BatchSpanProcessor` bounds its queue and drops spans when it
//! is full, but keeps the count to itself (it logs the total at shutdown).
//! [`CountedProcessor`] admits a span only while fewer than `max_queue_size`
//! spans are waiting *or being exported*, and counts the ones it refuses;
//! [`CountedExporter`] tells it when a batch is done and how it ended. So
//! the batch processor behind it never finds its own queue full, at most
//! `max_queue_size` spans are held in memory whatever the collector does,
//! and every finished span ends up in exactly one count.

use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use opentelemetry::otel_warn;
use opentelemetry::Context;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{BatchSpanProcessor, Span, SpanData, SpanExporter, SpanProcessor};
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
    /// Spans dropped because the queue was full (`max_queue_size` spans
    /// already waiting or being exported), or ended after shutdown: lost.
    pub dropped: u64,
    /// Spans waiting in the queue or being exported right now; never more
    /// than `max_queue_size`.
    pub queued: u64,
}

impl SpanCounts {
    /// Spans lost: [`failed`](Self::failed) plus [`dropped`](Self::dropped).
    pub fn lost(&self) -> u64 {
        self.failed + self.dropped
    }
}

/// The shared counters of one queue.
#[derive(Debug)]
pub(crate) struct QueueStats {
    max_queue_size: usize,
    queued: AtomicUsize,
    exported: AtomicU64,
    failed: AtomicU64,
    dropped: AtomicU64,
}

impl QueueStats {
    pub(crate) fn new(max_queue_size: usize) -> Arc<QueueStats> {
        Arc::new(QueueStats {
            max_queue_size,
            queued: AtomicUsize::new(0),
            exported: AtomicU64::new(0),
            failed: AtomicU64::new(0),
            dropped: AtomicU64::new(0),
        })
    }

    pub(crate) fn counts(&self) -> SpanCounts {
        SpanCounts {
            exported: self.exported.load(Ordering::Relaxed),
            failed: self.failed.load(Ordering::Relaxed),
            dropped: self.dropped.load(Ordering::Relaxed),
            queued: self.queued.load(Ordering::Relaxed) as u64,
        }
    }

    /// Takes a place in the queue if one is free.
    fn admit(&self) -> bool {
        // Optimistic increment, undone when over the bound: concurrent
        // callers may see the count briefly above it, but a span is only
        // admitted when the places taken before it were fewer than the bound.
        if self.queued.fetch_add(1, Ordering::AcqRel) < self.max_queue_size {
            true
        } else {
            self.queued.fetch_sub(1, Ordering::AcqRel);
            false
        }
    }

    fn drop_span(&self) {
        if self.dropped.fetch_add(1, Ordering::Relaxed) == 0 {
            otel_warn!(
                name: "llm_trace.span_dropping_started",
                max_queue_size = self.max_queue_size,
                message = "the span queue is full: spans are being dropped; further drops are \
                           counted in Telemetry::span_counts() and their total is reported at shutdown"
            );
        }
    }

    /// Frees the places of a batch whose export ended; a count that moved
    /// means the places are free.
    fn done(&self, spans: usize, exported: bool) {
        self.queued.fetch_sub(spans, Ordering::AcqRel);
        let count = if exported {
            &self.exported
        } else {
            &self.failed
        };
        count.fetch_add(spans as u64, Ordering::AcqRel);
    }
}

/// A `BatchSpanProcessor` behind an admission bound that counts its drops.
#[derive(Debug)]
pub(crate) struct CountedProcessor {
    inner: BatchSpanProcessor,
    stats: Arc<QueueStats>,
    shut_down: AtomicBool,
}

impl CountedProcessor {
    /// `inner` must export through a [`CountedExporter`] sharing `stats`,
    /// and have a queue of at least `stats`' bound.
    pub(crate) fn new(inner: BatchSpanProcessor, stats: Arc<QueueStats>) -> Self {
        CountedProcessor {
            inner,
            stats,
            shut_down: AtomicBool::new(false),
        }
    }
}

impl SpanProcessor for CountedProcessor {
    fn on_start(&self, span: &mut Span, cx: &Context) {
        self.inner.on_start(span, cx);
    }

    fn on_end(&self, span: SpanData) {
        if !self.shut_down.load(Ordering::Acquire) && self.stats.admit() {
            self.inner.on_end(span);
        } else {
            self.stats.drop_span();
        }
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.inner.force_flush()
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.shut_down.store(true, Ordering::Release);
        let dropped = self.stats.dropped.load(Ordering::Relaxed);
        if dropped > 0 {
            otel_warn!(
                name: "llm_trace.spans_dropped",
                dropped_span_count = dropped,
                max_queue_size = self.stats.max_queue_size,
                message = "spans were dropped because the span queue was full; raise \
                           OTEL_BSP_MAX_QUEUE_SIZE or lower OTEL_BSP_SCHEDULE_DELAY"
            );
        }
        self.inner.shutdown_with_timeout(timeout)
    }

    fn set_resource(&mut self, resource: &Resource) {
        self.inner.set_resource(resource);
    }
}

/// An exporter that reports to the queue how each batch ended.
pub(crate) struct CountedExporter<E> {
    inner: E,
    stats: Arc<QueueStats>,
}

impl<E> CountedExporter<E> {
    pub(crate) fn new(inner: E, stats: Arc<QueueStats>) -> Self {
        CountedExporter { inner, stats }
    }
}

impl<E: fmt::Debug> fmt::Debug for CountedExporter<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt(f)
    }
}

/// Frees a batch's places when its export ends, as failed unless told
/// otherwise (an export future dropped or panicking did not deliver).
struct Batch<'a> {
    stats: &'a QueueStats,
    spans: usize,
    exported: bool,
}

impl Drop for Batch<'_> {
    fn drop(&mut self) {
        self.stats.done(self.spans, self.exported);
    }
}

impl<E: SpanExporter> SpanExporter for CountedExporter<E> {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        let mut done = Batch {
            stats: &self.stats,
            spans: batch.len(),
            exported: false,
        };
        let result = self.inner.export(batch).await;
        done.exported = result.is_ok();
        result
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.inner.shutdown_with_timeout(timeout)
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.inner.force_flush()
    }

    fn set_resource(&mut self, resource: &Resource) {
        self.inner.set_resource(resource);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry::trace::{Tracer, TracerProvider as _};
    use opentelemetry_sdk::error::OTelSdkError;
    use opentelemetry_sdk::trace::{BatchConfigBuilder, SdkTracerProvider};
    use std::sync::Mutex;

    /// Holds every export until released, then fails or succeeds.
    #[derive(Debug, Clone)]
    struct Gate {
        open: Arc<Mutex<bool>>,
        fail: bool,
    }

    impl SpanExporter for Gate {
        async fn export(&self, _batch: Vec<SpanData>) -> OTelSdkResult {
            while !*self.open.lock().unwrap() {
                std::thread::sleep(Duration::from_millis(1));
            }
            if self.fail {
                Err(OTelSdkError::InternalFailure("collector gone".into()))
            } else {
                Ok(())
            }
        }
    }

    fn provider(gate: Gate, max_queue: usize) -> (SdkTracerProvider, Arc<QueueStats>) {
        let stats = QueueStats::new(max_queue);
        let batch = BatchSpanProcessor::builder(CountedExporter::new(gate, stats.clone()))
            .with_batch_config(
                BatchConfigBuilder::default()
                    .with_max_queue_size(max_queue)
                    .with_max_export_batch_size(4)
                    .with_scheduled_delay(Duration::from_millis(5))
                    .build(),
            )
            .build();
        let provider = SdkTracerProvider::builder()
            .with_span_processor(CountedProcessor::new(batch, stats.clone()))
            .build();
        (provider, stats)
    }

    fn end_spans(provider: &SdkTracerProvider, n: usize) {
        let tracer = provider.tracer("queue-test");
        for _ in 0..n {
            drop(tracer.start("s"));
        }
    }

    #[test]
    fn a_full_queue_drops_and_counts_every_span_beyond_its_bound() {
        let gate = Gate {
            open: Arc::new(Mutex::new(false)),
            fail: false,
        };
        let (provider, stats) = provider(gate.clone(), 16);
        end_spans(&provider, 100);
        let held = stats.counts();
        assert_eq!(
            held.queued, 16,
            "waiting or in the blocked export: {held:?}"
        );
        assert_eq!(held.dropped, 84);
        assert_eq!(held.exported + held.failed, 0);

        *gate.open.lock().unwrap() = true;
        provider.force_flush().unwrap();
        assert_eq!(
            stats.counts(),
            SpanCounts {
                exported: 16,
                failed: 0,
                dropped: 84,
                queued: 0
            }
        );
        // Room again once the batches left.
        end_spans(&provider, 3);
        provider.shutdown().unwrap();
        let counts = stats.counts();
        assert_eq!(
            (counts.exported, counts.dropped, counts.queued),
            (19, 84, 0)
        );
        // Ended after shutdown: dropped, not queued forever.
        end_spans(&provider, 1);
        assert_eq!(stats.counts().queued, 0);
    }

    #[test]
    fn failed_exports_are_counted_per_span() {
        let gate = Gate {
            open: Arc::new(Mutex::new(true)),
            fail: true,
        };
        let (provider, stats) = provider(gate, 64);
        end_spans(&provider, 10);
        let _ = provider.force_flush();
        let _ = provider.shutdown();
        let counts = stats.counts();
        assert_eq!(
            counts,
            SpanCounts {
                exported: 0,
                failed: 10,
                dropped: 0,
                queued: 0
            }
        );
        assert_eq!(counts.lost(), 10);
    }
}
