//! One call's span lifecycle: start, record, finish. The generated code of
//! `#[llm_call]` calls only this module (through `__private`).

use std::any::Any;
use std::borrow::Cow;
use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::panic::{self, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use std::task::{Context as TaskContext, Poll};
use std::time::{Instant, SystemTime};

use opentelemetry::trace::{
    Span, SpanBuilder, SpanKind, Status, TraceContextExt, Tracer, TracerProvider,
};
use opentelemetry::{global, Context, InstrumentationScope, Key, KeyValue, StringValue, Value};

use crate::content::{self, CaptureMode};
use crate::cost;
use crate::current;
use crate::metadata::{self, AttributeValue, StaticValue};
use crate::metrics;
use crate::provider::{
    Anthropic, Gemini, Provider, RequestFacts, RequestInfo, ResponseFacts, ResponseInfo,
    StreamFacts, Usage, VertexAi,
};
use crate::semconv as sc;

/// The instrumentation scope of every span llm-trace starts.
pub(crate) fn scope() -> &'static InstrumentationScope {
    static SCOPE: OnceLock<InstrumentationScope> = OnceLock::new();
    SCOPE.get_or_init(|| {
        InstrumentationScope::builder(env!("CARGO_PKG_NAME"))
            .with_version(env!("CARGO_PKG_VERSION"))
            .build()
    })
}

static EMIT_CACHE_CREATION: AtomicBool = AtomicBool::new(false);

/// Also emit the deprecated `gen_ai.usage.cache_creation.input_tokens` next to
/// `gen_ai.usage.cache_write.input_tokens`, for backends that still read the
/// old name. Off by default.
///
/// ```
/// // At start-up, for a backend whose dashboards read the old name:
/// llm_trace::emit_deprecated_cache_creation(true);
/// ```
pub fn emit_deprecated_cache_creation(enabled: bool) {
    EMIT_CACHE_CREATION.store(enabled, Ordering::Relaxed);
}

/// What is known about an annotated function at compile time; one `static`
/// per annotated function, built by the macro.
#[doc(hidden)]
#[derive(Debug)]
pub struct CallSite {
    provider: &'static str,
    operation: &'static str,
    function: &'static str,
    /// The `type_name` of an item nested in the annotated function (see
    /// [`CallSite::path`]), read once into `qualified`.
    path: Option<fn() -> &'static str>,
    qualified: OnceLock<&'static str>,
    name: Option<&'static str>,
    model: Option<&'static str>,
    server_address: Option<&'static str>,
    server_port: Option<u16>,
    metadata: &'static [(&'static str, StaticValue)],
    fields: usize,
    internal: bool,
    stream: bool,
    capture: Option<CaptureMode>,
    /// The most attributes a span of this site has had so far (0: none
    /// ended yet), to size the next span's attributes once.
    attributes: AtomicUsize,
    /// The first model seen here and its span name, made `'static` once.
    named: OnceLock<(&'static str, &'static str)>,
    /// The first `server = ...` value seen here and its host, made
    /// `'static` once.
    server: OnceLock<(&'static str, &'static str)>,
}

impl CallSite {
    /// A call site of provider `P` in `function` (its `module::name` path).
    pub const fn new<P: Provider>(function: &'static str) -> Self {
        CallSite {
            provider: P::NAME,
            operation: P::DEFAULT_OPERATION,
            function,
            path: None,
            qualified: OnceLock::new(),
            name: None,
            model: None,
            server_address: P::SERVER_ADDRESS,
            server_port: P::SERVER_PORT,
            metadata: &[],
            fields: 0,
            stream: false,
            internal: false,
            capture: None,
            attributes: AtomicUsize::new(0),
            named: OnceLock::new(),
            server: OnceLock::new(),
        }
    }

    /// `path` gives the `std::any::type_name` of an item nested in the
    /// function's body: its path names the function with its `impl` type
    /// (`app::Wrapper::ask`, `<app::Wrapper as app::Ask>::ask`), which
    /// `module_path!()` cannot.
    pub const fn path(mut self, path: fn() -> &'static str) -> Self {
        self.path = Some(path);
        self
    }

    /// `code.function.name`: the function's qualified path, worked out on
    /// the first call.
    fn function_name(&self) -> &'static str {
        match self.path {
            Some(path) => self
                .qualified
                .get_or_init(|| function_path(path(), self.function)),
            None => self.function,
        }
    }

    /// `capture_content = "..."`: this function's content capture mode,
    /// whatever the process-wide one.
    pub const fn capture_content(mut self, mode: CaptureMode) -> Self {
        self.capture = Some(mode);
        self
    }

    /// The number of `fields(...)` entries, to size the span's attributes once.
    pub const fn fields(mut self, count: usize) -> Self {
        self.fields = count;
        self
    }

    /// An INTERNAL span (tool executions, in-process agents) instead of CLIENT.
    /// The function returns a stream: the span ends with the stream.
    pub const fn stream(mut self) -> Self {
        self.stream = true;
        self
    }

    pub const fn internal(mut self) -> Self {
        self.internal = true;
        self
    }

    /// `operation = "..."`.
    pub const fn operation(mut self, operation: &'static str) -> Self {
        self.operation = operation;
        self
    }

    /// `name = "..."`.
    pub const fn name(mut self, name: &'static str) -> Self {
        self.name = Some(name);
        self
    }

    /// `model = "..."`.
    pub const fn model(mut self, model: &'static str) -> Self {
        self.model = Some(model);
        self
    }

    /// `server = "host[:port]"` given as a literal.
    pub const fn server(mut self, address: &'static str, port: Option<u16>) -> Self {
        self.server_address = Some(address);
        self.server_port = port;
        self
    }

    /// Literal metadata.
    pub const fn metadata(mut self, metadata: &'static [(&'static str, StaticValue)]) -> Self {
        self.metadata = metadata;
        self
    }

    /// The `gen_ai.provider.name`.
    pub fn provider(&self) -> &'static str {
        self.provider
    }

    /// The `gen_ai.operation.name`.
    pub fn operation_name(&self) -> &'static str {
        self.operation
    }

    /// The capacity to give a span's attributes: what this site's spans have
    /// needed so far, or an estimate before the first one ends.
    #[inline]
    fn attribute_capacity(&self) -> usize {
        match self.attributes.load(Ordering::Relaxed) {
            0 => 5 + 1 + self.metadata.len() + self.fields + 8,
            seen => seen,
        }
    }

    /// The `gen_ai.request.model` value and the span name of a call of
    /// `model`, and whether the model was over [`metadata::MAX_MODEL_BYTES`]
    /// (then both carry it cut). A call site nearly always calls one model:
    /// the first one it sees within the bound is copied once into memory
    /// that lives as long as the site (the program), so that its calls
    /// allocate and format neither. Other models are copied per call.
    #[inline]
    fn model_and_name(&'static self, model: &str) -> (StringValue, Cow<'static, str>, bool) {
        let model = match metadata::bounded_model(model) {
            Ok(model) => model,
            Err(cut) => return self.cut_model_and_name(cut),
        };
        let &(first, first_name) = self.named.get_or_init(|| {
            let first = self.model.unwrap_or_else(|| leak(model.to_owned()));
            let name = self
                .name
                .unwrap_or_else(|| leak(span_name(self.operation, first)));
            (first, name)
        });
        if first == model {
            return (StringValue::from(first), Cow::Borrowed(first_name), false);
        }
        let name = self.name.map_or_else(
            || Cow::Owned(span_name(self.operation, model)),
            Cow::Borrowed,
        );
        (StringValue::from(Arc::<str>::from(model)), name, false)
    }

    #[cold]
    #[inline(never)]
    fn cut_model_and_name(&self, cut: StringValue) -> (StringValue, Cow<'static, str>, bool) {
        let name = self.name.map_or_else(
            || Cow::Owned(span_name(self.operation, cut.as_str())),
            Cow::Borrowed,
        );
        (cut, name, true)
    }

    /// `server.address` and `server.port` of `server = ...`; the first value
    /// seen is kept as [`CallSite::model_and_name`] keeps the first model.
    #[inline]
    fn server_address(&'static self, server: &str) -> (StringValue, Option<u16>) {
        let &(first, first_host) = self.server.get_or_init(|| {
            (
                leak(server.to_owned()),
                leak(parse_server(server).0.to_owned()),
            )
        });
        let (host, port) = parse_server(server);
        if first == server {
            return (StringValue::from(first_host), port);
        }
        (StringValue::from(Arc::<str>::from(host)), port)
    }

    /// Notes that a span of this site had `count` attributes.
    #[inline]
    fn fit(&self, count: usize) {
        if count > self.attributes.load(Ordering::Relaxed) {
            self.attributes.fetch_max(count, Ordering::Relaxed);
        }
    }
}

thread_local! {
    /// Lent to one call at a time to gather the attributes set on its span
    /// after the start (the span moves them into its own storage), so that
    /// a call allocates no vector for them.
    static SCRATCH: RefCell<Vec<KeyValue>> = const { RefCell::new(Vec::new()) };
}

/// Largest scratch vector kept between calls.
const SCRATCH_KEPT: usize = 64;

/// Runs `f` with an empty vector: this thread's scratch one, unless it is
/// lent already (`f` started another call) or gone (the thread is exiting).
#[inline]
fn with_attributes<R>(f: impl FnOnce(&mut Vec<KeyValue>) -> R) -> R {
    let mut f = Some(f);
    let lent = SCRATCH.try_with(|scratch| {
        let mut scratch = scratch.try_borrow_mut().ok()?;
        scratch.clear();
        let r = (f.take()?)(&mut scratch);
        scratch.clear();
        if scratch.capacity() > SCRATCH_KEPT {
            scratch.shrink_to(SCRATCH_KEPT);
        }
        Some(r)
    });
    match (lent, f) {
        (Ok(Some(r)), _) => r,
        (_, Some(f)) => f(&mut Vec::new()),
        (_, None) => unreachable!("the scratch vector's user returned"),
    }
}

/// Records `fields(...)` of an annotation. The generated code asks
/// [`Fields::wants`] before evaluating each expression, so only the fields
/// that will be recorded are evaluated.
#[doc(hidden)]
pub struct Fields<'a> {
    /// The span's attributes, when it records.
    span: Option<&'a mut Vec<KeyValue>>,
    /// The metrics' metadata attributes, when some keys are allowed there.
    metric: Option<(&'a [Key], &'a mut Vec<KeyValue>)>,
}

impl Fields<'_> {
    /// Whether the value under `key` will be recorded anywhere.
    #[inline]
    pub fn wants(&self, key: &'static str) -> bool {
        self.span.is_some()
            || self
                .metric
                .as_ref()
                .is_some_and(|(keys, _)| keys.iter().any(|k| k.as_str() == key))
    }

    /// Records `value` under `key`, unless it converts to nothing (`None`).
    #[inline]
    pub fn record<T: AttributeValue + ?Sized>(&mut self, key: &'static str, value: &T) {
        let Some(value) = value.to_value().map(metadata::bounded_value) else {
            return;
        };
        if let Some((keys, metric)) = &mut self.metric {
            if keys.iter().any(|k| k.as_str() == key) {
                metric.push(KeyValue::new(
                    Key::from_static_str(key),
                    metric_value(&value),
                ));
            }
        }
        if let Some(span) = &mut self.span {
            span.push(KeyValue::new(Key::from_static_str(key), value));
        }
    }
}

/// An in-flight instrumented call: owns the span (inside its context) until
/// the call finishes. Dropping it unfinished ends the span as cancelled.
#[doc(hidden)]
pub struct Call {
    cx: Context,
    /// Whether the span records (and `current_call()` reaches it), as the
    /// span said at the start: asking it again takes its lock, and a span
    /// that records stops only when it ends (after which it ignores what it
    /// is given, as a span that never recorded does).
    recording: bool,
    site: &'static CallSite,
    /// Start of the call, taken only when there are metrics to record.
    started: Option<Instant>,
    /// The metrics' instruments, when a meter provider is installed.
    meters: Option<metrics::Instruments>,
    /// Request model and server, kept for the metrics' attributes (a model
    /// over [`metadata::MAX_MODEL_BYTES`] is [`sc::OTHER`] there).
    model: Option<StringValue>,
    /// The request model was over the bound: it is not priced.
    model_cut: bool,
    server_address: Option<StringValue>,
    server_port: Option<u16>,
    /// Metadata allowed onto metrics.
    metric_metadata: Vec<KeyValue>,
    /// Opt-in content capture in progress (only when the span records).
    content: Option<Box<content::Pending>>,
    /// The finished call's cost, for the metrics.
    cost_usd: Option<f64>,
    /// A cost being resolved off this thread, and when the call ended: the
    /// span is ended and the cost counted once it is known.
    cost_pending: Option<(Box<cost::Query>, SystemTime)>,
    /// Attributes the span got at its start.
    attribute_count: usize,
    finished: bool,
}

impl fmt::Debug for Call {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Call")
            .field("site", &self.site.function)
            .field("span", &self.cx.span().span_context())
            .finish()
    }
}

impl Call {
    /// Starts the span of one call at `site`.
    ///
    /// Only the attributes the conventions mark as relevant to sampling are
    /// built before the sampling decision; the request parameters, the
    /// metadata and `fields` (the closure) are evaluated only if the span
    /// records, or for the keys allowed onto metrics.
    #[inline]
    ///
    /// `stream`: the function's return type is a boxed stream (found by
    /// type where the call site's flag could not say it).
    pub fn start<P, F>(
        site: &'static CallSite,
        stream: bool,
        request: Option<&dyn RequestFacts<P>>,
        server: Option<&str>,
        fields: F,
    ) -> Call
    where
        P: Provider,
        F: FnOnce(&mut Fields<'_>),
    {
        let (model, name, model_cut): (Option<StringValue>, Cow<'static, str>, bool) = match site
            .model
            .or_else(|| request.and_then(|r| r.request_model()))
        {
            Some(model) => {
                let (model, name, cut) = site.model_and_name(model);
                (Some(model), name, cut)
            }
            None => (
                None,
                Cow::Borrowed(site.name.unwrap_or(site.operation)),
                false,
            ),
        };
        let (server_address, server_port) = match server {
            Some(server) => {
                let (address, port) = site.server_address(server);
                (Some(address), port)
            }
            None => (site.server_address.map(StringValue::from), site.server_port),
        };

        // The SDK keeps this vector as the span's attribute storage: sized
        // for everything this site's spans record (sized once, from what
        // they needed so far), it does not grow, and stays small enough for
        // the allocator's fast path.
        let mut sampling = Vec::with_capacity(site.attribute_capacity());
        sampling.push(KeyValue::new(sc::GEN_AI_OPERATION_NAME, site.operation));
        if !site.provider.is_empty() {
            sampling.push(KeyValue::new(sc::GEN_AI_PROVIDER_NAME, site.provider));
        }
        if let Some(model) = &model {
            sampling.push(KeyValue::new(sc::GEN_AI_REQUEST_MODEL, model.clone()));
        }
        if let Some(address) = &server_address {
            sampling.push(KeyValue::new(sc::SERVER_ADDRESS, address.clone()));
            if let Some(port) = server_port {
                sampling.push(KeyValue::new(sc::SERVER_PORT, i64::from(port)));
            }
        }

        // Content is about inference calls to a model: not tools, in-process
        // agents or embeddings.
        let capture = if site.provider.is_empty() || site.operation == "embeddings" {
            CaptureMode::NoContent
        } else {
            content::mode_for(site.capture)
        };
        let content_base = capture.on_event().then(|| sampling.clone());

        let mut attribute_count = sampling.len();
        let parent = Context::current();
        #[cfg(feature = "tracing")]
        let parent = crate::tracing_bridge::parent(parent);
        let tracer = global::tracer_provider().tracer_with_scope(scope().clone());
        let builder = SpanBuilder::from_name(name)
            .with_kind(if site.internal {
                SpanKind::Internal
            } else {
                SpanKind::Client
            })
            .with_attributes(sampling);
        let mut span = tracer.build_with_context(builder, &parent);

        // The client metrics measure calls to a model provider, not tools.
        let meters = if site.provider.is_empty() {
            None
        } else {
            metrics::instruments()
        };
        // A stream's time to first chunk counts from here.
        let stream = stream || site.stream;
        let started = (meters.is_some() || stream).then(Instant::now);
        let metric_keys = meters.as_ref().and_then(|_| metrics::metadata_keys());
        let mut metric_metadata = Vec::new();
        let mut metric_scoped = 0;
        if let Some(keys) = &metric_keys {
            let mut scoped = Vec::new();
            metadata::scope_attributes(&parent, &mut scoped);
            metric_metadata.extend(scoped.into_iter().filter(|kv| keys.contains(&kv.key)));
            metric_scoped = metric_metadata.len();
            metric_metadata.extend(
                site.metadata
                    .iter()
                    .filter(|(key, _)| keys.iter().any(|k| k.as_str() == *key))
                    .map(|(key, value)| KeyValue::new(Key::from_static_str(key), value.to_value())),
            );
        }

        let recording = span.is_recording();
        let mut inherited = Vec::new();
        let mut content = None;
        if recording {
            with_attributes(|attributes| {
                attributes.push(KeyValue::new(sc::CODE_FUNCTION_NAME, site.function_name()));
                let mut stream_given = false;
                if let Some(request) = request {
                    let info = request.request_info();
                    stream_given = info.stream.is_some();
                    push_request(attributes, &info);
                }
                if stream && !stream_given {
                    attributes.push(KeyValue::new(sc::GEN_AI_REQUEST_STREAM, true));
                }
                let scoped_from = attributes.len();
                metadata::scope_attributes(&parent, attributes);
                let scoped_to = attributes.len();
                attributes.extend(site.metadata.iter().map(|(key, value)| {
                    KeyValue::new(Key::from_static_str(key), value.to_value())
                }));
                fields(&mut Fields {
                    span: Some(attributes),
                    metric: metric_keys
                        .as_deref()
                        .map(|keys| (keys, &mut metric_metadata)),
                });
                drop_overridden(attributes, scoped_from..scoped_to);
                if site.operation == sc::OPERATION_INVOKE_AGENT {
                    // The conversation and the agent are context for every call
                    // the agent makes.
                    inherited.extend(
                        attributes
                            .iter()
                            .filter(|kv| {
                                kv.key.as_str() == sc::GEN_AI_CONVERSATION_ID
                                    || kv.key.as_str() == sc::GEN_AI_AGENT_NAME
                            })
                            .cloned(),
                    );
                }
                content = content::begin(capture, content_base, attributes, request);
                attribute_count += attributes.len();
                span.set_attributes(attributes.drain(..));
            });
        } else if let Some(keys) = &metric_keys {
            fields(&mut Fields {
                span: None,
                metric: Some((keys, &mut metric_metadata)),
            });
        }
        drop_overridden(&mut metric_metadata, 0..metric_scoped);

        let mut cx = if recording {
            parent.with_span(span)
        } else if !span.span_context().is_valid() && !parent.has_active_span() {
            // The API's no-op span (no SDK installed, nothing current): it
            // has no identity of its own and ignores everything, so the
            // caller's context serves as the call's, as it would without the
            // call (no context and span to allocate and free per call).
            drop(span);
            parent
        } else {
            // A span that does not record (sampled out) ignores everything
            // but its identity, which is all its children need (their
            // sampler sees a parent that is not sampled): the context carries
            // the identity alone, and the span is freed now rather than
            // wrapped in a lock the call never takes.
            let identity = span.span_context().clone();
            drop(span);
            parent.with_remote_span_context(identity)
        };
        if !inherited.is_empty() {
            cx = metadata::context_with_metadata(
                &cx,
                inherited.into_iter().map(|kv| (kv.key, kv.value)),
            );
        }
        Call {
            cx,
            recording,
            site,
            started,
            meters,
            model: if model_cut {
                Some(StringValue::from(sc::OTHER))
            } else {
                model
            },
            model_cut,
            server_address,
            server_port,
            metric_metadata,
            content,
            cost_usd: None,
            cost_pending: None,
            attribute_count,
            finished: false,
        }
    }

    /// Starts the INTERNAL span of a workflow (`invoke_workflow {name}`)
    /// whose metadata becomes the scope of everything inside it. Unlike an
    /// LLM call's fields, `entries` are always evaluated: the calls inside
    /// need them whether or not this span records.
    pub fn start_workflow(
        site: &'static CallSite,
        name: Option<Cow<'static, str>>,
        entries: Vec<KeyValue>,
    ) -> Call {
        let parent = Context::current();
        #[cfg(feature = "tracing")]
        let parent = crate::tracing_bridge::parent(parent);
        let name = name.unwrap_or(Cow::Borrowed(site.name.unwrap_or(site.operation)));
        let tracer = global::tracer_provider().tracer_with_scope(scope().clone());
        let mut attributes = Vec::with_capacity(2 + site.metadata.len() + entries.len() + 2);
        attributes.push(KeyValue::new(sc::GEN_AI_OPERATION_NAME, site.operation));
        let builder = SpanBuilder::from_name(name)
            .with_kind(SpanKind::Internal)
            .with_attributes(attributes);
        let mut span = tracer.build_with_context(builder, &parent);

        let scope_entries: Vec<KeyValue> = site
            .metadata
            .iter()
            .map(|(key, value)| KeyValue::new(Key::from_static_str(key), value.to_value()))
            .chain(entries)
            .collect();
        let recording = span.is_recording();
        if recording {
            let mut attributes = Vec::with_capacity(1 + scope_entries.len());
            attributes.push(KeyValue::new(sc::CODE_FUNCTION_NAME, site.function_name()));
            metadata::scope_attributes(&parent, &mut attributes);
            let scoped_to = attributes.len();
            attributes.extend(scope_entries.iter().cloned());
            drop_overridden(&mut attributes, 1..scoped_to);
            span.set_attributes(attributes);
        }
        let cx = metadata::context_with_metadata(
            &parent.with_span(span),
            scope_entries.into_iter().map(|kv| (kv.key, kv.value)),
        );
        Call {
            cx,
            recording,
            site,
            started: None,
            meters: None,
            model: None,
            model_cut: false,
            server_address: None,
            server_port: None,
            metric_metadata: Vec::new(),
            content: None,
            cost_usd: None,
            cost_pending: None,
            attribute_count: 0,
            finished: false,
        }
    }

    /// The context whose active span is this call's.
    pub fn context(&self) -> &Context {
        &self.cx
    }

    /// Whether the span records.
    pub(crate) fn recording(&self) -> bool {
        self.recording
    }

    /// Whether the call is a call to a model (`chat`, `embeddings`, ...),
    /// not an agent's or a tool's.
    pub(crate) fn is_model_call(&self) -> bool {
        sc::MODEL_OPERATIONS.contains(&self.site.operation)
    }

    /// Whether the call's metrics are recorded.
    pub(crate) fn measuring(&self) -> bool {
        self.meters.is_some()
    }

    /// When the call started, if it is timed.
    pub(crate) fn started(&self) -> Option<Instant> {
        self.started
    }

    /// Runs the body of a non-`async` function that returns a stream, with
    /// the call's span current; a panic ends the span and propagates.
    pub fn run_sync<T>(self, body: impl FnOnce() -> T) -> (Call, T) {
        match self.inside(body) {
            Ok(output) => (self, output),
            Err(payload) => {
                self.finish_panic(&*payload);
                panic::resume_unwind(payload)
            }
        }
    }

    /// Runs `f` (a poll of the body, or a synchronous body) with the call's
    /// span as the current context, and as the current call while it
    /// records; a panic is caught and returned, for the caller to end the
    /// call before it propagates.
    #[inline]
    pub(crate) fn inside<T>(&self, f: impl FnOnce() -> T) -> std::thread::Result<T> {
        let guard = self.cx.clone().attach();
        let active = current::enter(self.recording.then_some(&self.cx));
        let ran = panic::catch_unwind(AssertUnwindSafe(f));
        drop(active);
        drop(guard);
        ran
    }

    /// Whether this call captures content (capture is on and the span
    /// records): a stream then assembles its output messages.
    pub(crate) fn captures_content(&self) -> bool {
        self.content.is_some()
    }

    /// Makes this call reachable through `current_call()` until the guard drops.
    pub(crate) fn enter(&self) -> current::ActiveGuard<'_> {
        current::enter(self.recording.then_some(&self.cx))
    }

    /// Ends the span of a call that returned a value (or `Ok`).
    pub fn finish_ok<P: Provider>(mut self, response: Option<&dyn ResponseFacts<P>>) {
        self.end_ok(response);
    }

    /// [`Call::finish_ok`] in place: the call stays where it is (in the
    /// caller's future) until it is dropped.
    pub fn end_ok<P: Provider>(&mut self, response: Option<&dyn ResponseFacts<P>>) {
        self.finished = true;
        let span = self.cx.span();
        let recording = self.recording;
        let measuring = self.meters.is_some();
        let mut usage = None;
        let mut response_model = None;
        if let Some(response) = response.filter(|_| recording || measuring) {
            usage = response.usage();
            if recording {
                let info = response.response_info();
                let model = info.model.as_deref();
                let reported = usage.or(info.usage);
                usage = metrics::plausible(reported);
                match self.price(model, usage) {
                    cost::CallCost::Known(usd) => self.cost_usd = usd,
                    cost::CallCost::Pending(query) => self.cost_pending = pending(query),
                }
                if measuring {
                    response_model = model.map(metric_model);
                }
                let content = self.content.take();
                with_attributes(|attributes| {
                    push_response(attributes, self.site.provider, &info, reported);
                    if reported.is_some() && usage.is_none() {
                        attributes.push(KeyValue::new(sc::LLM_TRACE_USAGE_REJECTED, true));
                    }
                    if let Some(usd) = self.cost_usd {
                        attributes.push(KeyValue::new(sc::LLM_TRACE_COST_USD, usd));
                    }
                    if let Some(pending) = content {
                        pending.finish_ok(&self.cx, attributes, || response.output_messages());
                    }
                    self.site.fit(self.attribute_count + attributes.len());
                    span.set_attributes(attributes.drain(..));
                });
            } else {
                let model = response.response_model();
                usage = metrics::plausible(usage);
                match self.price(model, usage) {
                    cost::CallCost::Known(usd) => self.cost_usd = usd,
                    cost::CallCost::Pending(query) => self.cost_pending = pending(query),
                }
                response_model = model.map(metric_model);
            }
        }
        if let Some(pending) = self.content.take() {
            // A value without response facts: the event still goes out.
            pending.finish_ok(&self.cx, &mut Vec::new(), || None);
        }
        if self.recording && self.cost_pending.is_none() {
            // A span that does not record (sampled out, or the API's no-op
            // span without an SDK) ignores its end, for which `end()` would
            // still read the clock.
            span.end();
        }
        self.record_metrics(None, response_model, usage, StreamTiming::NONE);
    }

    /// Prices the call: its cost now when the prices are known on this
    /// thread, else later (see [`Call::defer_cost`]). `usage` is plausible.
    fn price(&self, response_model: Option<&str>, usage: Option<Usage>) -> cost::CallCost {
        let request_model = self
            .model
            .as_ref()
            .filter(|_| !self.model_cut)
            .map(StringValue::as_str);
        cost::call_cost(
            self.site.provider,
            response_model,
            request_model,
            usage.as_ref(),
        )
    }

    /// Hands a cost that is not known yet to the price resolver, which ends
    /// the span (left open for it) with `llm_trace.cost.usd` at the time the
    /// call ended, and adds the cost to `llm_trace.client.cost` with the
    /// call's metric attributes, once the model's prices are resolved.
    #[cold]
    #[inline(never)]
    fn defer_cost(&mut self, metric: Option<(metrics::Instruments, Vec<KeyValue>)>) {
        let Some((query, ended)) = self.cost_pending.take() else {
            return;
        };
        let span = self.recording.then(|| self.cx.clone());
        cost::defer(
            query,
            Box::new(move |usd| {
                if let Some(cx) = span {
                    let span = cx.span();
                    if let Some(usd) = usd {
                        span.set_attribute(KeyValue::new(sc::LLM_TRACE_COST_USD, usd));
                    }
                    span.end_with_timestamp(ended);
                }
                if let (Some(usd), Some((meters, common))) = (usd, metric) {
                    meters.add_cost(usd, &common);
                }
            }),
        );
    }

    /// Ends the span of a call that returned `Err`.
    pub fn finish_err(mut self, error_type: Cow<'static, str>, message: ErrorMessage<'_>) {
        self.end_err(error_type, message);
    }

    /// [`Call::finish_err`] in place.
    pub fn end_err(&mut self, error_type: Cow<'static, str>, message: ErrorMessage<'_>) {
        self.finished = true;
        let span = self.cx.span();
        let error_type = bounded_error_type(error_type);
        if self.recording {
            span.set_attribute(KeyValue::new(sc::ERROR_TYPE, error_type.span()));
            span.set_status(Status::error(bounded_text(&message)));
        }
        if let Some(pending) = self.content.take() {
            pending.finish_err(&self.cx, error_type.as_str());
        }
        if self.recording {
            // A span that does not record (sampled out, or the API's no-op
            // span without an SDK) ignores its end, for which `end()` would
            // still read the clock.
            span.end();
        }
        self.record_metrics(Some(error_type.metric()), None, None, StreamTiming::NONE);
    }

    /// Ends the span of a call whose body panicked; the caller resumes the panic.
    pub(crate) fn finish_panic(mut self, payload: &(dyn Any + Send)) {
        self.end_panic(payload);
    }

    /// [`Call::finish_panic`] in place.
    fn end_panic(&mut self, payload: &(dyn Any + Send)) {
        self.finished = true;
        let span = self.cx.span();
        if self.recording {
            let message = panic_message(payload);
            span.set_attribute(KeyValue::new(sc::ERROR_TYPE, sc::ERROR_TYPE_PANIC));
            span.add_event(
                "exception",
                vec![
                    KeyValue::new(sc::EXCEPTION_TYPE, sc::ERROR_TYPE_PANIC),
                    KeyValue::new(sc::EXCEPTION_MESSAGE, bounded_text(&message)),
                ],
            );
            span.set_status(Status::error(bounded_text(&format_args!(
                "panicked: {message}"
            ))));
        }
        if let Some(pending) = self.content.take() {
            pending.finish_err(&self.cx, sc::ERROR_TYPE_PANIC);
        }
        if self.recording {
            // A span that does not record (sampled out, or the API's no-op
            // span without an SDK) ignores its end, for which `end()` would
            // still read the clock.
            span.end();
        }
        self.record_metrics(
            Some(Cow::Borrowed(sc::ERROR_TYPE_PANIC)),
            None,
            None,
            StreamTiming::NONE,
        );
    }

    /// Ends the span of a stream with the facts its chunks gave: at its
    /// end (`cancelled == false`, failed if an item was an error) or when
    /// dropped before its end (`cancelled`).
    pub(crate) fn finish_stream(
        mut self,
        facts: &mut StreamFacts,
        cancelled: bool,
        timing: StreamTiming<'_>,
    ) {
        self.finished = true;
        let span = self.cx.span();
        let failure = facts.failure.as_ref();
        let ended_early = cancelled || failure.is_some();
        let reported = facts.usage();
        let error_type = match failure {
            Some((error_type, _)) => Some(bounded_error_type(error_type.clone())),
            None if cancelled => Some(BoundedErrorType::Within(Cow::Borrowed(
                sc::ERROR_TYPE_CANCELLED,
            ))),
            None => None,
        };
        let usage = if reported.is_some() && (self.recording || self.meters.is_some()) {
            metrics::plausible(reported)
        } else {
            reported
        };
        // The usage the chunks reported is what was billed, also when the
        // stream ended early.
        if usage.is_some() && (self.recording || self.meters.is_some()) {
            match self.price(facts.response_model(), usage) {
                cost::CallCost::Known(usd) => self.cost_usd = usd,
                cost::CallCost::Pending(query) => self.cost_pending = pending(query),
            }
        }
        if self.recording {
            let mut attributes = Vec::with_capacity(13);
            push_response(
                &mut attributes,
                self.site.provider,
                &facts.response_info(ended_early),
                reported,
            );
            if reported.is_some() && usage.is_none() {
                attributes.push(KeyValue::new(sc::LLM_TRACE_USAGE_REJECTED, true));
            }
            if let Some(usd) = self.cost_usd {
                attributes.push(KeyValue::new(sc::LLM_TRACE_COST_USD, usd));
            }
            if let Some(ttfc) = timing.time_to_first_chunk {
                attributes.push(KeyValue::new(sc::GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK, ttfc));
            }
            if let Some(error_type) = &error_type {
                attributes.push(KeyValue::new(sc::ERROR_TYPE, error_type.span()));
            }
            match failure {
                Some((_, message)) => span.set_status(Status::error(message.clone())),
                None if cancelled => {
                    attributes.push(KeyValue::new(sc::LLM_TRACE_CANCELLED, true));
                    span.set_status(Status::error(
                        "cancelled: the stream was dropped before it ended",
                    ));
                }
                None => {}
            }
            if let Some(pending) = self.content.take() {
                // What the chunks gave, also when the stream ended early.
                pending.finish_ok(&self.cx, &mut attributes, || {
                    facts.take_output_messages(ended_early)
                });
            }
            self.site.fit(self.attribute_count + attributes.len());
            span.set_attributes(attributes);
        }
        if self.cost_pending.is_none() {
            span.end();
        }
        let response_model = facts
            .response_model()
            .filter(|_| self.meters.is_some())
            .map(metric_model);
        self.record_metrics(
            error_type.map(BoundedErrorType::metric),
            response_model,
            usage,
            timing,
        );
    }

    fn record_metrics(
        &mut self,
        error_type: Option<Cow<'static, str>>,
        response_model: Option<StringValue>,
        usage: Option<Usage>,
        timing: StreamTiming<'_>,
    ) {
        let Some(meters) = self.meters.take() else {
            if self.cost_pending.is_some() {
                self.defer_cost(None);
            }
            return;
        };
        let mut common = std::mem::take(&mut self.metric_metadata);
        common.reserve(8);
        common.push(KeyValue::new(
            sc::GEN_AI_OPERATION_NAME,
            self.site.operation,
        ));
        common.push(KeyValue::new(sc::GEN_AI_PROVIDER_NAME, self.site.provider));
        if let Some(model) = self.model.take() {
            common.push(KeyValue::new(sc::GEN_AI_REQUEST_MODEL, model));
        }
        if let Some(model) = response_model {
            common.push(KeyValue::new(sc::GEN_AI_RESPONSE_MODEL, model));
        }
        if let Some(address) = self.server_address.take() {
            common.push(KeyValue::new(sc::SERVER_ADDRESS, address));
            if let Some(port) = self.server_port {
                common.push(KeyValue::new(sc::SERVER_PORT, i64::from(port)));
            }
        }
        if let Some(error_type) = error_type {
            common.push(KeyValue::new(sc::ERROR_TYPE, error_type));
        }
        meters.record(metrics::Measurement {
            common: &mut common,
            duration_secs: self.started.map_or(0.0, |s| s.elapsed().as_secs_f64()),
            input_tokens: usage.and_then(|u| u.billable_input_tokens.or(u.input_tokens)),
            output_tokens: usage.and_then(|u| u.billable_output_tokens.or(u.output_tokens)),
            time_to_first_chunk: timing.time_to_first_chunk,
            chunk_intervals: timing.chunk_intervals,
            cost_usd: self.cost_usd,
        });
        if self.cost_pending.is_some() {
            self.defer_cost(Some((meters, common)));
        }
    }
}

impl Drop for Call {
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        let span = self.cx.span();
        if self.recording {
            span.set_attributes([
                KeyValue::new(sc::ERROR_TYPE, sc::ERROR_TYPE_CANCELLED),
                KeyValue::new(sc::LLM_TRACE_CANCELLED, true),
            ]);
            span.set_status(Status::error(
                "cancelled: the call's future was dropped before it completed",
            ));
        }
        if let Some(pending) = self.content.take() {
            pending.finish_err(&self.cx, sc::ERROR_TYPE_CANCELLED);
        }
        if self.recording {
            // A span that does not record (sampled out, or the API's no-op
            // span without an SDK) ignores its end, for which `end()` would
            // still read the clock.
            span.end();
        }
        self.record_metrics(
            Some(Cow::Borrowed(sc::ERROR_TYPE_CANCELLED)),
            None,
            None,
            StreamTiming::NONE,
        );
    }
}

/// A stream's timing, for its span and the streaming metrics.
#[derive(Clone, Copy, Default)]
pub(crate) struct StreamTiming<'a> {
    /// Seconds from the call's start to its first chunk.
    pub time_to_first_chunk: Option<f64>,
    /// Seconds between consecutive chunks, after the first.
    pub chunk_intervals: &'a [f64],
}

impl StreamTiming<'_> {
    /// Not a stream.
    pub const NONE: StreamTiming<'static> = StreamTiming {
        time_to_first_chunk: None,
        chunk_intervals: &[],
    };
}

/// The message of an `Err`, through whichever of `Display` or `Debug` its type has.
#[doc(hidden)]
pub enum ErrorMessage<'a> {
    Display(&'a dyn fmt::Display),
    Debug(&'a dyn fmt::Debug),
    None,
}

impl fmt::Display for ErrorMessage<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorMessage::Display(e) => e.fmt(f),
            ErrorMessage::Debug(e) => e.fmt(f),
            ErrorMessage::None => Ok(()),
        }
    }
}

/// Longest status description recorded, in bytes: error messages can echo
/// whole provider responses.
pub(crate) const MAX_STATUS_DESCRIPTION: usize = 1024;

/// The `Display` text of `value`, cut at [`MAX_STATUS_DESCRIPTION`] bytes (on
/// a character boundary, marked with `…`) without formatting the rest, with
/// the credentials of URLs in it replaced (`crate::redact`).
pub(crate) fn bounded_text(value: &dyn fmt::Display) -> String {
    struct Bounded(String, bool);
    impl fmt::Write for Bounded {
        fn write_str(&mut self, s: &str) -> fmt::Result {
            let room = MAX_STATUS_DESCRIPTION - self.0.len();
            if s.len() <= room {
                self.0.push_str(s);
                return Ok(());
            }
            let mut cut = room;
            while !s.is_char_boundary(cut) {
                cut -= 1;
            }
            self.0.push_str(&s[..cut]);
            self.1 = true;
            Err(fmt::Error)
        }
    }
    let mut out = Bounded(String::new(), false);
    let _ = fmt::write(&mut out, format_args!("{value}"));
    if out.1 {
        out.0.push('…');
    }
    match crate::redact::urls(&out.0) {
        Cow::Borrowed(_) => out.0,
        // `REDACTED` may be longer than what it replaced.
        Cow::Owned(redacted) if redacted.len() > MAX_STATUS_DESCRIPTION + '…'.len_utf8() => {
            let mut cut = MAX_STATUS_DESCRIPTION;
            while !redacted.is_char_boundary(cut) {
                cut -= 1;
            }
            format!("{}…", &redacted[..cut])
        }
        Cow::Owned(redacted) => redacted,
    }
}

fn panic_message(payload: &(dyn Any + Send)) -> &str {
    if let Some(s) = payload.downcast_ref::<&'static str>() {
        s
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s
    } else {
        "Box<dyn Any>"
    }
}

/// Splits `host[:port]` or a URL (`scheme://host[:port][/path]`) into its
/// host and port; the scheme gives the port when none is written.
/// The function's path from the `type_name` of an item nested in its body
/// (`app::Wrapper::ask::{{closure}}::__llm_trace_fn`): the item's name and
/// the `{{closure}}` of an `async` body dropped. `fallback` (`module::name`)
/// when the name has another shape.
fn function_path(nested: &'static str, fallback: &'static str) -> &'static str {
    let Some((mut path, _item)) = nested.rsplit_once("::") else {
        return fallback;
    };
    while let Some(outer) = path.strip_suffix("::{{closure}}") {
        path = outer;
    }
    if path.is_empty() {
        fallback
    } else {
        path
    }
}

fn parse_server(server: &str) -> (&str, Option<u16>) {
    let (scheme, rest) = match server.split_once("://") {
        Some((scheme, rest)) => (Some(scheme), rest),
        None => (None, server),
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    let authority = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    let (host, port) = if let Some(bracketed) = authority.strip_prefix('[') {
        // IPv6 literal: [::1]:8080
        match bracketed.split_once(']') {
            Some((host, rest)) => (host, rest.strip_prefix(':').and_then(|p| p.parse().ok())),
            None => (bracketed, None),
        }
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) => match port.parse() {
                Ok(port) => (host, Some(port)),
                Err(_) => (authority, None),
            },
            None => (authority, None),
        }
    };
    let port = port.or(match scheme {
        Some("https") => Some(443),
        Some("http") => Some(80),
        _ => None,
    });
    (host, port)
}

/// `s`, kept for the rest of the program (once per call site).
fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

/// `{operation} {model}`, the conventions' span name.
fn span_name(operation: &str, model: &str) -> String {
    let mut name = String::with_capacity(operation.len() + 1 + model.len());
    name.push_str(operation);
    name.push(' ');
    name.push_str(model);
    name
}

/// Removes the scope's entries in `scoped` whose key the annotation or its
/// fields set again after them: the nearer metadata wins, and a key must
/// appear once per span.
fn drop_overridden(attributes: &mut Vec<KeyValue>, scoped: std::ops::Range<usize>) {
    if scoped.is_empty() {
        return;
    }
    let overridden: Vec<usize> = scoped
        .clone()
        .filter(|&i| {
            attributes[scoped.end..]
                .iter()
                .any(|kv| kv.key == attributes[i].key)
        })
        .collect();
    for i in overridden.into_iter().rev() {
        attributes.remove(i);
    }
}

/// A cost to resolve later, for a call that ends now.
#[cold]
#[inline(never)]
fn pending(query: Box<cost::Query>) -> Option<(Box<cost::Query>, SystemTime)> {
    Some((query, SystemTime::now()))
}

/// Text from a request or response: bounded, as it may come from outside.
fn str_value(s: &str) -> Value {
    Value::String(metadata::bounded_str(s))
}

/// A response model as the span records it: cut at
/// [`metadata::MAX_MODEL_BYTES`].
fn model_value(model: &str) -> Value {
    Value::String(match metadata::bounded_model(model) {
        Ok(model) => StringValue::from(model.to_owned()),
        Err(cut) => cut,
    })
}

/// A model as the metrics' attribute: [`sc::OTHER`] for a model over
/// [`metadata::MAX_MODEL_BYTES`], so that no outside string of any length
/// becomes a time series.
fn metric_model(model: &str) -> StringValue {
    match metadata::bounded_model(model) {
        Ok(model) => StringValue::from(Arc::<str>::from(model)),
        Err(_) => StringValue::from(sc::OTHER),
    }
}

/// A metadata value allowed onto metrics: [`sc::OTHER`] for a string over
/// [`metadata::MAX_MODEL_BYTES`] (as a model is).
fn metric_value(value: &Value) -> Value {
    match value {
        Value::String(s) if s.as_str().len() > metadata::MAX_MODEL_BYTES => Value::from(sc::OTHER),
        other => other.clone(),
    }
}

/// An `error.type` (an [`crate::ErrorType`] may take it from the reply),
/// bounded as a model name is: cut on the span, [`sc::OTHER`] on metrics.
pub(crate) enum BoundedErrorType {
    Within(Cow<'static, str>),
    Cut(StringValue),
}

impl BoundedErrorType {
    fn as_str(&self) -> &str {
        match self {
            BoundedErrorType::Within(t) => t,
            BoundedErrorType::Cut(cut) => cut.as_str(),
        }
    }

    pub(crate) fn span(&self) -> Value {
        match self {
            BoundedErrorType::Within(t) => Value::from(t.clone()),
            BoundedErrorType::Cut(cut) => Value::String(cut.clone()),
        }
    }

    fn metric(self) -> Cow<'static, str> {
        match self {
            BoundedErrorType::Within(t) => t,
            BoundedErrorType::Cut(_) => Cow::Borrowed(sc::OTHER),
        }
    }
}

/// `error_type` within [`metadata::MAX_MODEL_BYTES`].
pub(crate) fn bounded_error_type(error_type: Cow<'static, str>) -> BoundedErrorType {
    match metadata::bounded_model(&error_type) {
        Ok(_) => BoundedErrorType::Within(error_type),
        Err(cut) => BoundedErrorType::Cut(cut),
    }
}

fn push_request(attributes: &mut Vec<KeyValue>, info: &RequestInfo<'_>) {
    let mut push_f64 = |key: &'static str, v: Option<f64>| {
        if let Some(v) = v {
            attributes.push(KeyValue::new(key, v));
        }
    };
    push_f64(sc::GEN_AI_REQUEST_TEMPERATURE, info.temperature);
    push_f64(sc::GEN_AI_REQUEST_TOP_P, info.top_p);
    push_f64(sc::GEN_AI_REQUEST_TOP_K, info.top_k);
    push_f64(sc::GEN_AI_REQUEST_FREQUENCY_PENALTY, info.frequency_penalty);
    push_f64(sc::GEN_AI_REQUEST_PRESENCE_PENALTY, info.presence_penalty);
    if let Some(v) = info.max_tokens {
        attributes.push(KeyValue::new(
            sc::GEN_AI_REQUEST_MAX_TOKENS,
            saturating_i64(v),
        ));
    }
    if let Some(v) = info.seed {
        attributes.push(KeyValue::new(sc::GEN_AI_REQUEST_SEED, v));
    }
    if let Some(v) = info.choice_count.filter(|&n| n != 1) {
        attributes.push(KeyValue::new(
            sc::GEN_AI_REQUEST_CHOICE_COUNT,
            saturating_i64(v),
        ));
    }
    if !info.stop_sequences.is_empty() {
        let stops = metadata::bounded_strings(info.stop_sequences.iter().map(|s| &**s));
        attributes.push(KeyValue::new(sc::GEN_AI_REQUEST_STOP_SEQUENCES, stops));
    }
    if let Some(v) = info.stream {
        attributes.push(KeyValue::new(sc::GEN_AI_REQUEST_STREAM, v));
    }
    if let Some(v) = &info.output_type {
        attributes.push(KeyValue::new(sc::GEN_AI_OUTPUT_TYPE, str_value(v)));
    }
    if !info.encoding_formats.is_empty() {
        let formats = metadata::bounded_strings(info.encoding_formats.iter().map(|s| &**s));
        attributes.push(KeyValue::new(sc::GEN_AI_REQUEST_ENCODING_FORMATS, formats));
    }
    push_provider_attributes(attributes, &info.provider_attributes);
}

/// `openai.*`, `aws.bedrock.*`, ...: text from the request or the response.
fn push_provider_attributes(
    attributes: &mut Vec<KeyValue>,
    given: &[(Cow<'static, str>, Cow<'_, str>)],
) {
    attributes.extend(
        given
            .iter()
            .map(|(key, value)| KeyValue::new(Key::from(key.clone()), str_value(value))),
    );
}

fn push_response(
    attributes: &mut Vec<KeyValue>,
    provider: &str,
    info: &ResponseInfo<'_>,
    usage: Option<Usage>,
) {
    if let Some(id) = &info.id {
        attributes.push(KeyValue::new(sc::GEN_AI_RESPONSE_ID, str_value(id)));
    }
    if let Some(model) = &info.model {
        attributes.push(KeyValue::new(sc::GEN_AI_RESPONSE_MODEL, model_value(model)));
    }
    if !info.finish_reasons.is_empty() {
        let reasons = metadata::bounded_strings_with(
            info.finish_reasons.iter().map(|r| &**r),
            span_finish_reason(provider),
        );
        attributes.push(KeyValue::new(sc::GEN_AI_RESPONSE_FINISH_REASONS, reasons));
    }
    if let Some(usage) = usage.or(info.usage) {
        push_usage(attributes, &usage);
    }
    if let Some(count) = info.embeddings_dimension_count {
        attributes.push(KeyValue::new(
            sc::GEN_AI_EMBEDDINGS_DIMENSION_COUNT,
            saturating_i64(count),
        ));
    }
    if !info.tool_calls.is_empty() {
        let names = metadata::bounded_strings(info.tool_calls.iter().map(|t| &*t.name));
        attributes.push(KeyValue::new(sc::LLM_TRACE_RESPONSE_TOOL_CALLS, names));
    }
    push_provider_attributes(attributes, &info.provider_attributes);
}

/// How `gen_ai.response.finish_reasons` spells a provider's finish reasons:
/// as the official OpenTelemetry instrumentation of that provider records
/// them, so that dashboards built on it work unchanged. Anthropic's are
/// mapped to the conventions' values (`end_turn` → `stop`, `tool_use` →
/// `tool_calls`, as opentelemetry-instrumentation-anthropic does), Gemini's
/// lowercased (`MAX_TOKENS` → `max_tokens`, as
/// opentelemetry-instrumentation-google-genai does); the others are recorded
/// as sent (as the OpenAI and Bedrock instrumentations do).
fn span_finish_reason(provider: &str) -> fn(&str) -> Option<&'static str> {
    match provider {
        p if p == Anthropic::NAME => anthropic_finish_reason,
        p if p == Gemini::NAME || p == VertexAi::NAME => gemini_finish_reason,
        _ => finish_reason,
    }
}

/// opentelemetry-instrumentation-anthropic's mapping; other stop reasons
/// (`pause_turn`, `refusal`, ...) as sent.
fn anthropic_finish_reason(reason: &str) -> Option<&'static str> {
    Some(match reason {
        "end_turn" | "stop_sequence" => "stop",
        "max_tokens" => "length",
        "tool_use" => "tool_calls",
        other => return finish_reason(other),
    })
}

/// Gemini's `FinishReason` names lowercased, without the
/// `finish_reason_` prefix (opentelemetry-instrumentation-google-genai).
fn gemini_finish_reason(reason: &str) -> Option<&'static str> {
    Some(match reason {
        "STOP" => "stop",
        "MAX_TOKENS" => "max_tokens",
        "SAFETY" => "safety",
        "RECITATION" => "recitation",
        "LANGUAGE" => "language",
        "OTHER" => "other",
        "BLOCKLIST" => "blocklist",
        "PROHIBITED_CONTENT" => "prohibited_content",
        "SPII" => "spii",
        "MALFORMED_FUNCTION_CALL" => "malformed_function_call",
        "IMAGE_SAFETY" => "image_safety",
        "IMAGE_PROHIBITED_CONTENT" => "image_prohibited_content",
        "IMAGE_RECITATION" => "image_recitation",
        "IMAGE_OTHER" => "image_other",
        "NO_IMAGE" => "no_image",
        "UNEXPECTED_TOOL_CALL" => "unexpected_tool_call",
        "TOO_MANY_TOOL_CALLS" => "too_many_tool_calls",
        "MISSING_THOUGHT_SIGNATURE" => "missing_thought_signature",
        "MALFORMED_RESPONSE" => "malformed_response",
        "FINISH_REASON_UNSPECIFIED" => "unspecified",
        other => return finish_reason(other),
    })
}

/// The finish reasons the providers send (OpenAI, Anthropic, Gemini,
/// Bedrock, Cohere, Mistral), as static strings: nearly every response ends
/// with one of these, and the attribute then allocates nothing for it.
fn finish_reason(reason: &str) -> Option<&'static str> {
    Some(match reason {
        "stop" => "stop",
        "length" => "length",
        "tool_calls" => "tool_calls",
        "content_filter" => "content_filter",
        "function_call" => "function_call",
        "end_turn" => "end_turn",
        "max_tokens" => "max_tokens",
        "stop_sequence" => "stop_sequence",
        "tool_use" => "tool_use",
        "pause_turn" => "pause_turn",
        "refusal" => "refusal",
        "STOP" => "STOP",
        "MAX_TOKENS" => "MAX_TOKENS",
        "SAFETY" => "SAFETY",
        "RECITATION" => "RECITATION",
        "COMPLETE" => "COMPLETE",
        "ERROR" => "ERROR",
        "error" => "error",
        "model_length" => "model_length",
        "guardrail_intervened" => "guardrail_intervened",
        "content_filtered" => "content_filtered",
        _ => return None,
    })
}

fn push_usage(attributes: &mut Vec<KeyValue>, usage: &Usage) {
    let mut push = |key: &'static str, v: Option<u64>| {
        if let Some(v) = v {
            attributes.push(KeyValue::new(key, saturating_i64(v)));
        }
    };
    push(sc::GEN_AI_USAGE_INPUT_TOKENS, usage.input_tokens);
    push(sc::GEN_AI_USAGE_OUTPUT_TOKENS, usage.output_tokens);
    push(
        sc::GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
        usage.cache_read_input_tokens,
    );
    push(
        sc::GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS,
        usage.cache_write_input_tokens,
    );
    if EMIT_CACHE_CREATION.load(Ordering::Relaxed) {
        push(
            sc::GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS,
            usage.cache_write_input_tokens,
        );
    }
    push(
        sc::GEN_AI_USAGE_REASONING_OUTPUT_TOKENS,
        usage.reasoning_output_tokens,
    );
}

fn saturating_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

pin_project_lite::pin_project! {
    /// The body of an instrumented function, run with the call's span as the
    /// current context on every poll. Yields the finished [`Call`] back with
    /// the output so the generated code can record the outcome; a panic in
    /// the body ends the span and propagates unchanged.
    #[doc(hidden)]
    pub struct Instrumented<F> {
        call: Option<Call>,
        #[pin]
        inner: F,
    }
}

impl<F> Instrumented<F> {
    /// Runs `inner` inside `call`.
    #[inline]
    pub fn new(call: Call, inner: F) -> Self {
        Instrumented {
            call: Some(call),
            inner,
        }
    }
}

impl<F: Future> Future for Instrumented<F> {
    type Output = (Call, F::Output);

    fn poll(self: Pin<&mut Self>, task: &mut TaskContext<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let Some(call) = this.call.as_ref() else {
            panic!("an `#[llm_call]` future was polled after it completed");
        };
        match call.inside(|| this.inner.poll(task)) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(output)) => match this.call.take() {
                Some(call) => Poll::Ready((call, output)),
                None => unreachable!("checked above"),
            },
            Err(payload) => {
                if let Some(call) = this.call.take() {
                    call.finish_panic(&*payload);
                }
                panic::resume_unwind(payload)
            }
        }
    }
}

pin_project_lite::pin_project! {
    /// The body of an instrumented `async fn`, run with the span of the
    /// call it borrows as the current context on every poll, and `end` run
    /// on its output before the output is returned. The call stays in the
    /// caller's future (it is not moved in and out, as with
    /// [`Instrumented`]); a panic in the body ends it and propagates
    /// unchanged. Without a call (the run-time switch is off) the body is
    /// polled as it is.
    ///
    /// The instrumented function's future is this future's `.await` and
    /// nothing else: the output moves from the body to the caller as it
    /// would without instrumentation, not through the function's locals.
    #[doc(hidden)]
    pub struct Run<'a, F, E> {
        call: &'a mut Option<Call>,
        end: Option<E>,
        #[pin]
        inner: F,
    }
}

impl<'a, F, E> Run<'a, F, E>
where
    F: Future,
    E: FnOnce(&mut Option<Call>, &mut F::Output),
{
    /// Runs `inner` inside `call`, if there is one, and `end` on its output
    /// (which may take the call, to hand it to a stream it wraps in place).
    #[inline]
    pub fn new(call: &'a mut Option<Call>, inner: F, end: E) -> Self {
        Run {
            call,
            end: Some(end),
            inner,
        }
    }
}

impl<F, E> Future for Run<'_, F, E>
where
    F: Future,
    E: FnOnce(&mut Option<Call>, &mut F::Output),
{
    type Output = F::Output;

    #[inline]
    fn poll(self: Pin<&mut Self>, task: &mut TaskContext<'_>) -> Poll<F::Output> {
        let this = self.project();
        let Some(call) = this.call.as_mut() else {
            return this.inner.poll(task);
        };
        match call.inside(|| this.inner.poll(task)) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(mut output)) => {
                if let Some(end) = this.end.take() {
                    end(this.call, &mut output);
                }
                Poll::Ready(output)
            }
            Err(payload) => {
                if !call.finished {
                    call.end_panic(&*payload);
                }
                panic::resume_unwind(payload)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{bounded_text, function_path, parse_server, MAX_STATUS_DESCRIPTION};

    #[test]
    fn function_path_drops_the_nested_item_and_async_closures() {
        assert_eq!(
            function_path("app::Wrapper::ask::{{closure}}::__llm_trace_fn", "app::ask"),
            "app::Wrapper::ask"
        );
        assert_eq!(
            function_path("<app::W<_> as app::Ask>::ask::__llm_trace_fn", "app::ask"),
            "<app::W<_> as app::Ask>::ask"
        );
        assert_eq!(function_path("__llm_trace_fn", "app::ask"), "app::ask");
    }

    #[test]
    fn long_messages_are_cut_on_a_char_boundary() {
        assert_eq!(bounded_text(&"short"), "short");
        let long = "é".repeat(MAX_STATUS_DESCRIPTION);
        let cut = bounded_text(&long);
        assert_eq!(cut.len(), MAX_STATUS_DESCRIPTION + '…'.len_utf8());
        assert!(cut.ends_with("é…"));
        let exact = "a".repeat(MAX_STATUS_DESCRIPTION);
        assert_eq!(bounded_text(&exact), exact);
    }

    #[test]
    fn server_from_url_host_port_and_ipv6() {
        assert_eq!(
            parse_server("https://api.openai.com/v1"),
            ("api.openai.com", Some(443))
        );
        assert_eq!(
            parse_server("http://127.0.0.1:8080/v1"),
            ("127.0.0.1", Some(8080))
        );
        assert_eq!(parse_server("localhost:11434"), ("localhost", Some(11434)));
        assert_eq!(parse_server("example.com"), ("example.com", None));
        assert_eq!(parse_server("http://[::1]:9000/x"), ("::1", Some(9000)));
        assert_eq!(
            parse_server("https://user:pw@host.io/x"),
            ("host.io", Some(443))
        );
    }
}
