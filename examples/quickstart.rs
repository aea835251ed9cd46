//! Quickstart: LLM calls become OpenTelemetry GenAI spans, fully offline.
//!
//! ```text
//! cargo run --example quickstart
//! ```
//!
//! No network and no API key: the program starts a mock LLM server on
//! loopback (`llm_trace_suite::mock`, OpenAI- and Anthropic-compatible) and
//! makes real HTTP calls to it through functions annotated with
//! `#[llm_call]`. It then prints every span it recorded as a tree, and one
//! line per call with its token usage.
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
//! - an application span of your own (`answer_question`) is the parent of
//!   the calls made inside it;
//! - a failed call (HTTP 429) has status Error and `error.type = "http_429"`.
//!
//! Here spans are kept in memory so the program can print them; in an
//! application you would install an OTLP exporter instead and keep the
//! annotated functions exactly as they are.

use std::error::Error;
use std::fmt;

use llm_trace::llm_call;
use llm_trace::provider::anthropic::{Message, MessagesRequest, MessagesResponse};
use llm_trace::provider::openai::{ChatCompletion, ChatMessage, ChatRequest};
use llm_trace_suite::mock::{Client, ClientError, MockServer};
use llm_trace_suite::tree;
use opentelemetry::trace::{FutureExt, Status, TraceContextExt, Tracer};
use opentelemetry::{global, Context, KeyValue, Value};
use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider, SpanData};
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
    // Where spans go. Installed globally, so every `#[llm_call]` and
    // `global::tracer` in the program uses it.
    let exporter = InMemorySpanExporter::default();
    let provider = SdkTracerProvider::builder()
        .with_simple_exporter(exporter.clone())
        .build();
    global::set_tracer_provider(provider.clone());

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

    // 4. A call that fails: the mock answers 429 to the model "force-429".
    let free_user = User {
        id: 7,
        tier: Tier::Free,
    };
    let doc = "Anything at all.";
    match summarize(&client, &free_user, summary_request("force-429", doc)).await {
        Ok(_) => println!("unexpected: the forced failure succeeded"),
        Err(error) => println!("failed as intended: {error}"),
    }

    // Every span has ended; the simple exporter has them already, and a
    // flush makes that explicit for any exporter.
    provider.force_flush()?;
    let spans = exporter.get_finished_spans()?;
    println!("\n{}", tree::render(&spans));
    print_usage(&spans);

    provider.shutdown()?;
    Ok(())
}

/// One line per LLM call (spans with `gen_ai.operation.name`), in call order.
fn print_usage(spans: &[SpanData]) {
    fn attr<'a>(span: &'a SpanData, key: &str) -> Option<&'a Value> {
        span.attributes
            .iter()
            .find(|kv| kv.key.as_str() == key)
            .map(|kv| &kv.value)
    }
    fn tokens(span: &SpanData, key: &str) -> String {
        match attr(span, key) {
            Some(Value::I64(n)) => n.to_string(),
            _ => "-".to_owned(),
        }
    }

    let mut calls: Vec<&SpanData> = spans
        .iter()
        .filter(|s| attr(s, "gen_ai.operation.name").is_some())
        .collect();
    calls.sort_by_key(|s| s.start_time);

    println!("token usage (input includes cache reads and writes; output includes reasoning):");
    println!(
        "  {:<26} {:<9} {:>6} {:>11} {:>12} {:>7} {:>10}",
        "call", "outcome", "input", "cache read", "cache write", "output", "reasoning"
    );
    for span in calls {
        let outcome = match attr(span, "error.type") {
            Some(error) => error.to_string(),
            None => "ok".to_owned(),
        };
        println!(
            "  {:<26} {:<9} {:>6} {:>11} {:>12} {:>7} {:>10}",
            span.name,
            outcome,
            tokens(span, "gen_ai.usage.input_tokens"),
            tokens(span, "gen_ai.usage.cache_read.input_tokens"),
            tokens(span, "gen_ai.usage.cache_write.input_tokens"),
            tokens(span, "gen_ai.usage.output_tokens"),
            tokens(span, "gen_ai.usage.reasoning.output_tokens"),
        );
    }
}
