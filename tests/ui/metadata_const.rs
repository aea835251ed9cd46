use llm_trace::llm_call;

const PROMPT: i64 = 7;

mod prompts {
    pub const SUMMARY: &str = "summary-v2";
}

// Metadata in the annotation is a literal; a constant goes in `fields(...)`.
#[llm_call(provider = "openai", prompt_id = PROMPT, template = prompts::SUMMARY)]
async fn chat() {}

fn main() {}
