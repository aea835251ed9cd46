//! The flow around LLM calls: an INTERNAL `invoke_workflow` span whose
//! metadata every call inside inherits.

use std::borrow::Cow;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};

use opentelemetry::{Key, KeyValue};

use crate::call::{Call, CallSite, Instrumented, NoProvider};
use crate::metadata::AttributeValue;
use crate::provider::Provider;
use crate::semconv as sc;

/// The provider-less call site of workflows started with [`workflow`].
static WORKFLOW_SITE: CallSite =
    CallSite::new::<NoProvider>("llm_trace::workflow").operation(sc::OPERATION_INVOKE_WORKFLOW);

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
        let span_name = format!("{} {}", sc::OPERATION_INVOKE_WORKFLOW, self.name);
        let mut entries = self.entries;
        entries.insert(0, KeyValue::new(sc::GEN_AI_WORKFLOW_NAME, self.name));
        Call::start_workflow(&WORKFLOW_SITE, Some(Cow::Owned(span_name)), entries)
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
