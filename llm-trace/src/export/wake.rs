//! When the span export thread is woken: the protocol between the callers
//! that end spans (producers) and the export thread (the worker), apart from
//! the queue that holds the spans, so that `loom` can check it
//! (`RUSTFLAGS="--cfg llm_trace_loom" cargo test -p llm-trace --lib --release loom`).
//!
//! One atomic word holds both the number of spans pending (counted by the
//! producers after their push, uncounted by the worker after its pop) and
//! the "worker already woken" bit. Every step of either side is a
//! read-modify-write of that word, so the steps are totally ordered and each
//! one sees the effects of all earlier ones (pushes included, through the
//! release sequence): a producer that brings the count to a batch either
//! finds the bit clear and wakes the worker, or finds it set by a wake-up the
//! worker has not consumed yet, whose consumption ([`Wake::rearm`]) will then
//! read a count that includes this producer's span.
//!
//! The rule the worker follows, which the old protocol broke: it clears the
//! bit each time before it looks at the count, not only before a drain. A
//! wake-up that arrives during a drain then either leaves its token for the
//! next park (which returns at once) or is seen by the next look.

// `llm_trace_loom`, not the usual `loom`: RUSTFLAGS reach every crate, and
// tokio compiles its networking out under `--cfg loom`.
#[cfg(all(test, llm_trace_loom))]
use loom::sync::atomic::{AtomicUsize, Ordering};
#[cfg(not(all(test, llm_trace_loom)))]
use std::sync::atomic::{AtomicUsize, Ordering};

/// The "worker already woken" bit; the count lives in the bits above it.
const WOKEN: usize = 1;
/// One pending span.
const ONE: usize = 2;

/// The wake-up state of one queue; see the [module](self) docs.
#[derive(Debug)]
pub(crate) struct Wake {
    state: AtomicUsize,
    batch: isize,
}

impl Wake {
    /// A queue that wakes its worker when `batch` spans are pending.
    pub(crate) fn new(batch: usize) -> Wake {
        Wake {
            state: AtomicUsize::new(0),
            batch: batch.max(1).min(isize::MAX as usize >> 2) as isize,
        }
    }

    /// A producer pushed a span; `added` is false when the push made room
    /// by evicting the oldest span (the count stays). True when this caller
    /// must wake the worker.
    pub(crate) fn pushed(&self, added: bool) -> bool {
        let step = if added { ONE } else { 0 };
        // A read-modify-write even when nothing is added: it is what makes
        // the push visible to the worker's next `rearm`.
        let before = self.state.fetch_add(step, Ordering::AcqRel);
        let pending = count(before.wrapping_add(step));
        if pending < self.batch || before & WOKEN != 0 {
            return false;
        }
        self.state.fetch_or(WOKEN, Ordering::AcqRel) & WOKEN == 0
    }

    /// The worker is about to look at the queue: later producers that find
    /// a batch pending wake it again. Returns the spans pending (their
    /// pushes are visible to the worker from here).
    pub(crate) fn rearm(&self) -> isize {
        count(self.state.fetch_and(!WOKEN, Ordering::AcqRel))
    }

    /// The worker took `spans` out of the queue.
    pub(crate) fn taken(&self, spans: usize) {
        self.state
            .fetch_sub(spans.wrapping_mul(ONE), Ordering::AcqRel);
    }

    /// Whether `pending` spans make a batch.
    pub(crate) fn is_batch(&self, pending: isize) -> bool {
        pending >= self.batch
    }
}

/// The count of a state word. A span popped by the worker before its
/// producer counted it makes the count briefly negative (the word wraps),
/// never wrong once every producer has counted.
fn count(state: usize) -> isize {
    (state as isize) >> 1
}

#[cfg(all(test, not(llm_trace_loom)))]
mod tests {
    use super::*;

    #[test]
    fn the_producer_that_completes_a_batch_wakes_once_until_rearmed() {
        let wake = Wake::new(2);
        assert!(!wake.pushed(true), "one span is not a batch");
        assert!(wake.pushed(true), "the second completes it");
        assert!(!wake.pushed(true), "already woken");
        assert_eq!(wake.rearm(), 3);
        wake.taken(3);
        assert!(!wake.pushed(true));
        // Woken during a drain: rearming before the next look sees it.
        assert!(wake.pushed(true));
        assert_eq!(wake.rearm(), 2);
        // A push into a full queue evicts and adds nothing, but a batch is
        // still pending and the worker re-armed: it is woken.
        assert!(wake.pushed(false));
        assert_eq!(wake.rearm(), 2);
    }

    #[test]
    fn a_span_popped_before_it_was_counted_never_wakes_for_nothing() {
        let wake = Wake::new(1);
        // The worker pops a span whose producer has not counted it yet.
        wake.taken(1);
        assert_eq!(wake.rearm(), -1);
        // Its producer counts it: nothing pending, no wake-up.
        assert!(!wake.pushed(true));
        assert_eq!(wake.rearm(), 0);
    }
}

/// The model: producers push spans while the worker drains. The queue is a
/// counter (loom cannot run `ArrayQueue`), parking is a mutex and condvar
/// with the semantics of `Thread::park`/`unpark` (one token; no timeout:
/// the schedule delay is what the bug waited for). At quiescence (every
/// producer done, the worker parked without a token) fewer than a batch
/// may be pending; otherwise a wake-up was lost.
#[cfg(all(test, llm_trace_loom))]
mod loom_model {
    use super::*;
    use loom::sync::atomic::AtomicUsize;
    use loom::sync::{Arc, Condvar, Mutex};
    use loom::thread;

    #[derive(Default)]
    struct ParkState {
        token: bool,
        parked: bool,
        stop: bool,
    }

    /// `Thread::park`/`unpark` with an observable "parked" state.
    #[derive(Default)]
    struct Parker {
        state: Mutex<ParkState>,
        cv: Condvar,
    }

    impl Parker {
        /// Returns false when told to stop.
        fn park(&self) -> bool {
            let mut s = self.state.lock().unwrap();
            if !s.token {
                s.parked = true;
                while !s.token {
                    s = self.cv.wait(s).unwrap();
                }
                s.parked = false;
            }
            s.token = false;
            !s.stop
        }

        fn unpark(&self) {
            let mut s = self.state.lock().unwrap();
            s.token = true;
            self.cv.notify_one();
        }
    }

    struct Shared {
        wake: Wake,
        /// The queue's length.
        queue: AtomicUsize,
        parker: Parker,
    }

    fn pop(queue: &AtomicUsize) -> bool {
        let mut len = queue.load(Ordering::Acquire);
        while len > 0 {
            match queue.compare_exchange(len, len - 1, Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => return true,
                Err(now) => len = now,
            }
        }
        false
    }

    fn check(batch: usize, producers: &[usize]) {
        let producers = producers.to_vec();
        loom::model(move || {
            let shared = Arc::new(Shared {
                wake: Wake::new(batch),
                queue: AtomicUsize::new(0),
                parker: Parker::default(),
            });
            let worker = {
                let shared = shared.clone();
                thread::spawn(move || loop {
                    let pending = shared.wake.rearm();
                    if shared.wake.is_batch(pending) {
                        // A drain: what is queued now, taken in one go.
                        let mut left = shared.queue.load(Ordering::Acquire);
                        let mut taken = 0;
                        while left > 0 && pop(&shared.queue) {
                            left -= 1;
                            taken += 1;
                        }
                        shared.wake.taken(taken);
                        if taken > 0 {
                            continue;
                        }
                    }
                    if !shared.parker.park() {
                        return;
                    }
                })
            };
            let handles: Vec<_> = producers
                .iter()
                .map(|&spans| {
                    let shared = shared.clone();
                    thread::spawn(move || {
                        for _ in 0..spans {
                            shared.queue.fetch_add(1, Ordering::Release);
                            if shared.wake.pushed(true) {
                                shared.parker.unpark();
                            }
                        }
                    })
                })
                .collect();
            for handle in handles {
                handle.join().unwrap();
            }
            // Wait for quiescence: the worker parked with no token left.
            loop {
                let mut s = shared.parker.state.lock().unwrap();
                if s.parked && !s.token {
                    let pending = shared.queue.load(Ordering::Acquire);
                    assert!(
                        pending < batch,
                        "lost wake-up: {pending} spans pending (batch {batch}), worker parked"
                    );
                    s.stop = true;
                    s.token = true;
                    shared.parker.cv.notify_one();
                    break;
                }
                drop(s);
                thread::yield_now();
            }
            worker.join().unwrap();
        });
    }

    #[test]
    fn loom_no_lost_wake_up_two_producers() {
        check(2, &[2, 2]);
    }

    #[test]
    fn loom_no_lost_wake_up_batch_of_one() {
        check(1, &[1, 2]);
    }
}
