//! With no tracer provider installed, instrumented functions run unchanged,
//! evaluate no `fields(...)` and still propagate the caller's context.

use std::sync::atomic::{AtomicUsize, Ordering};

use llm_trace::llm_call;
use opentelemetry::trace::TraceContextExt;
use opentelemetry::Context;

fn counted(evaluations: &AtomicUsize) -> u64 {
    evaluations.fetch_add(1, Ordering::SeqCst);
    7
}

#[llm_call(provider = "openai", model = "gpt-4o", fields(user.id = counted(evaluations)))]
async fn call(evaluations: &AtomicUsize, x: u32) -> Result<u32, std::io::Error> {
    tokio::task::yield_now().await;
    assert!(!Context::current().span().is_recording());
    Ok(x * 2)
}

#[tokio::test]
async fn without_an_sdk_fields_are_not_evaluated_and_results_are_unchanged() {
    let evaluations = AtomicUsize::new(0);
    for x in 0..100 {
        assert_eq!(call(&evaluations, x).await.unwrap(), x * 2);
    }
    assert_eq!(evaluations.load(Ordering::SeqCst), 0);
}
