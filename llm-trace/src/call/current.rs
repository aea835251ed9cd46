//! The running call, reached from inside its body.

use std::borrow::Cow;
use std::cell::Cell;
use std::fmt;
use std::marker::PhantomData;
use std::ptr;

use opentelemetry::trace::{Status, TraceContextExt};
use opentelemetry::{Context, Key, KeyValue};

use crate::metadata::AttributeValue;
use crate::semconv as sc;

thread_local! {
    /// The context of the call being polled on this thread while it
    /// records; null while none is, or while the innermost one does not
    /// record (so an unrecorded inner call never writes into a recorded
    /// outer one). A pointer set and restored by the poll rather than a
    /// context value (adding a value to a context allocates on every call)
    /// or a clone (two reference counts up and down on every poll).
    static ACTIVE: Cell<*const Context> = const { Cell::new(ptr::null()) };
}

/// Makes a call the current call until dropped (for one poll, or one
/// synchronous scope), then restores the previous one.
pub(crate) struct ActiveGuard<'a> {
    previous: *const Context,
    _call: PhantomData<&'a Context>,
}

pub(crate) fn enter(call: Option<&Context>) -> ActiveGuard<'_> {
    let call = call.map_or(ptr::null(), |cx| cx as *const Context);
    ActiveGuard {
        previous: ACTIVE
            .try_with(|active| active.replace(call))
            .unwrap_or(ptr::null()),
        _call: PhantomData,
    }
}

impl Drop for ActiveGuard<'_> {
    fn drop(&mut self) {
        let _ = ACTIVE.try_with(|active| active.set(self.previous));
    }
}

/// The `#[llm_call]` whose body is running, to record what is learned
/// during the call.
///
/// ```
/// #[llm_trace::llm_call(provider = "openai", model = "gpt-4o-mini")]
/// async fn answer(question: &str) -> String {
///     let call = llm_trace::current_call();
///     call.set_attribute("cache.hit", false);
///     call.set_attribute("retry.count", 2);
///     let answer = format!("echo: {question}");
///     call.record_evaluation(
///         llm_trace::Evaluation::new("relevance").score(0.82).label("relevant"),
///     );
///     answer
/// }
/// ```
///
/// Outside an instrumented body, or when the call's span is not recording
/// (sampled out, no SDK), every method does nothing.
#[derive(Clone, Default)]
pub struct CurrentCall {
    cx: Option<Context>,
}

impl fmt::Debug for CurrentCall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CurrentCall")
            .field(
                "span",
                &self.cx.as_ref().map(|cx| cx.span().span_context().clone()),
            )
            .finish()
    }
}

/// The `#[llm_call]` whose body is running on this task; see [`CurrentCall`].
///
/// It is reachable while the body is being polled, including from code
/// nested in the body and from spans the body opens; not from tasks the
/// body spawns.
///
/// ```
/// /// Called from the body of an annotated function: adds to its span.
/// fn note_cache(hit: bool) {
///     llm_trace::current_call().set_attribute("cache.hit", hit);
/// }
///
/// #[llm_trace::llm_call(provider = "openai", model = "gpt-4o-mini")]
/// async fn answer(question: &str) -> String {
///     note_cache(false);
///     format!("echo: {question}")
/// }
///
/// // Outside an annotated body the handle records nothing.
/// assert!(!llm_trace::current_call().is_recording());
/// note_cache(true); // does nothing here
/// ```
pub fn current_call() -> CurrentCall {
    let active = ACTIVE.try_with(Cell::get).unwrap_or(ptr::null());
    // SAFETY: a non-null pointer in `ACTIVE` was set by `enter` from a
    // `&'a Context` whose `ActiveGuard<'a>` has not been dropped yet (the
    // guard restores the previous pointer when dropped, and guards are
    // created and dropped in nested scopes on one thread: a poll, or
    // `Workflow::in_scope`), so the context is alive and not moved.
    let cx = unsafe { active.as_ref() };
    CurrentCall { cx: cx.cloned() }
}

impl CurrentCall {
    /// Whether recording does anything: use it to skip computing an
    /// expensive value.
    pub fn is_recording(&self) -> bool {
        self.cx.as_ref().is_some_and(|cx| cx.span().is_recording())
    }

    /// Adds an attribute to the call's span (a `None` records nothing),
    /// bounded by [`bounded_value`](crate::metadata::bounded_value).
    pub fn set_attribute(&self, key: impl Into<Key>, value: impl AttributeValue) {
        if let Some(cx) = self.recording() {
            if let Some(value) = value.to_value() {
                let value = crate::metadata::bounded_value(value);
                cx.span().set_attribute(KeyValue::new(key.into(), value));
            }
        }
    }

    /// Marks the call as failed without failing the function: sets
    /// `error.type` and the Error status with `message`.
    pub fn record_error(
        &self,
        error_type: impl Into<Cow<'static, str>>,
        message: impl fmt::Display,
    ) {
        if let Some(cx) = self.recording() {
            let span = cx.span();
            let error_type = crate::bound::bounded_error_type(error_type.into());
            span.set_attribute(KeyValue::new(sc::ERROR_TYPE, error_type.span()));
            span.set_status(Status::error(crate::bound::bounded_text(&message)));
        }
    }

    /// Records a quality evaluation of the call's output as a
    /// `gen_ai.evaluation.result` event on its span.
    pub fn record_evaluation(&self, evaluation: Evaluation) {
        if let Some(cx) = self.recording() {
            cx.span()
                .add_event(sc::GEN_AI_EVALUATION_RESULT, evaluation.into_attributes());
        }
    }

    fn recording(&self) -> Option<&Context> {
        self.cx.as_ref().filter(|cx| cx.span().is_recording())
    }
}

/// One quality evaluation (`gen_ai.evaluation.result`): a name and a score
/// as a number, a label, or both, with an optional explanation.
///
/// Recorded on the current call with [`CurrentCall::record_evaluation`], as
/// an event of its span, so scores compare across models, temperatures and
/// prompt versions.
///
/// ```
/// use llm_trace::Evaluation;
///
/// #[llm_trace::llm_call(provider = "anthropic", model = "claude-haiku-4-5")]
/// async fn answer(question: &str) -> String {
///     let answer = format!("echo: {question}");
///     let grounded = answer.contains(question);
///     llm_trace::current_call().record_evaluation(
///         Evaluation::new("groundedness")
///             .score(if grounded { 1.0 } else { 0.0 })
///             .label(if grounded { "pass" } else { "fail" })
///             .explanation("the answer quotes the question"),
///     );
///     answer
/// }
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    name: Cow<'static, str>,
    score: Option<f64>,
    label: Option<Cow<'static, str>>,
    explanation: Option<Cow<'static, str>>,
}

impl Evaluation {
    /// An evaluation named `name` (`gen_ai.evaluation.name`), e.g. `"relevance"`.
    pub fn new(name: impl Into<Cow<'static, str>>) -> Self {
        Evaluation {
            name: name.into(),
            score: None,
            label: None,
            explanation: None,
        }
    }

    /// `gen_ai.evaluation.score.value`.
    pub fn score(mut self, value: f64) -> Self {
        self.score = Some(value);
        self
    }

    /// `gen_ai.evaluation.score.label`, e.g. `"relevant"`, `"pass"`.
    pub fn label(mut self, label: impl Into<Cow<'static, str>>) -> Self {
        self.label = Some(label.into());
        self
    }

    /// `gen_ai.evaluation.explanation`.
    pub fn explanation(mut self, explanation: impl Into<Cow<'static, str>>) -> Self {
        self.explanation = Some(explanation.into());
        self
    }

    fn into_attributes(self) -> Vec<KeyValue> {
        let mut attributes = vec![KeyValue::new(sc::GEN_AI_EVALUATION_NAME, self.name)];
        if let Some(score) = self.score {
            attributes.push(KeyValue::new(sc::GEN_AI_EVALUATION_SCORE_VALUE, score));
        }
        if let Some(label) = self.label {
            attributes.push(KeyValue::new(sc::GEN_AI_EVALUATION_SCORE_LABEL, label));
        }
        if let Some(explanation) = self.explanation {
            attributes.push(KeyValue::new(
                sc::GEN_AI_EVALUATION_EXPLANATION,
                crate::bound::bounded_text(&explanation),
            ));
        }
        attributes
    }
}
