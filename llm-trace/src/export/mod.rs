//! Where spans and metrics go: [`init`] sets up tracing and metrics the way
//! an OpenTelemetry user expects, in one call.
//!
//! ```no_run
//! fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     // OTLP when OTEL_EXPORTER_OTLP_ENDPOINT (or a signal's own endpoint) is
//!     // set, otherwise the local file `llm-trace.jsonl`.
//!     let telemetry = llm_trace::init()?;
//!     // ... instrumented calls ...
//!     telemetry.shutdown()?; // or let it drop: flushes and shuts down
//!     Ok(())
//! }
//! ```
//!
//! [`init`] installs the global tracer and meter providers and returns a
//! [`Telemetry`] guard that flushes and shuts them down when dropped. It reads
//! the standard variables, and every one of them can be set on the
//! [`Builder`] instead (the builder wins):
//!
//! | variable | builder |
//! |---|---|
//! | `OTEL_EXPORTER_OTLP_ENDPOINT` | [`Builder::endpoint`] |
//! | `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, `OTEL_EXPORTER_OTLP_METRICS_ENDPOINT`, `OTEL_EXPORTER_OTLP_LOGS_ENDPOINT` | [`Builder::traces_endpoint`], [`Builder::metrics_endpoint`], [`Builder::logs_endpoint`] |
//! | `OTEL_EXPORTER_OTLP_PROTOCOL` (`grpc`, `http/protobuf`, `http/json`) | [`Builder::protocol`] |
//! | `OTEL_EXPORTER_OTLP_HEADERS` | [`Builder::header`] |
//! | `OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES` | [`Builder::service_name`], [`Builder::resource_attributes`] |
//! | `OTEL_TRACES_SAMPLER`, `OTEL_TRACES_SAMPLER_ARG` | [`Builder::sampler`] |
//! | `OTEL_BSP_MAX_QUEUE_SIZE`, `OTEL_BSP_MAX_EXPORT_BATCH_SIZE`, `OTEL_BSP_SCHEDULE_DELAY` | [`Builder::max_queue_size`], [`Builder::max_export_batch_size`], [`Builder::scheduled_delay`] |
//! | `OTEL_EXPORTER_OTLP_TIMEOUT` | [`Builder::export_timeout`] |
//! | `OTEL_METRIC_EXPORT_INTERVAL` | [`Builder::metric_export_interval`] |
//! | `OTEL_TRACES_EXPORTER`, `OTEL_METRICS_EXPORTER`, `OTEL_LOGS_EXPORTER` (`otlp` or `none`) | [`Builder::traces`], [`Builder::metrics`], [`Builder::logs`] |
//! | `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT` | [`Builder::capture_content`] (see [`crate::content`]) |
//! | `OTEL_SDK_DISABLED` | [`Builder::disabled`] |
//! | `LLM_TRACE_FILE`, `LLM_TRACE_FILE_MAX_BYTES` | [`Builder::file`], [`Builder::file_max_bytes`] |
//! | `LLM_TRACE_SHUTDOWN_TIMEOUT` (milliseconds, default 5000) | [`Builder::shutdown_timeout`] |
//! | `LLM_TRACE_PRICES` (a JSON price table, see [`crate::cost::PriceTable`]) | [`Builder::prices_file`], [`Builder::prices`] |
//!
//! Logs carry one kind of record only: the opt-in
//! `gen_ai.client.inference.operation.details` events of
//! [content capture](crate::content); with capture off nothing is logged.
//!
//! A user who configures OpenTelemetry themselves skips [`init`]:
//! `#[llm_call]` uses whatever global providers are installed (and
//! [`crate::content::set_logger_provider`] takes their logger provider).

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use opentelemetry::{global, KeyValue};
use opentelemetry_otlp::{WithExportConfig, WithHttpConfig, WithTonicConfig};
use opentelemetry_sdk::logs::{BatchLogProcessor, SdkLoggerProvider};
use opentelemetry_sdk::metrics::{PeriodicReader, SdkMeterProvider};
use opentelemetry_sdk::resource::TelemetryResourceDetector;
use opentelemetry_sdk::trace::{Sampler, SdkTracerProvider};
use opentelemetry_sdk::Resource;

mod config;
pub mod jsonl;
mod queue;
mod retry;
mod wake;

use crate::content::{self, CaptureMode, ContentKind, InvalidCaptureMode, Redactor};

use crate::cost::{PriceTable, PricesError};

use config::Env;
pub use opentelemetry_otlp::Protocol;
pub use queue::SpanCounts;
use queue::{QueueConfig, QueueProcessor, QueueStats};

/// The queue size of the batch span processor when nothing sets it
/// (`OTEL_BSP_MAX_QUEUE_SIZE`'s default in the specification).
pub const DEFAULT_MAX_QUEUE_SIZE: usize = 2048;

/// How long dropping the guard (or [`Telemetry::shutdown`],
/// [`Telemetry::force_flush`]) waits for the last exports when nothing sets
/// it (`LLM_TRACE_SHUTDOWN_TIMEOUT`).
pub const DEFAULT_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(5);

/// Sets up export from the `OTEL_*` variables: `llm_trace::builder().init()`.
///
/// ```no_run
/// fn main() -> Result<(), Box<dyn std::error::Error>> {
///     // OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set, else ./llm-trace.jsonl.
///     let telemetry = llm_trace::init()?;
///     println!("exporting to {:?}", telemetry.destination());
///     // ... instrumented calls ...
///     telemetry.shutdown()?; // flushes within the shutdown timeout
///     Ok(())
/// }
/// ```
pub fn init() -> Result<Telemetry, InitError> {
    builder().init()
}

/// A [`Builder`] that reads the process environment for anything not set on it.
///
/// ```no_run
/// use std::time::Duration;
/// use llm_trace::content::CaptureMode;
/// use llm_trace::export::Protocol;
///
/// let telemetry = llm_trace::builder()
///     .endpoint("http://collector:4317")
///     .protocol(Protocol::Grpc)
///     .service_name("support-bot")
///     .max_queue_size(16_384) // rides out a collector outage of ~10 s at 1000 calls/s
///     .metrics_metadata_keys(["feature", "prompt_id"])
///     .capture_content(CaptureMode::SpanOnly)
///     .shutdown_timeout(Duration::from_secs(2))
///     .init()?;
/// # drop(telemetry);
/// # Ok::<(), llm_trace::export::InitError>(())
/// ```
pub fn builder() -> Builder {
    Builder::default()
}

/// Headers sent with every export: credentials, so `Debug` shows the
/// names only.
#[derive(Default)]
struct ExportHeaders(BTreeMap<String, String>);

impl fmt::Debug for ExportHeaders {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.0.keys()).finish()
    }
}

/// Configuration of [`init`]; every setter overrides its `OTEL_*` variable.
/// Its `Debug` output leaves out header values and variable values.
#[derive(Debug)]
pub struct Builder {
    env: Env,
    service_name: Option<String>,
    resource_attributes: Vec<KeyValue>,
    endpoint: Option<String>,
    traces_endpoint: Option<String>,
    metrics_endpoint: Option<String>,
    logs_endpoint: Option<String>,
    protocol: Option<Protocol>,
    headers: ExportHeaders,
    sampler: Option<Sampler>,
    max_queue_size: Option<usize>,
    max_export_batch_size: Option<usize>,
    scheduled_delay: Option<Duration>,
    export_timeout: Option<Duration>,
    shutdown_timeout: Option<Duration>,
    metric_export_interval: Option<Duration>,
    file: Option<PathBuf>,
    file_max_bytes: Option<u64>,
    disabled: Option<bool>,
    metrics_metadata_keys: Option<Vec<String>>,
    prices: Option<PriceTable>,
    prices_file: Option<PathBuf>,
    traces_enabled: Option<bool>,
    metrics_enabled: Option<bool>,
    logs_enabled: Option<bool>,
    capture_content: Option<CaptureMode>,
    content_max_bytes: Option<usize>,
    tool_definition_details: Option<bool>,
    redactor: Option<RedactorHook>,
    install_global: bool,
}

impl Default for Builder {
    fn default() -> Self {
        Builder {
            env: Env::Process,
            service_name: None,
            resource_attributes: Vec::new(),
            endpoint: None,
            traces_endpoint: None,
            metrics_endpoint: None,
            logs_endpoint: None,
            protocol: None,
            headers: ExportHeaders::default(),
            sampler: None,
            max_queue_size: None,
            max_export_batch_size: None,
            scheduled_delay: None,
            export_timeout: None,
            shutdown_timeout: None,
            metric_export_interval: None,
            file: None,
            file_max_bytes: None,
            disabled: None,
            metrics_metadata_keys: None,
            prices: None,
            prices_file: None,
            traces_enabled: None,
            metrics_enabled: None,
            logs_enabled: None,
            capture_content: None,
            content_max_bytes: None,
            tool_definition_details: None,
            redactor: None,
            install_global: true,
        }
    }
}

impl Builder {
    /// Reads variables from `vars` instead of the process environment (for a
    /// configuration loaded from elsewhere, and for tests).
    pub fn env_vars<I, K, V>(mut self, vars: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        self.env = Env::Map(
            vars.into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        );
        self
    }

    /// `service.name` of the resource (`OTEL_SERVICE_NAME`).
    pub fn service_name(mut self, name: impl Into<String>) -> Self {
        self.service_name = Some(name.into());
        self
    }

    /// More resource attributes (added to `OTEL_RESOURCE_ATTRIBUTES`).
    pub fn resource_attributes(mut self, attributes: impl IntoIterator<Item = KeyValue>) -> Self {
        self.resource_attributes.extend(attributes);
        self
    }

    /// The OTLP endpoint of both signals (`OTEL_EXPORTER_OTLP_ENDPOINT`); over
    /// HTTP, `/v1/traces` and `/v1/metrics` are appended.
    pub fn endpoint(mut self, url: impl Into<String>) -> Self {
        self.endpoint = Some(url.into());
        self
    }

    /// The traces endpoint, used as written (`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`).
    pub fn traces_endpoint(mut self, url: impl Into<String>) -> Self {
        self.traces_endpoint = Some(url.into());
        self
    }

    /// The metrics endpoint, used as written (`OTEL_EXPORTER_OTLP_METRICS_ENDPOINT`).
    pub fn metrics_endpoint(mut self, url: impl Into<String>) -> Self {
        self.metrics_endpoint = Some(url.into());
        self
    }

    /// The logs endpoint, used as written (`OTEL_EXPORTER_OTLP_LOGS_ENDPOINT`).
    pub fn logs_endpoint(mut self, url: impl Into<String>) -> Self {
        self.logs_endpoint = Some(url.into());
        self
    }

    /// OTLP over gRPC, HTTP/protobuf or HTTP/JSON (`OTEL_EXPORTER_OTLP_PROTOCOL`;
    /// default HTTP/protobuf, as the specification says).
    pub fn protocol(mut self, protocol: Protocol) -> Self {
        self.protocol = Some(protocol);
        self
    }

    /// A header sent with every export, e.g. an API key
    /// (`OTEL_EXPORTER_OTLP_HEADERS`), exactly as given (no percent-decoding).
    /// A name or value that cannot be sent as a header (a newline in the
    /// value, a space in the name) makes [`init`](Self::init) fail, naming
    /// the header but not its value.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers
            .0
            .insert(name.into().to_ascii_lowercase(), value.into());
        self
    }

    /// The sampler (`OTEL_TRACES_SAMPLER`, `OTEL_TRACES_SAMPLER_ARG`; default
    /// parent-based always-on). Sampled-out calls still feed the metrics.
    pub fn sampler(mut self, sampler: Sampler) -> Self {
        self.sampler = Some(sampler);
        self
    }

    /// Spans waiting for export at most (`OTEL_BSP_MAX_QUEUE_SIZE`, default
    /// 2048), besides the batch being exported or kept for another attempt;
    /// beyond it the oldest waiting span is dropped and counted, never
    /// waited for. A batch whose export failed for a transient reason is
    /// tried again until the collector takes it, so a queue of at least
    /// calls per second × (seconds of outage + 6) loses nothing across such
    /// an outage (the README's "What survives an outage").
    pub fn max_queue_size(mut self, size: usize) -> Self {
        self.max_queue_size = Some(size);
        self
    }

    /// Spans per export request at most (`OTEL_BSP_MAX_EXPORT_BATCH_SIZE`, default 512).
    pub fn max_export_batch_size(mut self, size: usize) -> Self {
        self.max_export_batch_size = Some(size);
        self
    }

    /// Delay between exports (`OTEL_BSP_SCHEDULE_DELAY`, default 5 s).
    pub fn scheduled_delay(mut self, delay: Duration) -> Self {
        self.scheduled_delay = Some(delay);
        self
    }

    /// Time one OTLP export request may take (`OTEL_EXPORTER_OTLP_TIMEOUT`,
    /// default 10 s); a slow collector then costs spans, never callers' time.
    pub fn export_timeout(mut self, timeout: Duration) -> Self {
        self.export_timeout = Some(timeout);
        self
    }

    /// How long shutting down (dropping the guard, [`Telemetry::shutdown`])
    /// and [`Telemetry::force_flush`] wait for the last exports, retries
    /// included (`LLM_TRACE_SHUTDOWN_TIMEOUT` in milliseconds, default 5 s).
    /// Past it they return, reporting what did not finish, whatever the
    /// collector does: an application never hangs on exit because its
    /// collector is gone or stopped answering.
    pub fn shutdown_timeout(mut self, timeout: Duration) -> Self {
        self.shutdown_timeout = Some(timeout);
        self
    }

    /// Interval between metric exports (`OTEL_METRIC_EXPORT_INTERVAL`, default 60 s).
    pub fn metric_export_interval(mut self, interval: Duration) -> Self {
        self.metric_export_interval = Some(interval);
        self
    }

    /// The traces file of the embedded default (`LLM_TRACE_FILE`, default
    /// `llm-trace.jsonl`); metrics go next to it (`llm-trace.metrics.jsonl`).
    pub fn file(mut self, path: impl Into<PathBuf>) -> Self {
        self.file = Some(path.into());
        self
    }

    /// Size bound of each file before it rotates (`LLM_TRACE_FILE_MAX_BYTES`).
    pub fn file_max_bytes(mut self, bytes: u64) -> Self {
        self.file_max_bytes = Some(bytes);
        self
    }

    /// Installs nothing when `true` (`OTEL_SDK_DISABLED`).
    pub fn disabled(mut self, disabled: bool) -> Self {
        self.disabled = Some(disabled);
        self
    }

    /// Call metadata keys allowed onto the metrics' attributes (see
    /// [`crate::metrics::set_metadata_keys`]).
    pub fn metrics_metadata_keys<I, K>(mut self, keys: I) -> Self
    where
        I: IntoIterator<Item = K>,
        K: Into<String>,
    {
        self.metrics_metadata_keys = Some(keys.into_iter().map(Into::into).collect());
        self
    }

    /// Prices that win over genai-prices' for the models they name (see
    /// [`crate::cost::PriceTable`]); they also win over the price file's.
    pub fn prices(mut self, table: PriceTable) -> Self {
        self.prices
            .get_or_insert_with(PriceTable::new)
            .extend(table);
        self
    }

    /// A JSON price table to read at [`Builder::init`] (`LLM_TRACE_PRICES`;
    /// format in [`crate::cost::PriceTable`]). A file that cannot be read or
    /// parsed fails `init`.
    pub fn prices_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.prices_file = Some(path.into());
        self
    }

    /// Whether spans are exported at all (`OTEL_TRACES_EXPORTER`: `otlp`, the
    /// default, or `none`).
    pub fn traces(mut self, enabled: bool) -> Self {
        self.traces_enabled = Some(enabled);
        self
    }

    /// Whether metrics are exported at all (`OTEL_METRICS_EXPORTER`: `otlp`,
    /// the default, or `none`, e.g. for a backend that takes traces only).
    pub fn metrics(mut self, enabled: bool) -> Self {
        self.metrics_enabled = Some(enabled);
        self
    }

    /// Whether log records (the content events of [`crate::content`]) are
    /// exported at all (`OTEL_LOGS_EXPORTER`: `otlp`, the default, or `none`).
    pub fn logs(mut self, enabled: bool) -> Self {
        self.logs_enabled = Some(enabled);
        self
    }

    /// Captures prompts and completions in `mode` (process-wide;
    /// `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT`; default
    /// [`CaptureMode::NoContent`]). See [`crate::content`].
    pub fn capture_content(mut self, mode: CaptureMode) -> Self {
        self.capture_content = Some(mode);
        self
    }

    /// Bounds each captured value to `bytes` of JSON (default
    /// [`crate::content::DEFAULT_MAX_BYTES`]).
    pub fn content_max_bytes(mut self, bytes: usize) -> Self {
        self.content_max_bytes = Some(bytes);
        self
    }

    /// Records each tool's description and parameter schema in
    /// `gen_ai.tool.definitions` (default: type and name only).
    pub fn tool_definition_details(mut self, enabled: bool) -> Self {
        self.tool_definition_details = Some(enabled);
        self
    }

    /// The redaction hook of captured content (see
    /// [`crate::content::set_redactor`]).
    pub fn content_redactor<F>(mut self, redactor: F) -> Self
    where
        F: Fn(ContentKind, &mut serde_json::Value) + Send + Sync + 'static,
    {
        self.redactor = Some(RedactorHook(Arc::new(redactor)));
        self
    }

    /// Builds the providers without installing them globally (the guard
    /// still owns and shuts them down).
    pub fn without_global_install(mut self) -> Self {
        self.install_global = false;
        self
    }

    /// Builds the providers, installs them globally and returns their guard.
    pub fn init(self) -> Result<Telemetry, InitError> {
        let env = &self.env;
        if self
            .disabled
            .map_or_else(|| env.bool("OTEL_SDK_DISABLED"), |d| Ok(Some(d)))?
            == Some(true)
        {
            return Ok(Telemetry::disabled());
        }
        let prices = self.price_table()?;
        crate::cost::preload();

        let destination = self.destination()?;
        let traces_on = match self.traces_enabled {
            Some(on) => on,
            None => exporter_enabled(env, "OTEL_TRACES_EXPORTER")?,
        };
        let metrics_on = match self.metrics_enabled {
            Some(on) => on,
            None => exporter_enabled(env, "OTEL_METRICS_EXPORTER")?,
        };
        let logs_on = match self.logs_enabled {
            Some(on) => on,
            None => exporter_enabled(env, "OTEL_LOGS_EXPORTER")?,
        };
        let capture = match self.capture_content {
            Some(mode) => Some(mode),
            None => env
                .var(content::ENV_VAR)
                .map(|v| {
                    CaptureMode::parse(&v).map_err(|_| {
                        InitError::invalid(content::ENV_VAR, &v, InvalidCaptureMode::EXPECTED)
                    })
                })
                .transpose()?,
        };
        let resource = self.resource();
        let sampler = match self.sampler.clone() {
            Some(sampler) => sampler,
            None => config::sampler(env)?
                .unwrap_or_else(|| Sampler::ParentBased(Box::new(Sampler::AlwaysOn))),
        };
        let max_queue_size = self
            .max_queue_size
            .map_or_else(|| env.usize("OTEL_BSP_MAX_QUEUE_SIZE"), |v| Ok(Some(v)))?
            .unwrap_or(DEFAULT_MAX_QUEUE_SIZE);
        let max_export_batch_size = self
            .max_export_batch_size
            .map_or_else(
                || env.usize("OTEL_BSP_MAX_EXPORT_BATCH_SIZE"),
                |v| Ok(Some(v)),
            )?
            .unwrap_or(queue::DEFAULT_MAX_EXPORT_BATCH_SIZE);
        let scheduled_delay = self
            .scheduled_delay
            .map_or_else(|| env.millis("OTEL_BSP_SCHEDULE_DELAY"), |v| Ok(Some(v)))?
            .unwrap_or(queue::DEFAULT_SCHEDULED_DELAY);
        let export_timeout = self
            .export_timeout
            .map_or_else(|| env.millis("OTEL_EXPORTER_OTLP_TIMEOUT"), |v| Ok(Some(v)))?;
        let shutdown_timeout = self
            .shutdown_timeout
            .map_or_else(|| env.millis("LLM_TRACE_SHUTDOWN_TIMEOUT"), |v| Ok(Some(v)))?
            .unwrap_or(DEFAULT_SHUTDOWN_TIMEOUT);
        let interval = self.metric_export_interval.map_or_else(
            || env.millis("OTEL_METRIC_EXPORT_INTERVAL"),
            |v| Ok(Some(v)),
        )?;

        // gRPC exporters run their I/O on a runtime of their own, built here so
        // that `init` works from a plain `main` as well as from any runtime,
        // and shut down from a plain thread so no caller's runtime deadlocks.
        let mut runtime = None;
        let (span_exporter, metric_exporter, log_exporter): (
            Option<SpanExporterKind>,
            Option<MetricExporterKind>,
            Option<LogExporterKind>,
        ) = match &destination {
            Destination::Otlp {
                protocol,
                traces,
                metrics,
                logs,
                headers,
            } => {
                let _entered = match protocol {
                    Protocol::Grpc => {
                        let rt = tokio::runtime::Builder::new_multi_thread()
                            .worker_threads(1)
                            .thread_name("llm-trace-otlp")
                            .enable_all()
                            .build()
                            .map_err(InitError::Runtime)?;
                        runtime = Some(rt);
                        runtime.as_ref().map(|rt| rt.enter())
                    }
                    _ => None,
                };
                // Over HTTP the span exporter's client is observed, so that
                // a failed batch is retried by what the collector answered.
                let (client, observed) = match protocol {
                    Protocol::Grpc => (None, None),
                    _ if !traces_on => (None, None),
                    _ => {
                        let (client, observed) =
                            retry::ObservedClient::new(http_client(export_timeout)?);
                        (Some(client), Some(observed))
                    }
                };
                (
                    traces_on
                        .then(|| {
                            otlp_span_exporter(*protocol, traces, headers, export_timeout, client)
                        })
                        .transpose()?
                        .map(|e| SpanExporterKind::Otlp(e, retry::RetryRule::otlp(observed))),
                    metrics_on
                        .then(|| {
                            otlp_metric_exporter(*protocol, metrics, headers, export_timeout, None)
                        })
                        .transpose()?
                        .map(MetricExporterKind::Otlp),
                    logs_on
                        .then(|| otlp_log_exporter(*protocol, logs, headers, export_timeout, None))
                        .transpose()?
                        .map(LogExporterKind::Otlp),
                )
            }
            Destination::File {
                traces,
                metrics,
                logs,
                max_bytes,
            } => {
                let file = |path: &PathBuf| {
                    Arc::new(jsonl::JsonlFile::new(path).with_max_bytes(*max_bytes))
                };
                (
                    traces_on.then(|| {
                        SpanExporterKind::File(jsonl::JsonlSpanExporter::new(file(traces)))
                    }),
                    metrics_on.then(|| {
                        MetricExporterKind::File(jsonl::JsonlMetricExporter::new(file(metrics)))
                    }),
                    logs_on
                        .then(|| LogExporterKind::File(jsonl::JsonlLogExporter::new(file(logs)))),
                )
            }
        };

        let spans_left_out = match &span_exporter {
            Some(SpanExporterKind::File(e)) => Some(e.left_out_counter()),
            _ => None,
        };
        let batch = QueueConfig {
            max_queue_size,
            max_export_batch_size,
            scheduled_delay,
            flush_timeout: shutdown_timeout,
            backoff: retry::Backoff::recommended(),
        };
        let (tracer_provider, queue) = match span_exporter {
            Some(exporter) => {
                let processor = match exporter {
                    SpanExporterKind::Otlp(e, rule) => QueueProcessor::new(e, batch, rule),
                    // A file that cannot be written is not an outage that
                    // ends by waiting: its batches fail.
                    SpanExporterKind::File(e) => {
                        QueueProcessor::new(e, batch, retry::RetryRule::never())
                    }
                }
                .map_err(InitError::Thread)?;
                let queue = processor.stats();
                let provider = SdkTracerProvider::builder()
                    .with_resource(resource.clone())
                    .with_sampler(sampler)
                    .with_span_processor(processor)
                    .build();
                (Some(provider), Some(queue))
            }
            None => (None, None),
        };

        let logger_provider = log_exporter.map(|exporter| {
            let processor = match exporter {
                LogExporterKind::Otlp(e) => BatchLogProcessor::builder(e).build(),
                LogExporterKind::File(e) => BatchLogProcessor::builder(e).build(),
            };
            SdkLoggerProvider::builder()
                .with_resource(resource.clone())
                .with_log_processor(processor)
                .build()
        });

        let meter_provider =
            metric_exporter.map(|exporter| {
                let builder = SdkMeterProvider::builder().with_resource(resource);
                match exporter {
                    MetricExporterKind::Otlp(e) => builder
                        .with_reader(with_interval(PeriodicReader::builder(e), interval).build()),
                    MetricExporterKind::File(e) => builder
                        .with_reader(with_interval(PeriodicReader::builder(e), interval).build()),
                }
                .build()
            });

        if let Some(keys) = self.metrics_metadata_keys {
            crate::metrics::set_metadata_keys(keys);
        }
        if let Some(mode) = capture {
            content::set_capture_mode(mode);
        }
        if let Some(bytes) = self.content_max_bytes {
            content::set_max_bytes(bytes);
        }
        if let Some(enabled) = self.tool_definition_details {
            content::set_tool_definition_details(enabled);
        }
        if let Some(RedactorHook(redactor)) = self.redactor {
            content::install_redactor(Some(redactor));
        }
        if let Some(prices) = prices {
            crate::cost::set_prices(prices);
        }
        if self.install_global {
            if let Some(provider) = &tracer_provider {
                global::set_tracer_provider(provider.clone());
            }
            if let Some(provider) = &meter_provider {
                global::set_meter_provider(provider.clone());
            }
            if let Some(provider) = &logger_provider {
                content::set_logger_provider(provider);
            }
        }
        Ok(Telemetry {
            providers: Some(Providers {
                tracer: tracer_provider,
                meter: meter_provider,
                logger: logger_provider,
                runtime,
            }),
            destination: Some(destination),
            installed_global: self.install_global,
            queue,
            spans_left_out,
            shutdown_timeout,
        })
    }

    /// The price file's table with the builder's over it; `None` when
    /// neither is given (prices set with [`crate::cost::set_prices`] stay).
    fn price_table(&self) -> Result<Option<PriceTable>, InitError> {
        let file = match &self.prices_file {
            Some(path) => Some(path.clone()),
            None => self.env.var("LLM_TRACE_PRICES").map(PathBuf::from),
        };
        let mut table = match file {
            Some(path) => Some(PriceTable::from_file(path).map_err(InitError::Prices)?),
            None => None,
        };
        if let Some(own) = self.prices.clone() {
            table.get_or_insert_with(PriceTable::new).extend(own);
        }
        Ok(table)
    }

    fn destination(&self) -> Result<Destination, InitError> {
        let env = &self.env;
        let general = self
            .endpoint
            .clone()
            .or_else(|| env.var("OTEL_EXPORTER_OTLP_ENDPOINT"));
        let traces_own = self
            .traces_endpoint
            .clone()
            .or_else(|| env.var("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"));
        let metrics_own = self
            .metrics_endpoint
            .clone()
            .or_else(|| env.var("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"));
        let logs_own = self
            .logs_endpoint
            .clone()
            .or_else(|| env.var("OTEL_EXPORTER_OTLP_LOGS_ENDPOINT"));

        if general.is_none() && traces_own.is_none() && metrics_own.is_none() && logs_own.is_none()
        {
            let traces = match &self.file {
                Some(path) => path.clone(),
                None => env
                    .var("LLM_TRACE_FILE")
                    .map_or_else(|| PathBuf::from(jsonl::DEFAULT_PATH), PathBuf::from),
            };
            let max_bytes = match self.file_max_bytes {
                Some(bytes) => bytes,
                None => match env.var("LLM_TRACE_FILE_MAX_BYTES") {
                    Some(v) => v.parse().map_err(|_| {
                        InitError::invalid(
                            "LLM_TRACE_FILE_MAX_BYTES",
                            &v,
                            "expected a number of bytes",
                        )
                    })?,
                    None => jsonl::DEFAULT_MAX_BYTES,
                },
            };
            return Ok(Destination::File {
                metrics: jsonl::metrics_path(&traces),
                logs: jsonl::logs_path(&traces),
                traces,
                max_bytes,
            });
        }

        let protocol = match self.protocol {
            Some(p) => p,
            None => match env.var("OTEL_EXPORTER_OTLP_PROTOCOL").as_deref() {
                None | Some("http/protobuf") => Protocol::HttpBinary,
                Some("grpc") => Protocol::Grpc,
                Some("http/json") => Protocol::HttpJson,
                Some(other) => {
                    return Err(InitError::invalid(
                        "OTEL_EXPORTER_OTLP_PROTOCOL",
                        other,
                        "expected grpc, http/protobuf or http/json",
                    ))
                }
            },
        };
        let (default_port, signal_paths) = match protocol {
            Protocol::Grpc => ("http://localhost:4317", None),
            _ => (
                "http://localhost:4318",
                Some(("v1/traces", "v1/metrics", "v1/logs")),
            ),
        };
        let general = general.unwrap_or_else(|| default_port.to_owned());
        let derive = |path: Option<&str>| match path {
            Some(path) => config::http_signal_endpoint(&general, path),
            None => general.clone(),
        };
        let traces = traces_own.unwrap_or_else(|| derive(signal_paths.map(|p| p.0)));
        let metrics = metrics_own.unwrap_or_else(|| derive(signal_paths.map(|p| p.1)));
        let logs = logs_own.unwrap_or_else(|| derive(signal_paths.map(|p| p.2)));

        for endpoint in [&traces, &metrics, &logs] {
            if !endpoint.starts_with("http://") && !endpoint.starts_with("https://") {
                return Err(InitError::invalid(
                    "OTLP endpoint",
                    endpoint,
                    "expected an http:// or https:// URL",
                ));
            }
            if cfg!(not(feature = "tls")) && endpoint.starts_with("https://") {
                return Err(InitError::invalid(
                    "OTLP endpoint",
                    endpoint,
                    "https endpoints need llm-trace's `tls` cargo feature",
                ));
            }
        }

        // A header that cannot be sent: from the environment it is left out
        // with a warning (as the specification asks of invalid variables),
        // from code it is an error. Either way the same for HTTP and gRPC,
        // and the value (a credential) is never shown.
        let mut headers = BTreeMap::new();
        if let Some(v) = env.var("OTEL_EXPORTER_OTLP_HEADERS") {
            for (name, value) in config::headers("OTEL_EXPORTER_OTLP_HEADERS", &v)? {
                if self.headers.0.contains_key(&name) {
                    continue;
                }
                match config::unsendable(&name, &value) {
                    None => {
                        headers.insert(name, value);
                    }
                    Some(problem) => {
                        opentelemetry::otel_warn!(
                            name: "llm_trace.header_ignored",
                            variable = "OTEL_EXPORTER_OTLP_HEADERS",
                            header = format!("{name:?}"),
                            problem = problem,
                            message = "this header is not sent (its value is not shown)"
                        );
                    }
                }
            }
        }
        for (name, value) in &self.headers.0 {
            if let Some(problem) = config::unsendable(name, value) {
                return Err(InitError::invalid(
                    &format!("Builder::header {name:?}"),
                    config::REDACTED,
                    problem,
                ));
            }
            headers.insert(name.clone(), value.clone());
        }
        Ok(Destination::Otlp {
            protocol,
            traces,
            metrics,
            logs,
            headers,
        })
    }

    fn resource(&self) -> Resource {
        // Read here rather than by the SDK's detectors so that `env_vars`
        // applies and values are percent-decoded, as the specification says.
        let exe = std::env::current_exe()
            .ok()
            .and_then(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
            .unwrap_or_default();
        let mut builder = Resource::builder_empty()
            .with_detector(Box::new(TelemetryResourceDetector))
            .with_service_name(format!("unknown_service:{exe}"));
        if let Some(attrs) = self.env.var("OTEL_RESOURCE_ATTRIBUTES") {
            builder = builder.with_attributes(attrs.split(',').filter_map(|pair| {
                let (k, v) = pair.split_once('=')?;
                let (k, v) = (k.trim(), config::percent_decode(v.trim()));
                (!k.is_empty()).then(|| KeyValue::new(k.to_owned(), v))
            }));
        }
        if let Some(name) = self.env.var("OTEL_SERVICE_NAME") {
            builder = builder.with_service_name(name);
        }
        let mut builder = builder.with_attributes(self.resource_attributes.clone());
        if let Some(name) = &self.service_name {
            builder = builder.with_service_name(name.clone());
        }
        builder.build()
    }
}

/// `OTEL_TRACES_EXPORTER` / `OTEL_METRICS_EXPORTER`: `otlp` (the default) or `none`.
fn exporter_enabled(env: &Env, name: &str) -> Result<bool, InitError> {
    match env.var(name).as_deref() {
        None | Some("otlp") => Ok(true),
        Some("none") => Ok(false),
        Some(other) => Err(InitError::invalid(name, other, "expected `otlp` or `none`")),
    }
}

fn with_interval<E: opentelemetry_sdk::metrics::exporter::PushMetricExporter>(
    builder: opentelemetry_sdk::metrics::PeriodicReaderBuilder<E>,
    interval: Option<Duration>,
) -> opentelemetry_sdk::metrics::PeriodicReaderBuilder<E> {
    match interval {
        Some(interval) => builder.with_interval(interval),
        None => builder,
    }
}

/// The builder's redaction hook, shown by `Debug` as present or not.
struct RedactorHook(Arc<Redactor>);

impl fmt::Debug for RedactorHook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RedactorHook")
    }
}

// Built once at init and moved into the SDK right away: the size is moot.
#[allow(clippy::large_enum_variant)]
enum SpanExporterKind {
    Otlp(opentelemetry_otlp::SpanExporter, retry::RetryRule),
    File(jsonl::JsonlSpanExporter),
}

#[allow(clippy::large_enum_variant)]
enum MetricExporterKind {
    Otlp(opentelemetry_otlp::MetricExporter),
    File(jsonl::JsonlMetricExporter),
}

#[allow(clippy::large_enum_variant)]
enum LogExporterKind {
    Otlp(opentelemetry_otlp::LogExporter),
    File(jsonl::JsonlLogExporter),
}

/// The OTLP exporter of one signal. The span and metric builders are
/// distinct types with the same methods, so one macro writes both.
macro_rules! otlp_exporter {
    ($name:ident, $exporter:ty) => {
        fn $name(
            protocol: Protocol,
            endpoint: &str,
            headers: &BTreeMap<String, String>,
            timeout: Option<Duration>,
            client: Option<retry::ObservedClient<reqwest::blocking::Client>>,
        ) -> Result<$exporter, InitError> {
            let builder = <$exporter>::builder();
            match protocol {
                Protocol::Grpc => {
                    let builder = builder
                        .with_tonic()
                        .with_endpoint(endpoint)
                        .with_metadata(metadata(headers)?);
                    #[cfg(feature = "tls")]
                    let builder = if endpoint.starts_with("https://") {
                        builder.with_tls_config(
                            tonic::transport::ClientTlsConfig::new().with_native_roots(),
                        )
                    } else {
                        builder
                    };
                    match timeout {
                        Some(timeout) => builder.with_timeout(timeout),
                        None => builder,
                    }
                    .build()
                }
                _ => {
                    let builder = builder
                        .with_http()
                        .with_protocol(protocol)
                        .with_endpoint(endpoint)
                        // The SDK percent-decodes these values, which are
                        // final already: escape `%` so they arrive as given.
                        .with_headers(
                            headers
                                .iter()
                                .map(|(k, v)| (k.clone(), v.replace('%', "%25")))
                                .collect(),
                        );
                    let builder = match client {
                        Some(client) => builder.with_http_client(client),
                        None => builder,
                    };
                    match timeout {
                        Some(timeout) => builder.with_timeout(timeout),
                        None => builder,
                    }
                    .build()
                }
            }
            .map_err(InitError::Exporter)
        }
    };
}

otlp_exporter!(otlp_span_exporter, opentelemetry_otlp::SpanExporter);
otlp_exporter!(otlp_metric_exporter, opentelemetry_otlp::MetricExporter);
otlp_exporter!(otlp_log_exporter, opentelemetry_otlp::LogExporter);

/// The blocking client opentelemetry-otlp builds for its HTTP exporters,
/// built the same way (on a thread of its own: a blocking reqwest client
/// cannot be built inside an async runtime) with the same timeout.
fn http_client(timeout: Option<Duration>) -> Result<reqwest::blocking::Client, InitError> {
    // OTEL_EXPORTER_OTLP_TIMEOUT's default in the specification.
    let timeout = timeout.unwrap_or(Duration::from_secs(10));
    std::thread::Builder::new()
        .name("llm-trace-http-client".into())
        .spawn(move || {
            reqwest::blocking::Client::builder()
                .timeout(timeout)
                .build()
        })
        .map_err(InitError::Thread)?
        .join()
        .map_err(|_| {
            InitError::Exporter(opentelemetry_otlp::ExporterBuildError::InternalFailure(
                "building the blocking HTTP client panicked".into(),
            ))
        })?
        .map_err(|error| {
            InitError::Exporter(opentelemetry_otlp::ExporterBuildError::InternalFailure(
                format!("building the blocking HTTP client failed: {error}"),
            ))
        })
}

fn metadata(headers: &BTreeMap<String, String>) -> Result<tonic::metadata::MetadataMap, InitError> {
    let mut map = http::HeaderMap::new();
    for (name, value) in headers {
        let name = http::HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
            InitError::invalid(
                "OTEL_EXPORTER_OTLP_HEADERS",
                name,
                "not a valid header name",
            )
        })?;
        let value = http::HeaderValue::from_str(value).map_err(|_| {
            InitError::invalid(
                "OTEL_EXPORTER_OTLP_HEADERS",
                name.as_str(),
                "its value is not a valid header value",
            )
        })?;
        map.insert(name, value);
    }
    Ok(tonic::metadata::MetadataMap::from_headers(map))
}

/// Where [`init`] sends spans and metrics.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Destination {
    /// An OTLP endpoint (a Collector, Jaeger, Tempo, Phoenix, Langfuse, ...).
    Otlp {
        /// gRPC, HTTP/protobuf or HTTP/JSON.
        protocol: Protocol,
        /// Traces endpoint.
        traces: String,
        /// Metrics endpoint.
        metrics: String,
        /// Logs endpoint (content events).
        logs: String,
        /// Headers sent with every export (values are not shown by `Debug`).
        headers: BTreeMap<String, String>,
    },
    /// The embedded default: OTLP JSON-lines files.
    File {
        /// The traces file.
        traces: PathBuf,
        /// The metrics file.
        metrics: PathBuf,
        /// The logs file (content events).
        logs: PathBuf,
        /// Size bound of each file.
        max_bytes: u64,
    },
}

impl fmt::Debug for Destination {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Destination::Otlp {
                protocol,
                traces,
                metrics,
                logs,
                headers,
            } => f
                .debug_struct("Otlp")
                .field("protocol", protocol)
                .field("traces", traces)
                .field("metrics", metrics)
                .field("logs", logs)
                .field("headers", &headers.keys().collect::<Vec<_>>())
                .finish(),
            Destination::File {
                traces,
                metrics,
                logs,
                max_bytes,
            } => f
                .debug_struct("File")
                .field("traces", traces)
                .field("metrics", metrics)
                .field("logs", logs)
                .field("max_bytes", max_bytes)
                .finish(),
        }
    }
}

impl fmt::Display for Destination {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Destination::Otlp {
                protocol,
                traces,
                metrics,
                ..
            } => {
                let protocol = match protocol {
                    Protocol::Grpc => "grpc",
                    Protocol::HttpBinary => "http/protobuf",
                    Protocol::HttpJson => "http/json",
                    #[allow(unreachable_patterns)]
                    _ => "otlp",
                };
                if traces == metrics {
                    write!(f, "OTLP {protocol} to {traces}")
                } else {
                    write!(
                        f,
                        "OTLP {protocol}: traces to {traces}, metrics to {metrics}"
                    )
                }
            }
            Destination::File {
                traces, metrics, ..
            } => {
                write!(f, "files {} and {}", traces.display(), metrics.display())
            }
        }
    }
}

struct Providers {
    tracer: Option<SdkTracerProvider>,
    meter: Option<SdkMeterProvider>,
    logger: Option<SdkLoggerProvider>,
    runtime: Option<tokio::runtime::Runtime>,
}

/// The installed providers. Dropping it flushes and shuts them down within
/// the [shutdown timeout](Builder::shutdown_timeout) (errors are then
/// reported through OpenTelemetry's internal logging); call
/// [`Telemetry::shutdown`] to see them.
///
/// ```no_run
/// let telemetry = llm_trace::init()?;
/// // ... instrumented calls ...
/// telemetry.force_flush()?; // e.g. before a serverless function freezes
/// let counts = telemetry.span_counts();
/// if counts.lost() > 0 {
///     eprintln!("{} spans lost ({} dropped, {} failed)", counts.lost(), counts.dropped, counts.failed);
/// }
/// telemetry.shutdown()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use = "dropping the guard shuts telemetry down"]
pub struct Telemetry {
    providers: Option<Providers>,
    destination: Option<Destination>,
    installed_global: bool,
    queue: Option<Arc<QueueStats>>,
    /// Spans the file exporter left out (each alone larger than the file's
    /// bound) from batches it otherwise wrote.
    spans_left_out: Option<Arc<std::sync::atomic::AtomicU64>>,
    shutdown_timeout: Duration,
}

impl fmt::Debug for Telemetry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Telemetry")
            .field("destination", &self.destination)
            .field("active", &self.providers.is_some())
            .field("shutdown_timeout", &self.shutdown_timeout)
            .finish()
    }
}

impl Telemetry {
    fn disabled() -> Telemetry {
        Telemetry {
            providers: None,
            destination: None,
            installed_global: false,
            queue: None,
            spans_left_out: None,
            shutdown_timeout: DEFAULT_SHUTDOWN_TIMEOUT,
        }
    }

    /// Where spans and metrics go; `None` when disabled.
    pub fn destination(&self) -> Option<&Destination> {
        self.destination.as_ref()
    }

    /// The traces file of the embedded default, if that is the destination.
    pub fn file(&self) -> Option<&Path> {
        match &self.destination {
            Some(Destination::File { traces, .. }) => Some(traces),
            _ => None,
        }
    }

    /// The tracer provider (also installed globally unless built
    /// [`without_global_install`](Builder::without_global_install)).
    pub fn tracer_provider(&self) -> Option<&SdkTracerProvider> {
        self.providers.as_ref().and_then(|p| p.tracer.as_ref())
    }

    /// The meter provider.
    pub fn meter_provider(&self) -> Option<&SdkMeterProvider> {
        self.providers.as_ref().and_then(|p| p.meter.as_ref())
    }

    /// The logger provider of the content events (also the one
    /// [`crate::content`] emits to, unless built
    /// [`without_global_install`](Builder::without_global_install)).
    pub fn logger_provider(&self) -> Option<&SdkLoggerProvider> {
        self.providers.as_ref().and_then(|p| p.logger.as_ref())
    }

    /// What became of the spans so far: exported, failed to export, dropped
    /// because the queue was full, still queued. All zero when disabled.
    ///
    /// ```no_run
    /// let telemetry = llm_trace::init()?;
    /// // ... instrumented calls ...
    /// let counts = telemetry.span_counts();
    /// if counts.lost() > 0 {
    ///     eprintln!("{} spans lost ({} dropped, {} failed to export)",
    ///               counts.lost(), counts.dropped, counts.failed);
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn span_counts(&self) -> SpanCounts {
        let mut counts = self.queue.as_ref().map(|q| q.counts()).unwrap_or_default();
        // The file exporter wrote their batch but not them: failed, not
        // exported. (Counted by the exporter before the queue counts the
        // batch: until that export returns they show in `failed` and still
        // in `queued`, never in neither.)
        if let Some(left_out) = &self.spans_left_out {
            let left_out = left_out.load(std::sync::atomic::Ordering::Relaxed);
            counts.exported = counts.exported.saturating_sub(left_out);
            counts.failed += left_out;
        }
        counts
    }

    /// How many replies claimed more tokens than any provider can produce
    /// ([`MAX_PLAUSIBLE_TOKENS`](crate::provider::MAX_PLAUSIBLE_TOKENS)), so
    /// that their usage reached no metric and no cost (process-wide, as
    /// [`crate::metrics::rejected_usage`]).
    pub fn rejected_usage(&self) -> u64 {
        crate::metrics::rejected_usage()
    }

    /// The bound on [`shutdown`](Self::shutdown), dropping the guard and
    /// [`force_flush`](Self::force_flush).
    pub fn shutdown_timeout(&self) -> Duration {
        self.shutdown_timeout
    }

    /// Exports everything recorded so far, waiting for the exporters at
    /// most the [shutdown timeout](Builder::shutdown_timeout).
    pub fn force_flush(&self) -> Result<(), ShutdownError> {
        let Some(providers) = &self.providers else {
            return Ok(());
        };
        within(
            self.shutdown_timeout,
            Providers {
                tracer: providers.tracer.clone(),
                meter: providers.meter.clone(),
                logger: providers.logger.clone(),
                runtime: None,
            },
            |tracer, left| {
                flush_costs(left);
                tracer.force_flush()
            },
            |meter, left| {
                flush_costs(left);
                meter.force_flush()
            },
            |logger, _| logger.force_flush(),
        )
    }

    /// Flushes and shuts down both providers, reporting what failed. Returns
    /// within the [shutdown timeout](Builder::shutdown_timeout) whatever the
    /// collector does; exports still running then are abandoned (and end
    /// with the process).
    pub fn shutdown(mut self) -> Result<(), ShutdownError> {
        self.shutdown_inner()
    }

    fn shutdown_inner(&mut self) -> Result<(), ShutdownError> {
        let Some(providers) = self.providers.take() else {
            return Ok(());
        };
        if self.installed_global {
            // The global slots keep clones; point them at no-ops so later
            // calls do not reach shut-down providers.
            global::set_tracer_provider(opentelemetry::trace::noop::NoopTracerProvider::new());
            global::set_meter_provider(opentelemetry::metrics::noop::NoopMeterProvider::new());
            if providers.logger.is_some() {
                content::clear_logger_provider();
            }
        }
        // Each flushes first: the SDK's shutdown drops the result of its
        // last export, the flush reports it.
        within(
            self.shutdown_timeout,
            providers,
            |tracer, left| {
                let left = flush_costs(left);
                let flushed = tracer.force_flush();
                let shut = tracer.shutdown_with_timeout(left);
                flushed.and(shut)
            },
            |meter, left| {
                let left = flush_costs(left);
                let flushed = meter.force_flush();
                let shut = meter.shutdown_with_timeout(left);
                flushed.and(shut)
            },
            |logger, left| {
                let flushed = logger.force_flush();
                let shut = logger.shutdown_with_timeout(left);
                flushed.and(shut)
            },
        )
    }
}

/// Waits (within `timeout`) for the calls whose cost is being resolved to
/// end their spans and add their cost, so that the flush that follows
/// exports them, and returns what is left of `timeout`.
fn flush_costs(timeout: Duration) -> Duration {
    if crate::cost::flush(Duration::ZERO) {
        return timeout;
    }
    let started = std::time::Instant::now();
    crate::cost::flush(timeout);
    timeout.saturating_sub(started.elapsed())
}

impl Drop for Telemetry {
    fn drop(&mut self) {
        if let Err(error) = self.shutdown_inner() {
            opentelemetry::otel_warn!(name: "llm_trace.shutdown_failed", message = error.to_string());
        }
    }
}

/// Runs `traces`, `metrics` and `logs` on threads of their own, all at once (a hung
/// collector then costs the timeout once, not twice), and waits for them at
/// most `timeout`. Plain threads, because flushing waits for exporter
/// threads, which must never happen on an async runtime's thread (a
/// current-thread runtime would deadlock, and blocking HTTP clients refuse
/// to run there). What has not finished by then keeps running detached and
/// is reported as timed out: the SDK's own waits are 5 s per step and an
/// export in flight cannot be cancelled, so only leaving it behind bounds
/// the caller's wait. The gRPC runtime goes last, once both are done.
fn within(
    timeout: Duration,
    providers: Providers,
    traces: fn(&SdkTracerProvider, Duration) -> opentelemetry_sdk::error::OTelSdkResult,
    metrics: fn(&SdkMeterProvider, Duration) -> opentelemetry_sdk::error::OTelSdkResult,
    logs: fn(&SdkLoggerProvider, Duration) -> opentelemetry_sdk::error::OTelSdkResult,
) -> Result<(), ShutdownError> {
    use std::sync::mpsc;
    use std::time::Instant;

    let deadline = Instant::now() + timeout;
    let left = move || deadline.saturating_duration_since(Instant::now());
    // Per signal (traces, metrics, logs): still waited for.
    let mut pending = [
        providers.tracer.is_some(),
        providers.meter.is_some(),
        providers.logger.is_some(),
    ];
    let (tx, rx) = mpsc::channel::<(usize, Option<String>)>();
    let Providers {
        tracer,
        meter,
        logger,
        runtime,
    } = providers;
    let work = move || {
        std::thread::scope(|scope| {
            if let Some(tracer) = &tracer {
                let tx = tx.clone();
                scope.spawn(move || {
                    let _ = tx.send((0, traces(tracer, left()).err().map(|e| e.to_string())));
                });
            }
            if let Some(logger) = &logger {
                let tx = tx.clone();
                scope.spawn(move || {
                    let _ = tx.send((2, logs(logger, left()).err().map(|e| e.to_string())));
                });
            }
            if let Some(meter) = &meter {
                let _ = tx.send((1, metrics(meter, left()).err().map(|e| e.to_string())));
            }
        });
        if let Some(runtime) = runtime {
            runtime.shutdown_background();
        }
    };
    let mut errors: [Option<String>; 3] = [None, None, None];
    match std::thread::Builder::new()
        .name("llm-trace-shutdown".into())
        .spawn(work)
    {
        Ok(_detached) => {
            while pending.iter().any(|&p| p) {
                match rx.recv_timeout(left()) {
                    Ok((signal, error)) => {
                        pending[signal] = false;
                        errors[signal] = error;
                    }
                    // Timed out, or a panic on the way.
                    Err(_) => break,
                }
            }
        }
        Err(error) => {
            let message = || format!("cannot start a shutdown thread: {error}");
            return ShutdownError::check(
                pending[0].then(message),
                pending[1].then(message),
                pending[2].then(message),
            );
        }
    }
    let [traces, metrics, logs] = errors;
    let outcome = |pending: bool, error: Option<String>| {
        if pending {
            Some(format!("not finished within {timeout:?}"))
        } else {
            error
        }
    };
    ShutdownError::check(
        outcome(pending[0], traces),
        outcome(pending[1], metrics),
        outcome(pending[2], logs),
    )
}

/// Why [`init`] failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum InitError {
    /// A variable or builder value is not valid.
    Invalid {
        /// The variable (or setting).
        name: String,
        /// Its value.
        value: String,
        /// What is accepted.
        expected: String,
    },
    /// The OTLP exporter could not be built.
    Exporter(opentelemetry_otlp::ExporterBuildError),
    /// The runtime for gRPC export could not be started.
    Runtime(std::io::Error),
    /// The span export thread could not be started.
    Thread(std::io::Error),
    /// The price file (`LLM_TRACE_PRICES`, [`Builder::prices_file`]) could
    /// not be read.
    Prices(PricesError),
}

impl InitError {
    fn invalid(name: &str, value: &str, expected: &str) -> InitError {
        InitError::Invalid {
            name: name.to_owned(),
            value: value.to_owned(),
            expected: expected.to_owned(),
        }
    }
}

impl fmt::Display for InitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InitError::Invalid {
                name,
                value,
                expected,
            } => write!(f, "invalid {name}={value:?}: {expected}"),
            InitError::Exporter(e) => write!(f, "cannot build the OTLP exporter: {e}"),
            InitError::Runtime(e) => write!(f, "cannot start the gRPC export runtime: {e}"),
            InitError::Thread(e) => write!(f, "cannot start the span export thread: {e}"),
            InitError::Prices(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for InitError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            InitError::Invalid { .. } => None,
            InitError::Exporter(e) => Some(e),
            InitError::Runtime(e) | InitError::Thread(e) => Some(e),
            InitError::Prices(e) => Some(e),
        }
    }
}

/// What failed while flushing or shutting down.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShutdownError {
    /// The tracer provider's error.
    pub traces: Option<String>,
    /// The meter provider's error.
    pub metrics: Option<String>,
    /// The logger provider's error.
    pub logs: Option<String>,
}

impl ShutdownError {
    fn check(
        traces: Option<String>,
        metrics: Option<String>,
        logs: Option<String>,
    ) -> Result<(), ShutdownError> {
        if traces.is_none() && metrics.is_none() && logs.is_none() {
            Ok(())
        } else {
            Err(ShutdownError {
                traces,
                metrics,
                logs,
            })
        }
    }
}

impl fmt::Display for ShutdownError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let failed: Vec<String> = [
            ("traces", &self.traces),
            ("metrics", &self.metrics),
            ("logs", &self.logs),
        ]
        .into_iter()
        .filter_map(|(signal, error)| Some(format!("{signal}: {}", error.as_ref()?)))
        .collect();
        if failed.is_empty() {
            f.write_str("no error")
        } else {
            f.write_str(&failed.join("; "))
        }
    }
}

impl std::error::Error for ShutdownError {}
