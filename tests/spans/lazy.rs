//! When the span does not record, `fields(...)` expressions are not
//! evaluated, and the call still returns its value.

use std::sync::atomic::{AtomicUsize, Ordering};

use llm_trace::llm_call;
use llm_trace_testkit::capture::{attributes, Capture};
use opentelemetry::trace::{Span, SpanContext, TraceContextExt, Tracer};
use opentelemetry::{global, Context, Value};

fn expensive(evaluations: &AtomicUsize, user: &str) -> String {
    evaluations.fetch_add(1, Ordering::SeqCst);
    user.to_uppercase()
}

#[llm_call(provider = "openai", model = "gpt-4o", name = "lazy",
           fields(user.name = expensive(evaluations, user), user.tier = %tier, user.flags = ?flags))]
async fn call(evaluations: &AtomicUsize, user: &str, tier: &str, flags: &[u8]) -> usize {
    user.len() + tier.len() + flags.len()
}

#[tokio::test]
async fn sampled_out_calls_do_not_evaluate_fields_and_export_nothing() {
    let cap = Capture::sampled_out();
    let evaluations = AtomicUsize::new(0);
    assert_eq!(cap.run(call(&evaluations, "ada", "pro", &[1, 2])).await, 8);
    assert_eq!(
        evaluations.load(Ordering::SeqCst),
        0,
        "fields were evaluated"
    );
    assert!(cap.spans().is_empty());
}

#[tokio::test]
async fn recorded_calls_evaluate_each_field_once() {
    let cap = Capture::new();
    let evaluations = AtomicUsize::new(0);
    assert_eq!(cap.run(call(&evaluations, "ada", "pro", &[1, 2])).await, 8);
    assert_eq!(evaluations.load(Ordering::SeqCst), 1);

    let attrs = attributes(&cap.span("lazy"));
    assert_eq!(attrs["user.name"], Value::from("ADA"));
    assert_eq!(attrs["user.tier"], Value::from("pro"));
    assert_eq!(attrs["user.flags"], Value::from("[1, 2]"));
}

#[llm_call(provider = "openai", model = "gpt-4o", name = "identity", response = none)]
async fn seen_from_the_body() -> (SpanContext, SpanContext, bool) {
    let cx = Context::current();
    let child = global::tracer("child").start("inside");
    (
        cx.span().span_context().clone(),
        child.span_context().clone(),
        cx.span().is_recording(),
    )
}

/// A sampled-out call's context carries its span's identity: a span of its
/// own (a new span id in the caller's trace, local, not sampled), which
/// spans started in its body take as their parent.
#[tokio::test]
async fn a_sampled_out_call_is_the_parent_of_what_its_body_starts() {
    let cap = Capture::sampled_out();
    let (call, child, recording) = cap.run(seen_from_the_body()).await;
    assert!(call.is_valid());
    assert!(!call.is_remote());
    assert!(!call.is_sampled());
    assert!(!recording);
    assert_eq!(
        call.trace_id(),
        cap.context().span().span_context().trace_id()
    );
    assert_ne!(call.span_id(), cap.root_span_id());
    assert_eq!(child.trace_id(), call.trace_id());
    assert!(!child.is_sampled());
    assert!(cap.spans().is_empty());
}
