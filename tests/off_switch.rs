//! The run-time off switch: `llm_trace::set_enabled(false)` makes annotated
//! functions run their bodies alone (no span, no metrics, no `fields`
//! evaluated), and `set_enabled(true)` instruments the next call again.
//!
//! The switch is process-wide: the tests of this binary take turns on a lock,
//! and each leaves it on.

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock};

use llm_trace::{llm_call, workflow};
use llm_trace_testkit::capture::Capture;
use opentelemetry::global;
use opentelemetry_sdk::metrics::{InMemoryMetricExporter, PeriodicReader, SdkMeterProvider};

/// Serializes the tests (the switch is global) and turns it back on after each.
struct Switch(#[allow(dead_code)] MutexGuard<'static, ()>);

impl Switch {
    fn off() -> Switch {
        static LOCK: Mutex<()> = Mutex::new(());
        let guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
        llm_trace::set_enabled(false);
        Switch(guard)
    }
}

impl Drop for Switch {
    fn drop(&mut self) {
        llm_trace::set_enabled(true);
    }
}

/// Counts how often its `Display` text is taken.
struct Counted(&'static AtomicUsize);

impl fmt::Display for Counted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fetch_add(1, Ordering::Relaxed);
        f.write_str("counted")
    }
}

#[llm_call(provider = "openai", model = "off-switch-model", feature = "off",
           fields(user.tier = %tier))]
async fn answer(question: &str, tier: Counted) -> Result<String, std::io::Error> {
    let call = llm_trace::current_call();
    call.set_attribute("body.recording", call.is_recording());
    Ok(format!("echo: {question}"))
}

#[workflow(name = "off_switch_flow")]
async fn flow(question: &str) -> Result<String, std::io::Error> {
    answer(question, Counted(&UNUSED)).await
}

static UNUSED: AtomicUsize = AtomicUsize::new(0);

fn meters() -> &'static (SdkMeterProvider, InMemoryMetricExporter) {
    static METERS: OnceLock<(SdkMeterProvider, InMemoryMetricExporter)> = OnceLock::new();
    METERS.get_or_init(|| {
        let exporter = InMemoryMetricExporter::default();
        let provider = SdkMeterProvider::builder()
            .with_reader(PeriodicReader::builder(exporter.clone()).build())
            .build();
        global::set_meter_provider(provider.clone());
        (provider, exporter)
    })
}

/// How many calls the duration histogram has counted so far.
fn calls_measured() -> u64 {
    let (provider, exporter) = meters();
    provider.force_flush().unwrap();
    let exported = exporter.get_finished_metrics().unwrap();
    let Some(latest) = exported.last() else {
        return 0;
    };
    use opentelemetry_sdk::metrics::data::{AggregatedMetrics, MetricData};
    latest
        .scope_metrics()
        .flat_map(|s| s.metrics())
        .filter(|m| m.name() == "gen_ai.client.operation.duration")
        .map(|m| match m.data() {
            AggregatedMetrics::F64(MetricData::Histogram(h)) => {
                h.data_points().map(|p| p.count()).sum::<u64>()
            }
            _ => panic!("duration is an f64 histogram"),
        })
        .sum()
}

#[tokio::test]
async fn switched_off_calls_run_the_body_without_span_metrics_or_fields() {
    // The switch first: the other tests' calls end before it is granted.
    let _switch = Switch::off();
    let before = calls_measured();
    assert!(!llm_trace::is_enabled());
    let displayed = Box::leak(Box::new(AtomicUsize::new(0)));
    let capture = Capture::new();

    let output = capture.run(answer("hi", Counted(displayed))).await;

    assert_eq!(output.unwrap(), "echo: hi");
    assert_eq!(capture.spans().len(), 0, "no span while switched off");
    assert_eq!(displayed.load(Ordering::Relaxed), 0, "fields not evaluated");
    assert_eq!(calls_measured(), before, "no metrics while switched off");
}

#[tokio::test]
async fn switching_back_on_instruments_the_next_call() {
    let switch = Switch::off();
    let before = calls_measured();
    let capture = Capture::new();
    capture.run(answer("off", Counted(&UNUSED))).await.unwrap();
    llm_trace::set_enabled(true);
    assert!(llm_trace::is_enabled());
    let displayed = Box::leak(Box::new(AtomicUsize::new(0)));

    let output = capture.run(answer("on", Counted(displayed))).await;
    drop(switch);

    assert_eq!(output.unwrap(), "echo: on");
    let span = capture.span("chat off-switch-model");
    let attributes = llm_trace_testkit::capture::attributes(&span);
    assert_eq!(attributes["user.tier"], "counted".into());
    assert_eq!(attributes["body.recording"], true.into());
    assert_eq!(displayed.load(Ordering::Relaxed), 1);
    assert_eq!(capture.spans().len(), 1, "only the call made while on");
    assert_eq!(calls_measured(), before + 1);
}

#[tokio::test]
async fn switched_off_workflows_run_without_spans() {
    let _switch = Switch::off();
    let capture = Capture::new();

    let output = capture.run(flow("nested")).await;

    assert_eq!(output.unwrap(), "echo: nested");
    assert_eq!(capture.spans().len(), 0);
}
