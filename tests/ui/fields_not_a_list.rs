use llm_trace::llm_call;

#[llm_call(provider = "openai", fields = attempt)]
async fn chat(attempt: u32) {
    let _ = attempt;
}

fn main() {}
