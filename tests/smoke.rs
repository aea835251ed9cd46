use llm_trace::llm_call;
use llm_trace::provider::openai::{ChatCompletion, ChatMessage, ChatRequest};
use llm_trace_suite::capture::{attributes, Capture};

#[derive(Debug)]
struct ApiError;

#[llm_call(provider = "openai", prompt_id = 5, feature = "summarize", request = req, fields(user.id = user_id))]
async fn summarize(user_id: u64, req: ChatRequest) -> Result<ChatCompletion, ApiError> {
    let body = serde_json::json!({
        "id": "chatcmpl-1", "model": "gpt-4o-mini-2024-07-18",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 3, "total_tokens": 13}
    });
    Ok(serde_json::from_value(body).unwrap())
}

#[tokio::test]
async fn smoke() {
    let cap = Capture::new();
    let req = ChatRequest::new("gpt-4o-mini", vec![ChatMessage::user("hi")]);
    cap.run(summarize(7, req)).await.unwrap();
    let span = cap.span("chat gpt-4o-mini");
    println!("{:#?}", attributes(&span));
}
