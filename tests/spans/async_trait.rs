//! `#[llm_call]` on methods of `#[async_trait]` traits: the impl's attribute
//! expands first, so `#[llm_call]` sees async-trait's expansion (a fn that
//! returns `Pin<Box<dyn Future>>`) and instruments its `async move` block.

use async_trait::async_trait;
use llm_trace::llm_call;
use llm_trace::provider::openai::{ChatCompletion, ChatMessage, ChatRequest};
use llm_trace_testkit::attrs;
use llm_trace_testkit::capture::{attributes, Capture};
use opentelemetry::trace::Status;
use opentelemetry::Value;

#[derive(Debug)]
pub struct ApiError(u16);

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "status {}", self.0)
    }
}

impl llm_trace::ErrorType for ApiError {
    fn error_type(&self) -> std::borrow::Cow<'static, str> {
        self.0.to_string().into()
    }
}

#[async_trait]
pub trait Llm: Send + Sync {
    async fn chat(&self, request: ChatRequest, user: &str) -> Result<ChatCompletion, ApiError>;

    // A default method is expanded by async-trait the same way.
    #[llm_call(provider = "openai", model = "gpt-4o-mini", name = "default_method")]
    async fn ping(&self) -> u8 {
        7
    }
}

pub struct OpenAiLlm {
    base_url: String,
    fail: Option<u16>,
}

#[async_trait]
impl Llm for OpenAiLlm {
    #[llm_call(provider = "openai", request = request, server = self.base_url,
               feature = "async_trait", fields(user = %user))]
    async fn chat(&self, request: ChatRequest, user: &str) -> Result<ChatCompletion, ApiError> {
        tokio::task::yield_now().await;
        if let Some(status) = self.fail {
            return Err(ApiError(status));
        }
        let _ = (&request, user);
        Ok(serde_json::from_value(serde_json::json!({
            "id": "chatcmpl-1", "model": "gpt-4o-2024-08-06",
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": "Oslo"}}],
            "usage": {"prompt_tokens": 12, "completion_tokens": 3, "total_tokens": 15}
        }))
        .unwrap())
    }
}

fn request() -> ChatRequest {
    ChatRequest {
        temperature: Some(0.2),
        ..ChatRequest::new("gpt-4o", vec![ChatMessage::user("Capital of Norway?")])
    }
}

#[tokio::test]
async fn a_method_of_an_async_trait_impl_called_through_dyn_records_its_span() {
    let cap = Capture::new();
    let llm: Box<dyn Llm> = Box::new(OpenAiLlm {
        base_url: "http://127.0.0.1:8080/v1".into(),
        fail: None,
    });
    let response = cap.run(llm.chat(request(), "ada")).await.unwrap();
    assert_eq!(response.id, "chatcmpl-1", "the result is unchanged");

    let span = cap.span("chat gpt-4o");
    assert_eq!(span.parent_span_id, cap.root_span_id());
    assert_eq!(span.status, Status::Unset);
    let expected = attrs! {
        "code.function.name" => "<spans::async_trait::OpenAiLlm as spans::async_trait::Llm>::chat",
        "gen_ai.operation.name" => "chat",
        "gen_ai.provider.name" => "openai",
        "gen_ai.request.model" => "gpt-4o",
        "gen_ai.request.temperature" => 0.2,
        "server.address" => "127.0.0.1",
        "server.port" => 8080,
        "feature" => "async_trait",
        "user" => "ada",
        "gen_ai.response.id" => "chatcmpl-1",
        "gen_ai.response.model" => "gpt-4o-2024-08-06",
        "gen_ai.response.finish_reasons" => super::strs(&["stop"]),
        "gen_ai.usage.input_tokens" => 12,
        "gen_ai.usage.output_tokens" => 3,
    };
    let recorded = attributes(&span);
    for (key, value) in &expected {
        assert_eq!(recorded.get(key), Some(value), "{key}");
    }
}

#[tokio::test]
async fn an_error_of_an_async_trait_method_ends_its_span_failed() {
    let cap = Capture::new();
    let llm: &dyn Llm = &OpenAiLlm {
        base_url: "http://127.0.0.1:8080/v1".into(),
        fail: Some(429),
    };
    assert_eq!(
        cap.run(llm.chat(request(), "ada")).await.unwrap_err().0,
        429
    );
    let span = cap.span("chat gpt-4o");
    assert_eq!(span.status, Status::error("status 429"));
    assert_eq!(attributes(&span)["error.type"], Value::from("429"));
}

#[tokio::test]
async fn a_default_method_of_an_async_trait_records_its_span() {
    let cap = Capture::new();
    let llm: &dyn Llm = &OpenAiLlm {
        base_url: String::new(),
        fail: None,
    };
    assert_eq!(cap.run(llm.ping()).await, 7);
    assert_eq!(
        attributes(&cap.span("default_method"))["code.function.name"],
        Value::from("spans::async_trait::Llm::ping")
    );
}
