use llm_trace::llm_call;

// A syntax error in the body is rustc's to report, where it is: the
// attribute leaves such a function as written and says nothing of its own.
#[llm_call(provider = "openai", model = "gpt-4o-mini")]
async fn chat(question: &str) -> usize {
    let length = question.len() +;
    length
}

fn main() {
    let _ = chat("hi");
}
