use llm_trace::llm_call;

#[llm_call(provider = "openai", model = "gpt-4o", model = "gpt-4o-mini")]
async fn chat() {}

fn main() {}
