//! The exporter's own headers (`OTEL_EXPORTER_OTLP_HEADERS`,
//! `Builder::header`) that cannot be sent: the same over HTTP and gRPC.
//! From the environment such a header is left out with a warning naming it
//! (never its value) and the others are sent; from code it is an `init`
//! error naming it. Values reach the collector exactly as configured.
//!
//! OpenTelemetry's internal logs go through `tracing` (llm-trace's default
//! `internal-logs` feature); a layer installed by this binary captures
//! them, so the tests of this binary take turns.

use std::collections::BTreeMap;
use std::sync::{Mutex, Once, PoisonError};
use std::time::Duration;

use llm_trace::opentelemetry::trace::{Span as _, Tracer as _, TracerProvider as _};
use llm_trace_testkit::receiver::Receiver;
use tracing_subscriber::layer::SubscriberExt as _;

/// A value that must never appear in a log line or an error.
const SECRET: &str = "LEAKCHECK0exporter0header";

static TURN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// One captured event: its name and fields.
type Event = (String, BTreeMap<String, String>);

static EVENTS: Mutex<Vec<Event>> = Mutex::new(Vec::new());

fn events() -> Vec<Event> {
    EVENTS
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone()
}

struct Capture;

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Capture {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        struct Fields(BTreeMap<String, String>);
        impl tracing::field::Visit for Fields {
            fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
                self.0.insert(field.name().to_owned(), value.to_owned());
            }
            fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
                self.0.insert(field.name().to_owned(), format!("{value:?}"));
            }
        }
        let mut fields = Fields(BTreeMap::new());
        event.record(&mut fields);
        EVENTS
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push((event.metadata().name().to_owned(), fields.0));
    }
}

/// Installs the capturing layer (once) and forgets what was captured.
fn capture() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        tracing::subscriber::set_global_default(tracing_subscriber::registry().with(Capture))
            .expect("no other global subscriber in this binary");
    });
    EVENTS
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clear();
}

fn endpoint(receiver: &Receiver, protocol: &str) -> String {
    match protocol {
        "grpc" => receiver.grpc_endpoint(),
        _ => receiver.http_endpoint(),
    }
}

/// Exports one span over `protocol` with `OTEL_EXPORTER_OTLP_HEADERS` set
/// to `variable` and the code headers `code`; returns the headers the
/// receiver got with the span.
async fn sent_headers(
    protocol: &str,
    variable: &str,
    code: &[(&str, &str)],
) -> BTreeMap<String, String> {
    let receiver = Receiver::start().await.unwrap();
    let mut builder = llm_trace::builder()
        .env_vars([
            (
                "OTEL_EXPORTER_OTLP_ENDPOINT",
                endpoint(&receiver, protocol).as_str(),
            ),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", protocol),
            ("OTEL_EXPORTER_OTLP_HEADERS", variable),
        ])
        .metrics(false)
        .logs(false)
        .without_global_install();
    for (name, value) in code {
        builder = builder.header(*name, *value);
    }
    let telemetry = builder.init().expect("init succeeds");
    telemetry
        .tracer_provider()
        .unwrap()
        .tracer("headers")
        .start("exported")
        .end();
    tokio::task::spawn_blocking(move || telemetry.shutdown())
        .await
        .unwrap()
        .expect("shutdown");
    let spans = receiver.wait_for_spans(1, Duration::from_secs(10)).await;
    assert_eq!(spans.len(), 1);
    let requests = receiver.requests();
    assert_eq!(requests.len(), 1, "one trace export");
    requests[0].headers.iter().cloned().collect()
}

async fn environment_headers_that_cannot_be_sent_are_left_out_with_a_warning(protocol: &str) {
    let _turn = TURN.lock().await;
    capture();
    let variable = format!(
        "x-good=yes,x-bad={SECRET}%0Anext,bad name={SECRET},x-pct=50%2541,\
         authorization=Bearer%20{SECRET}"
    );
    let headers = sent_headers(protocol, &variable, &[("x-code", "abc%41")]).await;

    assert_eq!(
        headers.get("x-good").map(String::as_str),
        Some("yes"),
        "{headers:?}"
    );
    assert_eq!(
        headers.get("authorization").map(String::as_str),
        Some(format!("Bearer {SECRET}").as_str())
    );
    // Percent-decoded once, as the variable's format says; code headers as given.
    assert_eq!(headers.get("x-pct").map(String::as_str), Some("50%41"));
    assert_eq!(headers.get("x-code").map(String::as_str), Some("abc%41"));
    assert!(!headers.contains_key("x-bad"), "{headers:?}");
    assert!(
        !headers.keys().any(|k| k.contains("bad name")),
        "{headers:?}"
    );

    let events = events();
    let mut ignored: Vec<(&str, &str)> = events
        .iter()
        .filter(|(name, _)| name == "llm_trace.header_ignored")
        .map(|(_, fields)| (fields["header"].as_str(), fields["problem"].as_str()))
        .collect();
    ignored.sort();
    assert_eq!(
        ignored,
        [
            (
                "\"bad name\"",
                "not a valid header name (letters, digits and !#$%&'*+-.^_`|~ only)"
            ),
            (
                "\"x-bad\"",
                "its value cannot be sent as a header (it holds a control character, such as \
                 a newline)"
            ),
        ],
        "{events:#?}"
    );
    for (name, fields) in &events {
        for value in fields.values() {
            assert!(!value.contains(SECRET), "{name}: {fields:?}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn environment_headers_that_cannot_be_sent_are_left_out_with_a_warning_over_http() {
    environment_headers_that_cannot_be_sent_are_left_out_with_a_warning("http/protobuf").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn environment_headers_that_cannot_be_sent_are_left_out_with_a_warning_over_grpc() {
    environment_headers_that_cannot_be_sent_are_left_out_with_a_warning("grpc").await;
}

/// A header given in code that cannot be sent is an `init` error naming
/// it, on both protocols, and the error never shows the value.
#[test]
fn code_headers_that_cannot_be_sent_are_init_errors_on_both_protocols() {
    for protocol in ["http/protobuf", "grpc"] {
        for (name, value, expected) in [
            (
                "x-bad",
                format!("{SECRET}\nnext"),
                "invalid Builder::header \"x-bad\"=\"<redacted>\": its value cannot be sent as a \
                 header (it holds a control character, such as a newline)",
            ),
            (
                "bad name",
                SECRET.to_owned(),
                "invalid Builder::header \"bad name\"=\"<redacted>\": not a valid header name \
                 (letters, digits and !#$%&'*+-.^_`|~ only)",
            ),
        ] {
            let err = llm_trace::builder()
                .env_vars([
                    ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318"),
                    ("OTEL_EXPORTER_OTLP_PROTOCOL", protocol),
                    ("OTEL_EXPORTER_OTLP_HEADERS", "x-good=yes"),
                ])
                .header(name, value)
                .without_global_install()
                .init()
                .expect_err(protocol);
            assert_eq!(err.to_string(), expected, "{protocol}");
            assert!(!format!("{err:?}").contains(SECRET), "{protocol}: {err:?}");
        }
    }
}
