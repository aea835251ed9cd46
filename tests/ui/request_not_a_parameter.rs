use llm_trace::llm_call;
use llm_trace::provider::openai::ChatRequest;

#[llm_call(provider = "openai", request = req)]
async fn chat(request: ChatRequest, attempt: u32) {
    let _ = (request, attempt);
}

fn main() {}
