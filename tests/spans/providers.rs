//! OpenAI-compatible providers under their own names.

use llm_trace::llm_call;
use llm_trace::provider::openai::{ChatCompletion, ChatMessage, ChatRequest};
use llm_trace_suite::capture::{attributes, Capture};
use opentelemetry::Value;
use serde_json::json;

fn deepseek_body() -> serde_json::Value {
    json!({
        "id": "5f1e", "object": "chat.completion", "created": 1, "model": "deepseek-chat",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 120, "completion_tokens": 9, "total_tokens": 129,
                  "prompt_cache_hit_tokens": 100, "prompt_cache_miss_tokens": 20}
    })
}

#[llm_call(provider = "deepseek", request = req)]
async fn deepseek(req: ChatRequest) -> Result<ChatCompletion, std::io::Error> {
    let _ = req;
    Ok(serde_json::from_value(deepseek_body()).unwrap())
}

#[tokio::test]
async fn deepseek_calls_carry_its_name_server_and_cache_hits() {
    let cap = Capture::new();
    let req = ChatRequest::new("deepseek-chat", vec![ChatMessage::user("hi")]);
    cap.run(deepseek(req)).await.unwrap();
    let attrs = attributes(&cap.span("chat deepseek-chat"));
    assert_eq!(attrs["gen_ai.provider.name"], Value::from("deepseek"));
    assert_eq!(attrs["server.address"], Value::from("api.deepseek.com"));
    assert_eq!(attrs["gen_ai.usage.input_tokens"], Value::I64(120));
    assert_eq!(
        attrs["gen_ai.usage.cache_read.input_tokens"],
        Value::I64(100)
    );
}

#[llm_call(provider = openai_compatible("together_ai"), server = "https://api.together.xyz/v1", request = body)]
async fn together(body: serde_json::Value) -> serde_json::Value {
    let _ = body;
    json!({"id": "t1", "model": "meta-llama/Llama-3.3-70B-Instruct-Turbo",
           "choices": [{"finish_reason": "length"}],
           "usage": {"prompt_tokens": 12, "completion_tokens": 64}})
}

#[tokio::test]
async fn any_openai_compatible_server_is_named_by_the_annotation() {
    let cap = Capture::new();
    cap.run(together(
        json!({"model": "meta-llama/Llama-3.3-70B-Instruct-Turbo", "max_tokens": 64}),
    ))
    .await;
    let attrs = attributes(&cap.span("chat meta-llama/Llama-3.3-70B-Instruct-Turbo"));
    assert_eq!(attrs["gen_ai.provider.name"], Value::from("together_ai"));
    assert_eq!(attrs["server.address"], Value::from("api.together.xyz"));
    assert_eq!(attrs["server.port"], Value::I64(443));
    assert_eq!(attrs["gen_ai.request.max_tokens"], Value::I64(64));
    assert_eq!(attrs["gen_ai.usage.output_tokens"], Value::I64(64));
}
