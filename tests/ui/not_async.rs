use llm_trace::llm_call;

#[llm_call(provider = "openai")]
fn chat() {}

fn main() {}
