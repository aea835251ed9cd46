use llm_trace::llm_call;

#[llm_call(model = "gpt-4o-mini")]
async fn chat() {}

fn main() {}
