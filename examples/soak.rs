//! Soak run: `#[llm_call]` spans exported without pause while the process's
//! resident memory is sampled, to show that export is bounded: the batch
//! processor's queue holds at most 2048 spans (and a batch of 512 being
//! exported), a full queue drops its oldest spans instead of growing or
//! blocking, and nothing else accumulates.
//!
//! ```text
//! cargo run --release --example soak -- [seconds] [http|grpc|jsonl] [threads]
//! ```
//!
//! Defaults: 60 seconds, OTLP/HTTP into the local receiver
//! (`testkit/src/receiver.rs`, run in this process and counting spans without
//! keeping them), one producer thread. The producers call as fast as they
//! can, so export runs at saturation for the whole run. Every five seconds a
//! line gives the resident set size (VmRSS), the calls made and the spans
//! delivered so far; at the end, the growth of RSS from the first sample
//! after warm-up (10 s) to the last. Exits with status 1 if it grew by more
//! than 16 MiB. Not run by CI (it takes a minute of both cores).

use std::hint::black_box;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use llm_trace::export::Protocol;
use llm_trace::llm_call;
use llm_trace::provider::openai::{
    ChatCompletion, ChatMessage, ChatRequest, Choice, CompletionUsage,
};
use llm_trace_testkit::receiver::Receiver;

#[derive(Debug)]
struct ApiError;

/// The call of `benches/common`: a request with two parameters, a small
/// response with usage, literal metadata and one field.
#[llm_call(provider = "openai", request = req, prompt_id = 5, feature = "soak",
           fields(user.id = user_id))]
async fn call(user_id: u64, req: &ChatRequest) -> Result<ChatCompletion, ApiError> {
    black_box((user_id, req));
    Ok(ChatCompletion {
        id: "chatcmpl-soak".into(),
        object: "chat.completion".into(),
        created: 1_700_000_000,
        model: "gpt-4o-mini-2024-07-18".into(),
        choices: vec![Choice {
            index: 0,
            message: ChatMessage::assistant("hi"),
            finish_reason: Some("stop".into()),
        }],
        usage: Some(CompletionUsage {
            prompt_tokens: 10,
            completion_tokens: 3,
            total_tokens: 13,
            ..CompletionUsage::default()
        }),
        ..ChatCompletion::default()
    })
}

/// Resident set size of this process, in KiB (Linux).
fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

/// Spans in the JSON-lines files of `dir`, rotated ones included.
fn spans_in_files(dir: &std::path::Path) -> u64 {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| std::fs::read_to_string(e.path()).ok())
        .map(|text| text.matches("\"spanId\"").count() as u64)
        .sum()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let seconds: u64 = args.first().map_or(Ok(60), |s| s.parse())?;
    let target = args.get(1).map_or("http", String::as_str).to_owned();
    let threads: u64 = args.get(2).map_or(Ok(1), |s| s.parse())?;

    let servers = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    let receiver = servers.block_on(Receiver::start())?;
    receiver.set_count_only(true);
    let dir = std::env::temp_dir().join(format!("llm-trace-soak-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;

    let builder = llm_trace::builder()
        .env_vars(Vec::<(String, String)>::new())
        .service_name("llm-trace-soak");
    let builder = match target.as_str() {
        "http" => builder
            .endpoint(receiver.http_endpoint())
            .protocol(Protocol::HttpBinary),
        "grpc" => builder
            .endpoint(receiver.grpc_endpoint())
            .protocol(Protocol::Grpc),
        "jsonl" => builder.file(dir.join("llm-trace.jsonl")),
        other => return Err(format!("unknown target {other:?}: http, grpc or jsonl").into()),
    };
    let telemetry = builder.init()?;

    let stop = Arc::new(AtomicBool::new(false));
    let calls = Arc::new(AtomicU64::new(0));
    let request = Arc::new(ChatRequest {
        temperature: Some(0.2),
        max_tokens: Some(256),
        ..ChatRequest::new("gpt-4o-mini", vec![ChatMessage::user("Summarize: hi")])
    });
    let producers: Vec<_> = (0..threads)
        .map(|_| {
            let (stop, calls, request) = (stop.clone(), calls.clone(), request.clone());
            std::thread::spawn(move || {
                futures::executor::block_on(async {
                    while !stop.load(Ordering::Relaxed) {
                        for _ in 0..256 {
                            let _ = black_box(call(7, &request).await);
                        }
                        calls.fetch_add(256, Ordering::Relaxed);
                    }
                })
            })
        })
        .collect();

    println!("soak: {seconds} s, {target}, {threads} producer thread(s)");
    println!(
        "{:>6} {:>10} {:>12} {:>12}",
        "t (s)", "RSS (KiB)", "calls", "delivered"
    );
    let started = Instant::now();
    let mut samples = Vec::new();
    let mut next = Duration::from_secs(5);
    while started.elapsed() < Duration::from_secs(seconds) {
        std::thread::sleep(next.saturating_sub(started.elapsed()));
        let delivered = match target.as_str() {
            "jsonl" => spans_in_files(&dir),
            _ => receiver.accepted_spans(),
        };
        let rss = rss_kib();
        println!(
            "{:>6} {rss:>10} {:>12} {delivered:>12}",
            next.as_secs(),
            calls.load(Ordering::Relaxed)
        );
        samples.push((next.as_secs(), rss));
        next += Duration::from_secs(5);
    }
    stop.store(true, Ordering::Relaxed);
    for producer in producers {
        producer.join().map_err(|_| "a producer panicked")?;
    }
    telemetry.shutdown()?;
    let calls = calls.load(Ordering::Relaxed);
    let delivered = match target.as_str() {
        "jsonl" => spans_in_files(&dir),
        _ => receiver.accepted_spans(),
    };
    let _ = std::fs::remove_dir_all(&dir);

    let elapsed = started.elapsed().as_secs_f64();
    if target == "jsonl" {
        // Rotation deletes the oldest file: only the spans still on disk count.
        println!(
            "calls {calls} ({:.0}/s), spans in the rotated files at the end {delivered}",
            calls as f64 / elapsed
        );
    } else {
        println!(
            "calls {calls} ({:.0}/s), spans delivered {delivered} ({:.0}/s), dropped on a full queue {}",
            calls as f64 / elapsed,
            delivered as f64 / elapsed,
            calls.saturating_sub(delivered)
        );
    }
    let after_warm_up = samples.iter().find(|(t, _)| *t >= 10).or(samples.first());
    let (Some(&(t0, first)), Some(&(t1, last))) = (after_warm_up, samples.last()) else {
        return Ok(());
    };
    let max = samples.iter().map(|&(_, rss)| rss).max().unwrap_or(0);
    let growth = i64::try_from(last).unwrap_or(0) - i64::try_from(first).unwrap_or(0);
    println!("RSS at {t0} s: {first} KiB; at {t1} s: {last} KiB ({growth:+} KiB); max {max} KiB");
    if growth > 16 * 1024 {
        eprintln!("memory grew by more than 16 MiB after warm-up");
        std::process::exit(1);
    }
    Ok(())
}
