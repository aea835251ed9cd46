use llm_trace::llm_call;

pub struct Backend;

#[llm_call(provider = Backend)]
async fn chat() {}

fn main() {}
