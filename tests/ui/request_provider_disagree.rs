use llm_trace::llm_call;
use llm_trace::provider::openai::{ChatCompletion, ChatRequest};

// An OpenAI request type under the Anthropic provider.
#[llm_call(provider = "anthropic", request = req)]
async fn chat(req: ChatRequest) -> Result<ChatCompletion, std::io::Error> {
    let _ = req;
    Ok(ChatCompletion::default())
}

fn main() {}
