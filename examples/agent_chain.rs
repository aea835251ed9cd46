//! Agent chain: a support assistant answers a ticket, and every step of it
//! becomes a span of one trace, with the business metadata on each node.
//!
//! ```text
//! cargo run --example agent_chain
//! ```
//!
//! The scenario: Acme's helpdesk hands a customer ticket ("where is my
//! order?") to a support agent. The agent asks one model (OpenAI) to plan
//! the answer, runs the tool the plan calls for (an order lookup in the
//! shop's database), and asks another model (Anthropic) to write the reply
//! from what the tool found. The reply is then scored for helpfulness.
//!
//! No network and no API key: both models are served by the loopback mock
//! LLM server (`llm_trace_testkit::mock`), called over real HTTP; the order
//! database is an in-process table.
//!
//! Where the metadata comes from, outermost first:
//!
//! - **a scope**, `llm_trace::with_metadata([("tenant", "acme"), ("feature",
//!   "support")], ...)`: set once by the request handler, carried in the
//!   OpenTelemetry context (and its baggage), recorded on every span made
//!   inside;
//! - **the workflow**, `#[llm_trace::workflow(name = "support_ticket", ...)]`:
//!   an INTERNAL `invoke_workflow support_ticket` span with
//!   `gen_ai.workflow.name`, a literal (`ticket.priority`) and a value from an
//!   argument (`ticket.id`), all inherited by the calls inside;
//! - **the agent**, `#[llm_call(operation = "invoke_agent", agent = ...,
//!   conversation = ...)]`: an INTERNAL `invoke_agent support_agent` span with
//!   `gen_ai.agent.name` and `gen_ai.conversation.id`;
//! - **each LLM call**, `#[llm_call(provider = ..., prompt = ...,
//!   prompt_version = ..., request = req)]`: a CLIENT `chat {model}` span with
//!   the prompt template's name and version (`gen_ai.prompt.name`,
//!   `gen_ai.prompt.version`: "cost and latency per prompt version" becomes
//!   a plain query) next to the request, response and token usage;
//! - **the tool**, `#[llm_call(operation = "execute_tool", tool = ...,
//!   tool_type = ..., tool_call_id = ...)]`: an INTERNAL `execute_tool
//!   order_lookup` span;
//! - **the body of a call**, `llm_trace::current_call()`: attributes only
//!   known while the call runs (`cache.hit`) and a quality evaluation, exported
//!   as a `gen_ai.evaluation.result` event of the call's span.
//!
//! Telemetry goes where `llm_trace::init()` sends it; here, with nothing
//! configured, to the embedded default: OTLP JSON-lines files in the working
//! directory (`llm-trace.jsonl`; `LLM_TRACE_FILE` moves it). After shutting
//! telemetry down, the program reads back this run's spans (a fresh
//! `service.instance.id` per run tells them apart from earlier runs') and
//! prints them as a tree, every attribute under its span, followed by the
//! span events the tree does not show (the evaluation).

use llm_trace_testkit::readback::{is_this_run, new_instance_id, read_run};
use std::collections::{BTreeSet, HashMap};
use std::error::Error;
use std::fmt;
use std::path::Path;

use llm_trace::export::Destination;
use llm_trace::opentelemetry_semantic_conventions::resource::SERVICE_INSTANCE_ID;
use llm_trace::provider::anthropic::{Message, MessagesRequest, MessagesResponse};
use llm_trace::provider::openai::{ChatCompletion, ChatMessage, ChatRequest};
use llm_trace::{current_call, llm_call, with_metadata, Evaluation};
use llm_trace_testkit::mock::{Client, ClientError, MockServer};
use llm_trace_testkit::tree;
use opentelemetry::KeyValue;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue};
use opentelemetry_proto::tonic::trace::v1 as proto;
use serde_json::json;

/// A customer ticket, as the helpdesk hands it over.
struct Ticket {
    id: u64,
    /// The helpdesk's conversation thread: every message of the ticket.
    thread: String,
    order_id: String,
    text: String,
}

/// What the order database knows about an order.
#[derive(Debug)]
struct Order {
    status: &'static str,
    carrier: &'static str,
    eta: &'static str,
}

/// Why the agent could not answer.
#[derive(Debug)]
enum SupportError {
    Llm(ClientError),
    UnknownOrder(String),
}

impl fmt::Display for SupportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SupportError::Llm(error) => write!(f, "LLM call failed: {error}"),
            SupportError::UnknownOrder(id) => write!(f, "no order {id}"),
        }
    }
}

impl Error for SupportError {}

impl From<ClientError> for SupportError {
    fn from(error: ClientError) -> Self {
        SupportError::Llm(error)
    }
}

/// The workflow: one ticket, start to finish. Its span is the root of the
/// trace; `gen_ai.workflow.name`, `ticket.priority` and `ticket.id` reach
/// every span inside.
#[llm_trace::workflow(name = "support_ticket", ticket.priority = "high", fields(ticket.id = ticket.id))]
async fn handle_ticket(client: &Client, ticket: &Ticket) -> Result<String, SupportError> {
    support_agent(client, &ticket.thread, ticket).await
}

/// The support agent, running in this process: plan, look up, answer.
#[llm_call(operation = "invoke_agent", agent = "support_agent", conversation = thread)]
async fn support_agent(
    client: &Client,
    thread: &str,
    ticket: &Ticket,
) -> Result<String, SupportError> {
    // 1. Plan: which tool to call, and why.
    let plan = plan_ticket(client, plan_request(ticket)).await?;
    let plan_text = plan.choices[0].message.text().unwrap_or_default();
    println!("plan:   {plan_text}");

    // 2. Run the tool the plan calls for. The mock does not emit tool calls,
    //    so the call id is derived from the planning response's id, the way
    //    a real `tool_calls[].id` would be passed along.
    let call_id = format!("call_{}", plan.id);
    let order = order_lookup(&call_id, &ticket.order_id).await?;
    println!("tool:   order {} is {order:?}", ticket.order_id);

    // 3. Answer from what the tool found.
    let answer = answer_ticket(client, answer_request(ticket, &order)).await?;
    Ok(answer.text())
}

/// Plans the answer with OpenAI, from the prompt template `plan_ticket` v2.
#[llm_call(provider = "openai", prompt = "plan_ticket", prompt_version = "2",
           server = client.base_url(), request = req)]
async fn plan_ticket(client: &Client, req: ChatRequest) -> Result<ChatCompletion, ClientError> {
    client.openai_chat(&req).await
}

/// The tool: looks the order up in the shop's database (in process).
#[llm_call(operation = "execute_tool", tool = "order_lookup", tool_type = "function",
           tool_call_id = call_id)]
async fn order_lookup(call_id: &str, order_id: &str) -> Result<Order, SupportError> {
    let mut orders: HashMap<&str, Order> = HashMap::from([(
        "A-1017",
        Order {
            status: "shipped",
            carrier: "DHL",
            eta: "Thursday",
        },
    )]);
    orders
        .remove(order_id)
        .ok_or_else(|| SupportError::UnknownOrder(order_id.to_owned()))
}

/// Writes the reply with Anthropic, from the prompt template `answer_ticket`
/// v5, and records what only the body knows: whether the support policy
/// came from the prompt cache, and how helpful the reply is.
#[llm_call(provider = "anthropic", prompt = "answer_ticket", prompt_version = "5",
           server = client.base_url(), request = req)]
async fn answer_ticket(
    client: &Client,
    req: MessagesRequest,
) -> Result<MessagesResponse, ClientError> {
    let response = client.anthropic_messages(&req).await?;

    let call = current_call();
    let cache_read = response
        .usage
        .as_ref()
        .and_then(|u| u.cache_read_input_tokens)
        .unwrap_or(0);
    call.set_attribute("cache.hit", cache_read > 0);
    // A stand-in for a real grader (an LLM judge, a heuristic, a user's
    // thumbs-up): scores are compared across prompt versions and models.
    call.record_evaluation(
        Evaluation::new("helpfulness")
            .score(0.9)
            .label("helpful")
            .explanation("answers with the carrier and the delivery day"),
    );
    Ok(response)
}

const SUPPORT_POLICY: &str = "You are the support assistant of Acme Shop. Be brief and \
    friendly. Give the carrier and the expected delivery day when an order has shipped. \
    Never promise refunds; hand refund requests to a human.";

fn plan_request(ticket: &Ticket) -> ChatRequest {
    let mut req = ChatRequest::new(
        "gpt-4o-mini",
        vec![
            ChatMessage::system(
                "Decide which tool answers the customer's ticket. \
                 Tools: order_lookup(order_id).",
            ),
            ChatMessage::user(ticket.text.clone()),
        ],
    );
    req.temperature = Some(0.0);
    req.max_tokens = Some(100);
    req
}

fn answer_request(ticket: &Ticket, order: &Order) -> MessagesRequest {
    let facts = format!(
        "Order {}: {}, carrier {}, expected {}.",
        ticket.order_id, order.status, order.carrier, order.eta
    );
    let mut req = MessagesRequest::new(
        "claude-sonnet-4-5",
        300,
        vec![Message::user(format!(
            "Ticket: {}\nFacts: {facts}\nWrite the reply.",
            ticket.text
        ))],
    );
    // The policy is marked cacheable: this call writes it to the prompt
    // cache, later tickets read it (`cache.hit`).
    req.system = Some(json!([
        {"type": "text", "text": SUPPORT_POLICY, "cache_control": {"type": "ephemeral"}}
    ]));
    req.temperature = Some(0.3);
    req
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    // `llm_trace::init()` is all an application needs. The example adds a
    // fresh `service.instance.id` per run, to find its own spans in the
    // file afterwards: the file is appended to across runs.
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
    println!("mock LLM server at {}\n", server.base_url());

    let ticket = Ticket {
        id: 1017,
        thread: "thread-8842".to_owned(),
        order_id: "A-1017".to_owned(),
        text: "Hi, I ordered a standing desk last week (order A-1017). Where is it?".to_owned(),
    };

    // The request handler's scope: who the work is for and which product
    // feature it belongs to. Everything inside carries it.
    let reply = with_metadata(
        [("tenant", "acme"), ("feature", "support")],
        handle_ticket(&client, &ticket),
    )
    .await;
    match &reply {
        Ok(text) => println!("reply:  {text}"),
        Err(error) => println!("failed: {error}"),
    }

    // Shutting down exports what is still batched.
    let destination = telemetry.destination().cloned();
    telemetry
        .shutdown()
        .map_err(|e| format!("exporting telemetry failed: {e}"))?;
    reply?;

    match destination {
        Some(Destination::File { traces, .. }) => show_run(&traces, &run_id),
        Some(destination) => {
            println!("\nspans were exported: {destination}");
            Ok(())
        }
        None => Ok(()),
    }
}

/// Reads back this run's spans and prints them as a tree, then their events.
fn show_run(traces: &Path, run_id: &str) -> Result<(), Box<dyn Error>> {
    let requests: Vec<ExportTraceServiceRequest> = read_run(traces, run_id)?;
    let mut spans: Vec<&proto::Span> = requests
        .iter()
        .flat_map(|r| &r.resource_spans)
        .filter(|r| is_this_run(r.resource.as_ref(), run_id))
        .flat_map(|r| &r.scope_spans)
        .flat_map(|s| &s.spans)
        .collect();
    spans.sort_by_key(|s| s.start_time_unix_nano);

    let traces_seen: BTreeSet<&[u8]> = spans.iter().map(|s| s.trace_id.as_slice()).collect();
    println!(
        "\n{} spans in {} trace(s) of this run, read back from {}:\n",
        spans.len(),
        traces_seen.len(),
        traces.display()
    );
    println!("{}", tree::render(spans.iter().copied()));

    // The tree shows attributes only; span events (the evaluation) follow.
    println!("span events:");
    let mut any = false;
    for span in &spans {
        for event in &span.events {
            any = true;
            println!("  {}  ›  {}", span.name, event.name);
            let width = event.attributes.iter().map(|kv| kv.key.len()).max();
            for kv in &event.attributes {
                let width = width.unwrap_or(0);
                println!(
                    "      {:<width$}  {}",
                    kv.key,
                    value_text(kv.value.as_ref())
                );
            }
        }
    }
    if !any {
        println!("  (none)");
    }

    println!(
        "\nfile: {} (OTLP JSON lines, appended to across runs; \
         this run is {SERVICE_INSTANCE_ID}={run_id})",
        std::path::absolute(traces)
            .unwrap_or_else(|_| traces.to_owned())
            .display()
    );
    Ok(())
}

/// An event attribute's value, displayed like the tree's (strings quoted).
fn value_text(value: Option<&AnyValue>) -> String {
    match value.and_then(|v| v.value.as_ref()) {
        Some(any_value::Value::StringValue(s)) => format!("{s:?}"),
        Some(any_value::Value::IntValue(n)) => n.to_string(),
        Some(any_value::Value::DoubleValue(x)) => format!("{x:?}"),
        Some(any_value::Value::BoolValue(b)) => b.to_string(),
        Some(other) => format!("{other:?}"),
        None => "(empty)".to_owned(),
    }
}
