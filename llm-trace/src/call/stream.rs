//! Streamed calls: the span stays open while the caller consumes the stream
//! and ends with it — at its end, after an error item, or when it is dropped
//! early (then as cancelled, with whatever usage its chunks reported). The
//! call's context is current around the polls of the inner stream up to its
//! first item, or around every poll for a call that is not a model call.

use std::any::Any;
use std::panic::{self, AssertUnwindSafe};
use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};
use std::time::Instant;

use futures_core::Stream;

use super::{Call, StreamTiming};
use crate::provider::StreamFacts;

/// Longest run of chunk intervals kept for
/// `gen_ai.client.operation.time_per_output_chunk` before they are recorded.
const MAX_PENDING_INTERVALS: usize = 4096;

pin_project_lite::pin_project! {
    /// A stream returned by an `#[llm_call]` function, observed chunk by
    /// chunk by `observe` (generated at the call site, where the item type is
    /// concrete). Items pass through unchanged.
    #[doc(hidden)]
    pub struct InstrumentedStream<S, F> {
        #[pin]
        inner: S,
        observe: F,
        state: Option<StreamCall>,
    }
}

/// The call a stream carries until it ends.
struct StreamCall {
    call: Option<Call>,
    facts: StreamFacts,
    /// The span records or metrics are measured: chunks are worth reading.
    observing: bool,
    /// The call's context is made current around the next poll of the
    /// inner stream (the call records, and `attach_every_poll` or no item
    /// has passed yet).
    attach: bool,
    /// A model call's stream is its response being read: its context is
    /// current until the first item (a stream that sends its request when
    /// first polled makes it then), not around every chunk, which would
    /// cost each chunk a context switch (about 35 ns). Any other
    /// operation's stream (an agent's) does work between its items, and is
    /// current around every poll.
    attach_every_poll: bool,
    /// Inter-chunk intervals are measured (a meter provider is installed).
    measuring: bool,
    time_to_first_chunk: Option<f64>,
    first_seen: bool,
    last_chunk: Option<Instant>,
    intervals: Vec<f64>,
}

impl StreamCall {
    // Once per stream: kept out of the per-chunk `poll_next`, which inlines.
    #[cold]
    #[inline(never)]
    fn end(&mut self, cancelled: bool) {
        if let Some(call) = self.call.take() {
            self.facts.end_of_stream();
            call.finish_stream(
                &mut self.facts,
                cancelled,
                StreamTiming {
                    time_to_first_chunk: self.time_to_first_chunk,
                    chunk_intervals: &self.intervals,
                },
            );
        }
    }

    #[cold]
    #[inline(never)]
    fn panicked(&mut self, payload: &(dyn Any + Send)) {
        if let Some(call) = self.call.take() {
            call.finish_panic(payload);
        }
    }

    #[inline]
    fn chunk(&mut self) {
        // The clock is read for the first chunk, and for every chunk only
        // when the intervals are measured.
        if self.first_seen && !self.measuring {
            return;
        }
        self.time_chunk();
    }

    /// Times a chunk: out of line, as most chunks are not timed.
    #[inline(never)]
    fn time_chunk(&mut self) {
        let now = Instant::now();
        match self.last_chunk {
            None => {
                self.time_to_first_chunk = self
                    .call
                    .as_ref()
                    .and_then(Call::started)
                    .map(|started| now.saturating_duration_since(started).as_secs_f64());
            }
            Some(previous) => {
                if self.intervals.len() < MAX_PENDING_INTERVALS {
                    self.intervals
                        .push(now.saturating_duration_since(previous).as_secs_f64());
                }
            }
        }
        self.first_seen = true;
        self.last_chunk = Some(now);
    }
}

impl Drop for StreamCall {
    fn drop(&mut self) {
        // Dropped before its end: cancelled, unless an error ended it.
        let cancelled = !self.facts.failed();
        self.end(cancelled);
    }
}

impl<S, F> InstrumentedStream<S, F> {
    /// Lets `call` end with `inner`; without a call (instrumentation
    /// switched off) the stream passes through untouched.
    pub fn new(call: Option<Call>, inner: S, observe: F) -> Self {
        let state = call.map(|call| {
            let measuring = call.measuring();
            let attach = call.recording();
            let attach_every_poll = !call.is_model_call();
            let observing = measuring || attach;
            let mut facts = StreamFacts::new();
            if let Some(max_bytes) = call.content_max_bytes() {
                facts.capture_content_within(max_bytes);
            }
            StreamCall {
                call: Some(call),
                facts,
                observing,
                attach,
                attach_every_poll,
                measuring,
                time_to_first_chunk: None,
                first_seen: false,
                last_chunk: None,
                intervals: Vec::new(),
            }
        });
        InstrumentedStream {
            inner,
            observe,
            state,
        }
    }
}

impl<S, F> Stream for InstrumentedStream<S, F>
where
    S: Stream,
    F: FnMut(&S::Item, &mut StreamFacts),
{
    type Item = S::Item;

    #[inline]
    fn poll_next(self: Pin<&mut Self>, task: &mut TaskContext<'_>) -> Poll<Option<S::Item>> {
        let this = self.project();
        let Some(state) = this.state.as_mut() else {
            return this.inner.poll_next(task);
        };
        let inner = this.inner;
        let caught = {
            // Spans started while the inner stream is polled (its request,
            // for a stream that sends it when first polled) are the call's
            // children.
            let _guard = state
                .call
                .as_ref()
                .filter(|_| state.attach)
                .map(|call| call.context().clone().attach());
            panic::catch_unwind(AssertUnwindSafe(|| inner.poll_next(task)))
        };
        let polled = match caught {
            Ok(polled) => polled,
            Err(payload) => {
                if let Some(mut state) = this.state.take() {
                    state.panicked(&*payload);
                }
                panic::resume_unwind(payload)
            }
        };
        match &polled {
            Poll::Ready(Some(item)) => {
                state.attach &= state.attach_every_poll;
                if state.observing {
                    state.chunk();
                    (this.observe)(item, &mut state.facts);
                }
            }
            Poll::Ready(None) => {
                if let Some(mut state) = this.state.take() {
                    state.end(false);
                }
            }
            Poll::Pending => {}
        }
        polled
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}
