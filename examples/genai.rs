//! genai's client and types in `#[llm_call]` functions, fully offline.
//!
//! ```text
//! cargo run --example genai
//! ```
//!
//! With llm-trace's `genai` feature, genai's `ChatOptions` gives the request
//! attributes and its `ChatResponse` (or a stream's `StreamEnd`) the
//! response id, model, stop reason, tool calls and token usage, which genai
//! has already normalized across its adapters (OpenAI, Anthropic, Gemini,
//! Bedrock, Ollama, DeepSeek, Groq, xAI, ...).
//!
//! ```toml
//! [dependencies]
//! llm-trace = { version = "0.1", features = ["genai"] }
//! genai = "0.7"   # never with genai's `otel` feature: it would trace every call twice
//! ```
//!
//! No network and no API key: genai's own client talks to the offline mock
//! server (`llm_trace_testkit::mock`) through a service-target resolver, once
//! with its OpenAI adapter and once with its Anthropic adapter. Spans go
//! where `llm_trace::init()` sends them: OTLP when
//! `OTEL_EXPORTER_OTLP_ENDPOINT` is set, otherwise `llm-trace.jsonl` in the
//! working directory.

use std::error::Error;

use genai::adapter::AdapterKind;
use genai::chat::{ChatMessage, ChatOptions, ChatRequest, ChatResponse};
use genai::resolver::{AuthData, Endpoint, ServiceTargetResolver};
use genai::{Client, ModelIden, ServiceTarget};
use llm_trace::llm_call;
use llm_trace_testkit::mock::MockServer;

/// One chat through genai's OpenAI adapter: a `chat gpt-4o-mini` span.
#[llm_call(provider = "openai", model = "gpt-4o-mini", request = options, server = base_url, feature = "faq")]
async fn ask_openai(
    client: &Client,
    base_url: &str,
    question: &str,
    options: &ChatOptions,
) -> Result<ChatResponse, genai::Error> {
    let request = ChatRequest::default()
        .with_system("Answer in one sentence.")
        .append_message(ChatMessage::user(question));
    client
        .exec_chat("openai::gpt-4o-mini", request, Some(options))
        .await
}

/// One chat through genai's Anthropic adapter: a `chat claude-haiku-4-5` span.
#[llm_call(provider = "anthropic", model = "claude-haiku-4-5", request = options, server = base_url, feature = "faq")]
async fn ask_anthropic(
    client: &Client,
    base_url: &str,
    question: &str,
    options: &ChatOptions,
) -> Result<ChatResponse, genai::Error> {
    let request = ChatRequest::default()
        .with_system("Answer in one sentence.")
        .append_message(ChatMessage::user(question));
    client
        .exec_chat("anthropic::claude-haiku-4-5", request, Some(options))
        .await
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let telemetry = llm_trace::init()?;
    let server = MockServer::start().await?;
    let base_url = server.base_url();

    // Every model goes to the mock server, keeping genai's adapter choice.
    let endpoint = format!("{base_url}/v1/");
    let resolver = ServiceTargetResolver::from_resolver_fn(
        move |target: ServiceTarget| -> Result<ServiceTarget, genai::resolver::Error> {
            Ok(ServiceTarget {
                endpoint: Endpoint::from_owned(endpoint.clone()),
                auth: AuthData::from_single("offline-key"),
                model: ModelIden::new(target.model.adapter_kind, target.model.model_name),
            })
        },
    );
    let client = Client::builder()
        .with_service_target_resolver(resolver)
        .build()?;
    let options = ChatOptions::default()
        .with_temperature(0.2)
        .with_max_tokens(200);

    let question = "What is OpenTelemetry?";
    let response = ask_openai(&client, &base_url, question, &options).await?;
    print_response("openai", &response);
    let response = ask_anthropic(&client, &base_url, question, &options).await?;
    print_response("anthropic", &response);
    debug_assert_eq!(response.model_iden.adapter_kind, AdapterKind::Anthropic);

    let destination = telemetry.destination().cloned();
    telemetry.shutdown()?;
    if let Some(destination) = destination {
        println!("spans `chat gpt-4o-mini` and `chat claude-haiku-4-5` written to {destination}");
    }
    Ok(())
}

fn print_response(adapter: &str, response: &ChatResponse) {
    let usage = &response.usage;
    println!(
        "{adapter}: {:?} -> {:?}; tokens: {} in, {} out",
        response.provider_model_iden.model_name.to_string(),
        response.first_text().unwrap_or_default(),
        usage.prompt_tokens.unwrap_or(0),
        usage.completion_tokens.unwrap_or(0),
    );
}
