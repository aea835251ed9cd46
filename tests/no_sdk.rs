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

#[llm_call(provider = "openai", model = "late")]
async fn late() -> serde_json::Value {
    serde_json::json!({"usage": {"prompt_tokens": 3, "completion_tokens": 1}})
}

#[tokio::test]
async fn a_meter_provider_installed_after_the_first_call_is_used() {
    use opentelemetry_sdk::metrics::{InMemoryMetricExporter, PeriodicReader, SdkMeterProvider};

    late().await; // instruments from the no-op provider get cached here
    let exporter = InMemoryMetricExporter::default();
    let provider = SdkMeterProvider::builder()
        .with_reader(PeriodicReader::builder(exporter.clone()).build())
        .build();
    opentelemetry::global::set_meter_provider(provider.clone());
    late().await;
    provider.force_flush().unwrap();

    let exported = exporter.get_finished_metrics().unwrap();
    let names: Vec<String> = exported
        .iter()
        .flat_map(|rm| rm.scope_metrics())
        .flat_map(|sm| sm.metrics())
        .map(|m| m.name().to_owned())
        .collect();
    assert!(
        names.contains(&"gen_ai.client.token.usage".to_owned()),
        "{names:?}"
    );
    assert!(
        names.contains(&"gen_ai.client.operation.duration".to_owned()),
        "{names:?}"
    );
}

/// The headers the body of an instrumented call would send.
#[llm_call(provider = "openai", model = "gpt-4o", response = none)]
async fn outgoing_headers() -> http::HeaderMap {
    tokio::task::yield_now().await;
    let mut headers = http::HeaderMap::new();
    llm_trace::propagation::inject(&mut headers);
    headers
}

#[tokio::test]
async fn without_an_sdk_the_body_propagates_the_callers_context() {
    use opentelemetry::baggage::BaggageExt;
    use opentelemetry::context::FutureExt;
    use opentelemetry::trace::{SpanContext, SpanId, TraceFlags, TraceId, TraceState};
    use opentelemetry::KeyValue;

    // Nothing current: nothing to propagate, as without the call.
    let headers = outgoing_headers().await;
    assert!(headers.get("traceparent").is_none(), "{headers:?}");
    assert!(headers.get("baggage").is_none(), "{headers:?}");

    // Baggage only (no span): the baggage goes on.
    let cx = Context::new().with_baggage([KeyValue::new("tenant", "acme")]);
    let headers = outgoing_headers().with_context(cx).await;
    assert!(headers.get("traceparent").is_none(), "{headers:?}");
    assert_eq!(headers["baggage"], "tenant=acme");

    // A remote parent (an incoming `traceparent`) and baggage: both go on.
    let remote = SpanContext::new(
        TraceId::from(0x0af7651916cd43dd8448eb211c80319c),
        SpanId::from(0xb7ad6b7169203331),
        TraceFlags::SAMPLED,
        true,
        TraceState::NONE,
    );
    let cx = Context::new()
        .with_remote_span_context(remote)
        .with_baggage([KeyValue::new("tenant", "acme")]);
    let headers = outgoing_headers().with_context(cx).await;
    assert_eq!(
        headers["traceparent"],
        "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    );
    assert_eq!(headers["baggage"], "tenant=acme");
}
