use llm_trace::llm_call;

#[llm_call(provider = "openai", model = "gpt-4o", response = ignore)]
async fn chat() -> Result<String, std::io::Error> {
    Ok(String::new())
}

#[llm_call(provider = "openai", model = "gpt-4o", response = none, stream)]
async fn both() -> Result<String, std::io::Error> {
    Ok(String::new())
}

fn main() {}
