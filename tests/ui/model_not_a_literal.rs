use llm_trace::llm_call;

const MODEL: &str = "gpt-4o-mini";

#[llm_call(provider = "openai", model = MODEL)]
async fn chat() {}

fn main() {}
