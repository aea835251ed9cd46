//! The `tracing` feature: a call made inside a `tracing` span whose
//! OpenTelemetry context is not active still nests under that span.
//!
//! With `tracing-opentelemetry` 0.34's defaults nothing here is needed:
//! entering a `tracing` span activates its OpenTelemetry context, so the
//! call's parent, taken from [`Context::current`], is that span, and a
//! `tracing` span opened inside the call's body is created under the call's
//! span. A layer built with `with_context_activation(false)` activates
//! nothing: the current context then has no span, and without this module
//! the call would start a trace of its own. [`parent`] gives it the current
//! `tracing` span's OpenTelemetry span as parent instead.
//!
//! The fallback applies only when the current context has no span at all,
//! so it never overrides a span that is current (an enclosing call, a span
//! the user attached, or an activated `tracing` span). With activation off,
//! `tracing` spans opened inside a call's body still nest under the
//! enclosing `tracing` span rather than the call: `tracing-opentelemetry`
//! picks their parent from the `tracing` span stack, which the call is not
//! on.
//!
//! Only a `tracing-opentelemetry` layer of the version llm-trace depends on
//! (0.34, built on opentelemetry 0.33) is seen; with any other, or with no
//! layer, [`parent`] returns the current context unchanged.

use opentelemetry::trace::TraceContextExt;
use opentelemetry::Context;
use tracing_opentelemetry::OpenTelemetrySpanExt;

/// The parent context of a call: `current` (the current OpenTelemetry
/// context) if it has a span; otherwise `current` with the current `tracing`
/// span's OpenTelemetry span as the parent, when there is one. `current`'s
/// other entries (baggage, metadata scopes) are kept either way.
#[inline]
pub(crate) fn parent(current: Context) -> Context {
    if current.has_active_span() {
        return current;
    }
    from_tracing_span(current)
}

fn from_tracing_span(current: Context) -> Context {
    let span = tracing::Span::current();
    if span.is_none() {
        return current;
    }
    let cx = span.context();
    let span_context = cx.span().span_context().clone();
    if span_context.is_valid() {
        current.with_remote_span_context(span_context)
    } else {
        current
    }
}
