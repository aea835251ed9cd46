//! Export configuration in its three steps, each called on its own:
//! `Builder::resolve` (variables + builder -> `ExportConfig`, a plain value),
//! `ExportConfig::build` (providers, nothing process-wide changes) and
//! `Telemetry::install` (the providers and the call settings become the
//! process-wide ones).

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use llm_trace::content::{self, CaptureMode};
use llm_trace::cost::{ModelPrices, PriceTable};
use llm_trace::export::{
    Destination, ExportConfig, Protocol, DEFAULT_MAX_QUEUE_SIZE, DEFAULT_SHUTDOWN_TIMEOUT,
};
use llm_trace::llm_call;
use llm_trace::provider::openai::{ChatCompletion, ChatMessage, ChatRequest};
use opentelemetry::trace::{Span as _, Tracer as _};
use opentelemetry::{global, Key, Value};
use opentelemetry_sdk::metrics::{InMemoryMetricExporter, PeriodicReader, SdkMeterProvider};
use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider};

/// Tests that look at or change the global providers and the process-wide
/// settings take turns.
static GLOBAL: Mutex<()> = Mutex::new(());

fn resolve(
    vars: &[(&str, &str)],
    builder: impl FnOnce(llm_trace::export::Builder) -> llm_trace::export::Builder,
) -> Result<ExportConfig, String> {
    builder(llm_trace::builder().env_vars(vars.iter().copied()))
        .resolve()
        .map(|config| config.expect("not disabled"))
        .map_err(|e| e.to_string())
}

fn otlp(config: &ExportConfig) -> (Protocol, &str, &str, &str, Vec<(&str, &str)>) {
    match &config.destination {
        Destination::Otlp {
            protocol,
            traces,
            metrics,
            logs,
            headers,
        } => (
            *protocol,
            traces,
            metrics,
            logs,
            headers
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect(),
        ),
        other => panic!("expected OTLP, got {other:?}"),
    }
}

#[test]
fn resolve_takes_each_signals_endpoint_before_the_general_one_and_the_builder_first() {
    let config = resolve(
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://general:4318/"),
            (
                "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
                "http://traces:4318/own",
            ),
            (
                "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT",
                "http://metrics-env:4318",
            ),
        ],
        |b| b.metrics_endpoint("http://metrics-code:4318/m"),
    )
    .unwrap();
    // HTTP/protobuf when nothing names a protocol; a signal's own endpoint
    // as written, the general one with the signal's path.
    assert_eq!(
        otlp(&config),
        (
            Protocol::HttpBinary,
            "http://traces:4318/own",
            "http://metrics-code:4318/m",
            "http://general:4318/v1/logs",
            vec![]
        )
    );

    // The builder's general endpoint wins over the variable; gRPC takes it as is.
    let config = resolve(
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://general-env:4317"),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json"),
        ],
        |b| {
            b.endpoint("http://general-code:4317")
                .protocol(Protocol::Grpc)
        },
    )
    .unwrap();
    assert_eq!(
        otlp(&config),
        (
            Protocol::Grpc,
            "http://general-code:4317",
            "http://general-code:4317",
            "http://general-code:4317",
            vec![]
        )
    );

    // With only the variable: HTTP/JSON, paths appended.
    let config = resolve(
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://general-env:4318"),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json"),
        ],
        |b| b,
    )
    .unwrap();
    assert_eq!(otlp(&config).0, Protocol::HttpJson);
    assert_eq!(otlp(&config).1, "http://general-env:4318/v1/traces");
}

#[test]
fn resolve_decodes_the_header_variable_and_the_builders_header_wins() {
    let config = resolve(
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318"),
            (
                "OTEL_EXPORTER_OTLP_HEADERS",
                "Authorization=Bearer%20from-env, x-team=llm%2Dops",
            ),
        ],
        |b| b.header("AUTHORIZATION", "Bearer from-code"),
    )
    .unwrap();
    assert_eq!(
        otlp(&config).4,
        vec![("authorization", "Bearer from-code"), ("x-team", "llm-ops")]
    );
    // The resolved value is plain data: it clones, and its Debug output names
    // the headers without their values.
    let copy = config.clone();
    assert_eq!(copy.destination, config.destination);
    let debug = format!("{config:?}");
    assert!(debug.contains("authorization"), "{debug}");
    assert!(
        !debug.contains("from-code") && !debug.contains("llm-ops"),
        "{debug}"
    );
}

#[test]
fn resolve_fills_every_field_from_the_variables_with_the_builder_over_them() {
    let dir = temp_dir("resolve");
    let prices = dir.join("prices.json");
    std::fs::write(
        &prices,
        r#"{"models": [{"model": "acme-13b", "input_mtok": 0.01, "output_mtok": 0.03}]}"#,
    )
    .unwrap();
    let config = resolve(
        &[
            ("LLM_TRACE_FILE", dir.join("env.jsonl").to_str().unwrap()),
            ("LLM_TRACE_FILE_MAX_BYTES", "4096"),
            ("OTEL_BSP_MAX_QUEUE_SIZE", "100"),
            ("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "10"),
            ("OTEL_BSP_SCHEDULE_DELAY", "250"),
            ("OTEL_EXPORTER_OTLP_TIMEOUT", "3000"),
            ("OTEL_METRIC_EXPORT_INTERVAL", "7000"),
            ("LLM_TRACE_SHUTDOWN_TIMEOUT", "1500"),
            ("OTEL_METRICS_EXPORTER", "none"),
            ("OTEL_TRACES_SAMPLER", "traceidratio"),
            ("OTEL_TRACES_SAMPLER_ARG", "0.25"),
            ("OTEL_SERVICE_NAME", "from-env"),
            (
                "OTEL_RESOURCE_ATTRIBUTES",
                "deployment.environment=staging%2Deu",
            ),
            (
                "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT",
                "span_only",
            ),
            ("LLM_TRACE_PRICES", prices.to_str().unwrap()),
        ],
        |b| {
            b.max_export_batch_size(20)
                .logs(false)
                .service_name("from-code")
                .content_max_bytes(9000)
                .tool_definition_details(true)
                .metrics_metadata_keys(["team"])
                .prices(PriceTable::new().model("openai", "gpt-x", ModelPrices::new(1.0, 2.0)))
        },
    )
    .unwrap();

    let traces = dir.join("env.jsonl");
    assert_eq!(
        config.destination,
        Destination::File {
            metrics: llm_trace::export::jsonl::metrics_path(&traces),
            logs: llm_trace::export::jsonl::logs_path(&traces),
            traces,
            max_bytes: 4096,
        }
    );
    assert_eq!(
        (
            config.signals.traces,
            config.signals.metrics,
            config.signals.logs
        ),
        (true, false, false)
    );
    assert_eq!(config.batch.max_queue_size, 100);
    assert_eq!(config.batch.max_export_batch_size, 20);
    assert_eq!(config.batch.scheduled_delay, Duration::from_millis(250));
    assert_eq!(config.export_timeout, Some(Duration::from_secs(3)));
    assert_eq!(config.metric_export_interval, Some(Duration::from_secs(7)));
    assert_eq!(config.shutdown_timeout, Duration::from_millis(1500));
    assert_eq!(format!("{:?}", config.sampler), "TraceIdRatioBased(0.25)");
    assert_eq!(
        config.resource.get(&Key::from_static_str("service.name")),
        Some(Value::from("from-code"))
    );
    assert_eq!(
        config
            .resource
            .get(&Key::from_static_str("deployment.environment")),
        Some(Value::from("staging-eu"))
    );
    let call = &config.call;
    assert_eq!(call.capture_mode, Some(CaptureMode::SpanOnly));
    assert_eq!(call.content_max_bytes, Some(9000));
    assert_eq!(call.tool_definition_details, Some(true));
    assert_eq!(call.metrics_metadata_keys, Some(vec!["team".to_owned()]));
    assert!(call.redactor.is_none());
    // The file's table with the builder's over it.
    assert_eq!(
        call.prices,
        Some(PriceTable::from_file(&prices).unwrap().model(
            "openai",
            "gpt-x",
            ModelPrices::new(1.0, 2.0)
        ))
    );
    assert!(config.install_global);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn resolve_defaults_when_nothing_is_set() {
    let config = resolve(&[], |b| b.without_global_install()).unwrap();
    assert_eq!(
        config.destination,
        Destination::File {
            traces: PathBuf::from("llm-trace.jsonl"),
            metrics: PathBuf::from("llm-trace.metrics.jsonl"),
            logs: PathBuf::from("llm-trace.logs.jsonl"),
            max_bytes: llm_trace::export::jsonl::DEFAULT_MAX_BYTES,
        }
    );
    assert_eq!(
        (
            config.signals.traces,
            config.signals.metrics,
            config.signals.logs
        ),
        (true, true, true)
    );
    assert_eq!(config.batch.max_queue_size, DEFAULT_MAX_QUEUE_SIZE);
    assert_eq!(config.batch.max_export_batch_size, 512);
    assert_eq!(config.batch.scheduled_delay, Duration::from_secs(5));
    assert_eq!(config.export_timeout, None);
    assert_eq!(config.metric_export_interval, None);
    assert_eq!(config.shutdown_timeout, DEFAULT_SHUTDOWN_TIMEOUT);
    assert_eq!(format!("{:?}", config.sampler), "ParentBased(AlwaysOn)");
    assert_eq!(config.call, llm_trace::export::CallSettings::default());
    assert!(!config.install_global);

    // Disabled: nothing to build, and nothing else is read (this protocol
    // would be an error).
    let disabled = llm_trace::builder()
        .env_vars([
            ("OTEL_SDK_DISABLED", "true"),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "carrier-pigeon"),
        ])
        .resolve()
        .unwrap();
    assert!(disabled.is_none());
}

#[test]
fn resolve_reads_the_given_variables_not_the_process_environment() {
    // Only this test sets process variables, and every other resolve in
    // this file reads a map, so none of them sees it.
    std::env::set_var("OTEL_EXPORTER_OTLP_ENDPOINT", "http://from-process:4318");
    std::env::set_var("OTEL_EXPORTER_OTLP_PROTOCOL", "carrier-pigeon");
    let config = resolve(&[("LLM_TRACE_FILE", "from-map.jsonl")], |b| b).unwrap();
    assert_eq!(
        config.destination,
        Destination::File {
            traces: PathBuf::from("from-map.jsonl"),
            metrics: PathBuf::from("from-map.metrics.jsonl"),
            logs: PathBuf::from("from-map.logs.jsonl"),
            max_bytes: llm_trace::export::jsonl::DEFAULT_MAX_BYTES,
        }
    );
    // Without a map, the process environment it is.
    let error = llm_trace::builder().resolve().unwrap_err().to_string();
    assert_eq!(
        error,
        "invalid OTEL_EXPORTER_OTLP_PROTOCOL=\"carrier-pigeon\": expected grpc, http/protobuf or http/json"
    );
    std::env::remove_var("OTEL_EXPORTER_OTLP_ENDPOINT");
    std::env::remove_var("OTEL_EXPORTER_OTLP_PROTOCOL");
}

#[test]
fn build_checks_a_destination_changed_after_resolve() {
    let mut config = resolve(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318")], |b| b).unwrap();
    if let Destination::Otlp { traces, .. } = &mut config.destination {
        *traces = "collector:4318".to_owned();
    }
    let error = config.build().unwrap_err().to_string();
    assert_eq!(
        error,
        "invalid OTLP endpoint=\"collector:4318\": expected an http:// or https:// URL"
    );
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "llm-trace-export-steps-{name}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Global providers that record in memory, installed before the step under
/// test: whatever reaches them afterwards went through `opentelemetry::global`.
struct Sentinel {
    spans: InMemorySpanExporter,
    tracer: SdkTracerProvider,
    metrics: InMemoryMetricExporter,
    meter: SdkMeterProvider,
}

impl Sentinel {
    fn install() -> Sentinel {
        let spans = InMemorySpanExporter::default();
        let tracer = SdkTracerProvider::builder()
            .with_simple_exporter(spans.clone())
            .build();
        let metrics = InMemoryMetricExporter::default();
        let meter = SdkMeterProvider::builder()
            .with_reader(PeriodicReader::builder(metrics.clone()).build())
            .build();
        global::set_tracer_provider(tracer.clone());
        global::set_meter_provider(meter.clone());
        Sentinel {
            spans,
            tracer,
            metrics,
            meter,
        }
    }

    /// Whether the span and the counter named `name` reached the sentinel.
    fn received(&self, name: &str) -> (bool, bool) {
        self.tracer.force_flush().unwrap();
        self.meter.force_flush().unwrap();
        let span = self
            .spans
            .get_finished_spans()
            .unwrap()
            .iter()
            .any(|s| s.name == name);
        let counter = self
            .metrics
            .get_finished_metrics()
            .unwrap()
            .iter()
            .any(|rm| {
                rm.scope_metrics()
                    .any(|sm| sm.metrics().any(|m| m.name() == name))
            });
        (span, counter)
    }
}

/// A span and a counter named `name`, through the global providers.
fn probe(name: &'static str) {
    global::tracer("probe").start(name).end();
    global::meter("probe").u64_counter(name).build().add(1, &[]);
}

#[llm_call(provider = "openai", capture_content = "event_only", request = req)]
async fn with_event(req: ChatRequest) -> ChatCompletion {
    let _ = &req;
    ChatCompletion::default()
}

/// Runs one call whose content goes to the logger provider of the content
/// events (whichever is installed).
fn call_with_event() {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(with_event(ChatRequest::new(
            "gpt-4o-mini",
            vec![ChatMessage::user("hello")],
        )));
}

fn text(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

fn files(dir: &Path, builder: llm_trace::export::Builder) -> llm_trace::export::Builder {
    builder
        .env_vars(Vec::<(String, String)>::new())
        .file(dir.join("llm-trace.jsonl"))
        .metric_export_interval(Duration::from_secs(3600))
        .capture_content(CaptureMode::SpanAndEvent)
        .content_max_bytes(content::max_bytes() + 4096)
        .tool_definition_details(true)
}

/// Neither `build` nor `init` of a builder told not to install touches the
/// global providers, the content events' logger provider or the call
/// settings; the settings are in the guard instead.
#[test]
fn build_and_init_without_install_change_nothing_process_wide() {
    let _turn = GLOBAL.lock().unwrap_or_else(|e| e.into_inner());
    let sentinel = Sentinel::install();
    for (i, way) in ["build", "without_global_install().init()"]
        .into_iter()
        .enumerate()
    {
        let dir = temp_dir(&format!("no-install-{i}"));
        let mode = content::capture_mode();
        let bytes = content::max_bytes();
        let builder = files(&dir, llm_trace::builder());
        let telemetry = if i == 0 {
            builder.resolve().unwrap().unwrap().build().unwrap()
        } else {
            builder.without_global_install().init().unwrap()
        };
        assert!(!telemetry.is_installed(), "{way}");
        assert_eq!(
            telemetry.settings().capture_mode,
            Some(CaptureMode::SpanAndEvent)
        );
        assert_eq!(telemetry.settings().content_max_bytes, Some(bytes + 4096));

        let name = if i == 0 { "after-build" } else { "after-init" };
        probe(name);
        call_with_event();
        assert_eq!(sentinel.received(name), (true, true), "{way}");
        assert_eq!(content::capture_mode(), mode, "{way}");
        assert_eq!(content::max_bytes(), bytes, "{way}");

        telemetry.force_flush().unwrap();
        let Some(Destination::File { traces, logs, .. }) = telemetry.destination().cloned() else {
            panic!("expected files");
        };
        assert!(!text(&traces).contains(name), "{way}");
        assert!(
            !text(&logs).contains("gen_ai.client.inference.operation.details"),
            "{way}: {}",
            text(&logs)
        );
        telemetry.shutdown().unwrap();
        // Shutting down leaves the globals too.
        let name = if i == 0 {
            "after-build-shutdown"
        } else {
            "after-init-shutdown"
        };
        probe(name);
        assert_eq!(sentinel.received(name), (true, true), "{way}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

/// `install` makes the built providers the global ones and the settings the
/// process-wide ones; shutting down points the globals at no-ops.
#[test]
fn install_makes_the_providers_and_the_settings_process_wide() {
    let _turn = GLOBAL.lock().unwrap_or_else(|e| e.into_inner());
    let sentinel = Sentinel::install();
    let dir = temp_dir("install");
    let mode = content::capture_mode();
    let bytes = content::max_bytes();
    let telemetry = files(&dir, llm_trace::builder())
        .resolve()
        .unwrap()
        .unwrap()
        .build()
        .unwrap();
    let telemetry = telemetry.install();
    assert!(telemetry.is_installed());
    assert_eq!(content::capture_mode(), CaptureMode::SpanAndEvent);
    assert_eq!(content::max_bytes(), bytes + 4096);

    probe("after-install");
    call_with_event();
    telemetry.force_flush().unwrap();
    assert_eq!(sentinel.received("after-install"), (false, false));
    let Some(Destination::File {
        traces,
        metrics,
        logs,
        ..
    }) = telemetry.destination().cloned()
    else {
        panic!("expected files");
    };
    assert!(text(&traces).contains("after-install"));
    assert!(text(&metrics).contains("after-install"));
    assert!(text(&logs).contains("gen_ai.client.inference.operation.details"));
    telemetry.shutdown().unwrap();

    probe("after-shutdown");
    assert_eq!(sentinel.received("after-shutdown"), (false, false));
    assert!(!text(&traces).contains("after-shutdown"));

    content::set_capture_mode(mode);
    content::set_max_bytes(bytes);
    std::fs::remove_dir_all(&dir).unwrap();
}
