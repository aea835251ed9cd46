use llm_trace::llm_call;

/// A reply type of the user's own, without `ResponseFacts`.
pub struct Reply {
    pub text: String,
    pub tokens: u64,
}

#[llm_call(provider = "openai", model = "gpt-4o")]
async fn chat() -> Result<Reply, std::io::Error> {
    Ok(Reply {
        text: String::new(),
        tokens: 0,
    })
}

fn main() {}
