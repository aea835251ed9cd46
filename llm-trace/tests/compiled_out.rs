//! The `off` feature compiles the instrumentation away: annotated functions
//! are the functions as written. Run with
//! `cargo test -p llm-trace --features off --test compiled_out` (a plain
//! `cargo test` builds this file empty: the feature is off there).
#![cfg(feature = "off")]

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};

use llm_trace::opentelemetry::global;
use llm_trace::opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider};
use llm_trace::{llm_call, workflow};

static DISPLAYED: AtomicUsize = AtomicUsize::new(0);

struct Counted;

impl std::fmt::Display for Counted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        DISPLAYED.fetch_add(1, Ordering::Relaxed);
        f.write_str("counted")
    }
}

#[llm_call(provider = "openai", model = "gpt-4o-mini", feature = "off",
           fields(user.tier = %tier))]
async fn instrumented(question: &str, tier: Counted) -> Result<String, std::io::Error> {
    let _ = &tier;
    assert!(!llm_trace::current_call().is_recording());
    Ok(format!("echo: {question}"))
}

/// `instrumented` as written, without the attribute.
async fn plain(question: &str, tier: Counted) -> Result<String, std::io::Error> {
    let _ = &tier;
    assert!(!llm_trace::current_call().is_recording());
    Ok(format!("echo: {question}"))
}

#[workflow(name = "compiled_out")]
async fn flow(question: &str) -> Result<String, std::io::Error> {
    instrumented(question, Counted).await
}

fn size_of_future<F: Future>(_: &F) -> usize {
    std::mem::size_of::<F>()
}

#[test]
fn annotated_functions_are_compiled_as_written() {
    const { assert!(!llm_trace::switch::COMPILED_IN) };
    // The instrumented future holds the call and its span next to the body;
    // compiled out, the future is the plain function's.
    assert_eq!(
        size_of_future(&instrumented("q", Counted)),
        size_of_future(&plain("q", Counted))
    );
}

#[test]
fn compiled_out_calls_record_no_span_even_when_switched_on() {
    let exporter = InMemorySpanExporter::default();
    let provider = SdkTracerProvider::builder()
        .with_simple_exporter(exporter.clone())
        .build();
    global::set_tracer_provider(provider.clone());
    llm_trace::set_enabled(true);
    assert!(!llm_trace::is_enabled(), "nothing to switch on");

    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let output = runtime.block_on(async {
        let answer = instrumented("hi", Counted).await.unwrap();
        let nested = flow("nested").await.unwrap();
        (answer, nested)
    });

    assert_eq!(output, ("echo: hi".to_owned(), "echo: nested".to_owned()));
    provider.force_flush().unwrap();
    assert_eq!(exporter.get_finished_spans().unwrap().len(), 0);
    assert_eq!(DISPLAYED.load(Ordering::Relaxed), 0, "fields not evaluated");
}
