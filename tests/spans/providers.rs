//! OpenAI-compatible providers under their own names.

use llm_trace::llm_call;
use llm_trace::provider::openai::{ChatCompletion, ChatMessage, ChatRequest};
use llm_trace_testkit::capture::{attributes, Capture};
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

#[test]
fn raw_responses_api_bodies_are_recognized_by_parse_response_and_parse_request() {
    let body = json!({
        "id": "resp_1", "object": "response", "status": "completed", "model": "gpt-4.1-2025-04-14",
        "output": [{"type": "message", "role": "assistant",
                    "content": [{"type": "output_text", "text": "hi"}]}],
        "usage": {"input_tokens": 36, "input_tokens_details": {"cached_tokens": 20},
                  "output_tokens": 87, "output_tokens_details": {"reasoning_tokens": 40},
                  "total_tokens": 123}
    });
    let info = llm_trace::provider::parse_response("openai", &body).unwrap();
    assert_eq!(info.id.as_deref(), Some("resp_1"));
    assert_eq!(info.model.as_deref(), Some("gpt-4.1-2025-04-14"));
    assert_eq!(info.finish_reasons, ["stop"]);
    let usage = info.usage.unwrap();
    assert_eq!(
        (
            usage.input_tokens,
            usage.cache_read_input_tokens,
            usage.output_tokens,
            usage.reasoning_output_tokens
        ),
        (Some(36), Some(20), Some(87), Some(40))
    );
    let request = json!({"model": "gpt-4.1", "input": "hi", "max_output_tokens": 9});
    let info = llm_trace::provider::parse_request("azure.ai.openai", &request).unwrap();
    assert_eq!(info.max_tokens, Some(9));
    assert_eq!(
        llm_trace::provider::parse_response("bedrock", &body)
            .unwrap_err()
            .to_string(),
        format!(
            "unknown provider \"bedrock\": known are {}",
            llm_trace::provider::KNOWN_PROVIDERS.join(", ")
        )
    );
}

#[llm_call(
    provider = "azure.ai.openai",
    model = "prod-gpt4o",
    server = "https://acme.openai.azure.com"
)]
async fn azure() -> serde_json::Value {
    json!({"id": "chatcmpl-az", "model": "gpt-4o-2024-11-20",
           "choices": [{"index": 0, "finish_reason": "content_filter", "content_filter_results": {}}],
           "usage": {"prompt_tokens": 5, "completion_tokens": 0}})
}

#[tokio::test]
async fn azure_names_the_deployment_as_request_model_and_the_real_model_as_response_model() {
    let cap = Capture::new();
    cap.run(azure()).await;
    let attrs = attributes(&cap.span("chat prod-gpt4o"));
    assert_eq!(
        attrs["gen_ai.provider.name"],
        Value::from("azure.ai.openai")
    );
    assert_eq!(attrs["gen_ai.request.model"], Value::from("prod-gpt4o"));
    assert_eq!(
        attrs["gen_ai.response.model"],
        Value::from("gpt-4o-2024-11-20")
    );
    assert_eq!(
        attrs["server.address"],
        Value::from("acme.openai.azure.com")
    );
}

#[llm_call(provider = "aws.bedrock", server = "bedrock-runtime.eu-west-1.amazonaws.com", request = body)]
async fn bedrock(body: serde_json::Value) -> serde_json::Value {
    let _ = body;
    json!({"output": {"message": {"role": "assistant", "content": [{"text": "hi"}]}},
           "stopReason": "end_turn",
           "usage": {"inputTokens": 10, "outputTokens": 4, "totalTokens": 1214,
                     "cacheReadInputTokens": 1000, "cacheWriteInputTokens": 200}})
}

#[tokio::test]
async fn bedrock_converse_sums_cache_tokens_into_input_tokens() {
    let cap = Capture::new();
    cap.run(bedrock(
        json!({"modelId": "anthropic.claude-3-5-haiku-20241022-v1:0",
                           "inferenceConfig": {"maxTokens": 256, "temperature": 0.1}}),
    ))
    .await;
    let attrs = attributes(&cap.span("chat anthropic.claude-3-5-haiku-20241022-v1:0"));
    assert_eq!(attrs["gen_ai.provider.name"], Value::from("aws.bedrock"));
    assert_eq!(
        attrs["server.address"],
        Value::from("bedrock-runtime.eu-west-1.amazonaws.com")
    );
    assert_eq!(attrs["gen_ai.request.max_tokens"], Value::I64(256));
    assert_eq!(attrs["gen_ai.usage.input_tokens"], Value::I64(1210));
    assert_eq!(
        attrs["gen_ai.usage.cache_read.input_tokens"],
        Value::I64(1000)
    );
    assert_eq!(
        attrs["gen_ai.usage.cache_write.input_tokens"],
        Value::I64(200)
    );
    assert_eq!(
        attrs["gen_ai.response.finish_reasons"],
        crate::strs(&["end_turn"])
    );
}

#[llm_call(provider = "ollama", request = body)]
async fn ollama(body: serde_json::Value) -> serde_json::Value {
    let _ = body;
    json!({"model": "llama3.2", "created_at": "2025-01-01T00:00:00Z",
           "message": {"role": "assistant", "content": "hi"}, "done": true,
           "done_reason": "stop", "prompt_eval_count": 26, "eval_count": 298})
}

#[llm_call(
    provider = "ollama",
    operation = "embeddings",
    model = "all-minilm",
    name = "ollama embed"
)]
async fn ollama_embed() -> serde_json::Value {
    json!({"model": "all-minilm", "embeddings": [[0.1, 0.2, 0.3, 0.4]], "prompt_eval_count": 8})
}

#[tokio::test]
async fn ollama_chat_and_embeddings_are_normalized() {
    let cap = Capture::new();
    cap.run(ollama(
        json!({"model": "llama3.2", "options": {"temperature": 0.3, "num_predict": 128}}),
    ))
    .await;
    cap.run(ollama_embed()).await;
    let chat = attributes(&cap.span("chat llama3.2"));
    assert_eq!(chat["gen_ai.provider.name"], Value::from("ollama"));
    assert_eq!(chat["server.address"], Value::from("localhost"));
    assert_eq!(chat["server.port"], Value::I64(11434));
    assert_eq!(chat["gen_ai.request.max_tokens"], Value::I64(128));
    assert_eq!(chat["gen_ai.usage.input_tokens"], Value::I64(26));
    assert_eq!(chat["gen_ai.usage.output_tokens"], Value::I64(298));
    let embed = attributes(&cap.span("ollama embed"));
    assert_eq!(embed["gen_ai.operation.name"], Value::from("embeddings"));
    assert_eq!(embed["gen_ai.usage.input_tokens"], Value::I64(8));
    assert_eq!(embed["gen_ai.embeddings.dimension.count"], Value::I64(4));
}

#[test]
fn cohere_reports_used_tokens_and_keeps_billed_ones_for_metrics() {
    let body = json!({
        "id": "c14c80c3", "finish_reason": "COMPLETE",
        "message": {"role": "assistant", "content": [{"type": "text", "text": "hi"}]},
        "usage": {"billed_units": {"input_tokens": 5, "output_tokens": 2},
                  "tokens": {"input_tokens": 71, "output_tokens": 2}}
    });
    let info = llm_trace::provider::parse_response("cohere", &body).unwrap();
    let usage = info.usage.unwrap();
    assert_eq!(
        (usage.input_tokens, usage.output_tokens),
        (Some(71), Some(2))
    );
    assert_eq!(
        (usage.billable_input_tokens, usage.billable_output_tokens),
        (Some(5), Some(2))
    );
    assert_eq!(info.finish_reasons, ["COMPLETE"]);
}

#[llm_call(provider = "gcp.vertex_ai", model = "gemini-2.5-flash")]
async fn vertex() -> serde_json::Value {
    json!({"candidates": [{"content": {"role": "model", "parts": [{"text": "hi"}]}, "finishReason": "STOP"}],
           "usageMetadata": {"promptTokenCount": 1200, "candidatesTokenCount": 80,
                             "thoughtsTokenCount": 300, "cachedContentTokenCount": 1024},
           "modelVersion": "gemini-2.5-flash-001", "responseId": "r-1"})
}

#[tokio::test]
async fn gemini_thoughts_count_as_output_and_reasoning() {
    let cap = Capture::new();
    cap.run(vertex()).await;
    let attrs = attributes(&cap.span("generate_content gemini-2.5-flash"));
    assert_eq!(attrs["gen_ai.provider.name"], Value::from("gcp.vertex_ai"));
    assert_eq!(
        attrs["gen_ai.operation.name"],
        Value::from("generate_content")
    );
    assert_eq!(attrs["gen_ai.usage.input_tokens"], Value::I64(1200));
    assert_eq!(
        attrs["gen_ai.usage.cache_read.input_tokens"],
        Value::I64(1024)
    );
    assert_eq!(attrs["gen_ai.usage.output_tokens"], Value::I64(380));
    assert_eq!(
        attrs["gen_ai.usage.reasoning.output_tokens"],
        Value::I64(300)
    );
    assert_eq!(
        attrs["gen_ai.response.model"],
        Value::from("gemini-2.5-flash-001")
    );
    assert_eq!(
        attrs["gen_ai.response.finish_reasons"],
        // As opentelemetry-instrumentation-google-genai records `STOP`.
        crate::strs(&["stop"])
    );
}

#[llm_call(provider = "openai", operation = "embeddings", request = req)]
async fn embed(
    req: llm_trace::provider::openai::EmbeddingRequest,
) -> Result<llm_trace::provider::openai::EmbeddingResponse, std::io::Error> {
    let _ = req;
    Ok(serde_json::from_value(json!({
        "object": "list", "model": "text-embedding-3-small",
        "data": [{"object": "embedding", "index": 0, "embedding": [0.0023, -0.0093, 0.0158]}],
        "usage": {"prompt_tokens": 8, "total_tokens": 8}
    }))
    .unwrap())
}

#[tokio::test]
async fn openai_embeddings_give_input_tokens_and_the_dimension_count() {
    let cap = Capture::new();
    let req = llm_trace::provider::openai::EmbeddingRequest {
        model: "text-embedding-3-small".into(),
        input: json!("The food was delicious"),
        ..Default::default()
    };
    cap.run(embed(req)).await.unwrap();
    let attrs = attributes(&cap.span("embeddings text-embedding-3-small"));
    assert_eq!(attrs["gen_ai.operation.name"], Value::from("embeddings"));
    assert_eq!(attrs["gen_ai.usage.input_tokens"], Value::I64(8));
    assert!(!attrs.contains_key("gen_ai.usage.output_tokens"));
    assert_eq!(attrs["gen_ai.embeddings.dimension.count"], Value::I64(3));
    let raw = json!({"object": "list", "model": "m", "data": [{"embedding": [1.0, 2.0]}],
                     "usage": {"prompt_tokens": 2, "total_tokens": 2}});
    let info = llm_trace::provider::parse_response("openai", &raw).unwrap();
    assert_eq!(info.embeddings_dimension_count, Some(2));
    assert_eq!(info.usage.unwrap().input_tokens, Some(2));
}
