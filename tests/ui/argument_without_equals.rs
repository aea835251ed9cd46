use llm_trace::llm_call;

#[llm_call(provider => "openai", model: "gpt-4o-mini", name("summarize"), app.flow == "triage")]
async fn chat() {}

fn main() {}
