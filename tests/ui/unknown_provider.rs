use llm_trace::llm_call;

#[llm_call(provider = "opnai")]
async fn chat() {}

fn main() {}
