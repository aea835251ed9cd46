//! The deprecated `gen_ai.usage.cache_creation.input_tokens` is emitted only
//! when asked for (a process-wide switch, hence its own test binary).

use llm_trace::llm_call;
use llm_trace_testkit::capture::{attributes, Capture};
use opentelemetry::Value;
use serde_json::json;

#[llm_call(provider = "anthropic", model = "claude-haiku-4-5")]
async fn cached() -> serde_json::Value {
    json!({"usage": {"input_tokens": 5, "cache_creation_input_tokens": 100, "output_tokens": 1}})
}

#[tokio::test]
async fn the_deprecated_cache_creation_key_is_opt_in() {
    let cap = Capture::new();
    cap.run(cached()).await;
    llm_trace::emit_deprecated_cache_creation(true);
    cap.run(cached()).await;
    llm_trace::emit_deprecated_cache_creation(false);

    let spans = cap.spans();
    let (before, after) = (attributes(&spans[0]), attributes(&spans[1]));
    assert!(!before.contains_key("gen_ai.usage.cache_creation.input_tokens"));
    assert_eq!(
        before["gen_ai.usage.cache_write.input_tokens"],
        Value::I64(100)
    );
    assert_eq!(
        after["gen_ai.usage.cache_creation.input_tokens"],
        Value::I64(100)
    );
    assert_eq!(
        after["gen_ai.usage.cache_write.input_tokens"],
        Value::I64(100)
    );
    assert_eq!(after["gen_ai.usage.input_tokens"], Value::I64(105));
}
