use llm_trace::llm_call;

#[llm_call(provider = "openai" model = "gpt-4o-mini", fields(a = 1 b = 2))]
async fn chat() {}

fn main() {}
