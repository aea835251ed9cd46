//! One call's span lifecycle: start (in named steps), record, finish.

use std::any::Any;
use std::borrow::Cow;
use std::fmt;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;
use std::time::{Instant, SystemTime};

use opentelemetry::trace::{
    Span, SpanBuilder, SpanKind, Status, TraceContextExt, Tracer, TracerProvider,
};
use opentelemetry::{global, Context, Key, KeyValue, StringValue};

use super::attributes::{metric_model, push_request, push_response};
use super::current;
use super::error::{panic_message, ErrorMessage};
use super::site::{with_attributes, CallSite, Fields};
use crate::bound::{bounded_error_type, bounded_text, BoundedErrorType};
use crate::content::{self, CaptureMode};
use crate::cost;
use crate::instrumentation::scope;
use crate::metadata;
use crate::metrics;
use crate::provider::{Provider, RequestFacts, ResponseFacts, StreamFacts, Usage};
use crate::semconv as sc;
use crate::settings::{self, Settings};

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
    /// The settings snapshot read at the start, for the whole call.
    settings: Arc<Settings>,
    pub(super) finished: bool,
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
    /// records, or for the keys allowed onto metrics. The settings snapshot
    /// is read here, once, for the whole call.
    ///
    /// `stream`: the function's return type is a boxed stream (found by
    /// type where the call site's flag could not say it).
    #[inline]
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
        let settings = settings::current();
        let Target {
            model,
            name,
            model_cut,
            server_address,
            server_port,
        } = Target::of(site, request.and_then(|r| r.request_model()), server);
        let sampling = sampling_attributes(site, &model, &server_address, server_port);
        let capture = capture_mode(site, &settings);
        let content_base = capture.on_event().then(|| sampling.clone());
        let mut attribute_count = sampling.len();
        let parent = parent_context();
        let kind = if site.internal {
            SpanKind::Internal
        } else {
            SpanKind::Client
        };
        let mut span = start_span(name, kind, sampling, &parent);

        // The client metrics measure calls to a model provider, not tools.
        let meters = if site.provider.is_empty() {
            None
        } else {
            metrics::instruments()
        };
        // A stream's time to first chunk counts from here.
        let stream = stream || site.stream;
        let started = (meters.is_some() || stream).then(Instant::now);
        let metric_keys = meters
            .as_ref()
            .and_then(|_| settings.metrics_metadata_keys.as_deref());
        let (mut metric_metadata, metric_scoped) =
            metric_metadata(site, &parent, &settings, metric_keys);

        let recording = span.is_recording();
        let mut inherited = Vec::new();
        let mut content = None;
        if recording {
            with_attributes(|attributes| {
                let request_side = RequestSide {
                    site,
                    settings: &settings,
                    parent: &parent,
                    stream,
                    metric_keys,
                };
                request_side.record(attributes, request, fields, &mut metric_metadata);
                if site.operation == sc::OPERATION_INVOKE_AGENT {
                    inherited = agent_context(attributes);
                }
                content = content::begin(&settings, capture, content_base, attributes, request);
                attribute_count += attributes.len();
                span.set_attributes(attributes.drain(..));
            });
        } else if let Some(keys) = metric_keys {
            fields(&mut Fields {
                span: None,
                metric: Some((keys, &mut metric_metadata)),
            });
        }
        drop_overridden(&mut metric_metadata, 0..metric_scoped);

        let mut cx = call_context(parent, span, recording);
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
            settings,
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
        let settings = settings::current();
        let parent = parent_context();
        let name = name.unwrap_or(Cow::Borrowed(site.name.unwrap_or(site.operation)));
        let mut attributes = Vec::with_capacity(2 + site.metadata.len() + entries.len() + 2);
        attributes.push(KeyValue::new(sc::GEN_AI_OPERATION_NAME, site.operation));
        let mut span = start_span(name, SpanKind::Internal, attributes, &parent);

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
            metadata::scope_attributes(&parent, settings.baggage_keys.as_deref(), &mut attributes);
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
            settings,
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

    /// The bound of each captured value, when this call captures content
    /// (capture is on and the span records): a stream then assembles its
    /// output messages.
    pub(crate) fn content_max_bytes(&self) -> Option<usize> {
        self.content
            .as_ref()
            .map(|_| self.settings.max_content_bytes)
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
                self.charge(model, usage);
                if measuring {
                    response_model = model.map(metric_model);
                }
                let content = self.content.take();
                with_attributes(|attributes| {
                    push_response(
                        attributes,
                        self.site.provider,
                        &info,
                        reported,
                        self.settings.emit_deprecated_cache_creation,
                    );
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
                    self.cx.span().set_attributes(attributes.drain(..));
                });
            } else {
                let model = response.response_model();
                usage = metrics::plausible(usage);
                self.charge(model, usage);
                response_model = model.map(metric_model);
            }
        }
        if let Some(pending) = self.content.take() {
            // A value without response facts: the event still goes out.
            pending.finish_ok(&self.cx, &mut Vec::new(), || None);
        }
        self.end_span();
        self.record_metrics(None, response_model, usage, StreamTiming::NONE);
    }

    /// Ends the span now, unless a cost being resolved ends it later. A
    /// span that does not record (sampled out, or the API's no-op span
    /// without an SDK) ignores its end, for which `end()` would still read
    /// the clock.
    fn end_span(&self) {
        if self.recording && self.cost_pending.is_none() {
            self.cx.span().end();
        }
    }

    /// Prices the call with [`Call::price`]: the cost now, or a cost to
    /// resolve later.
    fn charge(&mut self, response_model: Option<&str>, usage: Option<Usage>) {
        match self.price(response_model, usage) {
            cost::CallCost::Known(usd) => self.cost_usd = usd,
            cost::CallCost::Pending(query) => self.cost_pending = pending(query),
        }
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
            &self.settings,
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
        self.end_span();
        self.record_metrics(Some(error_type.metric()), None, None, StreamTiming::NONE);
    }

    /// Ends the span of a call whose body panicked; the caller resumes the panic.
    pub(crate) fn finish_panic(mut self, payload: &(dyn Any + Send)) {
        self.end_panic(payload);
    }

    /// [`Call::finish_panic`] in place.
    pub(super) fn end_panic(&mut self, payload: &(dyn Any + Send)) {
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
        self.end_span();
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
            self.charge(facts.response_model(), usage);
        }
        if self.recording {
            let span = self.cx.span();
            let mut attributes = Vec::with_capacity(13);
            push_response(
                &mut attributes,
                self.site.provider,
                &facts.response_info(ended_early),
                reported,
                self.settings.emit_deprecated_cache_creation,
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
        self.end_span();
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

/// What names a call before its span starts: the request model (within
/// [`metadata::MAX_MODEL_BYTES`]) and the span name, and the server.
struct Target {
    model: Option<StringValue>,
    name: Cow<'static, str>,
    /// The request model was over the bound.
    model_cut: bool,
    server_address: Option<StringValue>,
    server_port: Option<u16>,
}

impl Target {
    /// The annotation's model, else the request's; the `server = ...`
    /// value, else the site's (the provider's default).
    #[inline]
    fn of(site: &'static CallSite, request_model: Option<&str>, server: Option<&str>) -> Target {
        let (model, name, model_cut) = match site.model.or(request_model) {
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
        Target {
            model,
            name,
            model_cut,
            server_address,
            server_port,
        }
    }
}

/// The attributes the conventions mark as relevant to sampling, the only
/// ones built before the sampling decision.
#[inline]
fn sampling_attributes(
    site: &CallSite,
    model: &Option<StringValue>,
    server_address: &Option<StringValue>,
    server_port: Option<u16>,
) -> Vec<KeyValue> {
    // The SDK keeps this vector as the span's attribute storage: sized for
    // everything this site's spans record (sized once, from what they
    // needed so far), it does not grow, and stays small enough for the
    // allocator's fast path.
    let mut sampling = Vec::with_capacity(site.attribute_capacity());
    sampling.push(KeyValue::new(sc::GEN_AI_OPERATION_NAME, site.operation));
    if !site.provider.is_empty() {
        sampling.push(KeyValue::new(sc::GEN_AI_PROVIDER_NAME, site.provider));
    }
    if let Some(model) = model {
        sampling.push(KeyValue::new(sc::GEN_AI_REQUEST_MODEL, model.clone()));
    }
    if let Some(address) = server_address {
        sampling.push(KeyValue::new(sc::SERVER_ADDRESS, address.clone()));
        if let Some(port) = server_port {
            sampling.push(KeyValue::new(sc::SERVER_PORT, i64::from(port)));
        }
    }
    sampling
}

/// The content capture mode of a call at `site`. Content is about inference
/// calls to a model: not tools, in-process agents or embeddings.
#[inline]
fn capture_mode(site: &CallSite, settings: &Settings) -> CaptureMode {
    if site.provider.is_empty() || site.operation == "embeddings" {
        CaptureMode::NoContent
    } else {
        content::mode_for(site.capture, settings)
    }
}

/// The context a call's span is a child of: the current one (or the
/// `tracing` span's, with the `tracing` feature).
#[inline]
fn parent_context() -> Context {
    let parent = Context::current();
    #[cfg(feature = "tracing")]
    let parent = crate::tracing_bridge::parent(parent);
    parent
}

/// Starts a span from the installed tracer provider (the sampler decides
/// with `attributes`).
#[inline]
fn start_span(
    name: Cow<'static, str>,
    kind: SpanKind,
    attributes: Vec<KeyValue>,
    parent: &Context,
) -> global::BoxedSpan {
    let tracer = global::tracer_provider().tracer_with_scope(scope().clone());
    let builder = SpanBuilder::from_name(name)
        .with_kind(kind)
        .with_attributes(attributes);
    tracer.build_with_context(builder, parent)
}

/// The metadata allowed onto the metrics (`keys`) from the scope and the
/// annotation, and how many of them came from the scope.
#[inline]
fn metric_metadata(
    site: &CallSite,
    parent: &Context,
    settings: &Settings,
    keys: Option<&[Key]>,
) -> (Vec<KeyValue>, usize) {
    let mut metric_metadata = Vec::new();
    let Some(keys) = keys else {
        return (metric_metadata, 0);
    };
    let mut scoped = Vec::new();
    metadata::scope_attributes(parent, settings.baggage_keys.as_deref(), &mut scoped);
    metric_metadata.extend(scoped.into_iter().filter(|kv| keys.contains(&kv.key)));
    let metric_scoped = metric_metadata.len();
    metric_metadata.extend(
        site.metadata
            .iter()
            .filter(|(key, _)| keys.iter().any(|k| k.as_str() == *key))
            .map(|(key, value)| KeyValue::new(Key::from_static_str(key), value.to_value())),
    );
    (metric_metadata, metric_scoped)
}

/// What the request side of a recording span needs.
struct RequestSide<'a> {
    site: &'static CallSite,
    settings: &'a Settings,
    parent: &'a Context,
    stream: bool,
    metric_keys: Option<&'a [Key]>,
}

impl RequestSide<'_> {
    /// Pushes the attributes of a span that records: function, request
    /// parameters, scope and annotation metadata, `fields(...)` (also onto
    /// `metric_metadata` for the keys allowed there), nearer metadata
    /// winning over the scope's.
    #[inline]
    fn record<P: Provider, F: FnOnce(&mut Fields<'_>)>(
        &self,
        attributes: &mut Vec<KeyValue>,
        request: Option<&dyn RequestFacts<P>>,
        fields: F,
        metric_metadata: &mut Vec<KeyValue>,
    ) {
        let site = self.site;
        attributes.push(KeyValue::new(sc::CODE_FUNCTION_NAME, site.function_name()));
        let mut stream_given = false;
        if let Some(request) = request {
            let info = request.request_info();
            stream_given = info.stream.is_some();
            push_request(attributes, &info);
        }
        if self.stream && !stream_given {
            attributes.push(KeyValue::new(sc::GEN_AI_REQUEST_STREAM, true));
        }
        let scoped_from = attributes.len();
        metadata::scope_attributes(
            self.parent,
            self.settings.baggage_keys.as_deref(),
            attributes,
        );
        let scoped_to = attributes.len();
        attributes.extend(
            site.metadata
                .iter()
                .map(|(key, value)| KeyValue::new(Key::from_static_str(key), value.to_value())),
        );
        fields(&mut Fields {
            span: Some(attributes),
            metric: self.metric_keys.map(|keys| (keys, metric_metadata)),
        });
        drop_overridden(attributes, scoped_from..scoped_to);
    }
}

/// The attributes of an agent's span that are context for every call the
/// agent makes: the conversation and the agent.
fn agent_context(attributes: &[KeyValue]) -> Vec<KeyValue> {
    attributes
        .iter()
        .filter(|kv| {
            kv.key.as_str() == sc::GEN_AI_CONVERSATION_ID
                || kv.key.as_str() == sc::GEN_AI_AGENT_NAME
        })
        .cloned()
        .collect()
}

/// The context of a call whose span is `span`.
#[inline]
fn call_context(parent: Context, span: global::BoxedSpan, recording: bool) -> Context {
    if recording {
        parent.with_span(span)
    } else if !span.span_context().is_valid() && !parent.has_active_span() {
        // The API's no-op span (no SDK installed, nothing current): it has
        // no identity of its own and ignores everything, so the caller's
        // context serves as the call's, as it would without the call (no
        // context and span to allocate and free per call).
        drop(span);
        parent
    } else {
        // A span that does not record (sampled out) ignores everything but
        // its identity, which is all its children need (their sampler sees
        // a parent that is not sampled): the context carries the identity
        // alone, and the span is freed now rather than wrapped in a lock the
        // call never takes.
        let identity = span.span_context().clone();
        drop(span);
        parent.with_remote_span_context(identity)
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
        self.end_span();
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
