use llm_trace::llm_call;

#[llm_call(provider = "openai", capture_content = "spans")]
async fn unknown_mode() {}

#[llm_call(provider = "openai", capture_content = true)]
async fn not_a_string() {}

fn main() {}
