//! Metadata values of any size and type, one `key=value` a line, recorded
//! through `fields(...)`, `current_call()` and a metadata scope onto a real
//! span, whose attributes must stay within the documented bounds.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use llm_trace::opentelemetry::{global, Value};
use llm_trace::opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider};
use llm_trace_testkit::hostile;

#[llm_trace::llm_call(provider = "openai", model = "m", fields(field = field))]
async fn record(field: Value, body: Vec<(String, Value)>) {
    let call = llm_trace::current_call();
    for (key, value) in body {
        call.set_attribute(key, value);
    }
}

struct Harness {
    exporter: InMemorySpanExporter,
    runtime: tokio::runtime::Runtime,
}

fn harness() -> &'static Harness {
    static HARNESS: OnceLock<Harness> = OnceLock::new();
    HARNESS.get_or_init(|| {
        let exporter = InMemorySpanExporter::default();
        global::set_tracer_provider(
            SdkTracerProvider::builder()
                .with_simple_exporter(exporter.clone())
                .build(),
        );
        Harness {
            exporter,
            runtime: tokio::runtime::Builder::new_current_thread()
                .build()
                .expect("a runtime"),
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let harness = harness();
    let entries = hostile::metadata_from_text(data);
    for (_, value) in &entries {
        let bounded = llm_trace::metadata::bounded_value(value.clone());
        // Bounding twice changes nothing more; compared as text, where a
        // NaN (`x=nan`) equals itself.
        let again = llm_trace::metadata::bounded_value(bounded.clone());
        assert_eq!(format!("{again:?}"), format!("{bounded:?}"));
    }
    let field = entries.first().map_or(Value::I64(0), |(_, v)| v.clone());
    let scoped: Vec<(String, Value)> = entries.clone();
    harness
        .runtime
        .block_on(llm_trace::with_metadata(scoped, record(field, entries)));
    let spans = harness.exporter.get_finished_spans().expect("spans");
    assert_eq!(spans.len(), 1);
    hostile::check_span_bounds(&spans[0]);
    harness.exporter.reset();
});
