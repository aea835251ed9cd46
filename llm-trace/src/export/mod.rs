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
//!
//! # Three steps
//!
//! [`Builder::init`] is three steps, each callable on its own:
//!
//! 1. [`Builder::resolve`]: the variables and the builder's settings become
//!    one plain value, an [`ExportConfig`] (where each signal goes, protocol,
//!    headers, timeouts, queue sizes, sampler, resource, the
//!    [`CallSettings`]). Nothing is started; the only I/O is reading the
//!    variables and the price file the configuration names. Useful to check
//!    or print a deployment's configuration.
//! 2. [`ExportConfig::build`]: the exporters, the span queue and the
//!    providers, owned by the returned [`Telemetry`]. Nothing process-wide
//!    changes.
//! 3. [`Telemetry::install`]: the providers become the global ones, and the
//!    [`CallSettings`] (content capture, prices, metrics metadata keys, ...)
//!    the process-wide settings.
//!
//! A builder told [`without_global_install`](Builder::without_global_install)
//! stops after step 2: it changes nothing process-wide, the call settings
//! included. They are kept in [`Telemetry::settings`] for the application
//! to install ([`CallSettings::install`]) when it wants them.
//!
//! ```no_run
//! let config = llm_trace::builder()
//!     .env_vars([("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318")])
//!     .resolve()?
//!     .expect("OTEL_SDK_DISABLED is not set");
//! println!("exporting to {}", config.destination);
//! let telemetry = config.build()?.install();
//! # drop(telemetry);
//! # Ok::<(), llm_trace::export::InitError>(())
//! ```

use std::time::Duration;

mod build;
mod builder;
mod config;
mod error;
mod install;
pub mod jsonl;
mod queue;
mod resolve;
mod retry;
mod telemetry;
mod wake;

pub use builder::Builder;
pub use error::InitError;
pub use install::CallSettings;
pub use opentelemetry_otlp::Protocol;
pub use queue::SpanCounts;
pub use resolve::{BatchConfig, Destination, ExportConfig, Signals};
pub use telemetry::{ShutdownError, Telemetry};

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
