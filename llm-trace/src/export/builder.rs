//! [`Builder`]: the settings given in code. Each overrides its variable when
//! [resolved](Builder::resolve).

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use opentelemetry::KeyValue;
use opentelemetry_sdk::trace::Sampler;

use super::config::Env;
use super::{InitError, Protocol, Telemetry};
use crate::content::{CaptureMode, ContentKind, Redactor};
use crate::cost::PriceTable;

/// Headers sent with every export: credentials, so `Debug` shows the
/// names only.
#[derive(Default)]
pub(super) struct ExportHeaders(pub(super) BTreeMap<String, String>);

impl fmt::Debug for ExportHeaders {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.0.keys()).finish()
    }
}

/// Configuration of [`init`](super::init); every setter overrides its `OTEL_*` variable.
/// Its `Debug` output leaves out header values and variable values.
#[derive(Debug)]
pub struct Builder {
    pub(super) env: Env,
    pub(super) service_name: Option<String>,
    pub(super) resource_attributes: Vec<KeyValue>,
    pub(super) endpoint: Option<String>,
    pub(super) traces_endpoint: Option<String>,
    pub(super) metrics_endpoint: Option<String>,
    pub(super) logs_endpoint: Option<String>,
    pub(super) protocol: Option<Protocol>,
    pub(super) headers: ExportHeaders,
    pub(super) sampler: Option<Sampler>,
    pub(super) max_queue_size: Option<usize>,
    pub(super) max_export_batch_size: Option<usize>,
    pub(super) scheduled_delay: Option<Duration>,
    pub(super) export_timeout: Option<Duration>,
    pub(super) shutdown_timeout: Option<Duration>,
    pub(super) metric_export_interval: Option<Duration>,
    pub(super) file: Option<PathBuf>,
    pub(super) file_max_bytes: Option<u64>,
    pub(super) disabled: Option<bool>,
    pub(super) metrics_metadata_keys: Option<Vec<String>>,
    pub(super) prices: Option<PriceTable>,
    pub(super) prices_file: Option<PathBuf>,
    pub(super) traces_enabled: Option<bool>,
    pub(super) metrics_enabled: Option<bool>,
    pub(super) logs_enabled: Option<bool>,
    pub(super) capture_content: Option<CaptureMode>,
    pub(super) content_max_bytes: Option<usize>,
    pub(super) tool_definition_details: Option<bool>,
    pub(super) redactor: Option<RedactorHook>,
    pub(super) install_global: bool,
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
    /// value, a space in the name) makes [`resolve`](Self::resolve) (and
    /// `init`) fail, naming the header but not its value.
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

    /// A JSON price table to read at [`Builder::resolve`] (`LLM_TRACE_PRICES`;
    /// format in [`crate::cost::PriceTable`]). A file that cannot be read or
    /// parsed fails `resolve` (and `init`).
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

    /// Builds the providers without installing anything process-wide:
    /// [`init`](Builder::init) stops after [`build`](super::ExportConfig::build).
    /// The global providers stay as they are, and so do the process-wide
    /// call settings this builder or the variables set (content capture,
    /// content bounds and redaction, prices, metrics metadata keys): the
    /// guard carries them in [`Telemetry::settings`], to be installed with
    /// [`CallSettings::install`](super::CallSettings::install) (or all at
    /// once with [`Telemetry::install`]). The guard still owns and shuts
    /// down the providers.
    pub fn without_global_install(mut self) -> Self {
        self.install_global = false;
        self
    }

    /// Builds the providers, installs them globally and returns their guard:
    /// [`resolve`](Builder::resolve), then [`build`](super::ExportConfig::build),
    /// then [`install`](Telemetry::install) (unless built
    /// [`without_global_install`](Builder::without_global_install)).
    pub fn init(self) -> Result<Telemetry, InitError> {
        let Some(config) = self.resolve()? else {
            return Ok(Telemetry::disabled());
        };
        let install = config.install_global;
        let telemetry = config.build()?;
        Ok(if install {
            telemetry.install()
        } else {
            telemetry
        })
    }
}

/// The builder's redaction hook, shown by `Debug` as present or not.
pub(super) struct RedactorHook(pub(super) Arc<Redactor>);

impl fmt::Debug for RedactorHook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RedactorHook")
    }
}
