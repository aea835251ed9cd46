//! Capturing the spans that instrumented code exports, per test.
//!
//! One process-wide tracer provider exports into memory. Each [`Capture`]
//! runs its work under a root span of its own trace and reads back exactly
//! the spans of that trace, so tests in one binary can run in parallel.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::OnceLock;

use opentelemetry::trace::{
    FutureExt, SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState, Tracer,
};
use opentelemetry::{global, Context, Value};
use opentelemetry_sdk::trace::{InMemorySpanExporter, Sampler, SdkTracerProvider, SpanData};

fn exporter() -> &'static InMemorySpanExporter {
    static EXPORTER: OnceLock<InMemorySpanExporter> = OnceLock::new();
    EXPORTER.get_or_init(|| {
        let exporter = InMemorySpanExporter::default();
        let provider = SdkTracerProvider::builder()
            .with_sampler(Sampler::ParentBased(Box::new(Sampler::AlwaysOn)))
            .with_simple_exporter(exporter.clone())
            .build();
        global::set_tracer_provider(provider);
        exporter
    })
}

/// The spans of one test's trace.
pub struct Capture {
    root: Context,
    trace_id: TraceId,
}

impl Capture {
    /// A capture whose work is sampled (its root span records).
    pub fn new() -> Capture {
        exporter();
        let tracer = global::tracer("llm-trace-tests");
        let root =
            Context::new().with_span(tracer.start_with_context("test root", &Context::new()));
        let trace_id = root.span().span_context().trace_id();
        Capture { root, trace_id }
    }

    /// A capture whose work is sampled out: its parent is a remote span that
    /// was not sampled, so the parent-based sampler drops every child.
    pub fn sampled_out() -> Capture {
        exporter();
        let trace_id = TraceId::from(rand_u128());
        let parent = SpanContext::new(
            trace_id,
            SpanId::from(0x42u64),
            TraceFlags::default(),
            true,
            TraceState::default(),
        );
        Capture {
            root: Context::new().with_remote_span_context(parent),
            trace_id,
        }
    }

    /// Runs `work` under this capture's root.
    pub async fn run<F: Future>(&self, work: F) -> F::Output {
        work.with_context(self.root.clone()).await
    }

    /// The root context, for work that attaches it itself.
    pub fn context(&self) -> &Context {
        &self.root
    }

    /// The finished spans of this capture's trace (the root excluded), in
    /// the order they ended.
    pub fn spans(&self) -> Vec<SpanData> {
        // A call whose model's prices were still being resolved ends its
        // span when they are.
        assert!(
            llm_trace::cost::flush(std::time::Duration::from_secs(60)),
            "pending costs were resolved"
        );
        let root_id = self.root.span().span_context().span_id();
        exporter()
            .get_finished_spans()
            .expect("in-memory exporter")
            .into_iter()
            .filter(|s| {
                s.span_context.trace_id() == self.trace_id && s.span_context.span_id() != root_id
            })
            .collect()
    }

    /// The one span named `name`.
    pub fn span(&self, name: &str) -> SpanData {
        let mut found: Vec<_> = self
            .spans()
            .into_iter()
            .filter(|s| s.name == name)
            .collect();
        assert_eq!(
            found.len(),
            1,
            "expected one span named {name:?}, got {}",
            found.len()
        );
        found.remove(0)
    }

    /// The span id of the root, the parent of top-level calls.
    pub fn root_span_id(&self) -> SpanId {
        self.root.span().span_context().span_id()
    }
}

impl Default for Capture {
    fn default() -> Self {
        Capture::new()
    }
}

/// A span's attributes as an ordered map, for exact comparisons.
pub fn attributes(span: &SpanData) -> BTreeMap<String, Value> {
    let mut map = BTreeMap::new();
    for kv in &span.attributes {
        let previous = map.insert(kv.key.as_str().to_owned(), kv.value.clone());
        assert!(previous.is_none(), "attribute {} recorded twice", kv.key);
    }
    map
}

fn rand_u128() -> u128 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos() as u64,
    );
    (u128::from(h.finish()) << 64) | u128::from(h.finish().rotate_left(17) | 1)
}

/// Builds the expected attribute map of a test: `attrs! { "key" => value, ... }`.
#[macro_export]
macro_rules! attrs {
    ($($key:expr => $value:expr),* $(,)?) => {{
        let mut map = ::std::collections::BTreeMap::<String, ::opentelemetry::Value>::new();
        $( map.insert(String::from($key), ::opentelemetry::Value::from($value)); )*
        map
    }};
}
