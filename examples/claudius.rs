//! claudius's client and types in `#[llm_call]` functions, fully offline.
//!
//! ```text
//! cargo run --example claudius
//! ```
//!
//! With llm-trace's `claudius` feature, claudius's `MessageCreateParams`
//! gives the request attributes and its `Message` the response id, model,
//! stop reason, tool calls and token usage, prompt-cache reads and writes
//! included (summed into `gen_ai.usage.input_tokens`, as Anthropic's own
//! `input_tokens` leaves them out).
//!
//! ```toml
//! [dependencies]
//! llm-trace = { version = "0.1", features = ["claudius"] }
//! claudius = "0.33"
//! ```
//!
//! No network and no API key: claudius's own client talks to the offline
//! mock server (`llm_trace_testkit::mock`), which simulates Anthropic's prompt
//! cache: the first call writes the cached system prompt, the second reads
//! it. Spans go where `llm_trace::init()` sends them: OTLP when
//! `OTEL_EXPORTER_OTLP_ENDPOINT` is set, otherwise `llm-trace.jsonl` in the
//! working directory.

use std::error::Error;

use claudius::{
    CacheControlEphemeral, KnownModel, Message, MessageCreateParams, MessageParam, TextBlock,
};
use llm_trace::llm_call;
use llm_trace_testkit::mock::MockServer;

/// One Messages call: a `chat claude-sonnet-4-5` span with the request's
/// parameters and the response's id, model, stop reason and usage.
#[llm_call(provider = "anthropic", request = params, server = base_url)]
async fn ask(
    client: &claudius::Anthropic,
    base_url: &str,
    params: MessageCreateParams,
) -> Result<Message, claudius::Error> {
    client.send(params).await
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let telemetry = llm_trace::init()?;
    let server = MockServer::start().await?;
    let base_url = server.base_url();
    let client =
        claudius::Anthropic::new(Some("sk-ant-offline".into()))?.with_base_url(base_url.clone());

    let system = TextBlock::new("You are a terse assistant. ".repeat(40))
        .with_cache_control(CacheControlEphemeral::new());
    for question in ["What is OpenTelemetry?", "What is a span?"] {
        let params = MessageCreateParams::new(
            200,
            vec![MessageParam::user(question)],
            KnownModel::ClaudeSonnet45.into(),
        )
        .with_system_blocks(vec![system.clone()])
        .with_temperature(0.2)?;
        let message = ask(&client, &base_url, params).await?;
        let usage = &message.usage;
        println!(
            "{question} -> {:?}; tokens: {} in (+{} cache read, +{} cache write), {} out",
            message.stop_reason,
            usage.input_tokens,
            usage.cache_read_input_tokens.unwrap_or(0),
            usage.cache_creation_input_tokens.unwrap_or(0),
            usage.output_tokens,
        );
    }

    let destination = telemetry.destination().cloned();
    telemetry.shutdown()?;
    if let Some(destination) = destination {
        println!("spans `chat claude-sonnet-4-5` written to {destination}");
    }
    Ok(())
}
