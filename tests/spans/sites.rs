//! One call site called with different models and servers: each call's span
//! names its own, whichever the site saw first (the first is kept once per
//! site so that repeated calls allocate nothing).

use llm_trace::llm_call;
use llm_trace::provider::openai::{ChatMessage, ChatRequest};
use llm_trace_testkit::capture::{attributes, Capture};
use opentelemetry::Value;

#[llm_call(provider = "openai", request = req, server = server)]
async fn routed(req: ChatRequest, server: &str) -> String {
    req.model
}

fn request(model: &str) -> ChatRequest {
    ChatRequest::new(model, vec![ChatMessage::user("hi")])
}

#[tokio::test]
async fn each_call_names_its_own_model_and_server() {
    let calls = [
        ("gpt-4o-mini", "https://api.openai.com/v1"),
        ("gpt-4.1", "http://127.0.0.1:8080/v1"),
        ("gpt-4o-mini", "https://api.openai.com/v1"),
        ("o3", "https://api.openai.com/v1"),
        ("gpt-4.1", "gateway.internal:9000"),
    ];
    for (model, server) in calls {
        let capture = Capture::new();
        assert_eq!(capture.run(routed(request(model), server)).await, model);
        let span = capture.span(&format!("chat {model}"));
        let attributes = attributes(&span);
        assert_eq!(attributes["gen_ai.request.model"], Value::from(model));
        let (host, port) = match server {
            "https://api.openai.com/v1" => ("api.openai.com", 443),
            "http://127.0.0.1:8080/v1" => ("127.0.0.1", 8080),
            _ => ("gateway.internal", 9000),
        };
        assert_eq!(attributes["server.address"], Value::from(host), "{server}");
        assert_eq!(attributes["server.port"], Value::I64(port), "{server}");
    }
}
