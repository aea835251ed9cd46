use llm_trace::llm_call;

#[llm_call(provider = "openai")]
pub struct Chat;

fn main() {
    let _ = Chat;
}
