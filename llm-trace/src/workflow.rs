//! The flow around LLM calls: an INTERNAL `invoke_workflow` span whose
//! metadata every call inside inherits.

use std::borrow::Cow;
use std::future::Future;
use std::pin::Pin;
use std::sync::OnceLock;
use std::task::{Context as TaskContext, Poll};

use opentelemetry::{Key, KeyValue};

use crate::call::{Call, CallSite, Instrumented, NoProvider};
use crate::metadata::{AttributeValue, StaticValue};
use crate::provider::Provider;
use crate::semconv as sc;

/// The provider-less call site of workflows started with [`workflow`].
static WORKFLOW_SITE: CallSite =
    CallSite::new::<NoProvider>("llm_trace::workflow").operation(sc::OPERATION_INVOKE_WORKFLOW);

/// The call site of a `#[llm_trace::workflow(name = "...")]` function,
/// built by the generated code from what the annotation says; the span's
/// name, operation and `gen_ai.workflow.name` are worked out here, as for
/// [`workflow`].
#[doc(hidden)]
#[derive(Debug)]
pub struct WorkflowSite {
    site: CallSite,
    name: &'static str,
    metadata: &'static [(&'static str, StaticValue)],
    /// `invoke_workflow {name}`, formatted once.
    span_name: OnceLock<String>,
}

impl WorkflowSite {
    /// The workflow `name` of the function `site` describes, with its
    /// literal metadata.
    pub const fn new(
        site: CallSite,
        name: &'static str,
        metadata: &'static [(&'static str, StaticValue)],
    ) -> Self {
        WorkflowSite {
            site: site.operation(sc::OPERATION_INVOKE_WORKFLOW).internal(),
            name,
            metadata,
            span_name: OnceLock::new(),
        }
    }

    /// Starts the workflow's span; `entries` are its `fields(...)`.
    pub fn start(&'static self, entries: Vec<KeyValue>) -> Call {
        let span_name = self.span_name.get_or_init(|| span_name(self.name));
        let metadata = self
            .metadata
            .iter()
            .map(|(key, value)| KeyValue::new(Key::from_static_str(key), value.to_value()));
        start(
            &self.site,
            Cow::Borrowed(self.name),
            Cow::Borrowed(span_name),
            metadata.chain(entries),
        )
    }
}

/// The span name of workflow `name`.
fn span_name(name: &str) -> String {
    format!("{} {name}", sc::OPERATION_INVOKE_WORKFLOW)
}

/// Starts a workflow span: `gen_ai.workflow.name` first, then `entries`.
fn start(
    site: &'static CallSite,
    name: Cow<'static, str>,
    span_name: Cow<'static, str>,
    entries: impl Iterator<Item = KeyValue>,
) -> Call {
    let entries = std::iter::once(KeyValue::new(sc::GEN_AI_WORKFLOW_NAME, name))
        .chain(entries)
        .collect();
    Call::start_workflow(site, Some(span_name), entries)
}

/// A workflow named `name`: an INTERNAL span `invoke_workflow {name}` with
/// `gen_ai.workflow.name`, around any future or closure; its metadata
/// becomes the scope of every LLM call inside (the builder form of
/// `#[llm_trace::workflow]`).
///
/// ```
/// # #[llm_trace::llm_call(provider = "openai", model = "gpt-4o-mini")]
/// # async fn summarize() -> u8 { 0 }
/// # async fn example() {
/// llm_trace::workflow("ai_flow_1")
///     .metadata([("prompt_id", 5)])
///     .run(async { summarize().await })
///     .await;
/// # }
/// ```
pub fn workflow(name: impl Into<Cow<'static, str>>) -> Workflow {
    Workflow {
        name: name.into(),
        entries: Vec::new(),
    }
}

/// A workflow being configured; see [`workflow`].
///
/// ```
/// #[llm_trace::llm_call(provider = "openai", model = "gpt-4o-mini")]
/// async fn classify(ticket: u64) -> String {
///     format!("ticket {ticket}: billing")
/// }
///
/// // Synchronous code: the span covers the closure.
/// let total = llm_trace::workflow("nightly_batch")
///     .metadata([("batch.size", 3)])
///     .in_scope(|| 1 + 2);
/// assert_eq!(total, 3);
///
/// // Asynchronous code: every call inside carries `tenant`.
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let label = llm_trace::workflow("triage")
///     .metadata([("tenant", "acme")])
///     .run(classify(7))
///     .await;
/// assert_eq!(label, "ticket 7: billing");
/// # });
/// ```
#[derive(Debug, Clone)]
#[must_use = "a workflow does nothing until `run` or `in_scope`"]
pub struct Workflow {
    name: Cow<'static, str>,
    entries: Vec<KeyValue>,
}

impl Workflow {
    /// Metadata of the workflow span and of every call inside it.
    pub fn metadata<I, K, V>(mut self, entries: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<Key>,
        V: AttributeValue,
    {
        self.entries.extend(
            entries
                .into_iter()
                .filter_map(|(k, v)| Some(KeyValue::new(k, v.to_value()?))),
        );
        self
    }

    fn start(self) -> Call {
        let span_name = Cow::Owned(span_name(&self.name));
        start(
            &WORKFLOW_SITE,
            self.name,
            span_name,
            self.entries.into_iter(),
        )
    }

    /// Runs `future` inside the workflow; the span ends when it completes
    /// (or is dropped: then it is marked cancelled).
    pub fn run<F: Future>(self, future: F) -> WorkflowRun<F> {
        WorkflowRun {
            workflow: Some(self),
            running: None,
            future: Some(future),
        }
    }

    /// Runs `f` inside the workflow on this thread.
    pub fn in_scope<R>(self, f: impl FnOnce() -> R) -> R {
        let call = self.start();
        let output = {
            let _guard = call.context().clone().attach();
            let _active = call.enter();
            f()
        };
        call.finish_ok::<NoProvider>(None);
        output
    }
}

pin_project_lite::pin_project! {
    /// The future of [`Workflow::run`]; the span starts at the first poll,
    /// under the context current then.
    ///
    /// ```
    /// # async fn work() -> u32 { 42 }
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let run = llm_trace::workflow("triage").run(work()); // no span yet
    /// assert_eq!(run.await, 42); // started at the first poll, ended with the future
    /// # });
    /// ```
    #[must_use = "futures do nothing unless polled"]
    pub struct WorkflowRun<F> {
        workflow: Option<Workflow>,
        #[pin]
        running: Option<Instrumented<F>>,
        future: Option<F>,
    }
}

impl<F: Future> Future for WorkflowRun<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, task: &mut TaskContext<'_>) -> Poll<F::Output> {
        let mut this = self.project();
        if this.running.is_none() {
            let (Some(workflow), Some(future)) = (this.workflow.take(), this.future.take()) else {
                panic!("a workflow future was polled after it completed");
            };
            this.running
                .set(Some(Instrumented::new(workflow.start(), future)));
        }
        let Some(running) = this.running.as_pin_mut() else {
            unreachable!("set above");
        };
        match running.poll(task) {
            Poll::Ready((call, output)) => {
                call.finish_ok::<NoProvider>(None);
                Poll::Ready(output)
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

const _: () = assert!(NoProvider::NAME.is_empty());
