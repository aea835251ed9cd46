//! Outside strings do not grow memory: a model name of any length, from the
//! request or the reply, is bounded where it enters (cut on the span, never
//! a metric attribute or a price look-up as it is), so nothing of it stays
//! once the call is over, however many distinct ones arrive.
//!
//! Memory is measured by a counting global allocator (this binary has one
//! test, so no other test allocates meanwhile).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};
use std::time::Duration;

use llm_trace::llm_call;
use llm_trace::metadata::MAX_MODEL_BYTES;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry::{global, Value};
use opentelemetry_sdk::metrics::{InMemoryMetricExporter, PeriodicReader, SdkMeterProvider};
use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider};
use serde_json::json;

struct Counting;

/// Bytes allocated and not freed.
static LIVE: AtomicIsize = AtomicIsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        System.dealloc(ptr, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(
            new_size as isize - layout.size() as isize,
            Ordering::Relaxed,
        );
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

#[llm_call(provider = "openai", request = req)]
async fn chat(req: serde_json::Value, response: serde_json::Value) -> serde_json::Value {
    let _ = req;
    response
}

/// A call site whose first model is the long one.
#[llm_call(provider = "openai", request = req)]
async fn first_long(req: serde_json::Value, response: serde_json::Value) -> serde_json::Value {
    let _ = req;
    response
}

fn request(model: &str) -> serde_json::Value {
    json!({"model": model, "messages": []})
}

fn reply(model: &str) -> serde_json::Value {
    json!({
        "id": "chatcmpl-1", "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 1000, "completion_tokens": 100}
    })
}

fn string(span: &opentelemetry_sdk::trace::SpanData, key: &str) -> String {
    match span.attributes.iter().find(|kv| kv.key.as_str() == key) {
        Some(kv) => match &kv.value {
            Value::String(s) => s.as_str().to_owned(),
            other => panic!("{key} is a string, not {other:?}"),
        },
        None => panic!("{key} is recorded"),
    }
}

#[test]
fn long_models_are_cut_on_the_span_and_nothing_of_them_stays() {
    let spans = InMemorySpanExporter::default();
    let tracer = SdkTracerProvider::builder()
        .with_simple_exporter(spans.clone())
        .build();
    global::set_tracer_provider(tracer.clone());
    let metrics = InMemoryMetricExporter::default();
    let meters = SdkMeterProvider::builder()
        .with_reader(PeriodicReader::builder(metrics.clone()).build())
        .build();
    global::set_meter_provider(meters.clone());
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let settle = || {
        assert!(llm_trace::cost::flush(Duration::from_secs(60)));
        spans.reset();
    };

    // Warm up: the instruments, the price data, this thread's caches.
    rt.block_on(chat(
        request("gpt-4o-mini"),
        reply("gpt-4o-mini-2024-07-18"),
    ));
    settle();
    let _ = tracer.tracer("warm-up");

    // A 16 MiB model in the request and in the reply.
    let before = LIVE.load(Ordering::Relaxed);
    {
        let huge = "m".repeat(16 << 20);
        rt.block_on(first_long(request(&huge), reply(&huge)));
        assert!(llm_trace::cost::flush(Duration::from_secs(60)));
        let finished = spans.get_finished_spans().unwrap();
        let span = finished.last().expect("the call's span");
        let cut = format!("{}…", "m".repeat(MAX_MODEL_BYTES - '…'.len_utf8()));
        // (Lengths first: a failure must not print 16 MiB.)
        let (name, request_model, response_model) = (
            span.name.to_string(),
            string(span, "gen_ai.request.model"),
            string(span, "gen_ai.response.model"),
        );
        assert_eq!(
            (name.len(), request_model.len(), response_model.len()),
            (
                "chat ".len() + MAX_MODEL_BYTES,
                MAX_MODEL_BYTES,
                MAX_MODEL_BYTES
            )
        );
        assert_eq!(name, format!("chat {cut}"));
        assert_eq!(request_model, cut);
        assert_eq!(response_model, cut);
        assert!(!span
            .attributes
            .iter()
            .any(|kv| kv.key.as_str() == "llm_trace.cost.usd"));
    }
    settle();
    let kept = LIVE.load(Ordering::Relaxed) - before;
    assert!(
        kept < 1 << 20,
        "a 16 MiB model kept {kept} bytes after its call"
    );

    // 600 distinct 64 KiB reply models, with metrics on.
    let before = LIVE.load(Ordering::Relaxed);
    for i in 0..600 {
        let model = format!("{i:04}{}", "r".repeat(64 << 10));
        rt.block_on(chat(request("gpt-4o-mini"), reply(&model)));
    }
    settle();
    let kept = LIVE.load(Ordering::Relaxed) - before;
    assert!(
        kept < 2 << 20,
        "600 distinct 64 KiB models kept {kept} bytes after their calls"
    );
    meters.force_flush().unwrap();
}
