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
