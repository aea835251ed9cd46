use llm_trace::llm_call;

#[llm_call(
    provider = "openai",
    fields(user.id, "retry", attempt => attempt, tier = , kind = %, x + 1, %attempt)
)]
async fn chat(attempt: u32) {
    let _ = attempt;
}

fn main() {}
