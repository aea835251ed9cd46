use llm_trace::llm_call;

#[llm_call(provider = "openai", model = "gpt-4o-mini", stream = true)]
async fn chat() -> Result<u32, std::io::Error> {
    Ok(1)
}

#[llm_call(provider = "openai", model = "gpt-4o-mini", stream)]
async fn nothing() {}

fn main() {}
