//! `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT` without `init`, and
//! the precedence: annotation, then code (builder or setter), then the
//! environment. One test: the process-wide mode is read once.

use llm_trace::content::{self, CaptureMode};
use llm_trace::llm_call;
use llm_trace::provider::openai::{ChatCompletion, ChatMessage, ChatRequest};
use llm_trace_testkit::capture::{attributes, Capture};

#[llm_call(provider = "openai", request = req)]
async fn process_wide(req: ChatRequest) -> ChatCompletion {
    let _ = &req;
    ChatCompletion::default()
}

#[llm_call(provider = "openai", capture_content = "no_content", request = req)]
async fn annotated_off(req: ChatRequest) -> ChatCompletion {
    let _ = &req;
    ChatCompletion::default()
}

async fn recorded_input(annotated: bool) -> bool {
    let capture = Capture::new();
    let request = ChatRequest::new("gpt-4o-mini", vec![ChatMessage::user("hello")]);
    if annotated {
        capture.run(annotated_off(request)).await;
    } else {
        capture.run(process_wide(request)).await;
    }
    attributes(&capture.span("chat gpt-4o-mini")).contains_key("gen_ai.input.messages")
}

#[tokio::test]
async fn the_environment_is_the_default_the_setter_and_the_annotation_win() {
    // Set before the first call reads it, as a deployment would.
    std::env::set_var(content::ENV_VAR, " span_only ");
    assert!(recorded_input(false).await);
    assert_eq!(content::capture_mode(), CaptureMode::SpanOnly);
    // The annotation wins over the environment.
    assert!(!recorded_input(true).await);
    // Code wins over the environment, which is not read again.
    content::set_capture_mode(CaptureMode::NoContent);
    assert!(!recorded_input(false).await);
    std::env::set_var(content::ENV_VAR, "SPAN_AND_EVENT");
    assert_eq!(content::capture_mode(), CaptureMode::NoContent);
}
