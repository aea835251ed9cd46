//! Step 2: [`ExportConfig::build`] makes the exporters, the span queue and
//! the providers from a resolved configuration, and changes nothing
//! process-wide.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use opentelemetry_otlp::{WithExportConfig, WithHttpConfig, WithTonicConfig};
use opentelemetry_sdk::logs::{BatchLogProcessor, SdkLoggerProvider};
use opentelemetry_sdk::metrics::{PeriodicReader, SdkMeterProvider};
use opentelemetry_sdk::trace::{Sampler, SdkTracerProvider};
use opentelemetry_sdk::Resource;

use super::queue::{QueueConfig, QueueProcessor, QueueStats};
use super::resolve::check_endpoint;
use super::telemetry::Providers;
use super::{
    config, jsonl, retry, Destination, ExportConfig, InitError, Protocol, Signals, Telemetry,
};

impl ExportConfig {
    /// Step 2 of [`Builder::init`](super::Builder::init): builds the
    /// exporters, the span queue and the providers of the enabled signals,
    /// owned by the returned guard. Nothing process-wide changes: the
    /// providers are not installed and the [call settings](Self::call) not
    /// applied until [`Telemetry::install`]. Over gRPC the exporters get a
    /// runtime of their own (so this works from a plain `main` as well as
    /// from any runtime).
    pub fn build(self) -> Result<Telemetry, InitError> {
        let ExportConfig {
            destination,
            signals,
            resource,
            sampler,
            batch,
            export_timeout,
            metric_export_interval,
            shutdown_timeout,
            call,
            install_global: _,
        } = self;
        check(&destination)?;
        let exporters = match &destination {
            Destination::Otlp {
                protocol,
                traces,
                metrics,
                logs,
                headers,
            } => otlp_exporters(
                *protocol,
                [traces, metrics, logs],
                headers,
                signals,
                export_timeout,
            )?,
            Destination::File {
                traces,
                metrics,
                logs,
                max_bytes,
            } => file_exporters([traces, metrics, logs], *max_bytes, signals),
        };

        let spans_left_out = match &exporters.spans {
            Some(SpanExporterKind::File(e)) => Some(e.left_out_counter()),
            _ => None,
        };
        let batch = QueueConfig {
            max_queue_size: batch.max_queue_size,
            max_export_batch_size: batch.max_export_batch_size,
            scheduled_delay: batch.scheduled_delay,
            flush_timeout: shutdown_timeout,
            backoff: retry::Backoff::recommended(),
        };
        let (tracer_provider, queue) = match exporters.spans {
            Some(exporter) => {
                let (provider, queue) = tracer_provider(exporter, batch, &resource, sampler)?;
                (Some(provider), Some(queue))
            }
            None => (None, None),
        };
        let logger_provider = exporters
            .logs
            .map(|exporter| logger_provider(exporter, &resource));
        let meter_provider = exporters
            .metrics
            .map(|exporter| meter_provider(exporter, resource, metric_export_interval));

        Ok(Telemetry {
            providers: Some(Providers {
                tracer: tracer_provider,
                meter: meter_provider,
                logger: logger_provider,
                runtime: exporters.runtime,
            }),
            destination: Some(destination),
            installed_global: false,
            queue,
            spans_left_out,
            shutdown_timeout,
            settings: call,
        })
    }
}

/// A resolved configuration is checked already; this catches one changed
/// since, before an exporter is built on it.
fn check(destination: &Destination) -> Result<(), InitError> {
    if let Destination::Otlp {
        traces,
        metrics,
        logs,
        headers,
        ..
    } = destination
    {
        for endpoint in [traces, metrics, logs] {
            check_endpoint(endpoint)?;
        }
        for (name, value) in headers {
            if let Some(problem) = config::unsendable(name, value) {
                return Err(InitError::invalid(
                    &format!("header {name:?}"),
                    config::REDACTED,
                    problem,
                ));
            }
        }
    }
    Ok(())
}

/// The exporters of the enabled signals, and the runtime the gRPC ones run on.
struct Exporters {
    spans: Option<SpanExporterKind>,
    metrics: Option<MetricExporterKind>,
    logs: Option<LogExporterKind>,
    runtime: Option<tokio::runtime::Runtime>,
}

/// The OTLP exporters of the enabled signals to `[traces, metrics, logs]`.
fn otlp_exporters(
    protocol: Protocol,
    [traces, metrics, logs]: [&String; 3],
    headers: &BTreeMap<String, String>,
    signals: Signals,
    export_timeout: Option<Duration>,
) -> Result<Exporters, InitError> {
    // gRPC exporters run their I/O on a runtime of their own, built here so
    // that `build` works from a plain `main` as well as from any runtime,
    // and shut down from a plain thread so no caller's runtime deadlocks.
    let runtime = match protocol {
        Protocol::Grpc => Some(
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .thread_name("llm-trace-otlp")
                .enable_all()
                .build()
                .map_err(InitError::Runtime)?,
        ),
        _ => None,
    };
    let entered = runtime.as_ref().map(|rt| rt.enter());
    // Over HTTP the span exporter's client is observed, so that a failed
    // batch is retried by what the collector answered.
    let (client, observed) = match protocol {
        Protocol::Grpc => (None, None),
        _ if !signals.traces => (None, None),
        _ => {
            let (client, observed) = retry::ObservedClient::new(http_client(export_timeout)?);
            (Some(client), Some(observed))
        }
    };
    let spans = signals
        .traces
        .then(|| otlp_span_exporter(protocol, traces, headers, export_timeout, client))
        .transpose()?
        .map(|e| SpanExporterKind::Otlp(e, retry::RetryRule::otlp(observed)));
    let metrics = signals
        .metrics
        .then(|| otlp_metric_exporter(protocol, metrics, headers, export_timeout, None))
        .transpose()?
        .map(MetricExporterKind::Otlp);
    let logs = signals
        .logs
        .then(|| otlp_log_exporter(protocol, logs, headers, export_timeout, None))
        .transpose()?
        .map(LogExporterKind::Otlp);
    drop(entered);
    Ok(Exporters {
        spans,
        metrics,
        logs,
        runtime,
    })
}

/// The JSON-lines file exporters of the enabled signals to
/// `[traces, metrics, logs]`.
fn file_exporters(
    [traces, metrics, logs]: [&PathBuf; 3],
    max_bytes: u64,
    signals: Signals,
) -> Exporters {
    let file = |path: &PathBuf| Arc::new(jsonl::JsonlFile::new(path).with_max_bytes(max_bytes));
    Exporters {
        spans: signals
            .traces
            .then(|| SpanExporterKind::File(jsonl::JsonlSpanExporter::new(file(traces)))),
        metrics: signals
            .metrics
            .then(|| MetricExporterKind::File(jsonl::JsonlMetricExporter::new(file(metrics)))),
        logs: signals
            .logs
            .then(|| LogExporterKind::File(jsonl::JsonlLogExporter::new(file(logs)))),
        runtime: None,
    }
}

/// The tracer provider over the span queue, and the queue's counts.
fn tracer_provider(
    exporter: SpanExporterKind,
    batch: QueueConfig,
    resource: &Resource,
    sampler: Sampler,
) -> Result<(SdkTracerProvider, Arc<QueueStats>), InitError> {
    let processor = match exporter {
        SpanExporterKind::Otlp(e, rule) => QueueProcessor::new(e, batch, rule),
        // A file that cannot be written is not an outage that ends by
        // waiting: its batches fail.
        SpanExporterKind::File(e) => QueueProcessor::new(e, batch, retry::RetryRule::never()),
    }
    .map_err(InitError::Thread)?;
    let queue = processor.stats();
    let provider = SdkTracerProvider::builder()
        .with_resource(resource.clone())
        .with_sampler(sampler)
        .with_span_processor(processor)
        .build();
    Ok((provider, queue))
}

fn logger_provider(exporter: LogExporterKind, resource: &Resource) -> SdkLoggerProvider {
    let processor = match exporter {
        LogExporterKind::Otlp(e) => BatchLogProcessor::builder(e).build(),
        LogExporterKind::File(e) => BatchLogProcessor::builder(e).build(),
    };
    SdkLoggerProvider::builder()
        .with_resource(resource.clone())
        .with_log_processor(processor)
        .build()
}

fn meter_provider(
    exporter: MetricExporterKind,
    resource: Resource,
    interval: Option<Duration>,
) -> SdkMeterProvider {
    let builder = SdkMeterProvider::builder().with_resource(resource);
    match exporter {
        MetricExporterKind::Otlp(e) => {
            builder.with_reader(with_interval(PeriodicReader::builder(e), interval).build())
        }
        MetricExporterKind::File(e) => {
            builder.with_reader(with_interval(PeriodicReader::builder(e), interval).build())
        }
    }
    .build()
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

// Built once at `build` and moved into the SDK right away: the size is moot.
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
