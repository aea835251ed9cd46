//! Errors, cancellation and panics: how a call that did not succeed ends.

use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

use futures::FutureExt as _;
use llm_trace::{llm_call, ErrorType};
use llm_trace_suite::capture::{attributes, Capture};
use opentelemetry::trace::Status;
use opentelemetry::Value;

#[derive(Debug)]
enum ApiError {
    RateLimited,
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("rate limited: retry after 20s")
    }
}

impl std::error::Error for ApiError {}

impl ErrorType for ApiError {
    fn error_type(&self) -> Cow<'static, str> {
        match self {
            ApiError::RateLimited => "rate_limited".into(),
        }
    }
}

#[llm_call(provider = "openai", model = "gpt-4o")]
async fn typed_error() -> Result<String, ApiError> {
    Err(ApiError::RateLimited)
}

#[tokio::test]
async fn err_sets_status_and_the_error_type_the_error_names() {
    let cap = Capture::new();
    let err = cap.run(typed_error()).await.unwrap_err();
    assert!(matches!(err, ApiError::RateLimited));

    let span = cap.span("chat gpt-4o");
    assert_eq!(span.status, Status::error("rate limited: retry after 20s"));
    assert_eq!(attributes(&span)["error.type"], Value::from("rate_limited"));
}

#[derive(Debug)]
struct Opaque {
    #[allow(dead_code)]
    code: u16,
}

#[llm_call(provider = "openai", model = "gpt-4o")]
async fn debug_only_error() -> Result<u32, Opaque> {
    Err(Opaque { code: 503 })
}

#[tokio::test]
async fn an_error_without_error_type_is_named_by_its_type_path() {
    let cap = Capture::new();
    cap.run(debug_only_error()).await.unwrap_err();
    let span = cap.span("chat gpt-4o");
    assert_eq!(
        attributes(&span)["error.type"],
        Value::from("spans::outcome::Opaque")
    );
    assert_eq!(span.status, Status::error("Opaque { code: 503 }"));
}

#[llm_call(provider = "anthropic", model = "claude-haiku-4-5")]
async fn anyhow_error(fail: bool) -> anyhow::Result<u8> {
    if fail {
        anyhow::bail!("upstream closed the connection");
    }
    Ok(1)
}

#[tokio::test]
async fn result_aliases_are_recognized_by_type() {
    let cap = Capture::new();
    assert_eq!(cap.run(anyhow_error(false)).await.unwrap(), 1);
    cap.run(anyhow_error(true)).await.unwrap_err();

    let spans = cap.spans();
    assert_eq!(spans.len(), 2);
    assert_eq!(spans[0].status, Status::Unset);
    assert!(!attributes(&spans[0]).contains_key("error.type"));
    assert_eq!(
        spans[1].status,
        Status::error("upstream closed the connection")
    );
    assert_eq!(
        attributes(&spans[1])["error.type"],
        Value::from("anyhow::Error")
    );
}

#[llm_call(provider = "openai", model = "gpt-4o")]
async fn slow() -> Result<u8, ApiError> {
    tokio::time::sleep(Duration::from_secs(60)).await;
    Ok(1)
}

#[tokio::test]
async fn a_dropped_future_ends_the_span_as_cancelled() {
    let cap = Capture::new();
    let timed_out = cap
        .run(tokio::time::timeout(Duration::from_millis(10), slow()))
        .await;
    assert!(timed_out.is_err());

    let span = cap.span("chat gpt-4o");
    let attrs = attributes(&span);
    assert_eq!(attrs["error.type"], Value::from("cancelled"));
    assert_eq!(attrs["llm_trace.cancelled"], Value::from(true));
    assert_eq!(
        span.status,
        Status::error("cancelled: the call's future was dropped before it completed")
    );
}

#[tokio::test]
async fn a_future_never_polled_starts_no_span() {
    // Like any async fn, nothing runs until the first poll: no call, no span.
    let cap = Capture::new();
    cap.run(async {
        drop(slow());
    })
    .await;
    assert!(cap.spans().is_empty());
}

#[llm_call(provider = "openai", model = "gpt-4o")]
async fn panics(after_await: bool) -> Result<u8, ApiError> {
    if after_await {
        tokio::task::yield_now().await;
    }
    panic!("model returned nonsense");
}

#[tokio::test]
async fn a_panic_ends_the_span_as_an_error_and_propagates_unchanged() {
    for after_await in [false, true] {
        let cap = Capture::new();
        let caught = cap
            .run(std::panic::AssertUnwindSafe(panics(after_await)).catch_unwind())
            .await;
        let payload = caught.expect_err("the panic propagates");
        assert_eq!(
            payload.downcast_ref::<&str>(),
            Some(&"model returned nonsense")
        );

        let span = cap.span("chat gpt-4o");
        assert_eq!(attributes(&span)["error.type"], Value::from("panic"));
        assert_eq!(
            span.status,
            Status::error("panicked: model returned nonsense")
        );
        let event = span.events.iter().next().expect("an exception event");
        assert_eq!(event.name, "exception");
        assert!(event
            .attributes
            .iter()
            .any(|kv| kv.key.as_str() == "exception.message"
                && kv.value == Value::from("model returned nonsense")));
    }
}

#[tokio::test]
async fn a_panic_in_a_spawned_task_reaches_the_join_handle_with_its_payload() {
    let cap = Capture::new();
    let cx = cap.context().clone();
    let joined = tokio::spawn(opentelemetry::trace::FutureExt::with_context(
        panics(true),
        cx,
    ))
    .await;
    let payload = joined.unwrap_err().into_panic();
    assert_eq!(
        payload.downcast_ref::<&str>(),
        Some(&"model returned nonsense")
    );
    assert_eq!(cap.spans().len(), 1);
}

#[llm_call(provider = "openai", model = "gpt-4o")]
async fn plain_value() -> (u8, &'static str) {
    (7, "seven")
}

#[tokio::test]
async fn a_plain_return_value_is_returned_unchanged_with_an_unset_status() {
    let cap = Capture::new();
    assert_eq!(cap.run(plain_value()).await, (7, "seven"));
    assert_eq!(cap.span("chat gpt-4o").status, Status::Unset);
}
