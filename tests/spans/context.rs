//! The call's span is the current context while its body runs, on every
//! poll and every thread; it nests under the caller's span and restores the
//! caller's context afterwards.

use llm_trace::llm_call;
use llm_trace_testkit::capture::Capture;
use opentelemetry::trace::{FutureExt, TraceContextExt, Tracer};
use opentelemetry::{global, Context};

#[llm_call(provider = "anthropic", model = "claude-haiku-4-5", name = "inner")]
async fn inner() -> u8 {
    tokio::task::yield_now().await;
    1
}

#[llm_call(provider = "openai", model = "gpt-4o", name = "outer")]
async fn outer() -> u8 {
    // A user span opened inside the body becomes a child of the call.
    let tracer = global::tracer("app");
    let span = tracer.start("tool lookup");
    let cx = Context::current_with_span(span);
    let looked_up = async {
        tokio::task::yield_now().await;
        2
    }
    .with_context(cx.clone())
    .await;
    cx.span().end();
    looked_up + inner().await + inner().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nested_calls_and_user_spans_are_children_of_the_call() {
    let cap = Capture::new();
    assert_eq!(cap.run(outer()).await, 4);

    let outer = cap.span("outer");
    let tool = cap.span("tool lookup");
    let inners: Vec<_> = cap
        .spans()
        .into_iter()
        .filter(|s| s.name == "inner")
        .collect();
    assert_eq!(outer.parent_span_id, cap.root_span_id());
    assert_eq!(tool.parent_span_id, outer.span_context.span_id());
    assert_eq!(inners.len(), 2);
    for inner in &inners {
        assert_eq!(inner.parent_span_id, outer.span_context.span_id());
        assert_eq!(inner.span_context.trace_id(), outer.span_context.trace_id());
    }
}

#[tokio::test]
async fn a_span_the_user_opened_around_the_call_is_its_parent() {
    let cap = Capture::new();
    let tracer = global::tracer("app");
    let parent = cap.run(async { tracer.start("answer_question") }).await;
    let cx = cap.context().with_span(parent);
    inner().with_context(cx.clone()).await;
    cx.span().end();

    let parent = cap.span("answer_question");
    assert_eq!(
        cap.span("inner").parent_span_id,
        parent.span_context.span_id()
    );
}

#[llm_call(provider = "openai", model = "gpt-4o", name = "hops")]
async fn hops_threads() -> Vec<bool> {
    // Each await may resume on the other worker; the call's span must be
    // current every time.
    let mut seen = Vec::new();
    for _ in 0..50 {
        tokio::task::yield_now().await;
        let current = Context::current();
        seen.push(current.span().span_context().is_valid());
        let spawned = tokio::spawn(async { 1 }).await.unwrap();
        assert_eq!(spawned, 1);
    }
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_span_is_current_across_every_await_on_a_multi_threaded_runtime() {
    let cap = Capture::new();
    let root = cap.root_span_id();
    let span_ids = cap
        .run(async {
            let before = Context::current().span().span_context().span_id();
            let seen = hops_threads().await;
            let after = Context::current().span().span_context().span_id();
            (before, seen, after)
        })
        .await;
    assert_eq!(span_ids.0, root);
    assert!(span_ids.1.iter().all(|valid| *valid));
    assert_eq!(span_ids.2, root, "the caller's context is restored");
}

#[llm_call(provider = "openai", model = "gpt-4o", name = "observer", response = none)]
async fn current_span_id() -> opentelemetry::trace::SpanId {
    tokio::task::yield_now().await;
    Context::current().span().span_context().span_id()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_body_sees_the_calls_own_span_as_current() {
    let cap = Capture::new();
    let seen = cap.run(current_span_id()).await;
    assert_eq!(seen, cap.span("observer").span_context.span_id());
}
