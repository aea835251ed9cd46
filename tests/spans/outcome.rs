//! Errors, cancellation and panics: how a call that did not succeed ends.

use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

use futures::FutureExt as _;
use llm_trace::{llm_call, ErrorType};
use llm_trace_testkit::capture::{attributes, Capture};
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
        // llm-trace's `anyhow` feature: no known error in the chain.
        Value::from("_OTHER")
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

/// How many `.await`s the body of [`steps`] has.
const AWAITS: usize = 3;

/// A panic payload of the test's own type, to check it comes out unchanged.
#[derive(Debug, PartialEq)]
struct Payload(usize);

/// Pending once (waking itself), then ready: one poll per `.await`.
struct YieldOnce(bool);

impl std::future::Future for YieldOnce {
    type Output = ();

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        task: &mut std::task::Context<'_>,
    ) -> std::task::Poll<()> {
        if self.0 {
            std::task::Poll::Ready(())
        } else {
            self.0 = true;
            task.waker().wake_by_ref();
            std::task::Poll::Pending
        }
    }
}

/// A body with [`AWAITS`] await points that panics with `Payload(k)` after
/// `k` of them when `panic_at` is `Some(k)`. It marks each step it reaches
/// through `current_call()` (`step.0`, `step.1`, ...), so a write that
/// reached the wrong span would show.
#[llm_call(provider = "openai", model = "gpt-4o", name = "steps")]
async fn steps(panic_at: Option<usize>) -> Result<u8, ApiError> {
    for step in 0..=AWAITS {
        llm_trace::current_call().set_attribute(format!("step.{step}"), true);
        if panic_at == Some(step) {
            std::panic::panic_any(Payload(step));
        }
        if step < AWAITS {
            YieldOnce(false).await;
        }
    }
    Ok(7)
}

/// The last step of [`steps`] a span reached; every step before it marked.
fn steps_reached(span: &opentelemetry_sdk::trace::SpanData) -> usize {
    let attrs = attributes(span);
    let marked: Vec<usize> = (0..=AWAITS)
        .filter(|step| attrs.get(&format!("step.{step}")) == Some(&Value::from(true)))
        .collect();
    let last = *marked.last().expect("the first step was reached");
    assert_eq!(marked, (0..=last).collect::<Vec<_>>(), "steps in order");
    last
}

/// Polls `future` up to `polls` times with a waker that does nothing,
/// catching a panic; returns its output if it completed.
fn poll_times<F: std::future::Future>(
    future: std::pin::Pin<&mut F>,
    polls: usize,
) -> Result<Option<F::Output>, Box<dyn std::any::Any + Send>> {
    let mut future = future;
    let waker = futures::task::noop_waker();
    let mut task = std::task::Context::from_waker(&waker);
    for _ in 0..polls {
        let polled = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            future.as_mut().poll(&mut task)
        }))?;
        if let std::task::Poll::Ready(output) = polled {
            return Ok(Some(output));
        }
    }
    Ok(None)
}

/// The span id of the current OpenTelemetry context.
fn current_span_id() -> opentelemetry::trace::SpanId {
    use opentelemetry::trace::TraceContextExt;
    opentelemetry::Context::current()
        .span()
        .span_context()
        .span_id()
}

#[test]
fn a_future_dropped_at_each_await_point_ends_its_span_once_as_cancelled() {
    for polls in 1..=AWAITS {
        let cap = Capture::new();
        let _root = cap.context().clone().attach();
        let mut call = Box::pin(steps(None));
        let output = poll_times(call.as_mut(), polls).expect("no panic");
        assert!(output.is_none(), "still pending after {polls} polls");
        // Between polls the caller's context is current, not the call's.
        assert_eq!(current_span_id(), cap.root_span_id());
        assert!(!llm_trace::current_call().is_recording());
        drop(call);
        assert_eq!(current_span_id(), cap.root_span_id(), "restored");
        assert!(!llm_trace::current_call().is_recording());

        let spans = cap.spans();
        assert_eq!(spans.len(), 1, "one span after {polls} polls");
        let attrs = attributes(&spans[0]);
        assert_eq!(attrs["error.type"], Value::from("cancelled"), "{polls}");
        assert_eq!(attrs["llm_trace.cancelled"], Value::from(true));
        assert_eq!(steps_reached(&spans[0]), polls - 1);
        assert_eq!(spans[0].parent_span_id, cap.root_span_id());
    }
}

#[test]
fn a_future_polled_to_completion_ends_its_span_once_without_error() {
    let cap = Capture::new();
    let _root = cap.context().clone().attach();
    let mut call = Box::pin(steps(None));
    let output = poll_times(call.as_mut(), AWAITS + 1).expect("no panic");
    assert_eq!(output.map(|r| r.ok()), Some(Some(7)));
    drop(call);
    let spans = cap.spans();
    assert_eq!(spans.len(), 1);
    assert!(!attributes(&spans[0]).contains_key("error.type"));
    assert_eq!(spans[0].status, Status::Unset);
}

#[test]
fn a_panic_at_each_point_of_the_body_ends_the_span_once_and_propagates_unchanged() {
    for panic_at in 0..=AWAITS {
        let cap = Capture::new();
        let _root = cap.context().clone().attach();
        let mut call = Box::pin(steps(Some(panic_at)));
        let payload = poll_times(call.as_mut(), AWAITS + 1).expect_err("the panic propagates");
        assert_eq!(
            payload.downcast_ref::<Payload>(),
            Some(&Payload(panic_at)),
            "same payload type and value"
        );
        assert_eq!(current_span_id(), cap.root_span_id(), "restored");
        assert!(!llm_trace::current_call().is_recording());
        // Dropping the panicked future ends nothing twice.
        drop(call);

        let spans = cap.spans();
        assert_eq!(spans.len(), 1, "one span for a panic at {panic_at}");
        let attrs = attributes(&spans[0]);
        assert_eq!(attrs["error.type"], Value::from("panic"));
        assert!(!attrs.contains_key("llm_trace.cancelled"));
        assert_eq!(steps_reached(&spans[0]), panic_at);
        assert_eq!(
            spans[0].status,
            Status::error("panicked: Box<dyn Any>"),
            "a payload that is not text is named by its kind"
        );
    }
}

#[llm_call(provider = "openai", model = "gpt-4o", name = "formatted")]
async fn formatted_panic(code: u16) -> u8 {
    tokio::task::yield_now().await;
    panic!("upstream answered {code}");
}

#[tokio::test]
async fn a_formatted_panic_message_reaches_the_caller_as_the_same_string() {
    let cap = Capture::new();
    let payload = cap
        .run(std::panic::AssertUnwindSafe(formatted_panic(503)).catch_unwind())
        .await
        .expect_err("the panic propagates");
    assert_eq!(
        payload.downcast_ref::<String>().map(String::as_str),
        Some("upstream answered 503")
    );
    let span = cap.span("formatted");
    assert_eq!(
        span.status,
        Status::error("panicked: upstream answered 503")
    );
}

#[llm_call(provider = "openai", model = "gpt-4o", name = "outer")]
async fn outer_of(inner_polls: usize) -> u8 {
    // The inner call is dropped mid-flight inside the outer body: the outer
    // call is current again right after.
    let mut inner = Box::pin(steps(None));
    let _ = poll_times(inner.as_mut(), inner_polls);
    drop(inner);
    llm_trace::current_call().set_attribute("outer.after_drop", true);
    tokio::task::yield_now().await;
    1
}

#[tokio::test]
async fn an_inner_call_dropped_in_the_body_leaves_the_outer_call_current() {
    for inner_polls in 1..=AWAITS {
        let cap = Capture::new();
        assert_eq!(cap.run(outer_of(inner_polls)).await, 1);
        let outer = cap.span("outer");
        let inner = cap.span("steps");
        assert_eq!(inner.parent_span_id, outer.span_context.span_id());
        assert_eq!(attributes(&inner)["error.type"], Value::from("cancelled"));
        let outer_attrs = attributes(&outer);
        assert_eq!(outer_attrs["outer.after_drop"], Value::from(true));
        assert!(!outer_attrs.contains_key("error.type"));
        assert!(!outer_attrs.keys().any(|k| k.starts_with("step.")));
        assert_eq!(steps_reached(&inner), inner_polls - 1);
    }
}

#[llm_call(provider = "openai", model = "gpt-4o", name = "waiting outer")]
async fn waiting_outer() -> Result<u8, ApiError> {
    steps(None).await
}

#[test]
fn dropping_an_outer_call_cancels_the_inner_one_each_span_ending_once() {
    for polls in 1..=AWAITS {
        let cap = Capture::new();
        let _root = cap.context().clone().attach();
        let mut call = Box::pin(waiting_outer());
        assert!(poll_times(call.as_mut(), polls)
            .expect("no panic")
            .is_none());
        drop(call);
        assert_eq!(current_span_id(), cap.root_span_id(), "restored");

        let spans = cap.spans();
        assert_eq!(spans.len(), 2, "{polls}");
        let outer = cap.span("waiting outer");
        let inner = cap.span("steps");
        assert_eq!(inner.parent_span_id, outer.span_context.span_id());
        for span in [&outer, &inner] {
            assert_eq!(attributes(span)["error.type"], Value::from("cancelled"));
        }
    }
}

fn completion(tokens: u64) -> llm_trace::provider::openai::ChatCompletion {
    serde_json::from_value(serde_json::json!({
        "id": "chatcmpl-1", "model": "gpt-4o-2024-08-06",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"},
                     "finish_reason": "stop"}],
        "usage": {"prompt_tokens": tokens, "completion_tokens": 2, "total_tokens": tokens + 2}
    }))
    .unwrap()
}

/// A response that may not be there is read when it is.
#[llm_call(provider = "openai", model = "gpt-4o", name = "maybe")]
async fn maybe(
    reply: bool,
) -> Result<Option<llm_trace::provider::openai::ChatCompletion>, ApiError> {
    Ok(reply.then(|| completion(11)))
}

/// The attributes of the span named `name` without its cost (priced by the
/// model table, checked elsewhere) and function name.
fn reply_attributes(cap: &Capture, name: &str) -> std::collections::BTreeMap<String, Value> {
    let mut attributes = attributes(&cap.span(name));
    attributes.remove("llm_trace.cost.usd");
    attributes.remove("code.function.name");
    attributes
}

#[tokio::test]
async fn an_option_of_a_response_gives_its_usage_when_some() {
    let cap = Capture::new();
    assert!(cap.run(maybe(true)).await.unwrap().is_some());
    let call = llm_trace_testkit::attrs! {
        "gen_ai.operation.name" => "chat",
        "gen_ai.provider.name" => "openai",
        "gen_ai.request.model" => "gpt-4o",
        "server.address" => "api.openai.com",
        "server.port" => 443,
    };
    let mut replied = call.clone();
    replied.extend(llm_trace_testkit::attrs! {
        "gen_ai.response.id" => "chatcmpl-1",
        "gen_ai.response.model" => "gpt-4o-2024-08-06",
        "gen_ai.response.finish_reasons" => Value::Array(vec![opentelemetry::StringValue::from("stop")].into()),
        "gen_ai.usage.input_tokens" => 11,
        "gen_ai.usage.output_tokens" => 2,
        "openai.api.type" => "chat_completions",
    });
    assert_eq!(reply_attributes(&cap, "maybe"), replied);

    let cap = Capture::new();
    assert!(cap.run(maybe(false)).await.unwrap().is_none());
    assert_eq!(reply_attributes(&cap, "maybe"), call);
    assert_eq!(cap.span("maybe").status, Status::Unset);
}

/// `response = none`: the value is not read (here a response, to show it),
/// an error still is.
#[llm_call(provider = "openai", model = "gpt-4o", name = "unread", response = none)]
async fn unread(fail: bool) -> Result<llm_trace::provider::openai::ChatCompletion, ApiError> {
    if fail {
        return Err(ApiError::RateLimited);
    }
    Ok(completion(11))
}

#[tokio::test]
async fn response_none_records_no_response_facts_but_the_error() {
    let cap = Capture::new();
    assert_eq!(
        cap.run(unread(false))
            .await
            .unwrap()
            .usage
            .unwrap()
            .prompt_tokens,
        11
    );
    assert_eq!(
        reply_attributes(&cap, "unread"),
        llm_trace_testkit::attrs! {
            "gen_ai.operation.name" => "chat",
            "gen_ai.provider.name" => "openai",
            "gen_ai.request.model" => "gpt-4o",
            "server.address" => "api.openai.com",
            "server.port" => 443,
        }
    );
    assert_eq!(cap.span("unread").status, Status::Unset);

    let cap = Capture::new();
    assert!(cap.run(unread(true)).await.is_err());
    let span = cap.span("unread");
    assert_eq!(span.status, Status::error("rate limited: retry after 20s"));
    assert_eq!(attributes(&span)["error.type"], Value::from("rate_limited"));
}
