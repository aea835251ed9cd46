//! Export LLM spans over OTLP to any OpenTelemetry backend.
//!
//! ```text
//! # Arize Phoenix (OTLP/HTTP on its UI port, OTLP/gRPC on 4317):
//! OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:6006 \
//! OTEL_SERVICE_NAME=support-bot cargo run --example otlp_export
//!
//! # An OpenTelemetry Collector, Jaeger or Tempo over gRPC:
//! OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4317 OTEL_EXPORTER_OTLP_PROTOCOL=grpc \
//! OTEL_SERVICE_NAME=support-bot cargo run --example otlp_export
//! ```
//!
//! Everything is configured with the standard OpenTelemetry variables
//! (`OTEL_EXPORTER_OTLP_ENDPOINT`, `OTEL_EXPORTER_OTLP_PROTOCOL` =
//! `http/protobuf` or `grpc`, `OTEL_EXPORTER_OTLP_HEADERS`,
//! `OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES`, ...); the program itself
//! names no endpoint. It starts the offline mock LLM server on loopback
//! (`llm_trace_testkit::mock`), makes four `#[llm_call]` calls inside one span
//! of its own, `handle_ticket`, and flushes everything before it exits:
//!
//! ```text
//! handle_ticket                      (the application's span: the parent)
//! ├── chat gpt-4o-mini               OpenAI, metadata prompt_id, feature, user.id, user.tier
//! ├── chat claude-sonnet-4-5         Anthropic, writes the system prompt to the cache
//! ├── chat claude-sonnet-4-5         Anthropic, reads it from the cache
//! └── chat force-429                 a failed call: status Error, error.type = http_429
//! ```
//!
//! `-- --manifest PATH` also writes what was sent as JSON — the trace id, the
//! parent span's id, and per call the response id and the token usage the
//! mock returned, normalized as the GenAI conventions count it. The
//! end-to-end check `tests/phoenix/run.sh` reads it to verify what the
//! backend received.

use std::error::Error;
use std::fmt;

use llm_trace::provider::anthropic::{Message, MessagesRequest, MessagesResponse};
use llm_trace::provider::openai::{ChatCompletion, ChatMessage, ChatRequest};
use llm_trace::{llm_call, ErrorType};
use llm_trace_testkit::mock::{Client, ClientError, MockServer};
use opentelemetry::trace::{FutureExt, SpanKind, Status, TraceContextExt, Tracer};
use opentelemetry::{global, Context, KeyValue};
use serde_json::{json, Value};

/// The signed-in user a request is made for.
struct User {
    id: u64,
    tier: Tier,
}

/// A pricing tier; recorded through its `Display` (`%user.tier`).
enum Tier {
    Pro,
}

impl fmt::Display for Tier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Tier::Pro => "pro",
        })
    }
}

/// Summarizes the ticket with OpenAI: literal metadata (`prompt_id`,
/// `feature`) and metadata from the arguments (`fields`).
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

/// Answers with Anthropic behind a cacheable system prompt.
#[llm_call(provider = "anthropic", feature = "support", app.step = "answer",
           fields(user.id = user.id), server = client.base_url(), request = req)]
async fn answer(
    client: &Client,
    user: &User,
    req: MessagesRequest,
) -> Result<MessagesResponse, ClientError> {
    client.anthropic_messages(&req).await
}

const SUMMARY_PROMPT: &str = "You summarize support tickets in one sentence.";

const SUPPORT_POLICY: &str = "You are the support assistant of Acme Analytics. \
    Answer from the product documentation only. Plans: Free (3 dashboards), \
    Pro (unlimited dashboards, SSO). Refunds are prorated within 30 days.";

fn summary_request(model: &str, ticket: &str) -> ChatRequest {
    let mut req = ChatRequest::new(
        model,
        vec![
            ChatMessage::system(SUMMARY_PROMPT),
            ChatMessage::user(ticket),
        ],
    );
    req.temperature = Some(0.2);
    req.max_tokens = Some(200);
    req
}

fn support_request(question: &str) -> MessagesRequest {
    let mut req = MessagesRequest::new("claude-sonnet-4-5", 512, vec![Message::user(question)]);
    req.system = Some(json!([
        {"type": "text", "text": SUPPORT_POLICY, "cache_control": {"type": "ephemeral"}}
    ]));
    req
}

/// One call as the manifest records it. Token counts are the GenAI
/// conventions' totals: input includes cache reads and writes.
fn openai_entry(function: &str, reply: &ChatCompletion) -> Value {
    let usage = reply.usage.as_ref();
    json!({
        "function": function,
        "response_id": reply.id,
        "response_model": reply.model,
        "input_tokens": usage.map(|u| u.prompt_tokens),
        "output_tokens": usage.map(|u| u.completion_tokens),
        "cache_read_input_tokens": usage
            .and_then(|u| u.prompt_tokens_details.as_ref())
            .and_then(|d| d.cached_tokens),
    })
}

fn anthropic_entry(function: &str, reply: &MessagesResponse) -> Value {
    let usage = reply.usage.as_ref();
    let read = usage.and_then(|u| u.cache_read_input_tokens);
    let write = usage.and_then(|u| u.cache_creation_input_tokens);
    json!({
        "function": function,
        "response_id": reply.id,
        "response_model": reply.model,
        "input_tokens": usage.map(|u| u.input_tokens + read.unwrap_or(0) + write.unwrap_or(0)),
        "output_tokens": usage.map(|u| u.output_tokens),
        "cache_read_input_tokens": read,
        "cache_write_input_tokens": write,
    })
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let manifest_path = manifest_arg()?;

    // Installs the global tracer and meter providers, configured from the
    // standard OTEL_* variables (OTLP endpoint, protocol, service, resource).
    let guard = llm_trace::init()?;

    let server = MockServer::start().await?;
    let client = Client::new(server.base_url())?;
    let user = User {
        id: 42,
        tier: Tier::Pro,
    };

    // An application span around the calls: every LLM span below is its
    // child. `with_context` keeps it current across the `.await`s.
    let tracer = global::tracer("otlp_export");
    let span = tracer
        .span_builder("handle_ticket")
        .with_kind(SpanKind::Server)
        .with_attributes([KeyValue::new("ticket.id", 1017)])
        .start(&tracer);
    let cx = Context::current_with_span(span);
    let trace_id = cx.span().span_context().trace_id().to_string();
    let parent_span_id = cx.span().span_context().span_id().to_string();

    let ticket = "Customer on Pro asks whether a refund is possible after upgrading.";
    let handled = async {
        let mut calls = Vec::new();
        let summary = summarize(&client, &user, summary_request("gpt-4o-mini", ticket)).await?;
        println!(
            "summary: {}",
            summary.choices[0].message.text().unwrap_or_default()
        );
        calls.push(openai_entry("summarize", &summary));

        // The same cached policy twice: a cache write, then a cache read.
        for question in [
            "Can I get a refund after upgrading to Pro?",
            "Does Pro include SSO?",
        ] {
            let reply = answer(&client, &user, support_request(question)).await?;
            println!("answer: {}", reply.text());
            calls.push(anthropic_entry("answer", &reply));
        }

        // A call that fails: the mock answers 429 to the model "force-429".
        match summarize(&client, &user, summary_request("force-429", ticket)).await {
            Ok(_) => return Err("the forced failure succeeded".into()),
            Err(error) => {
                println!("failed as intended: {error}");
                calls.push(json!({"function": "summarize", "error_type": error.error_type()}));
            }
        }
        Ok::<_, Box<dyn Error>>(calls)
    }
    .with_context(cx.clone())
    .await;
    if let Err(error) = &handled {
        cx.span().set_status(Status::error(error.to_string()));
    }
    cx.span().end();
    let calls = handled?;

    println!(
        "trace {trace_id}: handle_ticket ({parent_span_id}) and {} LLM calls",
        calls.len()
    );
    if let Some(path) = manifest_path {
        let manifest = json!({
            "trace_id": trace_id,
            "parent": {"name": "handle_ticket", "span_id": parent_span_id},
            "calls": calls,
        });
        std::fs::write(&path, serde_json::to_string_pretty(&manifest)?)?;
        println!("manifest written to {path}");
    }

    // Flushes the batch processor and shuts the exporter down; an export
    // that failed (collector unreachable, rejected) is reported here.
    guard.shutdown()?;
    Ok(())
}

/// `--manifest PATH`, the only argument.
fn manifest_arg() -> Result<Option<String>, Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    match (args.next().as_deref(), args.next(), args.next()) {
        (None, ..) => Ok(None),
        (Some("--manifest"), Some(path), None) => Ok(Some(path)),
        _ => Err("usage: otlp_export [--manifest PATH]".into()),
    }
}
