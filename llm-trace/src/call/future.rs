//! The futures the generated code wraps an annotated function's body in:
//! [`Instrumented`] owns the call and ends it with the body's output,
//! [`Run`] runs the body inside a call the generated code ends itself.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};

use std::panic;

use super::Call;

pin_project_lite::pin_project! {
    /// The body of an instrumented function, run with the call's span as the
    /// current context on every poll. Yields the finished [`Call`] back with
    /// the output so the generated code can record the outcome; a panic in
    /// the body ends the span and propagates unchanged.
    #[doc(hidden)]
    pub struct Instrumented<F> {
        call: Option<Call>,
        #[pin]
        inner: F,
    }
}

impl<F> Instrumented<F> {
    /// Runs `inner` inside `call`.
    #[inline]
    pub fn new(call: Call, inner: F) -> Self {
        Instrumented {
            call: Some(call),
            inner,
        }
    }
}

impl<F: Future> Future for Instrumented<F> {
    type Output = (Call, F::Output);

    fn poll(self: Pin<&mut Self>, task: &mut TaskContext<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let Some(call) = this.call.as_ref() else {
            panic!("an `#[llm_call]` future was polled after it completed");
        };
        match call.inside(|| this.inner.poll(task)) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(output)) => match this.call.take() {
                Some(call) => Poll::Ready((call, output)),
                None => unreachable!("checked above"),
            },
            Err(payload) => {
                if let Some(call) = this.call.take() {
                    call.finish_panic(&*payload);
                }
                panic::resume_unwind(payload)
            }
        }
    }
}

pin_project_lite::pin_project! {
    /// The body of an instrumented `async fn`, run with the span of the
    /// call it borrows as the current context on every poll, and `end` run
    /// on its output before the output is returned. The call stays in the
    /// caller's future (it is not moved in and out, as with
    /// [`Instrumented`]); a panic in the body ends it and propagates
    /// unchanged. Without a call (the run-time switch is off) the body is
    /// polled as it is.
    ///
    /// The instrumented function's future is this future's `.await` and
    /// nothing else: the output moves from the body to the caller as it
    /// would without instrumentation, not through the function's locals.
    #[doc(hidden)]
    pub struct Run<'a, F, E> {
        call: &'a mut Option<Call>,
        end: Option<E>,
        #[pin]
        inner: F,
    }
}

impl<'a, F, E> Run<'a, F, E>
where
    F: Future,
    E: FnOnce(&mut Option<Call>, &mut F::Output),
{
    /// Runs `inner` inside `call`, if there is one, and `end` on its output
    /// (which may take the call, to hand it to a stream it wraps in place).
    #[inline]
    pub fn new(call: &'a mut Option<Call>, inner: F, end: E) -> Self {
        Run {
            call,
            end: Some(end),
            inner,
        }
    }
}

impl<F, E> Future for Run<'_, F, E>
where
    F: Future,
    E: FnOnce(&mut Option<Call>, &mut F::Output),
{
    type Output = F::Output;

    #[inline]
    fn poll(self: Pin<&mut Self>, task: &mut TaskContext<'_>) -> Poll<F::Output> {
        let this = self.project();
        let Some(call) = this.call.as_mut() else {
            return this.inner.poll(task);
        };
        match call.inside(|| this.inner.poll(task)) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(mut output)) => {
                if let Some(end) = this.end.take() {
                    end(this.call, &mut output);
                }
                Poll::Ready(output)
            }
            Err(payload) => {
                if !call.finished {
                    call.end_panic(&*payload);
                }
                panic::resume_unwind(payload)
            }
        }
    }
}
