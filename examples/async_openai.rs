//! async-openai's types in `#[llm_call]` functions, fully offline.
//!
//! ```text
//! cargo run --example async_openai
//! ```
//!
//! With llm-trace's `async-openai` feature, async-openai's request and
//! response types describe calls directly: `CreateChatCompletionRequest`
//! gives the request attributes, `CreateChatCompletionResponse` the response
//! id, model, finish reasons, token usage and tool calls. The same holds for
//! the Responses API (`CreateResponse` / `Response`), embeddings, stream
//! chunks, and for every OpenAI-compatible provider (`provider =
//! "azure.ai.openai"`, `"deepseek"`, `openai_compatible("vllm")`, ...).
//!
//! ```toml
//! [dependencies]
//! llm-trace = { version = "0.1", features = ["async-openai"] }
//! async-openai = "0.43"
//! ```
//!
//! No network and no API key: the call goes to the offline mock server
//! (`llm_trace_testkit::mock`), with reqwest, deserialized into async-openai's
//! response type. With async-openai's own client the body of `chat` is
//! `client.chat().create(req.clone()).await` and nothing else changes.
//! Spans go where `llm_trace::init()` sends them: OTLP when
//! `OTEL_EXPORTER_OTLP_ENDPOINT` is set, otherwise `llm-trace.jsonl` in the
//! working directory.

use std::error::Error;

use async_openai::types::chat::{
    ChatCompletionRequestSystemMessage, ChatCompletionRequestUserMessage,
    CreateChatCompletionRequest, CreateChatCompletionRequestArgs, CreateChatCompletionResponse,
};
use llm_trace::llm_call;
use llm_trace_testkit::mock::{MockServer, OPENAI_CHAT_PATH};

/// One Chat Completions call: a `chat gpt-4o-mini` span with the request's
/// parameters and the response's id, model, finish reasons and usage.
#[llm_call(provider = "openai", request = req, server = base_url)]
async fn chat(
    http: &reqwest::Client,
    base_url: &str,
    req: &CreateChatCompletionRequest,
) -> Result<CreateChatCompletionResponse, reqwest::Error> {
    http.post(format!("{base_url}{OPENAI_CHAT_PATH}"))
        .json(req)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let telemetry = llm_trace::init()?;
    let server = MockServer::start().await?;
    let base_url = server.base_url();
    let http = reqwest::Client::new();

    let req = CreateChatCompletionRequestArgs::default()
        .model("gpt-4o-mini")
        .messages([
            ChatCompletionRequestSystemMessage::from("Answer in one sentence.").into(),
            ChatCompletionRequestUserMessage::from("What is OpenTelemetry?").into(),
        ])
        .temperature(0.2)
        .max_completion_tokens(100u32)
        .build()?;

    let response = chat(&http, &base_url, &req).await?;
    let choice = &response.choices[0];
    println!(
        "answer: {}",
        choice.message.content.as_deref().unwrap_or("")
    );
    println!("finish reason: {:?}", choice.finish_reason);
    if let Some(usage) = &response.usage {
        println!(
            "tokens: {} in, {} out",
            usage.prompt_tokens, usage.completion_tokens
        );
    }

    let destination = telemetry.destination().cloned();
    telemetry.shutdown()?;
    if let Some(destination) = destination {
        println!("span `chat gpt-4o-mini` written to {destination}");
    }
    Ok(())
}
