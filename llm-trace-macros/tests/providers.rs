//! Every built-in provider of the names table, written in `#[llm_call]`:
//! the macro accepts its string, names the runtime type, and the exported
//! span carries the table's `gen_ai.provider.name` and default operation.
//! A table entry missing from the list below fails
//! `the_list_is_the_table`; adding it here makes the rest check it.

use std::future::Future;
use std::pin::pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use llm_trace::opentelemetry::{global, Value};
use llm_trace::opentelemetry_sdk::error::OTelSdkResult;
use llm_trace::opentelemetry_sdk::trace::{SdkTracerProvider, Span, SpanData, SpanProcessor};
use llm_trace_names::providers::{BuiltinProvider, PROVIDERS};

const MODEL: &str = "names-table-model";

/// One instrumented function per provider string, and the list of them.
macro_rules! every_provider {
    ($($written:tt => $function:ident),* $(,)?) => {
        $(
            #[llm_trace::llm_call(provider = $written, model = "names-table-model")]
            async fn $function() -> u32 {
                7
            }
        )*

        /// The providers written above, in order, with a call of each.
        fn written() -> Vec<(&'static str, fn() -> u32)> {
            vec![$(($written, || block_on($function()))),*]
        }
    };
}

every_provider! {
    "openai" => openai,
    "anthropic" => anthropic,
    "deepseek" => deepseek,
    "groq" => groq,
    "x_ai" => x_ai,
    "mistral_ai" => mistral_ai,
    "perplexity" => perplexity,
    "openrouter" => openrouter,
    "azure.ai.openai" => azure_openai,
    "aws.bedrock" => bedrock,
    "cohere" => cohere,
    "ollama" => ollama,
    "gcp.gemini" => gemini,
    "gcp.vertex_ai" => vertex_ai,
}

/// Runs a future that never waits (the functions above return at once).
fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
    }
}

/// Keeps every span that ends.
#[derive(Debug, Default, Clone)]
struct Collect(Arc<Mutex<Vec<SpanData>>>);

impl SpanProcessor for Collect {
    fn on_start(&self, _: &mut Span, _: &llm_trace::opentelemetry::Context) {}
    fn on_end(&self, span: SpanData) {
        self.0.lock().unwrap().push(span);
    }
    fn force_flush(&self) -> OTelSdkResult {
        Ok(())
    }
    fn shutdown_with_timeout(&self, _: Duration) -> OTelSdkResult {
        Ok(())
    }
}

fn attribute(span: &SpanData, key: &str) -> Option<Value> {
    span.attributes
        .iter()
        .find(|kv| kv.key.as_str() == key)
        .map(|kv| kv.value.clone())
}

#[test]
fn the_list_is_the_table() {
    let written: Vec<&str> = written().iter().map(|(w, _)| *w).collect();
    let table: Vec<&str> = PROVIDERS.iter().map(|p| p.written).collect();
    assert_eq!(
        written, table,
        "write every table entry in `every_provider!`"
    );
}

#[test]
fn every_provider_of_the_table_exports_its_name_and_default_operation() {
    let collect = Collect::default();
    global::set_tracer_provider(
        SdkTracerProvider::builder()
            .with_span_processor(collect.clone())
            .build(),
    );
    for (written, call) in written() {
        let provider: &BuiltinProvider = PROVIDERS
            .iter()
            .find(|p| p.written == written)
            .unwrap_or_else(|| panic!("{written} is not in the table"));
        assert_eq!(call(), 7, "{written}: the value is returned unchanged");
        assert!(llm_trace::cost::flush(Duration::from_secs(60)));
        let spans = std::mem::take(&mut *collect.0.lock().unwrap());
        assert_eq!(spans.len(), 1, "{written}: {spans:?}");
        let span = &spans[0];
        assert_eq!(
            span.name,
            format!("{} {MODEL}", provider.default_operation),
            "{written}"
        );
        assert_eq!(
            attribute(span, "gen_ai.provider.name"),
            Some(Value::from(provider.name)),
            "{written}"
        );
        assert_eq!(
            attribute(span, "gen_ai.operation.name"),
            Some(Value::from(provider.default_operation)),
            "{written}"
        );
        // The runtime's raw-JSON entry points know the same name.
        assert!(
            llm_trace::provider::parse_response(provider.name, &serde_json::json!({})).is_ok(),
            "{written}: parse_response does not know {}",
            provider.name
        );
    }
}
