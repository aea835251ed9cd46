//! Step 1: [`Builder::resolve`] turns the variables and the builder's
//! settings into one plain value, an [`ExportConfig`]. Nothing is started;
//! the only I/O is reading the variables and the price file they name.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use opentelemetry::KeyValue;
use opentelemetry_sdk::resource::TelemetryResourceDetector;
use opentelemetry_sdk::trace::Sampler;
use opentelemetry_sdk::Resource;

use super::builder::RedactorHook;
use super::config::{self, Env};
use super::{
    jsonl, queue, Builder, CallSettings, InitError, Protocol, DEFAULT_MAX_QUEUE_SIZE,
    DEFAULT_SHUTDOWN_TIMEOUT,
};
use crate::content::{self, CaptureMode, InvalidCaptureMode};
use crate::cost::PriceTable;

/// The export configuration, resolved from a [`Builder`] and the variables
/// (the builder wins): everything [`ExportConfig::build`] needs, as plain
/// values. Its `Debug` output leaves out header values.
///
/// Not `PartialEq`: a [`Sampler`] can be the application's own, which does
/// not compare; every other field does.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ExportConfig {
    /// Where the signals go: OTLP (an endpoint per signal, protocol,
    /// headers) or the embedded default's files.
    pub destination: Destination,
    /// Which signals are exported (`OTEL_TRACES_EXPORTER`,
    /// `OTEL_METRICS_EXPORTER`, `OTEL_LOGS_EXPORTER`).
    pub signals: Signals,
    /// The resource of every signal (`OTEL_SERVICE_NAME`,
    /// `OTEL_RESOURCE_ATTRIBUTES`, the builder's attributes).
    pub resource: Resource,
    /// The sampler (`OTEL_TRACES_SAMPLER`, `OTEL_TRACES_SAMPLER_ARG`).
    pub sampler: Sampler,
    /// The span queue's bounds and pace (`OTEL_BSP_*`).
    pub batch: BatchConfig,
    /// Time one OTLP export request may take (`OTEL_EXPORTER_OTLP_TIMEOUT`);
    /// `None` is the exporter's default, 10 s.
    pub export_timeout: Option<Duration>,
    /// Interval between metric exports (`OTEL_METRIC_EXPORT_INTERVAL`);
    /// `None` is the SDK's default, 60 s.
    pub metric_export_interval: Option<Duration>,
    /// The bound on shutting down and flushing (`LLM_TRACE_SHUTDOWN_TIMEOUT`).
    pub shutdown_timeout: Duration,
    /// The process-wide call settings that [`Telemetry::install`](super::Telemetry::install)
    /// installs.
    pub call: CallSettings,
    /// Whether [`Builder::init`] installs what it builds
    /// ([`Builder::without_global_install`] clears it).
    pub install_global: bool,
}

/// Which signals are exported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Signals {
    /// Spans.
    pub traces: bool,
    /// Metrics.
    pub metrics: bool,
    /// Log records (the content events of [`crate::content`]).
    pub logs: bool,
}

/// The span queue's bounds and pace (see [`Builder::max_queue_size`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct BatchConfig {
    /// Spans waiting for export at most (`OTEL_BSP_MAX_QUEUE_SIZE`).
    pub max_queue_size: usize,
    /// Spans per export request at most (`OTEL_BSP_MAX_EXPORT_BATCH_SIZE`).
    pub max_export_batch_size: usize,
    /// Delay between exports (`OTEL_BSP_SCHEDULE_DELAY`).
    pub scheduled_delay: Duration,
}

impl Builder {
    /// Step 1 of [`init`](Builder::init): reads the variables (from
    /// [`env_vars`](Builder::env_vars) if given, else the process
    /// environment) and the price file they name, and resolves them with
    /// this builder's settings into one [`ExportConfig`]. `None` when
    /// export is disabled (`OTEL_SDK_DISABLED`, [`Builder::disabled`]).
    /// Changes nothing, starts nothing; the errors are those of `init`.
    pub fn resolve(&self) -> Result<Option<ExportConfig>, InitError> {
        let env = &self.env;
        if self
            .disabled
            .map_or_else(|| env.bool("OTEL_SDK_DISABLED"), |d| Ok(Some(d)))?
            == Some(true)
        {
            return Ok(None);
        }
        let prices = self.price_table()?;

        let destination = self.destination()?;
        let traces = match self.traces_enabled {
            Some(on) => on,
            None => exporter_enabled(env, "OTEL_TRACES_EXPORTER")?,
        };
        let metrics = match self.metrics_enabled {
            Some(on) => on,
            None => exporter_enabled(env, "OTEL_METRICS_EXPORTER")?,
        };
        let logs = match self.logs_enabled {
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
        let metric_export_interval = self.metric_export_interval.map_or_else(
            || env.millis("OTEL_METRIC_EXPORT_INTERVAL"),
            |v| Ok(Some(v)),
        )?;

        Ok(Some(ExportConfig {
            destination,
            signals: Signals {
                traces,
                metrics,
                logs,
            },
            resource,
            sampler,
            batch: BatchConfig {
                max_queue_size,
                max_export_batch_size,
                scheduled_delay,
            },
            export_timeout,
            metric_export_interval,
            shutdown_timeout,
            call: CallSettings {
                capture_mode: capture,
                content_max_bytes: self.content_max_bytes,
                tool_definition_details: self.tool_definition_details,
                redactor: self
                    .redactor
                    .as_ref()
                    .map(|RedactorHook(hook)| hook.clone()),
                prices,
                metrics_metadata_keys: self.metrics_metadata_keys.clone(),
            },
            install_global: self.install_global,
        }))
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
            return self.file_destination();
        }

        let protocol = self.resolved_protocol()?;
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
            check_endpoint(endpoint)?;
        }
        Ok(Destination::Otlp {
            protocol,
            traces,
            metrics,
            logs,
            headers: self.resolved_headers()?,
        })
    }

    /// The embedded default, when no OTLP endpoint is set.
    fn file_destination(&self) -> Result<Destination, InitError> {
        let env = &self.env;
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
                    InitError::invalid("LLM_TRACE_FILE_MAX_BYTES", &v, "expected a number of bytes")
                })?,
                None => jsonl::DEFAULT_MAX_BYTES,
            },
        };
        Ok(Destination::File {
            metrics: jsonl::metrics_path(&traces),
            logs: jsonl::logs_path(&traces),
            traces,
            max_bytes,
        })
    }

    /// `OTEL_EXPORTER_OTLP_PROTOCOL`; HTTP/protobuf by default, as the
    /// specification says.
    fn resolved_protocol(&self) -> Result<Protocol, InitError> {
        if let Some(protocol) = self.protocol {
            return Ok(protocol);
        }
        match self.env.var("OTEL_EXPORTER_OTLP_PROTOCOL").as_deref() {
            None | Some("http/protobuf") => Ok(Protocol::HttpBinary),
            Some("grpc") => Ok(Protocol::Grpc),
            Some("http/json") => Ok(Protocol::HttpJson),
            Some(other) => Err(InitError::invalid(
                "OTEL_EXPORTER_OTLP_PROTOCOL",
                other,
                "expected grpc, http/protobuf or http/json",
            )),
        }
    }

    /// `OTEL_EXPORTER_OTLP_HEADERS` with the builder's headers over them.
    fn resolved_headers(&self) -> Result<BTreeMap<String, String>, InitError> {
        // A header that cannot be sent: from the environment it is left out
        // with a warning (as the specification asks of invalid variables),
        // from code it is an error. Either way the same for HTTP and gRPC,
        // and the value (a credential) is never shown.
        let mut headers = BTreeMap::new();
        if let Some(v) = self.env.var("OTEL_EXPORTER_OTLP_HEADERS") {
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
        Ok(headers)
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

/// An OTLP endpoint this build can send to.
pub(super) fn check_endpoint(endpoint: &str) -> Result<(), InitError> {
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
    Ok(())
}

/// `OTEL_TRACES_EXPORTER` / `OTEL_METRICS_EXPORTER`: `otlp` (the default) or `none`.
fn exporter_enabled(env: &Env, name: &str) -> Result<bool, InitError> {
    match env.var(name).as_deref() {
        None | Some("otlp") => Ok(true),
        Some("none") => Ok(false),
        Some(other) => Err(InitError::invalid(name, other, "expected `otlp` or `none`")),
    }
}

/// Where [`init`](super::init) sends spans and metrics.
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
