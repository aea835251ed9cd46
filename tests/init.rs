//! `llm_trace::init`: configuration from variables and the builder, the
//! embedded default file, and shutdown from every kind of caller.

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use llm_trace::export::{Destination, Protocol};
use llm_trace::llm_call;
use serde_json::Value;

/// Tests that install global providers take turns.
static GLOBAL: Mutex<()> = Mutex::new(());

fn destination(
    vars: &[(&str, &str)],
    builder: impl FnOnce(llm_trace::export::Builder) -> llm_trace::export::Builder,
) -> Result<Destination, String> {
    let telemetry = builder(
        llm_trace::builder()
            .env_vars(vars.iter().copied())
            .without_global_install(),
    )
    .init()
    .map_err(|e| e.to_string())?;
    Ok(telemetry.destination().cloned().expect("enabled"))
}

fn otlp(d: &Destination) -> (Protocol, String, String, String, Vec<(String, String)>) {
    match d {
        Destination::Otlp {
            protocol,
            traces,
            metrics,
            logs,
            headers,
        } => (
            *protocol,
            traces.clone(),
            metrics.clone(),
            logs.clone(),
            headers
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        ),
        other => panic!("expected OTLP, got {other:?}"),
    }
}

#[test]
fn the_general_endpoint_gets_signal_paths_over_http() {
    let d = destination(
        &[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318")],
        |b| b,
    )
    .unwrap();
    assert_eq!(
        otlp(&d),
        (
            Protocol::HttpBinary,
            "http://collector:4318/v1/traces".into(),
            "http://collector:4318/v1/metrics".into(),
            "http://collector:4318/v1/logs".into(),
            vec![]
        )
    );
    assert_eq!(
        d.to_string(),
        "OTLP http/protobuf: traces to http://collector:4318/v1/traces, metrics to http://collector:4318/v1/metrics"
    );
}

#[test]
fn signal_endpoints_are_used_as_written_and_grpc_takes_the_endpoint_as_is() {
    let vars = [
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4317"),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
        ("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "http://metrics:4317"),
        ("OTEL_EXPORTER_OTLP_LOGS_ENDPOINT", "http://logs:4317"),
        (
            "OTEL_EXPORTER_OTLP_HEADERS",
            "x-api-key=s3cr%3Dt,x-team=llm",
        ),
    ];
    let d = destination(&vars, |b| b).unwrap();
    assert_eq!(
        otlp(&d),
        (
            Protocol::Grpc,
            "http://collector:4317".into(),
            "http://metrics:4317".into(),
            "http://logs:4317".into(),
            vec![
                ("x-api-key".into(), "s3cr=t".into()),
                ("x-team".into(), "llm".into())
            ]
        )
    );
    // Header values never show in Debug output.
    assert!(!format!("{d:?}").contains("s3cr"));
}

#[cfg(not(feature = "tls"))]
#[test]
fn https_endpoints_without_the_tls_feature_are_a_clear_error() {
    let err = destination(
        &[(
            "OTEL_EXPORTER_OTLP_ENDPOINT",
            "https://logfire-us.pydantic.dev",
        )],
        |b| b,
    )
    .unwrap_err();
    assert_eq!(
        err,
        "invalid OTLP endpoint=\"https://logfire-us.pydantic.dev/v1/traces\": https endpoints need llm-trace's `tls` cargo feature"
    );
}

#[test]
fn the_builder_overrides_every_variable() {
    let vars = [
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://from-env:4318"),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
        ("OTEL_EXPORTER_OTLP_HEADERS", "x-team=env"),
    ];
    let d = destination(&vars, |b| {
        b.endpoint("http://langfuse.internal:3000/api/public/otel")
            .protocol(Protocol::HttpBinary)
            .header("Authorization", "Basic abc")
            .header("x-team", "code")
    })
    .unwrap();
    assert_eq!(
        otlp(&d),
        (
            Protocol::HttpBinary,
            "http://langfuse.internal:3000/api/public/otel/v1/traces".into(),
            "http://langfuse.internal:3000/api/public/otel/v1/metrics".into(),
            "http://langfuse.internal:3000/api/public/otel/v1/logs".into(),
            vec![
                ("authorization".into(), "Basic abc".into()),
                ("x-team".into(), "code".into())
            ]
        )
    );
}

#[test]
fn invalid_variables_are_clear_errors() {
    let err = |vars: &[(&str, &str)]| destination(vars, |b| b).unwrap_err();
    assert_eq!(
        err(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318"),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "thrift")
        ]),
        "invalid OTEL_EXPORTER_OTLP_PROTOCOL=\"thrift\": expected grpc, http/protobuf or http/json"
    );
    assert_eq!(
        err(&[("OTEL_TRACES_SAMPLER", "sometimes")]),
        "invalid OTEL_TRACES_SAMPLER=\"sometimes\": expected always_on, always_off, traceidratio, \
         parentbased_always_on, parentbased_always_off or parentbased_traceidratio"
    );
    assert_eq!(
        err(&[("OTEL_BSP_MAX_QUEUE_SIZE", "lots")]),
        "invalid OTEL_BSP_MAX_QUEUE_SIZE=\"lots\": expected a whole number"
    );
    assert_eq!(
        err(&[("OTEL_SDK_DISABLED", "yes")]),
        "invalid OTEL_SDK_DISABLED=\"yes\": expected `true` or `false`"
    );
    assert_eq!(
        err(&[("OTEL_LOGS_EXPORTER", "console")]),
        "invalid OTEL_LOGS_EXPORTER=\"console\": expected `otlp` or `none`"
    );
    assert_eq!(
        err(&[(
            "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT",
            "spans"
        )]),
        "invalid OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=\"spans\": expected \
         NO_CONTENT, SPAN_ONLY, EVENT_ONLY or SPAN_AND_EVENT (any case), or true/false"
    );
}

#[test]
fn without_an_endpoint_the_default_is_the_local_file() {
    let d = destination(&[], |b| b).unwrap();
    assert_eq!(
        d,
        Destination::File {
            traces: "llm-trace.jsonl".into(),
            metrics: "llm-trace.metrics.jsonl".into(),
            logs: "llm-trace.logs.jsonl".into(),
            max_bytes: llm_trace::export::jsonl::DEFAULT_MAX_BYTES,
        }
    );
    let d = destination(
        &[
            ("LLM_TRACE_FILE", "out/calls.jsonl"),
            ("LLM_TRACE_FILE_MAX_BYTES", "4096"),
        ],
        |b| b,
    )
    .unwrap();
    assert_eq!(
        d,
        Destination::File {
            traces: "out/calls.jsonl".into(),
            metrics: "out/calls.metrics.jsonl".into(),
            logs: "out/calls.logs.jsonl".into(),
            max_bytes: 4096,
        }
    );
}

#[test]
fn otel_sdk_disabled_installs_nothing() {
    let telemetry = llm_trace::builder()
        .env_vars([
            ("OTEL_SDK_DISABLED", "true"),
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318"),
        ])
        .init()
        .unwrap();
    assert!(telemetry.destination().is_none());
    assert!(telemetry.tracer_provider().is_none());
    telemetry.shutdown().unwrap();
}

fn temp_file(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("llm-trace-init-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir.join("calls.jsonl")
}

#[llm_call(provider = "openai", model = "gpt-4o-mini", feature = "init-test")]
async fn call(n: u64) -> Value {
    serde_json::json!({"id": format!("c{n}"), "model": "gpt-4o-mini-2024-07-18",
                       "usage": {"prompt_tokens": n, "completion_tokens": 1}})
}

fn lines(path: &PathBuf) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect()
}

/// The spans of an OTLP/JSON traces file, with their resource's service name.
fn spans(path: &PathBuf) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for line in lines(path) {
        for rs in line["resourceSpans"].as_array().unwrap() {
            let service = rs["resource"]["attributes"]
                .as_array()
                .unwrap()
                .iter()
                .find(|a| a["key"] == "service.name")
                .map(|a| a["value"]["stringValue"].as_str().unwrap().to_owned())
                .unwrap();
            for ss in rs["scopeSpans"].as_array().unwrap() {
                for span in ss["spans"].as_array().unwrap() {
                    out.push((service.clone(), span.clone()));
                }
            }
        }
    }
    out
}

#[test]
fn from_a_plain_main_spans_and_metrics_reach_the_files_on_shutdown() {
    let _turn = GLOBAL.lock().unwrap_or_else(|e| e.into_inner());
    let path = temp_file("plain");
    let telemetry = llm_trace::builder()
        .env_vars([("OTEL_SERVICE_NAME", "from-env")])
        .service_name("init-tests")
        .file(&path)
        .init()
        .unwrap();
    assert_eq!(telemetry.file(), Some(path.as_path()));

    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    runtime.block_on(async {
        for n in 1..=3 {
            call(n).await;
        }
    });
    telemetry.shutdown().unwrap();

    let spans = spans(&path);
    assert_eq!(spans.len(), 3);
    for (service, span) in &spans {
        assert_eq!(service, "init-tests");
        assert_eq!(span["name"], "chat gpt-4o-mini");
        assert_eq!(span["kind"], 3, "CLIENT");
    }
    let metrics = lines(&llm_trace::export::jsonl::metrics_path(&path));
    let names: Vec<&str> = metrics
        .iter()
        .flat_map(|l| l["resourceMetrics"].as_array().unwrap())
        .flat_map(|rm| rm["scopeMetrics"].as_array().unwrap())
        .flat_map(|sm| sm["metrics"].as_array().unwrap())
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"gen_ai.client.token.usage"), "{names:?}");
    assert!(
        names.contains(&"gen_ai.client.operation.duration"),
        "{names:?}"
    );
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}

#[test]
fn dropping_the_guard_inside_a_current_thread_runtime_flushes_without_deadlock() {
    let _turn = GLOBAL.lock().unwrap_or_else(|e| e.into_inner());
    let path = temp_file("current-thread");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let telemetry = llm_trace::builder()
            .env_vars([("OTEL_BSP_SCHEDULE_DELAY", "60000")])
            .file(&path)
            .init()
            .unwrap();
        call(7).await;
        tokio::time::sleep(Duration::from_millis(1)).await;
        drop(telemetry);
    });
    assert_eq!(spans(&path).len(), 1);
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}

#[test]
fn sampling_from_the_variables_keeps_metrics_complete() {
    let _turn = GLOBAL.lock().unwrap_or_else(|e| e.into_inner());
    let path = temp_file("sampler");
    let telemetry = llm_trace::builder()
        .env_vars([("OTEL_TRACES_SAMPLER", "always_off")])
        .file(&path)
        .init()
        .unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    runtime.block_on(async {
        for n in 1..=5 {
            call(n).await;
        }
    });
    telemetry.shutdown().unwrap();
    assert!(spans(&path).is_empty());
    let metrics = lines(&llm_trace::export::jsonl::metrics_path(&path));
    let usage = metrics
        .iter()
        .flat_map(|l| l["resourceMetrics"].as_array().unwrap())
        .flat_map(|rm| rm["scopeMetrics"].as_array().unwrap())
        .flat_map(|sm| sm["metrics"].as_array().unwrap())
        .find(|m| m["name"] == "gen_ai.client.token.usage")
        .expect("token usage exported");
    let input = usage["histogram"]["dataPoints"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| {
            p["attributes"]
                .as_array()
                .unwrap()
                .iter()
                .any(|a| a["value"]["stringValue"] == "input")
        })
        .unwrap();
    assert_eq!(input["count"], "5");
    assert_eq!(input["sum"], 15.0);
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}

#[test]
fn otel_metrics_exporter_none_exports_traces_only() {
    let _turn = GLOBAL.lock().unwrap_or_else(|e| e.into_inner());
    let path = temp_file("traces-only");
    let telemetry = llm_trace::builder()
        .env_vars([("OTEL_METRICS_EXPORTER", "none")])
        .file(&path)
        .init()
        .unwrap();
    assert!(telemetry.meter_provider().is_none());
    assert!(telemetry.tracer_provider().is_some());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    runtime.block_on(call(1));
    telemetry.shutdown().unwrap();
    assert_eq!(spans(&path).len(), 1);
    assert!(!llm_trace::export::jsonl::metrics_path(&path).exists());
    let _ = std::fs::remove_dir_all(path.parent().unwrap());

    let err = llm_trace::builder()
        .env_vars([("OTEL_TRACES_EXPORTER", "zipkin")])
        .without_global_install()
        .init()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid OTEL_TRACES_EXPORTER=\"zipkin\": expected `otlp` or `none`"
    );
}

#[test]
fn shutdown_reports_spans_that_could_not_be_exported() {
    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let telemetry = llm_trace::builder()
        .env_vars([(
            "OTEL_EXPORTER_OTLP_ENDPOINT",
            format!("http://127.0.0.1:{port}"),
        )])
        .metrics(false)
        .export_timeout(Duration::from_millis(500))
        .without_global_install()
        .init()
        .unwrap();
    let tracer =
        opentelemetry::trace::TracerProvider::tracer(telemetry.tracer_provider().unwrap(), "t");
    opentelemetry::trace::Tracer::start(&tracer, "lost");
    let err = telemetry.shutdown().unwrap_err();
    assert!(err.traces.is_some(), "{err:?}");
    assert_eq!(err.metrics, None);
}
