//! Quickstart: LLM calls become OpenTelemetry GenAI spans, fully offline.
//!
//! ```text
//! cargo run --example quickstart
//! ```
//!
//! No network and no API key: the program starts a mock LLM server on
//! loopback (`llm_trace_testkit::mock`, OpenAI- and Anthropic-compatible) and
//! makes real HTTP calls to it through functions annotated with
//! `#[llm_call]`.
//!
//! Telemetry is set up with `llm_trace::init()` and nothing configured, so
//! it goes to the embedded default: OTLP JSON-lines files in the working
//! directory, `llm-trace.jsonl` for spans and `llm-trace.metrics.jsonl` for
//! metrics (`LLM_TRACE_FILE=path/to/traces.jsonl` moves both). After
//! shutting telemetry down, the program reads back what this run wrote and
//! prints the spans as a tree, one line per call with its token usage, a
//! summary of the GenAI metrics, and where the files are.
//!
//! What to look for in the output:
//!
//! - each call is a CLIENT span named `{operation} {model}` (`chat
//!   gpt-4o-mini`) with the standard `gen_ai.*` attributes: request
//!   parameters, response id and model, finish reasons, token usage;
//! - `server.address` / `server.port` are the mock's (`server =
//!   client.base_url()`), not the provider's public endpoint;
//! - business metadata next to them: literal (`prompt_id`, `feature`,
//!   `app.step`) and from arguments (`user.id`, `user.tier`);
//! - usage is normalized across providers: `gen_ai.usage.input_tokens`
//!   includes cache reads and writes (Anthropic reports them apart),
//!   `gen_ai.usage.output_tokens` includes reasoning tokens;
//! - each call's cost in US dollars (`llm_trace.cost.usd`), every token kind
//!   at its model's price from genai-prices (cache reads cheaper, cache
//!   writes dearer); the failed call has none;
//! - an application span of your own (`answer_question`) is the parent of
//!   the calls made inside it;
//! - a failed call (HTTP 429) has status Error and `error.type = "http_429"`;
//! - the metrics `gen_ai.client.token.usage` and
//!   `gen_ai.client.operation.duration` are recorded for every call, the
//!   failed one included, with no collector running.
//!
//! The files are in the OTLP file format the OpenTelemetry Collector's
//! `otlpjsonfile` receiver reads, so a run can be replayed into any backend
//! later. To send to a backend directly, set `OTEL_EXPORTER_OTLP_ENDPOINT`
//! (e.g. `http://localhost:4318`): the same program then exports over OTLP
//! and the annotated functions stay exactly as they are.

use llm_trace_testkit::readback::{is_this_run, new_instance_id, read_run};
use std::collections::BTreeMap;
use std::error::Error;
use std::fmt;
use std::path::{Path, PathBuf};

use futures::{Stream, StreamExt};
use llm_trace::export::Destination;
use llm_trace::llm_call;
use llm_trace::opentelemetry_semantic_conventions::resource::SERVICE_INSTANCE_ID;
use llm_trace::provider::anthropic::{Message, MessagesRequest, MessagesResponse};
use llm_trace::provider::openai::{ChatCompletion, ChatMessage, ChatRequest};
use llm_trace::semconv;
use llm_trace_testkit::mock::{Client, ClientError, MockServer};
use llm_trace_testkit::tree;
use opentelemetry::trace::{FutureExt, Status, TraceContextExt, Tracer};
use opentelemetry::{global, Context, KeyValue};
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{any_value, KeyValue as OtlpKeyValue};
use opentelemetry_proto::tonic::metrics::v1::{metric, AggregationTemporality};
use serde_json::json;

/// The signed-in user a request is made for.
struct User {
    id: u64,
    tier: Tier,
}

/// A pricing tier; recorded through its `Display` (`%user.tier`).
enum Tier {
    Free,
    Pro,
}

impl fmt::Display for Tier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Tier::Free => "free",
            Tier::Pro => "pro",
        })
    }
}

/// Summarizes a document with OpenAI. Literal metadata (`prompt_id`,
/// `feature`) and per-call metadata (`fields`) land on the span.
#[llm_call(provider = "openai", prompt_id = 5, feature = "summarize",
           fields(user.id = user.id, user.tier = %user.tier),
           server = client.base_url(), request = req)]
async fn summarize(
    client: &Client,
    user: &User,
    req: ChatRequest,
) -> Result<ChatCompletion, ClientError> {
    client.openai_chat(&req).await
}

/// Plans an answer with a reasoning model (reports reasoning tokens).
#[llm_call(provider = "openai", feature = "qa", app.step = "plan",
           server = client.base_url(), request = req)]
async fn plan(client: &Client, req: ChatRequest) -> Result<ChatCompletion, ClientError> {
    client.openai_chat(&req).await
}

/// Answers with Anthropic, behind a cached system prompt (reports cache
/// writes, then reads).
#[llm_call(provider = "anthropic", feature = "qa", app.step = "answer",
           server = client.base_url(), request = req)]
async fn answer(client: &Client, req: MessagesRequest) -> Result<MessagesResponse, ClientError> {
    client.anthropic_messages(&req).await
}

/// Streams a reply: raw server-sent events from the mock, observed as they
/// pass; the span ends with the stream (usage from its last chunk, time to
/// first chunk, `gen_ai.request.stream`).
#[llm_call(provider = "openai", feature = "chat", server = base_url, request = req)]
async fn chat_stream(
    http: &reqwest::Client,
    base_url: &str,
    req: &ChatRequest,
) -> Result<impl Stream<Item = reqwest::Result<bytes::Bytes>>, reqwest::Error> {
    let response = http
        .post(format!("{base_url}/v1/chat/completions"))
        .json(req)
        .send()
        .await?
        .error_for_status()?;
    Ok(response.bytes_stream())
}

const SUMMARY_PROMPT: &str = "You summarize internal documents for busy readers. \
    Answer in at most three sentences, keep numbers exact, and never speculate.";

const SUPPORT_POLICY: &str = "You are the support assistant of Acme Analytics. \
    Answer from the product documentation only. Plans: Free (3 dashboards, 7-day \
    retention), Pro (unlimited dashboards, 13-month retention, SSO), Enterprise \
    (everything in Pro plus audit logs and a dedicated region). Refunds are \
    prorated within 30 days. Escalate security questions to security@acme.example.";

fn summary_request(model: &str, document: &str) -> ChatRequest {
    let mut req = ChatRequest::new(
        model,
        vec![
            ChatMessage::system(SUMMARY_PROMPT),
            ChatMessage::user(format!("Summarize:\n\n{document}")),
        ],
    );
    req.temperature = Some(0.2);
    req.max_tokens = Some(200);
    req
}

fn support_request(question: &str) -> MessagesRequest {
    let mut req = MessagesRequest::new("claude-sonnet-4-5", 512, vec![Message::user(question)]);
    // The policy is marked cacheable: the first call writes it to the
    // prompt cache, later calls read it.
    req.system = Some(json!([
        {"type": "text", "text": SUPPORT_POLICY, "cache_control": {"type": "ephemeral"}}
    ]));
    req.temperature = Some(0.0);
    req
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    // Where spans and metrics go. `llm_trace::init()` installs the global
    // tracer and meter providers (every `#[llm_call]` and `global::tracer`
    // uses them): OTLP if `OTEL_EXPORTER_OTLP_ENDPOINT` is set, otherwise the
    // local files. An application needs nothing more than `init()`.
    //
    // The quickstart adds one resource attribute, a fresh
    // `service.instance.id` per run, to find its own spans and metrics in
    // the files afterwards: they are appended to across runs. Filtering by
    // that id rather than by the file's length before the run stays right
    // when the file rotates mid-run (part of the run then sits in the
    // backup, and the new file is shorter than the old offset) and when
    // another process appends to the same file meanwhile; and a replayed
    // file keeps runs apart in a backend too.
    let run_id = new_instance_id();
    let telemetry = llm_trace::builder()
        .resource_attributes([KeyValue::new(SERVICE_INSTANCE_ID, run_id.clone())])
        .init()?;
    match telemetry.destination() {
        Some(destination) => println!("telemetry to {destination}"),
        None => println!("telemetry disabled (OTEL_SDK_DISABLED)"),
    }

    let server = MockServer::start().await?;
    let client = Client::new(server.base_url())?;
    let user = User {
        id: 42,
        tier: Tier::Pro,
    };
    println!("mock LLM server at {}\n", server.base_url());

    // 1. Two summaries with the same system prompt: the second one reads
    //    the prompt prefix from OpenAI's (simulated) cache.
    for document in [
        "Q3 revenue rose 12% to $4.1M; churn fell from 3.2% to 2.7%.",
        "The migration to the new billing system finished on 14 October, two weeks late.",
    ] {
        let summary = summarize(&client, &user, summary_request("gpt-4o-mini", document)).await?;
        let text = summary.choices[0].message.text().unwrap_or_default();
        println!("summary: {text}");
    }

    // 2. A span of the application's own around two calls: they become its
    //    children. `with_context` keeps it current across `.await`s.
    let tracer = global::tracer("quickstart");
    let question = "Can I get a refund after upgrading to Pro?";
    let span = tracer
        .span_builder("answer_question")
        .with_attributes([
            KeyValue::new("question.id", 1017),
            KeyValue::new("user.tier", user.tier.to_string()),
        ])
        .start(&tracer);
    let cx = Context::current_with_span(span);
    let answered = async {
        let mut plan_req = ChatRequest::new(
            "o4-mini",
            vec![ChatMessage::user(format!(
                "List the facts needed to answer: {question}"
            ))],
        );
        plan_req.n = Some(2);
        plan_req.max_completion_tokens = Some(1024);
        plan(&client, plan_req).await?;
        answer(&client, support_request(question)).await
    }
    .with_context(cx.clone())
    .await;
    if let Err(error) = &answered {
        cx.span().set_status(Status::error(error.to_string()));
    }
    cx.span().end();
    println!("answer: {}", answered?.text());

    // 3. A follow-up under the same cached policy: a cache read this time.
    let follow_up = answer(&client, support_request("Does Pro include SSO?")).await?;
    println!("follow-up: {}", follow_up.text());

    // 4. A streamed reply, consumed chunk by chunk.
    let mut req = ChatRequest::new(
        "gpt-4o-mini",
        vec![ChatMessage::user("Say hello to the team")],
    );
    req.stream = Some(true);
    req.extra
        .insert("stream_options".into(), json!({"include_usage": true}));
    let http = reqwest::Client::new();
    let mut stream = Box::pin(chat_stream(&http, client.base_url(), &req).await?);
    let mut received = 0;
    while let Some(chunk) = stream.next().await {
        received += chunk?.len();
    }
    println!("streamed: {received} bytes of server-sent events");

    // 5. A call that fails: the mock answers 429 to the model "force-429".
    let free_user = User {
        id: 7,
        tier: Tier::Free,
    };
    let doc = "Anything at all.";
    match summarize(&client, &free_user, summary_request("force-429", doc)).await {
        Ok(_) => println!("unexpected: the forced failure succeeded"),
        Err(error) => println!("failed as intended: {error}"),
    }

    // Shutting down exports what is still batched (spans are exported every
    // 5 s, metrics every 60 s) and reports any export error. It waits at
    // most 5 s (LLM_TRACE_SHUTDOWN_TIMEOUT), whatever the collector does: a
    // collector that is gone or never answers costs telemetry, not the
    // program, which exits normally.
    let destination = telemetry.destination().cloned();
    if let Err(error) = telemetry.shutdown() {
        eprintln!("exporting telemetry failed: {error}");
        return Ok(());
    }

    match destination {
        Some(Destination::File {
            traces, metrics, ..
        }) => show_run(&traces, &metrics, &run_id),
        Some(destination) => {
            println!("\nspans and metrics were exported: {destination}");
            Ok(())
        }
        None => Ok(()),
    }
}

/// Reads back what this run wrote to the files and prints it.
fn show_run(traces: &Path, metrics: &Path, run_id: &str) -> Result<(), Box<dyn Error>> {
    let requests: Vec<ExportTraceServiceRequest> = read_run(traces, run_id)?;
    let spans: Vec<tree::Span> = requests
        .iter()
        .flat_map(|r| &r.resource_spans)
        .filter(|r| is_this_run(r.resource.as_ref(), run_id))
        .flat_map(|r| &r.scope_spans)
        .flat_map(|s| &s.spans)
        .map(tree::Span::from)
        .collect();
    println!(
        "\n{} spans of this run, read back from {}:\n",
        spans.len(),
        traces.display()
    );
    println!("{}", tree::render(&spans));
    print_usage(&spans);

    let requests: Vec<ExportMetricsServiceRequest> = read_run(metrics, run_id)?;
    print_metrics(&requests, run_id);

    println!(
        "\nfiles (OTLP JSON lines, appended to across runs; \
         this run is {SERVICE_INSTANCE_ID}={run_id}):"
    );
    println!("  traces   {}", absolute(traces).display());
    println!("  metrics  {}", absolute(metrics).display());
    println!(
        "replay them into an OpenTelemetry Collector with its `otlpjsonfile` receiver, \
         or set OTEL_EXPORTER_OTLP_ENDPOINT to export to a backend instead"
    );
    Ok(())
}

fn string_attribute<'a>(attributes: &'a [OtlpKeyValue], key: &str) -> Option<&'a str> {
    let kv = attributes.iter().find(|kv| kv.key == key)?;
    match kv.value.as_ref()?.value.as_ref()? {
        any_value::Value::StringValue(s) => Some(s),
        _ => None,
    }
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_owned())
}

/// One line per LLM call (spans with `gen_ai.operation.name`), in call order.
fn print_usage(spans: &[tree::Span]) {
    // Attribute values come displayed as in the tree: numbers bare,
    // strings quoted.
    fn tokens<'a>(span: &'a tree::Span, key: &str) -> &'a str {
        span.attribute(key).unwrap_or("-")
    }

    let mut calls: Vec<&tree::Span> = spans
        .iter()
        .filter(|s| s.attribute(semconv::GEN_AI_OPERATION_NAME).is_some())
        .collect();
    calls.sort_by_key(|s| s.start_unix_nanos);

    println!(
        "token usage (input includes cache reads and writes; output includes reasoning) and cost:"
    );
    println!(
        "  {:<26} {:<9} {:>6} {:>11} {:>12} {:>7} {:>10} {:>11}",
        "call",
        "outcome",
        "input",
        "cache read",
        "cache write",
        "output",
        "reasoning",
        "cost (USD)"
    );
    for span in calls {
        let outcome = span
            .attribute(semconv::ERROR_TYPE)
            .map_or("ok", |e| e.trim_matches('"'));
        let cost = span
            .attribute(semconv::LLM_TRACE_COST_USD)
            .and_then(|usd| usd.parse::<f64>().ok())
            .map_or_else(|| "-".to_owned(), |usd| format!("{usd:.6}"));
        println!(
            "  {:<26} {:<9} {:>6} {:>11} {:>12} {:>7} {:>10} {:>11}",
            span.name,
            outcome,
            tokens(span, semconv::GEN_AI_USAGE_INPUT_TOKENS),
            tokens(span, semconv::GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS),
            tokens(span, semconv::GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS),
            tokens(span, semconv::GEN_AI_USAGE_OUTPUT_TOKENS),
            tokens(span, semconv::GEN_AI_USAGE_REASONING_OUTPUT_TOKENS),
            cost,
        );
    }
}

/// The two GenAI histograms of this run, per requested model: calls and
/// failed calls (`gen_ai.client.operation.duration` counts and sums) and
/// input and output tokens (`gen_ai.client.token.usage` sums).
fn print_metrics(requests: &[ExportMetricsServiceRequest], run_id: &str) {
    // One histogram series per metric and attribute set, as (attributes,
    // count, sum). The file holds cumulative totals, so a later line
    // replaces an earlier one's; a delta exporter would write increments to
    // add up. Both are handled.
    let mut series: BTreeMap<(&str, String), (&[OtlpKeyValue], u64, f64)> = BTreeMap::new();
    let metrics = requests
        .iter()
        .flat_map(|r| &r.resource_metrics)
        .filter(|r| is_this_run(r.resource.as_ref(), run_id))
        .flat_map(|r| &r.scope_metrics)
        .flat_map(|s| &s.metrics)
        .filter(|m| {
            m.name == semconv::GEN_AI_CLIENT_TOKEN_USAGE
                || m.name == semconv::GEN_AI_CLIENT_OPERATION_DURATION
        });
    for metric in metrics {
        let Some(metric::Data::Histogram(histogram)) = &metric.data else {
            continue;
        };
        let delta = histogram.aggregation_temporality == AggregationTemporality::Delta as i32;
        for point in &histogram.data_points {
            let key = (metric.name.as_str(), format!("{:?}", point.attributes));
            let entry = series.entry(key).or_insert((&point.attributes, 0, 0.0));
            let sum = point.sum.unwrap_or(0.0);
            if delta {
                entry.1 += point.count;
                entry.2 += sum;
            } else {
                *entry = (&point.attributes, point.count, sum);
            }
        }
    }

    let mut rows: BTreeMap<&str, ModelRow> = BTreeMap::new();
    for ((name, _), &(attributes, count, sum)) in &series {
        let model = string_attribute(attributes, semconv::GEN_AI_REQUEST_MODEL).unwrap_or("(none)");
        let row = rows.entry(model).or_default();
        if *name == semconv::GEN_AI_CLIENT_OPERATION_DURATION {
            row.calls += count;
            row.seconds += sum;
            if string_attribute(attributes, semconv::ERROR_TYPE).is_some() {
                row.errors += count;
            }
        } else {
            // Token counts are recorded as whole numbers.
            let tokens = sum as u64;
            match string_attribute(attributes, semconv::GEN_AI_TOKEN_TYPE) {
                Some("input") => *row.input.get_or_insert(0) += tokens,
                Some("output") => *row.output.get_or_insert(0) += tokens,
                _ => {}
            }
        }
    }

    println!(
        "\nmetrics {} and {}, per requested model:",
        semconv::GEN_AI_CLIENT_OPERATION_DURATION,
        semconv::GEN_AI_CLIENT_TOKEN_USAGE
    );
    if rows.is_empty() {
        println!("  (none of this run in the metrics file)");
        return;
    }
    println!(
        "  {:<20} {:>5} {:>6} {:>10} {:>12} {:>13}",
        "model", "calls", "errors", "duration", "input tokens", "output tokens"
    );
    let mut total = ModelRow::default();
    for (model, row) in &rows {
        row.print(model);
        total.add(row);
    }
    total.print("total");
}

/// One model's line of the metrics summary.
#[derive(Default)]
struct ModelRow {
    calls: u64,
    errors: u64,
    seconds: f64,
    /// `None` when no call reported usage (failed calls do not).
    input: Option<u64>,
    output: Option<u64>,
}

impl ModelRow {
    fn add(&mut self, other: &ModelRow) {
        fn add(a: Option<u64>, b: Option<u64>) -> Option<u64> {
            a.zip(b).map(|(a, b)| a + b).or(a).or(b)
        }
        self.calls += other.calls;
        self.errors += other.errors;
        self.seconds += other.seconds;
        self.input = add(self.input, other.input);
        self.output = add(self.output, other.output);
    }

    fn print(&self, model: &str) {
        let tokens = |n: Option<u64>| n.map_or_else(|| "-".to_owned(), |n| n.to_string());
        println!(
            "  {model:<20} {:>5} {:>6} {:>8.1}ms {:>12} {:>13}",
            self.calls,
            self.errors,
            self.seconds * 1000.0,
            tokens(self.input),
            tokens(self.output),
        );
    }
}
