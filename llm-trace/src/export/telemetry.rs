//! [`Telemetry`]: the guard that owns the built providers, flushes them and
//! shuts them down within a bound.

use std::fmt;
use std::path::Path;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::time::Duration;

use opentelemetry::global;
use opentelemetry_sdk::logs::SdkLoggerProvider;
use opentelemetry_sdk::metrics::SdkMeterProvider;
use opentelemetry_sdk::trace::SdkTracerProvider;

use super::queue::{QueueStats, SpanCounts};
use super::{CallSettings, Destination, DEFAULT_SHUTDOWN_TIMEOUT};
use crate::content;

/// What [`ExportConfig::build`](super::ExportConfig::build) made: the
/// providers of the enabled signals, and the runtime of the gRPC exporters.
pub(super) struct Providers {
    pub(super) tracer: Option<SdkTracerProvider>,
    pub(super) meter: Option<SdkMeterProvider>,
    pub(super) logger: Option<SdkLoggerProvider>,
    pub(super) runtime: Option<tokio::runtime::Runtime>,
}

/// The providers [built](super::ExportConfig::build) (and, unless built
/// [`without_global_install`](super::Builder::without_global_install),
/// [installed](Telemetry::install)). Dropping it flushes and shuts them down
/// within the [shutdown timeout](super::Builder::shutdown_timeout) (errors are then
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
    pub(super) providers: Option<Providers>,
    pub(super) destination: Option<Destination>,
    /// Whether [`Telemetry::install`] made the providers the global ones,
    /// which shutting down then undoes.
    pub(super) installed_global: bool,
    pub(super) queue: Option<Arc<QueueStats>>,
    /// Spans the file exporter left out (each alone larger than the file's
    /// bound) from batches it otherwise wrote.
    pub(super) spans_left_out: Option<Arc<AtomicU64>>,
    pub(super) shutdown_timeout: Duration,
    /// The process-wide call settings resolved with the providers.
    pub(super) settings: CallSettings,
}

impl fmt::Debug for Telemetry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Telemetry")
            .field("destination", &self.destination)
            .field("active", &self.providers.is_some())
            .field("shutdown_timeout", &self.shutdown_timeout)
            .field("installed_global", &self.installed_global)
            .field("settings", &self.settings)
            .finish()
    }
}

impl Telemetry {
    /// What [`crate::init`] returns with `OTEL_SDK_DISABLED=true`: no
    /// providers, no settings.
    pub(super) fn disabled() -> Telemetry {
        Telemetry {
            providers: None,
            destination: None,
            installed_global: false,
            queue: None,
            spans_left_out: None,
            shutdown_timeout: DEFAULT_SHUTDOWN_TIMEOUT,
            settings: CallSettings::default(),
        }
    }

    /// The call settings resolved with the providers (content capture,
    /// prices, metrics metadata keys, ...). [`Telemetry::install`] makes them
    /// the process-wide settings; a guard built
    /// [`without_global_install`](super::Builder::without_global_install) only
    /// carries them, for the application to [install](CallSettings::install)
    /// when it wants. Empty when disabled.
    pub fn settings(&self) -> &CallSettings {
        &self.settings
    }

    /// Whether the providers are the global ones ([`Telemetry::install`]).
    pub fn is_installed(&self) -> bool {
        self.installed_global
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
    /// [`without_global_install`](super::Builder::without_global_install)).
    pub fn tracer_provider(&self) -> Option<&SdkTracerProvider> {
        self.providers.as_ref().and_then(|p| p.tracer.as_ref())
    }

    /// The meter provider.
    pub fn meter_provider(&self) -> Option<&SdkMeterProvider> {
        self.providers.as_ref().and_then(|p| p.meter.as_ref())
    }

    /// The logger provider of the content events (also the one
    /// [`crate::content`] emits to, unless built
    /// [`without_global_install`](super::Builder::without_global_install)).
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
    /// most the [shutdown timeout](super::Builder::shutdown_timeout).
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
    /// within the [shutdown timeout](super::Builder::shutdown_timeout) whatever the
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
