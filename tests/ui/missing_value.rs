use llm_trace::llm_call;

#[llm_call(provider = "openai", model = , server, app.flow =)]
async fn chat() {}

fn main() {}
