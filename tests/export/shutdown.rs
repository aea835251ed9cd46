//! Shutdown is bounded: the guard from `init` flushes what is queued, and
//! returns within its shutdown timeout (5 s by default, retries included)
//! whatever the collector does — gone, or accepting connections and never
//! answering — over gRPC and HTTP, from `shutdown()` or from a drop, and the
//! quickstart pointed at such a collector exits normally within that bound.

use std::io::Read;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use llm_trace::export::{Builder, Protocol, ShutdownError, DEFAULT_SHUTDOWN_TIMEOUT};
use llm_trace::Telemetry;
use llm_trace_testkit::receiver::Receiver;
use opentelemetry::trace::{Tracer, TracerProvider};

/// What a bounded wait may overrun its bound by: thread start-up and
/// scheduling on a loaded 2-core machine, never an export timeout (10 s).
const SLACK: Duration = Duration::from_millis(1500);

const TIMEOUT: Duration = Duration::from_secs(1);

/// A collector that accepts connections and never reads or answers: every
/// export hangs until the exporter gives up. Connections are held open for
/// the life of the test process.
fn black_hole() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("address").port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            held.push(stream);
        }
    });
    port
}

/// A loopback port nothing listens on: a collector that is gone.
fn gone() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("address").port()
}

/// Telemetry to `port` (not installed globally, so these tests run in
/// parallel): exports every 10 ms so an export is in flight at shutdown,
/// the default export timeout (10 s, longer than the shutdown bound).
fn builder(protocol: Protocol, port: u16) -> Builder {
    llm_trace::builder()
        .env_vars([("OTEL_SERVICE_NAME", "shutdown")])
        .endpoint(format!("http://127.0.0.1:{port}"))
        .protocol(protocol)
        .scheduled_delay(Duration::from_millis(10))
        .metric_export_interval(Duration::from_millis(10))
        .without_global_install()
}

/// Ends `n` spans and records a metric, then waits for the first exports
/// to be under way.
fn record(telemetry: &Telemetry, n: usize) {
    let tracer = telemetry.tracer_provider().expect("traces on").tracer("t");
    for _ in 0..n {
        drop(tracer.start("queued"));
    }
    opentelemetry::metrics::MeterProvider::meter(telemetry.meter_provider().expect("metrics"), "m")
        .u64_counter("calls")
        .build()
        .add(1, &[]);
    std::thread::sleep(Duration::from_millis(100));
}

fn assert_within(elapsed: Duration, bound: Duration, what: &str) {
    assert!(
        elapsed < bound + SLACK,
        "{what} took {elapsed:?}, bound {bound:?} (+{SLACK:?} slack)"
    );
}

/// Shuts down telemetry whose spans and metrics could not be exported;
/// returns what shutdown reported.
fn bounded_shutdown(protocol: Protocol, port: u16) -> Result<(), ShutdownError> {
    let telemetry = builder(protocol, port)
        .shutdown_timeout(TIMEOUT)
        .init()
        .expect("init");
    assert_eq!(telemetry.shutdown_timeout(), TIMEOUT);
    record(&telemetry, 100);
    let started = Instant::now();
    let result = telemetry.shutdown();
    assert_within(started.elapsed(), TIMEOUT, "shutdown");
    result
}

#[test]
fn grpc_shutdown_returns_within_its_timeout_when_the_collector_never_answers() {
    let error = bounded_shutdown(Protocol::Grpc, black_hole()).expect_err("a hung export");
    assert!(error.traces.is_some(), "{error}");
}

#[test]
fn http_shutdown_returns_within_its_timeout_when_the_collector_never_answers() {
    let error = bounded_shutdown(Protocol::HttpBinary, black_hole()).expect_err("a hung export");
    assert!(error.traces.is_some(), "{error}");
}

// Against a closed port the exporter retries with backoff, then gives up:
// whether the last attempts end before the bound depends on timing, so
// only the bound is asserted.

#[test]
fn grpc_shutdown_returns_within_its_timeout_when_the_collector_is_gone() {
    let _ = bounded_shutdown(Protocol::Grpc, gone());
}

#[test]
fn http_shutdown_returns_within_its_timeout_when_the_collector_is_gone() {
    let _ = bounded_shutdown(Protocol::HttpBinary, gone());
}

#[test]
fn a_silent_collector_is_reported_as_not_finished_within_the_timeout() {
    let telemetry = builder(Protocol::HttpBinary, black_hole())
        .shutdown_timeout(TIMEOUT)
        .init()
        .expect("init");
    record(&telemetry, 10);
    let error = telemetry.shutdown().expect_err("a hung export");
    assert_eq!(error.traces.as_deref(), Some("not finished within 1s"));
    assert_eq!(error.metrics.as_deref(), Some("not finished within 1s"));
}

fn drop_is_bounded(protocol: Protocol) {
    let telemetry = builder(protocol, black_hole())
        .shutdown_timeout(TIMEOUT)
        .init()
        .expect("init");
    record(&telemetry, 100);
    // Dropped inside a current-thread runtime, where waiting for the
    // exporter threads on the caller's thread would deadlock.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let started = Instant::now();
    runtime.block_on(async move { drop(telemetry) });
    assert_within(started.elapsed(), TIMEOUT, "dropping the guard");
}

#[test]
fn grpc_dropping_the_guard_returns_within_the_timeout_when_the_collector_never_answers() {
    drop_is_bounded(Protocol::Grpc);
}

#[test]
fn http_dropping_the_guard_returns_within_the_timeout_when_the_collector_never_answers() {
    drop_is_bounded(Protocol::HttpBinary);
}

#[test]
fn force_flush_is_bounded_by_the_shutdown_timeout_too() {
    let telemetry = builder(Protocol::HttpBinary, black_hole())
        .shutdown_timeout(TIMEOUT)
        .init()
        .expect("init");
    record(&telemetry, 10);
    let started = Instant::now();
    telemetry.force_flush().expect_err("a hung export");
    assert_within(started.elapsed(), TIMEOUT, "force_flush");
}

#[test]
fn the_shutdown_timeout_is_5_s_by_default_and_read_from_its_variable() {
    let port = gone();
    let default = builder(Protocol::HttpBinary, port).init().expect("init");
    assert_eq!(default.shutdown_timeout(), Duration::from_secs(5));
    assert_eq!(DEFAULT_SHUTDOWN_TIMEOUT, Duration::from_secs(5));
    drop(default);

    let from_env = |value: &str| {
        llm_trace::builder()
            .env_vars([
                ("LLM_TRACE_SHUTDOWN_TIMEOUT", value),
                ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9"),
            ])
            .without_global_install()
            .init()
    };
    let telemetry = from_env("250").expect("init");
    assert_eq!(telemetry.shutdown_timeout(), Duration::from_millis(250));
    drop(telemetry);
    assert_eq!(
        from_env("soon").unwrap_err().to_string(),
        "invalid LLM_TRACE_SHUTDOWN_TIMEOUT=\"soon\": expected milliseconds"
    );
    // The builder wins.
    let telemetry = llm_trace::builder()
        .env_vars([("LLM_TRACE_SHUTDOWN_TIMEOUT", "250")])
        .endpoint("http://127.0.0.1:9")
        .shutdown_timeout(Duration::from_secs(2))
        .without_global_install()
        .init()
        .expect("init");
    assert_eq!(telemetry.shutdown_timeout(), Duration::from_secs(2));
}

/// With a collector that answers, shutdown exports everything queued (the
/// schedule would wait a minute) and reports no error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_flushes_every_queued_span_to_a_live_collector() {
    for protocol in [Protocol::Grpc, Protocol::HttpBinary] {
        let receiver = Receiver::start().await.expect("receiver");
        let port = match protocol {
            Protocol::Grpc => receiver.grpc_addr().port(),
            _ => receiver.http_addr().port(),
        };
        let telemetry = builder(protocol, port)
            .scheduled_delay(Duration::from_secs(60))
            .metric_export_interval(Duration::from_secs(60))
            .init()
            .expect("init");
        let tracer = telemetry.tracer_provider().expect("traces").tracer("t");
        for _ in 0..300 {
            drop(tracer.start("queued"));
        }
        assert_eq!(telemetry.span_counts().queued, 300);
        let shut = tokio::task::spawn_blocking(move || {
            let started = Instant::now();
            (telemetry.shutdown(), started.elapsed())
        })
        .await
        .expect("shutdown thread");
        assert_eq!(shut.0, Ok(()), "{protocol:?}");
        assert_within(shut.1, DEFAULT_SHUTDOWN_TIMEOUT, "shutdown");
        assert_eq!(receiver.spans_named("queued").len(), 300, "{protocol:?}");
    }
}

/// The quickstart example's executable, next to this test binary; built
/// here (a no-op after `cargo test` built the examples) so that a test run
/// of this file alone never runs a stale one.
fn quickstart() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    // target/<profile>/deps/shutdown-<hash> -> target/<profile>/examples/
    let profile = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("target profile directory");
    let path = profile
        .join("examples")
        .join(format!("quickstart{}", std::env::consts::EXE_SUFFIX));
    {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut build = Command::new(cargo);
        build
            .args(["build", "--example", "quickstart", "--manifest-path"])
            .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml"));
        if profile.ends_with("release") {
            build.arg("--release");
        }
        let status = build.status().expect("cargo runs");
        assert!(status.success(), "building the quickstart failed");
    }
    assert!(path.exists(), "no quickstart at {}", path.display());
    path
}

/// Runs the quickstart with `env`, in a fresh directory named after `run`,
/// killing it if it outlives `limit`; returns its output and run time.
fn run_quickstart(run: &str, env: &[(&str, String)], limit: Duration) -> (Output, Duration) {
    let dir =
        std::env::temp_dir().join(format!("llm-trace-quickstart-{}-{run}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let started = Instant::now();
    let mut child = Command::new(quickstart())
        .current_dir(&dir)
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .env_remove("LLM_TRACE_SHUTDOWN_TIMEOUT")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the quickstart starts");
    while child.try_wait().expect("wait").is_none() {
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the quickstart was still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let elapsed = started.elapsed();
    let status = child.wait().expect("exit status");
    let mut stdout = Vec::new();
    let mut stderr = Vec::new();
    child.stdout.take().map(|mut o| o.read_to_end(&mut stdout));
    child.stderr.take().map(|mut e| e.read_to_end(&mut stderr));
    let _ = std::fs::remove_dir_all(&dir);
    (
        Output {
            status,
            stdout,
            stderr,
        },
        elapsed,
    )
}

#[test]
fn the_quickstart_pointed_at_a_silent_collector_exits_normally_within_the_bound() {
    quickstart();
    // Both transports at once: each run waits out the default bound.
    let runs: Vec<_> = [("http/protobuf", "http"), ("grpc", "grpc")]
        .into_iter()
        .map(|(protocol, run)| {
            let port = black_hole();
            std::thread::spawn(move || {
                let env = [
                    (
                        "OTEL_EXPORTER_OTLP_ENDPOINT",
                        format!("http://127.0.0.1:{port}"),
                    ),
                    ("OTEL_EXPORTER_OTLP_PROTOCOL", protocol.to_owned()),
                ];
                (protocol, run_quickstart(run, &env, Duration::from_secs(60)))
            })
        })
        .collect();
    for run in runs {
        let (protocol, (output, elapsed)) = run.join().expect("run thread");
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            output.status.success(),
            "{protocol}: {}\n{stdout}\n{stderr}",
            output.status
        );
        assert!(
            stderr.contains("not finished within 5s"),
            "{protocol}: the lost export is reported: {stderr}"
        );
        // Start-up, the calls to the mock server and the bounded shutdown.
        assert_within(elapsed, DEFAULT_SHUTDOWN_TIMEOUT + SLACK, protocol);
        println!("quickstart over {protocol} to a silent collector exited in {elapsed:.2?}");
    }
}
