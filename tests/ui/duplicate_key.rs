use llm_trace::llm_call;

// Metadata and `fields(...)` share one set of attribute keys.
#[llm_call(
    provider = "openai",
    app.flow = "triage",
    app.flow = "summarize",
    fields(attempt, attempt = attempt + 1, "app.flow" = 1)
)]
async fn chat(attempt: u32) {
    let _ = attempt;
}

fn main() {}
